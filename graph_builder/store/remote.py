"""A remote store: any server that speaks SPARQL 1.1 Query, SPARQL 1.1 Update and the SPARQL 1.1
Graph Store HTTP Protocol (GSP) — Virtuoso, GraphDB, QLever, Fuseki, Neptune, the Oxigraph server.

Queries go through SPARQLWrapper (POST, content negotiation only: SPARQL JSON results for
SELECT/ASK, N-Triples or Turtle for CONSTRUCT/DESCRIBE, parsed by pyoxigraph); updates and GSP
requests through httpx. Settings (`from_settings`): ATMP_KG_ENDPOINT (query URL),
ATMP_KG_UPDATE_ENDPOINT (default: the query URL), ATMP_KG_GSP_ENDPOINT (needed to write),
ATMP_KG_ENDPOINT_USER / _PASSWORD with ATMP_KG_ENDPOINT_AUTH basic | digest (realm "SPARQL", as
Virtuoso's) | bearer (ATMP_KG_ENDPOINT_TOKEN), ATMP_KG_ENDPOINT_TIMEOUT (seconds, for every
request; a query that runs longer raises QueryTimeout). Connection failures and 503 answers are
retried twice with backoff; everything else fails at once with one line naming the URL and the
HTTP status.

Default graph: a query without `default_graphs` leaves the dataset to the server, and atmp-kg
expects the server's default graph to be the union of all named graphs — Virtuoso's is; start
the Oxigraph server with `--union-default-graph`; Fuseki needs `tdb2:unionDefaultGraph true`.

What readers see while we write: the triples of a replaced graph are first POSTed (GSP, in
chunks of CHUNK_TRIPLES) into a fresh staging graph `<urn:atmp-kg:staging:...>`, then one SPARQL
Update request `MOVE`s the staging graph onto the target. `writing()` stages every graph it
replaces and sends all its MOVEs, drops and updates, in order, as that one request when the
block ends without an error; an error drops the staging graphs. So on every server a write that
fails or is killed half way leaves the target graphs as they were. Whether a reader can see a
MOVE half done is the server's transaction semantics: the Oxigraph server runs an update request
as one transaction (a reader sees the old graph or the new one); Virtuoso's SPARQL endpoint
commits a MOVE row by row (a reader can see the graph empty or part-filled while it runs; see
docs/stores.md). During the upload the staged triples are visible in the union default graph;
`graphs()` and `count()` never include staging graphs. Staging graphs left by a killed writer
are dropped by a later upload once they are STALE_STAGING_S old.
"""

from __future__ import annotations

import ast
import http.client
import re
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from io import BytesIO
from itertools import islice
from pathlib import Path
from typing import BinaryIO, Final, Literal, TypeVar

