"""The embedded default store: Oxigraph on disk, written copy-on-write and swapped in atomically.

Layout of the store folder:

    <root>/current -> builds/<id>   symlink to the published store; readers open it read-only
    <root>/builds/<id>/             one Oxigraph (RocksDB) folder per published version
    <root>/.write.lock              writers take it in turn (flock)

A write (a build, `load`, an update) takes a checkpoint of the current version into a new
folder (RocksDB hard-links its files, so this is cheap), changes that, and only then repoints
`current` with one rename. A writer that fails or is killed never touches what readers see; its
half-written folder is removed by the next write. The last KEEP_BUILDS published versions stay on
disk so that a reader that opened an older one can finish.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from graph_builder.errors import NotFound, QueryRefused, QuerySyntaxError, StoreError
from graph_builder.namespaces import PREFIXES
from graph_builder.store.base import (
    DATASET_FORMATS,
    EXPORT_FORMATS,
    Bindings,
    ExportFormat,
    QueryResult,
    WritesThroughWriter,
    quads_in,
    rdf_format_for,
)
from graph_builder.store.bindings import bind, has_dataset_clause, named_node
from graph_builder.store.formats import read_triples, to_query_result

KEEP_BUILDS = 3
_PUBLISHED_MARK = ".published"
RawResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class OxigraphStore:
    """One pyoxigraph store (in memory when `path` is None). It is also the writer handed out by
    `EmbeddedStore.writing()`: its own `writing()` therefore just yields itself.

    Writes go straight into this store without a transaction (bulk loading is many times
    faster): a `replace_graph` or `load_file` that fails half way leaves that graph partly
    written *here*. Used through `EmbeddedStore.writing()`, the error ends the block and the
    whole new version is thrown away, so nobody ever sees it."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from exc
        self.path = path

    @property
    def raw(self) -> ox.Store:
        return self._store

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> int:
        node = named_node(graph)
        if self._store.contains_named_graph(node):
            self._store.remove_graph(node)
        counter = _Counter(quads_in(node.value, triples))
        self._store.bulk_extend(counter)
        return counter.n

    def load_file(self, path: Path, graph: str) -> int:
        fmt = rdf_format_for(path)
        with open(path, "rb") as fh:
            return self.replace_graph(graph, read_triples(fh, fmt, str(path)))

    def drop_graph(self, graph: str) -> None:
        node = named_node(graph)
        if self._store.contains_named_graph(node):
            self._store.remove_graph(node)

    def raw_query(
        self,
        query: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> RawResult:
        """pyoxigraph's own answer (lazy; what the query workers serialise). The default graph
        is the union of all graphs unless `default_graphs` names some or the query has its own
        FROM / FROM NAMED clauses (Oxigraph's union flag would silently override them)."""
        kwargs: dict[str, object] = {}
        if default_graphs:
            kwargs["default_graph"] = [named_node(g) for g in default_graphs]
        elif not has_dataset_clause(query):
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [named_node(g) for g in named_graphs]
        try:
            return self._store.query(query, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(f"invalid SPARQL: {exc}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(f"query failed: {exc}") from None

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        # `timeout` is enforced by the caller that can afford a worker process
        # (graph_builder.store.guarded); an in-process Oxigraph query cannot be interrupted.
        result = self.raw_query(
            bind(query, bindings), default_graphs=default_graphs, named_graphs=named_graphs
        )
        try:
            return to_query_result(result)
        except (OSError, ValueError, RuntimeError) as exc:  # raised while the answer is evaluated
            raise StoreError(f"query failed: {exc}") from None

    def update(self, update: str) -> None:
        try:
            self._store.update(update)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"invalid SPARQL Update: {exc}") from None
        except RuntimeError as exc:
            # pyoxigraph's evaluation errors: CLEAR/DROP/MOVE/COPY of a graph that is not there
            # (without SILENT), CREATE of one that is. The request asks for the impossible.
            if "does not exist" in str(exc):
                raise NotFound(f"update failed: {exc}") from None
            raise QueryRefused(f"update failed: {exc}") from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"update failed: {exc}") from None

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        result = self.raw_query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {named_node(graph)} {{ ?s ?p ?o }} }}"
        )
        assert isinstance(result, ox.QuerySolutions)
        return int(next(iter(result))["n"].value)

    def export(self, out: BinaryIO, fmt: ExportFormat, graph: str | None = None) -> None:
        rdf_format = EXPORT_FORMATS[fmt]
        if graph is None and fmt in DATASET_FORMATS:
            self._store.dump(out, rdf_format, prefixes=PREFIXES)
            return
        if graph is None:
            # A triple syntax cannot hold named graphs: merge them, as a SPARQL union would.
            items: Iterator[ox.Triple] | Iterator[ox.Quad] = (q.triple for q in self._store)
        else:
            node = named_node(graph)
            quads = self._store.quads_for_pattern(None, None, None, node)
            # A dataset syntax keeps the graph's name; a triple syntax has no place for it.
            items = quads if fmt in DATASET_FORMATS else (q.triple for q in quads)
        ox.serialize(items, out, rdf_format, prefixes=PREFIXES)

    @contextmanager
    def writing(self) -> Iterator[OxigraphStore]:
        yield self

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        del self._store


