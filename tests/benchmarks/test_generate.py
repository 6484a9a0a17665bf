"""The synthetic generator: deterministic by seed, every file accepted by its source's `read()`
without a rejected record, and every record labelled synthetic."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from benchmarks.generate import generate, parse_scale
from benchmarks.pipelines import source_plan
from benchmarks.world import Plan
from graph_builder.errors import InputError
from graph_builder.namespaces import atmp
from graph_builder.sources import get_source

RECORDS = 120


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "data"
    generate(out, RECORDS, seed=3)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(dataset: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", RECORDS, seed=3)
    generate(tmp_path / "other", RECORDS, seed=4)
    assert digests(tmp_path / "again") == digests(dataset)
    assert digests(tmp_path / "other") != digests(dataset)


def test_plan_splits_the_records_over_every_source() -> None:
    plan = Plan.for_records(10_000)
    parts = (
        plan.ctgov_studies
        + plan.euctr_records
        + plan.ema_rows
        + plan.sites
        + plan.documents
        + plan.materials
        + plan.he_authorisations
        + plan.he_reports
    )
    assert parts == 10_000
    assert min(plan.ctgov_studies, plan.euctr_records, plan.ema_rows, plan.materials) > 0
    assert parse_scale("1k") == 1_000 and parse_scale("2.5M") == 2_500_000


def test_every_source_reads_every_record(dataset: Path) -> None:
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    plan = source_plan(dataset)
    plan["reference"] = plan["reference"][1:]  # only the synthetic processes
    read: dict[str, int] = {}
    for source_id, paths in plan.items():
        source = get_source(source_id)
        rejected: list[InputError] = []
        records = [r for path in paths for r in source.read(path, rejected.append)]
        assert rejected == [], f"{source_id}: {rejected[:2]}"
        for record in records:
            assert list(source.triples(record)) or source_id == "ema"  # ema: out-of-scope rows
        read[source_id] = len(records)
    written = manifest["written"]
    assert read["ctgov"] == written["ctgov"]
    assert read["ema"] == written["ema"]
    assert read["materials"] == written["materials"]
    assert read["eudragmdp"] == written["eudragmdp_sites"] + written["eudragmdp_documents"]
    assert read["hospital_exemption"] == written["he_authorisations"] + written["he_use_reports"]
    assert read["reference"] == written["process_steps"]
    # EU CTR merges the country records of a trial: fewer trials than records, none lost.
    assert 0 < read["euctr"] <= written["euctr"]


def test_every_record_says_it_is_synthetic(dataset: Path) -> None:
    page = json.loads(next((dataset / "ctgov").glob("*.json")).read_text(encoding="utf-8"))
    titles = [s["protocolSection"]["identificationModule"]["briefTitle"] for s in page["studies"]]
    assert titles and all(t.startswith("[SYNTHETIC]") for t in titles)
    text = next((dataset / "euctr").glob("*.txt")).read_text(encoding="utf-8")
    assert text.count("\nSummary\n") == text.count("\nIllustrative: SYNTHETIC")
    sheet = CalamineWorkbook.from_path(str(next((dataset / "ema").glob("*.xlsx"))))
    rows = sheet.get_sheet_by_index(0).to_python()
    assert any("SYNTHETIC" in str(cell) for cell in rows[0])
    assert all(str(r[1]).startswith("SYNTHETIC") for r in rows[9:])
    for csv_file in dataset.rglob("*.csv"):
        lines = csv_file.read_text(encoding="utf-8").splitlines()
        assert all(",true,https://w3id.org/atmp-kg/,SYNTHETIC" in line for line in lines[1:])


def test_the_graph_marks_synthetic_records_illustrative(dataset: Path) -> None:
    source = get_source("ctgov")
    study = next(iter(source.read(dataset / "ctgov")))
    flags = [t for t in source.triples(study) if t.predicate == atmp("isIllustrative")]
    assert flags
