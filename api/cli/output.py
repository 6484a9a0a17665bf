"""Terminal tables of the CLI, one renderer for every command: SPARQL answers, named-query
answers, analyses and listings. Cells are data, never rich markup.

Two styles: exact (every term as written: full IRIs, blank nodes, language tags; `sparql`) and
terse (IRIs in prefix form, `id:product/EMEA-H-C-004090`, literals without their language tag;
the named queries and analyses, whose columns are meant to be read)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeAlias

from pyoxigraph import BlankNode, NamedNode
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graph_builder.analytics import Cell
from graph_builder.namespaces import compact_iri
from graph_builder.store.base import Term

Value: TypeAlias = Term | Cell
# Named-query rows are wide; a narrow terminal would fold every cell.
MIN_WIDTH = 200


def cell_text(value: Value, *, terse: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        text = str(value)
        return compact_iri(text) if terse and text.startswith(("http://", "https://")) else text
    if isinstance(value, BlankNode):
        return str(value)
    if isinstance(value, NamedNode):
        return compact_iri(value.value) if terse else value.value
    if value.language and not terse:
        return f"{value.value}@{value.language}"
    return value.value


def table(columns: Sequence[str], rows: Iterable[Sequence[Value]], *, terse: bool = False) -> Table:
    out = Table(*columns)
    for row in rows:
        out.add_row(*(Text(cell_text(v, terse=terse)) for v in row))
    return out


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Value]], *, terse: bool = False
) -> None:
    Console(width=max(MIN_WIDTH, Console().width)).print(table(columns, rows, terse=terse))
