"""EU Clinical Trials Register (EudraCT, Directive 2001/20/EC) full-text download -> one merged
record per trial -> triples.

The register writes one record per trial and national competent authority; `read` merges the
country records of a EudraCT number into one `EuctrTrial` carrying its per-country parts, so the
graph gets one trial node with one `ClinicalTrialAuthorisation` per member state.

Merging rule (docs/sources.md): facts of the protocol (title, phases, sponsors, IMPs,
conditions, enrolment, design) come from the first clean country record of the trial in file
order; per-country facts (member state, competent authority, decision and its date, status,
Link) come from every country record. A second record for the same member state (the register
keeps one per protocol version) adds nothing but its Link; when its decision or date differs
from the first, the authorisation node says so in an rdfs:comment. Other spellings of the title
and the sponsor names in later records become skos:altLabel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar, Final

from pydantic import BaseModel, ConfigDict
from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.countries import country_code
from graph_builder.errors import InputError, shown
from graph_builder.literals import (
    TRUE,
    boolean_literal,
    date_literal,
    integer_literal,
    text_literal,
)
from graph_builder.namespaces import RDF_TYPE, RDFS_LABEL, atmp, dct, prov, rdfs, skos
from graph_builder.sources import euctr_text
from graph_builder.sources.base import ErrorHandler, input_files, located, raise_error
from graph_builder.sources.euctr_text import Entry, RawRecord
from graph_builder.sources.nodes import country_triples, disease_triples, meddra_condition_triples
from graph_builder.sources.trial_mapping import (
    atmp_trial_triples,
    decision_triples,
    self_classification_triples,
)

SOURCE_ID: Final = "euctr"
DIRECTIVE_2001_20_CELEX: Final = "32001L0020"

# "Trial Status" / "P. End of Trial Status" values of the register (ctrdata and EU Trials Tracker
# mappings) -> the TrialStatus individual; None where the value is not a state of the trial.
TRIAL_STATUSES: Final[dict[str, str | None]] = {
    "ongoing": "Ongoing",
    "restarted": "Ongoing",
    "temporarily halted": "Suspended_Trial",
    "suspended by ca": "Suspended_Trial",
    "completed": "Completed",
    "prematurely ended": "Terminated",
    "not authorised": None,
    "prohibited by ca": None,
    "trial now transitioned": None,
    "gb - no longer in eu/eea": None,
    "outside eu/eea": None,
}
# The status of the whole trial is the most active one over its member states.
_STATUS_PRECEDENCE: Final = ("Ongoing", "Suspended_Trial", "Completed", "Terminated")

_LINK = re.compile(
    r"^https?://www\.clinicaltrialsregister\.eu/ctr-search/trial/"
    r"(?P<eudract>\d{4}-\d{6}-\d{2})/(?P<cc>[A-Za-z]{2}|3rd)/?$"
)
_NCT = re.compile(r"NCT\d{8}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# The marker line `D.IMP: n` is recognised with any digits, so that a bad one is reported, not
# read as text of the field before it.
_IMP_NUMBER = re.compile(r"[0-9]{1,4}")
_PIP_DECISION = re.compile(r"P/\d{1,4}/\d{4}|EMEA-\d{6}-PIP\d{2}-\d{2}", re.IGNORECASE)
_NOT_AVAILABLE: Final = frozenset(
    {"n/a", "na", "n.a.", "not applicable", "none", "-", "pending", "not yet available"}
)
_YES_NO: Final[dict[str, bool | None]] = {
    "yes": True,
    "no": False,
    "": None,
    "information not present in eudract": None,
}
# Non-commercial sponsors: an organisation type read from the name (a hint; the register gives
# only Commercial / Non-Commercial). Checked in this order.
_NAME_HINTS: Final = (
    (
        "Hospital",
        re.compile(
            r"hospital|h[oô]pita(l|ux)|ospedale|klinikum|clinic|clinique|kliniek|ziekenhuis|"
            r"sjukhus|szpital|nemocnice|\bchu\b|\bap-hp\b|\bnhs\b|\bumc\b|"
            r"medical cent(er|re)|sant joan de d[eé]u|policlinico|irccs",
            re.IGNORECASE,
        ),
    ),
    (
        "Academic",
        re.compile(
            r"universit|universidad|college|école|school of|academ|institut|karolinska|"
            r"\binserm\b|\bcnrs\b",
            re.IGNORECASE,
        ),
    ),
    (
        "NonProfit",
        re.compile(
            r"foundation|fundaci[oó]n?\b|fondazione|stichting|stiftung|association|"
            r"society|charity|\btrust\b",
            re.IGNORECASE,
        ),
    ),
)
PHASE_FLAGS: Final = (
    ("E.7.1", 1),
    ("E.7.2", 2),
    ("E.7.3", 3),
    ("E.7.4", 4),
)
ATMP_CLASS_FLAGS: Final = (
    ("D.3.11.3.1", "SCTMP"),
    ("D.3.11.3.2", "GTMP"),
    ("D.3.11.3.3", "TEP"),
    ("D.3.11.3.4", "CombinedATMP"),
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sponsor(_Model):
    name: str
    country: str | None = None  # ISO 3166-1 alpha-2
    commercial: bool | None = None


class Imp(_Model):
    number: int
    role: str | None = None
    product_name: str | None = None
    product_code: str | None = None
    inns: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()
    orphan: bool | None = None
    orphan_number: str | None = None
    atimp: bool | None = None
    atmp_classes: tuple[str, ...] = ()
    cat_classified: bool | None = None

    @property
    def key_text(self) -> str | None:
        """The text the product IRI is keyed on: the sponsor's product code (other registries
        and publications name investigational products by it), else the name, else the INN.
        A purely numeric code is too ambiguous to key on."""
        code = None if (self.product_code or "").isdigit() else self.product_code
        for text in (code, self.product_name, *self.inns, *self.other_names):
            if text:
                return text
        return None


class MeddraTerm(_Model):
    version: str | None = None
    level: str | None = None
    code: str | None = None
    term: str | None = None
    system_organ_class: str | None = None


class CountryRecord(_Model):
    """One record of the download: the trial as authorised in one member state."""

    eudract: str
    country: str | None  # ISO 3166-1 alpha-2; None for a record of a third country ("3rd")
    authority: str | None
    link: str
    file: str
    line: int
    illustrative: bool = False
    trial_status: str | None = None
    first_entered: date | None = None
    title: str | None = None
    title_translations: tuple[tuple[str, str], ...] = ()
    short_title: str | None = None
    nct_numbers: tuple[str, ...] = ()
    paediatric_plan: bool | None = None
    pip_decision: str | None = None
    sponsors: tuple[Sponsor, ...] = ()
    imps: tuple[Imp, ...] = ()
    conditions: tuple[str, ...] = ()
    condition_translations: tuple[tuple[str, str], ...] = ()
    therapeutic_area: str | None = None
    meddra: tuple[MeddraTerm, ...] = ()
    rare_disease: bool | None = None
    phases: tuple[int, ...] = ()
    design: tuple[str, ...] = ()
    arms: int | None = None
    enrollment: int | None = None
    ca_decision: str | None = None
    ca_decision_date: date | None = None
    end_of_trial_status: str | None = None
    global_end_date: date | None = None

    @property
    def key(self) -> str:
        """'2022-002568-62-SE': the record's key (ctrdata's convention)."""
        return f"{self.eudract}-{self.country or '3rd'}"

    @property
    def status(self) -> str | None:
        """The TrialStatus individual of this member state."""
        for text in (self.trial_status, self.end_of_trial_status):
            if text:
                return TRIAL_STATUSES[text.lower()]
        return None


class EuctrTrial(_Model):
    """One trial: its country records in file order (the first is the protocol record)."""

    eudract: str
    parts: tuple[CountryRecord, ...]

    @property
    def protocol(self) -> CountryRecord:
        return self.parts[0]


# --------------------------------------------------------------------------- reading


def _bad(field: str, message: str) -> InputError:
    """A field value that does not fit the register's format; `read` adds file and record."""
    return InputError(message, source_id=SOURCE_ID, field=field)


