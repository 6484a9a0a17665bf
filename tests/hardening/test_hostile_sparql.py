"""Hostile SPARQL against `/sparql` of a read-only server over the default graph (query time limit
QUERY_TIMEOUT): deep nesting, huge VALUES, cartesian products, regex bombs, SERVICE and LOAD,
updates without a token. Each is refused (4xx with the JSON error body) or stopped at the time
limit (504 query_timeout) within the limit and a margin, and all the while the server answers a
health check within HEALTH_LIMIT, polled every HEALTH_EVERY.

Bounded: each request has a client timeout; the concurrent burst sends BURST queries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from hardening_server import QUERY_TIMEOUT, Server

HEALTH_LIMIT = 1.0
HEALTH_EVERY = 0.2
# A refused or timed-out query answers within the limit plus this (worker replacement, I/O).
MARGIN = 3.0
CLIENT_TIMEOUT = QUERY_TIMEOUT + 30.0
BURST = 8


@dataclass
class HealthWatch:
    """Polls /health in a thread; records when each check started, its latency and status."""

    url: str
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.samples and time.monotonic() < deadline:  # one check before the attack
            time.sleep(0.01)

    def _run(self) -> None:
        with httpx.Client(timeout=10.0) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(self.url + "/health").status_code
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    status = 0
                self.samples.append((started, time.monotonic() - started, status))
                self._stop.wait(HEALTH_EVERY)

    def stop(self) -> None:
        """Stops polling once the check in flight has answered (and been recorded)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def assert_healthy(self, since: float) -> None:
        """Every check answered 200 within HEALTH_LIMIT, and some were made after `since`."""
        during = [s for s in self.samples if s[0] >= since]
        assert during, "no health check was made during the attack"
        slow = [round(latency, 2) for _, latency, _ in self.samples if latency > HEALTH_LIMIT]
        bad = [status for _, _, status in self.samples if status != 200]
        assert not self.failures, f"health checks failed: {self.failures[:3]}"
        assert not bad, f"health answered {bad[:5]} ({len(bad)} of {len(self.samples)})"
        assert not slow, (
            f"{len(slow)} of {len(self.samples)} health checks took over {HEALTH_LIMIT} s: "
            f"{slow[:10]}"
        )


@pytest.fixture
def health(server: Server) -> Iterator[HealthWatch]:
    watch = HealthWatch(server.url)
    watch.start()
    yield watch
    watch.stop()


def _values(n: int) -> str:
    return "VALUES ?v { " + " ".join(f'"v{i}"' for i in range(n)) + " }"


def _nested_groups(depth: int) -> str:
    return "SELECT * WHERE " + "{ " * depth + "?s ?p ?o " + "} " * depth


def _nested_expression(depth: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "true" + ")" * depth + ") }"


def _nested_subqueries(depth: int) -> str:
    inner = "SELECT ?s WHERE { ?s ?p ?o }"
    for _ in range(depth):
        inner = f"SELECT ?s WHERE {{ {{ {inner} }} }}"
    return inner


# (name, query) -> the answer must be a refusal or a timeout within the limit (or a fast 200).
HOSTILE: dict[str, str] = {
    "nested groups 200": _nested_groups(200),
    "nested groups 20000": _nested_groups(20_000),
    "nested expression 20000": _nested_expression(20_000),
    "nested subqueries 500": _nested_subqueries(500),
    "huge VALUES (~0.9 MiB)": "SELECT ?v WHERE { " + _values(90_000) + " }",
    "huge VALUES join": "SELECT (COUNT(*) AS ?n) WHERE { " + _values(5_000) + " ?s ?p ?v }",
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "cartesian product, all rows": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
    "VALUES product": (
        "SELECT (COUNT(*) AS ?n) WHERE { "
        + " ".join(
            "VALUES ?x" + str(i) + " { " + " ".join(str(n) for n in range(100)) + " }"
            for i in range(5)
        )
        + " }"
    ),
    "property path closure": "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:p>|!<urn:p>)* ?b }",
    "regex bomb": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?s2 ?p2 ?o2 "
        'FILTER(REGEX(CONCAT(STR(?o), STR(?o2), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), '
        '"^(a+)+$")) }'
    ),
    "regex too large": 'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "(a{1000}){1000}")) }',
    "long literal": 'SELECT * WHERE { ?s ?p "' + "x" * 500_000 + '" }',
    "SERVICE": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SERVICE SILENT in a subquery": (
        "SELECT * WHERE { { SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> "
        "{ ?s ?p ?o } } } }"
    ),
    "not SPARQL": "SELECT WHERE { this is not sparql",
}
REFUSALS = {400, 413, 422}


