"""Typed parameter binding: values enter a query only as RDF terms in a VALUES block, placed in
the outermost WHERE group whatever the query's comments, strings and IRIs contain."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph_builder.errors import ParameterError, QuerySyntaxError
from graph_builder.store import SelectResult
from graph_builder.store.bindings import bind, named_node, query_form
from graph_builder.store.embedded import OxigraphStore

EX = "http://test.atmp-kg.example/"
NAME = NamedNode(EX + "name")


@pytest.fixture
def store() -> OxigraphStore:
    store = OxigraphStore()
    store.replace_graph(
        EX + "g",
        [
            Triple(NamedNode(EX + "kymriah"), NAME, Literal("Kymriah")),
            Triple(NamedNode(EX + "zolgensma"), NAME, Literal("Zolgensma")),
            Triple(NamedNode(EX + "tricky"), NAME, Literal("WHERE { } # not a comment")),
        ],
    )
    return store


def subjects(store: OxigraphStore, query: str, **bindings: NamedNode | Literal) -> set[str]:
    result = store.query(query, bindings)
    assert isinstance(result, SelectResult)
    return {row["s"].value for row in result}


@pytest.mark.parametrize(
    "attack",
    [
        'Kymriah" } ; DROP ALL ; SELECT * WHERE { ?s ?p "',
        "Kymriah' } UNION { ?s ?p ?o } #",
        '""" } } INSERT DATA { <http://evil> <http://evil> <http://evil> } #',
        "\\u0022 } UNION { ?s ?p ?o }",
        "Kymriah\n} UNION { ?s ?p ?o }",
    ],
)
def test_an_attack_through_a_bound_literal_is_only_a_value(
    store: OxigraphStore, attack: str
) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?name }"
    assert subjects(store, query, name=Literal(attack)) == set()
    assert store.count() == 3
    # The same mechanism does match when the value is there.
    assert subjects(store, query, name=Literal("Kymriah")) == {EX + "kymriah"}


def test_an_iri_that_would_end_early_is_refused() -> None:
    with pytest.raises(ParameterError):
        named_node("http://x> } ; DROP ALL ; <http://y")


@pytest.mark.parametrize(
    "query",
    [
        # braces and the word WHERE inside a comment, a string and an IRI
        '# WHERE { ?x ?y ?z }\nSELECT ?s WHERE { ?s ?p ?name . FILTER(?name != "}{ WHERE") }',
        "SELECT ?s WHERE { ?s ?p ?name FILTER(?name != '''a\n}''') }",
        "SELECT ?s (<http://test.atmp-kg.example/WHERE?q=%7B> AS ?w) WHERE { ?s ?p ?name }",
        # prefixed names and variables spelled like keywords
        "PREFIX where: <http://test.atmp-kg.example/>\nSELECT ?s WHERE { ?s where:name ?name }",
        "SELECT ?s ?where { ?s ?where ?name }",
        # no WHERE keyword; a subquery
        "SELECT ?s { ?s ?p ?name }",
        "SELECT ?s WHERE { { SELECT ?s ?name WHERE { ?s ?p ?name } } }",
        # a group inside an expression of the SELECT clause is not the WHERE group
        "SELECT ?s (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?name }",
        "SELECT ?s (EXISTS { ?s ?p ?o } AS ?e) { ?s ?p ?name }",
    ],
)
def test_placement_is_not_fooled(store: OxigraphStore, query: str) -> None:
    assert subjects(store, query, name=Literal("Zolgensma")) == {EX + "zolgensma"}


def test_construct_binds_in_the_pattern_not_the_template(store: OxigraphStore) -> None:
    query = "CONSTRUCT { ?s <http://test.atmp-kg.example/seen> true } WHERE { ?s ?p ?name }"
    assert store.query(query, {"name": Literal("Kymriah")}) == [
        Triple(NamedNode(EX + "kymriah"), NamedNode(EX + "seen"), Literal(True))
    ]
    query = "CONSTRUCT { ?s <http://test.atmp-kg.example/WHERE> '{' } WHERE { ?s ?p ?name }"
    assert len(store.query(query, {"name": Literal("Kymriah")})) == 1  # type: ignore[arg-type]
    # WHERE is optional after a CONSTRUCT template.
    query = "CONSTRUCT { ?s ?p ?name } { ?s ?p ?name }"
    assert len(store.query(query, {"name": Literal("Zolgensma")})) == 1  # type: ignore[arg-type]


def test_what_cannot_be_bound() -> None:
    with pytest.raises(ParameterError, match="variable name"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"o) { (1": Literal(1)})
    with pytest.raises(ParameterError, match="blank node"):
        bind("SELECT * WHERE { ?s ?p ?o }", {"o": BlankNode()})
    with pytest.raises(QuerySyntaxError, match="short form"):
        bind("CONSTRUCT WHERE { ?s ?p ?o }", {"o": Literal(1)})
    with pytest.raises(QuerySyntaxError, match="no WHERE group"):
        bind("DESCRIBE <http://test.atmp-kg.example/x>", {"o": Literal(1)})
    assert bind("SELECT * { ?s ?p ?o }", None) == "SELECT * { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * { ?s ?p ?o }", "SELECT"),
        ("PREFIX ask: <http://x/>\nBASE <http://y/>\n# CONSTRUCT\nask { ?s ask:p ?o }", "ASK"),
        ("prefix : <http://x/> construct { ?s :p ?o } where { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://x/a>", "DESCRIBE"),
    ],
)
def test_query_form(query: str, form: str) -> None:
    assert query_form(query) == form


@pytest.mark.parametrize(
    "text",
    ["INSERT DATA { <http://x/a> <http://x/b> 1 }", "DELETE WHERE { ?s ?p ?o }", "hello", ""],
)
def test_query_form_refuses_what_is_not_a_query(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        query_form(text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * FROM <http://g/1> WHERE { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://g/1> WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("PREFIX ex: <http://ex/> SELECT ?from WHERE { ?s ex:from ?from }", False),
        ("# FROM <http://g/1>\nSELECT * WHERE { ?s ?p 'FROM' }", False),
    ],
)
def test_dataset_clause_detection(query: str, expected: bool) -> None:
    from graph_builder.store.bindings import has_dataset_clause

    assert has_dataset_clause(query) is expected


def test_embedded_store_honours_from(tmp_path: Path) -> None:
    from graph_builder.store.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "store")
    s, p = NamedNode(EX + "s"), NamedNode(EX + "p")
    store.replace_graph(EX + "g1", [Triple(s, p, Literal("one"))])
    store.replace_graph(EX + "g2", [Triple(s, p, Literal("two"))])
    union = store.query("SELECT ?o WHERE { ?s ?p ?o }")
    only_g1 = store.query(f"SELECT ?o FROM <{EX}g1> WHERE {{ ?s ?p ?o }}")
    assert isinstance(union, SelectResult) and isinstance(only_g1, SelectResult)
    assert {r["o"].value for r in union} == {"one", "two"}
    assert {r["o"].value for r in only_g1} == {"one"}
