"""The Store contract, with the same assertions for the embedded store, a live Oxigraph server
and a live Virtuoso (the `store` fixture in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib import Graph
from rdflib.compare import isomorphic

from graph_builder.errors import InputError, QuerySyntaxError
from graph_builder.store import SelectResult, Store, Term
from graph_builder.store.base import DATASET_FORMATS, EXPORT_FORMATS
from graph_builder.store.remote import STAGING

XSD = "http://www.w3.org/2001/XMLSchema#"


def p(ns: str, name: str = "p") -> NamedNode:
    return NamedNode(f"{ns}{name}")


def numbered(ns: str, n: int, tag: str = "s") -> Iterator[Triple]:
    for i in range(n):
        yield Triple(NamedNode(f"{ns}{tag}{i}"), p(ns), Literal(i))


def select(
    store: Store, query: str, bindings: dict[str, Term] | None = None, **kwargs: list[str]
) -> SelectResult:
    result = store.query(query, bindings, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, SelectResult)
    return result


def no_staging_left(store: Store) -> bool:
    return not store.query(
        f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'
    )


def test_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


def test_load_replace_and_drop_a_graph(store: Store, ns: str, tmp_path: Path) -> None:
    graph = f"{ns}graph/ema"
    source = tmp_path / "products.ttl"
    source.write_text(
        f"@prefix ex: <{ns}> .\n"
        'ex:product ex:name "Zolgensma" ; ex:number "EMEA/H/C/004750" ; ex:phase 3 .\n'
        'ex:trial ex:tests ex:product ; ex:title "Étude de phase 3"@fr .\n',
        encoding="utf-8",
    )

    assert store.load_file(source, graph) == 5
    assert graph in store.graphs()
    assert store.count(graph) == 5

    assert store.replace_graph(graph, [Triple(p(ns, "other"), p(ns), Literal("new"))]) == 1
    assert store.count(graph) == 1
    assert store.query("ASK { ?s ?p ?o }", {"s": p(ns, "product")}) is False

    store.drop_graph(graph)
    assert graph not in store.graphs()
    assert store.count(graph) == 0
    store.drop_graph(graph)  # dropping a graph that is not there is not an error


def test_counts(store: Store, ns: str) -> None:
    before = store.count()
    store.replace_graph(f"{ns}one", numbered(ns, 3))
    store.replace_graph(f"{ns}two", numbered(ns, 2, "t"))
    assert store.count(f"{ns}one") == 3
    assert store.count(f"{ns}two") == 2
    assert store.count(f"{ns}none") == 0
    assert store.count() == before + 5
    assert {f"{ns}one", f"{ns}two"} <= set(store.graphs())


def test_query_forms_with_bindings(store: Store, ns: str) -> None:
    product, trial = p(ns, "product"), p(ns, "trial")
    name, tests = p(ns, "name"), p(ns, "tests")
    store.replace_graph(
        f"{ns}g",
        [
            Triple(product, name, Literal("Kymriah")),
            Triple(product, name, Literal("tisagenlecleucel", language="en")),
            Triple(trial, tests, product),
        ],
    )

    result = select(store, "SELECT ?name WHERE { ?product ?p ?name }", {"product": product})
    assert result.variables == ["name"]
    assert {row["name"] for row in result} == {
        Literal("Kymriah"),
        Literal("tisagenlecleucel", language="en"),
    }
    by_literal = select(store, "SELECT ?s WHERE { ?s ?p ?o }", {"o": Literal("Kymriah")})
    assert [row["s"] for row in by_literal] == [product]

    assert store.query("ASK { ?t ?p ?product }", {"t": trial, "product": product}) is True
    assert store.query("ASK { ?t ?p ?product }", {"t": product, "product": trial}) is False

    graph = store.query(
        "CONSTRUCT { ?t ?p ?o } WHERE { ?t ?p ?o }",
        {"t": trial},
    )
    assert graph == [Triple(trial, tests, product)]

    described = store.query("DESCRIBE ?s WHERE { ?s ?p ?o }", {"s": product})
    assert isinstance(described, list)
    assert {Triple(product, name, Literal("Kymriah"))} <= set(described)


def test_default_and_named_graphs_can_be_chosen(store: Store, ns: str) -> None:
    store.replace_graph(f"{ns}a", [Triple(p(ns, "x"), p(ns), Literal("in a"))])
    store.replace_graph(f"{ns}b", [Triple(p(ns, "x"), p(ns), Literal("in b"))])
    s = p(ns, "x")

    union = select(store, "SELECT ?o WHERE { ?s ?p ?o }", {"s": s})
    assert {row["o"].value for row in union} == {"in a", "in b"}

    only_a = select(store, "SELECT ?o WHERE { ?s ?p ?o }", {"s": s}, default_graphs=[f"{ns}a"])
    assert [row["o"].value for row in only_a] == ["in a"]

    named = select(
        store,
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"s": s},
        named_graphs=[f"{ns}b"],
    )
    assert [row["g"] for row in named] == [NamedNode(f"{ns}b")]


def test_a_bound_literal_cannot_change_the_query(store: Store, ns: str) -> None:
    store.replace_graph(f"{ns}g", numbered(ns, 3))
    attack = Literal('x" } } ; DROP ALL ; SELECT * WHERE { ?s ?p "')
    assert len(select(store, "SELECT ?s WHERE { ?s ?p ?o }", {"o": attack})) == 0
    assert store.count(f"{ns}g") == 3


def test_update(store: Store, ns: str) -> None:
    graph = f"{ns}g"
    store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{ns}a> <{ns}p> "1", "2" }} }}')
    assert store.count(graph) == 2
    store.update(f'DELETE DATA {{ GRAPH <{graph}> {{ <{ns}a> <{ns}p> "1" }} }}')
    assert store.count(graph) == 1


def test_malformed_query_and_update_change_nothing(store: Store, ns: str) -> None:
    graph = f"{ns}g"
    store.replace_graph(graph, numbered(ns, 4))
    with pytest.raises(QuerySyntaxError):
        store.query("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(QuerySyntaxError):
        store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <{ns}a> <{ns}p> }} }}")
    assert store.count(graph) == 4


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
def test_export_round_trip(store: Store, ns: str, fmt: str) -> None:
    graph = f"{ns}g"
    node = BlankNode()
    triples = [
        Triple(p(ns, "product"), p(ns, "name"), Literal("Strimvelis")),
        Triple(
            p(ns, "product"),
            p(ns, "approved"),
            Literal("2016-05-26", datatype=NamedNode(XSD + "date")),
        ),
        Triple(p(ns, "product"), p(ns, "label"), Literal("thérapie génique", language="fr")),
        Triple(p(ns, "product"), p(ns, "process"), node),
        Triple(node, p(ns, "step"), Literal(1)),
    ]
    store.replace_graph(graph, triples)

    out = BytesIO()
    store.export(out, fmt, graph)  # type: ignore[arg-type]
    parsed = list(ox.parse(out.getvalue(), EXPORT_FORMATS[fmt]))
    if fmt in DATASET_FORMATS:
        assert {q.graph_name for q in parsed} == {NamedNode(graph)}
    assert isomorphic(_rdflib(q.triple for q in parsed), _rdflib(triples))


def test_whole_dataset_export_keeps_graph_names(store: Store, ns: str) -> None:
    store.replace_graph(f"{ns}a", numbered(ns, 2))
    store.replace_graph(f"{ns}b", numbered(ns, 3, "t"))
    out = BytesIO()
    store.export(out, "nq")
    ours: dict[str, int] = {}
    for quad in ox.parse(out.getvalue(), ox.RdfFormat.N_QUADS):
        name = quad.graph_name.value
        if name.startswith(ns):
            ours[name] = ours.get(name, 0) + 1
    assert ours == {f"{ns}a": 2, f"{ns}b": 3}


def test_unicode_literals(store: Store, ns: str) -> None:
    values = [
        Literal("Zolgensma® – onasemnogene abeparvovec"),
        Literal("γδ T 细胞 🧬 ∞ ≥ ½"),
        Literal("thérapie génique", language="fr"),
        Literal('two\nlines\t"quoted" \\ backslash'),
    ]
    store.replace_graph(f"{ns}g", [Triple(p(ns, f"s{i}"), p(ns), v) for i, v in enumerate(values)])
    for i, value in enumerate(values):
        found = select(store, "SELECT ?s WHERE { ?s ?p ?v }", {"v": value})
        assert [row["s"] for row in found] == [p(ns, f"s{i}")]
        back = select(store, "SELECT ?v WHERE { ?s ?p ?v }", {"s": p(ns, f"s{i}")})
        assert [row["v"] for row in back] == [value]


def test_large_literal(store: Store, ns: str) -> None:
    text = "Summary of product characteristics. " * 30_000 + "🧬"  # about 1 MB
    store.replace_graph(f"{ns}g", [Triple(p(ns, "doc"), p(ns, "text"), Literal(text))])
    back = select(store, "SELECT ?v WHERE { ?s ?p ?v }", {"s": p(ns, "doc")})
    assert back.rows[0]["v"].value == text


def test_bulk_load_of_100k_triples(store: Store, ns: str) -> None:
    graph = f"{ns}bulk"
    assert store.replace_graph(graph, numbered(ns, 100_000)) == 100_000
    assert store.count(graph) == 100_000
    last = select(store, "SELECT ?v WHERE { ?s ?p ?v }", {"s": NamedNode(f"{ns}s99999")})
    assert [row["v"] for row in last] == [Literal(99_999)]
    assert no_staging_left(store)


def test_a_replace_that_fails_half_way_changes_nothing(store: Store, ns: str) -> None:
    graph = f"{ns}g"
    store.replace_graph(graph, numbered(ns, 10))

    def broken() -> Iterator[Triple]:
        yield from numbered(ns, 60_000, "new")  # more than one upload chunk
        raise InputError("bad record", file="feed.ttl", record="60001")

    with pytest.raises(InputError):
        store.replace_graph(graph, broken())
    assert store.count(graph) == 10
    assert store.query("ASK { ?s ?p ?o }", {"s": NamedNode(f"{ns}new0")}) is False
    assert no_staging_left(store)


def test_a_non_rdf_file_changes_nothing(store: Store, ns: str, tmp_path: Path) -> None:
    graph = f"{ns}g"
    store.replace_graph(graph, numbered(ns, 3))
    bad = tmp_path / "export.ttl"
    bad.write_bytes(b"PK\x03\x04 this is a zip archive, not Turtle")
    with pytest.raises(InputError, match=r"export\.ttl"):
        store.load_file(bad, graph)
    assert store.count(graph) == 3


def test_a_graph_changes_only_when_the_write_ends(store: Store, ns: str) -> None:
    graph = f"{ns}g"
    store.replace_graph(graph, numbered(ns, 3))
    in_graph = "ASK { GRAPH ?g { ?s ?p ?o } }"
    with store.writing() as w:
        w.replace_graph(graph, numbered(ns, 5, "new"))  # uploaded, not yet published
        assert store.count(graph) == 3
        assert store.query(in_graph, {"g": NamedNode(graph), "s": NamedNode(f"{ns}new0")}) is False
    assert store.count(graph) == 5
    assert store.query(in_graph, {"g": NamedNode(graph), "s": NamedNode(f"{ns}new0")}) is True


def test_writing_is_all_or_nothing(store: Store, ns: str) -> None:
    a, b, c = f"{ns}a", f"{ns}b", f"{ns}c"
    store.replace_graph(c, numbered(ns, 2))
    with store.writing() as w:
        w.replace_graph(a, numbered(ns, 3))
        w.replace_graph(b, numbered(ns, 4))
        w.drop_graph(c)
        w.update(f'INSERT DATA {{ GRAPH <{a}> {{ <{ns}extra> <{ns}p> "x" }} }}')
    assert (store.count(a), store.count(b), store.count(c)) == (4, 4, 0)

    with pytest.raises(RuntimeError), store.writing() as w:
        w.replace_graph(a, numbered(ns, 1))
        w.drop_graph(b)
        raise RuntimeError("the build failed")
    assert (store.count(a), store.count(b)) == (4, 4)
    assert no_staging_left(store)


def _rdflib(triples: Iterator[Triple] | list[Triple]) -> Graph:
    graph = Graph()
    graph.parse(data="".join(f"{t} .\n" for t in triples), format="nt")
    return graph
