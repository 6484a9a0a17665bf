"""HermiT over what a store holds: the ontology, plus a bounded module of one graph's individuals,
with the new facts written to a graph of their own.

Why a bounded module (DESIGN.md "Reasoning"): HermiT grows super-quadratically with individuals
(14 s for 1.3k, 250 s for 4.8k), so it classifies the ontology and a sample of at most
`max_individuals` individuals; the same instance inferences over the whole graph are the build's
SPARQL rules. Why `graph/inferred-owl`: the build drops and recomputes `graph/inferred` on every
run (graph_builder/build.py), which would silently erase the reasoner's output; this graph is
replaced as a whole by each reasoning run instead, and queries see it in the union of graphs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Final, Protocol

from pyoxigraph import NamedNode, Triple

from graph_builder.errors import NotFound, QueryTimeout, ValidationFailed
from graph_builder.namespaces import INFERRED_OWL, RDF_TYPE, atmp
from ontology.model import load_ontology_triples
from ontology.reasoning import DEFAULT_TIMEOUT, ReasoningResult, reason_ontology, reason_over
from ontology.shacl import QueryableStore

DEFAULT_MAX_INDIVIDUALS: Final = 1000
# Provenance nodes say where a row came from; classifying them tells nothing and costs time.
_SKIPPED_TYPES: Final = frozenset({atmp("SourceRecord")})
_GRAPH_TRIPLES: Final = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


class ReasoningStore(QueryableStore, Protocol):
    """The Store methods reasoning needs; every graph_builder.store.Store satisfies it."""

    def graphs(self) -> list[str]: ...

    def replace_graph(self, graph: str, triples: Iterable[Triple]) -> int: ...

    def writing(self) -> AbstractContextManager[ReasoningStore]: ...


@dataclass(frozen=True)
class AboxModule:
    """The individuals of one graph chosen for HermiT, with the triples about them."""

    graph: str
    individuals: int
    available: int
    triples: list[Triple]


@dataclass(frozen=True)
class StoreReasoningReport:
    ontology: ReasoningResult
    module: AboxModule
    data: ReasoningResult
    written: int

    @property
    def new_types(self) -> int:
        return sum(1 for t in self.data.inferred if t.predicate == RDF_TYPE)


def abox_module(store: ReasoningStore, graph: str, max_individuals: int) -> AboxModule:
    """At most `max_individuals` typed individuals of `graph` and every triple the graph states
    about them. A cap below the graph's size takes a stable pseudo-random sample (by a hash of
    the IRI), so a sample mixes every type instead of the first types in IRI order."""
    if max_individuals < 1:
        raise ValueError("max_individuals must be at least 1")
    if graph not in store.graphs():
        raise NotFound(f"no graph <{graph}> in the store; build it first or choose another")
    result = store.query(_GRAPH_TRIPLES, {"g": NamedNode(graph)})
    assert isinstance(result, list)  # a CONSTRUCT answers with triples
    skipped = {t.subject for t in result if t.predicate == RDF_TYPE and t.object in _SKIPPED_TYPES}
    typed = {
        t.subject for t in result if t.predicate == RDF_TYPE and isinstance(t.subject, NamedNode)
    } - skipped
    ranked = sorted(typed, key=lambda n: hashlib.sha1(n.value.encode("utf-8")).hexdigest())
    chosen = set(ranked[:max_individuals])
    triples = [t for t in result if t.subject in chosen]
    return AboxModule(graph, len(chosen), len(typed), triples)


def reason_over_store(
    store: ReasoningStore,
    graph: str,
    *,
    max_individuals: int = DEFAULT_MAX_INDIVIDUALS,
    timeout: float = DEFAULT_TIMEOUT,
    java: str | None = None,
) -> StoreReasoningReport:
    """Classify the ontology and a module of `graph`'s individuals; replace INFERRED_OWL with
    what HermiT found that neither states (new class subsumptions and most specific types).

    Raises ValidationFailed (nothing written) when the ontology or the module is inconsistent,
    QueryTimeout when a HermiT run passes `timeout` seconds, NotFound for a missing or empty
    graph."""
    module = abox_module(store, graph, max_individuals)
    if not module.triples:
        raise NotFound(f"graph <{graph}> has no typed individuals to reason over")
    try:
        ontology = reason_ontology(timeout=timeout, java=java)
    except QueryTimeout:
        raise QueryTimeout(
            f"HermiT did not classify the ontology within {timeout:g} s; raise the time limit"
        ) from None
    try:
        data = reason_over(module.triples, timeout=timeout, java=java, strict=False)
    except QueryTimeout:
        raise QueryTimeout(
            f"HermiT did not finish within {timeout:g} s on {module.individuals} individuals of "
            f"<{graph}>; lower the individual cap or raise the time limit"
        ) from None
    if not data.consistent:
        raise ValidationFailed(
            f"the {module.individuals} individuals taken from <{graph}> contradict the ontology "
            "(HermiT); nothing was written",
            report=data.report,
        )
    stated = set(load_ontology_triples()) | set(module.triples)
    new = [t for t in dict.fromkeys([*ontology.inferred, *data.inferred]) if t not in stated]
    with store.writing() as writer:
        written = writer.replace_graph(INFERRED_OWL, new)
    return StoreReasoningReport(ontology, module, data, written)
