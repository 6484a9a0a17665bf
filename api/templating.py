"""The Jinja2 templates of the HTML views (api/templates; no CDN, no scripts from elsewhere).

API:
- `render(name, context, headers=None) -> HTMLResponse`: a template of api/templates
  (autoescaped), rendered in a worker thread so a long page never holds up the event loop.
- `Links(request)`: turns IRIs into links; IRIs under https://w3id.org/atmp-kg/ become paths of
  this server (`/id/...`, `/ontology#Term`) so that browsing stays on the deployment at hand.
  `links.href(iri)`, `links.short(iri)` (a compact IRI for display), `links.path(p)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import anyio.to_thread
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph_builder.namespaces import ATMP, BASE, GRAPH, PREFIXES

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"

# Templates ship with the package and do not change under a running server: no mtime check
# per render (auto_reload), which showed in profiles of the HTML views.
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)


async def render(
    name: str, context: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    template = _environment.get_template(name)
    html = await anyio.to_thread.run_sync(template.render, dict(context))
    return HTMLResponse(html, headers=headers)


class Links:
    def __init__(self, request: Request) -> None:
        self.root = str(request.scope.get("root_path", "")).rstrip("/")

    def path(self, path: str) -> str:
        return f"{self.root}/{path.lstrip('/')}"

    def href(self, iri: str) -> str:
        if iri.startswith(ATMP):
            return self.path("ontology") + "#" + iri[len(ATMP) :]
        if iri.startswith(BASE + "id/"):
            return self.path(iri[len(BASE) :])
        return iri

    def is_local(self, iri: str) -> bool:
        return iri.startswith(BASE + "id/") or iri.startswith(ATMP)

    def short(self, iri: str) -> str:
        if iri.startswith(BASE + "id/"):
            return iri[len(BASE + "id/") :]
        if iri.startswith(GRAPH):
            return "graph/" + iri[len(GRAPH) :]
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri
