"""HermiT over the ontology and over small ABox modules (needs Java; each test well under 60 s)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from graph_builder.errors import QueryTimeout, ValidationFailed
from ontology.model import ontology_graph
from ontology.reasoning import ReasoningResult, reason_ontology, reason_over

ATMP = "https://w3id.org/atmp-kg/ontology#"
EX = "https://w3id.org/atmp-kg/id/example/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java"),
    pytest.mark.timeout(60),
]


def abox(path: Path) -> list[ox.Triple]:
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE)
    ]


def iri(term: object) -> str:
    assert isinstance(term, ox.NamedNode)
    return term.value


def inferred_types(result: ReasoningResult, individual: str) -> set[str]:
    return {iri(t.object) for t in result.types() if t.subject == ox.NamedNode(EX + individual)}


def test_ontology_is_consistent_and_classified() -> None:
    result = reason_ontology()
    assert result.consistent
    assert result.unsatisfiable == []
    assert result.seconds < 30
    # Classification produced the hierarchy of the defined classes.
    subclass = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    pairs = {(iri(t.subject), iri(t.object)) for t in result.inferred if t.predicate == subclass}
    # HermiT names one representative of an equivalence set: ClinicalTrial is equivalent to
    # CTO's clinical trial class in alignments.ttl, so either may appear.
    parents = {sup for sub, sup in pairs if sub == ATMP + "AcademicSponsoredTrial"}
    assert parents & {ATMP + "ClinicalTrial", "http://purl.obolibrary.org/obo/CTO_0000220"}
    core_only = reason_ontology(include_alignments=False)
    assert (ATMP + "CARTProduct", ATMP + "GTMP") not in {
        (iri(t.subject), iri(t.object)) for t in core_only.inferred
    }  # asserted, so not re-inferred


def test_abox_classification(fixtures_dir: Path) -> None:
    result = reason_over(abox(fixtures_dir / "abox_academic_trial.ttl"))
    assert ATMP + "AcademicSponsoredTrial" in inferred_types(result, "trial")
    assert ATMP + "ATMPTrial" in inferred_types(result, "trial")  # tests a CAR-T, hence a GTMP
    assert ATMP + "CARTProduct" in inferred_types(result, "ari-0001")
    assert ATMP + "WithdrawnProduct" in inferred_types(result, "zalmoxis")
    assert ATMP + "AcademicSponsoredTrial" not in inferred_types(result, "industry-trial")
    assert all(t.predicate == RDF_TYPE for t in result.types())


def test_month_precision_periods_are_consistent(fixtures_dir: Path) -> None:
    """valid.ttl uses xsd:gYearMonth / xsd:gYear on validFrom, validUntil and report periods
    (DataUnionOf ranges): HermiT accepts them and still classifies the rest."""
    result = reason_over(abox(fixtures_dir / "valid.ttl"))
    assert result.consistent
    assert ATMP + "ATMPTrial" in {
        iri(t.object)
        for t in result.types()
        if t.subject == ox.NamedNode("https://w3id.org/atmp-kg/id/trial/2016-002972-29")
    }


def test_contradicting_abox_raises(fixtures_dir: Path) -> None:
    with pytest.raises(ValidationFailed, match="contradict"):
        reason_over(abox(fixtures_dir / "abox_inconsistent.ttl"))
    report = reason_over(abox(fixtures_dir / "abox_inconsistent.ttl"), strict=False)
    assert not report.consistent


def test_timeout_stops_the_reasoner() -> None:
    with pytest.raises(QueryTimeout, match="HermiT did not finish"):
        reason_ontology(timeout=0.05)


@pytest.mark.parametrize("with_data", [False, True], ids=["ontology", "ontology+valid-data"])
def test_owl2_dl_profile(tmp_path: Path, fixtures_dir: Path, with_data: bool) -> None:
    """The OWL API's OWL 2 DL profile checker (inside owlready2's HermiT.jar) finds no violation,
    neither in the ontology with its alignments nor with example instance data added."""
    import owlready2

    hermit_jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    graph = ontology_graph()
    if with_data:
        graph += rdflib.Graph().parse(fixtures_dir / "valid.ttl")
    rdfxml = tmp_path / "ontology.owl"
    graph.serialize(rdfxml, format="xml")
    run = subprocess.run(
        ["java", "-cp", str(hermit_jar), str(fixtures_dir / "DLProfileCheck.java"), str(rdfxml)],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "axioms=" in run.stdout


def test_unsatisfiable_class_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from ontology import reasoning
    from ontology.model import load_ontology_triples

    broken = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(
            input=b"@prefix atmp: <https://w3id.org/atmp-kg/ontology#> ."
            b"@prefix owl: <http://www.w3.org/2002/07/owl#> ."
            b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."
            b"atmp:Broken a owl:Class ; rdfs:subClassOf atmp:GTMP , atmp:SCTMP .",
            format=ox.RdfFormat.TURTLE,
        )
    ]
    monkeypatch.setattr(
        reasoning, "load_ontology_triples", lambda **_: load_ontology_triples() + broken
    )
    with pytest.raises(ValidationFailed, match=r"unsatisfiable classes.*Broken"):
        reasoning.reason_ontology()
    assert reasoning.reason_ontology(strict=False).unsatisfiable == [ATMP + "Broken"]
