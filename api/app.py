"""The FastAPI application: one app for researchers (SPARQL), the GMP hub (lookups, web page) and
integrators (linked data).

API:
- `create_app(settings=None, store=None) -> FastAPI`: settings default to the environment
  (`ATMP_KG_...`); the store defaults to the one the settings select (embedded or remote).
  Reads run through the guarded executor (worker processes, enforced timeout); the app closes
  it and the store on shutdown. Called without arguments it is the app factory each process of
  `atmp-kg serve --workers N` runs (uvicorn's `api.app:create_app`, settings from the
  environment).

Routes: /sparql, /graph (Graph Store Protocol), /id/... and /context.jsonld, /ontology, /void,
/dumps, /health, /docs and /openapi.json; / (web page), /queries (named queries) and /api/...
(hub lookups) come from their own routers. Request bodies are capped (`max_query_bytes`;
`max_upload_bytes` for the graph store) before a route reads them; CORS is open to any origin
for anonymous reads only (no credentials, no Authorization header, no writing methods).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from api import errors
from api.deps import ApiContext, ApiSettings, in_thread
from api.errors import ApiError, ErrorBody, error_response
from api.routers import (
    entities,
    graph_store,
    hub,
    meta,
    named_queries,
    ontology,
    sparql,
    web,
)
from api.templating import Links, render
from api.warming import Warmer
from graph_builder.settings import Settings
from graph_builder.store import Store, open_store
from graph_builder.store.guarded import open_executor

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DESCRIPTION = """Linked data and SPARQL over a knowledge graph of EU Advanced Therapy Medicinal
Products: products, clinical trials, GMP facilities, materials and regulatory pathways.
Errors are JSON `{"error", "message", "detail"}`. See docs/api.md for negotiation, limits and
authentication."""


def _package_version() -> str:
    try:
        return version("atmp-kg")
    except PackageNotFoundError:
        return "0.0.0+checkout"


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    api_settings = ApiSettings.from_settings(settings)
    the_store = store if store is not None else open_store(api_settings)
    executor = open_executor(
        the_store, workers=api_settings.query_workers, timeout=api_settings.query_timeout
    )

    warmer = Warmer(the_store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Built once, off the event loop: FastAPI would build it inside the first request.
        await in_thread(app.openapi)
        warmer.start()
        yield
        warmer.stop()
        executor.close()
        if store is None:  # the app opened it, so the app closes it
            the_store.close()

    app = FastAPI(
        title="atmp-kg",
        version=_package_version(),
        description=DESCRIPTION,
        docs_url=None,  # the bundled Swagger UI loads scripts from a CDN; /docs is served below
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.atmp = ApiContext(api_settings, the_store, executor)
    errors.install(app)
    for module in (sparql, graph_store, entities, ontology, meta, web, named_queries, hub):
        app.include_router(module.router)
    app.add_api_route("/docs", _docs_page, include_in_schema=False, response_class=HTMLResponse)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    app.add_middleware(
        BodyLimit,
        limit_for=lambda path: (
            api_settings.max_upload_bytes
            if path == graph_store.PATH or path.startswith(graph_store.PATH + "/")
            else api_settings.max_query_bytes
        ),
    )
    # Added last, so outermost: error answers (413 included) carry the CORS headers too.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Accept-Language", "Content-Type", "If-None-Match"],
        expose_headers=["Content-Type", "Vary", "Link", "Location", "ETag"],
        max_age=3600,
    )
    return app


async def _docs_page(request: Request) -> HTMLResponse:
    schema = await in_thread(request.app.openapi)
    return await render("docs.html", {"links": Links(request), "api": schema})


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # Validation errors leave through api/errors.py too, so document the body they have.
        if "HTTPValidationError" in components:
            components["HTTPValidationError"] = ErrorBody.model_json_schema()
        app.openapi_schema = schema
    return app.openapi_schema


class BodyLimit:
    """Refuses request bodies larger than the limit of their path with 413, before a route
    reads them (by Content-Length) or while it reads them (chunked bodies)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = error_response(*_too_large(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(*_too_large(limit))
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> tuple[int, str, str, dict[str, int]]:
    return (
        413,
        "content_too_large",
        f"the request body is larger than this route accepts ({limit} bytes)",
        {"limit": limit},
    )
