"""Manufacturability — "can site S make product P on day D, and if not, why not?" — derived from
the graph, never typed in.

Interface contract (the API, the named queries and the build rely on these; keep them stable):

- `assess(store, on: date | None = None, product: str | None = None, site: str | None = None)
  -> list[Assessment]` — one assessment per (site, product with a manufacturing process), sorted
  by product label, then can-make first, then site label. `on` defaults to today. With `product`
  or `site` (IRIs) only those pairs are assessed; an unknown IRI, or a product without a
  recorded process, raises `NotFound` with the reason. On an embedded store the facts are read
  once per published version (graph_builder.per_version) and each call only applies the rule;
  other stores are queried on every call.
- `Assessment` (frozen dataclass): `facility: Ref`, `product: Ref` (`Ref(iri, label)`),
  `can_make: bool`, `on: date`, `scope: str | None` (the use assessed: "commercial",
  "investigational" or "hospital exemption"), `process: str | None`,
  `missing_capabilities / missing_operations / missing_materials: tuple[Ref, ...]`,
  `certificate_valid: bool`, `reasons: tuple[str, ...]` (human-readable; a negative answer
  always says what is missing), `derived_from: tuple[str, ...]` (IRIs of the process, MIAs and
  certificates the answer rests on), `illustrative: bool`; `as_dict()` for JSON.
- `materialise(store, on: date | None = None) -> int` — recompute every assessment and write
  it into the `inferred` graph as `atmp:ManufacturabilityAssessment` nodes (ADR 0001 terms,
  the reasons as one `rdfs:comment` in rule order, provenance as `prov:wasDerivedFrom`),
  replacing only the assessment triples there; returns the number of assessments. Call it on
  the build's writer.

The rule (DESIGN.md, "Manufacturability"): site S can make product P on day D when, for one of
P's processes and one of P's uses (commercial if P has an authorised MA, investigational if a
trial tests it, hospital exemption if an HE authorisation applies to it; investigational when
none is recorded):
  1. S has every capability the process (or one of its steps) requires. A site with no
     capability recorded at all is not missing them: whether it has them is unknown, and the
     answer says so (no missing capabilities, a reason naming the unconfirmed ones; `can_make`
     stays false, since nothing confirms the capabilities);
  2. an MIA of S valid on D, with that use's scope, covers every operation the process requires
     plus the manufacture operation of P's ATMP class (an authorised parent operation covers
     its narrower ones, via skos:broader). Only MIAs held for the site count (not those of its
     operating organisation), and an MIA without a scope type counts for none;
  3. S holds a GMP certificate valid on D (dates and status; its listed operations are not
     compared);
  4. every material the process uses is available from a supplier at a qualifying grade: GMP
     grade; principles-of-GMP grade suffices for starting materials such as vectors (EMA Q&A on
     starting materials, April 2021); any supplier for consumables (bags, tubing), to which
     grades do not apply. Cellular starting materials of human origin (leukapheresis material,
     donor cells) are procured from the patient or donor under Directive 2004/23/EC, not bought,
     so no supplier is required for them.
The sets are fetched with five simple SPARQL SELECTs and compared in Python (DESIGN.md: 0.1 s at
1M triples for the capability sets, against 10-35 s as nested FILTER NOT EXISTS). None of them
depends on the day, and restricting them to a product or a site gives the same sets as asking
for that product or site, so on a store with published versions they are fetched for every
product and site once per version and each call takes its slice. Measured with
the full rule and explanations on a synthetic 1M-triple graph: one product against 500 sites
~1 s; all 100k pairs of 500 sites x 200 products 6-9 s; 300 sites x 20 products 0.8 s.
"""

from __future__ import annotations

import calendar
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Final, TypeVar

from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.errors import NotFound, StoreError
from graph_builder.literals import TRUE, boolean_literal, date_literal
from graph_builder.namespaces import (
    ATMP,
    ID,
    INFERRED,
    PROV,
    RDF_TYPE,
    RDFS,
    RDFS_LABEL,
    atmp,
)
from graph_builder.per_version import PerVersion
from graph_builder.sparql import cell, select
from graph_builder.store.base import Store, Term

_V = TypeVar("_V")

