"""Running the project's own SELECT queries: the namespaces' PREFIX lines come first, user values
enter only as bound RDF terms, and an answer that is not a table is a store error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from graph_builder.errors import StoreError
from graph_builder.namespaces import sparql_prologue
from graph_builder.store.base import SelectResult, Store, Term

PROLOGUE: Final = sparql_prologue()


def select(store: Store, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
    """The rows of a SELECT query written with the project's prefixes (atmp:, rdfs:, ...)."""
    result = store.query(PROLOGUE + query, bindings)
    if not isinstance(result, SelectResult):
        raise StoreError("a SELECT query did not answer with rows")
    return result


def cell(row: Mapping[str, Term], name: str) -> str | None:
    """The lexical value of a row's variable; None when it is unbound."""
    term = row.get(name)
    return None if term is None else term.value
