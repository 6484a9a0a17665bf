"""Pagination shared by the named-query and hub routes: `limit`/`offset` query parameters,
`links` in the JSON envelope and the same links as an RFC 8288 `Link` header."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field


class PageLinks(BaseModel):
    self: str
    first: str
    next: str | None = Field(default=None, description="Absent on the last page.")
    prev: str | None = Field(default=None, description="Absent on the first page.")


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def links(self, request: Request, *, has_next: bool) -> PageLinks:
        """Links to this, the first, the next (when `has_next`) and the previous page, with every
        other query parameter of the request kept as it was."""

        def at(offset: int) -> str:
            return str(request.url.include_query_params(limit=self.limit, offset=offset))

        return PageLinks(
            self=at(self.offset),
            first=at(0),
            next=at(self.offset + self.limit) if has_next else None,
            prev=at(max(self.offset - self.limit, 0)) if self.offset > 0 else None,
        )


def link_header(links: PageLinks) -> str:
    """RFC 8288 `Link` field value, e.g. `<...offset=20>; rel="next", <...>; rel="first"`."""
    rels = {"first": links.first, "prev": links.prev, "next": links.next}
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in rels.items() if url is not None)


def set_link_header(response: Response, links: PageLinks) -> None:
    response.headers["Link"] = link_header(links)


def page_dependency(default: int, maximum: int) -> Callable[..., Page]:
    """A FastAPI dependency reading `limit` (1..maximum) and `offset` (>= 0) into a Page."""

    # Query() as the default, not in Annotated: the annotation is a string under
    # `from __future__ import annotations` and could not see `maximum`.
    def page(
        limit: int = Query(
            default, ge=1, le=maximum, description=f"Rows per page (at most {maximum})."
        ),
        offset: int = Query(0, ge=0, description="Rows to skip."),
    ) -> Page:
        return Page(limit=limit, offset=offset)

    return page
