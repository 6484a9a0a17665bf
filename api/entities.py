"""Describe one IRI: what the graph says about it and where that came from, as data that the HTML
page and the RDF views share.

User input reaches the queries only as a bound IRI (graph_builder.store.bindings).

A lookup starts from one bound IRI and every query it runs carries a LIMIT, so it reads the
published store in this process (`ApiContext.reader()`, in one worker thread per lookup) instead
of paying a round trip to the guarded query workers per query. Its queries neither group nor
sort: Oxigraph sorts by decoding every compared term from the store (ORDER BY was most of the
time of a lookup), so rows are grouped and ordered here, as ORDER BY would have ordered them.
Only an entity with more links than the row caps (a hub) is answered by the grouped, sorted
queries, through the guarded executor and its time limit.

API:
- `describe(ctx, iri, *, labels=True, records=False) -> EntityDescription`; raises NotFound when
  the graph says nothing about it. `describe_then(ctx, iri, then, ...)`: `then(entity)` in the
  same worker thread (the RDF documents serialise there).
- `EntityDescription`: `iri`, `outgoing` / `incoming` (`Link`s: predicate, the other node, the
  named graph that states it, labels), `incoming_truncated`, `records` (`SourceRecord`s the entity
  was derived from), and the views `label`, `types`, `graphs`, `is_illustrative`,
  `triples()` (outgoing + incoming, each once: the RDF documents of /id/...).
- `INCOMING_LIMIT`: most incoming links shown; `OUTGOING_LIMIT`: most outgoing links.
- `OUTGOING_QUERY` / `INCOMING_QUERY`: the grouped, sorted form (hubs); `ROWS_QUERIES`
  (by direction and the labels joined), `RECORDS_ROWS`: the row queries of an ordinary lookup;
  `order_key`: ORDER BY's order of terms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final, Literal, TypeAlias, TypeVar, get_args

from pyoxigraph import BlankNode, NamedNode, Triple
from pyoxigraph import Literal as RdfLiteral

from api.deps import ApiContext, Reader, in_thread, run_query
from graph_builder.errors import NotFound, StoreError
from graph_builder.namespaces import ATMP, DCT, PROV, RDF, RDFS, SKOS, XSD, sparql_prologue
from graph_builder.sparql import cell
from graph_builder.store.base import SelectResult, Term

T = TypeVar("T")

INCOMING_LIMIT: Final = 500
OUTGOING_LIMIT: Final = 5000
RECORDS_LIMIT: Final = 1000
# Rows a lookup reads in process: links times their labels (usually one each). An entity that
# fills a cap is a hub, answered by the grouped queries in the guarded executor instead.
OUTGOING_ROW_CAP: Final = 4 * OUTGOING_LIMIT
INCOMING_ROW_CAP: Final = 4 * INCOMING_LIMIT
RECORDS_ROW_CAP: Final = 20 * RECORDS_LIMIT

_PREDICATE_LABELS: Final = "predicate-labels"  # the key of `PredicateLabels` in ApiContext.cache
_LABEL: Final = f"(<{RDFS}label>|<{SKOS}prefLabel>)"
_LABEL_FILTER: Final = 'FILTER(lang({v}) = "" || langMatches(lang({v}), "en"))'


def _labelled(variable: str, label: str) -> str:
    return f"OPTIONAL {{ {variable} {_LABEL} {label} {_LABEL_FILTER.format(v=label)} }}"


OUTGOING_QUERY: Final = f"""
SELECT ?p ?o ?g (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  {_labelled("?p", "?pl")}
  {_labelled("?o", "?ol")}
}} GROUP BY ?p ?o ?g ORDER BY ?p ?o ?g LIMIT {OUTGOING_LIMIT}
"""
INCOMING_QUERY: Final = f"""
SELECT ?x ?p ?g (SAMPLE(?pl) AS ?plabel) (SAMPLE(?xl) AS ?xlabel) WHERE {{
  GRAPH ?g {{ ?x ?p ?s }}
  {_labelled("?p", "?pl")}
  {_labelled("?x", "?xl")}
}} GROUP BY ?x ?p ?g ORDER BY ?p ?x ?g LIMIT {INCOMING_LIMIT + 1}
"""


# Labels a lookup's row queries join: none (the RDF documents show none), the other node's (the
# predicates' come from `PredicateLabels`), or both (a store whose data can change under it).
Labels: TypeAlias = Literal["none", "nodes", "all"]


def _rows_query(pattern: str, cap: int, labels: Labels) -> str:
    """One row per link (`?p ?n ?g`: predicate, other node, graph) and label fetched."""
    nlabel = "" if labels == "none" else _labelled("?n", "?nlabel")
    plabel = _labelled("?p", "?plabel") if labels == "all" else ""
    columns = {"none": "", "nodes": "?nlabel", "all": "?plabel ?nlabel"}[labels]
    return f"""
