"""Hypothesis strategies that turn a real input file into a hostile one: random and truncated
bytes, wrong encodings and BOMs, huge fields, duplicate ids, wrong types, missing and extra
columns or keys, deep nesting, ragged rows. Format-aware where the format is known (CSV, JSON,
EU CTR text, xlsx), so that most inputs get past the first check of a parser.

Every size is bounded (HUGE_FIELD, MAX_DEPTH) so that one example stays well under a second of
parsing on a small machine.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Final, TypeAlias

from hypothesis import strategies as st
from source_contract import Seed, sheet_rows, xlsx_bytes

Draw: TypeAlias = Any  # hypothesis' `data.draw`
Json: TypeAlias = Any

HUGE_FIELD: Final = 1_200_000  # characters: past csv's 128 KiB field limit, far past any real value
MAX_DEPTH: Final = 3_000  # JSON nesting: past the json module's recursion limit
# Stand for a long run of digits and for deeply nested lists in a JSON document; written in
# only when it is serialised (the json module itself cannot build either).
BIG_NUMBER: Final = "@@big-number@@"
DEEP_LIST: Final = "@@deep-list@@"
ENCODINGS: Final = ("utf-16", "utf-16-be", "utf-32", "cp1252", "latin-1", "mac_roman", "utf-7")
BOMS: Final = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf")
# Values that break naive parsers: look-alike digits, separators, NUL, a spreadsheet formula,
# markup, IRIs with characters an IRI may not hold, SPARQL and Turtle syntax.
NASTY_TEXT: Final = (
    "",
    " ",
    "\x00",
    "²",
    "١٢٣",
    "٣/٠٤/٢٠٢٠",
    "99999999999999999999999999999999",
    "-1",
    "1e308",
    "NaN",
    "31/02/2020",
    "2020-13-45",
    "0000-00-00",
    "true",
    "Yes;No",
    '=HYPERLINK("http://127.0.0.1/")',
    "<script>alert(1)</script>",
    "http://a b",
    "http://example.org/<bad>",
    'x" . <http://evil> <http://evil> "y',
    "} ; DROP ALL ; {",
    "\u2028line\u2029",
    "a\nb\rc",
    "\ufeffBOM",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "EMEA/H/C/000000",
    "NCT00000000",
    "0000-000000-00",
)


def text_values() -> st.SearchStrategy[str]:
    """A cell or field value: nasty constants, arbitrary text, or a huge run of one character."""
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.text(max_size=40),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.tuples(st.sampled_from('a9é😀,;"'), st.integers(1_000, HUGE_FIELD)).map(
            lambda t: t[0] * t[1]
        ),
    )


def json_values() -> st.SearchStrategy[Json]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        text_values(),
    )
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=3)
        ),
        max_leaves=8,
    )


# --- byte level: any format -------------------------------------------------------------------


def random_bytes(seed: bytes, draw: Draw) -> bytes:
    return bytes(draw(st.binary(max_size=4096)))


def truncated(seed: bytes, draw: Draw) -> bytes:
    return seed[: draw(st.integers(0, max(0, len(seed) - 1)))]


def byte_noise(seed: bytes, draw: Draw) -> bytes:
    out = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(out)))
        op = draw(st.sampled_from(("replace", "insert", "delete")))
        byte = draw(st.integers(0, 255))
        if op == "insert" or at >= len(out):
            out.insert(at, byte)
        elif op == "replace":
            out[at] = byte
        else:
            del out[at]
    return bytes(out)


def with_bom(seed: bytes, draw: Draw) -> bytes:
    return bytes(draw(st.sampled_from(BOMS))) + seed


def reencoded(seed: bytes, draw: Draw) -> bytes:
    text = seed.decode("utf-8", errors="replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def line_endings(seed: bytes, draw: Draw) -> bytes:
    ending = draw(st.sampled_from((b"\r\n", b"\r", b"\n\n", b"\x85", b"\x0b")))
    return seed.replace(b"\n", ending)


BYTE_MUTATIONS: Final = (random_bytes, truncated, byte_noise)
TEXT_MUTATIONS: Final = (with_bom, reencoded, line_endings)


# --- CSV tables -------------------------------------------------------------------------------


def _csv_rows(seed: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(seed.decode("utf-8-sig"), newline="")))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def table_mutation(rows: list[list[str]], draw: Draw) -> list[list[str]]:
    """One structural change to a table whose first row is the header."""
    rows = [list(r) for r in rows]
    width = max((len(r) for r in rows), default=0)
    op = draw(
        st.sampled_from(
            (
                "drop_column",
                "extra_column",
                "rename_column",
                "duplicate_row",
                "cell",
                "cell",
                "cell",
                "ragged_row",
                "drop_header",
                "duplicate_header",
            )
        )
    )
    if not rows or width == 0:
        return [[draw(text_values())]]
    col = draw(st.integers(0, width - 1))
    body = range(1, len(rows))
    if op == "drop_column":
        return [[c for i, c in enumerate(r) if i != col] for r in rows]
    if op == "extra_column":
        name = draw(st.sampled_from(("extra", "", rows[0][col] if col < len(rows[0]) else "x")))
        return [[*r, name if n == 0 else draw(text_values())] for n, r in enumerate(rows)]
    if op == "rename_column" and col < len(rows[0]):
        rows[0][col] = draw(text_values())
        return rows
    if op == "duplicate_row" and len(rows) > 1:
        row = draw(st.sampled_from(list(body)))
        rows.insert(draw(st.integers(1, len(rows))), list(rows[row]))
        return rows
    if op == "ragged_row" and len(rows) > 1:
        row = rows[draw(st.sampled_from(list(body)))]
        if row and draw(st.booleans()):
            row.pop()
        else:
            row.append(draw(text_values()))
        return rows
    if op == "drop_header":
        return rows[1:]
    if op == "duplicate_header":
        return [rows[0], *rows]
    row = rows[draw(st.integers(0, len(rows) - 1))]
    if col < len(row):
        row[col] = draw(text_values())
    return rows


def csv_structure(seed: bytes, draw: Draw) -> bytes:
    rows = _csv_rows(seed)
    for _ in range(draw(st.integers(1, 3))):
        rows = table_mutation(rows, draw)
    return _csv_bytes(rows)


# --- JSON documents ---------------------------------------------------------------------------


def _paths(doc: Json, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _at(doc: Json, path: tuple[Any, ...]) -> Json:
    for part in path:
        doc = doc[part]
    return doc


def json_structure(seed: bytes, draw: Draw) -> bytes:
    doc = json.loads(seed.decode("utf-8-sig"))
    for _ in range(draw(st.integers(1, 3))):
        doc = _json_mutation(doc, draw)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    text = re.sub(f'"{BIG_NUMBER}([0-9]+)"', lambda m: "9" * int(m.group(1)), text)
    text = re.sub(
        f'"{DEEP_LIST}([0-9]+)"', lambda m: "[" * int(m.group(1)) + "]" * int(m.group(1)), text
    )
    return text.encode("utf-8")


def _json_mutation(doc: Json, draw: Draw) -> Json:
    path = draw(st.sampled_from(_paths(doc)))
    op = draw(
        st.sampled_from(
            ("delete", "replace", "replace", "extra_key", "duplicate", "nest", "big_number")
        )
    )
    if op == "nest":
        depth = draw(st.integers(2, MAX_DEPTH))
        return _replaced(doc, path, f"{DEEP_LIST}{depth}")
    if op == "big_number":
        # json turns a long digit run into an int: past 4300 digits Python refuses to.
        return _replaced(doc, path, f"{BIG_NUMBER}{draw(st.integers(20, 6_000))}")
    if not path:
        return draw(json_values()) if op == "replace" else doc
    parent = _at(doc, path[:-1])
    key = path[-1]
    if op == "delete":
        del parent[key]
    elif op == "extra_key" and isinstance(parent, dict):
        parent[draw(st.text(max_size=12))] = draw(json_values())
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(key, json.loads(json.dumps(parent[key], default=str)))
    else:
        parent[key] = draw(json_values())
    return doc


def _replaced(doc: Json, path: tuple[Any, ...], value: Json) -> Json:
    if not path:
        return value
    _at(doc, path[:-1])[path[-1]] = value
    return doc


# --- EU CTR full-text download ----------------------------------------------------------------


def text_lines(seed: bytes, draw: Draw) -> bytes:
    """Line edits of a `CODE Label: value` text: values replaced, lines dropped or repeated, a
    record repeated (a duplicate trial id), stray lines."""
    lines = seed.decode("utf-8-sig").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(
                ("value", "value", "value", "drop", "repeat", "record", "insert", "swap")
            )
        )
        if op == "value" and ": " in lines[at]:
            label = lines[at].split(": ", 1)[0]
            lines[at] = f"{label}: {draw(text_values())}"
        elif op == "drop" and len(lines) > 1:
            del lines[at]
        elif op == "repeat":
            lines.insert(at, lines[at])
        elif op == "record":
            lines += _first_record(lines)
        elif op == "insert":
            lines.insert(at, draw(text_values()))
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    return "\n".join(lines).encode("utf-8")


def _first_record(lines: list[str]) -> list[str]:
    starts = [i for i, line in enumerate(lines) if line.strip() == "Summary"]
    if not starts:
        return []
    end = starts[1] if len(starts) > 1 else len(lines)
    return lines[starts[0] : end]


# --- xlsx workbooks ---------------------------------------------------------------------------


def sheet_structure(seed: bytes, draw: Draw) -> bytes:
    rows: list[list[str | None]] = sheet_rows(seed)
    table = [[c or "" for c in r] for r in rows]
    for _ in range(draw(st.integers(1, 3))):
        table = table_mutation(table, draw)
    return xlsx_bytes([[c or None for c in r] for r in table])


STRUCTURE: Final = {
    "csv": csv_structure,
    "json": json_structure,
    "txt": text_lines,
    "xlsx": sheet_structure,
}


def hostile_input(seed: Seed, draw: Draw) -> tuple[str, bytes]:
    """(name of the mutation, the mutated content) for one seed."""
    structural = STRUCTURE[seed.kind]
    textual = () if seed.kind == "xlsx" else TEXT_MUTATIONS
    choices = (*BYTE_MUTATIONS, *textual, structural, structural, structural)
    mutate = draw(st.sampled_from(choices))
    return mutate.__name__, mutate(seed.content, draw)