def yes_no(entry: Entry | None) -> bool | None:
    if entry is None or entry.value is None:
        return None
    key = entry.value.strip().lower()
    if key not in _YES_NO:
        raise _bad(entry.field, f"expected Yes or No, got {shown(entry.value)}")
    return _YES_NO[key]


def iso_date(entry: Entry | None) -> date | None:
    if entry is None or not entry.value:
        return None
    text = entry.value.strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise _bad(entry.field, f"expected a date YYYY-MM-DD, got {shown(text)}") from None


def integer(entry: Entry | None) -> int | None:
    if entry is None or not entry.value:
        return None
    text = entry.value.strip()
    # Not str.isdigit(): it accepts '²' and digit runs longer than int() converts.
    if not _WHOLE_NUMBER.fullmatch(text):
        raise _bad(entry.field, f"expected a whole number, got {shown(text)}")
    return int(text)


@dataclass
class _Fields:
    """Entries of one block (a record, a sponsor, an IMP), looked up by code."""

    entries: list[Entry]

    def get(self, code: str, label_start: str = "") -> Entry | None:
        for entry in self.entries:
            if entry.code == code and entry.lang is None and entry.label.startswith(label_start):
                return entry
        return None

    def text(self, code: str, label_start: str = "") -> str | None:
        entry = self.get(code, label_start)
        return entry.value or None if entry is not None else None

    def all_text(self, code: str) -> list[str]:
        return [e.value for e in self.entries if e.code == code and e.lang is None and e.value]

    def translations(self, code: str) -> list[tuple[str, str]]:
        return [(e.lang, e.value) for e in self.entries if e.code == code and e.lang and e.value]


