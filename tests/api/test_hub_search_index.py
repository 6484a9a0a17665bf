"""Hub search answered from the label index of the published store version: the same ranked
answer as the SPARQL scan, and a new version is searched as soon as it is published."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.routers import hub_search
from graph_builder.namespaces import GRAPH, ID, RDFS
from graph_builder.store import EmbeddedStore, OxigraphStore

NEEDLES = [
    "synthocel",
    "SYNTHOCEL",
    "syn",
    "synthocabtagene",
    "exemplar",
    "b-all",
    "can make synthocel",
    "NCT09999901",
    "nct09999903",
    "2099-000001-11",
    "EMEA-H-C-999901",
    "EMEA/H/C/999902",
    "de-mia-0001",
    "  marketing   authorisation ",
    "ce",
    "zz",
    '") } ; DROP ALL ; #',
    "nothing matches this",
]


@pytest.mark.parametrize("type_segment", [None, "product", "trial", "assessment"])
def test_the_index_answers_as_the_scan_does(hub_root: Path, type_segment: str | None) -> None:
    store = EmbeddedStore(hub_root / "store")
    assert store.current is not None
    scanned = OxigraphStore(store.current, read_only=True)  # no versions: scanned with SPARQL
    for q in NEEDLES:
        assert hub_search.candidates(store, q, type_segment) == hub_search.candidates(
            scanned, q, type_segment
        ), q
    store.close()


def search(client: TestClient, q: str) -> dict[str, Any]:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def add_label(root: Path, key: str, label: str) -> None:
    store = EmbeddedStore(root / "store")
    triple = f'<{ID}product/{key}> <{RDFS}label> "{label}"'
    store.update(f"INSERT DATA {{ GRAPH <{GRAPH}reference> {{ {triple} }} }}")
    store.close()


def test_a_published_change_is_found_by_the_next_search(
    hub_root: Path, hub_client: TestClient
) -> None:
    assert search(hub_client, "quillotrix")["total"] == 0
    add_label(hub_root, "quillotrix", "Quillotrix")
    body = search(hub_client, "quillotrix")
    assert body["total"] == 1
    hit = body["items"][0]
    assert (hit["key"], hit["label"], hit["match"]) == ("quillotrix", "Quillotrix", "label-exact")


def test_concurrent_searches_during_a_publication(hub_root: Path, hub_client: TestClient) -> None:
    totals: list[int] = []
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(5):
            total = search(hub_client, "velmorant")["total"]
            with lock:
                totals.append(total)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    add_label(hub_root, "velmorant", "Velmorant")
    for t in threads:
        t.join()
    assert set(totals) <= {0, 1} and len(totals) == 20
    assert search(hub_client, "velmorant")["total"] == 1
