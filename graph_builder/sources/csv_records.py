"""Project-defined CSV tables (data/ and the materials / hospital-exemption / EudraGMDP layouts):
read a file against its CSVW table schema (data/schemas/<table>.json) into typed rows, and the
small RDF vocabulary every CSV source shares (typed literals, provenance, illustrative flag).

The schema files are the one definition of each layout: the readers, the tests and
docs/formats.md all follow them, so a column is declared once.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeAlias

from pydantic import BaseModel, ConfigDict
from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.errors import InputError, shown
from graph_builder.literals import TRUE, boolean_literal, date_literal, integer_literal
from graph_builder.namespaces import RDF_TYPE, RDFS, atmp, dct, prov, rdfs
from graph_builder.sources.base import ErrorHandler, input_files


@cache
def schema_dir() -> Path:
    """data/schemas of a source checkout, else of the copy installed as `atmp_kg_data`."""
    checkout = Path(__file__).resolve().parent.parent.parent / "data" / "schemas"
    if checkout.is_dir():
        return checkout
    import atmp_kg_data  # installed by `pip install .` from data/

    return Path(next(iter(atmp_kg_data.__path__))) / "schemas"


Value: TypeAlias = str | int | bool | date | list[str] | None


@dataclass(frozen=True)
class Column:
    name: str
    base: str
    required: bool
    pattern: re.Pattern[str] | None
    separator: str | None


@dataclass(frozen=True)
class TableSchema:
    table: str
    source_id: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.required)


class CsvRow(BaseModel):
    """One data row of a project CSV table, typed by its schema."""

    model_config = ConfigDict(frozen=True)

    table: str
    file: str
    row: int
    values: dict[str, Value]

    def get(self, name: str) -> Value:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) and value else None

    def items(self, name: str) -> list[str]:
        value = self.values.get(name)
        return value if isinstance(value, list) else []

    @property
    def key(self) -> str:
        return "|".join(str(self.values.get(k) or "") for k in schema_for(self.table).primary_key)

    def error(self, source_id: str, field: str, message: str) -> InputError:
        """A problem with one cell of this row, named by file, row and column."""
        return InputError(
            message, source_id=source_id, file=self.file, record=f"row {self.row}", field=field
        )


def schema_path(table: str) -> Path:
    return schema_dir() / f"{table}.json"


@cache
def schema_for(table: str) -> TableSchema:
    """The parsed CSVW schema of `table` (from data/schemas)."""
    doc = json.loads(schema_path(table).read_text(encoding="utf-8"))
    columns = []
    for col in doc["tableSchema"]["columns"]:
        datatype = col["datatype"]
        base = datatype["base"] if isinstance(datatype, dict) else datatype
        fmt = datatype.get("format") if isinstance(datatype, dict) else None
        columns.append(
            Column(
                name=col["name"],
                base=base,
                required=bool(col.get("required", False)),
                pattern=re.compile(fmt) if fmt else None,
                separator=col.get("separator"),
            )
        )
    return TableSchema(
        table=doc["atmp:table"],
        source_id=doc["atmp:source"],
        columns=tuple(columns),
        primary_key=tuple(doc["tableSchema"]["primaryKey"]),
    )


def tables_of(source_id: str) -> list[TableSchema]:
    """Every table layout a source reads, in a stable order."""
    found = [schema_for(p.stem) for p in sorted(schema_dir().glob("*.json"))]
    return [s for s in found if s.source_id == source_id]


_BOOLEANS = {"true": True, "false": False}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _convert(col: Column, raw: str) -> Value:
    """The typed value of one cell; ValueError says what is wrong with it."""
    if col.separator:
        parts = [p.strip() for p in raw.split(col.separator)]
        if any(not p for p in parts):
            raise ValueError(f"empty item in {col.separator!r}-separated list {shown(raw)}")
        for part in parts:
            _check_pattern(col, part)
        return parts
    _check_pattern(col, raw)
    if col.base == "boolean":
        if raw not in _BOOLEANS:
            raise ValueError(f"not a boolean (true/false): {shown(raw)}")
        return _BOOLEANS[raw]
    if col.base == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            raise ValueError(f"not an integer: {shown(raw)}")
        return int(raw)
    if col.base == "date":
        if not _DATE_RE.match(raw):
            raise ValueError(f"not a date (yyyy-mm-dd): {shown(raw)}")
        return date.fromisoformat(raw)
    if col.base == "anyURI" and not re.match(r"^https?://\S+$", raw):
        raise ValueError(f"not an http(s) URL: {shown(raw)}")
    return raw


def _check_pattern(col: Column, value: str) -> None:
    if col.pattern and not col.pattern.fullmatch(value):
        raise ValueError(f"{shown(value)} is not an allowed value (pattern {col.pattern.pattern})")


def pick_schema(
    path: Path, header: list[str], candidates: list[TableSchema], source_id: str
) -> TableSchema:
    """The layout of a file: the table named like the file, else the layout whose columns the
    header matches. A header missing a required column of the closest layout names that column."""
    by_name = {s.table: s for s in candidates}
    if path.stem in by_name:
        return by_name[path.stem]
    cols = set(header)
    exact = [s for s in candidates if s.names == cols]
    if exact:
        return exact[0]
    closest = max(candidates, key=lambda s: len(s.names & cols))
    missing = sorted(closest.required - cols)
    field = (
        missing[0] if missing else sorted(cols - closest.names)[0] if cols - closest.names else None
    )
    raise _header_error(
        path,
        source_id,
        field,
        f"header does not match the {closest.table} layout"
        + (f" (missing required column {missing[0]})" if missing else ""),
    )


def read_table(
    path: Path,
    candidates: list[TableSchema],
    *,
    source_id: str,
    on_error: ErrorHandler,
) -> Iterator[CsvRow]:
    """Rows of one CSV file, checked against its schema. A bad header raises (the file cannot be
    read); a bad cell or duplicate key goes to `on_error` and the row is skipped."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise _header_error(path, source_id, None, "empty file")
            header = [h.strip() for h in header]
            schema = pick_schema(path, header, candidates, source_id)
            _check_header(path, header, schema, source_id)
            seen: dict[tuple[Value, ...], int] = {}
            for line in reader:
                row_no = reader.line_num
                if not any(cell.strip() for cell in line):
                    continue
                row = _typed_row(path, header, line, row_no, schema, source_id, on_error)
                if row is None:
                    continue
                key = tuple(_hashable(row.values.get(k)) for k in schema.primary_key)
                if key in seen:
                    on_error(
                        InputError(
                            f"duplicate key {'|'.join(map(str, key))} (first at row {seen[key]})",
                            source_id=source_id,
                            file=str(path),
                            record=f"row {row_no}",
                            field=schema.primary_key[0],
                        )
                    )
                    continue
                seen[key] = row_no
                yield row
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text: {exc.reason}", source_id=source_id, file=str(path)
        ) from None
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", source_id=source_id, file=str(path)) from None


