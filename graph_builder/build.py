"""The build pipeline: real source files -> one named graph per source -> identity, rules and
manufacturability in `inferred` -> PROV-O and VoID in `meta` -> the validation gate -> publish.

Every step reads what the steps before it wrote, so the pipeline runs on a writer that reads its
own writes. On the embedded store that is its `store.writing()` block: it works on a copy and
publishes it with one rename when the block ends. A remote store's writer stages its writes until
the commit, so a remote build runs the pipeline in a scratch embedded store and then publishes the
graphs it changed in one remote write (docs/stores.md, "Building a remote store"). Either way a
bad record, a failing rule, a failing gate or a killed process leaves the published store exactly
as it was.

`build()` is a plain function; the CLI (`atmp-kg build`) and the API both call it.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Protocol

from pyoxigraph import NamedNode, RdfFormat, Triple

from graph_builder import identity, provenance, rules, validate
from graph_builder.errors import InputError
from graph_builder.namespaces import (
    GRAPH,
    INFERRED,
    INFERRED_OWL,
    META_GRAPH,
    ONTOLOGY_GRAPH,
    SOURCE_IDS,
    graph_iri,
)
from graph_builder.sources import available_sources, get_source
from graph_builder.sources.base import Rejection, Source, input_files, located, sha256_of
from graph_builder.store.base import Store
from graph_builder.store.embedded import EmbeddedStore, OxigraphStore

ONTOLOGY: Final = ONTOLOGY_GRAPH
META: Final = META_GRAPH
SOURCE_GRAPHS: Final = frozenset(graph_iri(sid).value for sid in SOURCE_IDS)
PROGRESS_EVERY: Final = 200
_DIGEST_MASK: Final = (1 << 64) - 1


@dataclass
class SourceReport:
    """What one source did in a build."""

    source_id: str
    inputs: list[str]
    files: list[provenance.FileRecord] = field(default_factory=list)
    records_read: int = 0
    records_mapped: int = 0
    records_skipped: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    @property
    def records_rejected(self) -> int:
        return len(self.rejections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "inputs": self.inputs,
            "files": [
                {"path": str(f.path), "sha256": f.sha256, "size": f.size} for f in self.files
            ],
            "records_read": self.records_read,
            "records_mapped": self.records_mapped,
            "records_skipped": self.records_skipped,
            "records_rejected": self.records_rejected,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class BuildReport:
    """The outcome of a build (returned by `build`, printed by the CLI, served by the API)."""

    partial: bool
    sources: list[SourceReport] = field(default_factory=list)
    ontology_triples: int | None = None
    identity: identity.IdentityReport = field(default_factory=identity.IdentityReport)
    rules: dict[str, int] = field(default_factory=dict)
    assessments: int = 0
    validation: validate.ValidationReport | None = None
    graphs: dict[str, int] = field(default_factory=dict)
    quarantine: Path | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "partial": self.partial,
            "sources": [s.as_dict() for s in self.sources],
            "ontology_triples": self.ontology_triples,
            "identity": self.identity.as_dict(),
            "rules": self.rules,
            "manufacturability_assessments": self.assessments,
            "validation": self.validation.summary() if self.validation else None,
            "graphs": self.graphs,
            "quarantine": str(self.quarantine) if self.quarantine else None,
            "seconds": round(self.seconds, 3),
        }


class BuildProgress(Protocol):
    """What a build reports while it runs (the CLI draws rich progress bars from it)."""

    def source_started(self, source_id: str) -> None: ...

    def records(self, source_id: str, read: int, rejected: int) -> None: ...

    def source_finished(self, report: SourceReport) -> None: ...

    def step(self, name: str) -> None: ...


class _Silent:
    def source_started(self, source_id: str) -> None:
        pass

    def records(self, source_id: str, read: int, rejected: int) -> None:
        pass

    def source_finished(self, report: SourceReport) -> None:
        pass

    def step(self, name: str) -> None:
        pass


def default_plan(data_dir: Path) -> dict[str, list[Path]]:
    """Every available source whose `default_inputs(data_dir)` names files."""
    plan: dict[str, list[Path]] = {}
    for source_id in available_sources():
        files = _configured(source_id, data_dir).default_inputs(data_dir)
        if files:
            plan[source_id] = list(files)
    return plan


def build(
    store: Store,
    sources: Mapping[str, Sequence[Path]] | None = None,
    *,
    data_dir: Path | None = None,
    lenient: bool = False,
    report_path: Path | None = None,
    progress: BuildProgress | None = None,
    today: date | None = None,
) -> BuildReport:
    """Build the store.

    sources: source id -> input files or folders (`--source ID=PATH`); only those graphs are
      replaced, and identity, rules, inferred and meta are recomputed over the whole store.
      None: a full build of every source with default inputs under `data_dir`, plus the
      ontology graph. A partial build into an empty store builds the defaults too, so that what
      is fed meets the curated data it links to.
    lenient: bad records are quarantined in a JSON report (report_path, default
      <store>/quarantine-<timestamp>.json) instead of stopping the build.
    """
    started = time.perf_counter()
    shown = progress or _Silent()
    partial = sources is not None
    report = BuildReport(partial=partial)
    plan: dict[str, list[Path]] = {}
    # A server has graphs of its own (Virtuoso's system graphs): only atmp-kg's count.
    store_is_empty = not any(g.startswith(GRAPH) for g in store.graphs())
    if data_dir is not None and (not partial or store_is_empty):
        plan.update(default_plan(data_dir))
    for source_id, paths in (sources or {}).items():
        plan[source_id] = [Path(p) for p in paths]
    instances = {sid: _configured(sid, data_dir) for sid in plan}
    for sid, paths in plan.items():
        for path in paths:
            if not path.exists():  # fail before taking the writer
                raise InputError("no such file or folder", source_id=sid, file=str(path))

    job = _Job(store, plan, instances, report, lenient, report_path, shown, today)
    if isinstance(store, EmbeddedStore | OxigraphStore):
        with store.writing() as writer:
            _pipeline(writer, job)
    else:
        _build_in_scratch(job)
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Job:
    """What `build` was asked to do, checked."""

    store: Store
    plan: Mapping[str, Sequence[Path]]
    instances: Mapping[str, Source]
    report: BuildReport
    lenient: bool
    report_path: Path | None
    shown: BuildProgress
    today: date | None


def _pipeline(writer: Store, job: _Job) -> None:
    """Every step of the build on `writer`, which must read what it writes: identity, the rules,
    manufacturability, provenance and the gate read back what the steps before them wrote."""
    plan, instances, report, shown = job.plan, job.instances, job.report, job.shown
    partial = report.partial
    for sid in sorted(plan, key=_source_order):
        shown.source_started(sid)
        source_report = _load_source(writer, instances[sid], plan[sid], job.lenient, shown)
        report.sources.append(source_report)
        shown.source_finished(source_report)
    if not partial or ONTOLOGY not in writer.graphs():
        shown.step("ontology")
        from ontology.model import load_ontology_triples

        report.ontology_triples = writer.replace_graph(ONTOLOGY, load_ontology_triples())
    writer.drop_graph(INFERRED)
    writer.drop_graph(INFERRED_OWL)
    source_graphs = [g for g in writer.graphs() if g in SOURCE_GRAPHS]
    shown.step("identity")
    report.identity = identity.resolve(writer, source_graphs)
    shown.step("rules")
    report.rules = rules.materialise(writer)
    shown.step("manufacturability")
    from graph_builder import manufacturability

    report.assessments = manufacturability.materialise(writer, job.today)
    if job.lenient:
        report.quarantine = _write_quarantine(job.store, report, job.report_path)
    shown.step("provenance")
    provenance.record(writer, [_run(instances[s.source_id], s) for s in report.sources])
    shown.step("validation")
    report.validation = validate.gate(writer)
    report.graphs = {g: writer.count(g) for g in writer.graphs()}


# --- a store whose writer does not read its own writes ------------------------------------------


def _build_in_scratch(job: _Job) -> None:
    """The build of a remote store: the whole pipeline runs in a scratch embedded store, so that
    every step and the gate read exactly what will be published (the remote writer stages its
    writes until the commit and reads the data published before), and the resulting graphs are
    then published in one remote write (staged uploads, one update request of MOVEs at its
    end). A failing step or gate ends the build before that write: the remote stays as it was.

    The scratch store is seeded with every remote graph the build does not replace (for a
    partial build: the other sources, the ontology, `meta`), as the embedded store's writer
    starts from a copy of the published version. Only graphs the build changed are uploaded."""
    store = job.store
    # Only atmp-kg's own graphs: a server holds others (Virtuoso its system graphs, other
    # datasets), which the build neither reads nor touches.
    published = {g for g in store.graphs() if g.startswith(GRAPH)}
    replaced = {graph_iri(sid).value for sid in job.plan} | {INFERRED, INFERRED_OWL}
    if not job.report.partial:
        replaced.add(ONTOLOGY)
    with tempfile.TemporaryDirectory(prefix="atmp-kg-build-") as folder:
        scratch = OxigraphStore(Path(folder) / "store")
        try:
            if published - replaced:
                job.shown.step("seed")
            seeded = {g: _seed(scratch, store, g) for g in sorted(published - replaced)}
            _pipeline(scratch, job)
            job.shown.step("publish")
            with store.writing() as target:
                for graph in scratch.graphs():
                    if seeded.get(graph) != _digest(scratch, graph):
                        target.replace_graph(graph, _triples_of(scratch, graph))
                for graph in sorted(published - set(scratch.graphs())):
                    target.drop_graph(graph)
        finally:
            scratch.close()


def _seed(scratch: OxigraphStore, store: Store, graph: str) -> tuple[int, int]:
    """Copy `graph` from `store` into the scratch store; returns its digest there."""
    buffer = BytesIO()
    store.export(buffer, "nt", graph)
    buffer.seek(0)
    scratch.raw.bulk_load(buffer, RdfFormat.N_TRIPLES, to_graph=NamedNode(graph))
    return _digest(scratch, graph)


def _digest(scratch: OxigraphStore, graph: str) -> tuple[int, int]:
    """The number of triples and the sum of their hashes: equal before and after the pipeline
    when the pipeline left the graph alone (it may rewrite seeded graphs: identity does)."""
    n = total = 0
    for triple in _triples_of(scratch, graph):
        n += 1
        total = (total + hash(str(triple))) & _DIGEST_MASK
    return n, total


def _triples_of(scratch: OxigraphStore, graph: str) -> Iterator[Triple]:
    return (q.triple for q in scratch.raw.quads_for_pattern(None, None, None, NamedNode(graph)))


# --- one source ------------------------------------------------------------------------------


def _configured(source_id: str, data_dir: Path | None) -> Source:
    """The source, given the curated data it may need (sources that define `configure`)."""
    source = get_source(source_id)
    configure = getattr(source, "configure", None)
    if configure is not None:
        configure(data_dir)
    return source


def _suffixes(source: Source) -> tuple[str, ...]:
    return tuple(getattr(source, "suffixes", ()))


def _source_order(source_id: str) -> int:
    return SOURCE_IDS.index(source_id) if source_id in SOURCE_IDS else len(SOURCE_IDS)


def _input_file_records(source: Source, paths: Sequence[Path]) -> list[provenance.FileRecord]:
    suffixes = _suffixes(source)
    files: list[Path] = []
    for path in paths:
        if path.is_dir() and not suffixes:
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
            )
        else:
            files += input_files(path, suffixes)
    return [provenance.FileRecord(f, sha256_of(f), f.stat().st_size) for f in files]


def _load_source(
    writer: Store,
    source: Source,
    paths: Sequence[Path],
    lenient: bool,
    progress: BuildProgress,
) -> SourceReport:
    started = time.perf_counter()
    sid = source.source_id
    report = SourceReport(sid, [str(p) for p in paths])
    report.files = _input_file_records(source, paths)

    def reject(error: InputError) -> None:
        placed = located(error, source_id=error.source_id or sid)
        if not lenient:
            raise placed
        report.rejections.append(
            Rejection(sid, placed.file or "", placed.record or "", placed.field, placed.reason)
        )

    def reject_read(error: InputError) -> None:
        # A record `read` could not validate is a record read (and rejected).
        report.records_read += 1
        reject(error)

    def stream() -> Iterator[Triple]:
        for path in paths:
            for record in source.read(path, reject_read):
                report.records_read += 1
                try:
                    triples = list(source.triples(record))
                except InputError as exc:
                    reject(_about(exc, record, path))
                    continue
                except ValueError as exc:
                    reject(_about(InputError(str(exc)), record, path))
                    continue
                if triples:
                    report.records_mapped += 1
                else:
                    report.records_skipped += 1
                if report.records_read % PROGRESS_EVERY == 0:
                    progress.records(sid, report.records_read, report.records_rejected)
                yield from triples
        progress.records(sid, report.records_read, report.records_rejected)

    writer.replace_graph(graph_iri(sid).value, stream())
    report.triples = writer.count(graph_iri(sid).value)
    report.seconds = time.perf_counter() - started
    return report


def _about(error: InputError, record: object, path: Path) -> InputError:
    """The error with the record's file and id filled in when the mapping did not say."""
    return located(
        error,
        file=error.file or str(getattr(record, "source_file", "") or path),
        record=error.record or str(getattr(record, "record_id", "") or "") or None,
    )


def _run(source: Source, report: SourceReport) -> provenance.SourceRun:
    now = datetime.now(UTC)
    return provenance.SourceRun(
        source_id=report.source_id,
        title=source.title,
        license=source.license,
        homepage=source.homepage,
        files=report.files,
        records_read=report.records_read,
        records_mapped=report.records_mapped,
        records_skipped=report.records_skipped,
        records_rejected=report.records_rejected,
        started=datetime.fromtimestamp(now.timestamp() - report.seconds, UTC),
        ended=now,
    )


def _write_quarantine(store: Store, report: BuildReport, path: Path | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if path is None:
        root = getattr(store, "root", None)
        path = (Path(root) if root is not None else Path.cwd()) / f"quarantine-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {
        "created": stamp,
        "sources": {
            s.source_id: {
                "records_read": s.records_read,
                "records_mapped": s.records_mapped,
                "records_rejected": s.records_rejected,
            }
            for s in report.sources
        },
        "rejections": [r.as_dict() for s in report.sources for r in s.rejections],
    }
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
