"""The web page (`/`) and its static files (`/static/...`): plain HTML, CSS and JavaScript served
by the app itself — no CDN, no build step — so the page works offline. Third-party code is
vendored under api/static/vendor/ (see its README)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.staticfiles import StaticFiles

from api.errors import error_responses
from api.negotiation import HTML_OFFER, VARY, choose

STATIC: Final = Path(__file__).resolve().parent.parent / "static"
# Vendored files change only with their version; the app's own files may change with any deploy,
# so browsers revalidate them (StaticFiles answers 304 from ETag / Last-Modified).
VENDOR_CACHE: Final = "public, max-age=86400"
APP_CACHE: Final = "no-cache"

router = APIRouter(tags=["web page"])
_files = StaticFiles(directory=STATIC)


async def _file(path: str, request: Request) -> Response:
    response = await _files.get_response(path, request.scope)
    cache = VENDOR_CACHE if path.startswith("vendor/") else APP_CACHE
    response.headers["Cache-Control"] = cache
    return response


@router.get(
    "/",
    name="web_page",
    summary="The web page: search, facility finder, SPARQL editor, entity views",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **error_responses(406)},
)
async def web_page(request: Request) -> Response:
    choose(request, (HTML_OFFER,))  # 406 for a client that cannot take HTML
    response = await _file("index.html", request)
    response.headers.update(VARY)
    return response


@router.get("/static/{path:path}", name="static", include_in_schema=False)
async def static_file(path: str, request: Request) -> Response:
    """A file under api/static; StaticFiles refuses paths that leave the folder (404)."""
    return await _file(path, request)
