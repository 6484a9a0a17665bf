"""Reading entities for the hub lookups: the SPARQL text they share, the `outgoing` statements
of a page of nodes in one query, and turning RDF terms into the small JSON shapes the hub returns.

User input reaches a query only as bound RDF terms (graph_builder.store.bindings). The one list
that is written into query text, `values_of`, holds IRIs the store itself returned, serialised
by pyoxigraph as escaped N-Triples — the same guarantee the bindings module relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from pydantic import BaseModel
from pyoxigraph import Literal, NamedNode

from graph_builder.namespaces import ATMP, ID, RDF, RDFS, SKOS
from graph_builder.sparql import select
from graph_builder.store.base import Store, Term

LABEL: Final = RDFS + "label"
PREF_LABEL: Final = SKOS + "prefLabel"
RDF_TYPE: Final = RDF + "type"
# The classes of a medicinal product, listed so lookups work without the ontology graph loaded.
PRODUCT_CLASSES: Final = (
    "atmp:MedicinalProduct atmp:ATMP atmp:GTMP atmp:SCTMP atmp:TEP atmp:CombinedATMP"
)


class Ref(BaseModel):
    """A link to another node: its IRI, a readable label, and the app path of its page."""

    iri: str
    key: str
    label: str
    page: str | None = None


def key_of(iri: str) -> str:
    """`https://w3id.org/atmp-kg/id/product/EMEA-H-C-1` -> `EMEA-H-C-1`; for an ontology term
    its local name (`Authorised`)."""
    if iri.startswith(ID):
        return iri[len(ID) :].split("/", 1)[-1]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def type_of(iri: str) -> str | None:
    """The IRI type segment (`product`, `site`, ...) of an instance IRI, else None."""
    if iri.startswith(ID) and "/" in iri[len(ID) :]:
        return iri[len(ID) :].split("/", 1)[0]
    return None


def page_of(iri: str) -> str | None:
    """The path under which this app serves the entity (`/id/<type>/<key>`), else None."""
    return "/id/" + iri[len(ID) :] if type_of(iri) else None


def values_of(var: str, nodes: Iterable[NamedNode]) -> str:
    """`VALUES ?var { <a> <b> }` for IRIs taken from the store's own results."""
    terms = " ".join(str(n) for n in nodes if isinstance(n, NamedNode))
    return f"VALUES ?{var} {{ {terms} }}"


def _label_rank(term: Term) -> int:
    """English or untagged labels first, then any other language."""
    if isinstance(term, Literal):
        lang = term.language
        return 0 if lang in (None, "en") else (1 if lang.startswith("en") else 2)
    return 3


@dataclass
class Value:
    term: Term
    label_term: Literal | None = None

    @property
    def label(self) -> str | None:
        return self.label_term.value if self.label_term is not None else None


@dataclass
class Node:
    """One node's outgoing statements, keyed by predicate IRI."""

    iri: str
    statements: dict[str, list[Value]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        labels = self.statements.get(LABEL) or self.statements.get(PREF_LABEL) or []
        ranked = sorted(labels, key=lambda v: (_label_rank(v.term), str(v.term)))
        return ranked[0].term.value if ranked else key_of(self.iri)

    def all(self, predicate: str) -> list[Value]:
        return self.statements.get(predicate, [])

    def text(self, predicate: str) -> str | None:
        values = self.all(predicate)
        literals = sorted(
            (v.term for v in values if isinstance(v.term, Literal)),
            key=lambda t: (_label_rank(t), t.value),
        )
        return literals[0].value if literals else None

    def texts(self, predicate: str) -> list[str]:
        return sorted({v.term.value for v in self.all(predicate) if isinstance(v.term, Literal)})

    def integer(self, predicate: str) -> int | None:
        text = self.text(predicate)
        try:
            return int(text) if text is not None else None
        except ValueError:
            return None

    def flag(self, predicate: str) -> bool | None:
        text = self.text(predicate)
        return None if text is None else text in ("true", "1")

    def refs(self, predicate: str) -> list[Ref]:
        refs = {
            v.term.value: to_ref(v.term.value, v.label)
            for v in self.all(predicate)
            if isinstance(v.term, NamedNode)
        }
        return sorted(refs.values(), key=lambda r: (r.label.lower(), r.iri))

    def ref(self, predicate: str) -> Ref | None:
        refs = self.refs(predicate)
        return refs[0] if refs else None

    def iris(self, predicate: str) -> list[NamedNode]:
        return [v.term for v in self.all(predicate) if isinstance(v.term, NamedNode)]

    @property
    def types(self) -> list[str]:
        return sorted(key_of(n.value) for n in self.iris(RDF_TYPE) if n.value.startswith(ATMP))

    @property
    def illustrative(self) -> bool:
        return self.flag(ATMP + "isIllustrative") is True


def to_ref(iri: str, label: str | None = None) -> Ref:
    return Ref(iri=iri, key=key_of(iri), label=label or key_of(iri), page=page_of(iri))


def outgoing(store: Store, nodes: Sequence[NamedNode]) -> dict[str, Node]:
    """Every outgoing statement of `nodes`, each object with its preferred label, in one query
    (for a page of list items; one entity in full is `api.entities.describe`)."""
    described: dict[str, Node] = {n.value: Node(n.value) for n in nodes}
    if not nodes:
        return described
    rows = select(
        store,
        f"""SELECT ?s ?p ?o ?olabel WHERE {{
  {values_of("s", nodes)}
  ?s ?p ?o .
  OPTIONAL {{ ?o rdfs:label ?olabel }}
}}""",
    )
    chosen: dict[tuple[str, str, Term], Value] = {}
    for row in rows:
        s, p, o = row["s"], row["p"], row["o"]
        label = row.get("olabel")
        slot = (s.value, p.value, o)
        current = chosen.get(slot)
        label = label if isinstance(label, Literal) else None
        if current is None:
            value = Value(o, label)
            chosen[slot] = value
            described[s.value].statements.setdefault(p.value, []).append(value)
        elif label is not None and (
            current.label_term is None or _label_rank(label) < _label_rank(current.label_term)
        ):
            current.label_term = label
    return described


class Filters:
    """Graph patterns on `?s` picked from a fixed set, with the user's values bound to their
    variables."""

    def __init__(self, selection: str) -> None:
        self.patterns: list[str] = [selection]
        self.bindings: dict[str, Term] = {}

    def add(self, pattern: str, **bindings: Term) -> None:
        self.patterns.append(pattern)
        self.bindings.update(bindings)

    def illustrative(self, wanted: bool | None) -> None:
        if wanted is not None:
            exists = "EXISTS" if wanted else "NOT EXISTS"
            self.patterns.append(f"FILTER({exists} {{ ?s atmp:isIllustrative true }})")

    def matches(self, store: Store, keep: Callable[[str], bool] | None = None) -> list[NamedNode]:
        """The matching nodes, ordered by preferred label, then IRI."""
        where = "\n  ".join([*self.patterns, "OPTIONAL { ?s rdfs:label ?label }"])
        query = f"SELECT DISTINCT ?s ?label WHERE {{\n  {where}\n}}"
        result = select(store, query, self.bindings)
        nodes: dict[str, Node] = {}
        for row in result:
            s = row["s"]
            if not isinstance(s, NamedNode) or (keep is not None and not keep(s.value)):
                continue
            node = nodes.setdefault(s.value, Node(s.value))
            if (label := row.get("label")) is not None:
                node.statements.setdefault(LABEL, []).append(Value(label))
        ordered = sorted(nodes.values(), key=lambda n: (n.label.lower(), n.iri))
        return [NamedNode(n.iri) for n in ordered]
