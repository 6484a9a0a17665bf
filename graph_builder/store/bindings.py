"""Typed parameter binding for any SPARQL 1.1 engine: a VALUES block of RDF terms placed first in
the query's outermost WHERE group.

Only serialised RDF terms (pyoxigraph writes them as escaped N-Triples) and checked variable
names enter the query text, so no user input can change the query's structure. Oxigraph's own
substitution API only accepts projected variables, which named queries do not always project.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import BlankNode

from graph_builder.errors import ParameterError, QuerySyntaxError
from graph_builder.store.base import Term

_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Tokens that may contain braces or the word WHERE without being syntax: comments, strings, IRIs.
_SKIP = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>',
    re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _outer_where_brace(query: str) -> int:
    """Offset of the '{' that opens the outermost WHERE group."""
    depth = 0
    first_brace: int | None = None
    saw_where = False
    i = 0
    n = len(query)
    while i < n:
        m = _SKIP.match(query, i)
        if m:
            i = m.end()
            continue
        c = query[i]
        if c == "{":
            if depth == 0:
                if saw_where:
                    return i
                if first_brace is None:
                    first_brace = i
            depth += 1
        elif c == "}":
            depth -= 1
        elif c.isalpha() or c == "_":
            w = _WORD.match(query, i)
            assert w is not None
            if depth == 0 and w.group(0).upper() == "WHERE":
                saw_where = True
            i = w.end()
            continue
        elif c in "?$":
            w = _WORD.match(query, i + 1)
            i = w.end() if w else i + 1
            continue
        i += 1
    is_construct = re.search(r"\bCONSTRUCT\b", _strip(query), re.IGNORECASE) is not None
    if first_brace is not None and not is_construct:
        return first_brace
    raise QuerySyntaxError("cannot bind parameters: the query has no WHERE group")


def _strip(query: str) -> str:
    return _SKIP.sub(" ", query)


def values_block(bindings: Mapping[str, Term]) -> str:
    names = []
    for name in bindings:
        if not _VAR.fullmatch(name):
            raise ParameterError(f"invalid variable name {name!r}")
        names.append(name)
    for name, term in bindings.items():
        if isinstance(term, BlankNode):
            raise ParameterError(f"parameter {name}: a blank node cannot be bound")
    head = " ".join(f"?{n}" for n in names)
    row = " ".join(str(bindings[n]) for n in names)
    return f" VALUES ({head}) {{ ({row}) }} "


def bind(query: str, bindings: Mapping[str, Term] | None) -> str:
    """The query with `bindings` fixed as a VALUES block at the start of its WHERE group."""
    if not bindings:
        return query
    at = _outer_where_brace(query) + 1
    return query[:at] + values_block(bindings) + query[at:]
