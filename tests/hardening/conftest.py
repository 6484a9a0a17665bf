"""Fixtures of the hardening tests: the default graph built once from data/ (what `atmp-kg serve`
serves on first start), and servers over it (hardening_server.Server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hardening_server import DATA, Server

from graph_builder.build import build
from graph_builder.store import EmbeddedStore


@pytest.fixture(scope="session")
def default_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded store as a plain `atmp-kg build` makes it from data/ (built once)."""
    root = tmp_path_factory.mktemp("default-graph") / "store"
    store = EmbeddedStore(root)
    build(store, data_dir=DATA)
    store.close()
    return root


@pytest.fixture(scope="module")
def start_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Server]]:
    """`start_server(store, **env)`; every server started is stopped when the module ends."""
    started: list[Server] = []

    def start(store: Path, **env: str) -> Server:
        server = Server(store, tmp_path_factory.mktemp("server"), **env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(default_store: Path, start_server: Callable[..., Server]) -> Server:
    """A read-only server (no update token) over the default graph."""
    return start_server(default_store)