COMMERCIAL: Final = ATMP + "CommercialScope"
INVESTIGATIONAL: Final = ATMP + "InvestigationalScope"
HOSPITAL_EXEMPTION: Final = ATMP + "HospitalExemptionScope"
SCOPE_NAMES: Final = {
    COMMERCIAL: "commercial",
    INVESTIGATIONAL: "investigational",
    HOSPITAL_EXEMPTION: "hospital exemption",
}
# The uses of a product (flags of _PRODUCT_USES) and the scope each needs.
_USE_FLAGS: Final = {
    "commercial": COMMERCIAL,
    "investigational": INVESTIGATIONAL,
    "exempted": HOSPITAL_EXEMPTION,
}
# Manufacture operations of the EU MIA Union format per ATMP class (SOURCES.md §4:
# 1.3.1.3 cell therapy, 1.3.1.4 gene therapy, 1.3.1.7 tissue engineered products).
CLASS_OPERATIONS: Final = {
    ATMP + "GTMP": "1.3.1.4",
    ATMP + "SCTMP": "1.3.1.3",
    ATMP + "TEP": "1.3.1.7",
}
# Statuses under which an MIA or certificate no longer counts, whatever its dates say.
INVALID_STATUSES: Final = frozenset(
    ATMP + s for s in ("Withdrawn", "Expired", "Suspended", "Refused", "Revoked", "Lapsed")
)
GMP_GRADE: Final = ATMP + "GMPGrade"
PRINCIPLES_OF_GMP_GRADE: Final = ATMP + "PrinciplesOfGMPGrade"


@dataclass(frozen=True, order=True)
class Ref:
    """An entity in an answer: its IRI and a label for people."""

    iri: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class Assessment:
    facility: Ref
    product: Ref
    can_make: bool
    on: date
    scope: str | None
    process: str | None
    missing_capabilities: tuple[Ref, ...]
    missing_operations: tuple[Ref, ...]
    missing_materials: tuple[Ref, ...]
    certificate_valid: bool
    reasons: tuple[str, ...]
    derived_from: tuple[str, ...] = ()
    illustrative: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "facility": self.facility.as_dict(),
            "product": self.product.as_dict(),
            "can_make": self.can_make,
            "on": self.on.isoformat(),
            "scope": self.scope,
            "process": self.process,
            "missing_capabilities": [r.as_dict() for r in self.missing_capabilities],
            "missing_operations": [r.as_dict() for r in self.missing_operations],
            "missing_materials": [r.as_dict() for r in self.missing_materials],
            "certificate_valid": self.certificate_valid,
            "reasons": list(self.reasons),
            "derived_from": list(self.derived_from),
            "illustrative": self.illustrative,
        }


# --- the facts, fetched with simple SPARQL ---------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One MIA or GMP certificate: what it covers and when it is valid."""

    iri: str
    number: str | None
    valid_from: date | None
    valid_until: date | None
    status: str | None
    scopes: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()

    def valid_on(self, day: date) -> bool:
        if self.status in INVALID_STATUSES:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until

    def describe(self) -> str:
        name = self.number or _local_name(self.iri)
        if self.status in INVALID_STATUSES:
            return f"{name} ({_local_name(self.status or '').lower()})"
        span = []
        if self.valid_from is not None:
            span.append(f"from {self.valid_from.isoformat()}")
        if self.valid_until is not None:
            span.append(f"until {self.valid_until.isoformat()}")
        return f"{name} (valid {' '.join(span)})" if span else name


class _GrantRows:
    """The rows of one MIA or certificate (one per scope x operation) gathered into a Grant."""

    def __init__(self, is_mia: bool, first: Mapping[str, Term]) -> None:
        self.is_mia = is_mia
        self.number = cell(first, "number")
        self.valid_from = _date(first, "from")
        self.valid_until = _date(first, "until", period_end=True)
        self.status = cell(first, "status")
        self.scopes: set[str] = set()
        self.operations: set[str] = set()

    def add(self, row: Mapping[str, Term]) -> None:
        if (scope := cell(row, "scope")) is not None:
            self.scopes.add(scope)
        if (operation := cell(row, "operation")) is not None:
            self.operations.add(operation)

    def grant(self, iri: str) -> Grant:
        return Grant(
            iri,
            self.number,
            self.valid_from,
            self.valid_until,
            self.status,
            frozenset(self.scopes),
            frozenset(self.operations),
        )


@dataclass
class Process:
    iri: str
    capabilities: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)
    materials: set[str] = field(default_factory=set)


@dataclass
class ProductFacts:
    iri: str
    processes: dict[str, Process] = field(default_factory=dict)
    uses: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    illustrative: bool = False


