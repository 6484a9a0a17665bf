"""The `euctr` source on the real EU CTR full-text download (shared samples) and on a SYNTHETIC
fixture written to the real label layout (tests/sources/fixtures/euctr/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD
from source_graphs import ATMP, DCT, ID, assert_same_graph, rdf_graph

from graph_builder.countries import country_code
from graph_builder.errors import InputError
from graph_builder.sources import get_source
from graph_builder.sources.euctr import EuctrSource, EuctrTrial, read_country_records
from graph_builder.sources.euctr_text import parse

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "euctr"
SYNTHETIC = FIXTURES / "synthetic_cart_atimp_2099-000001-11.txt"


def graph_of(trials: list[EuctrTrial]) -> Graph:
    return rdf_graph(t for trial in trials for t in EuctrSource().triples(trial))


def download(samples: Path) -> Path:
    return samples / "euctr" / "euctr_fulltext_download_sample.txt"


def test_registered_under_its_source_id() -> None:
    source = get_source("euctr")
    assert isinstance(source, EuctrSource)
    assert source.default_inputs(Path("data")) == []


def test_synthetic_record_matches_its_golden_graph() -> None:
    trials = list(EuctrSource().read(SYNTHETIC))
    expected = Graph().parse(SYNTHETIC.with_name(SYNTHETIC.stem + ".golden.ttl"))
    assert_same_graph(graph_of(trials), expected)


def test_synthetic_record_merges_three_country_records_into_one_trial() -> None:
    (trial,) = list(EuctrSource().read(SYNTHETIC))
    assert [(p.country, p.line) for p in trial.parts] == [("DE", 3), ("FR", 158), ("FR", 311)]
    graph = graph_of([trial])
    node = ID["trial/2099-000001-11"]
    assert (node, ATMP.isIllustrative, Literal(True)) in graph
    assert set(graph.objects(node, ATMP.hasTrialAuthorisation)) == {
        ID["trial-authorisation/2099-000001-11-DE"],
        ID["trial-authorisation/2099-000001-11-FR"],
    }
    # DE completed, FR prematurely ended: the most active state wins
    assert set(graph.objects(node, ATMP.trialStatus)) == {ATMP.Completed}
    # the second FR record's other decision date is kept as a note, not as a second date
    fr = ID["trial-authorisation/2099-000001-11-FR"]
    assert list(graph.objects(fr, DCT.date)) == [Literal("2021-03-01", datatype=XSD.date)]
    assert "2021-04-15" in str(graph.value(fr, RDFS.comment))
    # other spellings of title and sponsor become alternative labels
    assert (ID["org/synthetic-university-hospital-example"], SKOS.altLabel, None) in graph
    assert (
        node,
        SKOS.altLabel,
        Literal("Eine synthetische Phase-1/2-Studie mit SYN-CART-19", lang="de"),
    ) in graph


def test_synthetic_record_keeps_multi_line_values_and_free_text_that_looks_like_a_code() -> None:
    with open(SYNTHETIC, encoding="utf-8") as handle:
        first = next(parse(handle, str(SYNTHETIC)))
    e3 = next(e for e in first.entries if e.code == "E.3")
    assert e3.value is not None
    assert e3.value.splitlines() == [
        "1.\tAdults aged 18 years or older;",
        "",
        "2.\tRelapsed or refractory disease after two lines of therapy;",
        "A. Patients with measurable disease",
        "3.\tAdequate organ function.",
    ]
    labels = {(e.code, e.label) for e in first.entries}
    assert ("B.1.3.4", "Country") in labels  # the label after a TAB
    assert ("B.3.1 and B.3.2", "Status of the sponsor") in labels
    routes = next(e for e in first.entries if e.code == "D.3.7")
    assert routes.value == "Intravenous use"


def test_atimp_flags_become_sponsor_classification_assertions() -> None:
    graph = graph_of(list(EuctrSource().read(SYNTHETIC)))
    product = ID["product/syn-cart-19"]
    (assertion,) = list(graph.objects(product, ATMP.hasClassification))
    assert graph.value(assertion, ATMP.assertsClass) == ATMP.GTMP
    assert graph.value(assertion, ATMP.classificationSource) == ATMP.SponsorSelfClassification
    # D.3.11.3.5: the sponsor says the CAT has classified the product (its class is not given)
    assert graph.value(assertion, ATMP.catClassificationIssued) == Literal(True)
    assert (assertion, RDFS.comment, None) not in graph
    # the chemical comparator is tested too but declares no ATMP class
    comparator = ID["product/synthetic-comparator-tablets"]
    assert (ID["trial/2099-000001-11"], ATMP.testsProduct, comparator) in graph
    assert (comparator, ATMP.hasClassification, None) not in graph


def test_real_download_strict_stops_at_the_first_corrupted_value(samples: Path) -> None:
    path = download(samples)
    with pytest.raises(InputError) as caught:
        list(EuctrSource().read(path))
    error = caught.value
    assert error.source_id == "euctr"
    assert error.file == str(path)
    assert error.record == "2022-002568-62/ES (line 3)"
    assert error.field == "A.7 Trial is part of a Paediatric Investigation Plan"
    assert "JSON_ERROR_HERE" in str(error)
    assert str(error).count("\n") == 0


def test_real_download_lenient_quarantines_the_two_corrupted_records(samples: Path) -> None:
    errors: list[InputError] = []
    trials = list(EuctrSource().read(download(samples), errors.append))
    assert [(e.record, e.field) for e in errors] == [
        ("2022-002568-62/ES (line 3)", "A.7 Trial is part of a Paediatric Investigation Plan"),
        (
            "2021-002179-21/FR (line 802)",
            "A.8 EMA Decision number of Paediatric Investigation Plan",
        ),
    ]
    # 10 country records: 2 quarantined, the other 8 merged into the 2 trials
    assert {t.eudract: [p.country for p in t.parts] for t in trials} == {
        "2022-002568-62": ["SE", "SE"],
        "2021-002179-21": ["ES", "GR", "PL", "PL", "PT", "HU"],
    }


def test_real_masitinib_trial_maps_one_authorisation_per_member_state(samples: Path) -> None:
    trials = list(EuctrSource().read(download(samples), lambda e: None))
    graph = graph_of([t for t in trials if t.eudract == "2021-002179-21"])
    node = ID["trial/2021-002179-21"]
    countries = {str(c).rsplit("/", 1)[-1] for c in graph.objects(node, ATMP.conductedIn)}
    assert countries == {"ES", "GR", "PL", "PT", "HU"}
    assert len(set(graph.objects(node, ATMP.hasTrialAuthorisation))) == 5
    assert set(graph.objects(node, ATMP.hasPhase)) == {ATMP.Phase3}
    assert graph.value(node, ATMP.isATMPTrial) == Literal(False)
    # ES writes "ABScience", the others "AB Science": one sponsor node, the other spelling kept
    sponsor = ID["org/abscience"]
    assert (node, ATMP.hasSponsor, sponsor) in graph
    assert (sponsor, SKOS.altLabel, Literal("AB Science")) in graph
    assert graph.value(node, ATMP.isCommercialSponsor) == Literal(True)
    greek = ID["trial-authorisation/2021-002179-21-GR"]
    assert graph.value(greek, DCT.date) == Literal("2022-09-30", datatype=XSD.date)
    assert graph.value(greek, ATMP.competentAuthority) == ID["org/greece-eof"]


def test_real_clean_gene_therapy_record_parses_fully(samples: Path) -> None:
    path = samples / "euctr" / "euctr_atmp_gene_therapy_record_2022-002568-62_SE.txt"
    (trial,) = list(EuctrSource().read(path))
    (imp,) = trial.protocol.imps
    assert imp.atimp is True
    assert imp.atmp_classes == ("GTMP",)
    assert imp.orphan_number == "EMA/OD/0000068610"
    graph = graph_of([trial])
    node = ID["trial/2022-002568-62"]
    assert graph.value(node, ATMP.isATMPTrial) == Literal(True)
    assert graph.value(node, ATMP.declaredATMPClass) == ATMP.GTMP
    assert graph.value(node, ATMP.hasPhase) == ATMP.Phase1_2
    assert graph.value(node, ATMP.trialStatus) == ATMP.Ongoing
    assert graph.value(node, ATMP.registry) == ATMP.EUCTR
    assert graph.value(node, ATMP.hasSponsor) == ID["org/aviadobio-ltd"]
    assert graph.value(ID["org/aviadobio-ltd"], ATMP.country) == ID["country/GB"]
    assert graph.value(ID["org/aviadobio-ltd"], ATMP.orgType) == ATMP.Industry
    product = ID["product/avb-101"]
    assert (node, ATMP.testsProduct, product) in graph
    designation = graph.value(product, ATMP.hasOrphanDesignation)
    assert graph.value(designation, ATMP.designationNumber) == Literal("EMA/OD/0000068610")
    (assertion,) = list(graph.objects(product, ATMP.hasClassification))
    assert graph.value(assertion, ATMP.catClassificationIssued) == Literal(False)
    assert graph.value(node, ATMP.isRareDisease) == Literal(True)  # E.1.3
    auth = ID["trial-authorisation/2022-002568-62-SE"]
    assert graph.value(auth, ATMP.memberState) == ID["country/SE"]
    assert graph.value(auth, ATMP.authorisationDecision) == Literal("Authorised")
    assert graph.value(auth, DCT.date) == Literal("2023-04-13", datatype=XSD.date)
    assert graph.value(auth, ATMP.legalBasis) == ID["legal-act/32001L0020"]
    link = URIRef("https://www.clinicaltrialsregister.eu/ctr-search/trial/2022-002568-62/SE/")
    assert (node, DCT.source, link) in graph


def test_meddra_terms_become_coded_conditions(samples: Path) -> None:
    trials = list(EuctrSource().read(download(samples), lambda e: None))
    graph = graph_of([t for t in trials if t.eudract == "2021-002179-21"])
    node = ID["trial/2021-002179-21"]
    coded = {
        str(graph.value(d, ATMP.meddraTerm)): str(graph.value(d, ATMP.meddraCode))
        for d in graph.objects(node, ATMP.condition)
        if graph.value(d, ATMP.meddraTerm) is not None
    }
    assert coded == {
        "Alzheimer's disease (incl subtypes)": "10001897",
        "Alzheimer's disease": "10001896",
        "Early onset Alzheimer's disease": "10086384",
    }
    # keyed on the term: the same node as the condition named "Alzheimer's disease" anywhere
    assert graph.value(ID["disease/alzheimer-s-disease"], ATMP.meddraCode) == Literal("10001896")
    assert graph.value(node, ATMP.isRareDisease) == Literal(False)


def _variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = SYNTHETIC.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.txt"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_unparseable_date_names_record_and_field(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        "N. Date of Competent Authority Decision: 2021-02-01",
        "N. Date of Competent Authority Decision: 2021-02-31",
    )
    with pytest.raises(InputError) as caught:
        list(EuctrSource().read(path))
    assert caught.value.record == "2099-000001-11/DE (line 3)"
    assert caught.value.field == "N. Date of Competent Authority Decision"
    assert "2021-02-31" in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "Link: https://www.clinicaltrialsregister.eu/ctr-search/trial/2099-000001-11/DE/",
            "Link: https://example.org/elsewhere",
            "Link",
        ),
        ("EudraCT Number: 2099-000001-11", "EudraCT Number: 2099-1-11", "EudraCT Number"),
        (
            "Trial Status: Completed",
            "Trial Status: Finished-ish",
            "Trial Status",
        ),
        (
            "Status of the sponsor: Non-Commercial",
            "Status of the sponsor: Sometimes",
            "B.3.1 and B.3.2 Status of the sponsor",
        ),
        (
            "National Competent Authority: Germany - PEI",
            "National Competent Authority: Italy - AIFA",
            "National Competent Authority",
        ),
        ("B.1.3.4\tCountry: Germany", "B.1.3.4\tCountry: Atlantis", "B.1.3.4 Country"),
        ("NCT99000001", "NCT990", "A.5.2 US NCT (ClinicalTrials.gov registry) number"),
        (
            "F.4.2.2 In the whole clinical trial: 40",
            "F.4.2.2 In the whole clinical trial: forty",
            "F.4.2.2 In the whole clinical trial",
        ),
    ],
)
def test_malformed_values_name_their_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        list(EuctrSource().read(_variant(tmp_path, old, new)))
    assert caught.value.field == field
    assert caught.value.file == str(tmp_path / "variant.txt")


def test_lenient_read_keeps_the_other_country_records(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        "E.1.3 Condition being studied is a rare disease: Yes",
        "E.1.3 Condition being studied is a rare disease: Perhaps",
    )
    errors: list[InputError] = []
    (trial,) = list(EuctrSource().read(path, errors.append))
    assert [e.field for e in errors] == ["E.1.3 Condition being studied is a rare disease"]
    assert [p.country for p in trial.parts] == ["FR", "FR"]


def test_not_a_download_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Some notes about trials\nSummary\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(EuctrSource().read(path))
    assert caught.value.file == str(path)
    assert caught.value.record == "line 1"
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no 'Summary' line"):
        list(EuctrSource().read(empty))


def test_not_utf8_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(SYNTHETIC.read_text(encoding="utf-8").replace("ä", "\xe4").encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        list(EuctrSource().read(path))


def test_text_before_the_first_field_of_a_record_is_reported(tmp_path: Path) -> None:
    path = _variant(tmp_path, "Summary\nEudraCT Number", "Summary\nstray words\nEudraCT Number")
    with pytest.raises(InputError) as caught:
        list(EuctrSource().read(path))
    assert caught.value.field == "line 4"
    assert "stray words" in str(caught.value)


def test_crlf_line_ends_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(SYNTHETIC.read_bytes().replace(b"\n", b"\r\n"))
    assert list(EuctrSource().read(path)) == [
        t.model_copy(
            update={"parts": tuple(p.model_copy(update={"file": str(path)}) for p in t.parts)}
        )
        for t in EuctrSource().read(SYNTHETIC)
    ]


def test_a_third_country_record_has_no_member_state(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        "trial/2099-000001-11/DE/",
        "trial/2099-000001-11/3rd/",
    )
    (trial,) = list(EuctrSource().read(path))
    assert [p.country for p in trial.parts] == [None, "FR", "FR"]
    graph = graph_of([trial])
    node = ID["trial/2099-000001-11"]
    assert (node, ATMP.hasTrialAuthorisation, ID["trial-authorisation/2099-000001-11-FR"]) in graph
    assert len(set(graph.objects(node, ATMP.hasTrialAuthorisation))) == 1
    assert (
        node,
        DCT.source,
        URIRef("https://www.clinicaltrialsregister.eu/ctr-search/trial/2099-000001-11/3rd/"),
    ) in graph


def test_a_folder_reads_every_download_in_it(tmp_path: Path, samples: Path) -> None:
    (tmp_path / "a.txt").write_bytes(SYNTHETIC.read_bytes())
    clean = samples / "euctr" / "euctr_atmp_gene_therapy_record_2022-002568-62_SE.txt"
    (tmp_path / "b.txt").write_bytes(clean.read_bytes())
    (tmp_path / "ignored.md").write_text("not a download", encoding="utf-8")
    records = list(read_country_records(tmp_path))
    assert [(Path(r.file).name, r.eudract, r.country) for r in records] == [
        ("a.txt", "2099-000001-11", "DE"),
        ("a.txt", "2099-000001-11", "FR"),
        ("a.txt", "2099-000001-11", "FR"),
        ("b.txt", "2022-002568-62", "SE"),
    ]
    assert [t.eudract for t in EuctrSource().read(tmp_path)] == ["2099-000001-11", "2022-002568-62"]


def test_mapped_fixture_and_sample_trial_pass_the_project_shapes(samples: Path) -> None:
    from ontology.shacl import validate

    source = EuctrSource()
    trials = list(source.read(SYNTHETIC))
    # both trials of the real download, the gene therapy one with an EMA/OD designation number
    trials += list(source.read(download(samples), lambda e: None))
    outcome = validate([t for trial in trials for t in source.triples(trial)])
    assert outcome.conforms, outcome.report_text


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("  the   Netherlands ", "NL"),
        ("UK", "GB"),
        ("EL", "GR"),
        ("es", "ES"),
        ("Turkey", "TR"),
        ("Korea, Republic of", "KR"),
        # ClinicalTrials.gov's legacy spellings share the one table
        ("Macedonia, The Former Yugoslav Republic of", "MK"),
        ("Kosovo", "XK"),
        ("Former Serbia and Montenegro", "CS"),
        ("3rd", None),
        ("Outside EU/EEA", None),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_names_of_every_register_map_to_iso_codes(name: str, code: str | None) -> None:
    assert country_code(name) == code
