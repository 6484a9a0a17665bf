"""Named-query and analytics commands of the atmp-kg CLI (registered on api.cli.app.app):

    atmp-kg query --list [--format table|csv|json]
    atmp-kg query <query_id> [--param k=v ...] [--limit N] [--offset N] [--format table|csv|json]
    atmp-kg analyze --list
    atmp-kg analyze <name> [--param k=v ...] [--format table|csv|json]

A thin face over `queries.catalogue` and `graph_builder.analytics`, the functions the API uses;
csv/json of a query are the SPARQL 1.1 results formats.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from contextlib import closing
from typing import Annotated, Final

import typer

from api.cli.app import EndpointOption, StoreOption, app, one_line_errors, store_options
from api.cli.output import Value, print_table
from graph_builder.analytics import ANALYSES, Cell, run_analysis
from graph_builder.errors import ParameterError
from graph_builder.store.formats import write_result
from queries.catalogue import NamedQuery, get_query, load_catalogue

FORMATS: Final = ("table", "csv", "json")

ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="A parameter as NAME=VALUE (repeatable)."),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table | csv | json.")]
ListOption = Annotated[bool, typer.Option("--list", help="List what is available.")]


def parse_params(pairs: Sequence[str] | None) -> dict[str, str]:
    """`["country=DE", "on=2027-01-01"]` -> `{"country": "DE", "on": "2027-01-01"}`."""
    params: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"--param {pair!r}: expected NAME=VALUE")
        if name in params:
            raise ParameterError(f"--param {name} given twice")
        params[name] = value
    return params


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ParameterError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def _print_table(columns: Sequence[str], rows: Sequence[Mapping[str, Value]]) -> None:
    print_table(columns, ([row.get(c) for c in columns] for row in rows), terse=True)


def _catalogue_rows(queries: Sequence[NamedQuery]) -> list[dict[str, Cell]]:
    return [
        {
            "id": q.id,
            "topic": q.topic,
            "summary": q.summary,
            "parameters": ", ".join(
                f"{p.name}{'*' if p.required else ''}:{p.type}" for p in q.parameters
            ),
            "competency": ", ".join(q.competency),
        }
        for q in queries
    ]


def _write_cells(columns: Sequence[str], rows: Sequence[Mapping[str, Cell]], fmt: str) -> None:
    if fmt == "table":
        _print_table(columns, rows)
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c) for c in columns} for row in rows)
    else:
        typer.echo(json.dumps({"columns": list(columns), "rows": list(rows)}, ensure_ascii=False))


@app.command("query")
@one_line_errors
def query_command(
    query_id: Annotated[str | None, typer.Argument(help="The query id (see --list).")] = None,
    list_queries: ListOption = False,
    param: ParamOption = None,
    fmt: FormatOption = "table",
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many rows.")] = None,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many rows.")] = 0,
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Run a named query from the catalogue, or list the catalogue with --list."""
    _check_format(fmt)
    if list_queries:
        queries = sorted(load_catalogue().values(), key=lambda q: (q.topic, q.id))
        columns = ["id", "topic", "summary", "parameters", "competency"]
        _write_cells(columns, _catalogue_rows(queries), fmt)
        return
    if query_id is None:
        raise ParameterError("give a query id, or --list to see them")
    named = get_query(query_id)
    params = parse_params(param)
    with closing(store_options(store, endpoint)) as st:
        result = named.run(st, params, limit=limit, offset=offset)
    if fmt == "table":
        _print_table(result.variables, result.rows)
        return
    out = typer.get_binary_stream("stdout")
    write_result(result, out, fmt)
    out.flush()


@app.command("analyze")
@one_line_errors
def analyze_command(
    name: Annotated[str | None, typer.Argument(help="The analysis (see --list).")] = None,
    list_analyses: ListOption = False,
    param: ParamOption = None,
    fmt: FormatOption = "table",
    store: StoreOption = None,
    endpoint: EndpointOption = None,
) -> None:
    """Run a graph analysis (networkx over the store), or list them with --list."""
    _check_format(fmt)
    if list_analyses:
        rows: list[dict[str, Cell]] = [
            {"name": a.name, "summary": a.summary, "parameters": ", ".join(a.parameters)}
            for a in ANALYSES.values()
        ]
        _write_cells(["name", "summary", "parameters"], rows, fmt)
        return
    if name is None:
        raise ParameterError("give an analysis name, or --list to see them")
    params = parse_params(param)
    with closing(store_options(store, endpoint)) as st:
        table = run_analysis(st, name, params)
    _write_cells(table.columns, table.rows, fmt)
