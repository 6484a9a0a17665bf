"""What the API must know about a SPARQL text before it hands it to the store.

A light tokeniser (strings, IRIs, comments and prefixed names are recognised with the pattern of
the parameter binder, `graph_builder.store.bindings._SKIP`) is enough for these questions; the
store's own parser still decides whether the text is valid SPARQL. The query form comes from
`graph_builder.store.bindings.query_form`.

API:
- `query_dataset(query, base_iri) -> (from_graphs, from_named_graphs)`: the FROM / FROM NAMED
  IRIs, absolute.
- `refuse_outbound(text)`: raises QueryRefused for `SERVICE` (a query) or `LOAD` (an update);
  both would make the server fetch URLs chosen by the client. It also refuses a text nested more
  than MAX_NESTING deep (braces, parentheses, brackets), which would overflow the stack of the
  engine's recursive parser and kill the query worker.
- `with_protocol_dataset(update, using, using_named) -> str`: the update with the protocol's
  `using-graph-uri` / `using-named-graph-uri` applied to every DELETE/INSERT ... WHERE operation as
  USING / USING NAMED clauses (SPARQL 1.1 Protocol §2.2.3). Only IRIs checked and re-serialised by
  pyoxigraph enter the text; an operation that names its own USING or WITH is a ParameterError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin

from graph_builder.errors import ParameterError, QueryRefused
from graph_builder.store.bindings import _SKIP, named_node

# One pass over the text: strings, IRIs and comments (the binder's pattern), then a bare word or
# a prefixed name (whose prefix or local part may look like a keyword), a variable, a language
# tag, structure, and runs of anything else.
_TOKEN = re.compile(
    rf"(?P<skip>{_SKIP.pattern})"
    r"|(?P<name>(?:[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:[^\s{}()\[\]<>;,\"'#]*"
    r"|[A-Za-z_\u00c0-\uffff][\w\-\u00b7\u00c0-\uffff]*)"
    r"|(?P<var>[?$][\w\u00b7\u00c0-\uffff]+)"
    r"|(?P<lang>@[A-Za-z][A-Za-z0-9\-]*)"
    r"|(?P<punct>[{};])"
    r"|(?P<other>[^A-Za-z_\u00c0-\uffff:?$@{};#\"'<]+|.)",
    re.DOTALL,
)
_UPDATE_OPS = frozenset(
    {"WITH", "DELETE", "INSERT", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "keyword", "iri", "brace_open", "brace_close", "semicolon"
    text: str
    start: int
    end: int
    depth: int


def _tokens(text: str) -> Iterator[_Token]:
    """Keywords (upper-cased), IRIs and structure, with the brace depth they stand at."""
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "skip":  # the binder's lexer skips prefixed names too
            first = m.group(0)[0]
            if first == "<":
                yield _Token("iri", m.group(0)[1:-1], m.start(), m.end(), depth)
            elif first not in "#\"'":
                yield _Token("pname", m.group(0), m.start(), m.end(), depth)
        elif kind == "name":
            word = m.group(0)
            if ":" in word:
                yield _Token("pname", word, m.start(), m.end(), depth)
            else:
                yield _Token("keyword", word.upper(), m.start(), m.end(), depth)
        elif kind == "punct":
            c = m.group(0)
            if c == "{":
                yield _Token("brace_open", c, m.start(), m.end(), depth)
                depth += 1
            elif c == "}":
                depth -= 1
                yield _Token("brace_close", c, m.start(), m.end(), depth)
            else:
                yield _Token("semicolon", c, m.start(), m.end(), depth)


def query_dataset(query: str, base_iri: str) -> tuple[list[str], list[str]]:
    """The graphs of the query's FROM and FROM NAMED clauses, as absolute IRIs (relative ones
    resolved against BASE or `base_iri`, prefixed names expanded)."""
    from_graphs: list[str] = []
    from_named: list[str] = []
    if not _FROM_WORD.search(query):
        return from_graphs, from_named
    base = base_iri
    prefixes: dict[str, str] = {}
    toks = [t for t in _tokens(query) if t.depth == 0]
    for k, tok in enumerate(toks):
        if tok.kind != "keyword":
            continue
        rest = toks[k + 1 : k + 3]
        if tok.text == "BASE" and rest and rest[0].kind == "iri":
            base = urljoin(base, rest[0].text)
        elif tok.text == "PREFIX" and len(rest) == 2 and rest[0].kind == "pname":
            prefixes[rest[0].text[:-1]] = urljoin(base, rest[1].text)
        elif tok.text == "FROM":
            named = bool(rest) and rest[0].text == "NAMED"
            graph = _absolute(rest[1] if named and len(rest) == 2 else rest[0], base, prefixes)
            if graph is not None:
                (from_named if named else from_graphs).append(graph)
    return from_graphs, from_named


def _absolute(tok: _Token, base: str, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return urljoin(base, tok.text)
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local.replace("\\", "")
    return None  # not a graph name: the engine reports the syntax error


_OUTBOUND_WORDS = re.compile(r"service|load", re.IGNORECASE)
_FROM_WORD = re.compile(r"from", re.IGNORECASE)


def refuse_outbound(text: str) -> None:
    _refuse_deep_nesting(text)
    if not _OUTBOUND_WORDS.search(text):
        return  # the usual case, without tokenising
    for tok in _tokens(text):
        if tok.kind == "keyword" and tok.text in ("SERVICE", "LOAD"):
            raise QueryRefused(
                f"{tok.text} is not allowed here: the server does not fetch URLs for a request"
            )


# Far above any query written by hand or by the query library; far below what overflows the
# parser of a query worker (~20000 levels killed one).
MAX_NESTING: Final = 200
_OPENING = frozenset("{([")
_CLOSING = frozenset("})]")


def _refuse_deep_nesting(text: str) -> None:
    if sum(text.count(c) for c in _OPENING) <= MAX_NESTING:
        return  # the usual case, without tokenising
    depth = 0
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "skip":  # a string, IRI or comment: its brackets are not structure
            continue
        for c in m.group(0):
            if c in _OPENING:
                depth += 1
                if depth > MAX_NESTING:
                    raise QueryRefused(f"nested more than {MAX_NESTING} levels deep")
            elif c in _CLOSING:
                depth -= 1


def _iri(value: str, parameter: str) -> str:
    try:
        return str(named_node(value))
    except ParameterError as exc:
        raise ParameterError(f"{parameter}: {exc}") from None


def with_protocol_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    if not using and not using_named:
        return update
    clauses = " ".join(
        [f"USING {_iri(g, 'using-graph-uri')}" for g in using]
        + [f"USING NAMED {_iri(g, 'using-named-graph-uri')}" for g in using_named]
    )
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in text order
    for op in _operations(update):
        edits.extend(_dataset_edits(update, op, clauses))
    out = update
    for start, end, replacement in reversed(edits):
        out = out[:start] + replacement + out[end:]
    return out


def _operations(update: str) -> Iterator[list[_Token]]:
    """The tokens of each operation of an update request, split at top-level ';'."""
    op: list[_Token] = []
    for tok in _tokens(update):
        if tok.kind == "semicolon" and tok.depth == 0:
            yield op
            op = []
        else:
            op.append(tok)
    yield op


def _dataset_edits(update: str, op: list[_Token], clauses: str) -> list[tuple[int, int, str]]:
    top = [t for t in op if t.depth == 0 and t.kind == "keyword"]
    first = next((k for k, t in enumerate(top) if t.text in _UPDATE_OPS), None)
    if first is None:
        return []
    verb = top[first].text
    following = top[first + 1].text if first + 1 < len(top) else ""
    if verb not in ("WITH", "DELETE", "INSERT") or following == "DATA":
        return []
    if verb == "WITH" or any(t.text == "USING" for t in top):
        raise ParameterError(
            "using-graph-uri / using-named-graph-uri cannot be combined with an update "
            "operation that has its own USING or WITH clause"
        )
    where = next((t for t in top if t.text == "WHERE"), None)
    if where is None:
        return []  # not a valid operation: the store's parser will say why
    short_delete = verb == "DELETE" and not any(
        t.kind == "brace_open" and t.depth == 0 and top[first].start < t.start < where.start
        for t in op
    )
    if short_delete:
        # DELETE WHERE has no USING clause in the grammar; its long form is equivalent.
        pattern = _group_after(update, op, where)
        return [(top[first].start, pattern[1], f"DELETE {pattern[0]} {clauses} WHERE {pattern[0]}")]
    return [(where.start, where.start, f"{clauses} ")]


def _group_after(update: str, op: list[_Token], where: _Token) -> tuple[str, int]:
    """The text of the `{ ... }` group that follows `where`, and the offset after it."""
    opening = next(t for t in op if t.start > where.start and t.kind == "brace_open")
    closing = next(
        t for t in op if t.start > opening.start and t.kind == "brace_close" and t.depth == 0
    )
    return update[opening.start : closing.end], closing.end
