"""`hospital_exemption`: the hospital-exemption registry LERU asks for: national HE authorisations
(member state, authority, legal basis, hospitals, validity, indication) and HE use reports.
Project-defined layout: data/schemas/he_authorisations.json and he_use_reports.json
(docs/formats.md). A day that is not public is stored as xsd:gYearMonth, never guessed; an
aggregate use report states its period (atmp:reportPeriodStart/End) instead of a year."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar, Final

from pyoxigraph import NamedNode, Triple

from graph_builder import iris
from graph_builder.errors import shown
from graph_builder.literals import partial_date_literal
from graph_builder.namespaces import atmp, skos
from graph_builder.sources.base import ErrorHandler, raise_error
from graph_builder.sources.csv_records import (
    CsvRow,
    ProjectCsvSource,
    TripleSink,
    keyable_rows,
    lit,
    read_rows,
    row_triples,
)
from graph_builder.sources.reference import country_node, organisation

SOURCE_ID: Final = "hospital_exemption"


class HospitalExemptionSource(ProjectCsvSource):
    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "Hospital-exemption registry (project CSV layout)"

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[CsvRow]:
        # Use reports point at authorisations, so every file is read before a row is passed on.
        rows = list(
            keyable_rows(read_rows(path, SOURCE_ID, on_error), SOURCE_ID, _KEY_PARTS, on_error)
        )
        authorisations = {
            he_key(str(r.get("country")), str(r.get("product_name")), str(r.get("valid_from")))
            for r in rows
            if r.table == "he_authorisations"
        }
        for row in rows:
            if row.table == "he_use_reports" and not _covers_a_year_or_period(row):
                on_error(
                    row.error(
                        SOURCE_ID,
                        "report_year",
                        "a use report needs report_year, or period_start and period_end",
                    )
                )
                continue
            unknown = [k for k in row.items("he_authorisations") if k not in authorisations]
            if unknown and authorisations:
                on_error(
                    row.error(
                        SOURCE_ID,
                        "he_authorisations",
                        f"unknown code {shown(unknown[0])}: no hospital-exemption authorisation "
                        "has that key",
                    )
                )
                continue
            yield row

    def triples(self, record: CsvRow) -> Iterable[Triple]:
        return row_triples(
            record, {"he_authorisations": map_authorisation, "he_use_reports": map_use_report}
        )


def _covers_a_year_or_period(row: CsvRow) -> bool:
    return row.get("report_year") is not None or bool(
        row.text("period_start") and row.text("period_end")
    )


def he_key(country: str, product_name: str, valid_from: str) -> str:
    return f"{iris.iso_country(country)}-{iris.slug(product_name)}-{valid_from}"


# How each column becomes part of an authorisation key: a row where one cannot is refused in
# `read`.
_KEY_PARTS: Final = {"country": iris.iso_country, "product_name": iris.slug}


def map_authorisation(sink: TripleSink, row: CsvRow) -> None:
    country, name, valid_from = (
        str(row.get("country")),
        str(row.get("product_name")),
        str(row.get("valid_from")),
    )
    he = iris.mint("he-authorisation", he_key(country, name, valid_from))
    sink.a(he, "HospitalExemptionAuthorisation")
    sink.label(
        he, f"Hospital exemption for {name} ({iris.iso_country(country)}, from {valid_from})"
    )
    product = iris.product(name=name)
    sink.a(product, "ATMP")
    sink.label(product, name)
    sink.add(product, atmp("followsPathway"), iris.mint("pathway", "hospital-exemption"))
    sink.add(he, atmp("appliesTo"), product)
    sink.add(he, atmp("memberState"), country_node(sink, country))
    sink.add(
        he, atmp("authorisingAuthority"), organisation(sink, str(row.get("authorising_authority")))
    )
    basis = row.text("national_legal_basis")
    sink.add(he, atmp("nationalLegalBasis"), iris.legal_act(name=basis) if basis else None)
    for hospital in row.items("authorised_hospitals"):
        sink.add(he, atmp("authorisedHospital"), organisation(sink, hospital))
    for maker in row.items("authorised_manufacturing_sites"):
        sink.add(he, atmp("authorisedManufacturingSite"), manufacturing_site(sink, row, maker))
    sink.add(he, atmp("validFrom"), partial_date_literal(valid_from))
    until = row.text("valid_until")
    sink.add(he, atmp("validUntil"), partial_date_literal(until) if until else None)
    sink.add(he, atmp("maxPatients"), lit(row.get("max_patients")))
    indication = row.text("indication")
    if indication:
        disease = iris.disease(name=indication)
        sink.a(disease, "Disease")
        sink.label(disease, indication)
        sink.add(he, atmp("indication"), disease)
    sink.provenance(he, row, SOURCE_ID, row.key)


def manufacturing_site(sink: TripleSink, row: CsvRow, maker: str) -> NamedNode:
    """The site of an authorised manufacturer. HE authorisations name the organisation only, so
    the site is keyed `<org slug>-site` (ADR 0001) and carries no city or country."""
    site = iris.site(org_name=maker)
    sink.a(site, "ManufacturingSite")
    sink.label(site, f"{maker} (manufacturing site)")
    sink.add(site, atmp("operatedBy"), organisation(sink, maker))
    sink.provenance(site, row, SOURCE_ID, row.key)
    return site


def map_use_report(sink: TripleSink, row: CsvRow) -> None:
    report_id = str(row.get("report_id"))
    report = iris.mint("he-use-report", report_id)
    sink.a(report, "HEUseReport")
    sink.label(report, f"Use report {report_id}")
    for key in row.items("he_authorisations"):
        sink.add(report, atmp("reportsOn"), iris.mint("he-authorisation", key))
    sink.add(report, atmp("reportYear"), lit(row.get("report_year")))
    start, end = row.text("period_start"), row.text("period_end")
    sink.add(report, atmp("reportPeriodStart"), partial_date_literal(start) if start else None)
    sink.add(report, atmp("reportPeriodEnd"), partial_date_literal(end) if end else None)
    sink.add(report, atmp("patientsTreated"), lit(row.get("patients_treated")))
    # What the count covers (HE only, or also trials and compassionate use), as the source says.
    sink.text(report, skos("scopeNote"), row.text("settings"))
    sink.provenance(report, row, SOURCE_ID, report_id)


SOURCE = HospitalExemptionSource
