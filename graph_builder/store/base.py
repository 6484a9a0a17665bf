"""The Store protocol: what every backend (embedded Oxigraph, a remote SPARQL 1.1 endpoint) does.

Terms are pyoxigraph terms everywhere: they are fast, and their `str()` is valid N-Triples, so a
remote backend can send bound values without splicing user text into a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, Protocol, TypeAlias, runtime_checkable

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Triple
from pyoxigraph import Literal as RdfLiteral

Term: TypeAlias = NamedNode | BlankNode | RdfLiteral
Bindings: TypeAlias = Mapping[str, Term]
ExportFormat: TypeAlias = Literal["nt", "nq", "ttl", "trig", "jsonld"]

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "ttl": RdfFormat.TURTLE,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
}
DATASET_FORMATS = frozenset({"nq", "trig", "jsonld"})


@dataclass(frozen=True)
class SelectResult:
    variables: list[str]
    rows: list[dict[str, Term]] = field(default_factory=list)

    def __iter__(self) -> Iterator[dict[str, Term]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


QueryResult: TypeAlias = SelectResult | bool | list[Triple]


def rdf_format_for(path: Path) -> RdfFormat:
    """The RDF syntax of a file, from its extension; a clear error for anything else."""
    fmt = RdfFormat.from_extension(path.suffix.lstrip(".").lower()) if path.suffix else None
    if fmt is None:
        from graph_builder.errors import StoreError

        raise StoreError(f"{path}: unknown RDF file extension {path.suffix!r}")
    return fmt


@runtime_checkable
class Store(Protocol):
    """A quad store with named graphs. Writes made inside `writing()` are all-or-nothing where the
    backend allows it (embedded: always; remote: per graph)."""

    def graphs(self) -> list[str]: ...

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> int:
        """Replace the content of `graph` with `triples`; returns how many were written."""
        ...

    def load_file(self, path: Path, graph: str) -> int:
        """Replace `graph` with the triples of an RDF file; returns the graph's new size."""
        ...

    def drop_graph(self, graph: str) -> None: ...

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """SELECT -> SelectResult, ASK -> bool, CONSTRUCT/DESCRIBE -> triples. `bindings` are
        substituted as RDF terms for the query's variables (never spliced as text). The default
        graph is the union of all graphs unless `default_graphs` names some."""
        ...

    def update(self, update: str) -> None: ...

    def count(self, graph: str | None = None) -> int:
        """Triples in `graph`, or quads in the whole dataset."""
        ...

    def export(self, out: BinaryIO, fmt: ExportFormat, graph: str | None = None) -> None: ...

    def writing(self) -> AbstractContextManager[Store]:
        """A writer whose changes become visible to readers together when the block ends
        without an exception, and not at all otherwise."""
        ...

    def close(self) -> None: ...


def quads_in(graph: str, triples: Iterable[Triple]) -> Iterator[Quad]:
    g = NamedNode(graph)
    for t in triples:
        yield Quad(t.subject, t.predicate, t.object, g)


class WritesThroughWriter:
    """Single writes for a store whose writes all go through `writing()`: each one is its own
    all-or-nothing write (the embedded store publishes a new version, the remote store stages
    and moves). Subclasses provide `writing()`."""

    def writing(self) -> AbstractContextManager[Store]:
        raise NotImplementedError

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> int:
        with self.writing() as w:
            return w.replace_graph(graph, triples)

    def load_file(self, path: Path, graph: str) -> int:
        with self.writing() as w:
            return w.load_file(path, graph)

    def drop_graph(self, graph: str) -> None:
        with self.writing() as w:
            w.drop_graph(graph)