def _post_query(client: httpx.Client, server: Server, query: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.post(
        server.url + "/sparql",
        content=query.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    return response, time.monotonic() - started


def _assert_contained(name: str, response: httpx.Response, elapsed: float) -> None:
    status = response.status_code
    assert elapsed <= QUERY_TIMEOUT + MARGIN, f"{name}: answered after {elapsed:.1f} s ({status})"
    if status == 200:
        return
    assert status in REFUSALS or status == 504, f"{name}: {status} {response.text[:300]}"
    body = response.json()
    assert body.keys() >= {"error", "message"}, f"{name}: {body}"
    if status == 504:
        assert body["error"] == "query_timeout", f"{name}: {body}"


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_query_is_refused_or_stopped(
    server: Server, health: HealthWatch, name: str
) -> None:
    since = time.monotonic()
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        response, elapsed = _post_query(client, server, HOSTILE[name])
    if elapsed < HEALTH_EVERY * 2:
        time.sleep(HEALTH_EVERY * 2)  # a quick refusal: still see one check after it
    health.stop()
    _assert_contained(name, response, elapsed)
    health.assert_healthy(since)


def test_outbound_requests_are_refused(server: Server) -> None:
    for name in ("SERVICE", "SERVICE SILENT in a subquery"):
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            response, _ = _post_query(client, server, HOSTILE[name])
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "query_refused"


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: Server) -> None:
    query = "SELECT ?v WHERE { " + _values(200_000) + " }"  # ~2 MiB, over max_query_bytes
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        response, elapsed = _post_query(client, server, query)
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "content_too_large"
    assert elapsed < HEALTH_LIMIT * 5


@pytest.mark.parametrize(
    ("how", "request_args"),
    [
        ("direct body", {"content": "DROP ALL", "type": "application/sparql-update"}),
        ("form field", {"content": "update=DROP+ALL", "type": "application/x-www-form-urlencoded"}),
        (
            "LOAD",
            {"content": "LOAD <http://127.0.0.1:9/x.ttl>", "type": "application/sparql-update"},
        ),
    ],
)
def test_updates_without_a_token_are_refused(
    server: Server, how: str, request_args: dict[str, str]
) -> None:
    before = httpx.get(server.url + "/health", timeout=10).json()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
        response = httpx.post(
            server.url + "/sparql",
            content=request_args["content"],
            headers={"Content-Type": request_args["type"], **headers},
            timeout=CLIENT_TIMEOUT,
        )
        assert response.status_code in (401, 403), f"{how}: {response.status_code}"
        assert response.json()["error"] in ("read_only", "unauthorized", "query_refused")
    get = httpx.get(server.url + "/sparql", params={"update": "DROP ALL"}, timeout=CLIENT_TIMEOUT)
    assert 400 <= get.status_code < 500
    after = httpx.get(server.url + "/health", timeout=10).json()
    assert after["version"] == before["version"] and after["graphs"] == before["graphs"]


def _burst(server: Server) -> list[tuple[str, httpx.Response, float]]:
    """BURST slow queries at once, more than there are query workers."""
    slow = [HOSTILE["cartesian product"], HOSTILE["VALUES product"], HOSTILE["regex bomb"]]
    results: list[tuple[str, httpx.Response, float]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            response, elapsed = _post_query(client, server, slow[i % len(slow)])
        with lock:
            results.append((f"burst {i}", response, elapsed))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=CLIENT_TIMEOUT + 10)
    assert len(results) == BURST
    return results


def test_a_burst_of_hostile_queries_is_contained(server: Server) -> None:
    """Each query of the burst is stopped within its limit (waiting for a worker counts), and
    the server is whole afterwards."""
    for name, response, elapsed in _burst(server):
        _assert_contained(name, response, elapsed)
    response = httpx.get(
        server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=CLIENT_TIMEOUT
    )
    assert response.status_code == 200


def test_a_burst_of_hostile_queries_leaves_health_answering(
    server: Server, health: HealthWatch
) -> None:
    since = time.monotonic()
    _burst(server)
    health.stop()
    health.assert_healthy(since)