import httpx
import pyoxigraph as ox
from SPARQLWrapper import DIGEST, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from graph_builder.errors import (
    AtmpKgError,
    EndpointUnavailable,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from graph_builder.namespaces import ATMP, PREFIXES
from graph_builder.settings import Settings
from graph_builder.store.base import (
    DATASET_FORMATS,
    EXPORT_FORMATS,
    Bindings,
    ExportFormat,
    QueryResult,
    SelectResult,
    WritesThroughWriter,
    rdf_format_for,
)
from graph_builder.store.bindings import bind, named_node, query_form
from graph_builder.store.formats import read_triples, to_query_result

STAGING: Final = "urn:atmp-kg:staging:"
CHUNK_TRIPLES: Final = 50_000
STALE_STAGING_S: Final = 6 * 3600
RETRIES: Final = 2
BACKOFF_S: Final = 0.5

_RESULTS_ACCEPT: Final = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT: Final = "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5"
_NOT_STAGING: Final = f'FILTER(!STRSTARTS(STR(?g), "{STAGING}"))'
_TAG = re.compile(r"<[^>]*>")
# Uploads are N-Triples sent as Turtle (a superset) behind one directive: Virtuoso ignores the
# Content-Type and sniffs the body, and takes a first line longer than its window (a large
# literal) for text/plain unless a Turtle directive comes first.
_UPLOAD_PREAMBLE: Final = f"@prefix atmp: <{ATMP}> .\n".encode()

T = TypeVar("T")
AuthKind = Literal["basic", "digest", "bearer"]


@dataclass(frozen=True)
class EndpointAuth:
    kind: AuthKind
    user: str = ""
    password: str = ""
    token: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> EndpointAuth | None:
        kind = settings.endpoint_auth.lower()
        if kind not in ("basic", "digest", "bearer"):
            raise StoreError(
                f"ATMP_KG_ENDPOINT_AUTH is {settings.endpoint_auth!r}: use basic, digest or bearer"
            )
        if kind == "bearer":
            if settings.endpoint_token is None:
                raise StoreError(
                    "ATMP_KG_ENDPOINT_AUTH is bearer but ATMP_KG_ENDPOINT_TOKEN is unset"
                )
            return cls("bearer", token=settings.endpoint_token.get_secret_value())
        if settings.endpoint_user is None:
            return None
        password = settings.endpoint_password
        return cls(
            kind,  # type: ignore[arg-type]  # checked above
            user=settings.endpoint_user,
            password=password.get_secret_value() if password else "",
        )

    def httpx_auth(self) -> httpx.Auth | None:
        if self.kind == "basic":
            return httpx.BasicAuth(self.user, self.password)
        if self.kind == "digest":
            return httpx.DigestAuth(self.user, self.password)
        return None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.kind == "bearer" else {}

    def apply(self, wrapper: SPARQLWrapper) -> None:
        if self.kind == "bearer":
            wrapper.addCustomHttpHeader("Authorization", f"Bearer {self.token}")
        else:
            # SPARQLWrapper sends basic credentials with the request; for digest it installs a
            # process-wide urllib opener, which is fine for the one endpoint a process uses.
            if self.kind == "digest":
                wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.user, self.password)


