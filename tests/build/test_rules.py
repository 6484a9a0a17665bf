"""The SPARQL UPDATE rules (graph_builder.rules) on small hand-written graphs + the ontology."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph_builder.namespaces import GRAPH, sparql_prologue
from graph_builder.rules import RULES, materialise
from graph_builder.store import OxigraphStore, SelectResult
from ontology.model import load_ontology_triples

PREFIXES = """@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix id: <https://w3id.org/atmp-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
ID = "https://w3id.org/atmp-kg/id/"
ATMP = "https://w3id.org/atmp-kg/ontology#"


@pytest.fixture(scope="module")
def ontology() -> list[ox.Triple]:
    return load_ontology_triples()


def run(ontology: list[ox.Triple], **graphs: str) -> OxigraphStore:
    store = OxigraphStore()
    store.replace_graph(GRAPH + "ontology", ontology)
    for graph_id, turtle in graphs.items():
        quads = ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE)
        store.replace_graph(
            GRAPH + graph_id, [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        )
    materialise(store)
    return store


def inferred(store: OxigraphStore, subject: str, prop: str = "rdf:type") -> set[str]:
    result = store.query(
        sparql_prologue()
        + f"SELECT ?o WHERE {{ GRAPH <{GRAPH}inferred> {{ <{ID}{subject}> {prop} ?o }} }}"
    )
    assert isinstance(result, SelectResult)
    return {row["o"].value.removeprefix(ATMP) for row in result}


def test_every_rule_has_a_name_and_a_reason() -> None:
    assert len({r.name for r in RULES}) == len(RULES)
    assert all(r.description and "INSERT" in r.update for r in RULES)


def test_class_from_the_most_authoritative_assertion(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        reference="""
        id:p a atmp:MedicinalProduct ; atmp:hasClassification id:c1 , id:c2 , id:c3 .
        id:c1 atmp:assertsClass atmp:SCTMP ;
            atmp:classificationSource atmp:SponsorSelfClassification .
        id:c2 atmp:assertsClass atmp:GTMP ; atmp:classificationSource atmp:CATRecommendation .
        id:c3 atmp:assertsClass atmp:ATMP ; atmp:classificationSource atmp:EPARClassification .
        """,
    )
    types = inferred(store, "p")
    # CAT beats the sponsor; the EPAR's plain 'ATMP' does not override a specific class.
    assert "GTMP" in types and "SCTMP" not in types
    assert {"ATMP", "MedicinalProduct"} <= types | {"MedicinalProduct"}


def test_subclass_closure_and_defined_classes(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        reference="""
        id:car a atmp:MedicinalProduct ; atmp:isCART true .
        id:w a atmp:MedicinalProduct ; atmp:hasMarketingAuthorisation id:ma .
        id:ma atmp:status atmp:Withdrawn .
        id:cat a atmp:ClassificationAssertion ; atmp:classificationSource atmp:CATRecommendation .
        id:kymriah a atmp:GTMP ; atmp:isCART true .
        id:w2 a atmp:SCTMP ; atmp:hasMarketingAuthorisation id:ma .
        """,
        ctgov="""id:t a atmp:ClinicalTrial ; atmp:testsProduct id:car .""",
    )
    assert {"CARTProduct", "GTMP", "ATMP"} <= inferred(store, "car")
    # A product its source types with its ATMP class is a medicinal product by the hierarchy.
    assert {"CARTProduct", "ATMP", "MedicinalProduct"} <= inferred(store, "kymriah")
    assert "WithdrawnProduct" in inferred(store, "w")
    assert "WithdrawnProduct" in inferred(store, "w2")
    assert "CATClassificationRecommendation" in inferred(store, "cat")
    # The trial tests a product that is an ATMP only by inference: the rules chain.
    assert "ATMPTrial" in inferred(store, "t")


def test_declared_atmp_class_flags_the_trial(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        euctr="""
        id:t1 a atmp:ClinicalTrial ; atmp:declaredATMPClass atmp:GTMP .
        id:t2 a atmp:ClinicalTrial ; atmp:declaredATMPClass atmp:GTMP ; atmp:isATMPTrial false .
        """,
    )
    assert inferred(store, "t1", "atmp:isATMPTrial") == {"true"}
    assert inferred(store, "t2", "atmp:isATMPTrial") == set()  # the registry's flag stands


def test_sponsor_types_from_source_fields_and_names(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        ctgov="""
        id:t1 a atmp:ClinicalTrial ; atmp:hasSponsor id:o1 ; atmp:isCommercialSponsor true .
        id:o1 a atmp:Organisation ; rdfs:label "Leiden Cell Therapy Centre" .
        id:t2 a atmp:ClinicalTrial ; atmp:hasSponsor id:o2 ; atmp:isCommercialSponsor false .
        id:o2 a atmp:Organisation ; rdfs:label "University Hospital Leiden" .
        id:o3 a atmp:Organisation ; rdfs:label "Universität Heidelberg" .
        id:o4 a atmp:Organisation ; rdfs:label "Fondazione Telethon ETS" .
        id:o5 a atmp:Organisation ; rdfs:label "Kite Pharma EU B.V." .
        id:o6 a atmp:Organisation ; rdfs:label "Some Name" .
        id:o7 a atmp:Organisation ; rdfs:label "Stated Hospital" ; atmp:orgType atmp:Industry .
        """,
    )
    assert inferred(store, "o1", "atmp:orgType") == {"Industry"}  # commercial sponsor first
    assert inferred(store, "o2", "atmp:orgType") == {"Hospital"}  # before 'university'
    assert inferred(store, "o3", "atmp:orgType") == {"Academic"}
    assert inferred(store, "o4", "atmp:orgType") == {"NonProfit"}
    assert inferred(store, "o5", "atmp:orgType") == {"Industry"}
    assert inferred(store, "o6", "atmp:orgType") == set()
    assert inferred(store, "o7", "atmp:orgType") == set()  # a stated type is never overridden
    assert "AcademicSponsoredTrial" in inferred(store, "t2")
    assert "AcademicSponsoredTrial" not in inferred(store, "t1")


def test_one_organisation_type_over_all_its_names(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        ctgov="""
        id:t1 a atmp:ClinicalTrial ; atmp:hasSponsor id:o1 ; atmp:isCommercialSponsor true .
        id:o2 a atmp:Organisation ; rdfs:label "Karolinska Institutet" , "Karolinska Sjukhus" .
        id:o3 a atmp:Organisation ; rdfs:label "Stiftung X" , "X Biotech GmbH" .
        id:o4 a atmp:Organisation ; rdfs:label "Some Name" , "Universidad de Navarra" .
        """,
        euctr="""id:o1 a atmp:Organisation ; rdfs:label "Ospedale San Raffaele" .""",
    )
    # The registry flag, stated in one graph, wins over a name stated in another; then the
    # first type in order (hospital, academic, non-profit, industry) that any name gives.
    assert inferred(store, "o1", "atmp:orgType") == {"Industry"}
    assert inferred(store, "o2", "atmp:orgType") == {"Hospital"}
    assert inferred(store, "o3", "atmp:orgType") == {"NonProfit"}
    assert inferred(store, "o4", "atmp:orgType") == {"Academic"}


def test_a_sponsor_flagged_commercial_needs_no_name(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        ctgov="""
        id:t a atmp:ClinicalTrial ; atmp:hasSponsor id:o ; atmp:isCommercialSponsor true .
        """,
    )
    assert inferred(store, "o", "atmp:orgType") == {"Industry"}


def test_equally_authoritative_assertions_both_hold(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        reference="""
        id:p a atmp:MedicinalProduct ; atmp:hasClassification id:c1 , id:c2 , id:c3 .
        id:c1 atmp:assertsClass atmp:GTMP ; atmp:classificationSource atmp:CuratorClassification .
        id:c2 atmp:assertsClass atmp:TEP ; atmp:classificationSource atmp:CuratorClassification .
        id:c3 atmp:assertsClass atmp:SCTMP ;
            atmp:classificationSource atmp:SponsorSelfClassification .
        id:q a atmp:MedicinalProduct ; atmp:hasClassification id:c4 .
        id:c4 atmp:assertsClass atmp:SCTMP ;
            atmp:classificationSource atmp:SponsorSelfClassification .
        """,
    )
    types = inferred(store, "p")
    assert {"GTMP", "TEP"} <= types and "SCTMP" not in types
    assert "SCTMP" in inferred(store, "q")  # each product its own best rank


def test_results_due_twelve_months_after_the_end(ontology: list[ox.Triple]) -> None:
    store = run(
        ontology,
        euctr="""
        id:t1 a atmp:ClinicalTrial ; atmp:endOfTrialDate "2023-02-28"^^xsd:date .
        id:t2 a atmp:ClinicalTrial ; atmp:endOfTrialDate "2024-02-29"^^xsd:date .
        id:t3 a atmp:ClinicalTrial ; atmp:endOfTrialDate "2020-01-01"^^xsd:date ;
            atmp:resultsDueDate "2020-07-01"^^xsd:date .
        """,
    )
    assert inferred(store, "t1", "atmp:resultsDueDate") == {"2024-02-28"}
    assert inferred(store, "t2", "atmp:resultsDueDate") == {"2025-02-28"}
    assert inferred(store, "t3", "atmp:resultsDueDate") == set()


def test_each_rule_counts_the_triples_it_added(ontology: list[ox.Triple]) -> None:
    store = OxigraphStore()
    store.replace_graph(GRAPH + "ontology", ontology)
    quads = ox.parse(
        PREFIXES
        + """id:car a atmp:MedicinalProduct ; atmp:isCART true .
        id:t a atmp:ClinicalTrial ; atmp:testsProduct id:car ; atmp:hasSponsor id:o .
        id:o a atmp:Organisation ; rdfs:label "Leiden University Medical Center" .""",
        format=ox.RdfFormat.TURTLE,
    )
    store.replace_graph(GRAPH + "ctgov", [q.triple for q in quads])
    counts = materialise(store)
    assert counts["cart-product"] == 1 and counts["org-type"] == 1
    assert counts["subclass-closure"] >= 2  # GTMP and ATMP at least
    assert sum(counts.values()) == store.count(GRAPH + "inferred")


def test_rules_only_write_the_inferred_graph(ontology: list[ox.Triple]) -> None:
    turtle = """id:car a atmp:MedicinalProduct ; atmp:isCART true ."""
    store = run(ontology, reference=turtle)
    assert store.count(GRAPH + "reference") == 2
    counts = materialise(store)
    assert set(counts) == {r.name for r in RULES}
    assert sum(counts.values()) == 0  # a second run finds everything already there