def _blocks(
    entries: list[Entry], marker: str, section: str, stop: tuple[str, ...] = ()
) -> list[list[Entry]]:
    """Entries after each `marker` entry, up to the next marker, a `stop` code or the end of
    the section."""
    blocks: list[list[Entry]] = []
    current: list[Entry] | None = None
    for entry in entries:
        if entry.code == marker:
            current = []
            blocks.append(current)
        elif current is not None:
            if entry.section != section or entry.code.startswith(stop):
                current = None
            else:
                current.append(entry)
    return blocks


def _meddra_blocks(entries: list[Entry]) -> list[list[Entry]]:
    """The E.1.2 MedDRA blocks: a block ends when one of its labels repeats."""
    blocks: list[list[Entry]] = []
    labels: set[str] = set()
    for entry in entries:
        if entry.code != "E.1.2" or entry.value is None:
            continue
        if not blocks or entry.label in labels:
            blocks.append([])
            labels = set()
        blocks[-1].append(entry)
        labels.add(entry.label)
    return blocks


def _sponsor(block: list[Entry]) -> Sponsor | None:
    fields = _Fields(block)
    name = fields.text("B.1.1")
    if not name:
        return None
    status = fields.get("B.3.1 and B.3.2")
    commercial: bool | None = None
    if status is not None and status.value:
        value = status.value.strip().lower()
        if value not in ("commercial", "non-commercial"):
            raise _bad(
                status.field, f"expected Commercial or Non-Commercial, got {shown(status.value)}"
            )
        commercial = value == "commercial"
    country = fields.get("B.1.3.4")
    code: str | None = None
    if country is not None and country.value:
        code = country_code(country.value)
        if code is None:
            raise _bad(country.field, f"unknown country {shown(country.value)}")
    return Sponsor(name=name, country=code, commercial=commercial)


