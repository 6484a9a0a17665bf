"""The `ctgov` source: ClinicalTrials.gov API v2 JSON as a single study, a page, or a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rdflib
from source_graphs import assert_same_graph, rdf_graph

from graph_builder.errors import InputError
from graph_builder.sources import get_source
from graph_builder.sources.ctgov import CtgovSource, Study

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov"
SYNTHETIC = FIXTURES / "synthetic_car_t_study.json"
ID = "https://w3id.org/atmp-kg/id/"
ATMP = "https://w3id.org/atmp-kg/ontology#"


def mapped(path: Path) -> rdflib.Graph:
    source = CtgovSource()
    return rdf_graph([t for r in source.read(path) for t in source.triples(r)])


def synthetic() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SYNTHETIC.read_text(encoding="utf-8"))
    return data


def value(graph: rdflib.Graph, subject: str, prop: str) -> set[str]:
    return {str(o) for o in graph.objects(rdflib.URIRef(subject), rdflib.URIRef(ATMP + prop))}


def test_registry_returns_the_ctgov_source() -> None:
    assert isinstance(get_source("ctgov"), CtgovSource)


def test_synthetic_fixture_says_so() -> None:
    data = synthetic()
    ident = data["protocolSection"]["identificationModule"]
    assert "synthetic" in SYNTHETIC.name
    assert ident["briefTitle"].startswith("[SYNTHETIC]")
    assert "SYNTHETIC TEST RECORD" in data["protocolSection"]["descriptionModule"]["briefSummary"]


def test_synthetic_car_t_golden_graph() -> None:
    golden = rdflib.Graph().parse(FIXTURES / "synthetic_car_t_study.expected.ttl", format="turtle")
    assert_same_graph(mapped(SYNTHETIC), golden)


def test_eudract_secondary_id_sets_the_trial_key() -> None:
    graph = mapped(SYNTHETIC)
    trial = ID + "trial/2099-000001-11"
    assert value(graph, trial, "nctNumber") == {"NCT99999901"}
    assert value(graph, trial, "eudractNumber") == {"2099-000001-11"}
    assert value(graph, trial, "isIllustrative") == {"true"}
    assert value(graph, trial, "hasPhase") == {ATMP + "Phase1_2"}
    # '2019-03' is a month: the start is its first day; sponsor class OTHER is non-commercial.
    assert value(graph, trial, "startDate") == {"2019-03-01"}
    assert value(graph, trial, "isCommercialSponsor") == {"false"}
    # The procedure (leukapheresis) is not a product; the drug and the gene therapy are.
    assert value(graph, trial, "testsProduct") == {
        ID + "product/tisagenlecleucel",
        ID + "product/fludarabine",
    }
    assert value(graph, trial, "conductedIn") == {ID + "country/NL", ID + "country/ES"}


def test_real_records_parse(samples: Path) -> None:
    graph = mapped(samples / "ctgov-v2")
    omburtamab = ID + "trial/NCT03275402"
    assert value(graph, omburtamab, "trialStatus") == {ATMP + "Terminated"}
    assert value(graph, omburtamab, "hasPhase") == {ATMP + "Phase2_3"}
    assert value(graph, omburtamab, "isCommercialSponsor") == {"true"}
    assert value(graph, omburtamab, "whyStopped") == {
        "Corporate business decision. Not due to safety or efficacy concerns."
    }
    assert value(graph, omburtamab, "startDate") == {"2018-12-11"}
    result = ID + "trial-result/NCT03275402-ctgov"
    assert value(graph, omburtamab, "hasResult") == {result}
    assert value(graph, result, "postedOn") == {"2024-02-13"}
    filgrastim = ID + "trial/NCT01987596"
    # Month-only dates: a start is the first day, a completion the last day of the month.
    assert value(graph, filgrastim, "startDate") == {"2013-08-01"}
    assert value(graph, filgrastim, "endOfTrialDate") == {"2018-06-30"}
    # REGISTRY / OTHER / NIH secondary ids are no EU trial numbers.
    assert value(graph, filgrastim, "eudractNumber") == set()
    assert len(value(graph, filgrastim, "hasTrialSite")) == 1
    countries = value(graph, omburtamab, "conductedIn")
    assert {ID + f"country/{c}" for c in ("US", "DK", "JP", "ES")} <= countries


def test_a_page_of_studies_and_a_folder_of_pages(samples: Path, tmp_path: Path) -> None:
    studies = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((samples / "ctgov-v2").glob("*.json"))
    ]
    page = tmp_path / "pages" / "page-1.json"
    page.parent.mkdir()
    page.write_text(json.dumps({"studies": studies, "nextPageToken": "NXQ"}), encoding="utf-8")
    (tmp_path / "pages" / "page-2.json").write_text(
        json.dumps({"studies": [synthetic()]}), encoding="utf-8"
    )
    ids = [s.nct_id for s in CtgovSource().read(page)]
    assert ids == ["NCT01987596", "NCT03275402"]
    ids = [s.nct_id for s in CtgovSource().read(tmp_path / "pages")]
    assert ids == ["NCT01987596", "NCT03275402", "NCT99999901"]
    single = CtgovSource().read(samples / "ctgov-v2" / "NCT03275402.json")
    assert [s.source_file for s in single] == [str(samples / "ctgov-v2" / "NCT03275402.json")]


def test_truncated_json_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "studies.json"
    broken.write_text(SYNTHETIC.read_text(encoding="utf-8")[:700], encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as err:
        list(CtgovSource().read(broken))
    assert err.value.file == str(broken) and err.value.source_id == "ctgov"
    assert "\n" not in str(err.value)


def test_bad_date_names_study_and_json_path(tmp_path: Path) -> None:
    data = synthetic()
    data["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "2019-13"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"studies": [synthetic(), data]}), encoding="utf-8")
    errors: list[InputError] = []
    good = list(CtgovSource().read(bad, errors.append))
    assert [s.nct_id for s in good] == ["NCT99999901"]
    [e] = errors
    assert e.record == "NCT99999901 (studies[1])"
    assert e.field == "protocolSection.statusModule.startDateStruct.date"
    assert e.file == str(bad)
    with pytest.raises(InputError):
        list(CtgovSource().read(bad))


def test_missing_nct_id_and_bad_secondary_id(tmp_path: Path) -> None:
    no_id = synthetic()
    del no_id["protocolSection"]["identificationModule"]["nctId"]
    bad_eudract = synthetic()
    bad_eudract["protocolSection"]["identificationModule"]["secondaryIdInfos"][0]["id"] = "n/a"
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"studies": [no_id, bad_eudract]}), encoding="utf-8")
    errors: list[InputError] = []
    assert list(CtgovSource().read(path, errors.append)) == []
    assert [(e.record, e.field) for e in errors] == [
        ("studies[0]", "protocolSection.identificationModule.nctId"),
        ("NCT99999901 (studies[1])", "protocolSection.identificationModule.secondaryIdInfos.0.id"),
    ]


def test_eu_ct_number_and_eudract_in_free_text() -> None:
    data = synthetic()
    data["protocolSection"]["identificationModule"]["secondaryIdInfos"] = [
        {"id": "EudraCT 2009-011277-33", "type": "OTHER"},
        {"id": "2024-510663-34-00", "type": "REGISTRY", "domain": "CTIS"},
    ]
    study = Study.model_validate({**data, "source_file": "x.json"})
    graph = rdf_graph(list(CtgovSource().triples(study)))
    trial = ID + "trial/2009-011277-33"
    assert value(graph, trial, "eudractNumber") == {"2009-011277-33"}
    assert value(graph, trial, "euCtNumber") == {"2024-510663-34-00"}


def test_unknown_country_is_a_bad_record(tmp_path: Path) -> None:
    data = synthetic()
    data["protocolSection"]["contactsLocationsModule"]["locations"][0]["country"] = "Atlantis"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [study] = CtgovSource().read(path)
    with pytest.raises(InputError) as err:
        CtgovSource().triples(study)
    assert err.value.field == "protocolSection.contactsLocationsModule.locations.0.country"


def test_not_a_study(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"data": []}', encoding="utf-8")
    with pytest.raises(InputError, match=r"not a ClinicalTrials\.gov v2 study"):
        list(CtgovSource().read(path))
