"""The `ema` source: both layouts of the EMA medicines export, golden graphs on tiny fixtures,
the real exports, and bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Triple
from source_graphs import assert_same_graph, rdf_graph

from graph_builder.errors import InputError
from graph_builder.sources import get_source
from graph_builder.sources.base import Rejection
from graph_builder.sources.ema import (
    KNOWN_MISFLAGGED_ATMPS,
    PATHWAY_FLAGS,
    EmaRow,
    EmaSource,
    read_curated_atmps,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ema"
REPO = Path(__file__).resolve().parents[2]
CURRENT = "ema-epar/medicines-output-medicines-report_en.xlsx"
LEGACY = "ema-epar/legacy_2018_Medicines_output_european_public_assessment_reports.xlsx"
ATMP = "https://w3id.org/atmp-kg/ontology#"

# The 30 centrally authorised ATMPs and their status in the export of 29/01/2026
# (DOMAIN.md §2.3, checked there against the same file).
AUTHORISED_ATMPS = {
    "EMEA/H/C/000878": "Withdrawn",  # ChondroCelect
    "EMEA/H/C/002145": "Expired",  # Glybera
    "EMEA/H/C/002522": "Expired",  # Maci
    "EMEA/H/C/002513": "Withdrawn",  # Provenge
    "EMEA/H/C/002450": "Authorised",  # Holoclar
    "EMEA/H/C/002771": "Authorised",  # Imlygic
    "EMEA/H/C/003854": "Authorised",  # Strimvelis
    "EMEA/H/C/002801": "Withdrawn",  # Zalmoxis
    "EMEA/H/C/002736": "Authorised",  # Spherox
    "EMEA/H/C/004258": "Withdrawn",  # Alofisel
    "EMEA/H/C/004090": "Authorised",  # Kymriah
    "EMEA/H/C/004480": "Authorised",  # Yescarta
    "EMEA/H/C/004451": "Authorised",  # Luxturna
    "EMEA/H/C/003691": "Withdrawn",  # Zynteglo
    "EMEA/H/C/004750": "Authorised",  # Zolgensma
    "EMEA/H/C/005102": "Authorised",  # Tecartus
    "EMEA/H/C/005321": "Authorised",  # Libmeldy
    "EMEA/H/C/003690": "Withdrawn",  # Skysona
    "EMEA/H/C/004662": "Authorised",  # Abecma
    "EMEA/H/C/004731": "Authorised",  # Breyanzi
    "EMEA/H/C/005095": "Authorised",  # Carvykti
    "EMEA/H/C/005352": "Authorised",  # Upstaza
    "EMEA/H/C/005830": "Authorised",  # Roctavian
    "EMEA/H/C/004577": "Authorised",  # Ebvallo
    "EMEA/H/C/004827": "Authorised",  # Hemgenix
    "EMEA/H/C/005763": "Authorised",  # Casgevy
    "EMEA/H/C/004774": "Withdrawn",  # Beqvez (previously Durveqtix)
    "EMEA/H/C/006330": "Authorised",  # Vyjuvek
    "EMEA/H/C/005907": "Authorised",  # Aucatzyl (flagged 'No' in the export)
    "EMEA/H/C/005772": "Authorised",  # Zemcelpro (flagged 'No' in the export)
}


def mapped(source: EmaSource, path: Path) -> list[Triple]:
    return [t for record in source.read(path) for t in source.triples(record)]


def assert_golden(triples: list[Triple], expected: Path) -> None:
    assert_same_graph(rdf_graph(triples), rdflib.Graph().parse(expected, format="turtle"))


def results(graph: rdflib.Graph, query: str) -> list[tuple[str, ...]]:
    """SELECT rows as tuples of strings, ontology terms without their namespace."""
    out = []
    for row in graph.query(query):
        assert isinstance(row, tuple)
        out.append(tuple(str(term).removeprefix(ATMP) for term in row))
    return out


def statuses(triples: list[Triple]) -> dict[str, str]:
    """EMA number -> MA status of the products typed atmp:ATMP."""
    rows = results(
        rdf_graph(triples),
        """PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
           SELECT ?number ?status WHERE {
             ?p a atmp:ATMP ; atmp:emaProductNumber ?number ;
                atmp:hasMarketingAuthorisation/atmp:status ?status }""",
    )
    return dict(rows)  # type: ignore[arg-type]


def test_registry_returns_the_ema_source() -> None:
    assert isinstance(get_source("ema"), EmaSource)


def test_current_layout_golden_graph() -> None:
    assert_golden(
        mapped(EmaSource(), FIXTURES / "current_layout.xlsx"),
        FIXTURES / "current_layout.expected.ttl",
    )


def test_legacy_layout_golden_graph_with_curated_list() -> None:
    source = EmaSource()
    source.curated = frozenset({"EMEA/H/C/004090", "EMEA/H/C/002522"})
    assert_golden(
        mapped(source, FIXTURES / "legacy_2018_layout.xlsx"),
        FIXTURES / "legacy_2018_layout.expected.ttl",
    )


def test_both_layouts_give_the_same_fields() -> None:
    current = {r.name: r for r in EmaSource().read(FIXTURES / "current_layout.xlsx")}
    legacy = {r.name: r for r in EmaSource().read(FIXTURES / "legacy_2018_layout.xlsx")}
    assert current["Kymriah"].layout == "current" and legacy["Kymriah"].layout == "legacy-2018"
    for row in (current["Kymriah"], legacy["Kymriah"]):
        assert row.product_number == "EMEA/H/C/004090"
        assert row.holder == "Novartis Europharm Limited"
        assert row.orphan is True and row.status == "Authorised"
        assert row.row == 10  # header on row 9, found by searching column A
    # 'yes'/'no' of 2018 read like 'Yes'/'No'; the 2018 layout has no ATMP or PRIME column.
    assert legacy["Kymriah"].advanced_therapy is None and legacy["Kymriah"].prime is None
    assert current["Kymriah"].advanced_therapy is True and current["Kymriah"].prime is True
    # DD/MM/YYYY dates, and the padded 2018 'First published' text (', ,   23/08/2018, , ').
    assert str(current["Kymriah"].ma_date) == "2018-08-23"
    assert str(legacy["Kymriah"].ma_date) == "2018-08-22"
    assert str(legacy["Kymriah"].first_published) == "2018-08-23"


def test_atmp_detection_does_not_trust_the_flag_alone() -> None:
    source = EmaSource()
    rows = {r.name: r for r in source.read(FIXTURES / "current_layout.xlsx")}
    assert rows["Aucatzyl"].advanced_therapy is False
    assert source.is_atmp(rows["Aucatzyl"])  # known mis-flag (DOMAIN.md §2.3)
    assert not source.is_atmp(rows["Heplisav B"])
    assert not source.in_scope(rows["Varenzin"])  # veterinary
    assert source.triples(rows["Heplisav B"]) == []
    assert {"EMEA/H/C/005907", "EMEA/H/C/005772"} <= set(KNOWN_MISFLAGGED_ATMPS)


def test_refused_and_withdrawn_applications_keep_their_outcome() -> None:
    found = set(
        results(
            rdf_graph(mapped(EmaSource(), FIXTURES / "current_layout.xlsx")),
            """PREFIX atmp: <https://w3id.org/atmp-kg/ontology#>
               PREFIX dct: <http://purl.org/dc/terms/>
               SELECT ?name ?outcome ?type ?date WHERE {
                 ?p rdfs:label ?name ; atmp:hasApplication ?a .
                 ?a atmp:applicationOutcome ?outcome ; atmp:hasEvent ?e .
                 ?e atmp:eventType ?type ; dct:date ?date .
                 FILTER (?type != atmp:CHMPOpinion) }""",
        )
    )
    assert found == {
        ("Elevidys", "Refused", "Refusal", "2025-09-24"),
        ("Jelrix", "ApplicationWithdrawn", "ApplicationWithdrawal", "2025-11-11"),
    }


def test_real_current_export_yields_the_30_authorised_atmps(samples: Path) -> None:
    source = EmaSource()
    triples = mapped(source, samples / CURRENT)
    assert statuses(triples) == AUTHORISED_ATMPS


def test_real_export_with_the_curated_list(samples: Path) -> None:
    source = EmaSource()
    source.configure(REPO / "data")
    curated = source.curated
    assert {n for n in AUTHORISED_ATMPS} <= curated | set(KNOWN_MISFLAGGED_ATMPS) | {
        r.product_number for r in source.read(samples / CURRENT) if r.advanced_therapy
    }
    assert statuses(mapped(source, samples / CURRENT)) == AUTHORISED_ATMPS


def test_real_legacy_export_parses_every_row(samples: Path) -> None:
    source = EmaSource()
    source.curated = frozenset(AUTHORISED_ATMPS)
    rows = list(source.read(samples / LEGACY))
    assert len(rows) == 1562 and {r.layout for r in rows} == {"legacy-2018"}
    found = statuses([t for r in rows for t in source.triples(r)])
    # The ATMPs of the 2018 export, with their 2018 status.
    assert found == {
        "EMEA/H/C/000878": "Withdrawn",
        "EMEA/H/C/002145": "Withdrawn",  # Glybera: expired 10/2017, listed withdrawn in 2018
        "EMEA/H/C/002522": "Withdrawn",
        "EMEA/H/C/002513": "Withdrawn",
        "EMEA/H/C/002450": "Authorised",
        "EMEA/H/C/002771": "Authorised",
        "EMEA/H/C/003854": "Authorised",
        "EMEA/H/C/002801": "Authorised",
        "EMEA/H/C/002736": "Authorised",
        "EMEA/H/C/004258": "Authorised",
        "EMEA/H/C/004090": "Authorised",
        "EMEA/H/C/004480": "Authorised",
    }


def test_real_export_typo_in_a_product_number_is_repaired(samples: Path) -> None:
    # Row 450 of the 29/01/2026 export reads 'EMEA/H/C005201'.
    rows = {r.row: r for r in EmaSource().read(samples / CURRENT)}
    assert rows[450].product_number == "EMEA/H/C/005201"


def test_missing_header_row_names_the_file() -> None:
    with pytest.raises(InputError) as err:
        list(EmaSource().read(FIXTURES / "no_header_row.xlsx"))
    assert err.value.file == str(FIXTURES / "no_header_row.xlsx")
    assert "Category" in str(err.value) and "\n" not in str(err.value)


def test_bad_date_names_file_row_and_column() -> None:
    with pytest.raises(InputError) as err:
        list(EmaSource().read(FIXTURES / "bad_date.xlsx"))
    e = err.value
    assert (e.source_id, e.record, e.field) == ("ema", "row 11", "Marketing authorisation date")
    assert e.file == str(FIXTURES / "bad_date.xlsx") and "2025-07-17" in e.reason


def test_bad_date_is_reported_and_reading_goes_on() -> None:
    errors: list[InputError] = []
    rows = list(EmaSource().read(FIXTURES / "bad_date.xlsx", errors.append))
    assert [r.name for r in rows] == ["Kymriah"]
    assert [(e.record, e.field) for e in errors] == [("row 11", "Marketing authorisation date")]
    assert Rejection("ema", "f", "row 11", None, "m").as_dict()["record"] == "row 11"


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    broken = tmp_path / "export.xlsx"
    broken.write_bytes((FIXTURES / "current_layout.xlsx").read_bytes()[:500])
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook") as err:
        list(EmaSource().read(broken))
    assert err.value.file == str(broken)


def test_curated_list_of_data_reference() -> None:
    products = REPO / "data" / "reference" / "products.csv"
    if not products.exists():
        pytest.skip("data/reference/products.csv is not in this checkout")
    numbers = read_curated_atmps(products)
    with open(products, newline="", encoding="utf-8") as fh:
        expected = {
            r["ema_number"] for r in csv.DictReader(fh) if r["ema_number"] and r["atmp_class"]
        }
    assert numbers == expected and len(numbers) >= 30


def test_pathway_codes_exist_in_the_curated_vocabulary() -> None:
    with open(REPO / "data" / "reference" / "pathways.csv", newline="", encoding="utf-8") as fh:
        codes = {r["code"] for r in csv.DictReader(fh)}
    assert set(PATHWAY_FLAGS.values()) | {"centralised-ma"} <= codes


def test_unknown_status_is_a_bad_record() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        EmaRow(
            source_file="x",
            row=10,
            layout="current",
            category="Human",
            name="X",
            product_number="EMEA/H/C/000001",
            status="Pending",
        )
