"""Run the benchmarks and rewrite docs/benchmarks.md:

    python -m benchmarks.run [--scales 3k,30k,300k] [--runs 3] [--quick] [--skip api,rdflib]

For each scale (input records; about 35 triples each): generate the synthetic data, build it
with `atmp-kg build` (median of --runs fresh builds) against pyoxigraph's bulk load and the
rdflib pipeline, time every named query, load the API against `oxigraph serve` and
rdflib-endpoint, and record peak memory. Results of each scale are merged into
benchmarks/results.json (so scales can be run one at a time) and the report is rendered from it.

--quick: one build, few query runs and 1 s of load per operation — for a smoke test, not for
figures. rdflib (pipeline and endpoint) is skipped above --rdflib-max-triples, where it would need
more time and memory than this machine has (the skipped cells say so).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from benchmarks import api_bench, build_bench, query_bench
from benchmarks.generate import generate, parse_scale
from benchmarks.measure import REPO, machine
from benchmarks.report import render

RESULTS: Final = Path(__file__).resolve().parent / "results.json"
OUTPUT: Final = REPO / "docs" / "benchmarks.md"
QUERY_CAP_MS: Final = 120_000.0


def projected(previous: dict[str, Any] | None, triples: int) -> dict[str, float]:
    """Per query, its p50 at the previous scale grown with the triples: a query
    projected past QUERY_CAP_MS is not run again (an in-process query cannot be interrupted)."""
    if not previous:
        return {}
    # Joins grow faster than the data: project with factor**1.5, not linearly.
    factor = (triples / previous["build"]["triples"]) ** 1.5
    # A query not run at the previous scale carries its projection there in p50_ms.
    return {
        q["name"]: q["p50_ms"] * factor
        for q in previous["queries"]
        if q["runs"] or not math.isnan(q["p50_ms"])
    }


def run_scale(
    label: str,
    records: int,
    work: Path,
    *,
    seed: int,
    runs: int,
    quick: bool,
    skip: set[str],
    rdflib_max_triples: int,
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    data = work / f"data-{label}"
    print(f"[{label}] generating {records:,} records", flush=True)
    manifest = generate(data, records, seed)
    bench = work / f"bench-{label}"
    bench.mkdir(parents=True, exist_ok=True)
    # rdflib's size is only known after the first build: decided from the previous scale's ratio.
    estimate = records * (
        previous["build"]["triples"] / previous["data"]["records_written"] if previous else 40
    )
    with_rdflib = "rdflib" not in skip and estimate <= rdflib_max_triples
    print(f"[{label}] building ({runs} runs, rdflib baseline: {with_rdflib})", flush=True)
    build, store = build_bench.measure_build(data, bench, runs=runs, with_rdflib=with_rdflib)
    result: dict[str, Any] = {
        "label": label,
        "data": {k: manifest[k] for k in ("records_written", "written", "seconds", "plan")},
        "build": build.as_dict(),
    }
    print(f"[{label}] {build.triples:,} triples in {build.seconds:.1f} s; queries", flush=True)
    skip_queries = {
        name: ms for name, ms in projected(previous, build.triples).items() if ms > QUERY_CAP_MS
    }
    latencies = query_bench.measure_queries(
        store, data, max_runs=3 if quick else query_bench.MAX_RUNS, skip=skip_queries
    )
    result["queries"] = [q.as_dict() for q in latencies]
    if "api" not in skip:
        print(f"[{label}] API load", flush=True)
        result["api"] = measure_api_of(label, work, quick=quick, with_rdflib=with_rdflib)
    return result


def _largest_below(results: dict[str, Any], records: int) -> dict[str, Any] | None:
    """The largest scale measured earlier with fewer records (its figures guide this one)."""
    smaller = [r for r in results["scales"].values() if r["data"]["plan"]["records"] < records]
    return max(smaller, key=lambda r: r["data"]["plan"]["records"], default=None)


def measure_api_of(label: str, work: Path, *, quick: bool, with_rdflib: bool) -> dict[str, Any]:
    """The API benchmark on the store and N-Quads export built for `label`."""
    bench = work / f"bench-{label}"
    oxigraph_store = bench / "oxigraph-serve"
    shutil.rmtree(oxigraph_store, ignore_errors=True)
    build_bench.bulk_load(bench / "dataset.nq", oxigraph_store)
    try:
        return api_bench.measure_api(
            bench / "store",
            oxigraph_store,
            bench / "dataset.nq",
            work / f"data-{label}",
            with_rdflib=with_rdflib,
            seconds=1 if quick else api_bench.DURATION_SECONDS,
        )
    finally:
        shutil.rmtree(oxigraph_store, ignore_errors=True)


def run_remote(label: str, work: Path, seed: int) -> dict[str, Any]:
    """Build and query `label`'s data through Virtuoso, started by .ci/servers.sh."""
    data = work / f"data-{label}"
    if not (data / "manifest.json").exists():
        generate(data, parse_scale(label), seed)
    out = work / f"remote-{label}.json"
    script = (
        "source .ci/servers.sh && start_servers && "
        f"{sys.executable} -m benchmarks.remote_bench {data} {out} "
        f"{work / f'bench-{label}' / 'dataset.nq'}; "
        "rc=$?; stop_servers; exit $rc"
    )
    subprocess.run(["bash", "-c", script], cwd=REPO, check=True, timeout=3 * 3600)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="3k,30k,300k")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip", default="", help="comma-separated: api, rdflib")
    parser.add_argument("--rdflib-max-triples", type=int, default=1_500_000)
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--fresh", action="store_true", help="forget earlier scales' results")
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument(
        "--api-only",
        action="store_true",
        help="re-measure only the API of --scales, on their stores already built under --work",
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="re-measure only the queries of --scales, on their stores already built under --work",
    )
    parser.add_argument(
        "--remote", default="", help="scales to build and query through Virtuoso too, e.g. 3k"
    )
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"scales": {}}
    if args.results.exists() and not args.fresh:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    if not args.render_only or args.remote:
        # The report lists every command whose figures it shows.
        command = " ".join(["python -m benchmarks.run", *(sys.argv[1:] if argv is None else argv)])
        if command not in results.setdefault("commands", []):
            results["commands"].append(command)
    if args.api_only:
        for label in [s.strip() for s in args.scales.split(",") if s.strip()]:
            print(f"[{label}] API load", flush=True)
            results["scales"][label]["api"] = measure_api_of(
                label, args.work, quick=args.quick, with_rdflib="rdflib" not in args.skip
            )
            args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    elif args.queries_only:
        for label in [s.strip() for s in args.scales.split(",") if s.strip()]:
            print(f"[{label}] queries", flush=True)
            latencies = query_bench.measure_queries(
                args.work / f"bench-{label}" / "store",
                args.work / f"data-{label}",
                max_runs=3 if args.quick else query_bench.MAX_RUNS,
            )
            results["scales"][label]["queries"] = [q.as_dict() for q in latencies]
            args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    elif not args.render_only:
        skip = {s.strip() for s in args.skip.split(",") if s.strip()}
        runs = 1 if args.quick else args.runs
        labels = [s.strip() for s in args.scales.split(",") if s.strip()]
        previous: dict[str, Any] | None = None
        for label in sorted(labels, key=parse_scale):
            started = time.perf_counter()
            if previous is None:
                previous = _largest_below(results, parse_scale(label))
            outcome = run_scale(
                label,
                parse_scale(label),
                args.work,
                seed=args.seed,
                runs=runs,
                quick=args.quick,
                skip=skip,
                rdflib_max_triples=args.rdflib_max_triples,
                previous=previous,
            )
            outcome["seconds"] = round(time.perf_counter() - started, 1)
            results["scales"][label] = outcome
            previous = outcome
            results.update(
                machine=machine(),
                date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                seed=args.seed,
                max_runs=3 if args.quick else query_bench.MAX_RUNS,
            )
            args.results.parent.mkdir(parents=True, exist_ok=True)
            args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
            print(f"[{label}] done in {outcome['seconds']} s", flush=True)
    for label in [s.strip() for s in args.remote.split(",") if s.strip()]:
        print(f"[{label}] remote store (Virtuoso)", flush=True)
        results.setdefault("remote", {})[label] = run_remote(label, args.work, args.seed)
        args.results.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
