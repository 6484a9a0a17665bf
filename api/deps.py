"""What the routes share: settings, the store, the guarded query runner and the update token.

`create_app` puts one `ApiContext` on `app.state.atmp`; routes reach it through the FastAPI
dependencies below, so a test can build an app around any store.

API:
- `ApiSettings`: `graph_builder.settings.Settings` plus the API's own limits (env `ATMP_KG_...`).
- `ApiContext`: settings, `store` (the backend: writes, exports), `executor`
  (graph_builder.store.guarded: reads in worker processes with an enforced timeout),
  `cache_dir`, `cache` (values derived from one store version); `public_url(path)`,
  `updates_enabled`, `store_version()`, `reader()` (a `Reader`: the store and version the
  API's own bounded queries read, in process).
- Dependencies: `get_context`, `get_settings`, `get_store` (a `GuardedStore`: the Store
  protocol with reads through the executor), `require_update_token`.
- `run_query(ctx, query, bindings=None, *, default_graphs=None, named_graphs=None)`: runs a
  read through the executor in a worker thread (never on the event loop) and enforces the
  result cap (`settings.result_limit`, ApiError 422 `result_too_large`). Text from a client is
  first checked with api.query_inspection (SERVICE refused), in a thread too.
- `written_answer(ctx, query, fmt, *, default_graphs=None, named_graphs=None) -> bytes`: a
  client's query answered in `fmt` (blocking; /sparql calls it in its one worker thread), with
  the same result cap; the embedded store's query workers write the bytes themselves.
- `in_thread(func, *args)`: any other blocking call (store writes, exports, serialising).
- `current_version(ctx)`: `ctx.store_version()` without blocking the event loop.
- `to_canonical(iri, settings)` / `to_public(iri, settings)`: IRIs under the public base <->
  the canonical `https://w3id.org/atmp-kg/` IRIs the store holds.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any, BinaryIO, NamedTuple, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from pydantic import Field, field_validator
from pyoxigraph import Triple

from api.errors import ApiError
from api.negotiation import Fmt, media_type, serialize_result
from api.query_inspection import refuse_outbound
from graph_builder.namespaces import BASE
from graph_builder.settings import Settings
from graph_builder.store.base import (
    Bindings,
    ExportFormat,
    QueryResult,
    SelectResult,
    Store,
)
from graph_builder.store.embedded import EmbeddedStore
from graph_builder.store.guarded import GuardedExecutor, QueryExecutor

T = TypeVar("T")

MIB = 1024 * 1024


def default_cache_dir() -> Path:
    return Path.cwd() / "var" / "cache"


class ApiSettings(Settings):
    max_query_bytes: int = Field(
        default=1 * MIB, description="Largest request body of a query or update (bytes)."
    )
    max_upload_bytes: int = Field(
        default=64 * MIB, description="Largest RDF upload to the Graph Store Protocol (bytes)."
    )
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Folder for generated files: dumps, ontology docs.",
    )
    query_workers: int = Field(
        default=2, ge=1, description="Query worker processes of the embedded store."
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="API worker processes of `atmp-kg serve`, each with `query_workers` query "
        "worker processes of its own (docs/api.md: what 2 measured on a 2-core machine).",
    )
    access_log: bool = Field(
        default=False,
        description="Log one line per request (`atmp-kg serve`); off by default, as it costs "
        "a measurable share of a lookup's time.",
    )

    @field_validator("endpoint")
    @classmethod
    def _no_empty_endpoint(cls, endpoint: str | None) -> str | None:
        # `atmp-kg serve --workers N --store ...` clears an endpoint of the environment this way.
        return endpoint or None

    @classmethod
    def from_settings(cls, settings: Settings | None) -> ApiSettings:
        if settings is None:
            return cls()
        if isinstance(settings, ApiSettings):
            return settings
        return cls(**settings.model_dump())


class Reader(NamedTuple):
    store: Store
    # The published version `store` reads, which never changes under it; None when the data
    # can change (a remote endpoint), so nothing read from it may be kept.
    version: str | None


@dataclass
class ApiContext:
    settings: ApiSettings
    store: Store
    executor: QueryExecutor
    # Answers derived from one version of the store (VoID, dump listings), keyed by name.
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def cache_dir(self) -> Path:
        return self.settings.cache_dir

    @property
    def public_base(self) -> str:
        return _public_base(self.settings)

    def public_url(self, path: str) -> str:
        """The URL of an API path (`sparql`, `dumps/x.nq.gz`) as clients should use it."""
        return self.public_base + path.lstrip("/")

    def store_version(self) -> str:
        """Changes whenever the data does: the published build of the embedded store, else a
        fingerprint of the remote dataset's graphs and size."""
        if isinstance(self.store, EmbeddedStore):
            current = self.store.current
            return current.name if current is not None else "empty"
        fingerprint = "\n".join([*self.store.graphs(), str(self.store.count())])
        return "remote-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:16]

    def reader(self) -> Reader:
        """Where the API's own queries read when each starts from a bound IRI and carries a
        LIMIT (entity lookups): the embedded store's published version, opened read-only in this
        process once per version, so a lookup needs no round trip to a query worker. Such a
        query cannot be stopped in process, so client text (/sparql, named queries with their
        parameters) never runs here. A remote store is read directly, with its HTTP timeout."""
        if isinstance(self.store, EmbeddedStore):
            reader = self.store.reader()
            return Reader(reader, reader.path.name if reader.path else None)
        return Reader(self.store, None)

    @property
    def updates_enabled(self) -> bool:
        token = self.settings.update_token
        return token is not None and bool(token.get_secret_value())


