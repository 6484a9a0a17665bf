"""Query results as plain comparable values, for the named-query tests."""

from __future__ import annotations

from collections.abc import Collection

from pyoxigraph import Literal, NamedNode

from graph_builder.namespaces import compact_iri, xsd
from graph_builder.store import SelectResult
from graph_builder.store.base import Term

# Separators of GROUP_CONCAT columns, whose order SPARQL leaves open.
SEPARATORS = ("; ", " | ")


def compact(term: Term) -> str:
    """`id:product/academicel`, `atmp:GMPGrade`, or the literal's text; concatenations sorted."""
    if isinstance(term, NamedNode):
        return compact_iri(term.value)
    text = term.value
    for sep in SEPARATORS:
        if sep in text:
            return sep.join(sorted(text.split(sep)))
    return text


def plain(result: SelectResult) -> list[dict[str, str]]:
    """Rows as {variable: compact text}, unbound variables left out, row order kept."""
    return [{k: compact(v) for k, v in row.items()} for row in result]


def boolean_columns(result: SelectResult) -> set[str]:
    """The columns holding an xsd:boolean in some row."""
    return {
        name
        for row in result
        for name, term in row.items()
        if isinstance(term, Literal) and term.datatype == xsd("boolean")
    }


def portable(result: SelectResult, booleans: Collection[str]) -> list[dict[str, str]]:
    """`plain` rows with what two conforming engines may write differently made one:
    - in the `booleans` columns, `true`/`false` (Virtuoso writes a stored xsd:boolean as `1`/`0`,
      and a computed one — BOUND, a comparison — as the xsd:integer 1/0: it has no boolean type);
    - an empty string left out like an unbound value: GROUP_CONCAT over no values is "" on
      Virtuoso, as SPARQL 1.1 §18.5.1.7 says, and unbound on Oxigraph, which also leaves it
      unbound when any row has no value."""
    rows = []
    for row in result:
        cells = {}
        for name, term in row.items():
            if isinstance(term, Literal) and term.value == "":
                continue
            if name in booleans and term.value in ("1", "0"):
                cells[name] = "true" if term.value == "1" else "false"
            else:
                cells[name] = compact(term)
        rows.append(cells)
    return rows
