"""The dataset around the data: VoID, dumps with checksums, health, the ontology and its docs,
the OpenAPI description, and CORS for anonymous reads only."""

from __future__ import annotations

import base64
import gzip
import hashlib
import warnings
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from api.app import create_app
from api.routers import entities, graph_store, hub, meta, named_queries, ontology, sparql, web
from graph_builder.store import EmbeddedStore
from ontology.model import ATMP_TTL

VOID = "http://rdfs.org/ns/void#"
ATMP = "https://w3id.org/atmp-kg/ontology#"
DATASET = ox.NamedNode("https://w3id.org/atmp-kg/id/source/void")


def _void(client: TestClient) -> ox.Store:
    body = client.get("/void", headers={"Accept": "application/n-triples"}).content
    store = ox.Store()
    store.load(body, ox.RdfFormat.N_TRIPLES)
    return store


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    solutions = store.query(f"PREFIX void: <{VOID}> " + query)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def _number(store: ox.Store, query: str) -> int:
    (row,) = _rows(store, query)
    return int(row[0].value)


def test_void_describes_size_subsets_partitions_and_dumps(client: TestClient) -> None:
    void = _void(client)
    dataset, ema = f"<{DATASET.value}>", "<https://w3id.org/atmp-kg/graph/ema>"
    assert _number(void, f"SELECT ?n {{ {dataset} void:triples ?n }}") == 27
    assert (
        _number(void, f"SELECT ?n {{ {dataset} void:subset {ema} . {ema} void:triples ?n }}") == 16
    )
    gtmp = f"[ void:class <{ATMP}GTMP> ; void:entities ?n ]"
    assert _number(void, f"SELECT ?n {{ {dataset} void:classPartition {gtmp} }}") == 1
    label = "[ void:property rdfs:label ; void:triples ?n ]"
    rdfs = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    assert _number(void, rdfs + f"SELECT ?n {{ {dataset} void:propertyPartition {label} }}") == 8
    dumps = {row[0].value for row in _rows(void, f"SELECT ?u {{ {dataset} void:dataDump ?u }}")}
    assert "https://w3id.org/atmp-kg/dumps/atmp-kg.nq.gz" in dumps
    endpoint = "<https://w3id.org/atmp-kg/sparql>"
    assert void.query(f"ASK {{ {dataset} <{VOID}sparqlEndpoint> {endpoint} }}")


def test_void_keeps_the_builds_own_graph_statistics(
    writable_client: TestClient, auth: dict[str, str]
) -> None:
    ema = "<https://w3id.org/atmp-kg/graph/ema>"
    meta = f"""{ema} <{VOID}triples> 15 .
    <{DATASET.value}> <http://purl.org/dc/terms/title> "atmp-kg knowledge graph" ."""
    put = writable_client.put(
        "/graph/meta", content=meta, headers={"Content-Type": "text/turtle", **auth}
    )
    assert put.status_code == 201
    void = _void(writable_client)
    # as the build counted it, not recounted beside it
    assert [r[0].value for r in _rows(void, f"SELECT ?n {{ {ema} void:triples ?n }}")] == ["15"]
    titles = _rows(void, f"SELECT ?t {{ <{DATASET.value}> <http://purl.org/dc/terms/title> ?t }}")
    assert [r[0].value for r in titles] == ["atmp-kg knowledge graph"]
    # graphs the build did not describe are counted by the server
    reference = "<https://w3id.org/atmp-kg/graph/reference>"
    assert _number(void, f"SELECT ?n {{ {reference} void:triples ?n }}") == 6


def test_dumps_with_checksums_that_match(client: TestClient) -> None:
    listing = client.get("/dumps").json()
    assert {d["name"] for d in listing["dumps"]} == {
        "atmp-kg.nq.gz",
        "atmp-kg.trig.gz",
        "atmp-kg.nt.gz",
    }
    sums = client.get("/dumps/SHA256SUMS").text
    for dump in listing["dumps"]:
        response = client.get(f"/dumps/{dump['name']}")
        digest = hashlib.sha256(response.content).hexdigest()
        assert digest == dump["sha256"]
        assert f"{digest}  {dump['name']}" in sums.splitlines()
        assert len(response.content) == dump["bytes"]
        expected = base64.b64encode(bytes.fromhex(digest)).decode()
        assert response.headers["digest"] == f"sha-256={expected}"
    nquads = gzip.decompress(client.get("/dumps/atmp-kg.nq.gz").content)
    quads = list(ox.parse(nquads, ox.RdfFormat.N_QUADS))
    assert len(quads) == 27
    assert {q.graph_name.value for q in quads} >= {"https://w3id.org/atmp-kg/graph/ema"}


def test_health(client: TestClient, readonly_client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["store"] == "embedded"
    assert health["graphs"] == 4
    assert health["read_only"] is False
    assert readonly_client.get("/health").json()["read_only"] is True


def test_ontology_turtle_is_the_edited_file(client: TestClient) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert response.content == ATMP_TTL.read_bytes()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_ontology_in_other_syntaxes_has_the_same_triples(
    client: TestClient, accept: str, fmt: ox.RdfFormat
) -> None:
    turtle = list(ox.parse(ATMP_TTL.read_bytes(), ox.RdfFormat.TURTLE))
    body = client.get("/ontology", headers={"Accept": accept}).content
    assert len(list(ox.parse(body, fmt))) == len(turtle)


def test_ontology_html_documents_the_terms(client: TestClient) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    for term in ("ManufacturingSite", "hasMarketingAuthorisation", "Closed enumerations"):
        assert term in page


def test_openapi_is_valid_and_documents_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    validate(schema)
    paths = schema["paths"]
    for path in (
        "/sparql",
        "/graph",
        "/graph/{path}",
        "/id/{path}",
        "/ontology",
        "/void",
        "/dumps",
        "/health",
    ):
        assert path in paths, path
    assert set(paths["/sparql"]) >= {"get", "post"}
    assert "application/sparql-query" in paths["/sparql"]["post"]["requestBody"]["content"]
    assert "406" in paths["/id/{path}"]["get"]["responses"]
    error = schema["components"]["schemas"]["ErrorBody"]
    assert set(error["properties"]) == {"error", "message", "detail"}


def test_every_route_has_its_own_operation_id(tmp_path: Path) -> None:
    """HEAD routes reuse their GET endpoint; each still needs an id of its own, or FastAPI warns
    "Duplicate Operation ID" when it builds the OpenAPI document."""
    app = create_app(store=EmbeddedStore(tmp_path / "store"))
    routers = (sparql, graph_store, entities, ontology, meta, web, named_queries, hub)
    routes = [*app.routes, *(route for module in routers for route in module.router.routes)]
    ids = [
        (route.operation_id or route.unique_id, method)
        for route in routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    ]
    names = [name for name, _ in ids]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert ("head_entity", "HEAD") in ids
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app.openapi()


def test_docs_page_lists_operations_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "<code>POST /sparql</code>" in page
    assert "cdn" not in page.lower()


def test_cors_open_for_anonymous_reads_only(client: TestClient) -> None:
    origin = {"Origin": "https://example.org"}
    read = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert read.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in read.headers
    preflight = {
        **origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    assert client.options("/sparql", headers=preflight).status_code == 200
    with_token = {**preflight, "Access-Control-Request-Headers": "authorization"}
    assert client.options("/sparql", headers=with_token).status_code == 400
    put = {**origin, "Access-Control-Request-Method": "PUT"}
    assert client.options("/graph", headers=put).status_code == 400
