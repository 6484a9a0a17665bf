"""API throughput under concurrent load, on 127.0.0.1 only: the atmp-kg API (`atmp-kg serve`)
against the raw Oxigraph server (`oxigraph serve-read-only`) and rdflib-endpoint on the same
quads. Each operation is asked of the raw servers as the SPARQL the API itself runs for it, so the
comparison is the cost of the API around the engine. Load comes from wrk (Debian) when installed,
else from a bounded Python client; every run is bounded in time and connections."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import httpx

from benchmarks.measure import percentile, python, tree_peak_rss_mib

DURATION_SECONDS: Final = 10
CONNECTIONS: Final = 8
JSON_RESULTS: Final = "application/sparql-results+json"
SIMPLE_SPARQL: Final = (
    "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?trial ?label WHERE { ?trial a atmp:ClinicalTrial ; rdfs:label ?label } "
    "ORDER BY ?trial LIMIT 100"
)
# A selective query a researcher would type: the trials testing one product (bound IRI, joins
# on indexed patterns). The sort above is bound by the engine; this one by per-request overhead.
SELECTIVE_SPARQL: Final = (
    "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?trial ?label WHERE {{ ?trial atmp:testsProduct <{product}> ; rdfs:label ?label }} "
    "LIMIT 100"
)
NAMED_QUERY: Final = "product_timeline"


@dataclass(frozen=True)
class Request:
    url: str
    accept: str


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    rows: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests,
            "errors": self.errors,
            "rows": self.rows,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(args: list[str], ready_url: str, *, timeout: float = 900) -> Iterator[int]:
    """Start a server in its own process group, wait until `ready_url` answers, yield its pid;
    stop that process group (and only it) afterwards."""
    log = open(os.devnull, "wb")  # noqa: SIM115 (closed in finally)
    child = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"server exited with {child.returncode}: {' '.join(args)}")
            try:
                if httpx.get(ready_url, timeout=5).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout} s: {' '.join(args)}")
            time.sleep(0.5)
        yield child.pid
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        log.close()


_WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_TOTAL = re.compile(r"(\d+) requests in")
_WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def _ms(text: str) -> float:
    value = float(re.sub(r"[a-z]+$", "", text))
    unit = re.sub(r"^[\d.]+", "", text)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def load_wrk(request: Request, seconds: int, connections: int) -> Load:
    wrk = shutil.which("wrk")
    assert wrk is not None
    out = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "60s",
            "--latency",
            "-H",
            f"Accept: {request.accept}",
            request.url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    socket_errors = _WRK_ERRORS.search(out)
    errors = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    non2xx = _WRK_NON2XX.search(out)
    total = _WRK_TOTAL.search(out)
    return Load(
        requests_per_second=float(_WRK_RPS.search(out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]) if "50" in latency else float("nan"),
        p99_ms=_ms(latency["99"]) if "99" in latency else float("nan"),
        requests=int(total.group(1)) if total else 0,
        errors=errors + (int(non2xx.group(1)) if non2xx else 0),
    )


def load_python(request: Request, seconds: int, connections: int) -> Load:
    """A bounded client: `connections` threads, each with its own keep-alive connection."""
    deadline = time.monotonic() + seconds
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=60, headers={"Accept": request.accept}) as client:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    ok = client.get(request.url).status_code < 400
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples.append(elapsed)
                    errors[0] += 0 if ok else 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    return Load(
        len(samples) / wall,
        percentile(samples, 50),
        percentile(samples, 99),
        len(samples),
        errors[0],
    )


def load(request: Request, seconds: int = DURATION_SECONDS, connections: int = CONNECTIONS) -> Load:
    check = httpx.get(request.url, headers={"Accept": request.accept}, timeout=120)
    if check.status_code >= 400:
        raise RuntimeError(f"{request.url} answered {check.status_code}: {check.text[:300]}")
    measured = (load_wrk if shutil.which("wrk") else load_python)(request, seconds, connections)
    # Rows of a SPARQL JSON answer: the servers must be answering the same question.
    rows = None
    if request.accept == JSON_RESULTS:
        rows = len(check.json()["results"]["bindings"])
    return replace(measured, rows=rows)


def _sparql_url(base: str, query: str) -> str:
    return f"{base}?{urllib.parse.urlencode({'query': query})}"


def operations(probes: dict[str, str]) -> dict[str, dict[str, Any]]:
    """For each operation: the atmp-kg request path and the SPARQL the API runs for it."""
    from pyoxigraph import NamedNode

    from api.entities import INCOMING_ROW_CAP, OUTGOING_ROW_CAP
    from graph_builder.namespaces import ID
    from graph_builder.store.bindings import bind
    from queries.catalogue import get_query

    entity_links = (
        "SELECT ?p ?n ?g WHERE { { GRAPH ?g { ?s ?p ?n } } UNION { GRAPH ?g { ?n ?p ?s } } } "
        f"LIMIT {OUTGOING_ROW_CAP + INCOMING_ROW_CAP}"
    )
    query = get_query(NAMED_QUERY)
    params = {"product": probes["product"]}
    terms = query.terms(params)
    named_sparql = bind(query.paged_sparql(100, 0, terms), terms)
    entity_path = "/id/" + probes["product"].removeprefix(ID)
    selective = SELECTIVE_SPARQL.format(product=probes["product"])
    return {
        "entity lookup": {
            "path": entity_path,
            "accept": "application/ld+json",
            # What the JSON-LD document holds: every outgoing and incoming link with its graph,
            # within the API's row caps, asked of the raw server in one request.
            "sparql": bind(entity_links, {"s": NamedNode(probes["product"])}),
        },
        f"named query ({NAMED_QUERY})": {
            "path": f"/queries/{NAMED_QUERY}?{urllib.parse.urlencode(params)}",
            "accept": "application/json",
            "sparql": named_sparql,
        },
        "/sparql SELECT": {
            "path": "/sparql?" + urllib.parse.urlencode({"query": SIMPLE_SPARQL}),
            "accept": JSON_RESULTS,
            "sparql": SIMPLE_SPARQL,
        },
        "/sparql selective SELECT": {
            "path": "/sparql?" + urllib.parse.urlencode({"query": selective}),
            "accept": JSON_RESULTS,
            "sparql": selective,
        },
    }


def measure_api(
    store: Path,
    oxigraph_store: Path,
    nquads: Path,
    data: Path,
    *,
    with_rdflib: bool,
    seconds: int = DURATION_SECONDS,
) -> dict[str, Any]:
    probes = json.loads((data / "manifest.json").read_text(encoding="utf-8"))["probes"]
    ops = operations(probes)
    results: dict[str, Any] = {
        "operations": {},
        "memory_mib": {},
        "load_tool": ("wrk" if shutil.which("wrk") else "python client"),
        "connections": CONNECTIONS,
        "seconds": seconds,
    }
    for name in ops:
        results["operations"][name] = {}

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = python(
        "-m", "api.cli", "serve", "--store", str(store), "--port", str(port), "--no-build"
    )
    with server(serve, f"{base}/health") as pid:
        for name, op in ops.items():
            results["operations"][name]["atmp-kg"] = load(
                Request(base + op["path"], op["accept"]), seconds
            ).as_dict()
        results["memory_mib"]["atmp-kg"] = round(tree_peak_rss_mib(pid), 1)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The union default graph, as the API queries it (and as .ci/servers.sh starts the server).
    raw = [
        "oxigraph",
        "serve-read-only",
        "--union-default-graph",
        "--location",
        str(oxigraph_store),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    with server(raw, f"{base}/query?query=ASK%7B%7D") as pid:
        for name, op in ops.items():
            results["operations"][name]["oxigraph serve"] = load(
                Request(_sparql_url(f"{base}/query", op["sparql"]), JSON_RESULTS), seconds
            ).as_dict()
        results["memory_mib"]["oxigraph serve"] = round(tree_peak_rss_mib(pid), 1)

    if with_rdflib:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        endpoint = python("-m", "benchmarks.rdflib_server", str(nquads), str(port))
        with server(endpoint, _sparql_url(f"{base}/sparql", "ASK {}")) as pid:
            for name, op in ops.items():
                results["operations"][name]["rdflib-endpoint"] = load(
                    Request(_sparql_url(f"{base}/sparql", op["sparql"]), JSON_RESULTS), seconds
                ).as_dict()
            results["memory_mib"]["rdflib-endpoint"] = round(tree_peak_rss_mib(pid), 1)
    return results
