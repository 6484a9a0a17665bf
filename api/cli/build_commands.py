"""`atmp-kg build` and `atmp-kg validate`: thin faces over graph_builder.build and
graph_builder.validate (the functions the API calls too)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from api.cli.app import EndpointOption, StoreOption, app, one_line_errors, state, store_options
from graph_builder.build import BuildReport, SourceReport, build
from graph_builder.errors import InputError, ValidationFailed
from graph_builder.settings import resolve_data_dir
from graph_builder.validate import gate

console = Console(stderr=True)


class RichProgress:
    """One progress bar per source with its record counts, then one line per pipeline step."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.step_task: TaskID | None = None

    def source_started(self, source_id: str) -> None:
        self.tasks[source_id] = self.progress.add_task(source_id, total=None, counts="")

    def records(self, source_id: str, read: int, rejected: int) -> None:
        self.progress.update(self.tasks[source_id], counts=_counts(read, rejected))

    def source_finished(self, report: SourceReport) -> None:
        self.progress.update(
            self.tasks[report.source_id],
            total=1,
            completed=1,
            counts=_counts(report.records_read, report.records_rejected),
        )

    def step(self, name: str) -> None:
        self.finish()
        self.step_task = self.progress.add_task(name, total=None, counts="")

    def finish(self) -> None:
        if self.step_task is not None:
            self.progress.update(self.step_task, total=1, completed=1)


def _counts(read: int, rejected: int) -> str:
    return f"{read} records" + (f", [red]{rejected} rejected[/]" if rejected else "")


def parse_sources(values: list[str]) -> dict[str, list[Path]]:
    """`ID=PATH` (repeatable; the same id may come twice) -> id -> paths."""
    sources: dict[str, list[Path]] = {}
    for value in values:
        source_id, sep, path = value.partition("=")
        if not sep or not source_id.strip() or not path.strip():
            raise InputError(f"--source {value!r}: expected ID=PATH (e.g. ctgov=studies.json)")
        sources.setdefault(source_id.strip(), []).append(Path(path.strip()).expanduser())
    return sources


def print_report(report: BuildReport) -> None:
    for s in report.sources:
        console.print(
            f"[bold]{s.source_id}[/]: {s.records_read} records read, {s.records_mapped} mapped, "
            f"{s.records_skipped} out of scope, {s.records_rejected} rejected, "
            f"{s.triples} triples ({s.seconds:.1f} s)",
            highlight=False,
        )
    ident = report.identity
    console.print(
        f"identity: {ident.trials_merged} trial, {ident.products_merged} product and "
        f"{ident.organisations_merged} organisation IRIs merged; "
        f"{len(ident.conflicts)} conflicting values resolved by source precedence",
        highlight=False,
    )
    console.print(
        f"inferred: {sum(report.rules.values())} triples from rules, "
        f"{report.assessments} manufacturability assessments",
        highlight=False,
    )
    if report.validation is not None:
        console.print(report.validation.summary(), highlight=False)
    if report.quarantine is not None:
        console.print(f"quarantine report: {report.quarantine}", highlight=False)
    total = sum(report.graphs.values())
    console.print(
        f"[green]built[/] {len(report.graphs)} graphs, {total} triples in {report.seconds:.1f} s",
        highlight=False,
    )


@app.command("build")
@one_line_errors
def build_command(
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="ID=PATH: feed a file or folder to a source and replace only its graph "
            "(repeatable). Without it, every source is built from the data folder.",
        ),
    ] = None,
    lenient: Annotated[
        bool,
        typer.Option(
            "--lenient", help="Quarantine bad records in a JSON report and build the rest."
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Where --lenient writes the quarantine report (default: "
            "<store>/quarantine-<time>.json); on a failed validation, the full findings.",
        ),
    ] = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Build the knowledge graph: real sources -> named graphs, validated, published atomically."""
    sources = parse_sources(source) if source else None
    target = store_options(store, endpoint)
    data_dir = resolve_data_dir(state().settings)
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<18}"),
        BarColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        shown = RichProgress(progress)
        try:
            result = build(
                target,
                sources,
                data_dir=data_dir,
                lenient=lenient,
                report_path=report,
                progress=shown,
            )
            shown.finish()
        except ValidationFailed as exc:
            if report is not None and not lenient:
                report.write_text(exc.report + "\n", encoding="utf-8")
            raise
    print_report(result)


@app.command("validate")
@one_line_errors
def validate_command(
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write every finding to this file when validation fails."),
    ] = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Run the SHACL shapes and the violation checks on the published store."""
    target = store_options(store, endpoint)
    try:
        result = gate(target)
    except ValidationFailed as exc:
        if report is not None:
            report.write_text(exc.report + "\n", encoding="utf-8")
        raise
    console.print(f"[green]{result.summary()}[/]", highlight=False)
