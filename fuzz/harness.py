"""The atheris harness every fuzz/fuzz_<source>.py runs: coverage-guided inputs for one source's
reader, checked against the same contract as the property tests
(tests/hardening/source_contract.py): parse, or fail with the one-line InputError; anything else
is a crash that libFuzzer reports and saves (see -artifact_prefix).

    python fuzz/fuzz_<source>.py -atheris_runs=N [-max_total_time=S] [-artifact_prefix=DIR/]

Each input is one of: the fuzzer's bytes as the file; a real seed (data/ or ../shared/samples)
with the bytes spliced in, written over, or appended after a cut, so that the fuzzer starts
from inputs the parser accepts. Crashes already reported (source_contract.KNOWN_BUGS) are
skipped unless ATMP_KG_FUZZ_KNOWN=1, so that a run looks for new ones.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests" / "hardening")]

# Coverage feedback comes from the project's code only, so it is imported instrumented, before
# anything else imports it.
with atheris.instrument_imports(include=["graph_builder"]):
    from graph_builder.namespaces import SOURCE_IDS

    for _source_id in SOURCE_IDS:
        importlib.import_module(f"graph_builder.sources.{_source_id}")

from source_contract import SAMPLES, Seed, check_input, known, seeds  # noqa: E402

MODES = 4


def content_for(seed: Seed, fdp: atheris.FuzzedDataProvider) -> bytes:
    """The input file made of one seed and the fuzzer's bytes (see the module docstring)."""
    mode = fdp.ConsumeIntInRange(0, MODES - 1)
    at = fdp.ConsumeIntInRange(0, len(seed.content))
    data: bytes = fdp.ConsumeBytes(fdp.remaining_bytes())
    if mode == 0:
        return data
    if mode == 1:
        return seed.content[:at] + data + seed.content[at:]
    if mode == 2:
        return seed.content[:at] + data + seed.content[at + len(data) :]
    return seed.content[:at] + data


def one_input(source_id: str, found: list[Seed], workdir: Path) -> Callable[[bytes], None]:
    include_known = os.environ.get("ATMP_KG_FUZZ_KNOWN") == "1"

    def test_one(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        seed = found[fdp.ConsumeIntInRange(0, len(found) - 1)]
        content = content_for(seed, fdp)
        folder = Path(tempfile.mkdtemp(dir=workdir))
        try:
            check_input(source_id, seed.materialise(content, folder))
        except Exception as exc:
            if include_known or known(source_id, exc) is None:
                raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return test_one


def main(source_id: str) -> None:
    found = seeds(SAMPLES)[source_id]
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{source_id}-") as tmp:
        atheris.Setup(sys.argv, one_input(source_id, found, Path(tmp)))
        atheris.Fuzz()
