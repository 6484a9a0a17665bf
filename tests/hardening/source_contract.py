"""The contract every source reader keeps on any input, shared by the property tests
(test_parsers_property.py) and the atheris harnesses (fuzz/fuzz_<source>.py).

An input either parses, or fails with one `InputError` that names the source and the file (and the
record, when one record is bad) in a single line of bounded length. No other exception leaves
`read()`. `triples()` may also raise ValueError (pyoxigraph refusing an IRI or literal): the build
turns that into an InputError naming the record (graph_builder/build.py), so it is allowed here
too, with the same one-line rule.

Seeds are real inputs: the curated tables of data/ for the CSV sources and the shared samples
(../shared/samples) for the registry formats; mutations of them reach much deeper into a parser
than random bytes do.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

from python_calamine import CalamineWorkbook

from graph_builder.errors import InputError
from graph_builder.sources import get_source
from graph_builder.sources.base import Source

REPO: Final = Path(__file__).resolve().parents[2]
DATA: Final = REPO / "data"
# The shared samples, found as tests/conftest.py finds them (the fuzzers run outside pytest).
SAMPLES: Final = Path(os.environ.get("ATMP_KG_SHARED", REPO.parent / "shared")) / "samples"
# Longest error message still readable as one line in a terminal, a log or an API error body.
MAX_MESSAGE: Final = 2_000

# CSV sources read their data/ folder as one input: the tables refer to one another.
FOLDER_SOURCES: Final = ("reference", "eudragmdp", "materials", "hospital_exemption")
# (source id, sample file under shared/samples) for the registry formats.
SAMPLE_SEEDS: Final = (
    ("ema", "ema-epar/medicines-output-medicines-report_en.xlsx"),
    ("ema", "ema-epar/legacy_2018_Medicines_output_european_public_assessment_reports.xlsx"),
    ("ctgov", "ctgov-v2/NCT03275402.json"),
    ("ctgov", "ctgov-v2/NCT01987596.json"),
    ("ctis", "ctis/2024-510663-34-00.json"),
    ("ctis", "ctis/legacy_pre2024-06_2022-500244-37-00.json"),
    ("euctr", "euctr/euctr_atmp_gene_therapy_record_2022-002568-62_SE.txt"),
    ("euctr", "euctr/euctr_fulltext_download_sample.txt"),
)
ALL_SOURCES: Final = (*FOLDER_SOURCES, "ema", "ctgov", "ctis", "euctr")
# Rows of an EMA export kept in a seed: the header block and this many data rows, every
# advanced-therapy row among them, so that the mapping runs too.
EMA_SEED_ROWS: Final = 40


@dataclass(frozen=True)
class KnownBug:
    """A broken contract found by the property tests or the fuzzers and reported, until its
    module is fixed; `regression_test` (in test_parsers_property.py) fails on it, strictly
    expected to, meanwhile."""

    source_id: str
    exception: type[BaseException]
    message: re.Pattern[str]
    regression_test: str


# None at present: the regression tests of the bugs listed here until they were fixed stay in
# test_parsers_property.py as ordinary tests.
KNOWN_BUGS: tuple[KnownBug, ...] = ()


@dataclass(frozen=True, repr=False)
class Seed:
    """One real input file. `folder` is the data/ folder read together with it (CSV sources)."""

    source_id: str
    name: str
    content: bytes
    folder: Path | None = None

    def __repr__(self) -> str:  # hypothesis prints it for a failing example
        return f"Seed({self.source_id!r}, {self.name!r}, {len(self.content)} bytes)"

    @property
    def kind(self) -> str:
        return Path(self.name).suffix.lstrip(".").lower()

    def materialise(self, content: bytes, workdir: Path) -> Path:
        """The input path handed to `read`: the file, or a copy of its folder with it replaced."""
        if self.folder is None:
            path = workdir / self.name
            path.write_bytes(content)
            return path
        target = workdir / self.folder.name
        shutil.copytree(self.folder, target)
        (target / self.name).write_bytes(content)
        return target


@dataclass
class Outcome:
    """What a source made of an input: records and triples, or the one error it raised."""

    records: int = 0
    triples: int = 0
    error: InputError | ValueError | None = None
    rejections: list[InputError] = field(default_factory=list)


@cache
def seeds(samples: Path) -> dict[str, list[Seed]]:
    """Seed inputs of every source, keyed by source id (read once per test session)."""
    found: dict[str, list[Seed]] = {sid: [] for sid in ALL_SOURCES}
    for sid in FOLDER_SOURCES:
        folder = DATA / sid
        for csv_file in sorted(folder.glob("*.csv")):
            found[sid].append(Seed(sid, csv_file.name, csv_file.read_bytes(), folder))
    for sid, relative in SAMPLE_SEEDS:
        path = samples / relative
        content = trimmed_ema_export(path) if sid == "ema" else path.read_bytes()
        found[sid].append(Seed(sid, path.name, content))
    return found


@cache
def trimmed_ema_export(path: Path) -> bytes:
    """A real EMA export cut to its header block and EMA_SEED_ROWS rows (all ATMP rows kept)."""
    rows = sheet_rows(path.read_bytes())
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Category")
    flag = rows[header].index("Advanced therapy") if "Advanced therapy" in rows[header] else None
    body = rows[header + 1 :]
    atmp = [r for r in body if flag is not None and flag < len(r) and r[flag] == "Yes"]
    others = [r for r in body if r not in atmp][: max(0, EMA_SEED_ROWS - len(atmp))]
    return xlsx_bytes([*rows[: header + 1], *atmp[:EMA_SEED_ROWS], *others])


def sheet_rows(content: bytes) -> list[list[str | None]]:
    """The first sheet of a workbook as text cells (None for an empty cell)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheet = book.get_sheet_by_index(0)
    return [[_cell_text(c) for c in row] for row in sheet.to_python(skip_empty_area=False)]


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    return str(value)


