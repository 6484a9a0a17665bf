"""The entity lookup reads the published store in process with ungrouped, unsorted row queries:
it answers exactly as the grouped, sorted queries do (links, their order, labels, truncation,
source records), hands hubs to those queries in the guarded executor, and sees every newly
published version."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hub_fixtures import LINKED_DATA

from api import entities
from api.app import create_app
from api.deps import ApiContext, ApiSettings, Reader
from api.entities import (
    INCOMING_LIMIT,
    INCOMING_QUERY,
    OUTGOING_QUERY,
    EntityDescription,
    Link,
    PredicateLabels,
    look_up,
    order_key,
)
from graph_builder.namespaces import RDFS, XSD, sparql_prologue
from graph_builder.sparql import cell
from graph_builder.store import EmbeddedStore
from graph_builder.store.base import SelectResult, Term

EX = "https://w3id.org/atmp-kg/id/example/"
ONT = "https://w3id.org/atmp-kg/ontology#"
GRAPH_A = ox.NamedNode("https://w3id.org/atmp-kg/graph/a")
GRAPH_B = ox.NamedNode("https://w3id.org/atmp-kg/graph/b")
HUB = ox.NamedNode(EX + "hub")
LABEL = ox.NamedNode(RDFS + "label")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
REFERS = ox.NamedNode(ONT + "refersTo")
VALUE = ox.NamedNode(ONT + "value")
# The grouped form of the source records (what the lookup ran before it read rows).
RECORDS_QUERY = (
    sparql_prologue()
    + """
