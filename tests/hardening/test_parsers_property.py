"""Every source reader, fed hostile variants of real inputs (hypothesis): each input either
parses or fails with the one-line InputError naming file, record and field (source_contract.py);
none crashes. A failing build changes nothing in the store (the last tests).

Bounded: ATMP_KG_HARDENING_EXAMPLES examples per source (default 100), each input under 1.2 MB.
Bugs found here and not fixed yet are listed in KNOWN_BUGS with a deterministic regression test
marked xfail(strict=True); the property tests skip over exactly those failures, so they keep
watching for new ones. The regression tests of fixed bugs stay below as ordinary tests.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from input_mutations import hostile_input
from pyoxigraph import Literal, NamedNode, Triple
from source_contract import (
    ALL_SOURCES,
    DATA,
    Seed,
    check_input,
    known,
    seeds,
    sheet_rows,
    trimmed_ema_export,
    xlsx_bytes,
)

from graph_builder.build import build
from graph_builder.errors import InputError
from graph_builder.store import EmbeddedStore

EXAMPLES = int(os.environ.get("ATMP_KG_HARDENING_EXAMPLES", "100"))
# A parser that needs longer than this for an input of at most 1.2 MB is a denial of service.
DEADLINE = timedelta(seconds=20)


@pytest.fixture
def all_seeds(samples: Path) -> dict[str, list[Seed]]:
    return seeds(samples)


def test_every_source_has_seeds(all_seeds: dict[str, list[Seed]]) -> None:
    from graph_builder.namespaces import SOURCE_IDS

    assert set(ALL_SOURCES) == set(SOURCE_IDS)
    for source_id, found in all_seeds.items():
        assert found, f"no seed input for {source_id}"


def test_seeds_parse(all_seeds: dict[str, list[Seed]], tmp_path: Path) -> None:
    """The unmutated seeds go through the contract check: a seed that already fails would
    make every mutation of it test only the first error."""
    for source_id, found in all_seeds.items():
        for n, seed in enumerate(found):
            workdir = tmp_path / f"{source_id}-{n}"
            workdir.mkdir()
            _, lenient = check_input(source_id, seed.materialise(seed.content, workdir))
            assert lenient.records > 0, f"{source_id} read no record from seed {seed.name}"


@pytest.mark.parametrize("source_id", ALL_SOURCES)
@settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_hostile_input_parses_or_fails_cleanly(
    source_id: str, all_seeds: dict[str, list[Seed]], data: st.DataObject
) -> None:
    seed = data.draw(st.sampled_from(all_seeds[source_id]), label="seed")
    mutation, content = hostile_input(seed, data.draw)
    note(f"seed {seed.name}, mutation {mutation}, {len(content)} bytes")
    event(f"mutation {mutation}")
    with tempfile.TemporaryDirectory() as tmp:
        path = seed.materialise(content, Path(tmp))
        try:
            outcome, _ = check_input(source_id, path)
        except Exception as exc:
            bug = known(source_id, exc)
            if bug is None:
                raise
            event(f"known bug ({bug.regression_test})")
            return
    event("parsed" if outcome.error is None else "refused with InputError")


# --- regressions: one input per bug found above ------------------------------------------------


def _sample_text(samples: Path, relative: str) -> str:
    return (samples / relative).read_text(encoding="utf-8")


EUCTR_SE = "euctr/euctr_atmp_gene_therapy_record_2022-002568-62_SE.txt"
CTIS_RECORD = "ctis/2024-510663-34-00.json"
CTGOV_RECORD = "ctgov-v2/NCT03275402.json"
SAMPLE_EMA = "ema-epar/medicines-output-medicines-report_en.xlsx"


@pytest.mark.parametrize("count", ["²", "9" * 5000], ids=["superscript", "5000-digits"])
def test_euctr_unicode_digit_count(samples: Path, tmp_path: Path, count: str) -> None:
    text = re.sub(
        r"(?m)^(F\.4\.2\.2 In the whole clinical trial:) *\S+",
        lambda m: f"{m.group(1)} {count}",
        _sample_text(samples, EUCTR_SE),
    )
    path = tmp_path / "record.txt"
    path.write_text(text, encoding="utf-8")
    outcome, _ = check_input("euctr", path)
    assert isinstance(outcome.error, InputError)
    assert outcome.error.field is not None and "F.4.2.2" in outcome.error.field


def test_euctr_long_imp_number(samples: Path, tmp_path: Path) -> None:
    text = re.sub(r"(?m)^D\.IMP: ?1$", "D.IMP: " + "1" * 5000, _sample_text(samples, EUCTR_SE))
    path = tmp_path / "record.txt"
    path.write_text(text, encoding="utf-8")
    assert isinstance(check_input("euctr", path)[0].error, InputError)


@pytest.mark.parametrize(("source_id", "sample"), [("ctis", CTIS_RECORD), ("ctgov", CTGOV_RECORD)])
def test_json_long_number(samples: Path, tmp_path: Path, source_id: str, sample: str) -> None:
    text = _sample_text(samples, sample)
    path = tmp_path / Path(sample).name
    path.write_text(text[:-1].rstrip() + ', "x": ' + "9" * 5000 + "}", encoding="utf-8")
    assert isinstance(check_input(source_id, path)[0].error, InputError)


@pytest.mark.parametrize(("source_id", "sample"), [("ctis", CTIS_RECORD), ("ctgov", CTGOV_RECORD)])
def test_json_deep(samples: Path, tmp_path: Path, source_id: str, sample: str) -> None:
    text = _sample_text(samples, sample)
    path = tmp_path / Path(sample).name
    depth = 100_000
    path.write_text(text[:-1].rstrip() + ', "x": ' + "[" * depth + "]" * depth + "}")
    assert isinstance(check_input(source_id, path)[0].error, InputError)


def test_ctgov_module_of_wrong_type(samples: Path, tmp_path: Path) -> None:
    doc = json.loads(_sample_text(samples, CTGOV_RECORD))
    doc["protocolSection"] = [doc["protocolSection"]]
    path = tmp_path / "study.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    error = check_input("ctgov", path)[0].error
    assert isinstance(error, InputError) and error.field == "protocolSection"


def _with_cell(tmp_path: Path, source_id: str, file: str, column: str, value: str) -> Path:
    """A copy of data/<source_id> whose first data row of `file` has `value` in `column`."""
    folder = tmp_path / source_id
    shutil.copytree(DATA / source_id, folder)
    with open(folder / file, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index(column)] = value
    with open(folder / file, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return folder


@pytest.mark.parametrize(
    ("source_id", "file", "column"),
    [
        ("materials", "illustrative_catalogue.csv", "supplier_name"),
        ("materials", "illustrative_catalogue.csv", "catalogue_number"),
        ("hospital_exemption", "authorisations.csv", "product_name"),
    ],
)
def test_key_without_letters(tmp_path: Path, source_id: str, file: str, column: str) -> None:
    folder = _with_cell(tmp_path, source_id, file, column, "---")
    error = check_input(source_id, folder)[0].error
    assert isinstance(error, InputError) and error.field == column


HUGE = "9" * 50_000


@pytest.mark.parametrize(
    "case",
    ["csv-cell", "csv-header", "csv-header-newline", "reference-code", "ema-flag", "euctr-record"],
)
def test_error_echo_is_bounded(samples: Path, tmp_path: Path, case: str) -> None:
    if case == "csv-cell":
        sid, path = (
            "materials",
            _with_cell(tmp_path, "materials", "illustrative_catalogue.csv", "ph_eur_5212", HUGE),
        )
    elif case.startswith("csv-header"):
        sid, folder = "eudragmdp", tmp_path / "eudragmdp"
        shutil.copytree(DATA / sid, folder)
        file = folder / "illustrative_sites.csv"
        name = "a\nb" if case.endswith("newline") else HUGE
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("\n", f',"{name}"\n', 1), encoding="utf-8")
        path = folder
    elif case == "reference-code":
        sid, path = "reference", _with_cell(tmp_path, "reference", "trials.csv", "sponsor", HUGE)
    elif case == "ema-flag":
        sid = "ema"
        rows = sheet_rows(trimmed_ema_export(samples / SAMPLE_EMA))
        header = next(i for i, r in enumerate(rows) if r and r[0] == "Category")
        rows[header + 1][rows[header].index("Orphan medicine")] = HUGE
        path = tmp_path / "export.xlsx"
        path.write_bytes(xlsx_bytes(rows))
    else:
        sid, path = "euctr", tmp_path / "record.txt"
        text = _sample_text(samples, EUCTR_SE).replace(
            "EudraCT Number: 2022-002568-62\n", "EudraCT Number: 2022-002568-62\nmore text\n", 1
        )
        path.write_text(text, encoding="utf-8")
    strict, _lenient = check_input(sid, path)
    assert strict.error is not None  # check_input has checked it is one line of bounded length


# --- a failing build changes nothing -----------------------------------------------------------

SENTINEL_GRAPH = "https://w3id.org/atmp-kg/graph/hardening-sentinel"


def _bad_last_record(seed: Seed) -> bytes:
    """The seed with one more, invalid record after the good ones: the build has written the
    good records' triples when it meets the bad one."""
    if seed.kind == "csv":
        return seed.content.rstrip(b"\r\n") + b"\r\nonly one cell\r\n"
    if seed.kind == "json":
        record = {"ctNumber": "bogus", "protocolSection": {"identificationModule": {"nctId": "x"}}}
        return b"[" + seed.content + b", " + json.dumps(record).encode() + b"]"
    if seed.kind == "txt":
        return seed.content + b"\nSummary\nEudraCT Number: not-a-number\nLink: nowhere\n"
    rows = sheet_rows(seed.content)
    header = next(r for r in rows if r and r[0] == "Category")
    bad: list[str | None] = [None] * len(header)
    for column, value in (
        ("Category", "Human"),
        ("Name of medicine", "Hardening test row"),
        ("EMA product number", "EMEA/H/C/999999"),
        ("Medicine status", "Not a status"),
    ):
        bad[header.index(column)] = value
    return xlsx_bytes([*rows, bad])