class _Counter:
    """Counts the quads pyoxigraph pulls from an iterator (bulk_extend does not say)."""

    def __init__(self, it: Iterator[ox.Quad]) -> None:
        self._it = it
        self.n = 0

    def __iter__(self) -> _Counter:
        return self

    def __next__(self) -> ox.Quad:
        q = next(self._it)
        self.n += 1
        return q


class EmbeddedStore(WritesThroughWriter):
    """The Store protocol over a store folder with atomic publication of each write."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._reader: OxigraphStore | None = None
        self._reader_target: Path | None = None

    # --- reading -------------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        """The published version's folder (None before the first write)."""
        link = self.root / "current"
        if not link.is_symlink():
            return None
        target = link.resolve()
        return target if target.is_dir() else None

    def reader(self) -> OxigraphStore:
        """A read-only view of the published version, reopened when a write has published."""
        target = self.current
        if self._reader is None or target != self._reader_target:
            self._reader = OxigraphStore(target, read_only=True) if target else OxigraphStore()
            self._reader_target = target
        return self._reader

    def graphs(self) -> list[str]:
        return self.reader().graphs()

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        return self.reader().query(
            query,
            bindings,
            timeout=timeout,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )

    def count(self, graph: str | None = None) -> int:
        return self.reader().count(graph)

    def export(self, out: BinaryIO, fmt: ExportFormat, graph: str | None = None) -> None:
        self.reader().export(out, fmt, graph)

    # --- writing -------------------------------------------------------------------------
    def update(self, update: str) -> None:
        with self.writing() as w:
            w.update(update)

    @contextmanager
    def writing(self) -> Iterator[OxigraphStore]:
        builds = self.root / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.root / ".write.lock"):
            self._remove_abandoned(builds)
            new = builds / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
            source = self.current
            if source is not None:
                OxigraphStore(source, read_only=True).raw.backup(str(new))
            writer = OxigraphStore(new)
            try:
                yield writer
                writer.flush()
            except BaseException:
                writer.close()
                shutil.rmtree(new, ignore_errors=True)
                raise
            writer.close()
            (new / _PUBLISHED_MARK).touch()
            self._publish(new)
            self._prune(builds)

    def _publish(self, build: Path) -> None:
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(build.relative_to(self.root))
        os.replace(tmp, self.root / "current")  # rename(2): readers see the old or the new
        # Make the rename durable before the old versions can be pruned.
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _remove_abandoned(self, builds: Path) -> None:
        """Folders of writers that died before publishing (no mark, not current)."""
        current = self.current
        for d in builds.iterdir():
            if d != current and not (d / _PUBLISHED_MARK).exists():
                shutil.rmtree(d, ignore_errors=True)

    def _prune(self, builds: Path) -> None:
        current = self.current
        # The mark's time is the publication time; RocksDB may touch the folder itself later.
        published = sorted(
            (d for d in builds.iterdir() if (d / _PUBLISHED_MARK).exists()),
            key=lambda d: (d / _PUBLISHED_MARK).stat().st_mtime_ns,
        )
        for d in published[:-KEEP_BUILDS]:
            if d != current:
                shutil.rmtree(d, ignore_errors=True)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
            self._reader_target = None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
