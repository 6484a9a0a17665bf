"""The guarded executor: an embedded-store query that runs past its limit is stopped, and the
executor keeps answering; a remote store's limit is its HTTP timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyoxigraph import Literal, NamedNode, Triple
from store_servers import remote_settings

from graph_builder.errors import ParameterError, QuerySyntaxError, QueryTimeout
from graph_builder.store import EmbeddedStore, SelectResult
from graph_builder.store.guarded import DirectExecutor, GuardedExecutor, open_executor
from graph_builder.store.remote import SparqlEndpointStore

EX = "http://test.atmp-kg.example/"
P = NamedNode(EX + "p")
# Three-way cartesian product: about 8e9 rows over 2000 triples.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def numbered(n: int, tag: str = "s") -> list[Triple]:
    return [Triple(NamedNode(f"{EX}{tag}{i}"), P, Literal(i)) for i in range(n)]


@pytest.fixture
def embedded(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graph(EX + "g", numbered(2000))
    return store


@pytest.fixture
def executor(embedded: EmbeddedStore) -> Iterator[GuardedExecutor]:
    executor = open_executor(embedded, workers=2, timeout=20)
    assert isinstance(executor, GuardedExecutor)
    yield executor
    executor.close()


def count(result: object) -> int:
    assert isinstance(result, SelectResult)
    return int(result.rows[0]["n"].value)


def test_a_slow_query_is_stopped_in_time_and_the_next_one_works(
    executor: GuardedExecutor,
) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        executor.query(SLOW, timeout=1.0)
    assert time.monotonic() - started < 2.0
    # Both the replacement worker and the one that was idle answer.
    for _ in range(3):
        assert count(executor.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")) == 2000


def test_answers_bindings_and_errors(executor: GuardedExecutor) -> None:
    rows = executor.query("SELECT ?o WHERE { ?s ?p ?o }", {"s": NamedNode(EX + "s7")})
    assert isinstance(rows, SelectResult)
    assert [row["o"] for row in rows] == [Literal(7)]
    assert executor.query("ASK { ?s ?p ?o }", {"o": Literal(1999)}) is True
    assert executor.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"o": Literal(3)}) == [
        Triple(NamedNode(EX + "s3"), P, Literal(3))
    ]
    only = executor.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[EX + "missing"]
    )
    assert count(only) == 0
    with pytest.raises(QuerySyntaxError):
        executor.query("SELECT ?s WHERE { ?s ?p }")


def test_a_newly_published_version_is_seen(
    embedded: EmbeddedStore, executor: GuardedExecutor
) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(executor.query(query)) == 2000
    embedded.replace_graph(EX + "g2", numbered(5, "new"))
    # Every worker, not just one, answers from the new version.
    assert [count(executor.query(query)) for _ in range(4)] == [2005] * 4


def test_queries_from_many_threads(executor: GuardedExecutor) -> None:
    def ask(i: int) -> object:
        return executor.query("ASK { ?s ?p ?o }", {"o": Literal(i)})

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(ask, range(0, 4000, 100))) == [i < 2000 for i in range(0, 4000, 100)]


def test_a_busy_pool_times_out_instead_of_waiting_for_ever(embedded: EmbeddedStore) -> None:
    with (
        GuardedExecutor(embedded.root, workers=1, timeout=20) as executor,
        ThreadPoolExecutor(1) as pool,
    ):
        slow = pool.submit(executor.query, SLOW, timeout=3.0)
        time.sleep(0.5)
        with pytest.raises(QueryTimeout, match="no query worker"):
            executor.query("ASK { ?s ?p ?o }", timeout=0.5)
        with pytest.raises(QueryTimeout):
            slow.result()
        assert executor.query("ASK { ?s ?p ?o }") is True


@pytest.mark.remote
def test_a_remote_query_is_limited_by_its_http_timeout() -> None:
    store = SparqlEndpointStore.from_settings(remote_settings("oxigraph"))
    graph = EX + "guarded-remote"
    try:
        store.replace_graph(graph, numbered(300))
        executor = open_executor(store, timeout=30)
        assert isinstance(executor, DirectExecutor)
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            # 2.7e7 rows: seconds of work for the server, bounded so it does not linger.
            executor.query(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?x ?y ?z } }",
                named_graphs=[graph],
                timeout=0.3,
            )
        assert time.monotonic() - started < 1.5
        assert executor.query("ASK { ?s ?p ?o }", {"o": Literal(299)}) is True
    finally:
        store.drop_graph(graph)
        store.close()


def test_a_written_answer_comes_in_the_asked_syntax_with_its_size(
    executor: GuardedExecutor,
) -> None:
    select = f"SELECT ?s ?o WHERE {{ ?s <{P.value}> ?o }} ORDER BY ?o LIMIT 3"
    json_answer = executor.answer(select, "application/sparql-results+json", max_size=10)
    assert json_answer.size == 3
    parsed = ox.parse_query_results(json_answer.body, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    assert [s["o"] for s in parsed] == [Literal(0), Literal(1), Literal(2)]
    csv = executor.answer(select, "text/csv", max_size=10)
    assert csv.body.decode().splitlines() == ["s,o", f"{EX}s0,0", f"{EX}s1,1", f"{EX}s2,2"]
    ask = executor.answer("ASK { ?s ?p ?o }", "application/sparql-results+xml", max_size=0)
    assert ask.size == 0 and b"<boolean>true</boolean>" in ask.body
    construct = f"CONSTRUCT {{ ?s <{P.value}> ?o }} WHERE {{ ?s <{P.value}> ?o FILTER(?o < 2) }}"
    trig = executor.answer(construct, "application/trig", max_size=10)
    assert trig.size == 2
    assert {q.triple for q in ox.parse(trig.body, ox.RdfFormat.TRIG)} == set(numbered(2))


def test_a_written_answer_over_the_maximum_is_counted_not_sent(
    executor: GuardedExecutor,
) -> None:
    rows = executor.answer("SELECT * WHERE { ?s ?p ?o }", "text/csv", max_size=1999)
    assert rows == (2000, b"")
    triples = executor.answer("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples", max_size=10)
    assert triples == (2000, b"")


def test_a_written_answer_in_a_syntax_that_does_not_fit_is_refused(
    executor: GuardedExecutor,
) -> None:
    with pytest.raises(ParameterError):
        executor.answer("SELECT * WHERE { ?s ?p ?o }", "text/turtle", max_size=10)
    with pytest.raises(ParameterError):
        executor.answer("CONSTRUCT WHERE { ?s ?p ?o }", "text/csv", max_size=10)
    with pytest.raises(QuerySyntaxError):
        executor.answer("SELECT WHERE", "text/csv", max_size=10)
