"""`/ontology`: the OWL ontology (`https://w3id.org/atmp-kg/ontology#`) with content negotiation:
Turtle is ontology/atmp.ttl as edited; N-Triples, JSON-LD and RDF/XML are written from it;
HTML is the pyLODE documentation (`ontology.docs.build_docs`), generated on first request
into the cache folder (or taken from ontology/docs/ when that copy is current).
`/ontology/{file}` serves the other files of that documentation folder (RDF/XML releases, ...).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path as FsPath
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from api.deps import ApiContext, ContextDep, in_thread
from api.errors import error_responses
from api.negotiation import ENTITY_OFFERS, VARY, Fmt, choose, rdf_response, serialize_result
from graph_builder.errors import NotFound
from ontology.docs import build_docs
from ontology.model import ALIGNMENTS_TTL, ATMP_TTL, DEFAULT_DOCS_DIR, load_ontology_triples

router = APIRouter(tags=["ontology"], default_response_class=Response)

_DOCS_LOCK: Final = threading.Lock()
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The ontology.", "content": {o.media_type: {} for o in ENTITY_OFFERS}},
    **error_responses(406),
}


@router.get("/ontology", summary="The ontology", operation_id="get_ontology", responses=_RESPONSES)
async def ontology(request: Request, ctx: ContextDep, format: str | None = None) -> Response:
    offer = choose(request, ENTITY_OFFERS)
    if offer.fmt is Fmt.HTML:
        index = await docs_dir(ctx) / "index.html"
        return FileResponse(index, media_type=offer.content_type, headers=VARY)
    if offer.fmt is Fmt.TURTLE:
        return rdf_response(await in_thread(ATMP_TTL.read_bytes), offer)
    return rdf_response(await in_thread(_serialised, offer.fmt, _sources_digest()), offer)


router.add_api_route(
    "/ontology", ontology, methods=["HEAD"], operation_id="head_ontology", include_in_schema=False
)


@router.get(
    "/ontology/{name}",
    summary="A file of the ontology documentation (atmp.rdf, atmp-full.rdf, ...)",
    operation_id="get_ontology_file",
    responses=error_responses(404),
)
async def ontology_file(ctx: ContextDep, name: str) -> FileResponse:
    folder = await docs_dir(ctx)
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        raise NotFound(f"no ontology file {name}")
    return FileResponse(path)


_serialised_cache: dict[tuple[Fmt, str], bytes] = {}


def _serialised(fmt: Fmt, digest: str) -> bytes:
    key = (fmt, digest)
    if key not in _serialised_cache:
        triples = load_ontology_triples(include_alignments=False)
        _serialised_cache[key] = serialize_result(triples, fmt)
    return _serialised_cache[key]


def _sources_digest() -> str:
    h = hashlib.sha256()
    for path in (ATMP_TTL, ALIGNMENTS_TTL):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _current(folder: FsPath) -> bool:
    index = folder / "index.html"
    return index.is_file() and all(
        index.stat().st_mtime >= src.stat().st_mtime for src in (ATMP_TTL, ALIGNMENTS_TTL)
    )


async def docs_dir(ctx: ApiContext) -> FsPath:
    """The folder with the generated docs, generated once per version of the sources."""
    if _current(DEFAULT_DOCS_DIR):
        return DEFAULT_DOCS_DIR
    return await in_thread(_ensure_docs, ctx.cache_dir / "ontology-docs")


def _ensure_docs(cache: FsPath) -> FsPath:
    folder = cache / _sources_digest()
    with _DOCS_LOCK:
        if not (folder / "index.html").is_file():
            # Written aside and renamed, so a failed run never leaves a half folder behind.
            staging = cache / f".staging-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            build_docs(staging)
            os.replace(staging, folder)
    return folder
