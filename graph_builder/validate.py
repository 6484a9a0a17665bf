"""The validation gate: the SHACL shapes and the ontology's violation checks, run on the build's
writer before anything is published. A failing gate raises ValidationFailed and the writer rolls
back, so the store stays as it was.

pyshacl is an rdflib engine (ontology/shacl.py): it sees the data graphs (sources + inferred,
not the ontology, which it mixes in itself, nor meta). Beyond SHACL_FULL_LIMIT triples the shapes
check a deterministic sample of subjects with their one-hop neighbourhood, and the SPARQL checks,
which run in the store at any size, still see everything. docs/sources.md reports the timings.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from pyoxigraph import RdfFormat, Triple, parse

from graph_builder.errors import ValidationFailed
from graph_builder.namespaces import GRAPH, META_GRAPH, ONTOLOGY_GRAPH
from graph_builder.store.base import SelectResult, Store

SHACL_FULL_LIMIT: Final = 50_000
SAMPLE_SUBJECTS: Final = 2_000
EXCLUDED_GRAPHS: Final = frozenset({ONTOLOGY_GRAPH, META_GRAPH})
EXAMPLES: Final = 3


@dataclass
class ValidationReport:
    shacl_conforms: bool = True
    shacl_triples: int = 0
    shacl_sampled: bool = False
    shacl_violations: list[str] = field(default_factory=list)
    check_violations: list[str] = field(default_factory=list)
    checks_run: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.shacl_conforms and not self.check_violations

    def summary(self) -> str:
        if self.ok:
            sampled = " (sampled)" if self.shacl_sampled else ""
            return (
                f"valid: SHACL on {self.shacl_triples} triples{sampled}, "
                f"{self.checks_run} checks, {self.seconds:.1f} s"
            )
        parts = []
        if self.shacl_violations:
            shown = "; ".join(self.shacl_violations[:EXAMPLES])
            parts.append(f"{len(self.shacl_violations)} SHACL violation(s), e.g. {shown}")
        if self.check_violations:
            shown = "; ".join(self.check_violations[:EXAMPLES])
            parts.append(f"{len(self.check_violations)} check violation(s), e.g. {shown}")
        return "validation failed: " + " | ".join(parts)

    def details(self) -> str:
        lines = ["SHACL:", *self.shacl_violations, "checks:", *self.check_violations]
        return "\n".join(lines)


def data_graphs(store: Store) -> list[str]:
    return [g for g in store.graphs() if g.startswith(GRAPH) and g not in EXCLUDED_GRAPHS]


def _data_triples(store: Store, graphs: Sequence[str]) -> list[Triple]:
    triples: list[Triple] = []
    for graph in graphs:
        buffer = io.BytesIO()
        store.export(buffer, "nt", graph)
        buffer.seek(0)
        triples.extend(
            Triple(q.subject, q.predicate, q.object)
            for q in parse(buffer, format=RdfFormat.N_TRIPLES)
        )
    return triples


def _sample(store: Store, graphs: Sequence[str]) -> tuple[list[Triple], set[str]]:
    """A stable pseudo-random set of focus subjects, with what the shapes read about them: their
    own triples, the triples of the nodes they point to (an MA's events), and the triples that
    point at them (the product of a classification assertion). Hubs (a registry concept, a
    disease of thousands of trials) are not expanded beyond that, so the sample stays small.
    Only findings on the focus subjects count: the other nodes lack their own neighbourhood."""

    def among(var: str) -> str:
        # A FILTER rather than VALUES: Oxigraph joins two VALUES blocks by scanning each graph.
        return f"FILTER ({var} IN ({', '.join(f'<{g}>' for g in graphs)}))"

    chosen = store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?type }} {among('?g')} FILTER (isIRI(?s)) }}"
        f" ORDER BY SHA1(STR(?s)) LIMIT {SAMPLE_SUBJECTS}"
    )
    assert isinstance(chosen, SelectResult)
    focus = [row["s"] for row in chosen]
    if not focus:
        return [], set()
    values = "VALUES ?f { " + " ".join(str(f) for f in focus) + " }"
    triples = store.query(
        f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          {{ {values} GRAPH ?g {{ ?f ?p ?o }} {among("?g")} BIND (?f AS ?s) }}
          UNION {{ {{ SELECT DISTINCT ?s WHERE {{ {values} GRAPH ?g {{ ?f ?link ?s }}
                      {among("?g")} FILTER (isIRI(?s)) }} }}
                  GRAPH ?g2 {{ ?s ?p ?o }} {among("?g2")} }}
          UNION {{ {values} GRAPH ?g {{ ?s ?p ?f }} {among("?g")} BIND (?f AS ?o) }} }}"""
    )
    assert isinstance(triples, list)
    return triples, {f.value for f in focus}


def gate(store: Store) -> ValidationReport:
    """Validate the data graphs of `store`; raise ValidationFailed (nothing published) if the
    SHACL shapes or a violation check fail."""
    from ontology.shacl import run_checks, validate  # the ontology package depends on rdflib

    started = time.perf_counter()
    report = ValidationReport()
    graphs = data_graphs(store)
    focus: set[str] | None = None
    if sum(store.count(g) for g in graphs) > SHACL_FULL_LIMIT:
        triples, focus = _sample(store, graphs)
        report.shacl_sampled = True
    else:
        triples = _data_triples(store, graphs)
    report.shacl_triples = len(triples)
    outcome = validate(triples)
    report.shacl_violations = [
        f"{r.focus_node}: {r.message}"
        for r in outcome.results
        if r.severity == "Violation" and (focus is None or r.focus_node in focus)
    ]
    report.shacl_conforms = not report.shacl_violations
    if focus is None and not outcome.conforms and not report.shacl_violations:
        report.shacl_conforms = False
        report.shacl_violations = [outcome.report_text.strip().splitlines()[0]]
    from ontology.model import load_checks

    checks = load_checks()
    report.checks_run = len(checks)
    for violation in run_checks(store, checks=checks):
        node = violation.focus
        report.check_violations.append(
            f"{violation.check}: {node.value if node is not None else violation.row}"
        )
    report.seconds = time.perf_counter() - started
    if not report.ok:
        raise ValidationFailed(report.summary(), report.details())
    return report


__all__ = ["SHACL_FULL_LIMIT", "ValidationReport", "data_graphs", "gate"]
