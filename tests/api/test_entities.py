"""Dereferencing /id/...: the HTML page (labels, types, links both ways, provenance, sources) and
the RDF documents (the same statements), JSON-LD with the published context."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

KYMRIAH = "https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"
PAGE = "/id/product/EMEA-H-C-004090"
HTML = {"Accept": "text/html"}


def _triples(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, fmt)}


def test_html_page_shows_labels_types_links_and_provenance(client: TestClient) -> None:
    page = client.get(PAGE, headers=HTML).text
    assert "<h1>Kymriah</h1>" in page
    # type, with the class label from the ontology graph and a link to its documentation
    assert 'href="/ontology#GTMP">gene therapy medicinal product</a>' in page
    # outgoing: a link to the marketing authorisation page of this server, with its label
    assert 'href="/id/marketing-authorisation/EMEA-H-C-004090">Marketing authorisation' in page
    assert "tisagenlecleucel" in page
    # incoming: the authorisation points back at the product
    referenced = page.split("<h2>Referenced by</h2>", 1)[1].split("<h2>Provenance</h2>")[0]
    assert "/id/marketing-authorisation/EMEA-H-C-004090" in referenced
    assert "atmp:authorisedProduct" in referenced
    # provenance: the graph, the public source, the source record and where it came from
    provenance = page.split("<h2>Provenance</h2>", 1)[1]
    assert "graph/ema" in provenance
    assert 'href="https://www.ema.europa.eu/en/medicines/human/EPAR/kymriah"' in provenance
    assert "EMA medicines export, row EMEA/H/C/004090" in provenance
    assert "https://www.ema.europa.eu/en/medicines/download-medicine-data" in provenance
    # alternates for machines
    assert 'type="text/turtle" href="/id/product/EMEA-H-C-004090?format=ttl"' in page
    assert "Illustrative record" not in page


def test_html_page_escapes_data_and_flags_illustrative_nodes(client: TestClient) -> None:
    page = client.get("/id/material/example%2Fmedium", headers=HTML).text
    assert "Example culture medium &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page
    assert "Illustrative record" in page
    assert 'href="/id/material/example%2Fmedium?format=ttl"' in page


def test_html_loads_nothing_from_other_hosts(client: TestClient) -> None:
    page = client.get(PAGE, headers=HTML).text
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page)


def test_turtle_holds_outgoing_and_incoming_statements(client: TestClient) -> None:
    body = client.get(PAGE, headers={"Accept": "text/turtle"}).content
    triples = _triples(body, ox.RdfFormat.TURTLE)
    product = ox.NamedNode(KYMRIAH)
    ma = ox.NamedNode("https://w3id.org/atmp-kg/id/marketing-authorisation/EMEA-H-C-004090")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    assert ox.Triple(product, label, ox.Literal("Kymriah", language="en")) in triples
    authorised = ox.NamedNode("https://w3id.org/atmp-kg/ontology#authorisedProduct")
    assert ox.Triple(ma, authorised, product) in triples
    assert len(triples) == 9  # 8 outgoing, 1 incoming
    assert body.startswith(b"@prefix")


def test_every_rdf_format_says_the_same(client: TestClient) -> None:
    reference = _triples(
        client.get(PAGE, headers={"Accept": "application/n-triples"}).content,
        ox.RdfFormat.N_TRIPLES,
    )
    xml = client.get(PAGE, headers={"Accept": "application/rdf+xml"}).content
    assert _triples(xml, ox.RdfFormat.RDF_XML) == reference


def test_jsonld_uses_the_published_context(client: TestClient) -> None:
    doc = client.get(PAGE, headers={"Accept": "application/ld+json"}).json()
    assert doc["@context"] == "https://w3id.org/atmp-kg/context.jsonld"
    node = next(n for n in doc["@graph"] if n["@id"] == KYMRIAH)
    assert node["@type"] == ["atmp:GTMP"]
    assert node["atmp:inn"] == [{"@value": "tisagenlecleucel"}]
    context = client.get("/context.jsonld").json()
    assert context["@context"]["atmp"] == "https://w3id.org/atmp-kg/ontology#"
    # With the context document inlined, a JSON-LD processor reads the same graph as N-Triples.
    doc["@context"] = context["@context"]
    from_jsonld = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    nt = client.get(PAGE, headers={"Accept": "application/n-triples"}).text
    assert isomorphic(from_jsonld, rdflib.Graph().parse(data=nt, format="nt"))


def test_percent_encoded_keys_are_looked_up_as_written(client: TestClient) -> None:
    body = client.get("/id/material/example%2Fmedium", headers={"Accept": "text/turtle"}).text
    assert "<https://w3id.org/atmp-kg/id/material/example%2Fmedium>" in body
    assert client.get("/id/material/example/medium").status_code == 404


def test_unknown_entity_is_404_json(client: TestClient) -> None:
    response = client.get("/id/product/EMEA-H-C-999999", headers=HTML)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "EMEA-H-C-999999" in response.json()["message"]


def test_links_follow_the_deployment_root_path(client: TestClient) -> None:
    behind_proxy = TestClient(client.app, root_path="/atmp")
    page = behind_proxy.get(PAGE, headers=HTML).text
    assert 'href="/atmp/id/marketing-authorisation/EMEA-H-C-004090"' in page
    assert 'href="/atmp/ontology#GTMP"' in page