class SparqlEndpointStore(WritesThroughWriter):
    """The Store protocol over SPARQL 1.1 Query + Update + Graph Store HTTP Protocol URLs."""

    def __init__(
        self,
        endpoint: str,
        *,
        update_endpoint: str | None = None,
        gsp_endpoint: str | None = None,
        auth: EndpointAuth | None = None,
        timeout: float = 30.0,
        retries: int = RETRIES,
        backoff: float = BACKOFF_S,
    ) -> None:
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.gsp_endpoint = gsp_endpoint
        self.auth = auth
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._client = httpx.Client(
            auth=auth.httpx_auth() if auth else None,
            headers=auth.headers() if auth else None,
            timeout=timeout,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> SparqlEndpointStore:
        if not settings.endpoint:
            raise StoreError("no SPARQL endpoint configured (ATMP_KG_ENDPOINT)")
        return cls(
            settings.endpoint,
            update_endpoint=settings.update_endpoint,
            gsp_endpoint=settings.gsp_endpoint,
            auth=EndpointAuth.from_settings(settings),
            timeout=settings.endpoint_timeout,
        )

    # --- reading -------------------------------------------------------------------------
    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        text = bind(query, bindings)
        form = query_form(text)
        table = form in ("SELECT", "ASK")
        content_type, body = self._retrying(
            lambda: self._send_query(
                text,
                form,
                _RESULTS_ACCEPT if table else _GRAPH_ACCEPT,
                self.timeout if timeout is None else timeout,
                default_graphs or [],
                named_graphs or [],
            ),
        )
        media_type = content_type.split(";")[0].strip().lower()
        try:
            if table:
                results_format = ox.QueryResultsFormat.from_media_type(media_type)
                if results_format is None:
                    raise StoreError(f"{self.endpoint} answered {form} with {media_type!r}")
                return to_query_result(ox.parse_query_results(body, results_format))
            rdf_format = ox.RdfFormat.from_media_type(media_type)
            if rdf_format is None:
                raise StoreError(f"{self.endpoint} answered {form} with {media_type!r}")
            return [quad.triple for quad in ox.parse(body, rdf_format)]
        except SyntaxError as exc:
            raise StoreError(f"{self.endpoint} sent an unreadable {media_type}: {exc}") from None

    def graphs(self) -> list[str]:
        result = self._select(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_NOT_STAGING} }}"
        )
        return sorted(row["g"].value for row in result if isinstance(row.get("g"), ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            where = f"GRAPH ?g {{ ?s ?p ?o }} {_NOT_STAGING}"
        else:
            where = f"GRAPH {named_node(graph)} {{ ?s ?p ?o }}"
        result = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        return int(result.rows[0]["n"].value) if result.rows else 0

    def export(self, out: BinaryIO, fmt: ExportFormat, graph: str | None = None) -> None:
        graphs = [graph] if graph is not None else self.graphs()
        if fmt in DATASET_FORMATS:
            items: Iterator[ox.Quad] | Iterator[ox.Triple] = (
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                for g in graphs
                for t in self._graph_triples(g)
            )
        else:
            # A triple syntax cannot hold named graphs: merge them, as a SPARQL union would.
            items = (t for g in graphs for t in self._graph_triples(g))
        ox.serialize(items, out, EXPORT_FORMATS[fmt], prefixes=PREFIXES)

    def _graph_triples(self, graph: str) -> list[ox.Triple]:
        node = named_node(graph)
        triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}")
        assert isinstance(triples, list)
        expected = self.count(graph)
        if len(triples) < expected:
            # Virtuoso, for one, silently cuts answers at its ResultSetMaxRows.
            raise StoreError(
                f"{self.endpoint} returned {len(triples)} of the {expected} triples of {node}: "
                "raise the server's result limit (Virtuoso: [SPARQL] ResultSetMaxRows)"
            )
        return triples

    def _select(self, query: str) -> SelectResult:
        result = self.query(query)
        assert isinstance(result, SelectResult)
        return result

    # --- writing -------------------------------------------------------------------------
    def update(self, update: str) -> None:
        self._send(
            "POST",
            self.update_endpoint,
            what="SPARQL Update",
            data={"update": update},
        )

    @contextmanager
    def writing(self) -> Iterator[StagedWriter]:
        writer = StagedWriter(self)
        try:
            yield writer
        except BaseException:
            writer.discard()
            raise
        writer.commit()

    def stage(self, triples: Iterable[ox.Triple]) -> tuple[str, int]:
        """POST `triples` into a new staging graph; returns its IRI and the number of triples.
        Chunks are cut only until the first blank node: a blank node label holds within one
        document, so from there on the rest goes in one request."""
        gsp = self._gsp()
        staging = f"{STAGING}{int(time.time())}-{uuid.uuid4().hex}"
        n = 0
        body = _upload_body()
        blank = False
        it = iter(triples)
        try:
            while batch := list(islice(it, CHUNK_TRIPLES)):
                ox.serialize(batch, body, ox.RdfFormat.N_TRIPLES)
                n += len(batch)
                blank = blank or any(
                    isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                    for t in batch
                )
                if not blank:
                    self._post_triples(gsp, staging, body)
                    body = _upload_body()
            if body.tell() > len(_UPLOAD_PREAMBLE):
                self._post_triples(gsp, staging, body)
        except BaseException:
            self.drop_staging([staging])
            raise
        return staging, n

    def _post_triples(self, gsp: str, staging: str, body: BytesIO) -> None:
        self._send(
            "POST",
            gsp,
            what="Graph Store upload",
            params={"graph": staging},
            content=body.getvalue(),
            headers={"Content-Type": "text/turtle"},
        )

    def drop_staging(self, graphs: list[str]) -> None:
        """Best effort: a failure here must not hide the error that made us clean up."""
        if not graphs:
            return
        with suppress(AtmpKgError):
            self.update(" ;\n".join(f"DROP SILENT GRAPH {named_node(g)}" for g in graphs))

    def drop_stale_staging(self) -> None:
        """Drop staging graphs older than STALE_STAGING_S (their writer was killed); best effort."""
        with suppress(AtmpKgError):
            result = self._select(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                f'FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'
            )
            cutoff = time.time() - STALE_STAGING_S
            stale = []
            for row in result:
                started = row["g"].value[len(STAGING) :].split("-", 1)[0]
                if started.isdigit() and int(started) < cutoff:
                    stale.append(row["g"].value)
            self.drop_staging(stale)

    def _gsp(self) -> str:
        if not self.gsp_endpoint:
            raise StoreError(
                f"writing to {self.endpoint} needs its Graph Store Protocol URL "
                "(ATMP_KG_GSP_ENDPOINT)"
            )
        return self.gsp_endpoint

    # --- HTTP ----------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        def attempt() -> httpx.Response:
            try:
                response = self._client.request(
                    method, url, params=params, data=data, content=content, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise _RetryableError(f"cannot reach {url}: {exc}") from None
            except httpx.TimeoutException:
                raise EndpointUnavailable(
                    f"{what} at {url}: no answer within {self.timeout:g} s "
                    "(ATMP_KG_ENDPOINT_TIMEOUT)"
                ) from None
            except httpx.HTTPError as exc:
                raise EndpointUnavailable(f"{what} at {url} failed: {exc}") from None
            if response.status_code == 503:
                message = _status_message(what, url, response.status_code, response.text)
                raise _RetryableError(message)
            if response.is_error:
                raise _status_error(what, url, response.status_code, response.text)
            return response

        return self._retrying(attempt)

    def _send_query(
        self,
        text: str,
        form: str,
        accept: str,
        timeout: float,
        default_graphs: list[str],
        named_graphs: list[str],
    ) -> tuple[str, bytes]:
        wrapper = SPARQLWrapper(self.endpoint)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        wrapper.setQuery(text)
        wrapper.queryType = form  # ours comes from a real lexer; never let it pick the update URL
        wrapper.addCustomHttpHeader("Accept", accept)
        wrapper.timeout = timeout  # type: ignore[assignment]  # setTimeout() rounds to int seconds
        for g in default_graphs:
            wrapper.addDefaultGraph(named_node(g).value)
        for g in named_graphs:
            wrapper.addNamedGraph(named_node(g).value)
        if self.auth is not None:
            self.auth.apply(wrapper)
        url = self.endpoint
        try:
            response = wrapper.query().response
            return response.headers.get("Content-Type", ""), response.read()
        except SPARQLWrapperException as exc:
            code = _SPARQLWRAPPER_STATUS.get(type(exc).__name__, 500)
            raise _status_error("query", url, code, _wrapped_body(exc)) from None
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            if exc.code == 503:
                raise _RetryableError(_status_message("query", url, exc.code, body)) from None
            raise _status_error("query", url, exc.code, body) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _query_timeout(url, timeout) from None
            raise _RetryableError(f"cannot reach {url}: {exc.reason}") from None
        except TimeoutError:
            raise _query_timeout(url, timeout) from None
        except (http.client.HTTPException, OSError) as exc:
            raise EndpointUnavailable(f"query at {url} failed: {exc}") from None

    def _retrying(self, attempt: Callable[[], T]) -> T:
        for n in range(self.retries + 1):
            try:
                return attempt()
            except _RetryableError as exc:
                if n == self.retries:
                    raise EndpointUnavailable(str(exc)) from None
                time.sleep(self.backoff * 2**n)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._client.close()


class StagedWriter:
    """What `SparqlEndpointStore.writing()` yields. Replaced graphs are uploaded to staging
    graphs at once; drops, updates and the MOVEs onto the targets wait for `commit` and go as one
    update request, in the order they were asked for. Reads go to the published data: they do
    not see what this writer has staged. (That is why a build of a remote store runs its
    pipeline in a scratch embedded store and uses this writer only to publish the result:
    graph_builder.build, docs/stores.md "Building a remote store".)"""

    def __init__(self, store: SparqlEndpointStore) -> None:
        self._store = store
        self._operations: list[str] = []
        self._staging: list[str] = []

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        target = named_node(graph)
        staging, n = self._store.stage(triples)
        self._staging.append(staging)
        if n:
            self._operations.append(f"MOVE {named_node(staging)} TO {target}")
        else:
            self._operations.append(f"DROP SILENT GRAPH {target}")
        return n

    def load_file(self, path: Path, graph: str) -> int:
        fmt = rdf_format_for(path)
        with open(path, "rb") as fh:
            return self.replace_graph(graph, read_triples(fh, fmt, str(path)))

    def drop_graph(self, graph: str) -> None:
        self._operations.append(f"DROP SILENT GRAPH {named_node(graph)}")

    def update(self, update: str) -> None:
        self._operations.append(update)

    def commit(self) -> None:
        if not self._operations:
            return
        try:
            # Newlines keep a trailing comment in one operation from swallowing the next.
            self._store.update("\n;\n".join(self._operations))
        except BaseException:
            self.discard()
            raise
        if self._staging:  # a writer that uploads also sweeps up after killed ones
            self._store.drop_stale_staging()
        self._operations.clear()
        self._staging.clear()

    def discard(self) -> None:
        self._store.drop_staging(self._staging)
        self._operations.clear()
        self._staging.clear()

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        return self._store.query(
            query,
            bindings,
            timeout=timeout,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )

    def graphs(self) -> list[str]:
        return self._store.graphs()

    def count(self, graph: str | None = None) -> int:
        return self._store.count(graph)

    def export(self, out: BinaryIO, fmt: ExportFormat, graph: str | None = None) -> None:
        self._store.export(out, fmt, graph)

    @contextmanager
    def writing(self) -> Iterator[StagedWriter]:
        yield self

    def close(self) -> None:
        """The store owns the connection; nothing to release here."""


class _RetryableError(Exception):
    """A failure worth another attempt (no connection, 503); becomes EndpointUnavailable."""


# SPARQLWrapper turns these statuses into its own exceptions and keeps only the body.
_SPARQLWRAPPER_STATUS: Final = {
    "QueryBadFormed": 400,
    "Unauthorized": 401,
    "EndPointNotFound": 404,
    "URITooLong": 414,
    "EndPointInternalError": 500,
}


def _status_error(what: str, url: str, status: int, body: str) -> AtmpKgError:
    message = _status_message(what, url, status, body)
    if status == 400 and what in ("query", "SPARQL Update"):
        return QuerySyntaxError(message)
    if status in (401, 403):
        return StoreError(message + " (check ATMP_KG_ENDPOINT_USER/_PASSWORD/_AUTH/_TOKEN)")
    if status in (502, 504):
        return EndpointUnavailable(message)
    return StoreError(message)


def _status_message(what: str, url: str, status: int, body: str) -> str:
    reason = http.client.responses.get(status, "")
    detail = " ".join(_TAG.sub(" ", body).split())[:300]
    return f"{what} at {url} failed: HTTP {status} {reason}" + (f": {detail}" if detail else "")


def _upload_body() -> BytesIO:
    body = BytesIO()
    body.write(_UPLOAD_PREAMBLE)
    return body


def _wrapped_body(exc: SPARQLWrapperException) -> str:
    """The server's answer, which SPARQLWrapper keeps only as a repr() inside its message."""
    _, found, body = str(exc).partition("Response:\n")
    try:
        raw = ast.literal_eval(body) if found else b""
    except (ValueError, SyntaxError):
        return body
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _query_timeout(url: str, timeout: float) -> QueryTimeout:
    return QueryTimeout(f"query at {url} ran past its time limit of {timeout:g} s")
