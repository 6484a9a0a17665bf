"""A synthetic EMA "Medicines" export (`medicines-output-medicines-report_en.xlsx`, current
39-column layout, SOURCES.md §3): metadata on row 1, the header on row 9, data from row 10,
dates as DD/MM/YYYY text, flags Yes/No. Row 1 and every medicine name say SYNTHETIC.

Statuses are drawn from those the export uses for the rows the shapes accept without curated
data: a withdrawn MA needs a dated withdrawal event with a reason, which only data/reference
gives, so no synthetic row is withdrawn."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Final

from benchmarks.world import World, day, ema_number, later
from benchmarks.xlsx import write_xlsx

HEADERS: Final = (
    "Category",
    "Name of medicine",
    "EMA product number",
    "Medicine status",
    "Opinion status",
    "Latest procedure affecting product information",
    "International non-proprietary name (INN) / common name",
    "Active substance",
    "Therapeutic area (MeSH)",
    "Species\n(veterinary)",
    "Patient safety",
    "ATC code (human)",
    "ATCvet code (veterinary)",
    "Pharmacotherapeutic group\n(human)",
    "Pharmacotherapeutic group\n(veterinary)",
    "Therapeutic indication",
    "Accelerated assessment",
    "Additional monitoring",
    "Advanced therapy",
    "Biosimilar",
    "Conditional approval",
    "Exceptional circumstances",
    "Generic or hybrid",
    "Orphan medicine",
    "PRIME: priority medicine",
    "Marketing authorisation developer / applicant / holder",
    "European Commission decision date",
    "Start of rolling review date",
    "Start of evaluation date",
    "Opinion adopted date",
    "Withdrawal of application date",
    "Marketing authorisation date",
    "Refusal of marketing authorisation date",
    "Withdrawal / expiry / revocation / lapse of marketing authorisation date",
    "Suspension of marketing authorisation date",
    "Revision number",
    "First published date",
    "Last updated date",
    "Medicine URL",
)
STATUSES: Final = (
    ("Authorised", 0.7),
    ("Application withdrawn", 0.12),
    ("Refused", 0.08),
    ("Opinion", 0.1),
)
# The share of rows the export flags as advanced therapies: the rest are read, validated and
# left out of scope by the `ema` source, as the real export's 2,600 non-ATMP rows are.
ATMP_SHARE: Final = 0.3
FILE_NAME: Final = "medicines-output-medicines-report_en.xlsx"


def _dmy(value: object) -> str:
    text = str(value)
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"


def row(world: World, i: int) -> list[str]:
    rng = random.Random(f"ema-{world.seed}-{i}")
    product = world.products[i % len(world.products)]
    status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
    atmp = rng.random() < ATMP_SHARE
    opinion = day(rng, 2009, 2024)
    cells = dict.fromkeys(HEADERS, "")
    slug = f"synthetic-{i:06d}"
    holder = world.sponsors[i % len(world.sponsors)].name
    cells.update(
        {
            "Category": "Human",
            "Name of medicine": f"SYNTHETIC Medicine {i:06d}",
            "EMA product number": ema_number(i),
            "Medicine status": status,
            "International non-proprietary name (INN) / common name": product.inn,
            "Active substance": f"{product.inn} (synthetic active substance)",
            "Therapeutic area (MeSH)": "Lymphoma, B-Cell;Leukemia",
            "ATC code (human)": "L01XL99",
            "Therapeutic indication": "SYNTHETIC indication text.",
            "Accelerated assessment": "No",
            "Additional monitoring": "Yes",
            "Advanced therapy": "Yes" if atmp else "No",
            "Biosimilar": "No",
            "Conditional approval": "Yes" if rng.random() < 0.2 else "No",
            "Exceptional circumstances": "No",
            "Generic or hybrid": "No",
            "Orphan medicine": "Yes" if product.orphan_number else "No",
            "PRIME: priority medicine": "Yes" if rng.random() < 0.15 else "No",
            "Marketing authorisation developer / applicant / holder": holder,
            "Opinion adopted date": _dmy(opinion),
            "Revision number": str(rng.randrange(1, 30)),
            "First published date": _dmy(later(rng, opinion, 10, 90)),
            "Last updated date": "15/01/2026",
            "Medicine URL": f"https://www.ema.europa.eu/en/medicines/human/EPAR/{slug}",
        }
    )
    if status == "Authorised":
        cells["Marketing authorisation date"] = _dmy(later(rng, opinion, 40, 90))
        cells["European Commission decision date"] = cells["Marketing authorisation date"]
        cells["Opinion status"] = "Positive"
    elif status == "Application withdrawn":
        cells["Withdrawal of application date"] = _dmy(later(rng, opinion, 1, 30))
    elif status == "Refused":
        cells["Refusal of marketing authorisation date"] = _dmy(later(rng, opinion, 40, 90))
        cells["Opinion status"] = "Negative"
    else:
        cells["Opinion status"] = "Positive"
    return [cells[h] for h in HEADERS]


def write(world: World, folder: Path) -> int:
    rows: list[list[str]] = [
        [
            "Content type:",
            "Medicine",
            "Output automatically generated from content on www.ema.europa.eu on:",
            "29/01/2026 - 06:00",
            "SYNTHETIC benchmark data generated by benchmarks/generate.py; not from EMA",
        ]
    ]
    rows += [[] for _ in range(7)]
    rows.append(list(HEADERS))
    rows += [row(world, i) for i in range(world.plan.ema_rows)]
    write_xlsx(folder / FILE_NAME, "Medicine", rows)
    return world.plan.ema_rows
