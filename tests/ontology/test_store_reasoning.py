"""The ABox module that `reason` gives HermiT: bounded, stable, without provenance nodes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph_builder.errors import NotFound
from graph_builder.namespaces import graph_iri
from graph_builder.store.embedded import OxigraphStore
from ontology.store_reasoning import abox_module

REFERENCE = graph_iri("reference").value
DATA = b"""@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix ex: <https://w3id.org/atmp-kg/id/example/> .
ex:trial a atmp:ClinicalTrial ; atmp:hasSponsor ex:org ; atmp:testsProduct ex:p1 .
ex:org a atmp:Organisation ; atmp:orgType atmp:Academic .
ex:p1 a atmp:MedicinalProduct ; atmp:isCART true .
ex:p2 a atmp:MedicinalProduct .
ex:p3 a atmp:MedicinalProduct .
ex:row-1 a atmp:SourceRecord .
ex:untyped atmp:isCART false .
"""


def store_with(data: bytes, reverse: bool = False) -> OxigraphStore:
    store = OxigraphStore(None)
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, ox.RdfFormat.TURTLE)
    ]
    store.replace_graph(REFERENCE, reversed(triples) if reverse else triples)
    return store


def test_whole_graph_without_source_records_or_untyped_nodes() -> None:
    module = abox_module(store_with(DATA), REFERENCE, 1000)
    subjects = {str(t.subject).strip("<>").rsplit("/", 1)[-1] for t in module.triples}
    assert subjects == {"trial", "org", "p1", "p2", "p3"}
    assert (module.individuals, module.available, len(module.triples)) == (5, 5, 9)


def test_cap_takes_a_stable_sample_with_all_triples_of_each_individual() -> None:
    first = abox_module(store_with(DATA), REFERENCE, 2)
    again = abox_module(store_with(DATA, reverse=True), REFERENCE, 2)
    assert (first.individuals, first.available) == (2, 5)
    assert set(first.triples) == set(again.triples)
    chosen = {t.subject for t in first.triples}
    everything = abox_module(store_with(DATA), REFERENCE, 1000).triples
    assert set(first.triples) == {t for t in everything if t.subject in chosen}


def test_missing_graph_and_bad_cap() -> None:
    with pytest.raises(NotFound, match="no graph"):
        abox_module(store_with(DATA), graph_iri("ctgov").value, 10)
    with pytest.raises(ValueError, match="at least 1"):
        abox_module(store_with(DATA), REFERENCE, 0)
