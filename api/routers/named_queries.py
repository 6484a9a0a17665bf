"""`/queries` (the catalogue) and `/queries/{query_id}`: every named query of queries/ becomes
its own OpenAPI operation, with its parameters typed and documented from the query's header.

- Parameters are validated by the catalogue (queries.catalogue: one validator for the CLI and
  the API), so a bad value is a 400 `bad_parameter` naming the parameter; an unknown one too.
- Pages: `limit` / `offset`, with RFC 8288 `Link` headers (rel first / prev / next).
- Formats, by `Accept` or `format=`: SPARQL results JSON (default), XML, CSV, TSV, and JSON-LD
  (each row a node whose properties are the query's columns).
- A strong `ETag` from the store version, the day, the query, its parameters as bound, the page
  and the format; `If-None-Match` with a current tag answers 304 without running the query.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from functools import partial
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from pyoxigraph import BlankNode, Literal, NamedNode

from api.deps import ApiContext, current_version, get_context, in_thread, run_query
from api.errors import error_responses
from api.negotiation import HTML_OFFER, RESULT_OFFERS, VARY, Fmt, Offer, choose, serialize_result
from api.routers.paging import Page, PageLinks, link_header, page_dependency
from graph_builder.errors import NotFound, ParameterError, QuerySyntaxError
from graph_builder.iris import EMA_NUMBER_RE, EUCT_RE, EUDRACT_RE, NCT_RE
from graph_builder.namespaces import PREFIXES, XSD
from graph_builder.store.base import SelectResult, Term
from queries.catalogue import NamedQuery, Parameter, load_catalogue

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 10_000
JSONLD_OFFER: Final = Offer("application/ld+json", Fmt.JSONLD)
OFFERS: Final = (*RESULT_OFFERS, JSONLD_OFFER)
# Query-string names the API itself uses; a named-query parameter may not take them.
RESERVED: Final = frozenset({"limit", "offset", "format"})
TAG: Final = "named queries"

# The OpenAPI schema of each catalogue type; the catalogue does the validating.
_SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "iri": {"type": "string", "format": "iri-reference"},
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "date": {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2}|today)$"},
    "boolean": {"type": "boolean"},
    "enum": {"type": "string"},
    "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    "eudract": {"type": "string", "pattern": EUDRACT_RE.pattern},
    "euct": {"type": "string", "pattern": EUCT_RE.pattern},
    "nct": {"type": "string", "pattern": NCT_RE.pattern},
    "ema_number": {"type": "string", "pattern": EMA_NUMBER_RE.pattern},
}

router = APIRouter(tags=[TAG])
PageDep = Annotated[Page, Depends(page_dependency(DEFAULT_LIMIT, MAX_LIMIT))]


# --- the catalogue -----------------------------------------------------------------------------


class ParameterOut(BaseModel):
    name: str
    type: str
    required: bool
    default: str | None
    allowed: list[str]
    description: str
    pattern: str | None
    minimum: int | None
    maximum: int | None


class QueryOut(BaseModel):
    id: str
    topic: str
    summary: str
    description: str
    tags: list[str]
    competency: list[str]
    parameters: list[ParameterOut]
    example: dict[str, str]
    sparql: str = Field(description="The SPARQL text; parameters are bound as VALUES at run time.")
    href: str = Field(description="Path of the operation that runs the query.")
    example_href: str = Field(description="The operation with the example's parameters.")


class Catalogue(BaseModel):
    items: list[QueryOut]
    total: int
    limit: int
    offset: int
    links: PageLinks


def query_out(q: NamedQuery, request: Request) -> QueryOut:
    href = request.app.url_path_for(operation_name(q))
    example = request.url.replace(path=str(href), query="").include_query_params(**q.example)
    return QueryOut(
        id=q.id,
        topic=q.topic,
        summary=q.summary,
        description=q.description,
        tags=q.tags,
        competency=q.competency,
        parameters=[
            ParameterOut(
                name=p.name,
                type=p.type,
                required=p.required,
                default=p.default,
                allowed=list(p.allowed),
                description=p.description,
                pattern=p.pattern or _SCHEMAS[p.type].get("pattern"),
                minimum=p.minimum,
                maximum=p.maximum,
            )
            for p in q.parameters
        ],
        example=q.example,
        sparql=q.sparql,
        href=str(href),
        example_href=str(example.path) + ("?" + example.query if example.query else ""),
    )


@router.get(
    "/queries",
    response_model=Catalogue,
    summary="The catalogue of named queries",
    responses={
        200: {"content": {"application/json": {}}},
        303: {"description": "A browser asking for HTML is sent to the web page's query list."},
        **error_responses(406, 422),
    },
)
def catalogue(request: Request, response: Response, page: PageDep) -> Catalogue | Response:
    offer = choose(request, (Offer("application/json", Fmt.JSON), HTML_OFFER))
    if offer is HTML_OFFER:
        return RedirectResponse(str(request.app.url_path_for("web_page")) + "#queries", 303, VARY)
    queries = sorted(load_catalogue().values(), key=lambda q: (q.topic, q.id))
    window = queries[page.offset : page.offset + page.limit]
    links = page.links(request, has_next=page.offset + page.limit < len(queries))
    response.headers["Link"] = link_header(links)
    response.headers.update(VARY)
    return Catalogue(
        items=[query_out(q, request) for q in window],
        total=len(queries),
        limit=page.limit,
        offset=page.offset,
        links=links,
    )


# --- one operation per query -------------------------------------------------------------------


def operation_name(q: NamedQuery) -> str:
    return f"query_{q.id}"


def matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison; `*` matches any current representation."""
    candidates = [t.strip() for t in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == tag for c in candidates)


