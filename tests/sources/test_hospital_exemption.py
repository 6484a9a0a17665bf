"""The `hospital_exemption` source (HE registry layout; real, cited fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD
from source_graphs import ATMP, assert_same_graph, collect, golden, source_graph

from graph_builder.errors import InputError
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source

HE = URIRef("https://w3id.org/atmp-kg/id/he-authorisation/ES-ari-0001-2021-02")


def test_golden_graph(fixtures: Path) -> None:
    assert_same_graph(
        source_graph("hospital_exemption", fixtures / "hospital_exemption"),
        golden("hospital_exemption"),
    )


def test_month_precision_and_aggregate_report(fixtures: Path) -> None:
    graph = source_graph("hospital_exemption", fixtures / "hospital_exemption")
    assert (HE, ATMP.validFrom, Literal("2021-02", datatype=XSD.gYearMonth)) in graph
    report = URIRef("https://w3id.org/atmp-kg/id/he-use-report/ES-ari-aggregate")
    assert (report, ATMP.reportsOn, HE) in graph
    # an aggregate is not one year's count: it states its period instead of a reportYear
    assert (report, ATMP.reportYear, None) not in graph
    assert graph.value(report, ATMP.reportPeriodStart) == Literal(
        "2017-05", datatype=XSD.gYearMonth
    )
    assert graph.value(report, ATMP.reportPeriodEnd) == Literal("2025-04", datatype=XSD.gYearMonth)


def test_manufacturers_named_without_a_city_become_site_nodes(
    write_csv: Callable[[str, str], Path],
) -> None:
    header = (
        "country,product_name,authorising_authority,national_legal_basis,authorised_hospitals,"
        "authorised_manufacturing_sites,valid_from,valid_until,max_patients,indication,"
        "illustrative,source_url,source_note\n"
    )
    path = write_csv(
        "authorisations.csv",
        header + "NL,TIL,Inspectie Gezondheidszorg en Jeugd,nl-geneesmiddelenwet-art-40-3-d,"
        "NKI-AVL,NKI-AVL;Stichting Sanquin Bloedvoorziening,2023-01-15,,,melanoma,false,"
        "https://www.zorginstituutnederland.nl/x,\n",
    )
    graph = source_graph("hospital_exemption", path)
    he = URIRef("https://w3id.org/atmp-kg/id/he-authorisation/NL-til-2023-01-15")
    sites = set(graph.objects(he, ATMP.authorisedManufacturingSite))
    sanquin = URIRef("https://w3id.org/atmp-kg/id/site/stichting-sanquin-bloedvoorziening-site")
    assert sites == {URIRef("https://w3id.org/atmp-kg/id/site/nki-avl-site"), sanquin}
    assert (sanquin, RDF.type, ATMP.ManufacturingSite) in graph
    org = URIRef("https://w3id.org/atmp-kg/id/org/stichting-sanquin-bloedvoorziening")
    assert graph.value(sanquin, ATMP.operatedBy) == org
    assert (sanquin, ATMP.city, None) not in graph  # no city is invented
    assert (he, SKOS.note, None) not in graph
    legal_basis = URIRef("https://w3id.org/atmp-kg/id/legal-act/nl-geneesmiddelenwet-art-40-3-d")
    assert graph.value(he, ATMP.nationalLegalBasis) == legal_basis


def test_use_report_without_year_or_period(fixtures: Path, tmp_path: Path) -> None:
    for name in ("authorisations.csv", "use_reports.csv"):
        text = (fixtures / "hospital_exemption" / name).read_text()
        (tmp_path / name).write_text(text.replace(",2017-05,2025-04,,502,", ",2017-05,,,502,"))
    errors: list[InputError] = []
    rows = list(get_source("hospital_exemption").read(tmp_path, on_error=collect(errors)))
    assert [r.table for r in rows] == ["he_authorisations"]
    assert [(e.record, e.field) for e in errors] == [("row 2", "report_year")]
    assert "period_start and period_end" in str(errors[0])


def test_report_on_unknown_authorisation(fixtures: Path, tmp_path: Path) -> None:
    for name in ("authorisations.csv", "use_reports.csv"):
        text = (fixtures / "hospital_exemption" / name).read_text()
        (tmp_path / name).write_text(
            text.replace("ES-ari-0001-2021-02,2017", "ES-ari-0001-2021-03,2017")
        )
    errors: list[InputError] = []
    rows = list(get_source("hospital_exemption").read(tmp_path, on_error=collect(errors)))
    assert [r.table for r in rows] == ["he_authorisations"]
    assert [(e.record, e.field) for e in errors] == [("row 2", "he_authorisations")]


@pytest.mark.parametrize(
    ("value", "field"), [("2021", "valid_from"), ("2021-02-30x", "valid_from")]
)
def test_bad_valid_from(
    fixtures: Path, write_csv: Callable[[str, str], Path], value: str, field: str
) -> None:
    text = (
        (fixtures / "hospital_exemption" / "authorisations.csv")
        .read_text()
        .replace(",2021-02,", f",{value},")
    )
    path = write_csv("authorisations.csv", text)
    with pytest.raises(InputError) as info:
        list(get_source("hospital_exemption").read(path))
    assert (info.value.record, info.value.field) == ("row 2", field)


def test_shipped_registry_loads() -> None:
    source = get_source("hospital_exemption")
    rows = [r for p in source.default_inputs(resolve_data_dir(Settings())) for r in source.read(p)]
    countries = {r.get("country") for r in rows if r.table == "he_authorisations"}
    assert countries == {"ES", "NL"}
    assert all(r.get("illustrative") is False for r in rows)
