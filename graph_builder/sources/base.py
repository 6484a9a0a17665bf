"""What every source module provides: read a real file into validated records, map records to
triples. `graph_builder.build` drives them; a source never touches the store itself.

A source module `graph_builder/sources/<source_id>.py` defines one class implementing `Source`
and registers it in `graph_builder/sources/__init__.py`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeAlias

from pydantic import BaseModel, ValidationError
from pyoxigraph import Triple

from graph_builder.errors import InputError


@dataclass(frozen=True)
class Rejection:
    """One record the source could not map; kept in the --lenient quarantine report."""

    source_id: str
    file: str
    record: str
    field: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "source_id": self.source_id,
            "file": self.file,
            "record": self.record,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class ReadStats:
    """Counts a source run reports into the meta graph (PROV-O) and the progress bar."""

    records_read: int = 0
    records_mapped: int = 0
    triples: int = 0
    rejections: list[Rejection] = field(default_factory=list)


ErrorHandler: TypeAlias = Callable[[InputError], None]


def raise_error(error: InputError) -> None:
    """The strict handler: the first bad record stops the build."""
    raise error


class Source(Protocol):
    """A real-world source. `read` yields records (pydantic models); bad input is reported as
    `InputError` naming source, file, record and field; `triples` maps one record to RDF using
    only ontology terms and `graph_builder.iris` for IRIs.

    Two optional members the pipeline uses when a source defines them:
    `suffixes: ClassVar[tuple[str, ...]]` — the file endings the build picks from a folder (the
    build then reads file by file, so provenance names each file; without it, the folder itself
    is passed to `read`); `configure(data_dir: Path | None) -> None` — called before reading, for
    sources that consult curated data (e.g. `ema` reads the curated ATMP list)."""

    source_id: ClassVar[str]
    title: ClassVar[str]
    license: ClassVar[str]
    homepage: ClassVar[str]

    def default_inputs(self, data_dir: Path) -> list[Path]:
        """Files under data/ fed to this source by a plain `atmp-kg build` (may be empty)."""
        ...

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[BaseModel]:
        """Records of one input file (or of every file in a folder). A bad *record* is passed
        to `on_error` (which raises in a strict build, or quarantines it with --lenient) and
        reading goes on; a file that cannot be read at all raises InputError."""
        ...

    def triples(self, record: Any) -> Iterable[Triple]:
        """The triples of one record."""
        ...


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """A file, or the files with one of `suffixes` in a folder (sorted, for reproducible builds)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
        if not files:
            raise InputError(f"no {'/'.join(suffixes)} file in folder", file=str(path))
        return files
    if not path.exists():
        raise InputError("no such file", file=str(path))
    return [path]


def located(
    error: InputError,
    *,
    source_id: str | None = None,
    file: str | None = None,
    record: str | None = None,
    field: str | None = None,
) -> InputError:
    """The same error placed where it happened: each part given replaces the error's own, the
    others are kept (a record parser knows the field; its reader adds file and record)."""
    return InputError(
        error.reason,
        source_id=source_id or error.source_id,
        file=file or error.file,
        record=record or error.record,
        field=field or error.field,
    )


def read_json(file: Path, source_id: str) -> Any:
    """The parsed JSON of a file (UTF-8, with or without a byte-order mark); InputError naming
    the file and where its text is broken."""
    try:
        with open(file, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            source_id=source_id,
            file=str(file),
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", source_id=source_id, file=str(file)
        ) from None
    except ValueError as exc:  # after its subclasses above: a number int() refuses to convert
        raise InputError(f"not valid JSON: {exc}", source_id=source_id, file=str(file)) from None
    except RecursionError:
        raise InputError(
            "not valid JSON: nested too deeply", source_id=source_id, file=str(file)
        ) from None


def model_or_error(
    model: type[BaseModel], data: dict[str, Any], *, source_id: str, file: Path, record: str
) -> BaseModel:
    """Validate one record, turning pydantic's error into an InputError that names the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(p) for p in first["loc"]) or None
        raise InputError(
            first["msg"], source_id=source_id, file=str(file), record=record, field=field_name
        ) from None
