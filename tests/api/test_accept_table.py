"""Every route with every interesting Accept header: the status and the media type answered,
and `Vary: Accept` wherever the answer depends on it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

SELECT = "/sparql?query=" + quote("SELECT ?s WHERE { ?s a ?type } LIMIT 3")
ASK = "/sparql?query=" + quote("ASK { ?s ?p ?o }")
CONSTRUCT = "/sparql?query=" + quote("CONSTRUCT WHERE { ?s a ?type } LIMIT 3")
ENTITY = "/id/product/EMEA-H-C-004090"
EMA_GRAPH = "/graph?graph=" + quote("https://w3id.org/atmp-kg/graph/ema", safe="")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

NEGOTIATED = [
    # route, Accept, status, media type
    (SELECT, None, 200, "application/sparql-results+json"),
    (SELECT, "application/sparql-results+xml", 200, "application/sparql-results+xml"),
    (SELECT, "text/csv", 200, "text/csv"),
    (SELECT, "text/tab-separated-values", 200, "text/tab-separated-values"),
    (SELECT, "application/json", 200, "application/json"),
    (SELECT, "text/turtle", 406, "application/json"),
    (ASK, "application/sparql-results+json", 200, "application/sparql-results+json"),
    (ASK, "application/sparql-results+xml", 200, "application/sparql-results+xml"),
    (ASK, "text/html", 406, "application/json"),
    (CONSTRUCT, None, 200, "text/turtle"),
    (CONSTRUCT, "application/n-triples", 200, "application/n-triples"),
    (CONSTRUCT, "application/ld+json", 200, "application/ld+json"),
    (CONSTRUCT, "application/rdf+xml", 200, "application/rdf+xml"),
    (CONSTRUCT, "application/trig", 200, "application/trig"),
    (CONSTRUCT, "application/n-quads", 200, "application/n-quads"),
    (CONSTRUCT, "application/sparql-results+json", 406, "application/json"),
    ("/sparql", None, 200, "text/turtle"),
    ("/sparql", BROWSER, 200, "text/html"),
    ("/sparql", "application/ld+json", 200, "application/ld+json"),
    ("/sparql", "image/png", 406, "application/json"),
    (ENTITY, None, 200, "text/turtle"),
    (ENTITY, BROWSER, 200, "text/html"),
    (ENTITY, "application/ld+json", 200, "application/ld+json"),
    (ENTITY, "application/n-triples", 200, "application/n-triples"),
    (ENTITY, "application/rdf+xml", 200, "application/rdf+xml"),
    (ENTITY, "application/trig", 406, "application/json"),
    ("/ontology", None, 200, "text/turtle"),
    ("/ontology", BROWSER, 200, "text/html"),
    ("/ontology", "application/rdf+xml", 200, "application/rdf+xml"),
    ("/ontology", "application/ld+json", 200, "application/ld+json"),
    ("/ontology", "application/n-triples", 200, "application/n-triples"),
    ("/ontology", "image/png", 406, "application/json"),
    ("/void", None, 200, "text/turtle"),
    ("/void", "application/ld+json", 200, "application/ld+json"),
    ("/void", "text/html", 406, "application/json"),
    (EMA_GRAPH, None, 200, "text/turtle"),
    (EMA_GRAPH, "application/n-triples", 200, "application/n-triples"),
    (EMA_GRAPH, "application/rdf+xml", 200, "application/rdf+xml"),
    (EMA_GRAPH, "application/ld+json", 200, "application/ld+json"),
    (EMA_GRAPH, "application/trig", 200, "application/trig"),
    (EMA_GRAPH, "application/n-quads", 200, "application/n-quads"),
    (EMA_GRAPH, "text/html", 406, "application/json"),
]

FIXED = [
    ("/context.jsonld", "application/ld+json"),
    ("/health", "application/json"),
    ("/dumps", "application/json"),
    ("/dumps/SHA256SUMS", "text/plain"),
    ("/dumps/atmp-kg.nq.gz", "application/gzip"),
    ("/ontology/atmp.rdf", "application/rdf+xml"),
    ("/docs", "text/html"),
    ("/openapi.json", "application/json"),
]


def _media(response_type: str) -> str:
    return response_type.split(";")[0].strip()


@pytest.mark.parametrize(("route", "accept", "status", "media_type"), NEGOTIATED)
def test_negotiated_routes(
    client: TestClient, route: str, accept: str | None, status: int, media_type: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(route, headers=headers)
    assert response.status_code == status, response.text
    assert _media(response.headers["content-type"]) == media_type
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]
    if status == 406:
        assert response.json()["error"] == "not_acceptable"
        assert response.json()["detail"]["available"]


@pytest.mark.parametrize(("route", "media_type"), FIXED)
def test_fixed_type_routes(client: TestClient, route: str, media_type: str) -> None:
    response = client.get(route, headers={"Accept": "*/*"})
    assert response.status_code == 200, response.text
    assert _media(response.headers["content-type"]) == media_type


@pytest.mark.parametrize(
    ("route", "fmt", "media_type"),
    [
        (SELECT, "csv", "text/csv"),
        (CONSTRUCT, "jsonld", "application/ld+json"),
        (ENTITY, "ttl", "text/turtle"),
        (ENTITY, "html", "text/html"),
        ("/ontology", "rdf", "application/rdf+xml"),
        ("/void", "nt", "application/n-triples"),
    ],
)
def test_format_parameter_overrides_accept(
    client: TestClient, route: str, fmt: str, media_type: str
) -> None:
    joiner = "&" if "?" in route else "?"
    response = client.get(f"{route}{joiner}format={fmt}", headers={"Accept": "image/png"})
    assert response.status_code == 200, response.text
    assert _media(response.headers["content-type"]) == media_type


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    for route in (ENTITY, EMA_GRAPH, "/ontology"):
        response = client.head(route, headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        assert _media(response.headers["content-type"]) == "text/turtle"