CORRUPTIONS: dict[str, Callable[[Seed], bytes]] = {
    "empty": lambda seed: b"",
    "utf-16": lambda seed: seed.content.decode("utf-8", errors="replace").encode("utf-16"),
    "bad-last-record": _bad_last_record,
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
@pytest.mark.parametrize("source_id", ALL_SOURCES)
def test_failed_build_leaves_store_unchanged(
    source_id: str, corruption: str, all_seeds: dict[str, list[Seed]], tmp_path: Path
) -> None:
    """`build --source ID=PATH` with a corrupt file: an InputError naming the file, and the
    published store is the same version with the same content."""
    store = EmbeddedStore(tmp_path / "store")
    node = NamedNode("https://w3id.org/atmp-kg/id/hardening/sentinel")
    store.replace_graph(SENTINEL_GRAPH, [Triple(node, node, Literal("before"))])
    published, quads = store.current, store.count()

    seed = all_seeds[source_id][0]
    bad = CORRUPTIONS[corruption](seed)
    path = seed.materialise(bad, tmp_path)
    with pytest.raises(InputError) as raised:
        build(store, {source_id: [path]}, data_dir=None)
    assert "\n" not in str(raised.value)
    assert raised.value.file is not None
    assert store.current == published
    assert store.count() == quads
    assert store.graphs() == [SENTINEL_GRAPH]
    assert [d for d in (tmp_path / "store" / "builds").iterdir() if d != published] == []
    store.close()
