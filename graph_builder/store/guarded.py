"""Queries with a time limit that holds, for callers that serve untrusted queries (the API).

An Oxigraph query cannot be interrupted inside the process that runs it, so for the embedded
store the queries run in worker processes; one that runs past its limit is killed and replaced.

    from graph_builder.store.guarded import open_executor

    executor = open_executor(store, workers=2, timeout=settings.query_timeout)
    try:
        result = executor.query(
            "SELECT ?p WHERE { ?p a ?type }",
            {"type": NamedNode(...)},          # bound as RDF terms (graph_builder.store.bindings)
            default_graphs=None,               # None: the union of all graphs
            named_graphs=None,                 # None: every named graph
            timeout=10.0,                      # None: the executor's default
        )                                      # -> SelectResult | bool | list[Triple]
    finally:
        executor.close()

`answer(query, media_type, max_size=...)` runs the same way but the worker also writes the answer in
the syntax of `media_type` (a SPARQL results syntax for SELECT/ASK, an RDF syntax for
CONSTRUCT/DESCRIBE) and counts it: an `Answer(size, body)` whose body is empty when `size`
(rows or triples; 0 for ASK) is above `max_size`. The caller sends the bytes as they come, with
no parsing in its own process (the API's /sparql).

`query` and `answer` block, so call them from a worker thread (FastAPI: a plain `def` endpoint or
`run_in_threadpool`), never on the event loop; it is safe to call from many threads at once.
It raises QueryTimeout when the limit passes (also when every worker stays busy for that long),
QuerySyntaxError for a query that does not parse, StoreError when the store cannot answer.

- `GuardedExecutor` (embedded store): `workers` processes started with forkserver (never fork:
  the caller has threads), each opening the published store version read-only. Every request
  carries the folder `current` points to, so a worker reopens the store as soon as a new version
  is published. Answers come back as SPARQL JSON results or N-Triples bytes and are parsed by
  pyoxigraph. On timeout the worker is killed (SIGKILL; it only reads) and a new one started.
- `DirectExecutor` (remote store): the limit is the HTTP timeout of that one request; the server
  is expected to stop the query itself once the client has gone.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from io import BytesIO
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import pyoxigraph as ox

from graph_builder import errors
from graph_builder.errors import AtmpKgError, ParameterError, QueryTimeout, StoreError
from graph_builder.namespaces import PREFIXES
from graph_builder.store.base import Bindings, QueryResult, Store
from graph_builder.store.bindings import bind
from graph_builder.store.embedded import EmbeddedStore, OxigraphStore
from graph_builder.store.formats import to_query_result

DEFAULT_TIMEOUT = 30.0
# Errors a worker reports by name; the caller re-raises the same class.
_ERRORS: dict[str, type[AtmpKgError]] = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, AtmpKgError)
}


class Answer(NamedTuple):
    # Rows of a SELECT, triples of a CONSTRUCT/DESCRIBE, 0 for an ASK.
    size: int
    # The answer in the requested syntax; empty when `size` is above the caller's maximum.
    body: bytes


class QueryExecutor(Protocol):
    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult: ...

    def close(self) -> None: ...


def open_executor(
    store: Store, *, workers: int = 2, timeout: float = DEFAULT_TIMEOUT
) -> QueryExecutor:
    """Worker processes for the embedded store, the store itself for a remote one."""
    if isinstance(store, EmbeddedStore):
        return GuardedExecutor(store.root, workers=workers, timeout=timeout)
    return DirectExecutor(store, timeout=timeout)


class DirectExecutor:
    """For a remote store: the time limit is the HTTP timeout of the request."""

    def __init__(self, store: Store, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.store = store
        self.timeout = timeout

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        return self.store.query(
            query,
            bindings,
            timeout=self.timeout if timeout is None else timeout,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )

    def close(self) -> None:
        """The store belongs to the caller."""


class GuardedExecutor:
    """A pool of query worker processes over an embedded store folder."""

    def __init__(self, root: Path, *, workers: int = 2, timeout: float = DEFAULT_TIMEOUT) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.timeout = timeout
        self._root = str(root)
        self._link = root / "current"
        self._context = multiprocessing.get_context("forkserver")
        # Import the engine once in the fork server, so that a replacement worker is quick.
        self._context.set_forkserver_preload([__name__])
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._start_worker()

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        reply = self._ask(bind(query, bindings), default_graphs, named_graphs, timeout, None)
        return _decode(reply)

    def answer(
        self,
        query: str,
        media_type: str,
        *,
        max_size: int,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """The answer written by the worker in the syntax of `media_type` (see the module)."""
        reply = self._ask(query, default_graphs, named_graphs, timeout, (media_type, max_size))
        if reply[0] != "answer":
            raise _ERRORS.get(reply[1], AtmpKgError)(reply[2])
        return Answer(reply[1], reply[2])

    def _ask(
        self,
        text: str,
        default_graphs: list[str] | None,
        named_graphs: list[str] | None,
        timeout: float | None,
        written: tuple[str, int] | None,
    ) -> tuple[Any, ...]:
        """One round trip to a free worker, within the time limit."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        worker = self._acquire(limit)
        try:
            worker.conn.send((self._published(), text, default_graphs, named_graphs, written))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(f"query stopped after its time limit of {limit:g} s")
            reply: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise StoreError("the query worker died while answering") from None
        self._idle.put(worker)
        return reply

    def _published(self) -> str | None:
        """The folder `current` points to: one readlink, where resolving the link (as
        EmbeddedStore.current does) walks the path and showed in profiles of quick queries."""
        try:
            return os.path.join(self._root, os.readlink(self._link))
        except OSError:  # nothing published yet
            return None

    def _acquire(self, limit: float) -> _Worker:
        if self._closed:
            raise StoreError("the query executor is closed")
        try:
            return self._idle.get(timeout=max(limit, 0.0))
        except queue.Empty:
            raise QueryTimeout(
                f"no query worker became free within the time limit of {limit:g} s"
            ) from None

    def _start_worker(self) -> None:
        worker = _Worker(self._context)
        with self._lock:
            self._live.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._live.discard(worker)
            closed = self._closed
        if not closed:
            self._start_worker()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._live)
            self._live.clear()
        for worker in workers:
            worker.stop()

    def __enter__(self) -> GuardedExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(conn: Connection) -> None:
    """A worker's loop: (store folder, query, default graphs, named graphs, None or (media type,
    max size)) in, answer out."""
    opened: str | None = None
    store = OxigraphStore()
    while True:
        try:
            path, text, default_graphs, named_graphs, written = conn.recv()
        except EOFError:
            return
        try:
            if path != opened:
                store = OxigraphStore(Path(path), read_only=True) if path else OxigraphStore()
                opened = path
            result = store.raw_query(text, default_graphs=default_graphs, named_graphs=named_graphs)
            reply = _encode(result) if written is None else _write(result, *written)
        except AtmpKgError as exc:
            reply = ("error", type(exc).__name__, str(exc))
        conn.send(reply)


