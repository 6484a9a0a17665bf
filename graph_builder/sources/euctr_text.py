"""Line parser of the EU Clinical Trials Register full-text download ("Download full trial
details", a .txt file; format in shared/domain/SOURCES.md §2a).

The file is a preamble line, then one record per trial and national competent authority, each
starting with a line `Summary`. Record lines are `CODE Label: value`; the code and label may be
separated by a TAB (`B.1.3.4<TAB>Country:`), values continue over following lines that carry no
code, translated duplicates repeat a line with a language suffix (`A.3 Full title of the trial
(es):`) and some groups repeat (`Sponsor 1`, `D.IMP: 1`, the `E.1.2` MedDRA blocks).

This module only cuts the text into entries; `graph_builder.sources.euctr` gives them meaning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

from graph_builder.errors import InputError, shown

# Sections of the EudraCT form in the order the register writes them; a "code" that would go back
# to an earlier section is a line of free text (e.g. "A. Patients ..." inside inclusion criteria).
SECTION_ORDER: Final = "ABCDEFGHNP"

_NUMBERED_CODE = re.compile(
    r"^(?P<code>[A-H](?:\.[0-9]+)+\.?(?: (?:and|to) [A-H](?:\.[0-9]+)+)?)[ \t]+(?P<rest>\S.*)$"
)
_LETTER_CODE = re.compile(r"^(?P<code>[A-HNP])\.[ \t]+(?P<rest>\S.*)$")
# Letter-only codes are section headings and the N./P. lines; anything else starting with "X. "
# is free text, so only these beginnings are accepted.
_LETTER_LABELS: Final = (
    "Protocol Information",
    "Sponsor Information",
    "Applicant Identification",
    "IMP Identification",
    "General Information on the Trial",
    "Population of Trial Subjects",
    "Investigator Networks",
    "Third Country",
    "Review by the Competent Authority",
    "Competent Authority Decision",
    "Date of Competent Authority Decision",
    "Ethics Committee Opinion",
    "Date of Ethics Committee Opinion",
    "End of Trial",
    "Date of the global end of the trial",
    "Date of the end of the trial",
)
_SPONSOR_MARKER = re.compile(r"^Sponsor (?P<n>[0-9]+)$")
_IMP_MARKER = re.compile(r"^D\.IMP: ?(?P<n>[0-9]+)$")
_MEDDRA_MARKER: Final = "MedDRA Classification"
_HEADER_LINE = re.compile(r"^(?P<label>[A-Z][^:]{1,120}):(?: (?P<value>.*))?$")
_LANGUAGE_SUFFIX = re.compile(r"^(?P<label>.*\S) \((?P<lang>[a-z]{2})\)$")
_LABEL_END = re.compile(r":(?: |$)")
_SPACES = re.compile(r"\s+")
# Labels that contain ": " themselves, so the first colon does not end them.
_LABELS_WITH_COLON: Final = ("Ethics Committee Opinion: Reason(s) for unfavourable opinion",)
# Unicode line/paragraph separators occur inside values (ctrdata saw U+2028 in 2016-004774-17);
# they are not line breaks of the file.
_SEPARATORS = re.compile("[\u2028\u2029]")
PREAMBLE_START: Final = "This file contains full details on each clinical trial"


@dataclass(frozen=True)
class Entry:
    """One `CODE Label: value` line with its continuation lines.

    `code` is "" for the lines of the summary header (`EudraCT Number: ...`), "B.1" for a
    `Sponsor n` marker, "D.IMP" for a `D.IMP: n` marker. `value` is None for a heading that has no
    colon (`D.3 Description of the IMP`) and "" for an empty field.
    """

    code: str
    label: str
    lang: str | None
    value: str | None
    line: int

    @property
    def field(self) -> str:
        """The field as the register prints it, for error messages: 'A.7 Trial is part of ...'."""
        name = f"{self.code} {self.label}" if self.code else self.label
        return f"{name} ({self.lang})" if self.lang else name

    @property
    def section(self) -> str:
        return self.code[:1] if self.code else ""


@dataclass
class RawRecord:
    """The entries of one record (one trial in one member state), in file order."""

    line: int
    entries: list[Entry] = field(default_factory=list)
    # Lines that could not be placed (text before the first field of the record).
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Open:
    """The entry being read, until the next entry starts."""

    code: str
    label: str
    lang: str | None
    value: str | None
    line: int
    more: list[str] = field(default_factory=list)
    blanks: int = 0

    def add(self, text: str) -> None:
        # Blank lines inside a value are kept only when text follows them.
        self.more.extend([""] * self.blanks)
        self.blanks = 0
        self.more.append(text)

    def close(self) -> Entry:
        value = self.value
        if self.more:
            value = "\n".join([value or "", *self.more]) if value else "\n".join(self.more)
        if value is not None:
            value = value.strip()
        return Entry(self.code, self.label, self.lang, value, self.line)


def _split_label(rest: str) -> tuple[str, str | None]:
    """'Full title of the trial: A Phase 1 ...' -> ('Full title of the trial', 'A Phase 1 ...')."""
    for known in _LABELS_WITH_COLON:
        if rest.startswith(known + ":"):
            return known, rest[len(known) + 1 :].strip()
    colon = _LABEL_END.search(rest)
    question = rest.find("? ")
    if question >= 0 and (colon is None or question < colon.start()):
        # 'Is a Placebo used in this Trial? Yes' has no colon at all
        return rest[: question + 1], rest[question + 2 :].strip()
    if colon is None:
        return rest.rstrip(), None
    return rest[: colon.start()], rest[colon.end() :].strip()


@functools.lru_cache(maxsize=4096)
def _clean_label(label: str) -> tuple[str, str | None]:
    """Label and language of a raw label (cached: a download repeats the same few hundred)."""
    label = _SPACES.sub(" ", label).strip()
    m = _LANGUAGE_SUFFIX.match(label)
    if m:
        return m.group("label"), m.group("lang")
    return label, None


def _coded(line: str, section: str) -> tuple[str, str] | None:
    """(code, rest) when the line starts a coded field that may follow `section`."""
    m = _NUMBERED_CODE.match(line)
    if m is None:
        m = _LETTER_CODE.match(line)
        if m is None or not m.group("rest").startswith(_LETTER_LABELS):
            return None
        code = m.group("code") + "."
    else:
        code = m.group("code")
    if section and SECTION_ORDER.find(code[0]) < SECTION_ORDER.find(section):
        return None
    return code, m.group("rest")


def parse(lines: Iterable[str], file: str) -> Iterator[RawRecord]:
    """The records of an EU CTR full-text download, given its lines (with or without line ends).

    Raises InputError naming `file` when text before the first record is not the register's
    preamble, or when there is no record at all.
    """
    record: RawRecord | None = None
    current: _Open | None = None
    section = ""
    in_header = False
    seen_record = False

    def finish() -> None:
        nonlocal current
        if record is not None and current is not None:
            record.entries.append(current.close())
        current = None

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if "\u2028" in line or "\u2029" in line:
            line = _SEPARATORS.sub(" ", line)
        stripped = line.strip()
        if stripped == "Summary":
            finish()
            if record is not None:
                yield record
            record = RawRecord(line=number)
            seen_record = True
            section = ""
            in_header = True
            continue
        if record is None:
            if stripped and not (number == 1 and stripped.startswith(PREAMBLE_START)):
                raise InputError(
                    "not an EU CTR full-text download: expected the register's preamble or a "
                    f"'Summary' line, got {shown(stripped)}",
                    source_id="euctr",
                    file=file,
                    record=f"line {number}",
                )
            continue
        if not stripped:
            if current is not None:
                current.blanks += 1
            continue

        opened = _open_entry(line, number, section, in_header)
        if opened is not None:
            finish()
            current = opened
            if opened.code:
                in_header = False
                section = opened.code[0] if opened.code[0] in SECTION_ORDER else section
            continue
        if current is None:
            record.problems.append((number, f"text outside any field: {shown(stripped)}"))
            continue
        current.add(line.rstrip())

    finish()
    if record is not None:
        yield record
    if not seen_record:
        raise InputError(
            "not an EU CTR full-text download: no 'Summary' line, so no record",
            source_id="euctr",
            file=file,
        )


def _open_entry(line: str, number: int, section: str, in_header: bool) -> _Open | None:
    """The entry a line starts, or None for a continuation line."""
    if section == "B":
        m = _SPONSOR_MARKER.match(line.strip())
        if m:
            return _Open("B.1", "Sponsor", None, m.group("n"), number)
    if section == "D":
        m = _IMP_MARKER.match(line.strip())
        if m:
            return _Open("D.IMP", "IMP", None, m.group("n"), number)
    if section == "E" and line.strip() == _MEDDRA_MARKER:
        return _Open("E.1.2", _MEDDRA_MARKER, None, None, number)
    coded = _coded(line, section)
    if coded is None:
        header = _HEADER_LINE.match(line) if in_header else None
        if header is None:
            return None
        value = (header.group("value") or "").strip()
        return _Open("", header.group("label").strip(), None, value, number)
    code, rest = coded
    label, value = _split_label(rest)
    label, lang = _clean_label(label)
    return _Open(code, label, lang, value, number)
