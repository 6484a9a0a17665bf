"""The build pipeline (graph_builder.build): real samples, partial builds, bad input, lenient
quarantine, the validation gate, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from graph_builder.build import build, default_plan
from graph_builder.errors import InputError, ValidationFailed
from graph_builder.namespaces import GRAPH, sparql_prologue
from graph_builder.store import EmbeddedStore, SelectResult

ID = "https://w3id.org/atmp-kg/id/"
EMA_2026 = "ema-epar/medicines-output-medicines-report_en.xlsx"
BAD_DATE = Path(__file__).resolve().parents[1] / "sources" / "fixtures" / "ema" / "bad_date.xlsx"
# Values that differ between two builds of the same inputs: build times and the day the
# manufacturability assessments were computed.
VOLATILE = (
    "http://www.w3.org/ns/prov#startedAtTime",
    "http://www.w3.org/ns/prov#endedAtTime",
)


def select(store: EmbeddedStore, query: str) -> list[dict[str, str]]:
    result = store.query(sparql_prologue() + query)
    assert isinstance(result, SelectResult)
    return [{k: v.value for k, v in row.items()} for row in result]


def meta_count(store: EmbeddedStore, source_id: str, prop: str) -> int:
    run = f"<{ID}source/{source_id}/run>"
    [row] = select(store, f"SELECT ?n WHERE {{ GRAPH <{GRAPH}meta> {{ {run} atmp:{prop} ?n }} }}")
    return int(row["n"])


def graph(store: EmbeddedStore, graph_id: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for s, p, o in _triples(store, graph_id):
        g.add((s, p, o))
    return g


def _triples(store: EmbeddedStore, graph_id: str) -> list[tuple[rdflib.term.Node, ...]]:
    import io

    buffer = io.BytesIO()
    store.export(buffer, "nt", GRAPH + graph_id)
    parsed = rdflib.Graph().parse(data=buffer.getvalue().decode("utf-8"), format="nt")
    return [t for t in parsed if str(t[1]) not in VOLATILE]


def snapshot(store: EmbeddedStore) -> tuple[Path | None, dict[str, int]]:
    return store.current, {g: store.count(g) for g in store.graphs()}


def test_real_samples_build_validated_and_linked(
    embedded_store: EmbeddedStore, samples: Path, reference_data: Path, ctgov_fixture: Path
) -> None:
    report = build(
        embedded_store,
        {"ema": [samples / EMA_2026], "ctgov": [samples / "ctgov-v2", ctgov_fixture]},
        data_dir=reference_data,
    )
    assert report.validation is not None and report.validation.ok
    ema = next(s for s in report.sources if s.source_id == "ema")
    assert (ema.records_read, ema.records_mapped, ema.records_rejected) == (2650, 38, 0)
    assert ema.records_skipped == 2612  # non-ATMP and veterinary rows, counted not dropped
    ctgov = next(s for s in report.sources if s.source_id == "ctgov")
    assert (ctgov.records_read, ctgov.records_mapped) == (3, 3)
    # The reference data came along (empty store), and every graph is there.
    assert set(report.graphs) >= {
        GRAPH + g for g in ("reference", "ema", "ctgov", "ontology", "inferred", "meta")
    }
    atmps = select(
        embedded_store,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?p a atmp:ATMP ;"
        " atmp:hasMarketingAuthorisation ?ma } }",
    )
    assert atmps == [{"n": "30"}]
    # The synthetic CAR-T study tests tisagenlecleucel: that is Kymriah, so an ATMP trial.
    kymriah = select(
        embedded_store,
        f"SELECT ?t WHERE {{ ?t atmp:testsProduct <{ID}product/EMEA-H-C-004090> ;"
        " a atmp:ATMPTrial }",
    )
    assert ID + "trial/2099-000001-11" in {r["t"] for r in kymriah}
    # Its sources type Kymriah with its ATMP class (GTMP) and flag it CAR-T: a CAR-T product.
    types = select(embedded_store, f"SELECT ?c WHERE {{ <{ID}product/EMEA-H-C-004090> a ?c }}")
    assert {"CARTProduct", "GTMP", "MedicinalProduct"} <= {r["c"].split("#")[-1] for r in types}
    assert report.rules["cart-product"] >= 1


def test_bad_record_stops_the_build_and_changes_nothing(
    embedded_store: EmbeddedStore, reference_data: Path, ctgov_fixture: Path
) -> None:
    build(embedded_store, {"ctgov": [ctgov_fixture]}, data_dir=reference_data)
    before = snapshot(embedded_store)
    with pytest.raises(InputError) as err:
        build(embedded_store, {"ema": [BAD_DATE]}, data_dir=reference_data)
    message = str(err.value)
    assert "\n" not in message
    for part in ("source ema", f"file {BAD_DATE}", "record row 11", "Marketing authorisation date"):
        assert part in message
    assert snapshot(embedded_store) == before
    assert GRAPH + "ema" not in embedded_store.graphs()


def test_lenient_build_quarantines_bad_records(
    embedded_store: EmbeddedStore, reference_data: Path, tmp_path: Path
) -> None:
    # A partial build into an empty store also builds the defaults (here: the reference data).
    quarantine = tmp_path / "q" / "rejected.json"
    report = build(
        embedded_store,
        {"ema": [BAD_DATE]},
        data_dir=reference_data,
        lenient=True,
        report_path=quarantine,
    )
    assert report.quarantine == quarantine
    content = json.loads(quarantine.read_text(encoding="utf-8"))
    assert content["rejections"] == [
        {
            "source_id": "ema",
            "file": str(BAD_DATE),
            "record": "row 11",
            "field": "Marketing authorisation date",
            "message": "expected a date DD/MM/YYYY, got '2025-07-17'",
        }
    ]
    assert content["sources"]["ema"] == {
        "records_read": 2,
        "records_mapped": 1,
        "records_rejected": 1,
    }
    # The good row is built; the rejected count is in the meta graph.
    assert embedded_store.query(
        sparql_prologue() + f"ASK {{ <{ID}product/EMEA-H-C-004090> a atmp:ATMP }}"
    )
    assert meta_count(embedded_store, "ema", "recordsRejected") == 1


def test_default_quarantine_path_is_in_the_store(
    embedded_store: EmbeddedStore, reference_data: Path
) -> None:
    report = build(embedded_store, {"ema": [BAD_DATE]}, data_dir=reference_data, lenient=True)
    assert report.quarantine is not None
    assert report.quarantine.parent == embedded_store.root
    assert report.quarantine.name.startswith("quarantine-")


def test_source_build_replaces_only_its_graph(
    embedded_store: EmbeddedStore,
    samples: Path,
    reference_data: Path,
    ema_fixture: Path,
    ctgov_fixture: Path,
) -> None:
    build(
        embedded_store,
        {"ema": [ema_fixture], "ctgov": [samples / "ctgov-v2"]},
        data_dir=reference_data,
    )
    ema_before = graph(embedded_store, "ema")
    reference_before = graph(embedded_store, "reference")
    ema_run = _triples(embedded_store, "meta")
    report = build(embedded_store, {"ctgov": [ctgov_fixture]}, data_dir=reference_data)
    assert [s.source_id for s in report.sources] == ["ctgov"]
    assert isomorphic(graph(embedded_store, "ema"), ema_before)
    assert isomorphic(graph(embedded_store, "reference"), reference_before)
    trials = select(
        embedded_store, f"SELECT ?t WHERE {{ GRAPH <{GRAPH}ctgov> {{ ?t a atmp:ClinicalTrial }} }}"
    )
    assert trials == [{"t": ID + "trial/2099-000001-11"}]
    # The provenance of the ema run is kept; the ctgov run's is replaced.
    ema_prov = {t for t in ema_run if str(t[0]).startswith(ID + "source/ema/")}
    assert ema_prov and ema_prov <= set(_triples(embedded_store, "meta"))
    assert meta_count(embedded_store, "ctgov", "recordsRead") == 1


def test_two_builds_of_the_same_inputs_are_isomorphic(
    tmp_path: Path, samples: Path, reference_data: Path, ema_fixture: Path, ctgov_fixture: Path
) -> None:
    sources = {"ema": [ema_fixture], "ctgov": [samples / "ctgov-v2", ctgov_fixture]}
    first, second = EmbeddedStore(tmp_path / "a"), EmbeddedStore(tmp_path / "b")
    build(first, sources, data_dir=reference_data)
    build(second, sources, data_dir=reference_data)
    build(second, sources, data_dir=reference_data)  # and a rebuild in place changes nothing
    assert first.graphs() == second.graphs()
    for g in first.graphs():
        graph_id = g.removeprefix(GRAPH)
        assert isomorphic(graph(first, graph_id), graph(second, graph_id)), graph_id


def test_failing_validation_changes_nothing(
    embedded_store: EmbeddedStore, reference_data: Path, ctgov_fixture: Path, tmp_path: Path
) -> None:
    build(embedded_store, {"ctgov": [ctgov_fixture]}, data_dir=reference_data)
    before = snapshot(embedded_store)
    study = json.loads(ctgov_fixture.read_text(encoding="utf-8"))
    # The study ends before it starts: the trial_end_before_start check and a shape fail.
    study["protocolSection"]["statusModule"]["completionDateStruct"]["date"] = "2018-01-31"
    bad = tmp_path / "ends_before_start.json"
    bad.write_text(json.dumps(study), encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        build(embedded_store, {"ctgov": [bad]}, data_dir=reference_data)
    assert "trial_end_before_start" in str(err.value)
    assert "2099-000001-11" in err.value.report
    assert snapshot(embedded_store) == before


def test_missing_input_is_reported_before_anything_starts(
    embedded_store: EmbeddedStore, reference_data: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="no such file") as err:
        build(embedded_store, {"ctgov": [tmp_path / "nope.json"]}, data_dir=reference_data)
    assert err.value.source_id == "ctgov"
    with pytest.raises(InputError, match="unknown source id"):
        build(embedded_store, {"nosuch": [tmp_path]}, data_dir=reference_data)
    assert embedded_store.graphs() == []


def test_default_build_takes_every_source_with_default_inputs(
    embedded_store: EmbeddedStore, reference_data: Path, ctgov_fixture: Path
) -> None:
    (reference_data / "ctgov").mkdir()
    (reference_data / "ctgov" / ctgov_fixture.name).write_bytes(ctgov_fixture.read_bytes())
    plan = default_plan(reference_data)
    assert set(plan) == {"reference", "ctgov"}
    report = build(embedded_store, None, data_dir=reference_data)
    assert not report.partial and report.ontology_triples
    assert {s.source_id for s in report.sources} == {"reference", "ctgov"}
    assert GRAPH + "ontology" in embedded_store.graphs()