def _imp(number: str, block: list[Entry]) -> Imp:
    fields = _Fields(block)
    classes = tuple(cls for code, cls in ATMP_CLASS_FLAGS if yes_no(fields.get(code)))
    orphan = yes_no(fields.get("D.2.5"))
    if not _IMP_NUMBER.fullmatch(number):
        raise _bad("D.IMP", f"expected an IMP number of 1 to 4 digits, got {shown(number)}")
    return Imp(
        number=int(number),
        role=fields.text("D.1.2 and D.1.3"),
        product_name=fields.text("D.3.1"),
        product_code=fields.text("D.3.2"),
        inns=tuple(fields.all_text("D.3.8")),
        other_names=tuple(fields.all_text("D.3.9.3")),
        orphan=orphan,
        orphan_number=fields.text("D.2.5.1"),
        atimp=yes_no(fields.get("D.3.11.3")),
        atmp_classes=classes,
        cat_classified=yes_no(fields.get("D.3.11.3.5")),
    )


def _pip_decision(entry: Entry | None) -> str | None:
    if entry is None or not entry.value:
        return None
    text = entry.value.strip()
    if text.lower() in _NOT_AVAILABLE:
        return None
    if not _PIP_DECISION.search(text):
        raise _bad(
            entry.field,
            "expected an EMA decision number (P/nnnn/yyyy) or a PIP number "
            f"(EMEA-nnnnnn-PIPnn-nn), got {shown(text)}",
        )
    return text


def _nct_numbers(entry: Entry | None) -> tuple[str, ...]:
    if entry is None or not entry.value:
        return ()
    found = tuple(dict.fromkeys(_NCT.findall(entry.value.upper())))
    if not found and "NCT" in entry.value.upper():
        raise _bad(entry.field, f"expected an NCT number NCTnnnnnnnn, got {shown(entry.value)}")
    return found


def _trial_status(entry: Entry | None) -> str | None:
    if entry is None or not entry.value:
        return None
    if entry.value.strip().lower() not in TRIAL_STATUSES:
        raise _bad(entry.field, f"unknown trial status {shown(entry.value)}")
    return entry.value.strip()


def _identity(fields: _Fields) -> tuple[str, str | None, str]:
    """(EudraCT number, member state code or None for a third country, Link) of a record."""
    number = fields.get("", "EudraCT Number")
    if number is None or not number.value:
        raise _bad("EudraCT Number", "missing")
    eudract = number.value.strip()
    if not iris.EUDRACT_RE.match(eudract):
        raise _bad(number.field, f"not a EudraCT number: {shown(eudract)}")
    a2 = fields.get("A.2")
    if a2 is not None and a2.value and a2.value.strip() != eudract:
        raise _bad(a2.field, f"{shown(a2.value)} differs from the summary's {eudract}")
    link = fields.get("", "Link")
    if link is None or not link.value:
        raise _bad("Link", "missing")
    m = _LINK.match(link.value.strip())
    if m is None or m.group("eudract") != eudract:
        raise _bad(link.field, f"not the register link of {eudract}: {shown(link.value)}")
    cc = m.group("cc")
    if cc == "3rd":
        return eudract, None, link.value.strip()
    country = iris.iso_country(cc)
    authority = fields.get("", "National Competent Authority")
    if authority is not None and authority.value:
        named = country_code(authority.value.split(" - ", 1)[0])
        if named is not None and named != country:
            raise _bad(
                authority.field, f"{shown(authority.value)} is not in the Link's country {cc}"
            )
    return eudract, country, link.value.strip()


