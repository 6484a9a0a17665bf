"""Query answers written in the SPARQL results syntaxes and RDF syntaxes, read back by
pyoxigraph's own parsers; RDF input errors that name the file and the position."""

from __future__ import annotations

import json
from io import BytesIO

import pyoxigraph as ox
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph_builder.errors import InputError, ParameterError
from graph_builder.store import SelectResult
from graph_builder.store.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    read_triples,
    to_query_result,
    write_result,
)

EX = "http://test.atmp-kg.example/"
ROWS = SelectResult(
    ["product", "name", "since"],
    [
        {
            "product": NamedNode(EX + "kymriah"),
            "name": Literal('Kymriah, "CAR-T"\ttab', language="en"),
            "since": Literal(
                "2018-08-22", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")
            ),
        },
        {"product": BlankNode("b0"), "name": Literal("γδ 🧬\nzwei Zeilen")},  # no "since"
    ],
)


def written(result: object, fmt: str) -> bytes:
    out = BytesIO()
    write_result(result, out, fmt)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_select_results_read_back_the_same(fmt: str) -> None:
    back = to_query_result(ox.parse_query_results(written(ROWS, fmt), RESULT_FORMATS[fmt]))
    assert isinstance(back, SelectResult)
    assert back.variables == ROWS.variables
    assert back.rows[0] == ROWS.rows[0]
    assert back.rows[1]["name"] == ROWS.rows[1]["name"]
    assert isinstance(back.rows[1]["product"], BlankNode)
    assert "since" not in back.rows[1]


def test_select_results_as_csv() -> None:
    lines = written(ROWS, "csv").decode().split("\r\n")
    assert lines[0] == "product,name,since"
    assert lines[1] == f'{EX}kymriah,"Kymriah, ""CAR-T""\ttab",2018-08-22'


def test_json_is_the_sparql_results_document() -> None:
    document = json.loads(written(ROWS, "json"))
    assert document["head"] == {"vars": ["product", "name", "since"]}
    first = document["results"]["bindings"][0]
    assert first["name"] == {"type": "literal", "value": 'Kymriah, "CAR-T"\ttab', "xml:lang": "en"}
    assert first["since"]["datatype"] == "http://www.w3.org/2001/XMLSchema#date"
    assert json.loads(written(True, "json")) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ask_reads_back(fmt: str) -> None:
    assert bool(ox.parse_query_results(written(False, fmt), RESULT_FORMATS[fmt])) is False


@pytest.mark.parametrize("fmt", list(GRAPH_FORMATS))
def test_graphs_read_back(fmt: str) -> None:
    triples = [
        Triple(NamedNode(EX + "kymriah"), NamedNode(EX + "name"), Literal("Kymriah")),
        Triple(NamedNode(EX + "kymriah"), NamedNode(EX + "phase"), Literal(3)),
    ]
    back = [q.triple for q in ox.parse(written(triples, fmt), GRAPH_FORMATS[fmt])]
    assert sorted(map(str, back)) == sorted(map(str, triples))


def test_a_format_that_does_not_fit_the_answer() -> None:
    with pytest.raises(ParameterError, match="graph"):
        written([], "csv")
    with pytest.raises(ParameterError, match="table"):
        written(ROWS, "ttl")


def test_bad_rdf_names_the_file_and_the_position() -> None:
    data = BytesIO(b'<http://x/a> <http://x/b> "ok" .\n<http://x/a> <http://x/b> oops .\n')
    triples = read_triples(data, ox.RdfFormat.N_TRIPLES, "feed.nt")
    assert next(triples) == Triple(NamedNode("http://x/a"), NamedNode("http://x/b"), Literal("ok"))
    with pytest.raises(InputError) as failure:
        list(triples)
    message = str(failure.value)
    assert message.startswith("file feed.nt: not valid N-Triples:")
    assert "line 2" in message
    assert "\n" not in message
