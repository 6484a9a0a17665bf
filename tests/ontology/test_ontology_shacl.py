"""SHACL shapes: the valid example conforms, each broken fixture fails with its message."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from ontology.model import CHECKS_DIR, shapes_graph, to_rdflib
from ontology.shacl import STORE_CHECKED_SHAPES, ShaclResult, validate

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


def test_to_rdflib_equals_an_n_triples_round_trip() -> None:
    data = b"""@prefix ex: <https://w3id.org/atmp-kg/id/example/> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ex:a ex:label "plain" , "Zelle"@de , "2024-03"^^xsd:gYearMonth , "7"^^xsd:integer ,
        "2024-02-30"^^xsd:date ; ex:link [ ex:note "in a blank node" ] ."""
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, ox.RdfFormat.TURTLE)
    ]
    expected = rdflib.Graph().parse(
        data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt"
    )
    assert isomorphic(to_rdflib(triples), expected)


def test_validate_leaves_the_callers_graph_alone() -> None:
    graph = rdflib.Graph().parse(FIXTURES / "shacl_bad_nct.ttl")
    before = set(graph)
    assert not validate(graph).conforms
    assert set(graph) == before


def test_store_checked_shapes_are_sparql_shapes_with_a_check() -> None:
    shapes = shapes_graph()
    checks = {p.stem for p in CHECKS_DIR.glob("*_violation.rq")}
    for shape, check in STORE_CHECKED_SHAPES.items():
        assert shapes.value(rdflib.URIRef(shape), SH.sparql) is not None, shape
        assert check in checks, check


def test_checks_run_in_store_leaves_out_only_the_store_checked_shapes() -> None:
    """The inverted validity period is a finding of full SHACL, not of the gate's shapes (its
    store-side check applies the rule there); every other shape still runs."""
    inverted = rdflib.Graph().parse(FIXTURES / "shacl_validity_inverted_month_precision.ttl")
    full = validate(inverted)
    assert full.results and {r.source_shape for r in full.results} <= set(STORE_CHECKED_SHAPES)
    assert validate(inverted, checks_run_in_store=True).conforms
    other = validate(rdflib.Graph().parse(FIXTURES / "shacl_bad_nct.ttl"), checks_run_in_store=True)
    assert any("NCT number must look like" in r.message for r in other.results)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_example_is_rejected_with_its_message(path: Path) -> None:
    message = expected_message(path)
    conforms, report, results = validate(rdflib.Graph().parse(path))
    assert not conforms
    assert all(isinstance(r, ShaclResult) and r.severity == "Violation" for r in results)
    assert any(message in r.message for r in results), report


def test_every_shape_has_a_message() -> None:
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    shapes = shapes_graph()
    for shape in shapes.subjects(rdflib.RDF.type, sh.NodeShape):
        has_own = shapes.value(shape, sh.message) is not None
        props = list(shapes.objects(shape, sh.property))
        assert has_own or all(shapes.value(p, sh.message) is not None for p in props), shape
