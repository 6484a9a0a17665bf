"""`atmp-kg serve` as a real HTTP server (uvicorn in a subprocess): the W3C SPARQL 1.1 Protocol
and Graph Store Protocol suites, and what a slow query may not do to other requests."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from graph_builder.store import EmbeddedStore

CONFORMANCE = Path(os.environ.get("ATMP_KG_SHARED", Path(__file__).resolve().parents[3] / "shared"))
CONFORMANCE = CONFORMANCE / "conformance"
W3C = CONFORMANCE / "w3c"
KASEI = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
TOKEN = "w3c-suite-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _product(*sizes: int) -> str:
    """Counts the rows of a cross product of VALUES blocks: Oxigraph needs about 2.5 s for
    40 million of them on an idle machine of this kind, hours for 10^10."""
    blocks = " ".join(
        f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(size))} }}"
        for i, size in enumerate(sizes)
    )
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {blocks} }}"


SLOW = _product(100, 100, 100, 40)
ENDLESS = _product(100, 100, 100, 100, 100)


def _w3c_store(root: Path) -> Path:
    store = EmbeddedStore(root / "store")
    for i in (1, 2, 3):
        store.load_file(W3C / f"data{i}.nt", KASEI.format(i))
    store.close()
    return root / "store"


def _runner(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CONFORMANCE / "run_w3c.py"), *args],
        env={**os.environ, "W3C_EXTRA_HEADER": f"Authorization: Bearer {TOKEN}", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., object]) -> str:
    if not (W3C / "manifest.ttl").is_file():
        pytest.fail(f"W3C conformance files not found under {CONFORMANCE} (set ATMP_KG_SHARED)")
    store = _w3c_store(tmp_path_factory.mktemp("w3c"))
    server = live_server(store, ATMP_KG_UPDATE_TOKEN=TOKEN)
    return str(server.url)  # type: ignore[attr-defined]


def test_w3c_sparql_protocol_suite_passes_34_of_34(w3c_server: str) -> None:
    endpoint = f"{w3c_server}/sparql"
    run = _runner(str(W3C / "manifest.ttl"), endpoint, endpoint)
    assert run.stdout.strip().splitlines()[-1] == "34 passed, 0 failed", run.stdout


def _gsp_tests(manifest: Path) -> list[str]:
    text = manifest.read_text()
    entries = text.split("mf:entries", 1)[1].split(")", 1)[0]
    return [word.split(":", 1)[1] for word in entries.split() if word.startswith("gsp:")]


GSP_CASES = [
    (manifest, test)
    for manifest in ("gsp-direct.ttl", "gsp-indirect.ttl")
    for test in (_gsp_tests(W3C / manifest) if (W3C / manifest).is_file() else [])
]


@pytest.mark.parametrize(("manifest", "test_id"), GSP_CASES)
def test_w3c_graph_store_protocol(w3c_server: str, manifest: str, test_id: str) -> None:
    # Each GSP test expects the store as it was before any of them ran (several expect
    # "201 Created" for a graph another test creates), so each starts from an empty store.
    reset = httpx.post(
        f"{w3c_server}/sparql",
        content="DROP ALL",
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )
    assert reset.status_code == 204
    run = _runner("--gsp", str(W3C / manifest), f"{w3c_server}/graph", env={"ONLY": test_id})
    assert run.stdout.strip().splitlines()[-1] == "1 passed, 0 failed", run.stdout


def test_gsp_suites_are_all_there() -> None:
    assert len(GSP_CASES) == 13


@pytest.fixture(scope="module")
def timed_server(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., object]
) -> str:
    store = _w3c_store(tmp_path_factory.mktemp("timed"))
    server = live_server(store, ATMP_KG_QUERY_TIMEOUT="120")
    return str(server.url)  # type: ignore[attr-defined]


def test_a_slow_query_does_not_delay_a_fast_one(timed_server: str) -> None:
    slow_query = SLOW

    def slow() -> tuple[float, int]:
        started = time.monotonic()
        response = httpx.get(f"{timed_server}/sparql", params={"query": slow_query}, timeout=60)
        return time.monotonic() - started, response.status_code

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(slow)
        time.sleep(0.5)  # the slow query is running in a worker by now
        started = time.monotonic()
        fast = httpx.get(f"{timed_server}/health", timeout=60)
        fast_seconds = time.monotonic() - started
        entity = httpx.get(
            f"{timed_server}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60
        )
        slow_seconds, slow_status = pending.result()
    assert fast.status_code == entity.status_code == slow_status == 200
    assert slow_seconds > 1.5, "the slow query was not slow enough to prove anything"
    assert fast_seconds < slow_seconds / 3, (fast_seconds, slow_seconds)


def test_timeout_frees_the_worker_and_answers_504(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., object]
) -> None:
    store = _w3c_store(tmp_path_factory.mktemp("timeout"))
    url = str(live_server(store, ATMP_KG_QUERY_TIMEOUT="1").url)  # type: ignore[attr-defined]
    started = time.monotonic()
    response = httpx.get(f"{url}/sparql", params={"query": ENDLESS}, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["error"] == "query_timeout"
    assert elapsed < 5
    # Both workers are usable again: two endless queries time out, then a quick one answers.
    for _ in range(2):
        assert httpx.get(f"{url}/sparql", params={"query": ENDLESS}, timeout=60).status_code == 504
    quick = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
    assert quick.status_code == 200
    assert quick.json()["boolean"] is True


def test_serve_builds_an_empty_store_from_data_on_first_start(
    tmp_path_factory: pytest.TempPathFactory, live_server: Callable[..., object]
) -> None:
    store = tmp_path_factory.mktemp("fresh") / "store"
    url = str(live_server(store, build=True).url)  # type: ignore[attr-defined]
    health = httpx.get(f"{url}/health", timeout=30).json()
    assert health["graphs"] > 3
    graphs = httpx.get(f"{url}/sparql", headers={"Accept": "application/n-triples"}).text
    for graph in ("reference", "ontology", "meta"):
        assert f"<https://w3id.org/atmp-kg/graph/{graph}>" in graphs
