"""About the dataset: `/void` (the build's `meta` graph — PROV-O and per-graph VoID — with the
dataset's size, class and property partitions, endpoint and dumps added), `/dumps` (bulk
downloads with SHA-256 checksums, generated once per version of the store), `/health`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from api.deps import ApiContext, ContextDep, current_version, in_thread, run_query
from api.errors import error_responses
from api.negotiation import GRAPH_OFFERS, choose, rdf_response, serialize_result
from graph_builder.errors import NotFound, StoreError
from graph_builder.literals import integer_literal
from graph_builder.namespaces import ATMP, DCT, ID, RDF, VOID, graph_iri
from graph_builder.provenance import VOID_NS, partition_triples
from graph_builder.store.base import ExportFormat, SelectResult, Store, Term

router = APIRouter(tags=["dataset"], default_response_class=Response)

# The root dataset of the VoID the build writes into the meta graph.
DATASET: Final = VOID_NS
SD_NAME: Final = "http://www.w3.org/ns/sparql-service-description#name"


@dataclass(frozen=True)
class DumpKind:
    name: str
    export_format: ExportFormat
    media_type: str
    description: str


DUMPS: Final = (
    DumpKind("atmp-kg.nq.gz", "nq", "application/n-quads", "every named graph, as N-Quads"),
    DumpKind("atmp-kg.trig.gz", "trig", "application/trig", "every named graph, as TriG"),
    DumpKind("atmp-kg.nt.gz", "nt", "application/n-triples", "all graphs merged, as N-Triples"),
)
CHECKSUMS: Final = "SHA256SUMS"
KEEP_VERSIONS: Final = 2
_DUMPS_LOCK: Final = threading.Lock()


class Dump(BaseModel):
    name: str
    url: str
    media_type: str
    encoding: str = "gzip"
    description: str
    bytes: int
    sha256: str


class DumpListing(BaseModel):
    version: str
    checksums: str
    dumps: list[Dump]


class Health(BaseModel):
    status: str
    store: str
    version: str
    graphs: int
    read_only: bool


# --- /health ----------------------------------------------------------------------------------


@router.get(
    "/health",
    summary="Liveness and readiness: the published store opens and lists its graphs",
    response_model=Health,
    response_class=JSONResponse,
    responses=error_responses(503, 504),
)
async def health(ctx: ContextDep) -> Health:
    # Read directly (the embedded store's published version, opened read-only; a remote
    # endpoint's graph list), not through the query workers: a burst of slow client queries
    # there must not make a liveness probe time out and restart a healthy server.
    graphs = await in_thread(ctx.store.graphs)
    return Health(
        status="ok",
        store="remote" if ctx.settings.endpoint else "embedded",
        version=await current_version(ctx),
        graphs=len(graphs),
        read_only=not ctx.updates_enabled,
    )


# --- /void ------------------------------------------------------------------------------------

_CLASSES: Final = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
_PROPERTIES: Final = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
_GRAPHS: Final = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_META: Final = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@router.get(
    "/void",
    summary="VoID description of the dataset",
    responses={
        200: {"content": {o.media_type: {} for o in GRAPH_OFFERS}, "description": "VoID."},
        **error_responses(406, 503, 504),
    },
)
async def void(request: Request, ctx: ContextDep, format: str | None = None) -> Response:
    offer = choose(request, GRAPH_OFFERS)
    version = await current_version(ctx)
    key = f"void:{version}"
    if key not in ctx.cache:
        for stale in [k for k in ctx.cache if k.startswith("void:")]:
            del ctx.cache[stale]
        ctx.cache[key] = await _void_triples(ctx)
    return rdf_response(await in_thread(serialize_result, ctx.cache[key], offer.fmt), offer)


def _counts(result: object, key: str) -> Iterator[tuple[Term, int]]:
    if not isinstance(result, SelectResult):
        raise StoreError("a VoID count expected SELECT results")
    for row in result:
        if key in row and "n" in row:
            yield row[key], int(row["n"].value)


async def _void_triples(ctx: ApiContext) -> list[Triple]:
    """The build's `meta` graph (PROV-O of each source run, VoID of each graph as built), with
    what only the server knows added to its root dataset: totals and partitions over all graphs
    as they are now, the endpoint, the dumps, and subsets for graphs the build did not describe."""
    root = NamedNode(DATASET)
    a = NamedNode(RDF + "type")

    def v(local: str) -> NamedNode:
        return NamedNode(VOID + local)

    meta = await run_query(ctx, _META, default_graphs=[graph_iri("meta").value])
    out = list(meta) if isinstance(meta, list) else []
    described = {t.subject for t in out if t.predicate == v("triples")}
    if not any(t.subject == root and t.predicate.value == DCT + "title" for t in out):
        out.append(Triple(root, NamedNode(DCT + "title"), Literal("atmp-kg", language="en")))
    total = await in_thread(ctx.store.count)
    out += [
        Triple(root, a, v("Dataset")),
        Triple(
            root,
            NamedNode(DCT + "description"),
            Literal(
                "A knowledge graph of EU Advanced Therapy Medicinal Products, their clinical "
                "trials, GMP facilities, materials and regulatory pathways.",
                language="en",
            ),
        ),
        Triple(root, v("triples"), integer_literal(total)),
        Triple(root, v("sparqlEndpoint"), NamedNode(ctx.public_url("sparql"))),
        Triple(root, v("uriSpace"), Literal(ID)),
        Triple(root, v("vocabulary"), NamedNode(ATMP)),
        Triple(root, v("rootResource"), NamedNode(ctx.public_url("/"))),
    ]
    out += [
        Triple(root, v("dataDump"), NamedNode(ctx.public_url(f"dumps/{d.name}"))) for d in DUMPS
    ]
    for graph, n in _counts(await run_query(ctx, _GRAPHS), "g"):
        if isinstance(graph, NamedNode) and graph not in described:
            out += [
                Triple(root, v("subset"), graph),
                Triple(graph, a, v("Dataset")),
                Triple(graph, NamedNode(SD_NAME), graph),
                Triple(graph, v("triples"), integer_literal(n)),
            ]
    classes = list(_counts(await run_query(ctx, _CLASSES), "c"))
    out.append(Triple(root, v("classes"), integer_literal(len(classes))))
    out += partition_triples(root, "class", _iris(classes), lambda _kind, _term: BlankNode())
    properties = list(_counts(await run_query(ctx, _PROPERTIES), "p"))
    out.append(Triple(root, v("properties"), integer_literal(len(properties))))
    out += partition_triples(root, "property", _iris(properties), lambda _kind, _term: BlankNode())
    return list(dict.fromkeys(out))


def _iris(counts: list[tuple[Term, int]]) -> list[tuple[Term, int]]:
    return [(term, n) for term, n in counts if isinstance(term, NamedNode)]


# --- /dumps -----------------------------------------------------------------------------------


@router.get(
    "/dumps",
    summary="Bulk downloads of the whole dataset, with SHA-256 checksums",
    response_model=DumpListing,
    response_class=JSONResponse,
    responses=error_responses(500),
)
async def dumps(ctx: ContextDep) -> DumpListing:
    folder = await _dump_folder(ctx)
    return await in_thread(_listing, ctx, folder)


@router.get(
    "/dumps/" + CHECKSUMS,
    summary="Checksums of the dumps, in the format `sha256sum -c` reads",
    response_class=PlainTextResponse,
)
async def checksums(ctx: ContextDep) -> PlainTextResponse:
    folder = await _dump_folder(ctx)
    return PlainTextResponse(await in_thread((folder / CHECKSUMS).read_text))


@router.get(
    "/dumps/{name}",
    summary="One dump file (gzip-compressed RDF)",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/gzip": {}}, "description": "The dump."},
        **error_responses(404),
    },
)
async def dump_file(ctx: ContextDep, name: str) -> FileResponse:
    kind = next((d for d in DUMPS if d.name == name), None)
    if kind is None:
        raise NotFound(f"no dump {name}; see /dumps")
    folder = await _dump_folder(ctx)
    digest = _read_sums(folder)[name]
    b64 = base64.b64encode(bytes.fromhex(digest)).decode()
    return FileResponse(
        folder / name,
        media_type="application/gzip",
        filename=name,
        headers={
            "Digest": f"sha-256={b64}",
            "Repr-Digest": f"sha-256=:{b64}:",
            "ETag": f'"{digest}"',
        },
    )


async def _dump_folder(ctx: ApiContext) -> FsPath:
    version = await current_version(ctx)
    return await in_thread(_ensure_dumps, ctx.store, ctx.cache_dir / "dumps", version)


def _ensure_dumps(store: Store, cache: FsPath, version: str) -> FsPath:
    """The dumps of this store version, written once (aside, then renamed into place)."""
    folder = cache / version
    with _DUMPS_LOCK:
        if (folder / CHECKSUMS).is_file():
            return folder
        staging = cache / f".staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        sums = []
        for kind in DUMPS:
            path = staging / kind.name
            with gzip.open(path, "wb", compresslevel=6) as out:
                store.export(out, kind.export_format)  # type: ignore[arg-type]
            sums.append(f"{_sha256(path)}  {kind.name}\n")
        (staging / CHECKSUMS).write_text("".join(sums))
        os.replace(staging, folder)
        # Older versions go, but the one before stays for downloads that are still running.
        versions = sorted(
            (d for d in cache.iterdir() if d.is_dir() and not d.name.startswith(".")),
            key=lambda d: d.stat().st_mtime,
        )
        for old in versions[:-KEEP_VERSIONS]:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _sha256(path: FsPath) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_sums(folder: FsPath) -> dict[str, str]:
    sums = {}
    for line in (folder / CHECKSUMS).read_text().splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return sums


def _listing(ctx: ApiContext, folder: FsPath) -> DumpListing:
    sums = _read_sums(folder)
    return DumpListing(
        version=folder.name,
        checksums=ctx.public_url(f"dumps/{CHECKSUMS}"),
        dumps=[
            Dump(
                name=d.name,
                url=ctx.public_url(f"dumps/{d.name}"),
                media_type=d.media_type,
                description=d.description,
                bytes=(folder / d.name).stat().st_size,
                sha256=sums[d.name],
            )
            for d in DUMPS
        ],
    )