def xlsx_bytes(rows: Iterable[list[str | None]]) -> bytes:
    """A workbook of text cells, written by the project's minimal writer (benchmarks/xlsx.py)."""
    import tempfile

    from benchmarks.xlsx import write_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.xlsx"
        write_xlsx(path, "Medicine", list(rows))
        return path.read_bytes()


def configured_source(source_id: str) -> Source:
    """The source as a build of the repository's data/ configures it."""
    source = get_source(source_id)
    configure: Callable[[Path], None] | None = getattr(source, "configure", None)
    if configure is not None:
        configure(DATA)
    return source


def known(source_id: str, exc: BaseException) -> KnownBug | None:
    """The reported bug `exc` is an instance of, if any."""
    for bug in KNOWN_BUGS:
        if (
            bug.source_id == source_id
            and isinstance(exc, bug.exception)
            and bug.message.search(str(exc))
        ):
            return bug
    return None


def check_input(source_id: str, path: Path) -> tuple[Outcome, Outcome]:
    """Read `path` strictly, then leniently (bad records passed to `on_error`), and check the
    contract on both runs; returns both outcomes. A broken
    contract raises AssertionError; an exception the contract does not allow propagates as it is
    (with a note naming the source and input), so a test or a fuzzer reports it with its stack."""
    source = configured_source(source_id)
    try:
        outcome = _strict(source, path)
        if outcome.error is not None:
            _check_error(source_id, path, outcome.error)
        lenient = _lenient(source, path)
    except BaseException as exc:
        if not isinstance(exc, AssertionError | KeyboardInterrupt):
            exc.add_note(f"source {source_id}, input {path}: not an InputError")
        raise
    if lenient.error is not None:
        _check_error(source_id, path, lenient.error)
    for rejection in lenient.rejections:
        _check_error(source_id, path, rejection)
        assert rejection.record, f"a rejected record is not named: {rejection}"
    return outcome, lenient


def _strict(source: Source, path: Path) -> Outcome:
    outcome = Outcome()
    try:
        for record in source.read(path):
            outcome.records += 1
            try:
                outcome.triples += sum(1 for _ in source.triples(record))
            except ValueError as exc:  # InputError is not a ValueError: it goes on up
                outcome.error = exc
                return outcome
    except InputError as exc:
        outcome.error = exc
    return outcome


def _lenient(source: Source, path: Path) -> Outcome:
    outcome = Outcome()
    try:
        for _record in source.read(path, outcome.rejections.append):
            outcome.records += 1
    except InputError as exc:
        outcome.error = exc
    return outcome


def _check_error(source_id: str, path: Path, error: InputError | ValueError) -> None:
    message = str(error)
    assert message.strip(), f"an empty error message from {source_id}"
    assert "\n" not in message and "\r" not in message, f"a multi-line error: {message[:300]!r}"
    assert len(message) <= MAX_MESSAGE, (
        f"an error message of {len(message)} characters (limit {MAX_MESSAGE}): {message[:300]!r}"
    )
    if not isinstance(error, InputError):
        return  # a ValueError of `triples`: the build adds source, file and record
    assert error.source_id == source_id, f"the error names source {error.source_id!r}: {message}"
    assert error.file, f"the error names no file: {message}"
    named = Path(error.file)
    assert named == path or path in named.parents, f"the error names another file: {message}"
    assert f"file {error.file}" in message, f"the message hides the file: {message}"
