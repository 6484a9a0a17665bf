"""Stores for the store tests: the embedded one, and the live servers .ci/servers.sh starts
(store_servers.py says where they are).

Remote servers are shared by every test, so each test gets its own namespace (`ns`) for graph
and subject IRIs, and its graphs are dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_servers import remote_settings

from graph_builder.store import EmbeddedStore, Store
from graph_builder.store.remote import SparqlEndpointStore


@pytest.fixture
def ns() -> str:
    """A namespace no other test uses, for graph and resource IRIs."""
    return f"http://test.atmp-kg.example/{uuid.uuid4().hex[:12]}/"


@pytest.fixture(
    params=[
        "embedded",
        pytest.param("oxigraph", marks=pytest.mark.remote),
        pytest.param("virtuoso", marks=pytest.mark.remote),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path, ns: str) -> Iterator[Store]:
    """Each backend behind the Store protocol; a remote one loses this test's graphs after."""
    if backend == "embedded":
        embedded = EmbeddedStore(tmp_path / "store")
        yield embedded
        embedded.close()
        return
    remote = SparqlEndpointStore.from_settings(remote_settings(backend))
    try:
        yield remote
    finally:
        with remote.writing() as w:
            for graph in remote.graphs():
                if graph.startswith(ns):
                    w.drop_graph(graph)
        remote.close()
