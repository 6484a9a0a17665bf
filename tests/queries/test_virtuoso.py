"""Every named query on Virtuoso 7.2 (Debian virtuoso-opensource, the second server of
.ci/servers.sh) with its example parameters: the same rows, in the same order, as the embedded
store gives on the fixture graph. Remote: skipped without the server, a failure in CI."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from io import BytesIO

import pyoxigraph as ox
import pytest
from query_results import boolean_columns, portable
from store.store_servers import remote_settings

from graph_builder.store import EmbeddedStore
from graph_builder.store.remote import SparqlEndpointStore
from queries.catalogue import NamedQuery, load_catalogue

pytestmark = pytest.mark.remote


@pytest.fixture(scope="module")
def virtuoso(fixture_store: EmbeddedStore) -> Iterator[SparqlEndpointStore]:
    """The fixture store's graphs on Virtuoso, under IRIs no other test uses (named queries
    read the union default graph, never a graph by name); dropped afterwards."""
    remote = SparqlEndpointStore.from_settings(remote_settings("virtuoso"))
    ns = f"http://test.atmp-kg.example/{uuid.uuid4().hex[:12]}/"
    copies = {graph: ns + graph.rsplit("/", 1)[-1] for graph in fixture_store.graphs()}
    try:
        with remote.writing() as w:
            for graph, copy in copies.items():
                triples = BytesIO()
                fixture_store.export(triples, "nt", graph)
                w.replace_graph(copy, ox.parse(triples.getvalue(), ox.RdfFormat.N_TRIPLES))
        yield remote
    finally:
        with remote.writing() as w:
            for copy in copies.values():
                w.drop_graph(copy)
        remote.close()


@pytest.mark.parametrize("query_id", sorted(load_catalogue()))
def test_a_named_query_answers_the_same_on_virtuoso(
    query_id: str,
    catalogue: dict[str, NamedQuery],
    fixture_store: EmbeddedStore,
    virtuoso: SparqlEndpointStore,
) -> None:
    query = catalogue[query_id]
    expected = query.run(fixture_store, query.example)
    booleans = boolean_columns(expected)
    assert portable(query.run(virtuoso, query.example), booleans) == portable(expected, booleans)
