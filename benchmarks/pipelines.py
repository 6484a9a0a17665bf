"""The build pipelines the build benchmark compares, each run in its own process so that its
peak memory is its own (`python -m benchmarks.pipelines <name> ...` prints one JSON object):

- `stages DATA STORE`: atmp-kg's `build()` (what `atmp-kg build` calls) with the time of each
  step, for the breakdown and the profiles;
- `oxigraph-load NQ STORE`: pyoxigraph's raw bulk load of the same quads into an on-disk store
  (the ceiling: parsing and indexing only);
- `rdflib-pipeline DATA OUT`: the naive baseline: the same source readers and mappings, with an
  rdflib Dataset as the store and N-Quads written with rdflib (no identity, rules,
  manufacturability or validation, so it does less than atmp-kg does).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import REPO


def source_plan(data: Path) -> dict[str, list[Path]]:
    """The build plan of a generated data set: every source folder, plus the curated
    reference data that the synthetic processes and products refer to."""
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    plan = {sid: [Path(p) for p in paths] for sid, paths in manifest["sources"].items()}
    plan["reference"] = [REPO / "data" / "reference", *plan["reference"]]
    return plan


def cli_source_options(data: Path) -> list[str]:
    options = []
    for sid, paths in source_plan(data).items():
        for path in paths:
            options += ["--source", f"{sid}={path}"]
    return options


class StageTimer:
    """BuildProgress that notes when each source and step starts (graph_builder.build)."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def source_started(self, source_id: str) -> None:
        self.marks.append((f"source {source_id}", time.perf_counter()))

    def records(self, source_id: str, read: int, rejected: int) -> None:
        pass

    def source_finished(self, report: Any) -> None:
        pass

    def step(self, name: str) -> None:
        self.marks.append((name, time.perf_counter()))

    def seconds(self, end: float) -> dict[str, float]:
        out: dict[str, float] = {}
        for (name, at), (_, following) in zip(
            self.marks, [*self.marks[1:], ("end", end)], strict=True
        ):
            out[name] = round(following - at, 3)
        return out


def stages(data: Path, store_path: Path) -> dict[str, Any]:
    from graph_builder.build import build
    from graph_builder.store import EmbeddedStore

    store = EmbeddedStore(store_path)
    timer = StageTimer()
    started = time.perf_counter()
    report = build(store, source_plan(data), data_dir=REPO / "data", progress=timer)
    ended = time.perf_counter()
    # The publish (rename and reopen) happens after the last step's mark.
    return {
        "seconds": round(ended - started, 3),
        "stages": timer.seconds(ended),
        "records": sum(s.records_read for s in report.sources),
        "triples": sum(report.graphs.values()),
        "validation": report.validation.summary() if report.validation else None,
        "assessments": report.assessments,
    }


def oxigraph_load(nquads: Path, store_path: Path) -> dict[str, Any]:
    import pyoxigraph as ox

    store = ox.Store(str(store_path))
    started = time.perf_counter()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "triples": len(store)}


def rdflib_pipeline(data: Path, out: Path) -> dict[str, Any]:
    from pyoxigraph import BlankNode as OxBlank
    from pyoxigraph import Literal as OxLiteral
    from rdflib import BNode, Dataset, Literal, URIRef

    from graph_builder.namespaces import graph_iri
    from graph_builder.sources import get_source

    def term(t: Any) -> Any:
        if isinstance(t, OxLiteral):
            if t.language:
                return Literal(t.value, lang=t.language)
            return Literal(t.value, datatype=URIRef(t.datatype.value))
        if isinstance(t, OxBlank):
            return BNode(t.value)
        return URIRef(t.value)

    started = time.perf_counter()
    dataset = Dataset()
    records = 0
    for sid, paths in source_plan(data).items():
        source = get_source(sid)
        configure = getattr(source, "configure", None)
        if configure is not None:
            configure(REPO / "data")
        graph = dataset.graph(URIRef(graph_iri(sid).value))
        for path in paths:
            for record in source.read(path):
                records += 1
                for t in source.triples(record):
                    graph.add((term(t.subject), term(t.predicate), term(t.object)))
    loaded = time.perf_counter() - started
    dataset.serialize(destination=str(out), format="nquads")
    seconds = time.perf_counter() - started
    triples = sum(len(g) for g in dataset.graphs())
    return {
        "seconds": round(seconds, 3),
        "load_seconds": round(loaded, 3),
        "records": records,
        "triples": triples,
    }


def main(argv: list[str]) -> None:
    name, first, second = argv
    pipelines = {
        "stages": stages,
        "oxigraph-load": oxigraph_load,
        "rdflib-pipeline": rdflib_pipeline,
    }
    print(json.dumps(pipelines[name](Path(first), Path(second))))


if __name__ == "__main__":
    main(sys.argv[1:])