def _country_record(raw: RawRecord, file: Path) -> CountryRecord:
    if raw.problems:
        line, message = raw.problems[0]
        raise _bad(f"line {line}", message)
    fields = _Fields(raw.entries)
    eudract, country, link = _identity(fields)
    sponsors = tuple(
        s for s in (_sponsor(b) for b in _blocks(raw.entries, "B.1", "B")) if s is not None
    )
    imps = tuple(
        _imp(marker.value or "0", block)
        for marker, block in zip(
            (e for e in raw.entries if e.code == "D.IMP"),
            _blocks(raw.entries, "D.IMP", "D", stop=("D.8",)),
            strict=True,
        )
    )
    conditions = fields.all_text("E.1.1") or fields.all_text("E.1.1.1")
    meddra = tuple(
        MeddraTerm(
            version=b.text("E.1.2", "Version"),
            level=b.text("E.1.2", "Level"),
            code=b.text("E.1.2", "Classification code"),
            term=b.text("E.1.2", "Term"),
            system_organ_class=b.text("E.1.2", "System Organ Class"),
        )
        for b in (_Fields(block) for block in _meddra_blocks(raw.entries))
        if b.text("E.1.2", "Term") or b.text("E.1.2", "Classification code")
    )
    phases = tuple(n for code, n in PHASE_FLAGS if yes_no(fields.get(code)))
    design = tuple(
        e.label
        for e in raw.entries
        if re.fullmatch(r"E\.8\.1\.[1-6]", e.code) and e.lang is None and yes_no(e)
    )
    multinational = yes_no(fields.get("E.8.5"))
    enrollment = integer(fields.get("F.4.2.2"))
    if enrollment is None and multinational is False:
        enrollment = integer(fields.get("F.4.1"))
    return CountryRecord(
        eudract=eudract,
        country=country,
        authority=fields.text("", "National Competent Authority"),
        link=link,
        file=str(file),
        line=raw.line,
        illustrative=fields.get("", "Illustrative") is not None,
        trial_status=_trial_status(fields.get("", "Trial Status")),
        first_entered=iso_date(fields.get("", "Date on which this record was first entered")),
        title=fields.text("A.3"),
        title_translations=tuple(fields.translations("A.3")),
        short_title=fields.text("A.3.2"),
        nct_numbers=_nct_numbers(fields.get("A.5.2")),
        paediatric_plan=yes_no(fields.get("A.7")),
        pip_decision=_pip_decision(fields.get("A.8")),
        sponsors=sponsors,
        imps=imps,
        conditions=tuple(conditions),
        condition_translations=tuple(fields.translations("E.1.1")),
        therapeutic_area=fields.text("E.1.1.2"),
        meddra=meddra,
        rare_disease=yes_no(fields.get("E.1.3")),
        phases=phases,
        design=design,
        arms=integer(fields.get("E.8.2.4")),
        enrollment=enrollment,
        ca_decision=fields.text("N.", "Competent Authority Decision"),
        ca_decision_date=iso_date(fields.get("N.", "Date of Competent Authority Decision")),
        end_of_trial_status=_trial_status(fields.get("P.", "End of Trial Status")),
        global_end_date=iso_date(fields.get("P.", "Date of the global end of the trial")),
    )


def _record_name(raw: RawRecord) -> str:
    """'2022-002568-62/ES (line 3)': how an error names a country record."""
    fields = _Fields(raw.entries)
    number = fields.text("", "EudraCT Number") or "?"
    link = _LINK.match(fields.text("", "Link") or "")
    where = link.group("cc") if link else (fields.text("", "National Competent Authority") or "?")
    return f"{number}/{where} (line {raw.line})"


def read_country_records(
    path: Path, on_error: ErrorHandler = raise_error
) -> Iterator[CountryRecord]:
    """Every clean country record of a download file (or of the .txt files of a folder)."""
    for file in input_files(path, (".txt",)):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                for raw in euctr_text.parse(handle, str(file)):
                    try:
                        yield _country_record(raw, file)
                    except InputError as problem:
                        on_error(
                            located(
                                problem,
                                source_id=SOURCE_ID,
                                file=str(file),
                                record=_record_name(raw),
                            )
                        )
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not UTF-8 text (byte {exc.start})", source_id=SOURCE_ID, file=str(file)
            ) from None


def merge(records: Iterable[CountryRecord]) -> list[EuctrTrial]:
    """Country records grouped by EudraCT number, trials and parts in first-seen order."""
    grouped: dict[str, list[CountryRecord]] = {}
    for record in records:
        grouped.setdefault(record.eudract, []).append(record)
    return [EuctrTrial(eudract=number, parts=tuple(parts)) for number, parts in grouped.items()]


