"""`materials`: the raw-material catalogue the JOIN4ATMP GMP coordination hub proposes (an EU-wide
raw-material database): one row per supplier catalogue product of a material, with grade, origin,
Ph. Eur. 5.2.12 / TSE statements, lead time and qualified equivalents. Project-defined layout:
data/schemas/material_catalogue.json, documented in docs/formats.md."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar, Final

from pyoxigraph import NamedNode, Triple

from graph_builder import iris
from graph_builder.errors import shown
from graph_builder.namespaces import atmp
from graph_builder.sources.base import ErrorHandler, raise_error
from graph_builder.sources.csv_records import (
    CsvRow,
    ProjectCsvSource,
    TripleSink,
    keyable_rows,
    lit,
    read_rows,
)
from graph_builder.sources.reference import organisation

SOURCE_ID: Final = "materials"


def product_key(supplier: str, catalogue_number: str) -> str:
    """`<supplier slug>-<catalogue number slug>` (ADR 0001), also the form of `equivalent_to`."""
    return f"{_supplier_slug(supplier)}-{iris.slug(catalogue_number)}"


def _supplier_slug(supplier: str) -> str:
    return iris.slug(iris.normalise_org_name(supplier))


# How each column becomes part of a product key: a row where one cannot is refused in `read`.
_KEY_PARTS: Final = {"supplier_name": _supplier_slug, "catalogue_number": iris.slug}


def material_product(supplier: str, catalogue_number: str) -> NamedNode:
    return iris.mint("material-product", product_key(supplier, catalogue_number))


class MaterialsSource(ProjectCsvSource):
    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "Raw-material catalogue (JOIN4ATMP hub CSV layout)"

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[CsvRow]:
        # equivalent_to points at other rows, so the whole catalogue is read first.
        rows = list(
            keyable_rows(read_rows(path, SOURCE_ID, on_error), SOURCE_ID, _KEY_PARTS, on_error)
        )
        keys = {
            product_key(str(r.get("supplier_name")), str(r.get("catalogue_number"))) for r in rows
        }
        for row in rows:
            unknown = [k for k in row.items("equivalent_to") if k not in keys]
            if unknown:
                on_error(
                    row.error(
                        SOURCE_ID,
                        "equivalent_to",
                        f"unknown code {shown(unknown[0])}: no catalogue row has that key",
                    )
                )
                continue
            yield row

    def triples(self, record: CsvRow) -> Iterable[Triple]:
        sink = TripleSink()
        supplier, number = str(record.get("supplier_name")), str(record.get("catalogue_number"))
        node = material_product(supplier, number)
        sink.a(node, "MaterialProduct")
        sink.label(node, record.text("product_name"))
        sink.add(node, atmp("isProductOf"), iris.mint("material", str(record.get("material_id"))))
        sink.add(node, atmp("suppliedBy"), organisation(sink, supplier))
        sink.text(node, atmp("catalogueNumber"), number)
        for column, prop in (
            ("grade", "grade"),
            ("origin", "origin"),
            ("usp1043_tier", "usp1043Tier"),
        ):
            value = record.text(column)
            sink.add(node, atmp(prop), atmp(value) if value else None)
        for column, prop in (
            ("ph_eur_5212", "compliesWithPhEur5212"),
            ("tse_certificate", "hasTSECertificate"),
            ("animal_origin_free", "animalOriginFree"),
            ("lead_time_days", "leadTimeDays"),
        ):
            sink.add(node, atmp(prop), lit(record.get(column)))
        for key in record.items("equivalent_to"):
            sink.add(node, atmp("equivalentMaterial"), iris.mint("material-product", key))
        sink.provenance(node, record, SOURCE_ID, record.key)
        return sink.triples


SOURCE = MaterialsSource
