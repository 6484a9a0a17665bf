"""Synthetic rows of the project-defined CSV layouts (data/schemas/*.json): EudraGMDP documents
and site capability profiles, the raw-material catalogue, hospital-exemption authorisations and
use reports, and manufacturing processes (the `reference` illustrative_processes layout, which is
what gives manufacturability products to assess). Files are named after their table, so the
sources pick the layout by name; every row is `illustrative=true` with a SYNTHETIC note."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from benchmarks import ema_export
from benchmarks.world import (
    CITIES,
    COUNTRIES,
    REFERENCE,
    SOURCE_URL,
    SYNTHETIC_NOTE,
    World,
    day,
    ema_number,
    later,
    skewed,
)
from graph_builder import iris
from graph_builder.sources.hospital_exemption import he_key
from graph_builder.sources.materials import product_key

SCHEMAS: Final = REFERENCE.parent / "schemas"
ATMP_OPERATIONS: Final = ("1.3.1.3", "1.3.1.4", "1.3.1.7")
CERTIFICATION_OPERATIONS: Final = ("1.3.2.3", "1.3.2.4", "1.3.2.7")
QC_OPERATIONS: Final = ("1.6.1", "1.6.2", "1.6.3", "1.6.4")
CLASS_OPERATION: Final = {"GTMP": "1.3.1.4", "SCTMP": "1.3.1.3", "TEP": "1.3.1.7"}
SCOPES: Final = ("CommercialScope", "InvestigationalScope", "HospitalExemptionScope")
GRADES: Final = (
    ("GMPGrade", 0.5),
    ("PrinciplesOfGMPGrade", 0.1),
    ("ClinicalGrade", 0.1),
    ("ResearchUseOnly", 0.3),
)
ORG_TYPES: Final = ("Hospital", "Academic", "Industry", "CDMO", "SME")
EQUIPMENT: Final = ("Synthetic ClosedCell 100", "Synthetic BioReactor X", "Synthetic Sepax S")
ON: Final = date(2025, 6, 1)


def columns(table: str) -> list[str]:
    """Column names of a layout, in the schema's order (data/schemas is their one definition)."""
    doc = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    return [c["name"] for c in doc["tableSchema"]["columns"]]


