"""Generate synthetic inputs in the real source formats, deterministic by seed.

    python -m benchmarks.generate --records 100000 --seed 7 --out var/bench/data-100k

writes, under --out, a folder per source id in exactly the layout that source reads:

    ctgov/studies-page-*.json          CT.gov API v2 pages ({"studies": [...], "nextPageToken"})
    euctr/euctr-download-*.txt         EU CTR full-text downloads (one record per member state)
    ema/medicines-output-medicines-report_en.xlsx   EMA medicines export, 39-column layout
    eudragmdp/{site_capabilities,eudragmdp_documents}.csv
    materials/material_catalogue.csv
    hospital_exemption/{he_authorisations,he_use_reports}.csv
    reference/illustrative_processes.csv   manufacturing processes (what manufacturability assesses)
    manifest.json                      seed, plan and the records written per source

`--records` is the number of input records over all sources (Plan.for_records splits it);
every record says it is SYNTHETIC where its format has room for it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

from benchmarks import csv_tables, ctgov_pages, ema_export, euctr_download
from benchmarks.world import Plan, World, eudract, nct
from graph_builder import iris

MANIFEST: Final = "manifest.json"
# Source id -> the folders of a generated data set it reads (build --source ID=PATH, repeatable).
SOURCE_FOLDERS: Final = {
    "ctgov": ("ctgov",),
    "euctr": ("euctr",),
    "ema": ("ema",),
    "eudragmdp": ("eudragmdp",),
    "materials": ("materials",),
    "hospital_exemption": ("hospital_exemption",),
    "reference": ("reference",),
}


def parse_scale(text: str) -> int:
    """'1k' -> 1000, '2.5M' -> 2500000, '300' -> 300."""
    value = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if factor != 1 else value
    return int(float(number) * factor)


def generate(out: Path, records: int, seed: int = 7) -> dict[str, Any]:
    """Write a data set of `records` input records under `out` (replacing what is there) and
    return its manifest."""
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    plan = Plan.for_records(records)
    world = World(plan, seed)
    written: dict[str, int] = {
        "ctgov": ctgov_pages.write(world, out / "ctgov"),
        "euctr": euctr_download.write(world, out / "euctr"),
        "ema": ema_export.write(world, out / "ema"),
    }
    written.update(csv_tables.write(world, out))
    number, name, _ = csv_tables.process_products(world)[0]
    manifest = {
        "synthetic": True,
        "generator": "benchmarks/generate.py",
        "seed": seed,
        "records_requested": records,
        "records_written": sum(written.values()),
        "plan": asdict(plan),
        "written": written,
        "sources": {
            sid: [str(out / f) for f in folders] for sid, folders in SOURCE_FOLDERS.items()
        },
        # Entities the query and API benchmarks look up (they exist in every data set).
        "probes": {
            "site": csv_tables.site_iri(world, 0),
            "product": iris.product(ema_number=number or None, name=name).value,
            "nct": nct(0),
            "eudract": eudract(0),
            # A name fragment of the first ten products ("Synthetic cel therapy 000003"), which
            # every data set has; EMA export names only become labels for ATMP rows.
            "label": "therapy 00000",
        },
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", default="1k", help="input records, e.g. 1k, 100k, 1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    manifest = generate(args.out, parse_scale(args.records), args.seed)
    print(json.dumps({k: manifest[k] for k in ("records_written", "written", "seconds")}))


if __name__ == "__main__":
    main()