@dataclass
class SiteFacts:
    iri: str
    capabilities: set[str] = field(default_factory=set)
    authorisations: list[Grant] = field(default_factory=list)
    certificates: list[Grant] = field(default_factory=list)
    illustrative: bool = False


@dataclass
class Facts:
    products: dict[str, ProductFacts]
    sites: dict[str, SiteFacts]
    available_materials: set[str]
    donor_sourced_materials: set[str]
    broader: dict[str, set[str]]
    labels: dict[str, str]

    def ref(self, iri: str) -> Ref:
        return Ref(iri, self.labels.get(iri) or _local_name(iri))


def _only(items: dict[str, _V], key: str | None) -> dict[str, _V]:
    if key is None:
        return items
    return {key: items[key]} if key in items else {}


_PRODUCT_FACTS: Final = """
SELECT ?product ?process ?kind ?item WHERE {
  ?product atmp:hasProcess ?process .
  OPTIONAL {
    { ?process atmp:hasStep?/atmp:requiresCapability ?item BIND("capability" AS ?kind) }
    UNION { ?process atmp:hasStep?/atmp:requiresOperation ?item BIND("operation" AS ?kind) }
    UNION { ?process atmp:hasStep?/atmp:usesMaterial ?item BIND("material" AS ?kind) }
  }
}"""

# One row per product and ATMP class or use flag. Classes are matched as stated or inferred
# (graph_builder.rules materialises the subclass closure: a CAR-T product is a GTMP there), not
# with `a/rdfs:subClassOf*`, and no flag is an EXISTS inside BIND: Virtuoso 7.2 answers such
# path joins unreliably and refuses EXISTS inside BIND (SQ074).
_PRODUCT_USES: Final = """
SELECT DISTINCT ?product ?class ?flag WHERE {
  ?product atmp:hasProcess ?process .
  { VALUES ?class { atmp:GTMP atmp:SCTMP atmp:TEP } ?product a ?class }
  UNION { ?product atmp:isCART true BIND ("isCART" AS ?flag) }
  UNION { ?product atmp:hasMarketingAuthorisation/atmp:status atmp:Authorised
          BIND ("commercial" AS ?flag) }
  UNION { ?trial atmp:testsProduct ?product BIND ("investigational" AS ?flag) }
  UNION { ?he atmp:appliesTo ?product BIND ("exempted" AS ?flag) }
  UNION { ?product atmp:isIllustrative true BIND ("illustrative" AS ?flag) }
  UNION { ?process atmp:isIllustrative true BIND ("illustrative" AS ?flag) }
}"""

_SITE_FACTS: Final = """
SELECT ?site ?kind ?item ?number ?from ?until ?status ?scope ?operation WHERE {
  ?site a atmp:ManufacturingSite .
  OPTIONAL {
    { ?site atmp:hasCapability ?item BIND("capability" AS ?kind) }
    UNION { ?site atmp:isIllustrative true BIND("illustrative" AS ?kind) }
    UNION {
      { ?site atmp:hasManufacturingAuthorisation ?item BIND("mia" AS ?kind)
        OPTIONAL { ?item atmp:miaNumber ?number } }
      UNION
      { ?site atmp:hasGMPCertificate ?item BIND("certificate" AS ?kind)
        OPTIONAL { ?item atmp:certificateNumber ?number } }
      OPTIONAL { ?item atmp:validFrom ?from }
      OPTIONAL { ?item atmp:validUntil ?until }
      OPTIONAL { ?item atmp:status ?status }
      OPTIONAL { ?item atmp:scopeType ?scope }
      OPTIONAL { ?item atmp:authorisedOperation ?operation }
    }
  }
}"""

# The materials of each product's process, what kind they are and who supplies them at which
# grade; the rows `supplied_at_grade` and `donor_sourced` read (also graph_builder.analytics).
# ?starting, ?consumable and ?donor are bound (to the class or origin) or not; the material
# classes as stated or inferred (the rules close the subclasses), for Virtuoso as above.
MATERIAL_SUPPLY: Final = """
  ?product atmp:hasProcess/atmp:hasStep?/atmp:usesMaterial ?material .
  OPTIONAL { VALUES ?starting { atmp:StartingMaterial } ?material a ?starting }
  OPTIONAL { VALUES ?consumable { atmp:Consumable } ?material a ?consumable }
  OPTIONAL { VALUES ?donor { atmp:HumanOrigin } ?material atmp:origin ?donor }
  OPTIONAL { ?mp atmp:isProductOf ?material ; atmp:suppliedBy ?supplier .
             OPTIONAL { ?mp atmp:grade ?grade } }
"""
_MATERIALS: Final = (
    "SELECT DISTINCT ?material ?starting ?consumable ?donor ?supplier ?grade WHERE {"
    + MATERIAL_SUPPLY
    + "}"
)