def _header_error(path: Path, source_id: str, field: str | None, message: str) -> InputError:
    return InputError(message, source_id=source_id, file=str(path), record="header", field=field)


def _hashable(value: Value) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _check_header(path: Path, header: list[str], schema: TableSchema, source_id: str) -> None:
    for name in header:
        if name not in schema.names:
            raise _header_error(
                path, source_id, name, f"unknown column for the {schema.table} layout"
            )
    for name in sorted(schema.required):
        if name not in header:
            raise _header_error(
                path, source_id, name, f"missing required column of the {schema.table} layout"
            )


def _typed_row(
    path: Path,
    header: list[str],
    line: list[str],
    row_no: int,
    schema: TableSchema,
    source_id: str,
    on_error: ErrorHandler,
) -> CsvRow | None:
    def fail(message: str, field: str | None) -> None:
        on_error(
            InputError(
                message, source_id=source_id, file=str(path), record=f"row {row_no}", field=field
            )
        )

    if len(line) != len(header):
        fail(f"{len(line)} cells where the header has {len(header)}", None)
        return None
    raw = dict(zip(header, (cell.strip() for cell in line), strict=True))
    values: dict[str, Value] = {}
    for col in schema.columns:
        cell = raw.get(col.name, "")
        if not cell:
            if col.required:
                fail("required value is empty", col.name)
                return None
            values[col.name] = [] if col.separator else None
            continue
        try:
            values[col.name] = _convert(col, cell)
        except ValueError as exc:
            fail(str(exc), col.name)
            return None
    return CsvRow(table=schema.table, file=str(path), row=row_no, values=values)


