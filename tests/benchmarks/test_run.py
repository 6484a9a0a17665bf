"""The benchmark harness end to end at a tiny scale: generate, build against both baselines,
time every named query, load the API and the raw Oxigraph server, render the report. Checks that
every comparison is produced, not how fast anything is."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.run import main
from queries.catalogue import load_catalogue


@pytest.mark.slow
def test_harness_runs_end_to_end_and_writes_the_report(tmp_path: Path) -> None:
    if shutil.which("oxigraph") is None:
        pytest.skip("the oxigraph server CLI (pip install oxigraph) is not installed")
    results, output = tmp_path / "results.json", tmp_path / "benchmarks.md"
    main(
        [
            "--scales", "100", "--quick", "--skip", "rdflib", "--fresh",
            "--work", str(tmp_path / "work"),
            "--results", str(results), "--output", str(output),
        ]
    )  # fmt: skip
    scale = json.loads(results.read_text(encoding="utf-8"))["scales"]["100"]
    build = scale["build"]
    assert build["triples"] > 1000 and build["records"] > 100
    assert build["oxigraph"]["triples"] == build["triples"]
    assert build["stages"]["validation"] > 0 and build["assessments"] > 0
    names = {q["name"] for q in scale["queries"]}
    assert set(load_catalogue()) <= names
    assert all(q["runs"] >= 1 for q in scale["queries"])
    for servers in scale["api"]["operations"].values():
        for server in ("atmp-kg", "oxigraph serve"):
            assert servers[server]["requests"] > 0 and servers[server]["errors"] == 0
    report = output.read_text(encoding="utf-8")
    for section in ("## Machine", "## Build", "## Queries", "## API", "## Memory", "## Targets"):
        assert section in report
    assert "atmp-kg ÷ bulk" in report
