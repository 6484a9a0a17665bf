"""Typed parameter binding for any SPARQL 1.1 engine: a VALUES block of RDF terms placed first in
the query's outermost WHERE group.

Only serialised RDF terms (pyoxigraph writes them as escaped N-Triples) and checked variable
names enter the query text, so no user input can change the query's structure. Oxigraph's own
substitution API only accepts projected variables, which named queries do not always project.

The same light lexer (comments, strings, IRIs and prefixed names are skipped whole) also tells a
query's form (`query_form`), which a remote endpoint needs to negotiate the answer's syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal, TypeAlias

from pyoxigraph import BlankNode, NamedNode

from graph_builder.errors import ParameterError, QuerySyntaxError
from graph_builder.store.base import Term

QueryForm: TypeAlias = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Tokens that may contain braces or the word WHERE without being syntax: comments, strings, IRIs,
# prefixed names (`where:x`, `ex:where`).
_SKIP = re.compile(
    r'#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|(?:[A-Za-z][\w.-]*)?:[\w%:.-]*",
    re.DOTALL,
)
_PROLOGUE = re.compile(r"\s*(?:PREFIX\b|BASE\b)", re.IGNORECASE)
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def query_form(query: str) -> QueryForm:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue. Anything else
    (an update, text that is not SPARQL) raises QuerySyntaxError."""
    text = _strip(query)
    i = 0
    while m := _PROLOGUE.match(text, i):
        i = m.end()
    word = _WORD.search(text, i)
    keyword = word.group(0).upper() if word and not text[i : word.start()].strip() else ""
    if keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        return keyword  # type: ignore[return-value]
    if keyword in _UPDATE_WORDS:
        raise QuerySyntaxError(f"{keyword} is a SPARQL Update, not a query")
    raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def named_node(iri: str) -> NamedNode:
    """The IRI as a term, checked; its `str()` is safe SPARQL/N-Triples text (`<...>`)."""
    try:
        return NamedNode(iri)
    except ValueError as exc:
        raise ParameterError(f"invalid IRI {iri!r}: {exc}") from None


# Named queries bind the same few texts on every request; the lexer walk is the costly part.
@lru_cache(maxsize=256)
def _outer_where_brace(query: str) -> int:
    """Offset of the '{' that opens the outermost WHERE group: the first top-level group, or the
    second one of a CONSTRUCT (whose first is the template; the WHERE keyword is optional).
    Braces inside parentheses at the top level (`(EXISTS { ... } AS ?x)` in a SELECT clause)
    open expression groups, not the WHERE group, so they are passed over."""
    construct = query_form(query) == "CONSTRUCT"
    depth = 0
    parens = 0
    template_seen = False
    where_seen = False
    i = 0
    while i < len(query):
        if m := _SKIP.match(query, i):
            i = m.end()
            continue
        c = query[i]
        if c == "(" and depth == 0:
            parens += 1
        elif c == ")" and depth == 0:
            parens -= 1
        elif c == "{":
            if depth == 0 and parens == 0:
                if not construct or template_seen:
                    return i
                if where_seen:
                    raise QuerySyntaxError(
                        "cannot bind parameters in the short form CONSTRUCT WHERE { }: "
                        "write CONSTRUCT { template } WHERE { pattern }"
                    )
                template_seen = True
            depth += 1
        elif c == "}":
            depth -= 1
        elif c.isalpha() or c in "_?$":
            w = _WORD.match(query, i + 1 if c in "?$" else i)
            where_seen |= c not in "?$" and w is not None and w.group(0).upper() == "WHERE"
            i = w.end() if w else i + 1
            continue
        i += 1
    raise QuerySyntaxError("cannot bind parameters: the query has no WHERE group")


_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:])", re.IGNORECASE)


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED), outside strings, IRIs
    and comments; prefixed names and variables spelled `from` do not count."""
    return _FROM.search(_strip(query)) is not None


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
    # One single-variable VALUES per binding: the same solutions as one row of all of them, and
    # Virtuoso 7.2 rejects a multi-variable VALUES row joined with a grouped query (SP031).
    return "".join(f" VALUES ?{n} {{ {bindings[n]} }}" for n in names) + " "


def bind(query: str, bindings: Mapping[str, Term] | None) -> str:
    """The query with `bindings` fixed as a VALUES block at the start of its WHERE group."""
    if not bindings:
        return query
    at = _outer_where_brace(query) + 1
    return query[:at] + values_block(bindings) + query[at:]
