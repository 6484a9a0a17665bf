"""A bounded load client for a running `atmp-kg serve`: CLIENTS threads, each sending a mixed
stream of hub lookups, entity dereferencing, named queries (with their catalogue examples) and
SPARQL queries for a fixed time, while a sampler records the resident memory of the server and
its query workers. Every request goes to the given loopback URL; nothing runs past `seconds`.

    report = run_load("http://127.0.0.1:8000", clients=16, seconds=60, rss=lambda: ...)
    report.as_dict()   # counts, errors, p50/p95/p99 per kind and overall, RSS samples

Used by test_soak.py; runnable alone against a server a developer started:

    python tests/hardening/load_client.py http://127.0.0.1:8000 --seconds 300 --clients 16
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

# SPARQL a researcher sends: selective lookups, a join, an aggregate, a path (answer < 1 s here).
SPARQL = (
    "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?p ?label WHERE { ?p a atmp:ATMP ; rdfs:label ?label } ORDER BY ?label LIMIT 50",
    "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#> "
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) LIMIT 20",
    "PREFIX atmp: <https://w3id.org/atmp-kg/ontology#> "
    "SELECT ?site ?cap WHERE { ?site a atmp:ManufacturingSite ; atmp:hasCapability ?cap } "
    "LIMIT 200",
    "ASK { ?s ?p ?o }",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?c ?top WHERE { ?c skos:broader+ ?top } LIMIT 100",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 100",
)
LOOKUPS = (
    "/api/products",
    "/api/facilities",
    "/api/materials",
    "/api/trials",
    "/api/suppliers",
    "/api/hospital-exemptions",
    "/api/search?q=kym",
    "/api/search?q=cell",
    "/health",
)
Request = tuple[str, str, str, dict[str, str], bytes | None]  # kind, method, path, headers, body


@dataclass
class LoadReport:
    seconds: float
    clients: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def percentiles(self, values: list[float]) -> dict[str, float]:
        if len(values) < 2:
            return {"p50": values[0] if values else 0.0, "p95": 0.0, "p99": 0.0}
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        return {
            "p50": round(cuts[49], 4),
            "p95": round(cuts[94], 4),
            "p99": round(cuts[98], 4),
            "max": round(max(values), 4),
        }

    def rss_growth(self, warmup: float = 0.2) -> tuple[int, int]:
        """(median RSS just after warm-up, median RSS at the end), from 5 samples each."""
        if len(self.rss) < 4:
            return (self.rss[0][1], self.rss[-1][1]) if self.rss else (0, 0)
        start = [r for t, r in self.rss if t >= self.seconds * warmup][:5] or [self.rss[0][1]]
        end = [r for _, r in self.rss[-5:]]
        return int(statistics.median(start)), int(statistics.median(end))

    def as_dict(self) -> dict[str, Any]:
        everything = [x for v in self.latencies.values() for x in v]
        start, end = self.rss_growth()
        return {
            "seconds": self.seconds,
            "clients": self.clients,
            "requests": self.requests,
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "errors": len(self.errors),
            "first_errors": self.errors[:20],
            "latency_seconds": {
                "all": self.percentiles(everything),
                **{kind: self.percentiles(v) for kind, v in sorted(self.latencies.items())},
            },
            "requests_by_kind": {kind: len(v) for kind, v in sorted(self.latencies.items())},
            "rss_bytes": {"after_warmup": start, "end": end, "growth": end - start},
            "rss_samples": [[round(t, 1), r] for t, r in self.rss],
        }


def request_mix(url: str, client: httpx.Client) -> list[Request]:
    """Every request of the mix, made from what the server itself lists."""
    json_headers = {"Accept": "application/json"}
    mix: list[Request] = [("lookup", "GET", path, json_headers, None) for path in LOOKUPS]
    products = client.get(url + "/api/products", headers=json_headers).json()["items"]
    facilities = client.get(url + "/api/facilities", headers=json_headers).json()["items"]
    for item in products[:5]:
        mix.append(("lookup", "GET", f"/api/products/{item['key']}", json_headers, None))
        for accept in ("text/turtle", "application/ld+json", "text/html"):
            mix.append(("entity", "GET", item["page"], {"Accept": accept}, None))
    for item in facilities[:5]:
        mix.append(("lookup", "GET", f"/api/facilities/{item['key']}", json_headers, None))
        mix.append(("lookup", "GET", f"/api/facilities/{item['key']}/products", json_headers, None))
    listing = client.get(url + "/queries", params={"limit": 500}, headers=json_headers).json()
    for query in listing["items"] if isinstance(listing, dict) else listing:
        example = query.get("example") or {}
        path = f"/queries/{query['id']}"
        if example:
            path += "?" + httpx.QueryParams(example).__str__()
        mix.append(("named_query", "GET", path, json_headers, None))
    sparql_headers = {
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json, application/n-triples",
    }
    mix += [("sparql", "POST", "/sparql", sparql_headers, q.encode()) for q in SPARQL]
    return mix


def _client_loop(
    url: str,
    mix: list[Request],
    deadline: float,
    seed: int,
    report: LoadReport,
    lock: threading.Lock,
) -> None:
    rng = random.Random(seed)
    mine: dict[str, list[float]] = {}
    errors: list[str] = []
    with httpx.Client(base_url=url, timeout=60.0) as client:
        while time.monotonic() < deadline:
            kind, method, path, headers, body = rng.choice(mix)
            started = time.monotonic()
            try:
                response = client.request(method, path, headers=headers, content=body)
                response.read()
                if response.status_code != 200:
                    errors.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            mine.setdefault(kind, []).append(time.monotonic() - started)
    with lock:
        for kind, values in mine.items():
            report.latencies.setdefault(kind, []).extend(values)
        report.errors.extend(errors)


def run_load(
    url: str,
    *,
    clients: int = 16,
    seconds: float = 60.0,
    rss: Callable[[], int] | None = None,
    rss_every: float = 1.0,
    seed: int = 8,
) -> LoadReport:
    """Load `url` (a loopback address) for `seconds` with `clients` concurrent clients."""
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"load is only ever sent to this machine, not {host!r}")
    with httpx.Client(timeout=60.0) as client:
        mix = request_mix(url, client)
    report = LoadReport(seconds=seconds, clients=clients)
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=_client_loop, args=(url, mix, deadline, seed + i, report, lock), daemon=True
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    while rss is not None and time.monotonic() < deadline:
        report.rss.append((time.monotonic() - started, rss()))
        time.sleep(min(rss_every, max(0.0, deadline - time.monotonic())))
    for thread in threads:
        thread.join(timeout=120)
    report.seconds = time.monotonic() - started
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--pid", type=int, help="server process id, to sample its memory")
    args = parser.parse_args()
    sampler = None
    if args.pid:
        import psutil

        def sampler() -> int:
            parent = psutil.Process(args.pid)
            return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])

    report = run_load(args.url, clients=args.clients, seconds=args.seconds, rss=sampler)
    json.dump(report.as_dict(), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
