"""Content negotiation (Accept with q-values and wildcards, the `format` override, 406) and the
serialisers, read back with independent parsers."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from starlette.requests import Request

from api.errors import ApiError
from api.negotiation import (
    ENTITY_OFFERS,
    GRAPH_OFFERS,
    RESULT_OFFERS,
    Fmt,
    Offer,
    choose,
    jsonld_context,
    jsonld_document,
    serialize_result,
)
from graph_builder.errors import ParameterError
from graph_builder.store.base import SelectResult


def _request(accept: str | None = None, query: str = "") -> Request:
    headers = [(b"accept", accept.encode())] if accept is not None else []
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": headers,
            "query_string": query.encode(),
        }
    )


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "offers", "media_type"),
    [
        (None, RESULT_OFFERS, "application/sparql-results+json"),
        ("*/*", GRAPH_OFFERS, "text/turtle"),
        ("text/csv", RESULT_OFFERS, "text/csv"),
        ("application/json", RESULT_OFFERS, "application/json"),
        ("text/*;q=0.5, application/xml", RESULT_OFFERS, "application/xml"),
        ("text/*", RESULT_OFFERS, "text/csv"),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", GRAPH_OFFERS, "application/ld+json"),
        ("application/rdf+xml, */*;q=0.1", GRAPH_OFFERS, "application/rdf+xml"),
        (BROWSER, ENTITY_OFFERS, "text/html"),
        # the more specific range decides: text/turtle excluded although text/* is welcome
        ("text/*, text/turtle;q=0", ENTITY_OFFERS, "text/html"),
        ("TEXT/Turtle; charset=utf-8", ENTITY_OFFERS, "text/turtle"),
    ],
)
def test_accept_picks_the_best_offer(
    accept: str | None, offers: tuple[Offer, ...], media_type: str
) -> None:
    assert choose(_request(accept), offers).media_type == media_type


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "application/n-quads"])
def test_nothing_acceptable_is_406_with_what_is_available(accept: str) -> None:
    with pytest.raises(ApiError) as caught:
        choose(_request(accept), ENTITY_OFFERS)
    assert caught.value.status_code == 406
    assert "text/turtle" in caught.value.extra["available"]
    assert caught.value.headers == {"Vary": "Accept"}


@pytest.mark.parametrize(
    ("query", "offers", "media_type"),
    [
        ("format=ttl", ENTITY_OFFERS, "text/turtle"),
        ("format=json", RESULT_OFFERS, "application/sparql-results+json"),
        ("format=json", GRAPH_OFFERS, "application/ld+json"),
        ("format=xml", GRAPH_OFFERS, "application/rdf+xml"),
        ("format=text%2Fcsv", RESULT_OFFERS, "text/csv"),
    ],
)
def test_format_overrides_accept(query: str, offers: tuple[Offer, ...], media_type: str) -> None:
    assert choose(_request("image/png", query), offers).media_type == media_type


def test_format_unknown_is_400_and_unavailable_is_406() -> None:
    with pytest.raises(ApiError) as unknown:
        choose(_request(None, "format=docx"), RESULT_OFFERS)
    assert unknown.value.status_code == 400
    with pytest.raises(ApiError) as unavailable:
        choose(_request(None, "format=csv"), GRAPH_OFFERS)
    assert unavailable.value.status_code == 406


_ROWS = SelectResult(
    ["s", "label", "n"],
    [
        {
            "s": ox.NamedNode("https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"),
            "label": ox.Literal('Kymriah, "CAR-T"', language="en"),
            "n": ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        },
        {"s": ox.BlankNode("b1")},
    ],
)


def test_select_results_in_every_result_format() -> None:
    doc = json.loads(serialize_result(_ROWS, Fmt.JSON))
    assert doc["head"]["vars"] == ["s", "label", "n"]
    assert doc["results"]["bindings"][0]["label"] == {
        "type": "literal",
        "value": 'Kymriah, "CAR-T"',
        "xml:lang": "en",
    }
    assert doc["results"]["bindings"][1] == {"s": {"type": "bnode", "value": "b1"}}

    root = ET.fromstring(serialize_result(_ROWS, Fmt.XML))
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert [v.get("name") for v in root.iter(ns + "variable")] == ["s", "label", "n"]
    assert len(list(root.iter(ns + "result"))) == 2

    rows = list(csv.reader(io.StringIO(serialize_result(_ROWS, Fmt.CSV).decode())))
    assert rows[0] == ["s", "label", "n"]
    assert rows[1] == [_ROWS.rows[0]["s"].value, 'Kymriah, "CAR-T"', "3"]

    tsv = serialize_result(_ROWS, Fmt.TSV).decode().splitlines()
    assert tsv[0] == "?s\t?label\t?n"
    assert tsv[1].split("\t")[1] == '"Kymriah, \\"CAR-T\\""@en'


@pytest.mark.parametrize("fmt", [Fmt.JSON, Fmt.XML, Fmt.CSV, Fmt.TSV])
def test_ask_results(fmt: Fmt) -> None:
    body = serialize_result(True, fmt)
    assert b"true" in body


_TRIPLES = [
    ox.Triple(
        ox.NamedNode("https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
        ox.Literal("Kymriah", language="en"),
    ),
    ox.Triple(
        ox.NamedNode("https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/atmp-kg/ontology#GTMP"),
    ),
]


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [
        (Fmt.TURTLE, "turtle"),
        (Fmt.NTRIPLES, "nt"),
        (Fmt.JSONLD, "json-ld"),
        (Fmt.RDFXML, "xml"),
        (Fmt.TRIG, "trig"),
        (Fmt.NQUADS, "nquads"),
    ],
)
def test_graph_in_every_rdf_format_reads_back(fmt: Fmt, rdflib_format: str) -> None:
    body = serialize_result(_TRIPLES, fmt)
    graph = rdflib.Dataset()
    graph.parse(data=body, format=rdflib_format)
    assert len(graph) == 2


def test_a_table_cannot_be_written_as_quads() -> None:
    with pytest.raises(ParameterError):
        serialize_result(_ROWS, Fmt.TRIG)


def test_jsonld_document_uses_the_published_context() -> None:
    body = json.loads(jsonld_document(_TRIPLES, "https://w3id.org/atmp-kg/context.jsonld"))
    assert body["@context"] == "https://w3id.org/atmp-kg/context.jsonld"
    node = body["@graph"][0]
    assert node["@type"] == ["atmp:GTMP"]
    assert node["rdfs:label"] == [{"@value": "Kymriah", "@language": "en"}]
    # Expanded with the context document, it is the same graph as the triples.
    body["@context"] = jsonld_context()["@context"]
    parsed = rdflib.Graph().parse(data=json.dumps(body), format="json-ld")
    expected = rdflib.Graph().parse(data=serialize_result(_TRIPLES, Fmt.NTRIPLES), format="nt")
    assert isomorphic(parsed, expected)