def get_context(request: Request) -> ApiContext:
    ctx = request.app.state.atmp
    assert isinstance(ctx, ApiContext)
    return ctx


def get_settings(request: Request) -> ApiSettings:
    return get_context(request).settings


def get_store(request: Request) -> Store:
    """The store for a route: its reads go through the guarded executor (worker processes, the
    configured time limit), everything else straight to the backend."""
    ctx = get_context(request)
    return GuardedStore(ctx.store, ctx.executor)


class GuardedStore:
    """The Store protocol over a backend whose `query` runs in the executor instead."""

    def __init__(self, store: Store, executor: QueryExecutor) -> None:
        self.store = store
        self.executor = executor

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        refuse_outbound(query)
        return self.executor.query(
            query,
            bindings,
            timeout=timeout,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )

    def graphs(self) -> list[str]:
        return self.store.graphs()

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> int:
        return self.store.replace_graph(graph, triples)

    def load_file(self, path: Path, graph: str) -> int:
        return self.store.load_file(path, graph)

    def drop_graph(self, graph: str) -> None:
        self.store.drop_graph(graph)

    def update(self, update: str) -> None:
        self.store.update(update)

    def count(self, graph: str | None = None) -> int:
        return self.store.count(graph)

    def export(self, out: BinaryIO, fmt: ExportFormat, graph: str | None = None) -> None:
        self.store.export(out, fmt, graph)

    def writing(self) -> AbstractContextManager[Store]:
        return self.store.writing()

    def close(self) -> None:
        """The backend belongs to the app."""


ContextDep = Annotated[ApiContext, Depends(get_context)]


def require_update_token(request: Request) -> None:
    """403 when the server is read-only (no token configured); 401 for a missing or wrong token."""
    ctx = get_context(request)
    token = ctx.settings.update_token
    if token is None or not ctx.updates_enabled:
        raise ApiError(
            403,
            "read_only",
            "updates are disabled: this server is read-only "
            "(the operator enables them by setting ATMP_KG_UPDATE_TOKEN)",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(
            401,
            "unauthorized",
            "updates need an 'Authorization: Bearer <token>' header",
            headers={"WWW-Authenticate": 'Bearer realm="atmp-kg"'},
        )
    if not secrets.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
        raise ApiError(
            401,
            "unauthorized",
            "the bearer token is not valid",
            headers={"WWW-Authenticate": 'Bearer realm="atmp-kg", error="invalid_token"'},
        )


async def in_thread(func: Callable[..., T], *args: object) -> T:
    return await anyio.to_thread.run_sync(partial(func, *args))


async def current_version(ctx: ApiContext) -> str:
    """`ctx.store_version()` from a route: read in place for the embedded store (a symlink: not
    worth a thread hop per request), in a thread for a remote one (it asks the endpoint)."""
    if isinstance(ctx.store, EmbeddedStore):
        return ctx.store_version()
    return await in_thread(ctx.store_version)


async def run_query(
    ctx: ApiContext,
    query: str,
    bindings: Bindings | None = None,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> QueryResult:
    run = partial(
        ctx.executor.query,
        query,
        bindings,
        timeout=ctx.settings.query_timeout,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
    )
    result = await anyio.to_thread.run_sync(run)
    _check_size(ctx, len(result) if isinstance(result, SelectResult | list) else 0)
    return result


def written_answer(
    ctx: ApiContext,
    query: str,
    fmt: Fmt,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> bytes:
    """The answer to a client's query in `fmt`, result cap enforced as in `run_query`. Blocks:
    call it from a worker thread. The embedded store's query workers write the bytes
    themselves, so nothing is parsed here; a remote store's answer is parsed and written here."""
    if isinstance(ctx.executor, GuardedExecutor):
        answer = ctx.executor.answer(
            query,
            media_type(fmt),
            max_size=ctx.settings.result_limit,
            timeout=ctx.settings.query_timeout,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )
        _check_size(ctx, answer.size)
        return answer.body
    result = ctx.executor.query(
        query,
        timeout=ctx.settings.query_timeout,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
    )
    _check_size(ctx, len(result) if isinstance(result, SelectResult | list) else 0)
    return serialize_result(result, fmt)


def _check_size(ctx: ApiContext, size: int) -> None:
    if size > ctx.settings.result_limit:
        raise ApiError(
            422,
            "result_too_large",
            f"the answer has {size} rows or triples, more than this server returns "
            f"({ctx.settings.result_limit}); narrow the query or page with LIMIT and OFFSET",
            {"limit": ctx.settings.result_limit, "size": size},
        )


def _public_base(settings: Settings) -> str:
    base = settings.public_base
    return base if base.endswith("/") else base + "/"


def to_canonical(iri: str, settings: Settings) -> str:
    base = _public_base(settings)
    return BASE + iri[len(base) :] if iri.startswith(base) and base != BASE else iri


def to_public(iri: str, settings: Settings) -> str:
    return _public_base(settings) + iri[len(BASE) :] if iri.startswith(BASE) else iri