SELECT ?record (SAMPLE(?l) AS ?label) (SAMPLE(?src) AS ?source) (SAMPLE(?g) AS ?graph) WHERE {
  ?s prov:wasDerivedFrom ?record .
  OPTIONAL { ?record rdfs:label ?l }
  OPTIONAL { ?record dct:source ?src }
  OPTIONAL { GRAPH ?g { ?record ?anything ?value } }
} GROUP BY ?record ORDER BY ?record LIMIT 1000
"""
)


def _number(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def _publish(store: EmbeddedStore, quads: list[ox.Quad]) -> None:
    """The quads as one published version, each graph replaced."""
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        assert isinstance(quad.graph_name, ox.NamedNode)
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    with store.writing() as writer:
        for graph, triples in graphs.items():
            writer.replace_graph(graph, triples)


def _linked_data() -> list[ox.Quad]:
    return list(ox.parse(path=LINKED_DATA, format=ox.RdfFormat.TRIG))


def _hub_quads() -> Iterator[ox.Quad]:
    """An entity with more incoming links than a page shows, literals SPARQL orders by value,
    one statement in two graphs, labels in several languages and on both label properties."""
    yield ox.Quad(HUB, LABEL, ox.Literal("The hub", language="en"), GRAPH_A)
    yield ox.Quad(HUB, LABEL, ox.Literal("Der Knoten", language="de"), GRAPH_A)
    yield ox.Quad(REFERS, LABEL, ox.Literal("refers to", language="en"), GRAPH_B)
    yield ox.Quad(VALUE, PREF, ox.Literal("value"), GRAPH_B)
    for i, (value, datatype) in enumerate(
        [("10", "integer"), ("9", "integer"), ("2.5", "decimal"), ("1e3", "double"), ("-1", "int")]
    ):
        yield ox.Quad(HUB, VALUE, _number(value, datatype), GRAPH_A if i % 2 else GRAPH_B)
    yield ox.Quad(HUB, VALUE, ox.Literal("text"), GRAPH_A)
    yield ox.Quad(HUB, VALUE, ox.Literal("text"), GRAPH_B)
    for i in range(INCOMING_LIMIT + 100):
        node = ox.NamedNode(f"{EX}node-{i:04d}")
        yield ox.Quad(node, REFERS, HUB, GRAPH_A if i % 3 else GRAPH_B)
        if i % 4:
            yield ox.Quad(node, LABEL, ox.Literal(f"node {i}"), GRAPH_A)
        if i % 5 == 0:
            yield ox.Quad(node, PREF, ox.Literal(f"Node {i}", language="en-GB"), GRAPH_B)
    for i in range(3):
        record = ox.NamedNode(f"{EX}record/{i}")
        yield ox.Quad(HUB, DERIVED, record, GRAPH_A)
        yield ox.Quad(record, LABEL, ox.Literal(f"record {i}"), GRAPH_A)
        if i:
            yield ox.Quad(record, SOURCE, ox.NamedNode(f"https://example.org/{i}"), GRAPH_A)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    root = tmp_path_factory.mktemp("lookup")
    embedded = EmbeddedStore(root / "store")
    _publish(embedded, _linked_data() + list(_hub_quads()))
    yield embedded
    embedded.close()


def _grouped(store: EmbeddedStore, iri: str) -> EntityDescription:
    """The entity as the grouped, sorted queries describe it."""
    bound: dict[str, Term] = {"s": ox.NamedNode(iri)}
    entity = EntityDescription(iri)
    entity.outgoing = _links(store.query(OUTGOING_QUERY, bound), "o", "olabel")
    incoming = store.query(INCOMING_QUERY, bound)
    assert isinstance(incoming, SelectResult)
    entity.incoming = _links(SelectResult([], incoming.rows[:INCOMING_LIMIT]), "x", "xlabel")
    entity.incoming_truncated = len(incoming) > INCOMING_LIMIT
    records = store.query(RECORDS_QUERY, bound)
    assert isinstance(records, SelectResult)
    entity.records = [
        entities.SourceRecord(
            row["record"].value, cell(row, "label"), cell(row, "source"), cell(row, "graph")
        )
        for row in records
    ]
    return entity


def _links(result: object, node: str, label: str) -> list[Link]:
    assert isinstance(result, SelectResult)
    links = []
    for row in result:
        p = row["p"]
        assert isinstance(p, ox.NamedNode)
        links.append(Link(p, row[node], cell(row, "g"), cell(row, "plabel"), cell(row, label)))
    return links


def _subjects(store: EmbeddedStore) -> list[str]:
    result = store.query(
        "SELECT DISTINCT ?s WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { GRAPH ?g { ?o ?p ?s } } "
        "FILTER(isIRI(?s)) }"
    )
    assert isinstance(result, SelectResult)
    return sorted(row["s"].value for row in result)


@pytest.mark.parametrize("version", ["published", None])
def test_lookup_answers_as_the_grouped_sorted_queries(
    store: EmbeddedStore, version: str | None
) -> None:
    # A published version keeps predicate labels between lookups; without one (a remote
    # store) the row queries join them. Both must give the grouped queries' answer.
    reader = Reader(store.reader(), version)
    labels = PredicateLabels()
    iris = _subjects(store)
    assert HUB.value in iris and len(iris) > 600
    for iri in iris:
        found = look_up(reader, iri, 10.0, labels, labels=True, records=True)
        assert not found.hub_outgoing and not found.hub_incoming
        expected = _grouped(store, iri)
        if not entities._derived(expected):
            expected.records = []
        assert found.entity == expected, iri
    hub = look_up(reader, HUB.value, 10.0, labels, labels=True, records=True).entity
    assert hub.incoming_truncated and len(hub.incoming) == INCOMING_LIMIT
    assert [r.source for r in hub.records] == [
        None,
        "https://example.org/1",
        "https://example.org/2",
    ]


def test_lookup_without_labels_or_records_reads_only_the_statements(store: EmbeddedStore) -> None:
    reader = Reader(store.reader(), "published")
    bare = look_up(reader, HUB.value, 10.0, PredicateLabels(), labels=False, records=False)
    full = _grouped(store, HUB.value)
    key = [(link.predicate, link.node, link.graph) for link in full.outgoing]
    assert [(link.predicate, link.node, link.graph) for link in bare.entity.outgoing] == key
    assert all(link.node_label is None is link.predicate_label for link in bare.entity.outgoing)
    assert bare.entity.records == []


def test_order_key_is_sparql_order(store: EmbeddedStore) -> None:
    terms: list[Term] = [
        _number("10", "integer"),
        _number("9", "integer"),
        _number("2.5", "decimal"),
        _number("-1", "int"),
        _number("1e3", "double"),
        _number("0.5", "float"),
        _number("100", "nonNegativeInteger"),
    ]
    groups: list[list[Term]] = [
        terms,
        [
            *(ox.Literal(v) for v in ("b", "a", "B", "é")),
            ox.Literal("a", language="en"),
            ox.Literal("a", language="de"),
        ],
        [*(_number(v, "date") for v in ("2024-01-02", "2023-12-31", "2024-01-01"))],
        [ox.NamedNode(EX + "b"), ox.Literal("z"), ox.BlankNode(), ox.NamedNode(EX + "a")],
    ]
    for group in groups:
        memory = ox.Store()
        for i, term in enumerate(group):
            memory.add(ox.Quad(ox.NamedNode(f"{EX}{i}"), VALUE, term, GRAPH_A))
        ordered = memory.query(
            "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?t } } ORDER BY ?t", use_default_graph_as_union=True
        )
        assert isinstance(ordered, ox.QuerySolutions)
        by_sparql = [int(row["s"].value.rsplit("/", 1)[1]) for row in ordered]
        by_key = sorted(range(len(group)), key=lambda i: order_key(group[i]))
        assert by_key == by_sparql


@pytest.fixture
def lookup_client(
    store: EmbeddedStore, tmp_path: Path, settings_for: Callable[..., ApiSettings]
) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path), store)) as client:
        yield client


class _Counting:
    """The executor, counting the queries that go through it."""

    def __init__(self, executor: object) -> None:
        self.executor = executor
        self.queries: list[str] = []

    def query(self, query: str, *args: object, **kwargs: object) -> object:
        self.queries.append(query)
        return self.executor.query(query, *args, **kwargs)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.executor.close()  # type: ignore[attr-defined]


def test_hubs_go_to_the_grouped_queries_in_the_executor(
    lookup_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = lookup_client.app.state.atmp  # type: ignore[attr-defined]
    assert isinstance(ctx, ApiContext)
    counting = _Counting(ctx.executor)
    monkeypatch.setattr(ctx, "executor", counting)
    path = "/id/example/hub"
    ordinary = lookup_client.get(path, headers={"Accept": "text/html"})
    as_rdf = lookup_client.get(path, headers={"Accept": "application/n-triples"})
    assert ordinary.status_code == as_rdf.status_code == 200
    assert counting.queries == []  # read in process
    # Every entity now fills the row caps: the same answers, from the executor.
    monkeypatch.setattr(entities, "OUTGOING_ROW_CAP", 1)
    monkeypatch.setattr(entities, "INCOMING_ROW_CAP", 1)
    assert lookup_client.get(path, headers={"Accept": "text/html"}).text == ordinary.text
    assert lookup_client.get(path, headers={"Accept": "application/n-triples"}).content == (
        as_rdf.content
    )
    assert counting.queries.count(OUTGOING_QUERY) == counting.queries.count(INCOMING_QUERY) == 2
    assert "Only the first 500 links are shown" in ordinary.text


def test_a_newly_published_version_is_read(
    tmp_path: Path, settings_for: Callable[..., ApiSettings]
) -> None:
    embedded = EmbeddedStore(tmp_path / "store")
    _publish(embedded, _linked_data())
    product = "https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"
    page = "/id/product/EMEA-H-C-004090"
    has_ma = ox.NamedNode(ONT + "hasMarketingAuthorisation")
    with TestClient(create_app(settings_for(tmp_path), embedded)) as client:
        before = client.get(page, headers={"Accept": "text/html"}).text
        assert "has marketing authorisation" in before
        assert "Newly published value" not in before
        statement = ox.Triple(ox.NamedNode(product), REFERS, ox.Literal("Newly published value"))
        with embedded.writing() as writer:
            writer.replace_graph(GRAPH_A.value, [statement])
            # the label of a predicate the page showed, from the graph that held it
            writer.replace_graph(
                "https://w3id.org/atmp-kg/graph/ontology",
                [ox.Triple(has_ma, LABEL, ox.Literal("relabelled predicate", language="en"))],
            )
        after = client.get(page, headers={"Accept": "text/html"}).text
        assert "Newly published value" in after
        assert "relabelled predicate" in after  # predicate labels are kept per version only
        assert "has marketing authorisation" not in after
        nt = client.get(page, headers={"Accept": "application/n-triples"}).text
        assert "Newly published value" in nt
    embedded.close()