def _encode(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> tuple[Any, ...]:
    if isinstance(result, ox.QueryBoolean):
        return ("ask", bool(result))
    out = BytesIO()
    try:
        if isinstance(result, ox.QuerySolutions):
            result.serialize(out, ox.QueryResultsFormat.JSON)
            return ("select", out.getvalue())
        result.serialize(out, ox.RdfFormat.N_TRIPLES)
        return ("graph", out.getvalue())
    except (OSError, ValueError, RuntimeError) as exc:  # raised while the answer is evaluated
        raise StoreError(f"query failed: {exc}") from None


def _write(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, media_type: str, max_size: int
) -> tuple[str, int, bytes]:
    """("answer", size, the answer in `media_type`, or no bytes when size > max_size)."""
    try:
        if isinstance(result, ox.QueryTriples):
            return _write_graph(list(result), media_type, max_size)
        fmt = ox.QueryResultsFormat.from_media_type(media_type)
        if fmt is None:
            raise ParameterError(f"{media_type} is an RDF syntax; a SELECT/ASK answer is a table")
        out = BytesIO()
        if isinstance(result, ox.QueryBoolean):
            result.serialize(out, fmt)
            return ("answer", 0, out.getvalue())
        # Written once in JSON by the engine and counted from it: cheaper than a Python object
        # per solution held for the count, and the other syntaxes are written from it.
        result.serialize(out, ox.QueryResultsFormat.JSON)
        encoded = out.getvalue()
        size = len(list(_solutions(encoded)))
        if size > max_size:
            return ("answer", size, b"")
        if fmt == ox.QueryResultsFormat.JSON:
            return ("answer", size, encoded)
        out = BytesIO()
        _solutions(encoded).serialize(out, fmt)
        return ("answer", size, out.getvalue())
    except (OSError, ValueError, RuntimeError) as exc:  # raised while the answer is evaluated
        raise StoreError(f"query failed: {exc}") from None


def _solutions(encoded: bytes) -> ox.QuerySolutions:
    solutions = ox.parse_query_results(encoded, ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def _write_graph(
    triples: list[ox.Triple], media_type: str, max_size: int
) -> tuple[str, int, bytes]:
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ParameterError(f"{media_type} is a results syntax; a CONSTRUCT answer is a graph")
    if len(triples) > max_size:
        return ("answer", len(triples), b"")
    # TriG and N-Quads hold the graph as their default graph.
    dataset = fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
    out = ox.serialize(
        [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if dataset else triples,
        format=fmt,
        prefixes=dict(PREFIXES),
    )
    assert out is not None
    return ("answer", len(triples), out)


def _decode(reply: tuple[Any, ...]) -> QueryResult:
    kind = reply[0]
    if kind == "ask":
        return bool(reply[1])
    if kind == "select":
        return to_query_result(ox.parse_query_results(reply[1], ox.QueryResultsFormat.JSON))
    if kind == "graph":
        return [quad.triple for quad in ox.parse(reply[1], ox.RdfFormat.N_TRIPLES)]
    raise _ERRORS.get(reply[1], AtmpKgError)(reply[2])
