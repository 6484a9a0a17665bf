"""Store commands of the atmp-kg CLI: `load`, `sparql`, `stats`, `export` (registered on
api.cli.app.app). Each takes `--store PATH` or `--endpoint URL` (or the global options / the
ATMP_KG_STORE / ATMP_KG_ENDPOINT settings). Progress goes to stderr, only on a terminal."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, cast

import typer
from pyoxigraph import Triple
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from api.cli.app import EndpointOption, StoreOption, app, err_console, one_line_errors
from api.cli.app import store_options as open_selected_store
from api.cli.output import table
from graph_builder.errors import InputError, NotFound, ParameterError
from graph_builder.store.base import (
    EXPORT_FORMATS,
    ExportFormat,
    SelectResult,
    Term,
    rdf_format_for,
)
from graph_builder.store.bindings import named_node, query_form
from graph_builder.store.formats import GRAPH_FORMATS, RESULT_FORMATS, read_triples, write_result

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

SPARQL_FORMATS = ("table", *RESULT_FORMATS, *GRAPH_FORMATS)


@app.command()
@one_line_errors
def load(
    file: Annotated[
        Path, typer.Argument(help="RDF file; its syntax comes from the extension (.ttl, .nt, ...).")
    ],
    graph: Annotated[str, typer.Option("--graph", help="IRI of the named graph to replace.")],
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Replace a named graph with the triples of an RDF file (all or nothing)."""
    target = named_node(graph).value
    fmt = rdf_format_for(file)
    if not file.is_file():
        raise InputError("no such file", file=str(file))
    with (
        closing(open_selected_store(store, endpoint)) as st,
        _progress() as progress,
        progress.open(file, "rb", description=f"loading {file.name}") as fh,
    ):
        n = st.replace_graph(target, read_triples(fh, fmt, str(file)))
    typer.echo(f"loaded {n} triples from {file} into <{target}>")


@app.command()
@one_line_errors
def sparql(
    query: Annotated[
        str, typer.Argument(help="A SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE).")
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", help=f"Output: {' | '.join(SPARQL_FORMATS)}."),
    ] = "table",
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Run a SPARQL query; the default graph is the union of all graphs."""
    if fmt not in SPARQL_FORMATS:
        raise ParameterError(f"--format {fmt!r}: use one of {', '.join(SPARQL_FORMATS)}")
    query_form(query)  # an update or stray text fails here, the same way for every store
    with closing(open_selected_store(store, endpoint)) as st:
        result = st.query(query)
    if fmt != "table":
        out = typer.get_binary_stream("stdout")
        write_result(result, out, fmt)
        out.flush()
        return
    console = Console()
    if isinstance(result, bool):
        console.print("true" if result else "false")
    elif isinstance(result, SelectResult):
        console.print(
            table(result.variables, [[row.get(v) for v in result.variables] for row in result])
        )
    else:
        console.print(table(["subject", "predicate", "object"], [_spo(t) for t in result]))


@app.command()
@one_line_errors
def stats(store: StoreOption = None, endpoint: EndpointOption = None) -> None:
    """Triples per named graph."""
    with closing(open_selected_store(store, endpoint)) as st:
        counts = {g: st.count(g) for g in st.graphs()}
        total = st.count()
    listing = Table("graph", "triples")
    listing.columns[1].justify = "right"
    for g, n in counts.items():
        listing.add_row(Text(g), f"{n:,}")
    if total > sum(counts.values()):
        listing.add_row("(default graph)", f"{total - sum(counts.values()):,}")
    listing.add_row("total", f"{total:,}", style="bold")
    Console().print(listing)


@app.command()
@one_line_errors
def export(
    fmt: Annotated[
        str, typer.Option("--format", help=f"RDF syntax: {' | '.join(EXPORT_FORMATS)}.")
    ] = "nq",
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write (default: stdout).")
    ] = None,
    graph: Annotated[
        str | None, typer.Option("--graph", help="Only this named graph (default: all).")
    ] = None,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Write the store (or one graph) as RDF; a triple syntax merges the graphs."""
    if fmt not in EXPORT_FORMATS:
        raise ParameterError(f"--format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    export_format = cast(ExportFormat, fmt)
    with closing(open_selected_store(store, endpoint)) as st:
        if graph is not None and named_node(graph).value not in st.graphs():
            raise NotFound(f"no graph <{graph}> in the store")
        with _destination(output) as out, _progress() as progress:
            task = progress.add_task(f"exporting {fmt}", total=None)
            st.export(
                cast(BinaryIO, _Tracked(out, lambda n: progress.advance(task, n))),
                export_format,
                graph,
            )


@contextmanager
def _destination(output: Path | None) -> Iterator[BinaryIO]:
    """stdout, or a file that appears under its name only once it is complete."""
    if output is None:
        stdout = typer.get_binary_stream("stdout")
        yield stdout
        stdout.flush()
        return
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    try:
        with open(partial, "wb") as fh:
            yield fh
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


class _Tracked(io.RawIOBase):
    """A write-through file that reports the bytes written (the export's progress)."""

    def __init__(self, out: BinaryIO, advance: Callable[[int], object]) -> None:
        self._out = out
        self._advance = advance

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        chunk = bytes(data)
        self._out.write(chunk)
        self._advance(len(chunk))
        return len(chunk)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _spo(t: Triple) -> list[Term | None]:
    return [t.subject, t.predicate, t.object]  # type: ignore[list-item]
