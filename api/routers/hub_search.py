"""Search over labels and identifiers, ranked.

Ranking, best first: an exact identifier (EudraCT, EU CT, NCT or EMA product number, recognised
by their patterns, or any other identifier property matched exactly) > the label equals the
text > the label starts with it > the label contains it > another name (INN, synonym, trial
title) contains it. Within a rank, shorter labels first, then alphabetical.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from pyoxigraph import Literal, NamedNode

from api.routers.hub_graph import key_of, outgoing, page_of, type_of
from api.routers.hub_models import SearchHit
from graph_builder import iris, label_index
from graph_builder.errors import ParameterError
from graph_builder.namespaces import ATMP, ID, RDFS, SKOS
from graph_builder.per_version import PerVersion
from graph_builder.sparql import select
from graph_builder.store.base import Store

IDENTIFIER_PROPERTIES: Final = (
    "eudractNumber",
    "euCtNumber",
    "nctNumber",
    "emaProductNumber",
    "euNumber",
    "miaNumber",
    "certificateNumber",
    "designationNumber",
    "omsOrgId",
    "omsLocId",
    "rorId",
    "celexNumber",
    "mondoId",
    "orphaCode",
    "atcCode",
    "catalogueNumber",
    "procedureNumber",
)
LABELS: Final = (RDFS + "label", SKOS + "prefLabel")
MATCHES: Final = ("identifier", "label-exact", "label-prefix", "label-contains", "other-name")
MIN_LENGTH: Final = 2
# Derived or bookkeeping nodes that would crowd out the things they are about; found only when
# asked for by `type`.
HIDDEN_TYPES: Final = frozenset({"assessment", "record"})

_EMA_KEY: Final = re.compile(r"^EMEA-([HV])-C-(\d{6})$")


@dataclass(frozen=True)
class Candidate:
    iri: str
    rank: int
    field: str
    text: str


def identifier_kind(text: str) -> str | None:
    """Which public identifier `text` is, by its pattern: eudract | euct | nct | ema, else None."""
    for kind, pattern in (
        ("euct", iris.EUCT_RE),
        ("eudract", iris.EUDRACT_RE),
        ("nct", iris.NCT_RE),
        ("ema", iris.EMA_NUMBER_RE),
    ):
        if pattern.match(text):
            return kind
    return None


def normalise_identifier(text: str) -> str:
    """Upper case; an EMA product key (EMEA-H-C-004090) as the number it stands for."""
    upper = text.strip().upper()
    m = _EMA_KEY.match(upper)
    return f"EMEA/{m.group(1)}/C/{m.group(2)}" if m else upper


def rank_label(label: str, needle: str) -> int | None:
    lowered = label.lower()
    if lowered == needle:
        return 1
    if lowered.startswith(needle):
        return 2
    if needle in lowered:
        return 3
    return None


def direct_iri(identifier: str) -> NamedNode | None:
    """The IRI a recognised trial or product identifier is minted under (ADR 0001)."""
    kind = identifier_kind(identifier)
    if kind in ("eudract", "euct", "nct"):
        return iris.mint("trial", identifier)
    if kind == "ema":
        return iris.product(ema_number=identifier)
    return None


NAMES: Final = (*LABELS, SKOS + "altLabel", ATMP + "inn", ATMP + "title")


def _label_index(store: Store) -> label_index.LabelIndex:
    return label_index.fetch(
        store, names=NAMES, identifiers=[ATMP + p for p in IDENTIFIER_PROPERTIES]
    )


# One index per published store version: built in the background after a publication
# (api/warming.py), or by the first search that comes before it is ready.
_INDEX: Final = PerVersion(_label_index)


def warm(store: Store) -> bool:
    """Build the label index of the version published now, if not kept yet (see per_version)."""
    return _INDEX.warm(store)


def candidates(store: Store, q: str, type_segment: str | None) -> list[Candidate]:
    """Every matching instance with its best match, ranked. Answered from the label index of
    the store's published version; a store without versions (a remote endpoint) is scanned
    with SPARQL, with the same answer."""
    text = " ".join(q.split())
    if len(text) < MIN_LENGTH:
        raise ParameterError(f"q: give at least {MIN_LENGTH} characters")
    identifier = normalise_identifier(text)
    needle = text.lower()

    def from_index(index: label_index.LabelIndex) -> list[Candidate]:
        return ranked(
            store,
            ((e.subject, e.predicate, e.text) for e in index.identified_by(identifier)),
            identifier,
            ((e.subject, e.predicate, e.text) for e in index.containing(needle)),
            needle,
            type_segment,
        )

    found = _INDEX.read(store, from_index)
    if found is not None:
        return found
    return ranked(
        store,
        _identifiers_scanned(store, identifier),
        identifier,
        _names_scanned(store, needle),
        needle,
        type_segment,
    )


def _identifiers_scanned(store: Store, identifier: str) -> Iterator[tuple[str, str, str]]:
    id_props = " ".join(f"atmp:{p}" for p in IDENTIFIER_PROPERTIES)
    for row in select(
        store,
        f"""SELECT ?s ?p ?id WHERE {{
  VALUES ?p {{ {id_props} }}
  ?s ?p ?id .
  FILTER(UCASE(STR(?id)) = ?needle)
}}""",
        {"needle": Literal(identifier)},
    ):
        yield row["s"].value, row["p"].value, row["id"].value


def _names_scanned(store: Store, needle: str) -> Iterator[tuple[str, str, str]]:
    for row in select(
        store,
        """SELECT ?s ?p ?text WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel atmp:inn atmp:title }
  ?s ?p ?text .
  FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?text)), ?needle))
}""",
        {"needle": Literal(needle)},
    ):
        yield row["s"].value, row["p"].value, row["text"].value


def ranked(
    store: Store,
    identified: Iterable[tuple[str, str, str]],
    identifier: str,
    named: Iterable[tuple[str, str, str]],
    needle: str,
    type_segment: str | None,
) -> list[Candidate]:
    """The instances of the (subject, predicate, value) matches of the identifier and of the
    lower-cased text, each with its best match, best first."""
    best: dict[str, Candidate] = {}

    def offer(c: Candidate) -> None:
        current = best.get(c.iri)
        if current is None or (c.rank, len(c.text)) < (current.rank, len(current.text)):
            best[c.iri] = c

    for subject, predicate, value in identified:
        offer(Candidate(subject, 0, key_of(predicate), value))
    # A trial or product is also found by the IRI its identifier is minted under, even when a
    # merge left that identifier on another node of the same thing.
    minted = direct_iri(identifier)
    if minted is not None and store.query("ASK { ?s ?p ?o }", {"s": minted}) is True:
        offer(Candidate(minted.value, 0, "iri", identifier))

    for subject, predicate, label in named:
        rank = rank_label(label, needle) if predicate in LABELS else 4
        if rank is not None:
            offer(Candidate(subject, rank, key_of(predicate), label))

    found = [
        c
        for c in best.values()
        if c.iri.startswith(ID)
        and (
            type_of(c.iri) == type_segment
            if type_segment is not None
            else type_of(c.iri) not in HIDDEN_TYPES
        )
    ]
    return sorted(found, key=lambda c: (c.rank, len(c.text), c.text.lower(), c.iri))


def hits(store: Store, window: Sequence[Candidate]) -> list[SearchHit]:
    described = outgoing(store, [NamedNode(c.iri) for c in window])
    result = []
    for c in window:
        node = described[c.iri]
        result.append(
            SearchHit(
                iri=c.iri,
                key=key_of(c.iri),
                label=node.label,
                page=page_of(c.iri),
                type=type_of(c.iri),
                types=node.types,
                match=MATCHES[c.rank],
                matched_field=c.field,
                matched_text=c.text,
                illustrative=node.illustrative,
            )
        )
    return result