# --------------------------------------------------------------------------- mapping


def org_type_hint(name: str, commercial: bool | None) -> str | None:
    """The OrganisationType of a sponsor: Industry when commercial, else a hint from its name."""
    if commercial:
        return "Industry"
    if commercial is False:
        for org_type, pattern in _NAME_HINTS:
            if pattern.search(name):
                return org_type
    return None


class _Emitter:
    """Collects the triples of one trial; marks the nodes it creates when the record is
    illustrative."""

    def __init__(self, illustrative: bool) -> None:
        self.triples: list[Triple] = []
        self.illustrative = illustrative
        self._marked: set[str] = set()

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.triples.append(Triple(s, p, o))

    def node(
        self, s: NamedNode, cls: str, label: str | None = None, *, owned: bool = False
    ) -> NamedNode:
        """Type (and label) a node. `owned` nodes are keyed on the record itself (trial,
        authorisation, source record, classification): they are marked illustrative when the
        record is; nodes keyed on names (organisations, products) may be shared with real data."""
        self.add(s, RDF_TYPE, atmp(cls))
        if label:
            self.add(s, RDFS_LABEL, Literal(label))
        if owned and self.illustrative and s.value not in self._marked:
            self._marked.add(s.value)
            self.add(s, atmp("isIllustrative"), TRUE)
        return s


class EuctrSource:
    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "EU Clinical Trials Register (EudraCT) full-text download"
    license: ClassVar[str] = "https://www.clinicaltrialsregister.eu/disclaimer.html"
    homepage: ClassVar[str] = "https://www.clinicaltrialsregister.eu/"

    def default_inputs(self, data_dir: Path) -> list[Path]:
        # No EU CTR download ships in data/; a build is fed one with --source euctr=PATH.
        return []

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[EuctrTrial]:
        # A trial's country records need not be adjacent in a download (nor in one file of a
        # folder), so every record is read before the first trial is yielded.
        yield from merge(read_country_records(path, on_error))

    def triples(self, record: EuctrTrial) -> Iterable[Triple]:
        return trial_triples(record)


def trial_triples(trial: EuctrTrial) -> list[Triple]:
    protocol = trial.protocol
    out = _Emitter(any(p.illustrative for p in trial.parts))
    node = out.node(
        iris.trial(eudract=trial.eudract),
        "ClinicalTrial",
        protocol.short_title or protocol.title,
        owned=True,
    )
    out.add(node, atmp("eudractNumber"), Literal(trial.eudract))
    out.add(node, atmp("registry"), atmp("EUCTR"))
    if protocol.title:
        out.add(node, atmp("title"), Literal(protocol.title))
    titles = {protocol.title, protocol.short_title}
    for part in trial.parts:
        for text in (part.title, part.short_title):
            if text and text not in titles:
                titles.add(text)
                out.add(node, skos("altLabel"), Literal(text))
    for lang, text in protocol.title_translations:
        out.add(node, skos("altLabel"), text_literal(text, lang))
    for nct in dict.fromkeys(n for part in trial.parts for n in part.nct_numbers):
        out.add(node, atmp("nctNumber"), Literal(nct))

    for phase in _phases(protocol.phases):
        out.add(node, atmp("hasPhase"), atmp(phase))
    status = _overall_status(trial)
    if status:
        out.add(node, atmp("trialStatus"), atmp(status))
    end = next((p.global_end_date for p in trial.parts if p.global_end_date), None)
    if end:
        out.add(node, atmp("endOfTrialDate"), date_literal(end))
    if protocol.enrollment is not None:
        out.add(node, atmp("enrollment"), integer_literal(protocol.enrollment))
    if protocol.arms is not None:
        out.add(node, atmp("isSingleArm"), boolean_literal(protocol.arms == 1))
    if protocol.design:
        out.add(node, atmp("studyDesign"), Literal(", ".join(protocol.design)))
    if protocol.therapeutic_area:
        out.add(node, atmp("therapeuticArea"), Literal(protocol.therapeutic_area))
    if protocol.rare_disease is not None:
        out.add(node, atmp("isRareDisease"), boolean_literal(protocol.rare_disease))

    sponsors = _sponsor_triples(out, trial, node)
    _condition_triples(out, protocol, node)
    _imp_triples(out, trial, node, sponsors[0] if sponsors else None)
    _authorisation_triples(out, trial, node)
    return list(dict.fromkeys(out.triples))


