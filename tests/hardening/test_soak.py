"""A bounded soak of `atmp-kg serve` over the default graph: CLIENTS concurrent clients sending
mixed lookups, entity requests, named queries and SPARQL (load_client.py) for SOAK_SECONDS.
Zero errors; memory flat (server and query workers, after a warm-up); p50/p95/p99 and the RSS
samples written to a JSON report.

CI-sized by default (60 s, 16 clients); the full run is ATMP_KG_SOAK_SECONDS=300. The report
goes to ATMP_KG_SOAK_REPORT when set, else into the test's temporary folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hardening_server import Server
from load_client import run_load

SOAK_SECONDS = float(os.environ.get("ATMP_KG_SOAK_SECONDS", "60"))
CLIENTS = int(os.environ.get("ATMP_KG_SOAK_CLIENTS", "16"))
# "Flat": what the server and its workers hold at the end may exceed what they held after the
# warm-up by this much at most (caches filling are part of the warm-up).
RSS_GROWTH_LIMIT = 64 * 1024 * 1024


def test_soak(server: Server, tmp_path: Path) -> None:
    report = run_load(server.url, clients=CLIENTS, seconds=SOAK_SECONDS, rss=server.rss)
    summary = report.as_dict()
    path = Path(os.environ.get("ATMP_KG_SOAK_REPORT") or tmp_path / "soak.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(  # shown with -s / in the CI log: the figures docs/reliability.md records
        f"soak {summary['seconds']:.0f} s x {CLIENTS} clients: {summary['requests']} requests, "
        f"{summary['errors']} errors, latency {summary['latency_seconds']['all']}, "
        f"RSS {summary['rss_bytes']}; report {path}"
    )

    assert summary["errors"] == 0, summary["first_errors"]
    assert set(summary["requests_by_kind"]) == {"lookup", "entity", "named_query", "sparql"}
    assert summary["requests"] >= CLIENTS * SOAK_SECONDS / 10, "the server answered too little"
    growth = summary["rss_bytes"]["growth"]
    assert growth <= RSS_GROWTH_LIMIT, f"RSS grew by {growth / 2**20:.0f} MiB during the soak"
    assert server.wait_ready(limit=5) < 5
