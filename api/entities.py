"""Describe one IRI: what the graph says about it and where that came from, as data that the HTML
page and the RDF views share.

User input reaches the queries only as a bound IRI (graph_builder.store.bindings).

API:
- `describe(ctx, iri) -> EntityDescription`; raises NotFound when the graph says nothing about it.
- `EntityDescription`: `iri`, `outgoing` / `incoming` (`Link`s: predicate, the other node, the
  named graph that states it, labels), `incoming_truncated`, `records` (`SourceRecord`s the entity
  was derived from), and the views `label`, `types`, `graphs`, `is_illustrative`,
  `triples()` (outgoing + incoming, each once: the RDF documents of /id/...).
- `INCOMING_LIMIT`: most incoming links fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from pyoxigraph import Literal, NamedNode, Triple

from api.deps import ApiContext, run_query
from graph_builder.errors import NotFound, StoreError
from graph_builder.namespaces import ATMP, DCT, PROV, RDF, RDFS, SKOS, sparql_prologue
from graph_builder.sparql import cell
from graph_builder.store.base import SelectResult, Term

INCOMING_LIMIT: Final = 500
OUTGOING_LIMIT: Final = 5000

_LABEL: Final = f"(<{RDFS}label>|<{SKOS}prefLabel>)"
_LABEL_FILTER: Final = 'FILTER(lang({v}) = "" || langMatches(lang({v}), "en"))'

OUTGOING_QUERY: Final = f"""
SELECT ?p ?o ?g (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  OPTIONAL {{ ?p {_LABEL} ?pl {_LABEL_FILTER.format(v="?pl")} }}
  OPTIONAL {{ ?o {_LABEL} ?ol {_LABEL_FILTER.format(v="?ol")} }}
}} GROUP BY ?p ?o ?g ORDER BY ?p ?o LIMIT {OUTGOING_LIMIT}
"""
INCOMING_QUERY: Final = f"""
SELECT ?x ?p ?g (SAMPLE(?pl) AS ?plabel) (SAMPLE(?xl) AS ?xlabel) WHERE {{
  GRAPH ?g {{ ?x ?p ?s }}
  OPTIONAL {{ ?p {_LABEL} ?pl {_LABEL_FILTER.format(v="?pl")} }}
  OPTIONAL {{ ?x {_LABEL} ?xl {_LABEL_FILTER.format(v="?xl")} }}
}} GROUP BY ?x ?p ?g ORDER BY ?p ?x LIMIT {INCOMING_LIMIT + 1}
"""
RECORDS_QUERY: Final = (
    sparql_prologue()
    + """
SELECT ?record (SAMPLE(?l) AS ?label) (SAMPLE(?src) AS ?source) (SAMPLE(?g) AS ?graph) WHERE {
  ?s prov:wasDerivedFrom ?record .
  OPTIONAL { ?record rdfs:label ?l }
  OPTIONAL { ?record dct:source ?src }
  OPTIONAL { GRAPH ?g { ?record ?anything ?value } }
} GROUP BY ?record ORDER BY ?record LIMIT 1000
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
            (v for v in labels if isinstance(v, Literal)),
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
            isinstance(v, Literal) and v.value in ("true", "1")
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


async def describe(ctx: ApiContext, iri: str) -> EntityDescription:
    try:
        subject = NamedNode(iri)
    except ValueError as exc:
        raise NotFound(f"not an IRI this server describes: {iri}") from exc
    bound = {"s": subject}
    entity = EntityDescription(iri)
    for row in _rows(await run_query(ctx, OUTGOING_QUERY, bound)):
        p = row["p"]
        assert isinstance(p, NamedNode)
        entity.outgoing.append(
            Link(p, row["o"], cell(row, "g"), cell(row, "plabel"), cell(row, "olabel"))
        )
    incoming = _rows(await run_query(ctx, INCOMING_QUERY, bound)).rows
    entity.incoming_truncated = len(incoming) > INCOMING_LIMIT
    for row in incoming[:INCOMING_LIMIT]:
        p = row["p"]
        assert isinstance(p, NamedNode)
        entity.incoming.append(
            Link(p, row["x"], cell(row, "g"), cell(row, "plabel"), cell(row, "xlabel"))
        )
    if not entity.outgoing and not entity.incoming:
        raise NotFound(f"nothing is known about {iri}")
    if any(link.predicate.value == PROV + "wasDerivedFrom" for link in entity.outgoing):
        for row in _rows(await run_query(ctx, RECORDS_QUERY, bound)):
            entity.records.append(
                SourceRecord(
                    row["record"].value,
                    cell(row, "label"),
                    cell(row, "source"),
                    cell(row, "graph"),
                )
            )
    return entity
