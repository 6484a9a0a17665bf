"""Helpers of the source tests: what a source maps, as an rdflib Graph, and the comparison with a
golden graph that names the triples that differ."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Triple, serialize
from rdflib import Graph, Namespace
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graph_builder.errors import InputError
from graph_builder.sources import get_source

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ATMP = Namespace("https://w3id.org/atmp-kg/ontology#")
ID = Namespace("https://w3id.org/atmp-kg/id/")
DCT = Namespace("http://purl.org/dc/terms/")


def rdf_graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    data = serialize(list(triples), format=RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode(), format="nt")
    return graph


def source_graph(source_id: str, path: Path) -> Graph:
    """Every record a source reads from `path`, mapped."""
    source = get_source(source_id)
    return rdf_graph(t for record in source.read(path) for t in source.triples(record))


def golden(name: str) -> Graph:
    """A CSV source's golden graph, fixtures/<name>.golden.ttl."""
    return Graph().parse(FIXTURES / f"{name}.golden.ttl", format="turtle")


def assert_same_graph(got: Graph, expected: Graph) -> None:
    if not isomorphic(got, expected):
        _, extra, missing = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(
            f"missing:\n{missing.serialize(format='nt')}\nextra:\n{extra.serialize(format='nt')}"
        )


def collect(errors: list[InputError]) -> Callable[[InputError], None]:
    return errors.append