_VOCABULARY: Final = """
SELECT ?item ?label ?notation ?broader ?kind WHERE {
  { ?item a atmp:AuthorisedOperation BIND ("operation" AS ?kind) } UNION { ?item a atmp:Capability }
  UNION { ?item a atmp:Material } UNION { ?item a atmp:StartingMaterial }
  UNION { ?item a atmp:RawMaterial } UNION { ?item a atmp:Excipient }
  UNION { ?item a atmp:Consumable } UNION { ?item a atmp:ManufacturingSite }
  UNION { ?item atmp:hasProcess ?process }
  OPTIONAL { ?item rdfs:label ?label }
  OPTIONAL { ?item skos:notation ?notation }
  OPTIONAL { ?item skos:broader ?broader }
}"""


def _date(row: Mapping[str, Term], name: str, *, period_end: bool = False) -> date | None:
    """A validity bound as a date. Month- or year-precision values (xsd:gYearMonth / xsd:gYear,
    used where a source only gives the month) stand for their whole period: a start is its first
    day, an end (`period_end`) its last, so a coarse date never shortens a validity."""
    text = cell(row, name)
    if text is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text):
            return date.fromisoformat(text[:10])
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m.group(1)), int(m.group(2))
            day = calendar.monthrange(year, month)[1] if period_end else 1
            return date(year, month, day)
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 12, 31) if period_end else date(int(text), 1, 1)
    except ValueError:
        return None
    return None


def _local_name(iri: str) -> str:
    """What follows the last '/' or '#' — the label of last resort (the named queries use the
    same rule: REPLACE(STR(?x), "^.*[/#]", ""))."""
    return re.sub(r"^.*[/#]", "", iri)


def fetch_facts(store: Store, product: str | None = None, site: str | None = None) -> Facts:
    product_binding = {"product": NamedNode(product)} if product else None
    site_binding = {"site": NamedNode(site)} if site else None

    products: dict[str, ProductFacts] = {}
    for row in select(store, _PRODUCT_FACTS, product_binding):
        p_iri, proc_iri = row["product"].value, row["process"].value
        facts = products.setdefault(p_iri, ProductFacts(p_iri))
        proc = facts.processes.setdefault(proc_iri, Process(proc_iri))
        kind, item = cell(row, "kind"), cell(row, "item")
        if kind == "capability" and item:
            proc.capabilities.add(item)
        elif kind == "operation" and item:
            proc.operations.add(item)
        elif kind == "material" and item:
            proc.materials.add(item)
    for row in select(store, _PRODUCT_USES, product_binding):
        product_facts = products[row["product"].value]
        if (atmp_class := cell(row, "class")) is not None:
            product_facts.classes.add(atmp_class)
        flag = cell(row, "flag")
        if flag == "isCART":
            product_facts.classes.add(ATMP + "GTMP")
        elif flag == "illustrative":
            product_facts.illustrative = True
        elif flag in _USE_FLAGS:
            product_facts.uses.add(_USE_FLAGS[flag])

    sites: dict[str, SiteFacts] = {}
    grants: dict[tuple[str, str], _GrantRows] = {}
    for row in select(store, _SITE_FACTS, site_binding):
        s_iri = row["site"].value
        site_facts = sites.setdefault(s_iri, SiteFacts(s_iri))
        kind, item = cell(row, "kind"), cell(row, "item")
        if kind == "capability" and item:
            site_facts.capabilities.add(item)
        elif kind == "illustrative":
            site_facts.illustrative = True
        elif kind in ("mia", "certificate") and item:
            rows = grants.setdefault((s_iri, item), _GrantRows(kind == "mia", row))
            rows.add(row)
    for (s_iri, item), rows in grants.items():
        target = sites[s_iri].authorisations if rows.is_mia else sites[s_iri].certificates
        target.append(rows.grant(item))

    available: set[str] = set()
    donor_sourced: set[str] = set()
    for row in select(store, _MATERIALS, product_binding):
        material = row["material"].value
        if is_donor_sourced(row):
            donor_sourced.add(material)
            available.add(material)
        elif supplied_at_grade(row):
            available.add(material)

    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    broader: dict[str, set[str]] = defaultdict(set)
    for row in select(store, _VOCABULARY):
        item = row["item"].value
        label = cell(row, "label")
        if label and (item not in names or label < names[item]):
            names[item] = label
        notation = cell(row, "notation")
        if notation is not None and cell(row, "kind") == "operation":
            codes[item] = min(notation, codes.get(item, notation))
        if (parent := cell(row, "broader")) is not None:
            broader[item].add(parent)
    labels = {item: _display_name(names.get(item), codes.get(item)) for item in names | codes}
    return Facts(products, sites, available, donor_sourced, dict(broader), labels)


