"""A build killed half way (SIGKILL, no clean-up code runs) leaves the published store intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graph_builder.build import build
from graph_builder.store import EmbeddedStore

REPO = Path(__file__).resolve().parents[2]
STUDIES = 40_000


def big_page(path: Path) -> None:
    """A page of many small synthetic v2 studies, so that the build runs for a few seconds."""
    studies = [
        {
            "protocolSection": {
                "identificationModule": {
                    "nctId": f"NCT9{i:07d}",
                    "briefTitle": f"[SYNTHETIC] load test study {i}",
                },
                "statusModule": {"overallStatus": "COMPLETED"},
                "conditionsModule": {"conditions": [f"Synthetic condition {i % 50}"]},
            }
        }
        for i in range(STUDIES)
    ]
    path.write_text(json.dumps({"studies": studies}), encoding="utf-8")


def test_killed_build_leaves_the_previous_store(
    tmp_path: Path, reference_data: Path, ctgov_fixture: Path
) -> None:
    store = EmbeddedStore(tmp_path / "store")
    build(store, {"ctgov": [ctgov_fixture]}, data_dir=reference_data)
    published = store.current
    counts = {g: store.count(g) for g in store.graphs()}
    store.close()

    page = tmp_path / "page.json"
    big_page(page)
    script = (
        "from pathlib import Path\n"
        "from graph_builder.build import build\n"
        "from graph_builder.store import EmbeddedStore\n"
        f"build(EmbeddedStore(Path({str(tmp_path / 'store')!r})), "
        f"{{'ctgov': [Path({str(page)!r})]}}, data_dir=Path({str(reference_data)!r}))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    builds = tmp_path / "store" / "builds"
    deadline = time.monotonic() + 60
    # Wait until the writer has its own copy of the store, then let it get into the records.
    while time.monotonic() < deadline and len(list(builds.iterdir())) < 2:
        time.sleep(0.05)
    time.sleep(1.0)
    assert process.poll() is None, "the build ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    reopened = EmbeddedStore(tmp_path / "store")
    assert reopened.current == published
    assert {g: reopened.count(g) for g in reopened.graphs()} == counts
    # The next build clears the abandoned folder and publishes as usual.
    build(reopened, {"ctgov": [ctgov_fixture]}, data_dir=reference_data)
    assert reopened.current != published
    unpublished = [d for d in builds.iterdir() if not (d / ".published").exists()]
    assert unpublished == []
    reopened.close()
