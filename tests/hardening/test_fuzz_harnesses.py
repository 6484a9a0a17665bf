"""The atheris harnesses (fuzz/fuzz_<source>.py) run briefly for every source: the CI-sized
fuzz run. A crash other than a reported one (source_contract.KNOWN_BUGS) fails it, with the
crashing input saved under the test's temporary folder. Longer runs: `python
fuzz/fuzz_<source>.py -atheris_runs=N` (docs/reliability.md)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from source_contract import ALL_SOURCES, REPO

RUNS = int(os.environ.get("ATMP_KG_FUZZ_RUNS", "300"))
SECONDS = int(os.environ.get("ATMP_KG_FUZZ_SECONDS", "60"))


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (pip install atheris; a wheel exists for CPython 3.11)",
)
@pytest.mark.parametrize("source_id", ALL_SOURCES)
def test_fuzz_harness_finds_no_new_crash(source_id: str, tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "fuzz" / f"fuzz_{source_id}.py"),
            f"-atheris_runs={RUNS}",
            f"-max_total_time={SECONDS}",
            f"-artifact_prefix={tmp_path}/",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done" in run.stderr, run.stderr[-3000:]
    assert not list(tmp_path.glob("crash-*")), run.stderr[-3000:]
