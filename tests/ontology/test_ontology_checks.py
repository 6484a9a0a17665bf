"""SPARQL violation checks: silent on the valid example, each finds its seeded violation."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder.store.embedded import OxigraphStore
from ontology.model import Check, load_checks
from ontology.shacl import run_checks

FIXTURES = Path(__file__).parent / "fixtures"
CHECKS = load_checks()
EX = "https://w3id.org/atmp-kg/id/example/"


def test_valid_example_has_no_violations(store_with_ontology: OxigraphStore) -> None:
    store_with_ontology.load_file(
        FIXTURES / "valid.ttl", "https://w3id.org/atmp-kg/graph/reference"
    )
    assert run_checks(store_with_ontology) == []


def test_every_check_has_a_seeded_fixture() -> None:
    for check in CHECKS:
        assert (FIXTURES / f"check_{check.name.removesuffix('_violation')}.ttl").exists(), (
            check.name
        )


@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
def test_check_finds_its_seeded_violation(check: Check, store_with_ontology: OxigraphStore) -> None:
    name = check.name
    fixture = FIXTURES / f"check_{name.removesuffix('_violation')}.ttl"
    store_with_ontology.load_file(fixture, "https://w3id.org/atmp-kg/graph/reference")
    violations = run_checks(store_with_ontology)
    # Only the seeded node is reported, and only by this check (fixtures are minimal).
    assert {v.check for v in violations} == {name}
    assert {v.focus for v in violations} == {ox.NamedNode(EX + "bad")}
    assert all(v.description for v in violations)


def test_validity_check_orders_mixed_precision(store_with_ontology: OxigraphStore) -> None:
    """A month-precision start after a day-precision end is inverted; within the month it is not
    (a plain `<` between xsd:gYearMonth and xsd:date would miss both)."""
    data = b"""@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    @prefix ex: <https://w3id.org/atmp-kg/id/example/> .
    ex:bad atmp:validFrom "2024-03"^^xsd:gYearMonth ; atmp:validUntil "2024-02-28"^^xsd:date .
    ex:ok atmp:validFrom "2024-03"^^xsd:gYearMonth ; atmp:validUntil "2024-03-01"^^xsd:date ."""
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, ox.RdfFormat.TURTLE)
    ]
    store_with_ontology.replace_graph("https://w3id.org/atmp-kg/graph/hospital_exemption", triples)
    (check,) = [c for c in CHECKS if c.name == "validity_period_inverted_violation"]
    violations = run_checks(store_with_ontology, checks=[check])
    assert [v.focus for v in violations] == [ox.NamedNode(EX + "bad")]


def test_runs_on_the_embedded_store(tmp_path: Path) -> None:
    embedded = pytest.importorskip("graph_builder.store.embedded")
    try:
        store = embedded.OxigraphStore(None)
    except TypeError:
        pytest.skip("embedded store API differs")
    store.load_file(
        FIXTURES / "check_trial_end_before_start.ttl", "https://w3id.org/atmp-kg/graph/ctgov"
    )
    violations = run_checks(store)
    assert [v.check for v in violations] == ["trial_end_before_start_violation"]
