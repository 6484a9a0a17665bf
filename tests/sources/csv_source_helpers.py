"""Helpers of the CSV-source tests: a source's graph on a fixture as an rdflib Graph, and error
collection for the lenient path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, serialize
from rdflib import Graph

from graph_builder.errors import InputError
from graph_builder.sources import get_source

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def source_graph(source_id: str, path: Path) -> Graph:
    source = get_source(source_id)
    triples = [t for record in source.read(path) for t in source.triples(record)]
    graph = Graph()
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode(), format="nt")
    return graph


def golden(name: str) -> Graph:
    graph = Graph()
    graph.parse(FIXTURES / f"{name}.golden.ttl", format="turtle")
    return graph


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def collect(errors: list[InputError]) -> Callable[[InputError], None]:
    return errors.append