def given_parameters(request: Request, q: NamedQuery) -> dict[str, str]:
    """The query-string values meant for the named query: every name but the API's own, once."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in RESERVED:
            continue
        if name in params:
            raise ParameterError(f"parameter {name} is given more than once")
        params[name] = value
    return params


def entity_tag_of(
    version: str, q: NamedQuery, terms: Mapping[str, Term], page: Page, offer: Offer
) -> str:
    """The strong ETag of one answer. The day is part of it because an answer may depend on it
    (`today` parameters and defaults, live manufacturability) without the store changing."""
    bound = json.dumps(sorted((name, str(term)) for name, term in terms.items()))
    parts = (version, date.today().isoformat(), q.id, q.sparql, bound, str(page), offer.media_type)
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def jsonld_rows(result: SelectResult, vocabulary: str) -> bytes:
    """The rows as JSON-LD: a node per row, each column a property in the query's vocabulary."""
    context: dict[str, Any] = {"@vocab": vocabulary, **PREFIXES}
    graph = []
    for row in result:
        node: dict[str, Any] = {}
        for name, term in row.items():
            if isinstance(term, NamedNode):
                node[name] = {"@id": term.value}
            elif isinstance(term, BlankNode):
                node[name] = {"@id": f"_:{term.value}"}
            elif isinstance(term, Literal):
                if term.language:
                    node[name] = {"@value": term.value, "@language": term.language}
                elif term.datatype.value == XSD + "string":
                    node[name] = term.value
                else:
                    node[name] = {"@value": term.value, "@type": term.datatype.value}
        graph.append(node)
    return json.dumps({"@context": context, "@graph": graph}, ensure_ascii=False).encode()


def make_endpoint(q: NamedQuery) -> Callable[..., Awaitable[Response]]:
    async def run_named_query(
        request: Request, ctx: ApiContext, page: Page, **documented: str | None
    ) -> Response:
        # `documented` holds the query's parameters as FastAPI read them for OpenAPI; the values
        # are taken from the query string instead, so that unknown names are noticed too.
        offer = choose(request, OFFERS)
        params = given_parameters(request, q)
        terms = q.terms(params)  # every name and value checked before anything runs
        version = await current_version(ctx)
        tag = entity_tag_of(version, q, terms, page, offer)
        headers = {**VARY, "ETag": tag, "Cache-Control": "no-cache"}
        if matches(request.headers.get("if-none-match", ""), tag):
            return Response(status_code=304, headers=headers)
        # One row more than asked tells whether a next page exists.
        result = await run(ctx, q, params, terms, page.limit + 1, page.offset)
        rows = SelectResult(result.variables, result.rows[: page.limit])
        links = page.links(request, has_next=len(result.rows) > page.limit)
        headers["Link"] = link_header(links)
        if offer.fmt is Fmt.JSONLD:
            body = jsonld_rows(rows, ctx.public_url(f"queries/{q.id}#"))
        else:
            body = serialize_result(rows, offer.fmt)
        return Response(body, media_type=offer.content_type, headers=headers)

    run_named_query.__signature__ = _signature(q)  # type: ignore[attr-defined]
    return run_named_query


