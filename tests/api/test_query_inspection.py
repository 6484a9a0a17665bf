"""What the API reads from a SPARQL text before the store sees it: FROM clauses, refused
keywords, and the protocol's USING dataset rewritten into an update."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from api.query_inspection import (
    MAX_NESTING,
    query_dataset,
    refuse_outbound,
    with_protocol_dataset,
)
from graph_builder.errors import ParameterError, QueryRefused

BASE = "https://w3id.org/atmp-kg/sparql"


def test_query_dataset_reads_from_and_from_named() -> None:
    query = "SELECT * FROM <http://g/1> FROM NAMED <http://g/2> FROM <http://g/3> { ?s ?p ?o }"
    assert query_dataset(query, BASE) == (["http://g/1", "http://g/3"], ["http://g/2"])
    assert query_dataset("SELECT * { GRAPH <http://g/1> { ?s ?p ?o } }", BASE) == ([], [])


def test_query_dataset_resolves_relative_iris_and_prefixed_names() -> None:
    query = (
        "PREFIX g: <https://w3id.org/atmp-kg/graph/> "
        "SELECT * FROM g:ema FROM <other> FROM NAMED g:reference "
        "WHERE { ?s ?p ?o }"
    )
    assert query_dataset(query, BASE) == (
        ["https://w3id.org/atmp-kg/graph/ema", "https://w3id.org/atmp-kg/other"],
        ["https://w3id.org/atmp-kg/graph/reference"],
    )
    rebased = "BASE <http://example.org/data/> SELECT * FROM <g1> { ?s ?p ?o }"
    assert query_dataset(rebased, BASE) == (["http://example.org/data/g1"], [])


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * { service silent <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o . SERVICE ?endpoint { ?s ?p ?o } }",
        "LOAD <http://example.org/data.ttl> INTO GRAPH <http://g>",
    ],
)
def test_service_and_load_are_refused(text: str) -> None:
    with pytest.raises(QueryRefused):
        refuse_outbound(text)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?service WHERE { ?service a "SERVICE" }',
        "PREFIX service: <http://x/> SELECT * { service:a service:b ?load }",
        'SELECT * { ?s ?p "x"@service } # SERVICE <http://example.org/>',
        "SELECT * { <http://example.org/SERVICE> ?p ?o }",
        "SELECT * { ?s ?p _:load }",
        "PREFIX : <http://example.org/> SELECT * { :service :load ?o }",
    ],
)
def test_the_words_in_names_strings_iris_and_comments_are_not_refused(text: str) -> None:
    refuse_outbound(text)


@pytest.mark.parametrize(("opening", "closing"), [("{", "}"), ("(", ")"), ("[", "]")])
def test_nesting_deeper_than_the_limit_is_refused(opening: str, closing: str) -> None:
    """Deep nesting would overflow the query worker's recursive parser: refused before it."""
    deep = MAX_NESTING + 1
    with pytest.raises(QueryRefused, match="nested more than"):
        refuse_outbound("SELECT * WHERE { FILTER(" + opening * deep + closing * deep + ") }")


def test_nesting_up_to_the_limit_and_brackets_in_strings_are_not_refused() -> None:
    groups = MAX_NESTING - 1  # inside the query's own WHERE group
    refuse_outbound("SELECT * WHERE " + "{" * (groups + 1) + " ?s ?p ?o " + "}" * (groups + 1))
    many = "(" * (MAX_NESTING * 5)
    refuse_outbound(f'SELECT * WHERE {{ ?s ?p "{many}" }} # {many}')
    refuse_outbound("SELECT * WHERE { " + "{ ?s ?p ?o } " * (MAX_NESTING * 2) + "}")


_UPDATE = """PREFIX ex: <http://example.org/>
INSERT DATA { GRAPH ex:g1 { ex:a ex:p "x;}" } GRAPH ex:g2 { ex:b ex:p "y" } } ;
INSERT { GRAPH ex:out { ?s ex:seen ?g } }
WHERE { { GRAPH ?g { ?s ex:p ?o } } UNION { ?s ex:p ?o BIND("default" AS ?g) } } ;
DELETE WHERE { GRAPH ex:g2 { ?s ex:p "y" } }
"""


def test_protocol_dataset_becomes_using_clauses_that_the_engine_honours() -> None:
    rewritten = with_protocol_dataset(_UPDATE, ["http://example.org/g1"], ["http://example.org/g2"])
    assert rewritten.count("USING <http://example.org/g1> USING NAMED <http://example.org/g2>") == 2
    store = ox.Store()
    store.update(rewritten)
    solutions = store.query(
        "SELECT ?s ?g { GRAPH <http://example.org/out> { ?s <http://example.org/seen> ?g } }"
    )
    assert isinstance(solutions, ox.QuerySolutions)
    seen = {(row["s"].value, row["g"].value) for row in solutions}
    # g1 is the default graph and g2 the only named graph of the WHERE clause.
    assert seen == {
        ("http://example.org/a", "default"),
        ("http://example.org/b", "http://example.org/g2"),
    }
    # DELETE WHERE, rewritten to its long form, saw g2 as a named graph too and emptied it.
    assert not store.query("ASK { GRAPH <http://example.org/g2> { ?s ?p ?o } }")


def test_update_without_protocol_dataset_is_unchanged() -> None:
    assert with_protocol_dataset(_UPDATE, [], []) == _UPDATE


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
    ],
)
def test_protocol_dataset_conflicts_with_using_or_with_in_the_update(update: str) -> None:
    with pytest.raises(ParameterError):
        with_protocol_dataset(update, ["http://example.org/g"], [])


def test_protocol_dataset_iris_are_checked() -> None:
    with pytest.raises(ParameterError, match="using-graph-uri"):
        with_protocol_dataset("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", ["> } ; DROP ALL #"], [])
