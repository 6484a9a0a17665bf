"""The validation gate: the SHACL shapes and the ontology's violation checks, run on the build's
writer before anything is published. A failing gate raises ValidationFailed and the writer rolls
back, so the store stays as it was.

pyshacl is an rdflib engine (ontology/shacl.py): it sees the data graphs (sources + inferred,
not the ontology, whose class hierarchy ontology/shacl.py adds itself, nor meta). Beyond
SHACL_FULL_LIMIT triples the shapes check a deterministic sample of subjects with what the shapes
read around them, and the SPARQL checks, which run in the store at any size, still see
everything; the shapes that duplicate a check (ontology.shacl.STORE_CHECKED_SHAPES) are left to
the check. docs/sources.md reports the timings.
"""

from __future__ import annotations

import io
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Final

from pyoxigraph import RdfFormat, Triple, parse

from graph_builder.errors import ValidationFailed
from graph_builder.namespaces import GRAPH, META_GRAPH, ONTOLOGY_GRAPH
from graph_builder.store.base import SelectResult, Store, Term
from graph_builder.store.bindings import named_node

SHACL_FULL_LIMIT: Final = 50_000
# Beyond SHACL_FULL_LIMIT the shapes are a smoke test of the mappings (each kind of node the
# sources write is shaped as the ontology says), not the completeness check: the SPARQL checks
# see every triple in the store. At most 500 focus subjects, shared among the classes of each
# source graph, with only the triples the shapes read about them: ~4k triples and 0.3 s of pyshacl
# at 100k as at 1M triples (2,000 subjects with every link were 40k-75k triples, 5-11 s).
SAMPLE_SUBJECTS: Final = 500
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


def _sample(
    store: Store, graphs: Sequence[str], forward: Collection[str], inverse: Collection[str]
) -> tuple[list[Triple], set[str]]:
    """A stable pseudo-random set of focus subjects from every class, with what the shapes read
    about them: their own triples, the `forward` triples (the predicates the shapes read) of the
    nodes they link to by those (an MA's events), and the `inverse` triples that point at them
    (the product of a classification assertion). Only what the shapes read, so a hub (a country
    linked from every trial, a product derived from every study record) adds a handful of
    triples, not all of its links. Only findings on the focus subjects count: the other nodes
    lack their own neighbourhood."""

    def among(var: str) -> str:
        # A FILTER rather than VALUES: Oxigraph joins two VALUES blocks by scanning each graph.
        return f"FILTER ({var} IN ({', '.join(f'<{g}>' for g in graphs)}))"

    # Every graph's classes, filtered here: a FILTER on ?g makes this scan 30x slower at 1M triples.
    found = store.query("SELECT DISTINCT ?g ?type WHERE { GRAPH ?g { ?s a ?type } }")
    assert isinstance(found, SelectResult)
    wanted = set(graphs)
    pairs = sorted(((row["g"], row["type"]) for row in found if row["g"].value in wanted), key=str)
    # Per source graph and class, not over all subjects: a hash-ordered cut of 500 subjects
    # missed 9 of the 43 classes of the 3k-record benchmark data (clean rooms, orphan
    # designations, materials); this way every source's mapping of every class is checked.
    per_pair = max(1, SAMPLE_SUBJECTS // max(1, len(pairs)))
    focus: list[Term] = []
    for graph, cls in pairs:
        chosen = store.query(
            "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?type } FILTER (isIRI(?s)) }"
            f" ORDER BY SHA1(STR(?s)) LIMIT {per_pair}",
            {"g": graph, "type": cls},
        )
        assert isinstance(chosen, SelectResult)
        focus.extend(row["s"] for row in chosen)
    focus = sorted(set(focus), key=str)
    if not focus:
        return [], set()
    values = "VALUES ?f { " + " ".join(str(f) for f in focus) + " }"

    def one_of(var: str, predicates: Collection[str]) -> str:
        return f"FILTER ({var} IN ({', '.join(str(named_node(p)) for p in sorted(predicates))}))"

    triples = store.query(
        f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          {{ {values} GRAPH ?g {{ ?f ?p ?o }} {among("?g")} BIND (?f AS ?s) }}
          UNION {{ {{ SELECT DISTINCT ?s WHERE {{ {values} GRAPH ?g {{ ?f ?link ?s }}
                      {among("?g")} {one_of("?link", forward)} FILTER (isIRI(?s)) }} }}
                  GRAPH ?g2 {{ ?s ?p ?o }} {among("?g2")} {one_of("?p", forward)} }}
          UNION {{ {values} GRAPH ?g {{ ?s ?p ?f }} {among("?g")} {one_of("?p", inverse)}
                  BIND (?f AS ?o) }} }}"""
    )
    assert isinstance(triples, list)
    return triples, {f.value for f in focus}


def gate(store: Store) -> ValidationReport:
    """Validate the data graphs of `store`; raise ValidationFailed (nothing published) if the
    SHACL shapes or a violation check fail."""
    # The ontology package depends on rdflib.
    from ontology.shacl import path_predicates, run_checks, validate

    started = time.perf_counter()
    report = ValidationReport()
    graphs = data_graphs(store)
    focus: set[str] | None = None
    if sum(store.count(g) for g in graphs) > SHACL_FULL_LIMIT:
        reads = path_predicates(checks_run_in_store=True)
        triples, focus = _sample(store, graphs, reads.forward, reads.inverse)
        report.shacl_sampled = True
    else:
        triples = _data_triples(store, graphs)
    report.shacl_triples = len(triples)
    # The checks below run in the store over every triple, so the shapes that duplicate one of
    # them (the costly sh:sparql ones) are left out of pyshacl.
    outcome = validate(triples, checks_run_in_store=True)
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
