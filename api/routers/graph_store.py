"""`/graph`: the SPARQL 1.1 Graph Store HTTP Protocol.

- Indirect identification: `/graph?graph=<IRI>` or `/graph?default`.
- Direct identification: `/graph/<path>` is the graph `https://w3id.org/atmp-kg/graph/<path>`,
  so the project's named graphs (`.../graph/ema`, `.../graph/meta`, ...) dereference here. IRIs
  under the public base are read as the canonical ones, as for /id/.
- GET and HEAD are anonymous reads; PUT (replace), POST (merge; to `/graph` alone: a new graph,
  201 with its Location) and DELETE need the update token.
- The default graph here is the store's own unnamed graph (the SPARQL endpoint's default graph
  is the union of all graphs). Uploads: Turtle, N-Triples, RDF/XML, JSON-LD, N3, or
  multipart/form-data holding such files; relative IRIs resolve against the graph's IRI.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path as FsPath
from typing import Annotated, Any, BinaryIO, Final, cast

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api.deps import ApiContext, ContextDep, in_thread, require_update_token, to_canonical
from api.errors import ApiError, error_responses
from api.negotiation import GRAPH_OFFERS, VARY, Fmt, Offer, choose, serialize_result
from graph_builder.errors import NotFound
from graph_builder.namespaces import GRAPH
from graph_builder.store.base import ExportFormat, Store
from graph_builder.store.bindings import named_node
from graph_builder.store.embedded import EmbeddedStore

router = APIRouter(tags=["graph store"], default_response_class=Response)

PATH: Final = "/graph"
_UPLOAD_FORMATS: Final = (
    ox.RdfFormat.TURTLE,
    ox.RdfFormat.N_TRIPLES,
    ox.RdfFormat.RDF_XML,
    ox.RdfFormat.JSON_LD,
    ox.RdfFormat.N3,
)
_EXPORT_NAMES: Final[dict[Fmt, ExportFormat]] = {
    Fmt.TURTLE: "ttl",
    Fmt.NTRIPLES: "nt",
    Fmt.JSONLD: "jsonld",
    Fmt.TRIG: "trig",
    Fmt.NQUADS: "nq",
}
_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The graph.", "content": {o.media_type: {} for o in GRAPH_OFFERS}},
    **error_responses(400, 404, 406),
}
_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "A new graph was created."},
    204: {"description": "The graph was changed."},
    **error_responses(400, 401, 403, 404, 413, 415),
}
_UPLOAD_BODY: Final = {
    "content": {
        **{f.media_type: {"schema": {"type": "string"}} for f in _UPLOAD_FORMATS},
        "multipart/form-data": {"schema": {"type": "object"}},
    }
}
# What every writing route declares; PUT and POST also take an RDF body.
_WRITE_ROUTE: Final[dict[str, Any]] = {"status_code": 204, "responses": _WRITE_RESPONSES}
_UPLOAD_ROUTE: Final[dict[str, Any]] = {
    **_WRITE_ROUTE,
    "openapi_extra": {"requestBody": _UPLOAD_BODY},
}


@dataclass(frozen=True)
class Target:
    """A graph of the store: `iri` None is the default graph."""

    iri: str | None
    public_url: str | None = None


def _target(
    request: Request, ctx: ApiContext, path: str, *, allow_new: bool = False
) -> Target | None:
    params = request.query_params
    if path:
        if "graph" in params or "default" in params:
            raise ApiError(400, "bad_request", "name a graph by the URL or by ?graph=, not both")
        iri, public_url = GRAPH + _raw_tail(request, path), ctx.public_url("graph/" + path)
        # Both are checked: the public URL is the base IRI of an upload, and a path such as
        # `%22` makes a raw IRI that is valid but a decoded one that is not.
        named_node(iri)
        named_node(public_url)
        return Target(iri, public_url)
    if "graph" in params and "default" in params:
        raise ApiError(400, "bad_request", "give ?graph=<IRI> or ?default, not both")
    if "default" in params:
        return Target(None)
    graphs = params.getlist("graph")
    if len(graphs) > 1:
        raise ApiError(400, "bad_request", "give one ?graph= parameter")
    if graphs:
        iri = to_canonical(graphs[0], ctx.settings)
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ApiError(400, "bad_request", f"not an absolute IRI: {graphs[0]!r}") from None
        return Target(iri)
    if allow_new:
        return None
    raise ApiError(400, "bad_request", "name the graph: ?graph=<IRI>, ?default or /graph/<name>")


def _raw_tail(request: Request, decoded: str) -> str:
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        text = raw.decode("latin-1")
        marker = text.find(PATH + "/")
        if marker >= 0:
            return text[marker + len(PATH) + 1 :]
    return decoded


# --- reads ------------------------------------------------------------------------------------


GraphParam = Annotated[str | None, Query(description="The IRI of the graph.")]
DefaultParam = Annotated[
    str | None, Query(description="Present (with no value) to name the default graph.")
]


async def _read(request: Request, ctx: ApiContext, path: str) -> Response:
    target = _target(request, ctx, path)
    assert target is not None
    offer = choose(request, GRAPH_OFFERS)
    if target.iri is not None and target.iri not in await in_thread(ctx.store.graphs):
        raise NotFound(f"no graph {target.iri}")
    if request.method == "HEAD":
        return Response(status_code=200, media_type=offer.content_type, headers=VARY)
    file = await in_thread(_export, ctx.store, target, offer)
    return FileResponse(
        file,
        media_type=offer.content_type,
        headers=VARY,
        background=BackgroundTask(file.unlink, missing_ok=True),
    )


def _export(store: Store, target: Target, offer: Offer) -> FsPath:
    """The graph in the negotiated syntax, in a temporary file (a graph may be large)."""
    with tempfile.NamedTemporaryFile(prefix="atmp-kg-graph-", delete=False) as out:
        if target.iri is None:
            out.write(serialize_result(_default_graph(store), offer.fmt))
        elif offer.fmt in _EXPORT_NAMES:
            store.export(cast(BinaryIO, out), _EXPORT_NAMES[offer.fmt], target.iri)
        else:  # a syntax the store does not export: through N-Triples
            buffer = io.BytesIO()
            store.export(buffer, "nt", target.iri)
            triples = [q.triple for q in ox.parse(buffer.getvalue(), ox.RdfFormat.N_TRIPLES)]
            out.write(serialize_result(triples, offer.fmt))
    return FsPath(out.name)


def _default_graph(store: Store) -> list[ox.Triple]:
    """The store's unnamed graph. The Store protocol names graphs by IRI only, so the embedded
    backend is read directly; a remote endpoint is asked for its own default graph."""
    if isinstance(store, EmbeddedStore):
        raw = store.reader().raw
        return [q.triple for q in raw.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, list)
    return result


# --- writes -----------------------------------------------------------------------------------


async def _write(request: Request, ctx: ApiContext, path: str, *, replace: bool) -> Response:
    require_update_token(request)
    target = _target(request, ctx, path, allow_new=not replace)
    headers: dict[str, str] = {}
    if target is None:  # POST to the graph store itself: a graph with a new IRI
        name = uuid.uuid4().hex
        target = Target(GRAPH + name, ctx.public_url("graph/" + name))
        headers["Location"] = target.public_url or ""
    triples = await in_thread(
        _parse_body,
        request.headers.get("content-type", ""),
        await request.body(),
        target.public_url or target.iri or ctx.public_url("graph"),
    )
    created = await in_thread(_apply, ctx.store, target, triples, replace)
    return Response(status_code=201 if created else 204, headers=headers)


def _apply(store: Store, target: Target, triples: list[ox.Triple], replace: bool) -> bool:
    """Write; True when the graph did not exist before."""
    if target.iri is None:
        # The default graph has no IRI for the Store protocol: change it with SPARQL Update.
        # Only terms re-serialised by pyoxigraph (escaped N-Triples) enter the update text.
        data = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
        drop = "DROP SILENT DEFAULT ;\n" if replace else ""
        store.update(f"{drop}INSERT DATA {{\n{data}\n}}")
        return False
    existed = target.iri in store.graphs()
    if replace or not existed:
        store.replace_graph(target.iri, triples)
    elif triples:
        data = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
        store.update(f"INSERT DATA {{ GRAPH {ox.NamedNode(target.iri)} {{\n{data}\n}} }}")
    return not existed


async def _delete(request: Request, ctx: ApiContext, path: str) -> Response:
    require_update_token(request)
    target = _target(request, ctx, path)
    assert target is not None
    if target.iri is None:
        await in_thread(ctx.store.update, "CLEAR SILENT DEFAULT")
        return Response(status_code=204)
    if target.iri not in await in_thread(ctx.store.graphs):
        raise NotFound(f"no graph {target.iri}")
    await in_thread(ctx.store.drop_graph, target.iri)
    return Response(status_code=204)


def _parse_body(content_type: str, body: bytes, base_iri: str) -> list[ox.Triple]:
    media = content_type.split(";")[0].strip().lower()
    if media == "multipart/form-data":
        triples: list[ox.Triple] = []
        for part_type, part in _multipart(content_type, body):
            triples += _parse_rdf(part_type, part, base_iri)
        return triples
    return _parse_rdf(content_type, body, base_iri)


def _parse_rdf(content_type: str, body: bytes, base_iri: str) -> list[ox.Triple]:
    media = content_type.split(";")[0].strip().lower()
    fmt = ox.RdfFormat.from_media_type(media) if media else None
    if fmt is None or fmt not in _UPLOAD_FORMATS:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send RDF as one of {', '.join(f.media_type for f in _UPLOAD_FORMATS)}"
            + (f", not {media}" if media else "; the Content-Type header is missing"),
        )
    try:
        parsed = ox.parse(body, fmt, base_iri=base_iri, rename_blank_nodes=True)
        return [q.triple for q in parsed]
    except SyntaxError as exc:
        raise ApiError(400, "bad_rdf", f"not valid {fmt.name}: {exc}".replace("\n", " ")) from None


def _multipart(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """The (content type, bytes) of each file of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError(400, "bad_request", "a multipart/form-data body without parts")
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        part_type = part.get("content-type", "")
        if not part_type:  # a file part without a type: go by its file name
            guessed = ox.RdfFormat.from_extension(FsPath(part.get_filename() or "").suffix[1:])
            part_type = guessed.media_type if guessed else ""
        parts.append((part_type, payload))
    return parts


