"""SHACL shapes: the valid example conforms, each broken fixture fails with its message."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from ontology.shacl import ShaclResult, validate

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted(FIXTURES.glob("shacl_*.ttl"))


def expected_message(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: <message>'"
    return first.removeprefix("# expect: ").strip()


def test_valid_example_conforms() -> None:
    conforms, report, results = validate(rdflib.Graph().parse(FIXTURES / "valid.ttl"))
    assert conforms, report
    assert results == []


def test_accepts_pyoxigraph_triples() -> None:
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=FIXTURES / "shacl_bad_nct.ttl", format=ox.RdfFormat.TURTLE)
    ]
    outcome = validate(triples)
    assert not outcome.conforms
    assert outcome.results[0].focus_node == "https://w3id.org/atmp-kg/id/example/t1"


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_example_is_rejected_with_its_message(path: Path) -> None:
    message = expected_message(path)
    conforms, report, results = validate(rdflib.Graph().parse(path))
    assert not conforms
    assert all(isinstance(r, ShaclResult) and r.severity == "Violation" for r in results)
    assert any(message in r.message for r in results), report


def test_every_shape_has_a_message() -> None:
    from ontology.model import shapes_graph

    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    shapes = shapes_graph()
    for shape in shapes.subjects(rdflib.RDF.type, sh.NodeShape):
        has_own = shapes.value(shape, sh.message) is not None
        props = list(shapes.objects(shape, sh.property))
        assert has_own or all(shapes.value(p, sh.message) is not None for p in props), shape
