"""Query latency: p50/p95 of every named query (with its example parameters, IRI parameters
pointed at entities of the generated data), of the API's entity lookup, and of the all-pairs
manufacturability answer, on a built store, in process (no HTTP)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.measure import percentile
from graph_builder.errors import AtmpKgError
from graph_builder.store.base import Store

PAGE: Final = 100  # the API's default page size (api/routers/named_queries.py)
MIN_RUNS: Final = 5
MAX_RUNS: Final = 50
BUDGET_SECONDS: Final = 3.0
# Parameter name -> probe of the manifest it is pointed at.
ALL_PAIRS: Final = "all-pairs manufacturability (assess, every site x product)"
SEARCH: Final = "hub search (GET /hub/search, label index)"
PROBED: Final = {"site": "site", "product": "product", "nct": "nct", "eudract": "eudract"}


@dataclass(frozen=True)
class Latency:
    name: str
    kind: str  # "lookup" (a required parameter picks one entity) or "analytic"
    runs: int
    p50_ms: float
    p95_ms: float
    rows: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "runs": self.runs,
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "rows": self.rows,
            "note": self.note,
        }


def timed(
    call: Callable[[], int],
    *,
    min_runs: int = MIN_RUNS,
    max_runs: int = MAX_RUNS,
    warm_up: bool = True,
) -> tuple[list[float], int]:
    """Latencies in ms of repeated calls (one warm-up first, unless the first call is what is
    measured), bounded in count and time."""
    started = time.perf_counter()
    rows = call()
    first = time.perf_counter() - started
    if not warm_up or first > BUDGET_SECONDS:
        # A slow query is measured once: more runs would not change the verdict.
        return [first * 1000], rows
    samples: list[float] = []
    spent = 0.0
    while len(samples) < max_runs and (len(samples) < min_runs or spent < BUDGET_SECONDS):
        started = time.perf_counter()
        rows = call()
        elapsed = time.perf_counter() - started
        samples.append(elapsed * 1000)
        spent += elapsed
    return samples, rows


def query_parameters(query: Any, probes: dict[str, str]) -> dict[str, str]:
    params = {k: str(v) for k, v in query.example.items()}
    for param in query.parameters:
        probe = PROBED.get(param.name)
        if probe and (param.name in params or param.required):
            params[param.name] = probes[probe]
    if query.id == "label_search":
        params["text"] = probes["label"]
    return params


def measure_queries(
    store_path: Path | Store,
    data: Path,
    *,
    max_runs: int = MAX_RUNS,
    skip: dict[str, float] | None = None,
) -> list[Latency]:
    """Latencies of every query; those named in `skip` (name -> projected ms) are not run."""
    from pyoxigraph import NamedNode

    from api.entities import ROWS_QUERIES
    from api.routers import hub_search
    from graph_builder import manufacturability
    from graph_builder.store import EmbeddedStore
    from graph_builder.store.base import SelectResult
    from queries.catalogue import load_catalogue

    probes = json.loads((data / "manifest.json").read_text(encoding="utf-8"))["probes"]
    store = EmbeddedStore(store_path) if isinstance(store_path, Path) else store_path
    results: list[Latency] = []

    def record(
        name: str, kind: str, call: Callable[[], int], runs: int = max_runs, cold: bool = False
    ) -> None:
        if skip and name in skip:
            note = f"projected ≥ {skip[name] / 1000:,.0f} s from the previous scale"
            results.append(Latency(name, kind, 0, skip[name], skip[name], 0, note))
            return
        try:
            samples, rows = timed(
                call, min_runs=min(MIN_RUNS, runs), max_runs=runs, warm_up=not cold
            )
        except AtmpKgError as exc:  # a remote engine may not run every query
            results.append(Latency(name, kind, 0, float("nan"), float("nan"), 0, f"failed: {exc}"))
            return
        results.append(
            Latency(
                name, kind, len(samples), percentile(samples, 50), percentile(samples, 95), rows
            )
        )

    def entity() -> int:
        # The row queries of an ordinary lookup (api.entities), both directions.
        found, entity_iri = 0, {"s": NamedNode(probes["product"])}
        for incoming in (False, True):
            answer = store.query(ROWS_QUERIES[incoming, "none"], entity_iri)
            assert isinstance(answer, SelectResult)
            found += len(answer.rows)
        return found

    def all_pairs() -> int:
        return len(manufacturability.assess(store))

    def search() -> int:
        return len(hub_search.candidates(store, probes["label"], None))

    # The manufacturability facts and the label index are derived once per published store
    # version (graph_builder.per_version): their first answer, before anything else asked this
    # version, is measured on its own, then the warm p50 below.
    record(f"{ALL_PAIRS}, first answer of a version", "analytic", all_pairs, runs=1, cold=True)
    record(f"{SEARCH}, first answer of a version", "analytic", search, runs=1, cold=True)
    record("entity lookup (GET /id/… links in and out)", "lookup", entity)
    record(SEARCH, "lookup", search)
    for query in sorted(load_catalogue().values(), key=lambda q: q.id):
        params = query_parameters(query, probes)
        kind = "lookup" if any(p.required for p in query.parameters) else "analytic"

        def call(query: Any = query, params: dict[str, str] = params) -> int:
            return len(query.run(store, params, limit=PAGE).rows)

        record(query.id, kind, call)
    record(ALL_PAIRS, "analytic", all_pairs, runs=min(max_runs, 7))
    if isinstance(store_path, Path):
        store.close()
    return results
