"""The API derives its per-version label index and manufacturability facts in the background,
at start and after every publication, so no request waits for them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from hub_fixtures import build_hub_store, hub_settings

from api.app import create_app
from api.routers import hub_search
from graph_builder import manufacturability
from graph_builder.namespaces import GRAPH, ID, RDFS
from graph_builder.store import EmbeddedStore


def _eventually(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_index_and_facts_are_ready_before_any_request_and_after_a_publication(
    tmp_path: Path,
) -> None:
    build_hub_store(tmp_path / "store")
    store = EmbeddedStore(tmp_path / "store")
    index, facts = hub_search._INDEX, manufacturability._KNOWN
    assert not index.ready(store) and not facts.ready(store)
    app = create_app(hub_settings(tmp_path))
    with TestClient(app) as client:
        assert _eventually(lambda: index.ready(store) and facts.ready(store))

        triple = f'<{ID}product/zephyrocel> <{RDFS}label> "Zephyrocel"'
        store.update(f"INSERT DATA {{ GRAPH <{GRAPH}reference> {{ {triple} }} }}")
        assert not index.ready(store)  # a new version: nothing is kept for it yet
        assert _eventually(lambda: index.ready(store) and facts.ready(store))

        found = client.get("/api/search", params={"q": "zephyro"}).json()
        assert [hit["label"] for hit in found["items"]] == ["Zephyrocel"]
    warmers = [t for t in threading.enumerate() if t.name == "atmp-kg-warmer"]
    assert warmers == []
    store.close()
