"""The validation gate (graph_builder.validate.gate) on an in-memory store: it passes valid data,
blocks on a shape violation and on a store-side check, and its sample reaches every class."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder import validate
from graph_builder.errors import ValidationFailed
from graph_builder.namespaces import GRAPH, ONTOLOGY_GRAPH
from graph_builder.store import OxigraphStore
from ontology.model import load_ontology_triples
from ontology.shacl import STORE_CHECKED_SHAPES

FIXTURES = Path(__file__).resolve().parents[1] / "ontology" / "fixtures"
EX = "https://w3id.org/atmp-kg/id/example/"
ATMP = "https://w3id.org/atmp-kg/ontology#"
DATA = GRAPH + "reference"
PREFIXES = """@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://w3id.org/atmp-kg/id/example/> .
"""


def triples_of(path: Path) -> list[ox.Triple]:
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)
    ]


def store_with(*data: list[ox.Triple]) -> OxigraphStore:
    store = OxigraphStore()
    store.replace_graph(ONTOLOGY_GRAPH, load_ontology_triples())
    store.replace_graph(DATA, [t for part in data for t in part])
    return store


def things(count: int) -> list[ox.Triple]:
    """Nodes of a class no shape targets: they crowd the sample without findings of their own."""
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return [
        ox.Triple(ox.NamedNode(f"{EX}thing-{i}"), a, ox.NamedNode(EX + "Thing"))
        for i in range(count)
    ]


def products(count: int, *, withdrawal_reason: bool = True) -> list[ox.Triple]:
    """Withdrawn products, each with its classification assertion and its MA's withdrawal event:
    the shapes of an assertion read a link into it, those of an MA the triples of its event."""
    reason = "atmp:withdrawalReason atmp:CommercialReason ;" if withdrawal_reason else ""
    turtle = PREFIXES + "".join(
        f"""ex:p{i} a atmp:TEP ; rdfs:label "P{i}" ; atmp:hasClassification ex:c{i} .
        ex:c{i} a atmp:ClassificationAssertion ; atmp:assertsClass atmp:TEP ;
            atmp:classificationSource atmp:CuratorClassification ; dct:date "2024-02-01"^^xsd:date .
        ex:ma{i} a atmp:MarketingAuthorisation ; atmp:authorisedProduct ex:p{i} ;
            atmp:maType atmp:StandardMA ; atmp:status atmp:Withdrawn ; atmp:hasEvent ex:e{i} ;
            atmp:conditionalApprovalFlag false ; atmp:exceptionalCircumstancesFlag false .
        ex:e{i} a atmp:AuthorisationEvent ; atmp:eventType atmp:Withdrawal ; {reason}
            dct:date "2016-07-29"^^xsd:date .
        """
        for i in range(count)
    )
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(turtle.encode(), ox.RdfFormat.TURTLE)
    ]


def sample_only_a_few(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "SHACL_FULL_LIMIT", 10)
    monkeypatch.setattr(validate, "SAMPLE_SUBJECTS", 5)


def test_valid_data_passes() -> None:
    report = validate.gate(store_with(triples_of(FIXTURES / "valid.ttl")))
    assert report.ok and not report.shacl_sampled
    assert report.checks_run > 0 and report.shacl_triples > 0


def test_a_shape_violation_blocks_with_its_node_and_message() -> None:
    store = store_with(
        triples_of(FIXTURES / "valid.ttl"), triples_of(FIXTURES / "shacl_clean_room_grade.ttl")
    )
    with pytest.raises(ValidationFailed) as err:
        validate.gate(store)
    assert "SHACL violation" in str(err.value)
    assert f"{EX}cr: A clean room has a GMP grade" in err.value.report


def test_the_store_side_check_catches_what_the_gate_leaves_out_of_pyshacl() -> None:
    """shapes:ValidityPeriodShape is not run by pyshacl in the gate; its store-side check is."""
    assert "validity_period_inverted_violation" in STORE_CHECKED_SHAPES.values()
    store = store_with(
        triples_of(FIXTURES / "valid.ttl"),
        triples_of(FIXTURES / "check_validity_period_inverted.ttl"),
    )
    with pytest.raises(ValidationFailed) as err:
        validate.gate(store)
    assert f"validity_period_inverted_violation: {EX}bad" in str(err.value)
    assert "validFrom must not be after validUntil" not in err.value.report  # not from pyshacl
    assert f"{EX}good" not in err.value.report


def test_the_sample_checks_a_rare_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the full-SHACL limit only a sample is shaped; it takes subjects from every class, so
    the one (bad) clean room is checked however many nodes of other classes there are."""
    sample_only_a_few(monkeypatch)
    bad_room = triples_of(FIXTURES / "shacl_clean_room_grade.ttl")
    store = store_with(triples_of(FIXTURES / "valid.ttl"), things(300), bad_room)
    with pytest.raises(ValidationFailed) as err:
        validate.gate(store)
    assert f"{EX}cr: A clean room has a GMP grade" in err.value.report
    # Without the bad room the sampled gate passes, and says it sampled.
    report = validate.gate(store_with(triples_of(FIXTURES / "valid.ttl"), things(300)))
    assert report.ok and report.shacl_sampled


def test_the_sample_holds_what_the_shapes_read_around_a_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sampled assertion or MA is rarely sampled with its own product or event: the links into
    it and its event's triples must come with it, or valid data would fail."""
    assert validate.gate(store_with(products(30))).ok  # every triple checked
    sample_only_a_few(monkeypatch)
    report = validate.gate(store_with(products(30)))
    assert report.ok and report.shacl_sampled
    assert report.shacl_triples < 100  # a handful of subjects, not the 540 triples
    with pytest.raises(ValidationFailed) as err:
        validate.gate(store_with(products(30, withdrawal_reason=False)))
    assert "A withdrawn marketing authorisation needs a Withdrawal event" in str(err.value)