SELECT ?p ?n ?g {columns} WHERE {{
  GRAPH ?g {{ {pattern} }}
  {plabel}
  {nlabel}
}} LIMIT {cap}
"""


# (incoming, labels) -> the query
ROWS_QUERIES: Final[dict[tuple[bool, Labels], str]] = {
    (incoming, labels): _rows_query(
        "?n ?p ?s" if incoming else "?s ?p ?n",
        INCOMING_ROW_CAP if incoming else OUTGOING_ROW_CAP,
        labels,
    )
    for incoming in (False, True)
    for labels in get_args(Labels)
}
PREDICATE_LABEL_QUERY: Final = (
    f"SELECT ?label WHERE {{ ?p {_LABEL} ?label {_LABEL_FILTER.format(v='?label')} }} LIMIT 1"
)
# DISTINCT: a record's graph is found through any of its triples, one row each otherwise.
RECORDS_ROWS: Final = (
    sparql_prologue()
    + f"""
SELECT DISTINCT ?record ?label ?source ?graph WHERE {{
  ?s prov:wasDerivedFrom ?record .
  OPTIONAL {{ ?record rdfs:label ?label }}
  OPTIONAL {{ ?record dct:source ?source }}
  OPTIONAL {{ GRAPH ?graph {{ ?record ?anything ?value }} }}
}} LIMIT {RECORDS_ROW_CAP}
"""
)


@dataclass(frozen=True)
class Link:
    predicate: NamedNode
    node: Term
    graph: str | None
    predicate_label: str | None = None
    node_label: str | None = None


@dataclass(frozen=True)
class SourceRecord:
    iri: str
    label: str | None
    source: str | None  # URL of the public source record
    graph: str | None


@dataclass
class EntityDescription:
    iri: str
    outgoing: list[Link] = field(default_factory=list)
    incoming: list[Link] = field(default_factory=list)
    incoming_truncated: bool = False
    records: list[SourceRecord] = field(default_factory=list)

    def values(self, predicate: str) -> list[Term]:
        return [link.node for link in self.outgoing if link.predicate.value == predicate]

    @property
    def label(self) -> str:
        labels = [v for v in self.values(RDFS + "label") + self.values(SKOS + "prefLabel")]
        literals = sorted(
            (v for v in labels if isinstance(v, RdfLiteral)),
            key=lambda v: (v.language not in (None, "en"), v.value),
        )
        return literals[0].value if literals else self.iri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def types(self) -> list[Link]:
        seen: dict[str, Link] = {}
        for link in self.outgoing:
            if link.predicate.value == RDF + "type" and isinstance(link.node, NamedNode):
                seen.setdefault(link.node.value, link)
        return list(seen.values())

    @property
    def graphs(self) -> list[str]:
        return sorted({link.graph for link in self.outgoing if link.graph})

    @property
    def is_illustrative(self) -> bool:
        return any(
            isinstance(v, RdfLiteral) and v.value in ("true", "1")
            for v in self.values(ATMP + "isIllustrative")
        )

    @property
    def sources(self) -> list[str]:
        """URLs of public sources the entity itself cites (dct:source)."""
        return sorted({v.value for v in self.values(DCT + "source")})

    def triples(self) -> list[Triple]:
        subject = NamedNode(self.iri)
        out: dict[Triple, None] = {}
        for link in self.outgoing:
            out[Triple(subject, link.predicate, link.node)] = None
        for link in self.incoming:
            if isinstance(link.node, NamedNode):
                out[Triple(link.node, link.predicate, subject)] = None
        return list(out)


def _rows(result: object) -> SelectResult:
    if not isinstance(result, SelectResult):
        raise StoreError("an entity lookup expected SELECT results")
    return result


_NUMERIC: Final = frozenset(
    XSD + t
    for t in [
        "integer",
        "decimal",
        "float",
        "double",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
)
OrderKey = tuple[int, int, Decimal, str, str, str]


def order_key(term: Term | None) -> OrderKey:
    """ORDER BY's order of terms (SPARQL 1.1 §15.1): unbound, blank nodes, IRIs by their text,
    then literals — numbers by value, the others by lexical form, datatype and language."""
    if term is None:
        return (0, 0, Decimal(0), "", "", "")
    if isinstance(term, BlankNode):
        return (1, 0, Decimal(0), "", "", "")
    if isinstance(term, NamedNode):
        return (2, 0, Decimal(0), term.value, "", "")
    datatype = term.datatype.value
    if datatype in _NUMERIC:
        try:
            number = Decimal(term.value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_nan():
            return (3, 0, number, "", "", "")
    return (3, 1, Decimal(0), term.value, datatype, term.language or "")


def _links(rows: Iterable[dict[str, Term]], plabels: Mapping[str, str | None] | None) -> list[Link]:
    """One link per (predicate, node, graph) with the first label each has (SAMPLE ignores
    unbound values), ordered as the grouped queries' ORDER BY (predicate, node, graph)."""
    found: dict[tuple[Term, Term, Term | None], list[str | None]] = {}
    for row in rows:
        key = (row["p"], row["n"], row.get("g"))
        labels = found.get(key)
        if labels is None:
            found[key] = [cell(row, "plabel"), cell(row, "nlabel")]
            continue
        labels[0] = labels[0] or cell(row, "plabel")
        labels[1] = labels[1] or cell(row, "nlabel")
    links = []
    for (p, other, g), (plabel, nlabel) in found.items():
        assert isinstance(p, NamedNode)
        if plabels is not None:
            plabel = plabels[p.value]
        links.append(Link(p, other, None if g is None else g.value, plabel, nlabel))
    links.sort(key=lambda link: (link.predicate.value, order_key(link.node), link.graph or ""))
    return links


