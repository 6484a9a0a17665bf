"""Shared fixtures of the ontology tests: fixture files and a minimal in-memory store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder.namespaces import graph_iri
from graph_builder.store.base import Bindings, SelectResult, Term
from ontology.model import load_ontology_triples

FIXTURES = Path(__file__).parent / "fixtures"


class MemoryStore:
    """The part of the Store protocol that run_checks uses (query over the union of graphs),
    so these tests do not depend on the embedded store's implementation."""

    def __init__(self) -> None:
        self._store = ox.Store()

    def add_file(self, path: Path, graph: str) -> None:
        self._store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))

    def add_triples(self, triples: list[ox.Triple], graph: str) -> None:
        g = ox.NamedNode(graph)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, g) for t in triples)

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> SelectResult:
        solutions = self._store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        variables = [v.value for v in solutions.variables]
        rows: list[dict[str, Term]] = []
        for solution in solutions:
            row: dict[str, Term] = {}
            for name in variables:
                value = solution[name]
                if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
                    row[name] = value
            rows.append(row)
        return SelectResult(variables, rows)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def store_with_ontology() -> MemoryStore:
    store = MemoryStore()
    store.add_triples(load_ontology_triples(), graph_iri("ontology").value)
    return store