def default_files(folder: Path) -> list[Path]:
    """The data/ sub-folder of a source, read as one input because its tables refer to one
    another (none when the folder has no CSV file)."""
    return [folder] if folder.is_dir() and any(folder.glob("*.csv")) else []


class ProjectCsvSource:
    """What the sources of the project's CSV layouts share: their default input is the folder
    data/<source_id>/, and the data written by this project is CC BY 4.0."""

    source_id: ClassVar[str]
    license: ClassVar[str] = "https://creativecommons.org/licenses/by/4.0/"
    homepage: ClassVar[str] = "https://w3id.org/atmp-kg/"

    def default_inputs(self, data_dir: Path) -> list[Path]:
        return default_files(data_dir / self.source_id)


# --- RDF helpers shared by the CSV sources -------------------------------------------------


def lit(value: Value) -> Literal | None:
    """The typed literal of a cell value (None for an empty cell)."""
    if value is None or value == "" or isinstance(value, list):
        return None
    if isinstance(value, bool):
        return boolean_literal(value)
    if isinstance(value, int):
        return integer_literal(value)
    if isinstance(value, date):
        return date_literal(value)
    return Literal(value)


class TripleSink:
    """Collects triples, dropping those whose object is missing (an empty optional cell)."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | None) -> None:
        if o is not None:
            self.triples.append(Triple(s, p, o))

    def a(self, s: NamedNode, cls: str) -> None:
        self.add(s, RDF_TYPE, atmp(cls))

    def label(self, s: NamedNode, text: str | None) -> None:
        self.add(s, rdfs("label"), Literal(text) if text else None)

    def text(self, s: NamedNode, p: NamedNode, text: str | None) -> None:
        self.add(s, p, Literal(text) if text else None)

    def provenance(self, entity: NamedNode, row: CsvRow, source_id: str, record_key: str) -> None:
        """dct:source on the entity, and a SourceRecord naming the file row it came from."""
        url = row.text("source_url")
        record = iris.record(source_id, f"{row.table}-{iris.slug(record_key)}")
        self.add(entity, prov("wasDerivedFrom"), record)
        if url:
            self.add(entity, dct("source"), NamedNode(url))
            self.add(record, dct("source"), NamedNode(url))
        self.a(record, "SourceRecord")
        self.label(record, f"{row.table} row {row.row}")
        self.text(record, NamedNode(RDFS + "comment"), row.text("source_note"))
        if row.get("illustrative") is True:
            self.add(entity, atmp("isIllustrative"), TRUE)
            self.add(record, atmp("isIllustrative"), TRUE)


def read_rows(path: Path, source_id: str, on_error: ErrorHandler) -> Iterator[CsvRow]:
    """Rows of every CSV file of `path` (a file or a folder) for one source's layouts."""
    candidates = tables_of(source_id)
    for file in input_files(path, (".csv",)):
        yield from read_table(file, candidates, source_id=source_id, on_error=on_error)


def keyable_rows(
    rows: Iterator[CsvRow],
    source_id: str,
    key_parts: Mapping[str, Callable[[str], str]],
    on_error: ErrorHandler,
) -> Iterator[CsvRow]:
    """The rows from which an IRI key can be made: `key_parts` maps a column to the function
    turning its value into part of a key (e.g. iris.slug), whose ValueError (a name without a
    letter or digit) sends the row to `on_error`, naming the column."""
    for row in rows:
        for column, part in key_parts.items():
            value = row.get(column)
            if value is None:
                continue
            try:
                part(str(value))
            except ValueError as exc:
                on_error(row.error(source_id, column, str(exc)))
                break
        else:
            yield row


RowMapper: TypeAlias = Callable[[TripleSink, CsvRow], None]


def row_triples(row: CsvRow, mappers: Mapping[str, RowMapper]) -> list[Triple]:
    """The triples of a row, written by the mapper of its table."""
    sink = TripleSink()
    mappers[row.table](sink, row)
    return sink.triples