def _phases(flags: tuple[int, ...]) -> list[str]:
    """TrialPhase individuals of the E.7.1-E.7.4 flags: I+II -> Phase1_2, II+III -> Phase2_3;
    any other combination gives each phase flagged."""
    combined = {(1, 2): "Phase1_2", (2, 3): "Phase2_3"}
    if flags in combined:
        return [combined[flags]]
    return [f"Phase{n}" for n in flags]


def _overall_status(trial: EuctrTrial) -> str | None:
    statuses = {p.status for p in trial.parts}
    return next((s for s in _STATUS_PRECEDENCE if s in statuses), None)


def _sponsor_triples(out: _Emitter, trial: EuctrTrial, node: NamedNode) -> list[NamedNode]:
    protocol = trial.protocol
    nodes: list[NamedNode] = []
    for index, sponsor in enumerate(protocol.sponsors):
        org = out.node(iris.org(name=sponsor.name), "Organisation", sponsor.name)
        nodes.append(org)
        out.add(node, atmp("hasSponsor"), org)
        org_type = org_type_hint(sponsor.name, sponsor.commercial)
        if org_type:
            out.add(org, atmp("orgType"), atmp(org_type))
        if sponsor.country:
            out.add(org, atmp("country"), iris.country(sponsor.country))
            out.triples.extend(country_triples(sponsor.country))
        if index == 0 and sponsor.commercial is not None:
            out.add(node, atmp("isCommercialSponsor"), boolean_literal(sponsor.commercial))
        names = {iris.normalise_org_name(sponsor.name)}
        for part in trial.parts[1:]:
            if index < len(part.sponsors):
                other = part.sponsors[index].name
                if iris.normalise_org_name(other) not in names:
                    names.add(iris.normalise_org_name(other))
                    out.add(org, skos("altLabel"), Literal(other))
    return nodes


def _condition_triples(out: _Emitter, protocol: CountryRecord, node: NamedNode) -> None:
    for text in protocol.conditions:
        disease, triples = disease_triples(text)
        out.triples.extend(triples)
        out.add(node, atmp("condition"), disease)
        if len(protocol.conditions) == 1:
            for lang, translated in protocol.condition_translations:
                out.add(disease, skos("altLabel"), text_literal(translated, lang))
    for meddra in protocol.meddra:
        # A block with a code but no term has nothing to name the condition by; it is left out.
        if meddra.term:
            coded, triples = meddra_condition_triples(meddra.term, meddra.code)
            out.triples.extend(triples)
            out.add(node, atmp("condition"), coded)


