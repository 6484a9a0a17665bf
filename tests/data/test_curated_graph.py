"""The shipped curated data (reference, eudragmdp, materials, hospital_exemption) mapped together
with the real EU CTR and CTIS samples: the graph meets the SHACL shapes and every violation check,
and the sources meet one another on shared IRIs (legal acts, vocabularies)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph_builder.errors import InputError
from graph_builder.namespaces import ATMP, SKOS, graph_iri
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source
from graph_builder.store.base import SelectResult
from graph_builder.store.embedded import OxigraphStore
from ontology.model import load_ontology_triples
from ontology.shacl import run_checks, validate

CURATED = ("reference", "eudragmdp", "materials", "hospital_exemption")
# As tests/conftest.py finds them; read here once for the module (its fixture is per test).
SAMPLES = (
    Path(os.environ.get("ATMP_KG_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
    / "samples"
)


@dataclass
class MappedGraph:
    store: OxigraphStore
    triples: list[ox.Triple]
    rejected: list[InputError]

    def select(self, query: str) -> SelectResult:
        result = self.store.query(query)
        assert isinstance(result, SelectResult)
        return result


@pytest.fixture(scope="module")
def mapped() -> Iterator[MappedGraph]:
    samples = SAMPLES
    if not samples.is_dir():
        pytest.fail(f"shared samples not found at {samples} (set ATMP_KG_SHARED)")
    data = resolve_data_dir(Settings())
    plan = {sid: get_source(sid).default_inputs(data) for sid in CURATED}
    plan |= {"euctr": [samples / "euctr"], "ctis": [samples / "ctis"]}
    store = OxigraphStore(None)
    everything: list[ox.Triple] = []
    rejected: list[InputError] = []
    for sid, paths in plan.items():
        source = get_source(sid)
        triples = [
            t for p in paths for r in source.read(p, rejected.append) for t in source.triples(r)
        ]
        store.replace_graph(graph_iri(sid).value, triples)
        everything += triples
    store.replace_graph(graph_iri("ontology").value, load_ontology_triples())
    yield MappedGraph(store, everything, rejected)
    store.close()


def test_only_the_planted_corrupt_records_are_rejected(mapped: MappedGraph) -> None:
    # shared/samples/euctr/SOURCE.md: two values replaced by JSON_ERROR_HERE on purpose
    assert [(e.source_id, e.record) for e in mapped.rejected] == [
        ("euctr", "2022-002568-62/ES (line 3)"),
        ("euctr", "2021-002179-21/FR (line 802)"),
    ]


def test_the_mapped_graph_conforms_to_shapes_and_checks(mapped: MappedGraph) -> None:
    outcome = validate(mapped.triples)
    assert outcome.conforms, "\n".join(f"{r.focus_node}: {r.message}" for r in outcome.results)
    assert run_checks(mapped.store) == []


def test_trial_authorisations_cite_the_reference_legal_acts(mapped: MappedGraph) -> None:
    rows = mapped.select(
        f"""SELECT DISTINCT ?act ?typed WHERE {{
          ?auth a <{ATMP}ClinicalTrialAuthorisation> ; <{ATMP}legalBasis> ?act .
          BIND (EXISTS {{ GRAPH <{graph_iri("reference").value}> {{ ?act a <{ATMP}LegalAct> }} }}
                AS ?typed)
        }}"""
    )
    acts = {row["act"].value.rsplit("/", 1)[-1]: row["typed"].value for row in rows}
    assert acts == {"32001L0020": "true", "32014R0536": "true"}


def test_open_vocabularies_are_in_their_schemes(mapped: MappedGraph) -> None:
    rows = mapped.select(
        f"""SELECT ?cls (COUNT(?c) AS ?n) (SUM(IF(?inScheme, 1, 0)) AS ?schemed) WHERE {{
          VALUES ?cls {{ <{ATMP}Capability> <{ATMP}AuthorisedOperation> <{ATMP}RegulatoryPathway> }}
          ?c a ?cls .
          BIND (EXISTS {{ ?c <{SKOS}inScheme> ?scheme
                          FILTER (?scheme = IRI(CONCAT(STR(?cls), "Scheme"))) }} AS ?inScheme)
        }} GROUP BY ?cls"""
    )
    counts = {row["cls"].value: (int(row["n"].value), int(row["schemed"].value)) for row in rows}
    assert len(counts) == 3
    assert all(n > 0 and n == schemed for n, schemed in counts.values()), counts


def test_clean_room_grades_are_the_annex_1_letters(mapped: MappedGraph) -> None:
    rows = mapped.select(f"SELECT DISTINCT ?g WHERE {{ ?room <{ATMP}cleanRoomGrade> ?g }}")
    grades = {row["g"] for row in rows}
    assert grades and grades <= {ox.Literal(g) for g in "ABCD"}


def test_consumables_are_the_only_material_products_without_a_grade(mapped: MappedGraph) -> None:
    rows = mapped.select(
        f"""SELECT ?product ?consumable WHERE {{
          ?product a <{ATMP}MaterialProduct> ; <{ATMP}isProductOf> ?material .
          FILTER NOT EXISTS {{ ?product <{ATMP}grade> ?grade }}
          BIND (EXISTS {{ ?material a <{ATMP}Consumable> }} AS ?consumable)
        }}"""
    )
    assert len(rows) == 2  # the illustrative bag and tubing set
    assert all(row["consumable"].value == "true" for row in rows)