async def run(
    ctx: ApiContext,
    q: NamedQuery,
    params: Mapping[str, str],
    terms: Mapping[str, Term],
    limit: int,
    offset: int,
) -> SelectResult:
    """The query through the guarded executor (time limit, result cap) with `terms`, the
    parameters as the catalogue validated them; a live query (its `live:` parameter given) is
    computed by NamedQuery.run itself, which calls graph_builder.manufacturability."""
    if q.live is not None and q.live in terms:
        return await in_thread(partial(q.run, ctx.store, params, limit=limit, offset=offset))
    result = await run_query(ctx, q.paged_sparql(limit, offset, terms), terms)
    if not isinstance(result, SelectResult):
        raise QuerySyntaxError(f"query {q.id} is not a SELECT query")
    return result


def _signature(q: NamedQuery) -> inspect.Signature:
    """What FastAPI turns into the operation's parameters: the request, the context, the page,
    the query's own parameters (typed in OpenAPI, validated by the catalogue), `format`."""
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    keyword = inspect.Parameter.KEYWORD_ONLY
    shared = [
        inspect.Parameter("request", positional, annotation=Request),
        inspect.Parameter(
            "ctx", positional, annotation=Annotated[ApiContext, Depends(get_context)]
        ),
        inspect.Parameter("page", positional, annotation=PageDep),
    ]
    own = [
        inspect.Parameter(f"p_{p.name}", keyword, default=_query_param(p), annotation=str)
        for p in q.parameters
    ]
    fmt = inspect.Parameter(
        "format",
        keyword,
        default=Query(
            None, description="Overrides Accept: json, xml, csv, tsv, jsonld or a media type."
        ),
        annotation=str,
    )
    return inspect.Signature([*shared, *own, fmt])


def _query_param(p: Parameter) -> Any:
    schema = dict(_SCHEMAS[p.type])
    if p.allowed:
        schema["enum"] = list(p.allowed)
    if p.pattern:
        schema["pattern"] = p.pattern
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    if p.default is not None:
        schema["default"] = p.default
    return Query(
        ... if p.required else None,
        alias=p.name,
        description=p.description or p.name,
        json_schema_extra=schema,
    )


def add_query_routes(target: APIRouter, queries: Mapping[str, NamedQuery]) -> None:
    for q in sorted(queries.values(), key=lambda q: (q.topic, q.id)):
        bad = {p.name for p in q.parameters} & RESERVED
        if bad:
            raise ParameterError(f"query {q.id}: parameter names {sorted(bad)} are reserved")
        target.add_api_route(
            f"/queries/{q.id}",
            make_endpoint(q),
            methods=["GET"],
            name=operation_name(q),
            operation_id=operation_name(q),
            summary=q.summary,
            description=_description(q),
            tags=[TAG, q.topic],
            response_class=Response,
            responses={
                200: {
                    "description": "One page of the answer.",
                    "content": {o.media_type: {} for o in OFFERS},
                    "headers": {
                        "ETag": {"schema": {"type": "string"}},
                        "Link": {"schema": {"type": "string"}, "description": "RFC 8288"},
                    },
                },
                304: {"description": "Not modified (If-None-Match matched the ETag)."},
                **error_responses(400, 406, 422, 504),
            },
        )


def _description(q: NamedQuery) -> str:
    lines = [q.description]
    if q.competency:
        lines.append(f"\nCompetency questions: {', '.join(q.competency)}.")
    if q.example:
        example = "&".join(f"{k}={v}" for k, v in q.example.items())
        lines.append(f"\nExample: `/queries/{q.id}?{example}`")
    return "\n".join(lines)


add_query_routes(router, load_catalogue())


@router.get("/queries/{query_id}", include_in_schema=False)
def unknown_query(query_id: str) -> None:
    # Registered after every real query, so whatever reaches it names no query.
    raise NotFound(f"no named query {query_id!r}; the catalogue is at /queries")
