"""The `ctis` source on the two real CTIS records (shared samples: the layout after the June 2024
relaunch and the one before it) and on SYNTHETIC fixtures in both layouts
(tests/sources/fixtures/ctis/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, XSD
from source_graphs import ATMP, DCT, ID, assert_same_graph, rdf_graph

from graph_builder.errors import InputError
from graph_builder.sources import get_source
from graph_builder.sources.ctis import CtisSource, CtisTrial

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ctis"
NEW_SYNTHETIC = FIXTURES / "synthetic_cart_2099-500001-11-00.json"
LEGACY_SYNTHETIC = FIXTURES / "synthetic_legacy_tep_2099-500002-22-00.json"


def graph_of(trials: list[CtisTrial]) -> Graph:
    return rdf_graph(t for trial in trials for t in CtisSource().triples(trial))


def real(samples: Path, name: str) -> Path:
    return samples / "ctis" / name


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_registered_under_its_source_id() -> None:
    source = get_source("ctis")
    assert isinstance(source, CtisSource)
    assert source.default_inputs(Path("data")) == []


@pytest.mark.parametrize("fixture", [NEW_SYNTHETIC, LEGACY_SYNTHETIC], ids=["2024", "legacy"])
def test_synthetic_records_match_their_golden_graphs(fixture: Path) -> None:
    expected = Graph().parse(fixture.with_name(fixture.stem + ".golden.ttl"))
    assert_same_graph(graph_of(list(CtisSource().read(fixture))), expected)


def test_real_record_after_the_relaunch(samples: Path) -> None:
    (trial,) = list(CtisSource().read(real(samples, "2024-510663-34-00.json")))
    assert trial.layout == "2024"
    assert trial.status_text == "Ongoing, recruiting"
    graph = graph_of([trial])
    # transitioned from EudraCT: minted under the EudraCT number, with all three numbers
    node = ID["trial/2019-001588-63"]
    assert graph.value(node, ATMP.eudractNumber) == Literal("2019-001588-63")
    assert graph.value(node, ATMP.euCtNumber) == Literal("2024-510663-34-00")
    assert graph.value(node, ATMP.nctNumber) == Literal("NCT04494412")
    assert (None, ATMP.transitionedTo, None) not in graph
    assert graph.value(node, ATMP.trialStatus) == ATMP.Recruiting
    assert graph.value(node, ATMP.hasPhase) == ATMP.Phase2
    assert graph.value(node, ATMP.startDate) == Literal("2021-01-29", datatype=XSD.date)
    countries = {str(c).rsplit("/", 1)[-1] for c in graph.objects(node, ATMP.conductedIn)}
    assert countries == {"ES", "IT"}
    spain = ID["trial-authorisation/2024-510663-34-00-ES"]
    assert graph.value(spain, DCT.date) == Literal("2024-04-24", datatype=XSD.date)
    assert graph.value(spain, ATMP.legalBasis) == ID["legal-act/32014R0536"]
    italy = ID["trial-authorisation/2024-510663-34-00-IT"]
    assert graph.value(italy, DCT.date) == Literal("2024-10-23", datatype=XSD.date)
    # the IMP is linked to the EMA product by its centralised procedure number
    assert (node, ATMP.testsProduct, ID["product/EMEA-H-C-004102"]) in graph
    sponsor = ID["org/ORG-100005535"]
    assert graph.value(node, ATMP.hasSponsor) == sponsor
    assert graph.value(sponsor, ATMP.orgType) == ATMP.Industry
    assert graph.value(node, ATMP.isCommercialSponsor) == Literal(True)
    assert len(set(graph.objects(node, ATMP.hasTrialSite))) == 6
    assert (None, ATMP.isATMPTrial, None) not in graph  # the new layout has no ATMP flag
    assert graph.value(node, ATMP.isRareDisease) == Literal(False)  # isConditionRareDisease
    # "IMP12407/00001 and IMP12304/00001": two authorisations, keyed like EudraGMDP's MIAs
    mias = set(graph.objects(ID["product/EMEA-H-C-004102"], ATMP.manufacturedUnderAuthorisation))
    assert mias == {ID["mia/imp12407-00001"], ID["mia/imp12304-00001"]}
    assert graph.value(ID["mia/imp12407-00001"], ATMP.miaNumber) == Literal("IMP12407/00001")
    assert (ID["mia/imp12407-00001"], RDF.type, ATMP.ManufacturingAuthorisation) in graph


def test_real_record_before_the_relaunch(samples: Path) -> None:
    (trial,) = list(CtisSource().read(real(samples, "legacy_pre2024-06_2022-500244-37-00.json")))
    assert trial.layout == "legacy"
    assert [p.atmp for p in trial.products] == [False, False, False, False]
    graph = graph_of([trial])
    node = ID["trial/2022-500244-37-00"]
    assert graph.value(node, ATMP.trialStatus) == ATMP.Authorised_NotStarted
    assert graph.value(node, ATMP.hasPhase) == ATMP.Phase2
    assert graph.value(node, ATMP.isATMPTrial) == Literal(False)
    countries = {str(c).rsplit("/", 1)[-1] for c in graph.objects(node, ATMP.conductedIn)}
    assert countries == {"DE", "CH"}  # the member state and the country outside the EEA
    germany = ID["trial-authorisation/2022-500244-37-00-DE"]
    assert graph.value(germany, ATMP.authorisationDecision) == Literal("authorized")
    assert graph.value(germany, DCT.date) == Literal("2022-08-03", datatype=XSD.date)
    # same authority IRI as the EU CTR's "Germany - BfArM"
    assert graph.value(germany, ATMP.competentAuthority) == ID["org/germany-bfarm"]
    # placebos are not tested products
    tested = {str(p).rsplit("/", 1)[-1] for p in graph.objects(node, ATMP.testsProduct)}
    assert tested == {"pioglitazone-hydrochloride", "pamapimod"}
    # the sponsor's status for this trial (Non-Commercial), not its organisation flag
    assert graph.value(node, ATMP.isCommercialSponsor) == Literal(False)
    # the MedDRA term of the condition names the same node as the free-text condition
    covid = ID["disease/covid-19"]
    assert set(graph.objects(node, ATMP.condition)) == {covid}
    assert graph.value(covid, ATMP.meddraTerm) == Literal("COVID-19")
    assert graph.value(covid, ATMP.meddraCode) == Literal("10084268")


def test_both_real_samples_read_as_a_folder(samples: Path) -> None:
    errors: list[InputError] = []
    trials = list(CtisSource().read(samples / "ctis", errors.append))
    assert errors == []
    assert sorted(t.ct_number for t in trials) == ["2022-500244-37-00", "2024-510663-34-00"]


def test_eudract_number_without_transition_flag_keeps_two_nodes() -> None:
    graph = graph_of(list(CtisSource().read(NEW_SYNTHETIC)))
    earlier, current = ID["trial/2099-000001-11"], ID["trial/2099-500001-11-00"]
    assert (earlier, ATMP.transitionedTo, current) in graph
    assert (current, ATMP.eudractNumber, None) not in graph
    assert graph.value(current, ATMP.trialStatus) == ATMP.Terminated  # ended early everywhere
    assert graph.value(current, ATMP.isIllustrative) == Literal(True)


def test_search_page_and_array_shapes(tmp_path: Path, samples: Path) -> None:
    records = [load(real(samples, "2024-510663-34-00.json")), load(LEGACY_SYNTHETIC)]
    page = write(tmp_path, "search.json", {"pagination": {"page": 1}, "data": records})
    array = write(tmp_path, "array.json", records)
    for path in (page, array):
        assert [t.ct_number for t in CtisSource().read(path)] == [
            "2024-510663-34-00",
            "2099-500002-22-00",
        ]
    old_page = write(tmp_path, "old.json", {"totalSize": 1, "elements": records[:1]})
    assert [t.ct_number for t in CtisSource().read(old_page)] == ["2024-510663-34-00"]


def test_an_overview_item_is_a_bad_record(tmp_path: Path) -> None:
    overview = {"ctNumber": "2099-500003-33-00", "ctStatus": 4, "ctTitle": "An overview only"}
    path = write(tmp_path, "search.json", {"data": [load(LEGACY_SYNTHETIC), overview]})
    with pytest.raises(InputError) as caught:
        list(CtisSource().read(path))
    assert caught.value.record == "2099-500003-33-00 (data.1)"
    assert caught.value.field == "authorizedApplication"
    errors: list[InputError] = []
    assert [t.ct_number for t in CtisSource().read(path, errors.append)] == ["2099-500002-22-00"]
    assert len(errors) == 1


def test_truncated_json_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(NEW_SYNTHETIC.read_text(encoding="utf-8")[:500], encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(CtisSource().read(path))
    assert caught.value.file == str(path)
    assert "not valid JSON" in str(caught.value)


def _broken(tmp_path: Path, change: Any) -> Path:
    data = load(NEW_SYNTHETIC)
    change(data)
    return write(tmp_path, "broken.json", data)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda d: d["authorizedApplication"]["authorizedPartsII"][1]["mscInfo"].update(
                decisionDate="2024-20-08"
            ),
            "authorizedApplication.authorizedPartsII.1.mscInfo.decisionDate",
        ),
        (lambda d: d.update(startDateEU="31/02/2024"), "startDateEU"),
        (lambda d: d.update(ctNumber="2099-1-00"), "ctNumber"),
        (lambda d: d.update(ctPublicStatusCode=42), "ctPublicStatusCode"),
        (
            lambda d: d["authorizedApplication"]["eudraCt"].update(eudraCtCode="EUDRACT"),
            "authorizedApplication.eudraCt.eudraCtCode",
        ),
        (
            lambda d: d["authorizedApplication"]["authorizedPartI"]["trialDetails"][
                "trialInformation"
            ]["trialCategory"].update(trialPhase="99"),
            "authorizedApplication.authorizedPartI.trialDetails.trialInformation"
            ".trialCategory.trialPhase",
        ),
        (
            lambda d: d["authorizedApplication"]["authorizedPartsII"][0]["mscInfo"].update(
                countryName="Atlantis", mscName="Atlantis"
            ),
            "authorizedApplication.authorizedPartsII.0.mscInfo.countryName",
        ),
        (
            lambda d: d["authorizedApplication"]["authorizedPartI"]["sponsors"][0].update(
                isCommercial="yes"
            ),
            "authorizedApplication.authorizedPartI.sponsors.0.isCommercial",
        ),
        (lambda d: d.update(totalNumberEnrolled="twelve"), "totalNumberEnrolled"),
        (
            lambda d: d["authorizedApplication"]["authorizedPartI"]["products"][0].update(
                miaNumber="IMP1 and ;"
            ),
            "authorizedApplication.authorizedPartI.products.0.miaNumber",
        ),
        (
            lambda d: d["authorizedApplication"]["authorizedPartI"]["trialDetails"][
                "trialInformation"
            ]["medicalCondition"].update(
                meddraConditionTerms=[{"termName": "Lymphoma", "classificationCode": "C85"}]
            ),
            "authorizedApplication.authorizedPartI.trialDetails.trialInformation"
            ".medicalCondition.meddraConditionTerms.0.classificationCode",
        ),
        (
            lambda d: d["authorizedApplication"]["authorizedPartI"].update(products={"id": 1}),
            "authorizedApplication.authorizedPartI.products",
        ),
    ],
)
def test_malformed_values_name_their_json_path(tmp_path: Path, change: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        list(CtisSource().read(_broken(tmp_path, change)))
    assert caught.value.source_id == "ctis"
    number = "2099-1-00" if field == "ctNumber" else "2099-500001-11-00"
    assert caught.value.record == f"{number} (record)"
    assert caught.value.field == field


def test_legacy_status_strings_are_checked(tmp_path: Path) -> None:
    data = load(LEGACY_SYNTHETIC)
    data["ctStatus"] = "Somewhere in between"
    with pytest.raises(InputError) as caught:
        list(CtisSource().read(write(tmp_path, "legacy.json", data)))
    assert caught.value.field == "ctStatus"


def test_mapped_fixtures_and_samples_pass_the_project_shapes(samples: Path) -> None:
    from ontology.shacl import validate

    source = CtisSource()
    paths = (FIXTURES, samples / "ctis")
    outcome = validate([t for p in paths for r in source.read(p) for t in source.triples(r)])
    assert outcome.conforms, outcome.report_text


def test_legacy_record_without_a_top_level_part_i_reads_the_application(tmp_path: Path) -> None:
    data = load(LEGACY_SYNTHETIC)
    data["applications"][0]["partI"] = data.pop("authorizedPartI")
    (trial,) = list(CtisSource().read(write(tmp_path, "application.json", data)))
    assert trial.layout == "legacy"
    assert trial.title == "A synthetic trial of a tissue-engineered cartilage product"
    assert [p.atmp for p in trial.products] == [True, False]