# --- routes -----------------------------------------------------------------------------------

Action = Callable[[Request, ApiContext, str], Awaitable[Response]]


def _indirect(action: Action) -> Callable[..., Awaitable[Response]]:
    """The route on /graph itself: the graph is named by ?graph=<IRI> or ?default."""

    async def endpoint(
        request: Request, ctx: ContextDep, graph: GraphParam = None, default: DefaultParam = None
    ) -> Response:
        return await action(request, ctx, "")

    return endpoint


def _direct(action: Action) -> Callable[..., Awaitable[Response]]:
    """The route on /graph/<path>: the graph is <https://w3id.org/atmp-kg/graph/<path>>."""

    async def endpoint(request: Request, ctx: ContextDep, path: str) -> Response:
        return await action(request, ctx, path)

    return endpoint


# method, operation id, summaries (indirect, direct), what it does, route options
_ROUTES: Final[tuple[tuple[str, str, tuple[str, str], Action, dict[str, Any]], ...]] = (
    (
        "GET",
        "read_graph",
        ("Read a graph (indirect)", "Read a graph (direct)"),
        _read,
        {"responses": _READ_RESPONSES},
    ),
    (
        "PUT",
        "replace_graph",
        ("Replace a graph (indirect)", "Replace a graph (direct)"),
        partial(_write, replace=True),
        _UPLOAD_ROUTE,
    ),
    (
        "POST",
        "add_to_graph",
        ("Add to a graph, or create a new graph (indirect)", "Add to a graph (direct)"),
        partial(_write, replace=False),
        _UPLOAD_ROUTE,
    ),
    (
        "DELETE",
        "delete_graph",
        ("Delete a graph (indirect)", "Delete a graph (direct)"),
        _delete,
        _WRITE_ROUTE,
    ),
)
for _method, _name, (_on_store, _on_graph), _action, _options in _ROUTES:
    router.add_api_route(
        PATH,
        _indirect(_action),
        methods=[_method],
        name=f"{_name}_indirect",
        operation_id=f"{_name}_indirect",
        summary=_on_store,
        **_options,
    )
    router.add_api_route(
        PATH + "/{path:path}",
        _direct(_action),
        methods=[_method],
        name=f"{_name}_direct",
        operation_id=f"{_name}_direct",
        summary=_on_graph,
        **_options,
    )
# HEAD answers like GET without the body; it is not a separate operation in the OpenAPI document.
for _path, _endpoint, _id in (
    (PATH, _indirect(_read), "head_graph_indirect"),
    (PATH + "/{path:path}", _direct(_read), "head_graph_direct"),
):
    router.add_api_route(
        _path, _endpoint, methods=["HEAD"], name=_id, operation_id=_id, include_in_schema=False
    )
