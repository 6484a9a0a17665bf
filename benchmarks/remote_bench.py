"""The scale-out path: the same build and named queries through the remote store
(graph_builder.store.remote) against Virtuoso from Debian, started and stopped by the project's
own .ci/servers.sh on 127.0.0.1 (a throw-away database):

    bash -c 'source .ci/servers.sh && start_servers && python -m benchmarks.remote_bench DATA OUT;
             rc=$?; stop_servers; exit $rc'

(`python -m benchmarks.run --remote 3k` does exactly that). Writes OUT as JSON."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import REPO, median
from benchmarks.pipelines import source_plan
from benchmarks.query_bench import measure_queries


def virtuoso_settings() -> Any:
    from pydantic import SecretStr

    from graph_builder.settings import Settings

    url = os.environ["ATMP_KG_TEST_VIRTUOSO_URL"]
    return Settings(
        endpoint=f"{url}/sparql-auth",
        update_endpoint=f"{url}/sparql-auth",
        gsp_endpoint=f"{url}/sparql-graph-crud-auth",
        endpoint_user=os.environ.get("ATMP_KG_TEST_VIRTUOSO_USER", "dba"),
        endpoint_password=SecretStr(os.environ["ATMP_KG_TEST_VIRTUOSO_PASSWORD"]),
        endpoint_auth="digest",
        endpoint_timeout=600,
    )


def load_quads(store: Any, nquads: Path) -> int:
    """Every named graph of `nquads` written through the remote store's `replace_graph` (GSP
    upload into a staging graph, then MOVE) — the remote path's own write."""
    import pyoxigraph as ox

    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    with store.writing() as writer:
        return sum(writer.replace_graph(g, triples) for g, triples in by_graph.items())


def measure(data: Path, nquads: Path | None) -> dict[str, Any]:
    from graph_builder.build import build
    from graph_builder.errors import AtmpKgError
    from graph_builder.store.remote import SparqlEndpointStore

    store = SparqlEndpointStore.from_settings(virtuoso_settings())
    result: dict[str, Any] = {
        "engine": os.popen("virtuoso-t -? 2>&1 | head -2").read().strip() or "Virtuoso",
    }
    started = time.perf_counter()
    try:
        report = build(store, source_plan(data), data_dir=REPO / "data")
        result.update(
            build_seconds=round(time.perf_counter() - started, 2),
            records=sum(s.records_read for s in report.sources),
            triples=sum(report.graphs.values()),
            validation=report.validation.summary() if report.validation else None,
        )
    except AtmpKgError as exc:
        result["build_error"] = f"after {time.perf_counter() - started:.1f} s: {exc}"[:600]
        if nquads is None:
            raise
        # The queries are still measured, on the embedded build's quads loaded through the
        # remote store's write path.
        started = time.perf_counter()
        result["triples"] = load_quads(store, nquads)
        result["load_seconds"] = round(time.perf_counter() - started, 2)
    queries = measure_queries(store, data, max_runs=10)
    ok = [q for q in queries if q.runs]
    result["queries"] = [q.as_dict() for q in queries]
    result["median_p50_ms"] = median([q.p50_ms for q in ok])
    return result


def main(argv: list[str]) -> None:
    data, out = Path(argv[0]), Path(argv[1])
    nquads = Path(argv[2]) if len(argv) > 2 and Path(argv[2]).exists() else None
    out.write_text(json.dumps(measure(data, nquads), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
