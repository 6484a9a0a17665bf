"""Validation of data against the SHACL shapes, and the SPARQL violation checks.

Two tools on purpose: pyshacl validates modules and small graphs with precise messages (it is an
rdflib engine, too slow for a million triples), while checks/*_violation.rq are plain SELECTs the
store runs at any size. A build runs both before it publishes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final, NamedTuple, Protocol

import pyshacl
import rdflib
from pyoxigraph import Triple
from rdflib.namespace import RDF, RDFS, SH

from graph_builder.store.base import Bindings, QueryResult, SelectResult, Term
from ontology.model import (
    ONTOLOGY_IRI,
    Check,
    load_checks,
    ontology_graph,
    shapes_graph,
    to_rdflib,
)


@dataclass(frozen=True)
class ShaclResult:
    """One sh:ValidationResult, flattened."""

    focus_node: str
    message: str
    severity: str
    source_shape: str
    path: str | None = None
    value: str | None = None


class ValidationOutcome(NamedTuple):
    """(conforms, report_text, results): unpacks like the tuple pyshacl returns."""

    conforms: bool
    report_text: str
    results: list[ShaclResult]


def _text(node: rdflib.term.Node | None) -> str | None:
    return None if node is None else str(node)


def _results(report: rdflib.Graph) -> list[ShaclResult]:
    results = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        results.append(
            ShaclResult(
                focus_node=str(report.value(result, SH.focusNode)),
                message="; ".join(messages),
                severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                source_shape=str(report.value(result, SH.sourceShape)),
                path=_text(report.value(result, SH.resultPath)),
                value=_text(report.value(result, SH.value)),
            )
        )
    results.sort(key=lambda r: (r.focus_node, r.message))
    return results


SHAPES_NS: Final = ONTOLOGY_IRI + "/shapes#"

# Shapes whose rule a store-side violation check applies as well, by shape IRI -> check name. A
# caller that runs the checks on the same data (the build gate) leaves these shapes out of pyshacl:
# each is an sh:sparql constraint, which rdflib re-parses for every focus node (23 % of a
# 105k-triple build, benchmarks/notes.md), while the store runs the check over every triple in
# milliseconds. shapes.ttl keeps them, so a full SHACL validation still applies them.
STORE_CHECKED_SHAPES: Final[Mapping[str, str]] = {
    SHAPES_NS + "ValidityPeriodShape": "validity_period_inverted_violation",
}


@cache
def _shapes(*, checks_run_in_store: bool = False) -> rdflib.Graph:
    # Parsed once per process; pyshacl only reads the shapes graph.
    shapes = shapes_graph()
    if checks_run_in_store:
        for shape in STORE_CHECKED_SHAPES:
            # The shape with its blank-node constraints (its concise bounded description).
            shapes -= shapes.cbd(rdflib.URIRef(shape))
    return shapes


# Constraint parameters whose value is a property of the focus node, read like a path.
_COMPARED: Final = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
# How a complex path holds its parts (besides sh:inversePath, which turns the direction).
_PATH_LINKS: Final = frozenset(
    {RDF.first, RDF.rest, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath}
)


class PathPredicates(NamedTuple):
    """The predicates the shapes read from a node (`forward`, rdf:type included) and into it
    (`inverse`, under sh:inversePath)."""

    forward: frozenset[str]
    inverse: frozenset[str]


@cache
def path_predicates(*, checks_run_in_store: bool = False) -> PathPredicates:
    """What the shapes (as `validate` runs them) read: the build gate samples only these triples
    around its focus nodes, not a hub's every link (a country has a link from every trial)."""
    shapes = _shapes(checks_run_in_store=checks_run_in_store)
    forward: set[str] = {str(RDF.type)}
    inverse: set[str] = set()

    def walk(path: rdflib.term.Node, backwards: bool) -> None:
        if path == RDF.nil:
            return
        if isinstance(path, rdflib.URIRef):
            (inverse if backwards else forward).add(str(path))
            return
        # A blank node: a sequence (an RDF list), or an inverse, alternative or repeated path.
        for link, inner in shapes.predicate_objects(path):
            if link == SH.inversePath:
                walk(inner, not backwards)
            elif link in _PATH_LINKS:
                walk(inner, backwards)

    for path in shapes.objects(None, SH.path):
        walk(path, backwards=False)
    for compared in _COMPARED:
        for path in shapes.objects(None, compared):
            walk(path, backwards=False)
    return PathPredicates(frozenset(forward), frozenset(inverse))


@cache
def _class_hierarchy() -> rdflib.Graph:
    """rdfs:subClassOf between named classes of the ontology (and its alignments).

    That is all sh:class / sh:targetClass need: adding only these ~60 triples to the data graph
    keeps a validation ~50x faster than mixing in the whole ontology (measured: 0.01 s vs 0.6 s
    for a small module)."""
    hierarchy = rdflib.Graph()
    for sub, sup in ontology_graph().subject_objects(RDFS.subClassOf):
        if isinstance(sub, rdflib.URIRef) and isinstance(sup, rdflib.URIRef):
            hierarchy.add((sub, RDFS.subClassOf, sup))
    return hierarchy


def validate(
    data: Iterable[Triple] | rdflib.Graph,
    *,
    with_ontology: bool = True,
    checks_run_in_store: bool = False,
) -> ValidationOutcome:
    """Validate data (pyoxigraph triples or an rdflib graph) against shapes.ttl.

    with_ontology: add the ontology's class hierarchy to the data graph so that sh:class and
    sh:targetClass follow rdfs:subClassOf (e.g. a CARTProduct is checked as a GTMP).
    checks_run_in_store: the caller runs checks/*_violation.rq on the same data, so the shapes
    that duplicate one of them (STORE_CHECKED_SHAPES) are left out.
    """
    # pyshacl validates in place in a graph of our own: no clone of the data for ont_graph mixing,
    # and a caller's rdflib graph is never modified.
    if isinstance(data, rdflib.Graph):
        graph = rdflib.Graph()
        graph += data
    else:
        graph = to_rdflib(data)
    if with_ontology:
        graph += _class_hierarchy()
    conforms, report_graph, report_text = pyshacl.validate(
        graph,
        shacl_graph=_shapes(checks_run_in_store=checks_run_in_store),
        inference="none",
        advanced=True,
        allow_warnings=False,
        inplace=True,
    )
    assert isinstance(report_graph, rdflib.Graph)
    return ValidationOutcome(bool(conforms), str(report_text), _results(report_graph))


@dataclass(frozen=True)
class CheckViolation:
    """One row returned by a violation check."""

    check: str
    description: str
    row: dict[str, Term]

    @property
    def focus(self) -> Term | None:
        """The offending node: every check binds ?focus."""
        return self.row.get("focus")


class QueryableStore(Protocol):
    """The one Store method the checks need; every graph_builder.store.Store satisfies it."""

    def query(
        self,
        query: str,
        bindings: Bindings | None = None,
        *,
        timeout: float | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult: ...


def run_checks(
    store: QueryableStore, *, checks: Iterable[Check] | None = None, timeout: float | None = None
) -> list[CheckViolation]:
    """Run every checks/*_violation.rq on the store; each returned row is one violation."""
    violations: list[CheckViolation] = []
    for check in load_checks() if checks is None else checks:
        result = store.query(check.query, timeout=timeout)
        if not isinstance(result, SelectResult):
            raise TypeError(f"{check.path.name}: a violation check must be a SELECT query")
        violations.extend(CheckViolation(check.name, check.description, row) for row in result)
    return violations