def _imp_triples(
    out: _Emitter, trial: EuctrTrial, node: NamedNode, sponsor: NamedNode | None
) -> None:
    protocol = trial.protocol
    classes: list[str] = []
    atimp_flags: list[bool | None] = []
    record = iris.record(SOURCE_ID, protocol.key)
    for imp in protocol.imps:
        declared = list(imp.atmp_classes)
        is_atmp = bool(imp.atimp) or bool(declared)
        atimp_flags.append(True if is_atmp else imp.atimp)
        if is_atmp and not declared:
            declared = ["ATMP"]
        classes.extend(c for c in declared if c not in classes)
        key_text = imp.key_text
        if key_text is None:
            continue
        key = iris.slug(key_text)
        product = out.node(iris.product(name=key_text), "MedicinalProduct")
        names = [n for n in (imp.product_name, imp.product_code, *imp.other_names) if n]
        label = imp.product_name or key_text
        out.add(product, RDFS_LABEL, Literal(label))
        for name in dict.fromkeys(names):
            if name != label:
                out.add(product, skos("altLabel"), Literal(name))
        out.add(node, atmp("testsProduct"), product)
        for substance_name, is_inn in [(n, True) for n in imp.inns] + [
            (n, False) for n in imp.other_names if not imp.inns
        ]:
            substance = out.node(
                iris.keyed("substance", substance_name), "ActiveSubstance", substance_name
            )
            if is_inn:
                out.add(substance, atmp("inn"), Literal(substance_name))
            out.add(product, atmp("hasActiveSubstance"), substance)
        if imp.orphan and imp.orphan_number:
            designation = out.node(
                iris.keyed("orphan-designation", imp.orphan_number), "OrphanDesignation"
            )
            out.add(designation, atmp("designationNumber"), Literal(imp.orphan_number))
            out.add(product, atmp("hasOrphanDesignation"), designation)
        for cls in declared:
            # One assertion per class (the shapes allow one assertsClass per assertion).
            assertion = out.node(
                iris.mint("classification", f"{key}-euctr-{trial.eudract}-{iris.slug(cls)}"),
                "ClassificationAssertion",
                owned=True,
            )
            out.triples.extend(self_classification_triples(product, assertion, cls, sponsor))
            if protocol.first_entered:
                out.add(assertion, dct("date"), date_literal(protocol.first_entered))
            out.add(assertion, prov("wasDerivedFrom"), record)
            out.add(assertion, dct("source"), NamedNode(protocol.link))
            if imp.cat_classified is not None:
                out.add(
                    assertion, atmp("catClassificationIssued"), boolean_literal(imp.cat_classified)
                )
    out.triples.extend(atmp_trial_triples(node, atimp_flags))
    for cls in classes:
        out.add(node, atmp("declaredATMPClass"), atmp(cls))


def _authorisation_triples(out: _Emitter, trial: EuctrTrial, node: NamedNode) -> None:
    firsts: dict[str, CountryRecord] = {}
    for part in trial.parts:
        record = out.node(
            iris.record(SOURCE_ID, part.key),
            "SourceRecord",
            f"EU CTR record {part.eudract} {part.country or '3rd'}",
            owned=True,
        )
        out.add(record, dct("source"), NamedNode(part.link))
        out.add(node, prov("wasDerivedFrom"), record)
        out.add(node, dct("source"), NamedNode(part.link))
        if part.country is None:
            continue
        country = iris.country(part.country)
        out.add(node, atmp("conductedIn"), country)
        auth = iris.trial_authorisation(trial.eudract, part.country)
        out.add(auth, dct("source"), NamedNode(part.link))
        out.add(auth, prov("wasDerivedFrom"), record)
        first = firsts.get(part.country)
        if first is not None:
            if (part.ca_decision, part.ca_decision_date) != (
                first.ca_decision,
                first.ca_decision_date,
            ):
                out.add(
                    auth,
                    rdfs("comment"),
                    Literal(
                        f"Another EU CTR record for this member state (line {part.line} of "
                        f"{Path(part.file).name}) gives the decision {part.ca_decision or 'none'} "
                        f"of {part.ca_decision_date or 'no date'}."
                    ),
                )
            continue
        firsts[part.country] = part
        out.triples.extend(country_triples(part.country))
        out.node(
            auth, "ClinicalTrialAuthorisation", f"{trial.eudract} in {part.country}", owned=True
        )
        out.add(node, atmp("hasTrialAuthorisation"), auth)
        out.add(auth, atmp("memberState"), country)
        out.add(auth, atmp("legalBasis"), iris.legal_act(celex=DIRECTIVE_2001_20_CELEX))
        out.triples.extend(
            decision_triples(auth, country, part.ca_decision, part.ca_decision_date, part.authority)
        )


SOURCE = EuctrSource