def write_table(path: Path, table: str, rows: Iterable[dict[str, str]]) -> int:
    names = columns(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _synthetic(row: dict[str, str]) -> dict[str, str]:
    row.update(illustrative="true", source_url=SOURCE_URL, source_note=SYNTHETIC_NOTE)
    return row


def _subset(rng: random.Random, items: Sequence[str], low: int, high: int) -> list[str]:
    return sorted(rng.sample(list(items), rng.randint(low, min(high, len(items)))))


# --- EudraGMDP ---------------------------------------------------------------------------------


def _site(world: World, i: int) -> tuple[str, str, str, str]:
    """(site name, operator, city, country) of site `i`; operator and city are unique per site,
    because the site IRI is keyed on them (ADR 0001)."""
    rng = random.Random(f"site-{world.seed}-{i}")
    code = COUNTRIES[rng.randrange(len(COUNTRIES))][0]
    city = rng.choice(CITIES[code])
    return (
        f"Synthetic ATMP Manufacturing Site {i:06d}",
        f"Synthetic Manufacturer {i:06d}",
        city,
        code,
    )


def site_rows(world: World) -> Iterable[dict[str, str]]:
    for i in range(world.plan.sites):
        rng = random.Random(f"site-profile-{world.seed}-{i}")
        name, operator, city, code = _site(world, i)
        yield _synthetic(
            {
                "site_name": name,
                "org_name": operator,
                "org_type": rng.choice(ORG_TYPES),
                "city": city,
                "country": code,
                "capabilities": ";".join(
                    _subset(rng, world.capabilities, len(world.capabilities) // 2, 26)
                ),
                "clean_room_grades": ";".join(_subset(rng, "ABCD", 1, 4)),
                "closed_system_equipment": rng.choice(EQUIPMENT) if rng.random() < 0.5 else "",
                "offers_third_party_manufacturing": rng.choice(("true", "false")),
            }
        )


def document_rows(world: World) -> Iterable[dict[str, str]]:
    for i in range(world.plan.sites):
        rng = random.Random(f"site-documents-{world.seed}-{i}")
        name, operator, city, code = _site(world, i)
        issued = day(rng, 2015, 2024)
        common = {
            "holder_name": operator,
            "site_name": name,
            "site_city": city,
            "site_country": code,
            "issuing_authority": f"Synthetic Competent Authority {code}",
        }
        mia_status = "Authorised" if rng.random() < 0.9 else "Suspended"
        operations = _subset(rng, ATMP_OPERATIONS, 1, 3) + _subset(rng, QC_OPERATIONS, 1, 4)
        if rng.random() < 0.1:
            operations = ["1.3.1"]  # a parent operation covers its narrower ones
        yield _synthetic(
            {
                **common,
                "doc_type": "MIA",
                "number": f"SYN-MIA-{i:07d}",
                "scope_type": rng.choice(SCOPES),
                "operations": ";".join(operations + _subset(rng, CERTIFICATION_OPERATIONS, 0, 3)),
                "valid_from": issued.isoformat(),
                "valid_until": "",
                "inspection_date": "",
                "status": mia_status,
            }
        )
        inspected = later(rng, issued, 30, 1500)
        valid_from = later(rng, inspected, 10, 60)
        yield _synthetic(
            {
                **common,
                "doc_type": "GMPC",
                "number": f"SYN-GMP-{i:07d}",
                "scope_type": rng.choice(SCOPES),
                "operations": ";".join(operations),
                "valid_from": valid_from.isoformat(),
                "valid_until": (valid_from + timedelta(days=3 * 365)).isoformat(),
                "inspection_date": inspected.isoformat(),
                "status": "Authorised",
            }
        )


# --- materials ---------------------------------------------------------------------------------


def material_rows(world: World) -> Iterable[dict[str, str]]:
    suppliers = [
        f"Synthetic Supplier {k:05d} GmbH" for k in range(max(10, world.plan.records // 500))
    ]
    earlier: dict[str, list[str]] = {}
    for i in range(world.plan.materials):
        rng = random.Random(f"material-{world.seed}-{i}")
        material = world.materials[i % len(world.materials)]
        supplier = skewed(rng, suppliers)
        number = f"SYN-{i:08d}"
        grade = rng.choices([g for g, _ in GRADES], [w for _, w in GRADES])[0]
        equivalents = earlier.setdefault(material, [])
        equivalent = (
            equivalents[rng.randrange(len(equivalents))]
            if (equivalents and rng.random() < 0.1)
            else ""
        )
        if len(equivalents) < 50:
            equivalents.append(product_key(supplier, number))
        yield _synthetic(
            {
                "supplier_name": supplier,
                "catalogue_number": number,
                "product_name": f"Synthetic {material.replace('-', ' ')} lot family {i:08d}",
                "material_id": material,
                "grade": grade,
                "origin": "",
                "usp1043_tier": f"Tier{rng.randint(1, 4)}",
                "ph_eur_5212": rng.choice(("true", "false")),
                "tse_certificate": rng.choice(("true", "false", "")),
                "animal_origin_free": rng.choice(("true", "false")),
                "lead_time_days": str(rng.randrange(1, 120)),
                "equivalent_to": equivalent,
            }
        )


# --- hospital exemption ------------------------------------------------------------------------


def _he_authorisations(world: World) -> list[dict[str, str]]:
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for i in range(world.plan.he_authorisations):
        rng = random.Random(f"he-{world.seed}-{i}")
        code = COUNTRIES[rng.randrange(len(COUNTRIES))][0]
        product = skewed(rng, world.products)
        valid_from = day(rng, 2010, 2024)
        while (code, product.code, valid_from.isoformat()) in seen:
            valid_from += timedelta(days=1)
        seen.add((code, product.code, valid_from.isoformat()))
        hospitals = {skewed(rng, world.hospitals).name for _ in range(rng.randint(1, 2))}
        rows.append(
            _synthetic(
                {
                    "country": code,
                    "product_name": product.code,
                    "authorising_authority": f"Synthetic Competent Authority {code}",
                    "national_legal_basis": f"{code.lower()}-synthetic-hospital-exemption-act",
                    "authorised_hospitals": ";".join(sorted(hospitals)),
                    "authorised_manufacturing_sites": "",
                    "valid_from": valid_from.isoformat(),
                    "valid_until": later(rng, valid_from, 365, 5 * 365).isoformat(),
                    "max_patients": str(rng.randrange(5, 100)),
                    "indication": skewed(rng, world.diseases).name,
                }
            )
        )
    return rows


def he_tables(world: World) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    authorisations = _he_authorisations(world)
    reports = []
    for k in range(world.plan.he_reports):
        rng = random.Random(f"he-report-{world.seed}-{k}")
        auth = authorisations[k % len(authorisations)]
        start = date.fromisoformat(auth["valid_from"])
        reports.append(
            _synthetic(
                {
                    "report_id": f"SYN-HE-REPORT-{k:08d}",
                    "country": auth["country"],
                    "he_authorisations": he_key(
                        auth["country"], auth["product_name"], auth["valid_from"]
                    ),
                    "period_start": "",
                    "period_end": "",
                    "report_year": str(start.year + 1 + k // len(authorisations)),
                    "patients_treated": str(rng.randrange(0, 30)),
                    "settings": "hospital exemption only (synthetic)",
                }
            )
        )
    return authorisations, reports


# --- manufacturing processes -------------------------------------------------------------------


def process_products(world: World) -> list[tuple[str, str, str]]:
    """(EMA number or "", name, ATMP class) of the products given a process: half authorised
    ATMPs of the synthetic EMA export (commercial use), half investigational products tested in
    synthetic trials."""
    authorised = []
    for i in range(world.plan.ema_rows):
        cells = dict(zip(ema_export.HEADERS, ema_export.row(world, i), strict=True))
        if cells["Medicine status"] == "Authorised" and cells["Advanced therapy"] == "Yes":
            authorised.append(i)
    wanted = world.plan.process_products
    products = [
        (
            ema_number(i),
            f"SYNTHETIC Medicine {i:06d}",
            world.products[i % len(world.products)].atmp_class,
        )
        for i in authorised[: wanted // 2]
    ]
    products += [("", p.code, p.atmp_class) for p in world.products[: wanted - len(products)]]
    return products


def site_iri(world: World, i: int) -> str:
    _, operator, city, _ = _site(world, i)
    return iris.site(org_name=operator, city=city).value


def process_rows(world: World) -> Iterable[dict[str, str]]:
    products = process_products(world)
    for number, name, atmp_class in products:
        rng = random.Random(f"process-{world.seed}-{name}")
        for step in range(1, rng.randint(3, 5) + 1):
            operations = [CLASS_OPERATION[atmp_class]] if step == 1 else []
            yield _synthetic(
                {
                    "product_ema_number": number,
                    "product_name": name,
                    "step_no": str(step),
                    "step_label": f"Synthetic process step {step}",
                    "requires_capabilities": ";".join(_subset(rng, world.capabilities, 1, 3)),
                    "requires_operations": ";".join(operations),
                    "uses_materials": ";".join(_subset(rng, world.materials, 1, 3)),
                }
            )


def write(world: World, root: Path) -> dict[str, int]:
    authorisations, reports = he_tables(world)
    return {
        "eudragmdp_sites": write_table(
            root / "eudragmdp" / "site_capabilities.csv", "site_capabilities", site_rows(world)
        ),
        "eudragmdp_documents": write_table(
            root / "eudragmdp" / "eudragmdp_documents.csv",
            "eudragmdp_documents",
            document_rows(world),
        ),
        "materials": write_table(
            root / "materials" / "material_catalogue.csv",
            "material_catalogue",
            material_rows(world),
        ),
        "he_authorisations": write_table(
            root / "hospital_exemption" / "he_authorisations.csv",
            "he_authorisations",
            authorisations,
        ),
        "he_use_reports": write_table(
            root / "hospital_exemption" / "he_use_reports.csv", "he_use_reports", reports
        ),
        "process_steps": write_table(
            root / "reference" / "illustrative_processes.csv",
            "illustrative_processes",
            process_rows(world),
        ),
    }