def _sorted_links(rows: Iterable[dict[str, Term]], node: str, node_label: str) -> list[Link]:
    """The links of a grouped, sorted query, in its order."""
    links = []
    for row in rows:
        p = row["p"]
        assert isinstance(p, NamedNode)
        links.append(Link(p, row[node], cell(row, "g"), cell(row, "plabel"), cell(row, node_label)))
    return links


def _records(rows: Iterable[dict[str, Term]]) -> list[SourceRecord]:
    found: dict[str, list[str | None]] = {}
    for row in rows:
        values = [cell(row, "label"), cell(row, "source"), cell(row, "graph")]
        known = found.setdefault(row["record"].value, values)
        for i, value in enumerate(values):
            known[i] = known[i] or value
    return [SourceRecord(iri, *found[iri]) for iri in sorted(found)[:RECORDS_LIMIT]]


class PredicateLabels:
    """The labels of predicates, kept for the published version they were read from: the same
    few dozen predicates recur in every lookup, and joining their labels to every row cost a
    third of a lookup. A predicate is looked up on its first use in a version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._labels: dict[str, str | None] = {}

    def of(
        self, reader: Reader, predicates: Iterable[Term], timeout: float
    ) -> dict[str, str | None]:
        assert reader.version is not None
        with self._lock:
            if self._version != reader.version:
                self._version, self._labels = reader.version, {}
            labels = self._labels
        for p in predicates:
            if p.value not in labels:
                found = _rows(reader.store.query(PREDICATE_LABEL_QUERY, {"p": p}, timeout=timeout))
                labels[p.value] = cell(found.rows[0], "label") if found.rows else None
        return labels


@dataclass
class _Lookup:
    """What one pass over the published store found; `hub_*` when a row cap was reached."""

    entity: EntityDescription
    hub_outgoing: bool = False
    hub_incoming: bool = False


def look_up(
    reader: Reader,
    iri: str,
    timeout: float,
    cache: PredicateLabels,
    *,
    labels: bool,
    records: bool,
) -> _Lookup:
    """The row queries, in the calling thread."""
    bound = {"s": NamedNode(iri)}
    entity = EntityDescription(iri)
    joined: Labels = "none" if not labels else "nodes" if reader.version else "all"

    def rows(query: str) -> SelectResult:
        return _rows(reader.store.query(query, bound, timeout=timeout))

    out = rows(ROWS_QUERIES[False, joined])
    incoming = rows(ROWS_QUERIES[True, joined])
    found = _Lookup(
        entity,
        hub_outgoing=len(out) >= OUTGOING_ROW_CAP,
        hub_incoming=len(incoming) >= INCOMING_ROW_CAP,
    )
    plabels = None
    if joined == "nodes":
        predicates = {row["p"] for row in out} | {row["p"] for row in incoming}
        plabels = cache.of(reader, predicates, timeout)
    if not found.hub_outgoing:
        entity.outgoing = _links(out, plabels)
    if not found.hub_incoming:
        links = _links(incoming, plabels)
        entity.incoming = links[:INCOMING_LIMIT]
        entity.incoming_truncated = len(links) > INCOMING_LIMIT
    if records and (found.hub_outgoing or _derived(entity)):
        entity.records = _records(rows(RECORDS_ROWS))
    return found


def _derived(entity: EntityDescription) -> bool:
    return any(link.predicate.value == PROV + "wasDerivedFrom" for link in entity.outgoing)


async def describe(
    ctx: ApiContext, iri: str, *, labels: bool = True, records: bool = False
) -> EntityDescription:
    """`labels`: the labels of predicates and linked nodes (the HTML page, the neighbourhood;
    not the RDF documents); `records`: the source records (the HTML page's provenance)."""
    return await describe_then(ctx, iri, _same, labels=labels, records=records)


def _same(entity: EntityDescription) -> EntityDescription:
    return entity


async def describe_then(
    ctx: ApiContext,
    iri: str,
    then: Callable[[EntityDescription], T],
    *,
    labels: bool = True,
    records: bool = False,
) -> T:
    """`then(describe(...))`, in the thread that read the entity when it is no hub: one thread
    hand-off per lookup (each costs more than an ordinary lookup's queries under load)."""
    try:
        NamedNode(iri)
    except ValueError as exc:
        raise NotFound(f"not an IRI this server describes: {iri}") from exc
    cache = ctx.cache.setdefault(_PREDICATE_LABELS, PredicateLabels())

    def read() -> tuple[_Lookup, list[T]]:
        found = look_up(
            ctx.reader(), iri, ctx.settings.query_timeout, cache, labels=labels, records=records
        )
        entity = found.entity
        if found.hub_outgoing or found.hub_incoming or not (entity.outgoing or entity.incoming):
            return found, []
        return found, [then(entity)]

    found, done = await in_thread(read)
    if done:
        return done[0]
    entity = found.entity
    bound = {"s": NamedNode(iri)}
    if found.hub_outgoing:
        entity.outgoing = _sorted_links(
            _rows(await run_query(ctx, OUTGOING_QUERY, bound)), "o", "olabel"
        )
        if not _derived(entity):
            entity.records = []
    if found.hub_incoming:
        incoming = _rows(await run_query(ctx, INCOMING_QUERY, bound)).rows
        entity.incoming = _sorted_links(incoming[:INCOMING_LIMIT], "x", "xlabel")
        entity.incoming_truncated = len(incoming) > INCOMING_LIMIT
    if not entity.outgoing and not entity.incoming:
        raise NotFound(f"nothing is known about {iri}")
    return await in_thread(then, entity)
