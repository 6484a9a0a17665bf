"""`/sparql` beyond the W3C suite: the dataset a query sees (union, FROM, protocol parameters),
relative IRIs, the service description, and updates behind the token."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi.testclient import TestClient

SD = "http://www.w3.org/ns/sparql-service-description#"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
UPDATE = {"Content-Type": "application/sparql-update"}
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
COUNT_LABELS = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s " + LABEL + " ?l }}"


def _count(client: TestClient, query: str, **params: str | list[str]) -> int:
    response = client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_union_of_all_graphs(client: TestClient) -> None:
    # labels: 3 in ema, 2 in reference, 1 in materials, 2 in ontology
    assert _count(client, COUNT_LABELS.format(**{"from": ""})) == 8


def test_from_clause_narrows_the_default_graph(client: TestClient) -> None:
    query = COUNT_LABELS.format(**{"from": "FROM <https://w3id.org/atmp-kg/graph/reference>"})
    assert _count(client, query) == 2


def test_protocol_default_graph_wins_over_from(client: TestClient) -> None:
    query = COUNT_LABELS.format(**{"from": "FROM <https://w3id.org/atmp-kg/graph/reference>"})
    ema = "https://w3id.org/atmp-kg/graph/ema"
    assert _count(client, query, **{"default-graph-uri": ema}) == 3


def test_named_graph_uri_limits_graph_patterns(client: TestClient) -> None:
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _count(client, query) == 4
    named = ["https://w3id.org/atmp-kg/graph/ema", "https://w3id.org/atmp-kg/graph/materials"]
    assert _count(client, query, **{"named-graph-uri": named}) == 2


def test_post_form_and_post_direct_answer_alike(client: TestClient) -> None:
    query = "ASK { ?s a <https://w3id.org/atmp-kg/ontology#GTMP> }"
    direct = client.post(
        "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
    )
    form = client.post("/sparql", data={"query": query}, headers=FORM)
    assert direct.json() == form.json() == {"head": {}, "boolean": True}


def test_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT (<x> AS ?iri) {}"})
    binding = response.json()["results"]["bindings"][0]["iri"]
    assert binding == {"type": "uri", "value": "https://w3id.org/atmp-kg/x"}


def test_service_description(client: TestClient, readonly_client: TestClient) -> None:
    body = client.get("/sparql", headers={"Accept": "application/n-triples"}).content
    triples = {q.triple for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)}
    objects = {t.object for t in triples}
    assert ox.NamedNode("https://w3id.org/atmp-kg/sparql") in objects  # sd:endpoint
    assert ox.NamedNode(SD + "SPARQL11Update") in objects
    assert ox.NamedNode(SD + "UnionDefaultGraph") in objects
    assert ox.NamedNode("https://w3id.org/atmp-kg/graph/ema") in objects  # sd:name
    readonly = readonly_client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert b"SPARQL11Update" not in readonly.content


def test_service_description_page_has_a_query_form(client: TestClient) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"}).text
    assert '<form method="get" action="/sparql">' in page
    assert "read-only" not in page


def test_update_with_the_token_changes_what_queries_see(
    writable_client: TestClient, auth: dict[str, str]
) -> None:
    insert = (
        "INSERT DATA { GRAPH <https://w3id.org/atmp-kg/graph/reference> { "
        f'<https://w3id.org/atmp-kg/id/country/NL> {LABEL} "Netherlands"@en }} }}'
    )
    response = writable_client.post("/sparql", content=insert, headers={**UPDATE, **auth})
    assert response.status_code == 204
    assert _count(writable_client, COUNT_LABELS.format(**{"from": ""})) == 9


def test_update_with_using_graph_uri(writable_client: TestClient, auth: dict[str, str]) -> None:
    update = (
        "INSERT { GRAPH <http://example.org/labelled> { ?s a <http://example.org/Labelled> } } "
        "WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    response = writable_client.post(
        "/sparql",
        content=update,
        params={"using-graph-uri": "https://w3id.org/atmp-kg/graph/reference"},
        headers={**UPDATE, **auth},
    )
    assert response.status_code == 204
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/labelled> { ?s ?p ?o } }"
    assert _count(writable_client, query) == 2
