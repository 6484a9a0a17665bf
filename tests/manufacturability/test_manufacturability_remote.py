"""Manufacturability on the live servers of .ci/servers.sh (the Oxigraph server, Virtuoso 7.2):
a remote store is queried on every call, and its answers are those of the embedded store for
every pair, day and slice. Remote: skipped without the servers, a failure in CI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from store.store_servers import remote_settings

from graph_builder.analytics import supply_graph
from graph_builder.manufacturability import assess
from graph_builder.namespaces import GRAPH, ID
from graph_builder.store import EmbeddedStore
from graph_builder.store.remote import SparqlEndpointStore

pytestmark = pytest.mark.remote

HERE = Path(__file__).parent
REFERENCE = GRAPH + "reference"
DAYS = (date(2019, 6, 1), date(2026, 6, 1), date(2027, 1, 1))


def _empty(store: SparqlEndpointStore) -> None:
    """assess() reads every graph: other tests' leftovers would add pairs. (Graphs outside
    atmp-kg's namespace, such as Virtuoso's own, hold no manufacturing data.)"""
    graphs = [g for g in store.graphs() if g.startswith(GRAPH)]
    if graphs:
        with store.writing() as w:
            for graph in graphs:
                w.drop_graph(graph)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("manufacturability") / "store")
    store.load_file(HERE / "fixture.ttl", REFERENCE)
    yield store
    store.close()


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Iterator[SparqlEndpointStore]:
    store = SparqlEndpointStore.from_settings(remote_settings(str(request.param)))
    _empty(store)
    store.load_file(HERE / "fixture.ttl", REFERENCE)
    yield store
    _empty(store)
    store.close()


@pytest.mark.parametrize("day", DAYS)
def test_every_pair_is_assessed_as_on_the_embedded_store(
    remote: SparqlEndpointStore, embedded: EmbeddedStore, day: date
) -> None:
    expected = [a.as_dict() for a in assess(embedded, on=day)]
    assert expected
    if day == DAYS[1]:
        assert {a["can_make"] for a in expected} == {True, False}
    assert [a.as_dict() for a in assess(remote, on=day)] == expected


@pytest.mark.parametrize(
    ("product", "site"),
    [(ID + "product/synthcel", None), (None, ID + "site/beta"), (ID + "product/orphacel", None)],
)
def test_a_slice_is_assessed_as_on_the_embedded_store(
    remote: SparqlEndpointStore, embedded: EmbeddedStore, product: str | None, site: str | None
) -> None:
    day = DAYS[1]
    expected = [a.as_dict() for a in assess(embedded, on=day, product=product, site=site)]
    assert expected
    got = [a.as_dict() for a in assess(remote, on=day, product=product, site=site)]
    assert got == expected


def test_the_supply_graph_is_that_of_the_embedded_store(
    remote: SparqlEndpointStore, embedded: EmbeddedStore
) -> None:
    expected = supply_graph(embedded)
    got = supply_graph(remote)
    assert sorted(got.nodes(data=True)) == sorted(expected.nodes(data=True))
    assert {frozenset(e) for e in got.edges} == {frozenset(e) for e in expected.edges}
