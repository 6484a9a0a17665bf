"""`eudragmdp`: manufacturing/import authorisations (MIA) and GMP certificates, plus site capability
profiles. EudraGMDP has no public export, so the layout is the project's own CSV after the EU Union
format (docs/formats.md; data/schemas/eudragmdp_documents.json and site_capabilities.json). The
shipped files are illustrative and flagged so (atmp:isIllustrative true)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar, Final

from pyoxigraph import NamedNode, Triple

from graph_builder import iris
from graph_builder.namespaces import atmp
from graph_builder.sources.base import ErrorHandler, raise_error
from graph_builder.sources.csv_records import (
    CsvRow,
    ProjectCsvSource,
    TripleSink,
    lit,
    read_rows,
    row_triples,
)
from graph_builder.sources.reference import country_node, organisation

SOURCE_ID: Final = "eudragmdp"
DOCUMENT_KINDS: Final = {
    "MIA": (iris.mia, "ManufacturingAuthorisation", "miaNumber", "hasManufacturingAuthorisation"),
    "GMPC": (iris.gmp_certificate, "GMPCertificate", "certificateNumber", "hasGMPCertificate"),
}


class EudraGmdpSource(ProjectCsvSource):
    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = (
        "EudraGMDP manufacturing authorisations and GMP certificates (Union format CSV)"
    )
    license: ClassVar[str] = "https://www.ema.europa.eu/en/about-us/legal-notice"
    homepage: ClassVar[str] = "https://eudragmdp.ema.europa.eu/"

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[CsvRow]:
        return read_rows(path, SOURCE_ID, on_error)

    def triples(self, record: CsvRow) -> Iterable[Triple]:
        return row_triples(
            record,
            {"eudragmdp_documents": map_document, "site_capabilities": map_site_capabilities},
        )


def site_node(sink: TripleSink, org_name: str, city: str, country: str) -> NamedNode:
    site = iris.site(org_name=org_name, city=city)
    sink.a(site, "ManufacturingSite")
    sink.add(site, atmp("operatedBy"), organisation(sink, org_name))
    sink.text(site, atmp("city"), city)
    sink.add(site, atmp("country"), country_node(sink, country))
    return site


def map_document(sink: TripleSink, row: CsvRow) -> None:
    mint_document, cls, number_property, site_property = DOCUMENT_KINDS[str(row.get("doc_type"))]
    number = str(row.get("number"))
    doc = mint_document(number)
    sink.a(doc, cls)
    sink.label(doc, f"{row.get('doc_type')} {number}")
    sink.text(doc, atmp(number_property), number)
    sink.add(doc, atmp("issuedBy"), organisation(sink, str(row.get("issuing_authority"))))
    sink.add(doc, atmp("scopeType"), atmp(str(row.get("scope_type"))))
    for code in row.items("operations"):
        sink.add(doc, atmp("authorisedOperation"), iris.mint("operation", code))
    sink.add(doc, atmp("validFrom"), lit(row.get("valid_from")))
    sink.add(doc, atmp("validUntil"), lit(row.get("valid_until")))
    if cls == "GMPCertificate":
        sink.add(doc, atmp("inspectionDate"), lit(row.get("inspection_date")))
    sink.add(doc, atmp("status"), atmp(str(row.get("status"))))
    site = site_node(
        sink, str(row.get("holder_name")), str(row.get("site_city")), str(row.get("site_country"))
    )
    sink.label(site, row.text("site_name"))
    sink.add(site, atmp(site_property), doc)
    sink.provenance(doc, row, SOURCE_ID, row.key)
    if row.get("illustrative") is True:
        sink.provenance(site, row, SOURCE_ID, row.key)


def map_site_capabilities(sink: TripleSink, row: CsvRow) -> None:
    org_name, city = str(row.get("org_name")), str(row.get("city"))
    site = site_node(sink, org_name, city, str(row.get("country")))
    sink.label(site, row.text("site_name"))
    sink.add(iris.org(name=org_name), atmp("orgType"), atmp(str(row.get("org_type"))))
    for code in row.items("capabilities"):
        sink.add(site, atmp("hasCapability"), iris.mint("capability", code))
    site_key = site.value.rsplit("/", 1)[-1]
    for grade in row.items("clean_room_grades"):
        room = iris.mint("clean-room", f"{site_key}-grade-{grade.lower()}")
        sink.a(room, "CleanRoom")
        sink.label(room, f"Grade {grade} area")
        sink.text(room, atmp("cleanRoomGrade"), grade)
        sink.add(site, atmp("hasCleanRoom"), room)
        sink.provenance(room, row, SOURCE_ID, f"{row.key}/{grade}")
    for model in row.items("closed_system_equipment"):
        unit = iris.mint("equipment", f"{site_key}-{iris.slug(model)}")
        sink.a(unit, "Equipment")
        sink.label(unit, model)
        sink.text(unit, atmp("equipmentModel"), model)
        sink.add(unit, atmp("isClosedSystem"), lit(True))
        sink.add(site, atmp("hasEquipment"), unit)
        sink.provenance(unit, row, SOURCE_ID, f"{row.key}/{model}")
    sink.add(
        site,
        atmp("offersThirdPartyManufacturing"),
        lit(row.get("offers_third_party_manufacturing")),
    )
    sink.provenance(site, row, SOURCE_ID, row.key)


SOURCE = EudraGmdpSource