def qualifies(grade: str | None, *, starting: bool, consumable: bool) -> bool:
    """Whether a supplied material product of this grade counts for the material (rule 4)."""
    if consumable:
        return True
    if grade == GMP_GRADE:
        return True
    return starting and grade == PRINCIPLES_OF_GMP_GRADE


def is_donor_sourced(row: Mapping[str, Term]) -> bool:
    """A MATERIAL_SUPPLY row of a human starting material: procured from the patient or donor,
    so nobody supplies it and none is missing."""
    return cell(row, "donor") is not None and cell(row, "starting") is not None


def supplied_at_grade(row: Mapping[str, Term]) -> bool:
    """A MATERIAL_SUPPLY row naming a supplier whose grade counts for the material."""
    return cell(row, "supplier") is not None and qualifies(
        cell(row, "grade"),
        starting=cell(row, "starting") is not None,
        consumable=cell(row, "consumable") is not None,
    )


def _display_name(label: str | None, code: str | None) -> str:
    """'1.3.1.4 Gene therapy products': an operation's code first unless its label already starts
    with it (the manufacturability queries build the same name in SPARQL)."""
    if label and code and not label.startswith(code):
        return f"{code} {label}"
    return label or code or ""


# --- the rule ----------------------------------------------------------------------------------


def _ancestors(item: str, broader: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [item]
    while todo:
        for parent in broader.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _class_operations(product: ProductFacts) -> set[str]:
    return {iris.mint("operation", CLASS_OPERATIONS[c]).value for c in product.classes}


@dataclass(frozen=True)
class _Candidate:
    process: Process
    scope: str
    missing_capabilities: frozenset[str]
    missing_operations: frozenset[str]
    missing_materials: frozenset[str]
    certificate_valid: bool
    authorisations: tuple[Grant, ...]
    # The site records no capability at all: `missing_capabilities` are unconfirmed, not absent.
    capabilities_unknown: bool = False

    @property
    def can_make(self) -> bool:
        return self.certificate_valid and not (
            self.missing_capabilities or self.missing_operations or self.missing_materials
        )

    def rank(self) -> tuple[int, int, int, str]:
        missing = (
            len(self.missing_capabilities)
            + len(self.missing_operations)
            + len(self.missing_materials)
            + (0 if self.certificate_valid else 1)
        )
        return (0 if self.can_make else 1, missing, _SCOPE_ORDER[self.scope], self.process.iri)


_SCOPE_ORDER: Final = {COMMERCIAL: 0, INVESTIGATIONAL: 1, HOSPITAL_EXEMPTION: 2}


class _Evaluator:
    """Applies the rule to (product, site) pairs on one day. What does not depend on the pair —
    a process's required operations and missing materials, a site's valid authorisations per
    scope and certificate, an operation's ancestors, labels — is worked out once: all pairs of
    a large graph are many (DESIGN.md: 0.1 s at 1M triples is the budget of the whole answer).
    Each pair's assessment is kept too: one evaluator serves every call of its day on one store
    version (`_Known`)."""

    def __init__(self, facts: Facts, on: date) -> None:
        self.facts = facts
        self.on = on
        self._refs: dict[str, Ref] = {}
        self._names: dict[frozenset[str], str] = {}
        self._covering: dict[str, frozenset[str]] = {}
        self._requirements: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {}
        self._authorised: dict[tuple[str, str], tuple[tuple[Grant, ...], frozenset[str]]] = {}
        self._certified: dict[str, bool] = {}
        self._assessed: dict[tuple[str, str], Assessment] = {}

    def ref(self, iri: str) -> Ref:
        found = self._refs.get(iri)
        if found is None:
            found = self._refs[iri] = self.facts.ref(iri)
        return found

    def refs(self, iris_: frozenset[str]) -> tuple[Ref, ...]:
        return tuple(sorted(map(self.ref, iris_), key=_by_label))

    def names(self, iris_: frozenset[str]) -> str:
        found = self._names.get(iris_)
        if found is None:
            found = self._names[iris_] = ", ".join(r.label for r in self.refs(iris_))
        return found

    def covering(self, operation: str) -> frozenset[str]:
        """The operations whose authorisation covers `operation`: itself and its ancestors."""
        found = self._covering.get(operation)
        if found is None:
            found = frozenset({operation} | _ancestors(operation, self.facts.broader))
            self._covering[operation] = found
        return found

    def requirements(
        self, product: ProductFacts, process: Process
    ) -> tuple[frozenset[str], frozenset[str]]:
        """(operations required, materials without a qualified supplier) of a process."""
        key = (product.iri, process.iri)
        found = self._requirements.get(key)
        if found is None:
            operations = frozenset(process.operations | _class_operations(product))
            missing = frozenset(process.materials - self.facts.available_materials)
            found = self._requirements[key] = (operations, missing)
        return found

    def authorised(self, site: SiteFacts, scope: str) -> tuple[tuple[Grant, ...], frozenset[str]]:
        """The site's MIAs valid on the day with `scope`, and the operations they cover."""
        key = (site.iri, scope)
        found = self._authorised.get(key)
        if found is None:
            valid = tuple(
                a for a in site.authorisations if a.valid_on(self.on) and scope in a.scopes
            )
            found = (valid, frozenset().union(*(a.operations for a in valid)))
            self._authorised[key] = found
        return found

    def certified(self, site: SiteFacts) -> bool:
        found = self._certified.get(site.iri)
        if found is None:
            found = self._certified[site.iri] = any(c.valid_on(self.on) for c in site.certificates)
        return found

    def evaluate(self, product: ProductFacts, site: SiteFacts) -> Assessment:
        found = self._assessed.get((product.iri, site.iri))
        if found is None:
            found = self._assessed[(product.iri, site.iri)] = self._evaluate(product, site)
        return found

    def _evaluate(self, product: ProductFacts, site: SiteFacts) -> Assessment:
        certificate_valid = self.certified(site)
        uses = sorted(product.uses or {INVESTIGATIONAL}, key=_SCOPE_ORDER.__getitem__)
        candidates = []
        for process in product.processes.values():
            required_ops, missing_mats = self.requirements(product, process)
            missing_caps = frozenset(process.capabilities - site.capabilities)
            unknown = bool(missing_caps) and not site.capabilities
            for scope in uses:
                valid, authorised = self.authorised(site, scope)
                missing_ops = frozenset(
                    op for op in required_ops if self.covering(op).isdisjoint(authorised)
                )
                candidates.append(
                    _Candidate(
                        process,
                        scope,
                        missing_caps,
                        missing_ops,
                        missing_mats,
                        certificate_valid,
                        valid,
                        unknown,
                    )
                )
        best = min(candidates, key=_Candidate.rank)
        derived = [best.process.iri, *(a.iri for a in best.authorisations)]
        derived += [c.iri for c in site.certificates if c.valid_on(self.on)]
        return Assessment(
            facility=self.ref(site.iri),
            product=self.ref(product.iri),
            can_make=best.can_make,
            on=self.on,
            scope=SCOPE_NAMES[best.scope],
            process=best.process.iri,
            missing_capabilities=(
                () if best.capabilities_unknown else self.refs(best.missing_capabilities)
            ),
            missing_operations=self.refs(best.missing_operations),
            missing_materials=self.refs(best.missing_materials),
            certificate_valid=best.certificate_valid,
            reasons=tuple(self.reasons(best, site)),
            derived_from=tuple(dict.fromkeys(derived)),
            illustrative=product.illustrative or site.illustrative,
        )

    def reasons(self, best: _Candidate, site: SiteFacts) -> Iterator[str]:
        site_name = self.ref(site.iri).label
        scope = SCOPE_NAMES[best.scope]
        day = self.on.isoformat()
        if best.can_make:
            donors = len(best.process.materials & self.facts.donor_sourced_materials)
            supplied = len(best.process.materials) - donors
            from_donor = f" ({donors} more from the patient or donor)" if donors else ""
            yield (
                f"{site_name} has every required capability, {_article(scope)} {scope} "
                f"manufacturing authorisation valid on {day} covering the required operations "
                f"and a valid GMP certificate; all {supplied} supplied material(s) have a "
                f"qualified supplier{from_donor}"
            )
            return
        if best.capabilities_unknown:
            yield (
                "no capability data recorded for the site, so whether it has the required "
                f"capabilities is unknown: {self.names(best.missing_capabilities)}"
            )
        elif best.missing_capabilities:
            yield f"missing capabilities: {self.names(best.missing_capabilities)}"
        if best.missing_operations:
            ops = self.names(best.missing_operations)
            if not best.authorisations:
                lapsed = [a for a in site.authorisations if best.scope in a.scopes]
                others = [
                    a
                    for a in site.authorisations
                    if best.scope not in a.scopes and a.valid_on(self.on)
                ]
                detail = ""
                if lapsed:
                    detail += "; held but not valid then: " + ", ".join(
                        a.describe() for a in lapsed
                    )
                if others:
                    detail += "; valid with another scope: " + ", ".join(
                        f"{a.describe()} [{_scope_names(a)}]" for a in others
                    )
                yield (
                    f"no manufacturing authorisation with {scope} scope valid on {day} "
                    f"(needed for: {ops}){detail}"
                )
            else:
                yield f"operations outside the {scope} authorised scope on {day}: {ops}"
        if best.missing_materials:
            yield (
                "no supplier at a qualifying grade (GMP; principles of GMP for starting "
                f"materials) for materials: {self.names(best.missing_materials)}"
            )
        if not best.certificate_valid:
            if site.certificates:
                certificates = ", ".join(c.describe() for c in site.certificates)
                yield f"no GMP certificate valid on {day} (held: {certificates})"
            else:
                yield "no GMP certificate recorded for the site"


def _by_label(ref: Ref) -> tuple[str, str]:
    return (ref.label.lower(), ref.iri)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _scope_names(grant: Grant) -> str:
    return ", ".join(sorted(SCOPE_NAMES.get(s, _local_name(s)) for s in grant.scopes)) or "no scope"


def _sort_key(a: Assessment) -> tuple[str, str, bool, str, str]:
    return (
        a.product.label.lower(),
        a.product.iri,
        not a.can_make,
        a.facility.label.lower(),
        a.facility.iri,
    )


def assess(
    store: Store, on: date | None = None, product: str | None = None, site: str | None = None
) -> list[Assessment]:
    day = on or date.today()
    answers = _KNOWN.read(store, lambda known: _assess(store, known.evaluator(day), product, site))
    if answers is None:
        facts = fetch_facts(store, product=product, site=site)
        answers = _assess(store, _Evaluator(facts, day), product, site)
    return answers


def _assess(
    store: Store, evaluator: _Evaluator, product: str | None, site: str | None
) -> list[Assessment]:
    products = _only(evaluator.facts.products, product)
    sites = _only(evaluator.facts.sites, site)
    if product is not None and not products:
        raise NotFound(_no_process_reason(store, product))
    if site is not None and not sites:
        raise NotFound(f"no manufacturing site {site}")
    answers = [evaluator.evaluate(p, s) for p in products.values() for s in sites.values()]
    return sorted(answers, key=_sort_key)


class _Known:
    """Every product's and site's facts in one store version, and an evaluator per day asked
    about: what the rule works out once per site, process or operation is then shared by the
    calls of that day (at 1M triples, a site's valid authorisations per scope are most of the
    cost of a call). Evaluators only add to their memos, so threads may share them."""

    _DAYS: Final = 4

    def __init__(self, store: Store) -> None:
        self.facts = fetch_facts(store)
        self._evaluators: dict[date, _Evaluator] = {}
        self._lock = threading.Lock()

    def evaluator(self, day: date) -> _Evaluator:
        with self._lock:
            found = self._evaluators.get(day)
            if found is None:
                found = self._evaluators[day] = _Evaluator(self.facts, day)
                while len(self._evaluators) > self._DAYS:
                    del self._evaluators[next(iter(self._evaluators))]
            return found


_KNOWN: Final = PerVersion(_Known)


def warm(store: Store) -> bool:
    """Fetch the facts of the version published now, if not kept yet (see per_version)."""
    return _KNOWN.warm(store)


def _no_process_reason(store: Store, product: str) -> str:
    known = store.query("ASK { ?product ?p ?o }", {"product": NamedNode(product)})
    if known:
        return (
            f"no manufacturing process is recorded for product {product}, so no facility "
            "can be assessed for it"
        )
    return f"no product {product}"


# --- materialisation into the inferred graph ---------------------------------------------------


def assessment_iri(site_iri: str, product_iri: str) -> NamedNode:
    """`<site key>--<product key>` (ADR 0001)."""
    return iris.mint("assessment", f"{_key(site_iri, 'site')}--{_key(product_iri, 'product')}")


def _key(iri: str, type_segment: str) -> str:
    prefix = ID + type_segment + "/"
    return iri[len(prefix) :] if iri.startswith(prefix) else iris.slug(iri)


_ASSESSMENT: Final = atmp("ManufacturabilityAssessment")
_SITE: Final = atmp("assessedSite")
_PRODUCT: Final = atmp("assessedProduct")
_CAN: Final = atmp("canManufacture")
_CERTIFIED: Final = atmp("certificateValid")
_ON: Final = atmp("assessedOn")
_ILLUSTRATIVE: Final = atmp("isIllustrative")
_COMMENT: Final = NamedNode(RDFS + "comment")
EXPLANATION_SEPARATOR: Final = " | "
_DERIVED: Final = NamedNode(PROV + "wasDerivedFrom")
_MISSING: Final = (
    atmp("missingCapability"),
    atmp("missingOperation"),
    atmp("missingMaterial"),
)


def triples(a: Assessment) -> Iterator[Triple]:
    """The assessment as triples (ADR 0001 terms; the reasons as one rdfs:comment, provenance
    as prov:wasDerivedFrom). Terms shared by every assessment are built once: at 100k assessments
    building terms is most of the cost of materialising."""
    node = assessment_iri(a.facility.iri, a.product.iri)
    verdict = "can" if a.can_make else "cannot"
    yield Triple(node, RDF_TYPE, _ASSESSMENT)
    label = f"{a.facility.label} {verdict} make {a.product.label}"
    yield Triple(node, RDFS_LABEL, Literal(label, language="en"))
    yield Triple(node, _SITE, NamedNode(a.facility.iri))
    yield Triple(node, _PRODUCT, NamedNode(a.product.iri))
    yield Triple(node, _CAN, boolean_literal(a.can_make))
    yield Triple(node, _CERTIFIED, boolean_literal(a.certificate_valid))
    yield Triple(node, _ON, date_literal(a.on))
    missing = (a.missing_capabilities, a.missing_operations, a.missing_materials)
    for predicate, refs in zip(_MISSING, missing, strict=True):
        for ref in refs:
            yield Triple(node, predicate, NamedNode(ref.iri))
    if a.reasons:
        # One comment in the rule's order: separate comments would come back from GROUP_CONCAT
        # in whatever order the engine meets them.
        yield Triple(node, _COMMENT, Literal(EXPLANATION_SEPARATOR.join(a.reasons), language="en"))
    for source in a.derived_from:
        yield Triple(node, _DERIVED, NamedNode(source))
    if a.illustrative:
        yield Triple(node, _ILLUSTRATIVE, TRUE)


# The inferred graph without its assessments (reasoner output, identity links): kept as it is.
_KEPT_INFERENCES: Final = f"""
CONSTRUCT {{ ?s ?p ?o }}
WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o
         FILTER NOT EXISTS {{ ?s a <{ATMP}ManufacturabilityAssessment> }} }} }}"""


def materialise(store: Store, on: date | None = None) -> int:
    """Replace the assessments in the inferred graph with freshly computed ones; the other
    inferred triples (reasoner output, identity links) stay. Returns the number of assessments.

    The graph is rewritten with one bulk replace rather than SPARQL INSERT DATA, which took
    twice as long (measured at 1M triples, 500 sites x 200 products = 100k assessments, 1.8M
    triples: 75 s against 36 s; 300 sites x 20 products: 1.6 s)."""
    answers = assess(store, on=on)
    kept = store.query(_KEPT_INFERENCES)
    if not isinstance(kept, list):
        raise StoreError("the store answered a CONSTRUCT with no triples list")
    store.replace_graph(INFERRED, chain(kept, (t for a in answers for t in triples(a))))
    return len(answers)
