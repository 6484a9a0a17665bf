"""`atmp-kg serve` with two API worker processes (ATMP_KG_WORKERS=2): every kind of route answers,
a write published through one worker is seen by every request after it, and stopping the server
stops every process it started."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hub_fixtures import LINKED_DATA, load_trig

from api.cli.serve_command import _settings, worker_environment
from api.deps import ApiSettings
from graph_builder.store import EmbeddedStore

TOKEN = "workers-test-token"
KYMRIAH = "https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NEW_LABEL = "published while two workers serve"
ASK_NEW = f'ASK {{ <{KYMRIAH}> ?p "{NEW_LABEL}" }}'


def _store(root: Path) -> Path:
    store = EmbeddedStore(root / "store")
    load_trig(store, LINKED_DATA)
    store.close()
    return root / "store"


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _tree(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_tree(child)]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _get(url: str, **kwargs: Any) -> httpx.Response:
    # A new connection per request, so that requests spread over the worker processes.
    return httpx.get(url, timeout=30, **kwargs)


def test_two_workers_serve_every_route_and_see_a_publish(
    tmp_path: Path, live_server: Callable[..., Any]
) -> None:
    server = live_server(
        _store(tmp_path), ATMP_KG_WORKERS="2", ATMP_KG_UPDATE_TOKEN=TOKEN, ATMP_KG_QUERY_WORKERS="1"
    )
    url = server.url
    pid = server.process.pid
    workers = [p for p in _children(pid) if "multiprocessing.spawn" in _cmdline(p)]
    assert len(workers) == 2
    processes = _tree(pid)
    # Each API worker has its own query worker (behind its fork server).
    for worker in workers:
        assert any("forkserver" in _cmdline(p) for p in _tree(worker))

    before = _get(url + "/health").json()
    assert before["status"] == "ok" and before["graphs"] > 0
    entity = _get(url + "/id/product/EMEA-H-C-004090", headers={"Accept": "application/ld+json"})
    assert entity.status_code == 200
    assert any(node["@id"] == KYMRIAH for node in entity.json()["@graph"])
    select = _get(
        url + "/sparql",
        params={"query": f"SELECT ?label WHERE {{ <{KYMRIAH}> <{RDFS_LABEL}> ?label }}"},
        headers={"Accept": "text/csv"},
    )
    assert select.status_code == 200
    assert select.text.splitlines() == ["label", "Kymriah"]
    assert _get(url + "/", headers={"Accept": "text/html"}).status_code == 200
    assert _get(url + "/sparql", params={"query": ASK_NEW}).json()["boolean"] is False

    update = httpx.post(
        url + "/sparql",
        content=f"INSERT DATA {{ GRAPH <https://w3id.org/atmp-kg/graph/test> {{ <{KYMRIAH}> "
        f'<{RDFS_LABEL}> "{NEW_LABEL}" }} }}',
        headers={
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {TOKEN}",
        },
        timeout=30,
    )
    assert update.status_code == 204
    for _ in range(10):
        assert _get(url + "/health").json()["version"] != before["version"]
        assert _get(url + "/sparql", params={"query": ASK_NEW}).json()["boolean"] is True
        found = _get(url + "/id/product/EMEA-H-C-004090", headers={"Accept": "text/turtle"})
        assert NEW_LABEL in found.text

    # Keep-alive answers come without Nagle's wait for a delayed ACK: with it, every answer takes
    # ≥ 40 ms, so even the fastest of 25 would; load on the machine only slows some of them.
    with httpx.Client(timeout=30) as client:
        took = []
        for _ in range(25):
            started = time.perf_counter()
            assert client.get(url + "/health").status_code == 200
            took.append(time.perf_counter() - started)
    assert min(took) < 0.03, took

    server.stop()
    assert not _alive(pid)
    assert [p for p in processes if _alive(p)] == []


def test_the_workers_get_the_settings_the_options_resolved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ATMP_KG_ENDPOINT", "http://127.0.0.1:9/sparql")
    settings = _settings(Path("/srv/store"), None, True, 3)
    assert settings.workers == 3
    env = worker_environment(settings)
    assert env == {
        "ATMP_KG_STORE": "/srv/store",
        "ATMP_KG_ENDPOINT": "",
        "ATMP_KG_ACCESS_LOG": "true",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    read = ApiSettings()  # what a worker reads from that environment
    assert read.store == Path("/srv/store")
    assert read.endpoint is None
    assert read.access_log is True
