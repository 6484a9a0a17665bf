"""The rules (graph_builder.rules) on the live servers of .ci/servers.sh — the Oxigraph server and
Virtuoso 7.2 — infer the same triples as on the embedded store. Remote: skipped without the
servers, a failure in CI."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from store.store_servers import remote_settings

from graph_builder.namespaces import GRAPH, ID, INFERRED
from graph_builder.rules import materialise
from graph_builder.store import OxigraphStore, SelectResult, Store
from graph_builder.store.remote import SparqlEndpointStore

pytestmark = pytest.mark.remote

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"

# Something for every rule to infer; the class hierarchy comes with the rules, not from a graph.
# Subjects are under a namespace of their own (in id:, which the subclass closure asks for), so
# that other tests' data on the shared server is told apart.
DATA = {
    "reference": """
    id:p a atmp:MedicinalProduct ; atmp:hasClassification id:c1 , id:c2 , id:c3 .
    id:c1 atmp:assertsClass atmp:SCTMP ; atmp:classificationSource atmp:SponsorSelfClassification .
    id:c2 atmp:assertsClass atmp:GTMP ; atmp:classificationSource atmp:CATRecommendation .
    id:c3 atmp:assertsClass atmp:ATMP ; atmp:classificationSource atmp:EPARClassification .
    id:car a atmp:MedicinalProduct ; atmp:isCART true .
    id:kymriah a atmp:GTMP ; atmp:isCART true .
    id:w a atmp:MedicinalProduct ; atmp:hasMarketingAuthorisation id:ma .
    id:ma atmp:status atmp:Withdrawn .
    id:cat a atmp:ClassificationAssertion ; atmp:classificationSource atmp:CATRecommendation .
    """,
    "ctgov": """
    id:t a atmp:ClinicalTrial ; atmp:testsProduct id:car .
    id:t1 a atmp:ClinicalTrial ; atmp:hasSponsor id:o1 ; atmp:isCommercialSponsor true .
    id:o1 a atmp:Organisation ; rdfs:label "Leiden Cell Therapy Centre" .
    id:t2 a atmp:ClinicalTrial ; atmp:hasSponsor id:o2 ; atmp:isCommercialSponsor false .
    id:o2 a atmp:Organisation ; rdfs:label "University Hospital Leiden" , "Leids Universitair" .
    id:o3 a atmp:Organisation ; rdfs:label "Universität Heidelberg"@de .
    id:o4 a atmp:Organisation ; rdfs:label "Fondazione Telethon ETS" .
    id:o5 a atmp:Organisation ; rdfs:label "Kite Pharma EU B.V." .
    id:o6 a atmp:Organisation ; rdfs:label "Some Name" .
    id:o7 a atmp:Organisation ; rdfs:label "Stated Hospital" ; atmp:orgType atmp:Industry .
    """,
    "euctr": """
    id:e1 a atmp:ClinicalTrial ; atmp:declaredATMPClass atmp:GTMP ;
        atmp:endOfTrialDate "2024-02-29"^^xsd:date .
    id:e2 a atmp:ClinicalTrial ; atmp:declaredATMPClass atmp:GTMP ; atmp:isATMPTrial false ;
        atmp:endOfTrialDate "2023-02-28"^^xsd:date .
    id:e3 a atmp:ClinicalTrial ; atmp:endOfTrialDate "2020-01-01"^^xsd:date ;
        atmp:resultsDueDate "2020-07-01"^^xsd:date .
    """,
}


def _graphs(ids: str, graph_ns: str) -> dict[str, list[ox.Triple]]:
    prefixes = (
        "@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .\n"
        f"@prefix id: <{ids}> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    )
    return {
        graph_ns + graph_id: [q.triple for q in ox.parse(prefixes + turtle, ox.RdfFormat.TURTLE)]
        for graph_id, turtle in DATA.items()
    }


def _inferred(store: Store, ids: str) -> set[tuple[str, str, str]]:
    """The inferred triples about this test's subjects; booleans by value (Virtuoso stores
    true as "1")."""
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, SelectResult)
    rows = set()
    for row in result:
        if not row["s"].value.startswith(ids):
            continue
        o = row["o"]
        if isinstance(o, ox.Literal) and o.datatype.value == XSD_BOOLEAN:
            o = ox.Literal(str(o.value in ("true", "1")).lower(), datatype=o.datatype)
        rows.add((row["s"].value, row["p"].value, str(o)))
    return rows


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Iterator[SparqlEndpointStore]:
    store = SparqlEndpointStore.from_settings(remote_settings(str(request.param)))
    yield store
    store.close()


@pytest.fixture
def case(remote: SparqlEndpointStore) -> Iterator[tuple[str, dict[str, list[ox.Triple]]]]:
    """This test's subject namespace and graphs; its graphs and `inferred` dropped after."""
    ids = f"{ID}test-{uuid.uuid4().hex[:12]}/"
    graphs = _graphs(ids, f"{GRAPH}test-{uuid.uuid4().hex[:12]}/")
    yield ids, graphs
    with remote.writing() as w:
        for graph in [*graphs, INFERRED]:
            w.drop_graph(graph)


def _embedded(graphs: dict[str, list[ox.Triple]]) -> OxigraphStore:
    store = OxigraphStore()
    for graph, triples in graphs.items():
        store.replace_graph(graph, triples)
    return store


def test_the_rules_infer_the_same_on_a_server(
    remote: SparqlEndpointStore, case: tuple[str, dict[str, list[ox.Triple]]]
) -> None:
    ids, graphs = case
    embedded = _embedded(graphs)
    expected_counts = materialise(embedded)
    assert all(expected_counts.values()), "every rule has something to infer here"
    with remote.writing() as w:
        w.drop_graph(INFERRED)
        for graph, triples in graphs.items():
            w.replace_graph(graph, triples)

    counts = materialise(remote)
    assert _inferred(remote, ids) == _inferred(embedded, ids)
    # The rules also infer from whatever else the shared server holds.
    assert all(counts[rule] >= n for rule, n in expected_counts.items())
    assert sum(materialise(remote).values()) == 0  # nothing left to infer


def test_the_rules_run_on_what_a_remote_writer_commits(
    remote: SparqlEndpointStore, case: tuple[str, dict[str, list[ox.Triple]]]
) -> None:
    """As in a build: the remote writer sends the uploads' MOVEs and the rules in one request
    at the end, and the rules infer from the data that request puts in place."""
    ids, graphs = case
    embedded = _embedded(graphs)
    materialise(embedded)
    with remote.writing() as w:
        w.drop_graph(INFERRED)
        for graph, triples in graphs.items():
            w.replace_graph(graph, triples)
        materialise(w)
    assert _inferred(remote, ids) == _inferred(embedded, ids)
