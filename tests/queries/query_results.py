"""Query results as plain comparable values, for the named-query tests."""

from __future__ import annotations

from pyoxigraph import NamedNode

from graph_builder.namespaces import compact_iri
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
