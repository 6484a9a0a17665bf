"""Build throughput: `atmp-kg build` end to end (median of several fresh builds, peak RSS of each)
against pyoxigraph's raw bulk load of the same quads and the naive rdflib pipeline, plus the
time of each build step (one extra run through `build()`)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Run, median, python, run_child
from benchmarks.pipelines import cli_source_options

_BUILT = re.compile(r"built (\d+) graphs, (\d+) triples in ([\d.]+) s")
_READ = re.compile(r"^(\w+): (\d+) records read", re.MULTILINE)


@dataclass
class BuildResult:
    command: str
    records: int
    triples: int
    runs_seconds: list[float] = field(default_factory=list)
    runs_peak_mib: list[float] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    validation: str | None = None
    assessments: int = 0
    oxigraph: dict[str, Any] = field(default_factory=dict)
    rdflib: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return median(self.runs_seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.runs_peak_mib) if self.runs_peak_mib else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "records": self.records,
            "triples": self.triples,
            "runs_seconds": self.runs_seconds,
            "runs_peak_mib": self.runs_peak_mib,
            "median_seconds": self.seconds,
            "stages": self.stages,
            "validation": self.validation,
            "assessments": self.assessments,
            "oxigraph": self.oxigraph,
            "rdflib": self.rdflib,
        }


def cli_build(data: Path, store: Path) -> tuple[list[str], Run]:
    if store.exists():
        shutil.rmtree(store)
    args = python("-m", "api.cli", "build", "--store", str(store), *cli_source_options(data))
    run = run_child(args)
    if run.returncode != 0:
        raise RuntimeError(f"atmp-kg build failed: {run.stderr.strip()[-2000:]}")
    return args, run


def _pipeline(name: str, first: Path, second: Path) -> tuple[dict[str, Any], Run]:
    run = run_child(python("-m", "benchmarks.pipelines", name, str(first), str(second)))
    if run.returncode != 0:
        raise RuntimeError(f"{name} failed: {run.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    result["peak_mib"] = round(run.peak_mib, 1)
    result["wall_seconds"] = round(run.seconds, 3)
    return result, run


def export_nquads(store: Path, out: Path) -> None:
    from graph_builder.store import EmbeddedStore

    embedded = EmbeddedStore(store)
    with open(out, "wb") as fh:
        embedded.export(fh, "nq")
    embedded.close()


def bulk_load(nquads: Path, target: Path) -> dict[str, Any]:
    """pyoxigraph's bulk load of `nquads` into a new store at `target` (own process)."""
    loaded, _ = _pipeline("oxigraph-load", nquads, target)
    return loaded


def measure_build(
    data: Path, work: Path, *, runs: int, with_rdflib: bool
) -> tuple[BuildResult, Path]:
    """Returns the result and the path of the store of the last build (kept for the queries)."""
    store = work / "store"
    seconds, peaks = [], []
    args: list[str] = []
    stderr = ""
    for _ in range(runs):
        args, run = cli_build(data, store)
        seconds.append(round(run.seconds, 3))
        peaks.append(round(run.peak_mib, 1))
        stderr = run.stderr
    built = _BUILT.search(stderr)
    triples = int(built.group(2)) if built else 0
    records = sum(int(n) for _, n in _READ.findall(stderr))
    shown = " ".join(a if a != args[0] else "python" for a in args)
    result = BuildResult(shown, records, triples, seconds, peaks)

    staged, _ = _pipeline("stages", data, work / "store-stages")
    shutil.rmtree(work / "store-stages", ignore_errors=True)
    result.stages = staged["stages"]
    result.validation = staged["validation"]
    result.assessments = staged["assessments"]

    nquads = work / "dataset.nq"
    export_nquads(store, nquads)
    loads = []
    for _ in range(runs):
        target = work / "oxigraph-bulk"
        shutil.rmtree(target, ignore_errors=True)
        loads.append(bulk_load(nquads, target))
        shutil.rmtree(target, ignore_errors=True)
    result.oxigraph = {
        "triples": loads[-1]["triples"],
        "runs_seconds": [x["seconds"] for x in loads],
        "median_seconds": median([x["seconds"] for x in loads]),
        "peak_mib": max(x["peak_mib"] for x in loads),
    }
    if with_rdflib:
        naive, _ = _pipeline("rdflib-pipeline", data, work / "rdflib.nq")
        (work / "rdflib.nq").unlink(missing_ok=True)
        result.rdflib = naive
    return result, store
