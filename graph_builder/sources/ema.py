"""`ema`: the EMA "Medicines" export (EPAR table, .xlsx) -> products, marketing authorisations,
applications with their outcome, authorisation events, pathways, holders.

Two real layouts are read (SOURCES.md §3): the current 39-column `medicines-output-medicines-
report_en.xlsx` and the legacy 2018 `Medicines_output_european_public_assessment_reports.xlsx`.
The header row is found by searching column A for 'Category' (both files put it on row 9 today);
columns are matched by their header text, so reordered or renamed columns ('Generic' vs 'Generic
or hybrid') do not break the reader.

Scope: the human rows that are ATMPs (the export's 'Advanced therapy' flag, the curated product
list of data/reference, or KNOWN_MISFLAGGED_ATMPS). Every row is still read and validated; rows
left out are counted as skipped in the build report and the meta graph (docs/sources.md: why).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pyoxigraph import Literal as RdfLiteral
from pyoxigraph import NamedNode, Triple
from python_calamine import CalamineError, CalamineWorkbook

from graph_builder import iris
from graph_builder.errors import InputError, shown
from graph_builder.literals import boolean_literal, date_literal
from graph_builder.namespaces import RDF_TYPE, RDFS_LABEL, atmp, dct, prov, skos
from graph_builder.sources.base import (
    ErrorHandler,
    input_files,
    located,
    model_or_error,
    raise_error,
)

SOURCE_ID: Final = "ema"
SUFFIXES: Final = (".xlsx",)
DEFAULT_FILE: Final = Path("ema") / "medicines-output-medicines-report_en.xlsx"
CURATED_LIST: Final = Path("reference") / "products.csv"

# Rows the export flags 'Advanced therapy = No' (or, in the 2018 layout, cannot flag at all)
# although the product is an ATMP: DOMAIN.md §2.3 and §5 item 9 (checked against the EPAR pages
# and the export of 29/01/2026). They are typed atmp:ATMP with a curator classification that
# cites the page, so the correction is visible in the graph rather than silent.
KNOWN_MISFLAGGED_ATMPS: Final[Mapping[str, str]] = {
    # authorised ATMPs (DOMAIN.md §2.3 rows 29 and 30)
    "EMEA/H/C/005907": "https://www.ema.europa.eu/en/medicines/human/EPAR/aucatzyl",
    "EMEA/H/C/005772": "https://www.ema.europa.eu/en/medicines/human/EPAR/zemcelpro",
    # ATMP applications (DOMAIN.md §2.3, "Pending, refused and withdrawn ATMP applications")
    "EMEA/H/C/006525": "https://www.ema.europa.eu/en/medicines/human/EPAR/waskyra",
    "EMEA/H/C/005047": "https://www.ema.europa.eu/en/medicines/human/EPAR/lumevoq",
    "EMEA/H/C/004749": "https://www.ema.europa.eu/en/medicines/human/EPAR/roctavian-0",
    "EMEA/H/C/001041": "https://www.ema.europa.eu/en/medicines/human/EPAR/contusugene-ladenovec-gendux",
}

# Pathway codes of data/reference/pathways.csv (tests check they exist there).
PATHWAY_FLAGS: Final = {
    "orphan": "orphan-designation",
    "prime": "prime",
    "conditional": "conditional-ma",
    "exceptional": "exceptional-circumstances",
    "accelerated_assessment": "accelerated-assessment",
}
CENTRALISED_PATHWAY: Final = "centralised-ma"

# Export 'Medicine status' / 'Authorisation status' -> atmp:AuthorisationStatus.
STATUSES: Final = {
    "Authorised": "Authorised",
    "Withdrawn": "Withdrawn",
    "Expired": "Expired",
    "Suspended": "Suspended",
    "Lapsed": "Lapsed",
    "Revoked": "Revoked",
    "Refused": "Refused",
    "Application withdrawn": "ApplicationWithdrawn",
    "Withdrawn from rolling review": "ApplicationWithdrawn",
    "Opinion": "OpinionPending",
    "Opinion under re-examination": "OpinionPending",
}
# Statuses of a product that had a marketing authorisation.
MA_STATUSES: Final = frozenset(
    {"Authorised", "Withdrawn", "Expired", "Suspended", "Lapsed", "Revoked"}
)
# The export puts every way an MA ended in one date column; the status says which way it was.
END_EVENTS: Final = {
    "Withdrawn": "Withdrawal",
    "Expired": "Expiry",
    "Lapsed": "Expiry",
    "Revoked": "Withdrawal",
}

# The 39 headers of the current export (generated 29/01/2026), exactly as EMA writes them; the
# benchmark generator and the test fixtures write workbooks with this header.
CURRENT_LAYOUT_HEADERS: Final = (
    "Category",
    "Name of medicine",
    "EMA product number",
    "Medicine status",
    "Opinion status",
    "Latest procedure affecting product information",
    "International non-proprietary name (INN) / common name",
    "Active substance",
    "Therapeutic area (MeSH)",
    "Species\n(veterinary)",
    "Patient safety",
    "ATC code (human)",
    "ATCvet code (veterinary)",
    "Pharmacotherapeutic group\n(human)",
    "Pharmacotherapeutic group\n(veterinary)",
    "Therapeutic indication",
    "Accelerated assessment",
    "Additional monitoring",
    "Advanced therapy",
    "Biosimilar",
    "Conditional approval",
    "Exceptional circumstances",
    "Generic or hybrid",
    "Orphan medicine",
    "PRIME: priority medicine",
    "Marketing authorisation developer / applicant / holder",
    "European Commission decision date",
    "Start of rolling review date",
    "Start of evaluation date",
    "Opinion adopted date",
    "Withdrawal of application date",
    "Marketing authorisation date",
    "Refusal of marketing authorisation date",
    "Withdrawal / expiry / revocation / lapse of marketing authorisation date",
    "Suspension of marketing authorisation date",
    "Revision number",
    "First published date",
    "Last updated date",
    "Medicine URL",
)

# Header text (white space folded, lower case) -> field, for both layouts.
HEADERS: Final = {
    "category": "category",
    "name of medicine": "name",
    "medicine name": "name",
    "ema product number": "product_number",
    "product number": "product_number",
    "medicine status": "status",
    "authorisation status": "status",
    "opinion status": "opinion_status",
    "international non-proprietary name (inn) / common name": "inn",
    "active substance": "active_substance",
    "therapeutic area (mesh)": "therapeutic_area",
    "therapeutic area": "therapeutic_area",
    "atc code (human)": "atc_code",
    "atc code": "atc_code",
    "accelerated assessment": "accelerated_assessment",
    "advanced therapy": "advanced_therapy",
    "conditional approval": "conditional",
    "exceptional circumstances": "exceptional",
    "orphan medicine": "orphan",
    "prime: priority medicine": "prime",
    "marketing authorisation developer / applicant / holder": "holder",
    "marketing authorisation holder/company name": "holder",
    "opinion adopted date": "opinion_date",
    "date of opinion": "opinion_date",
    "withdrawal of application date": "application_withdrawal_date",
    "marketing authorisation date": "ma_date",
    "refusal of marketing authorisation date": "refusal_date",
    "date of refusal of marketing authorisation": "refusal_date",
    "withdrawal / expiry / revocation / lapse of marketing authorisation date": "ma_end_date",
    "suspension of marketing authorisation date": "suspension_date",
    "first published date": "first_published",
    "first published": "first_published",
    "last updated date": "last_updated",
    "revision date": "last_updated",
    "medicine url": "url",
    "url": "url",
}
END_DATE_HEADER: Final = "Withdrawal / expiry / revocation / lapse of marketing authorisation date"
REQUIRED: Final = ("category", "name", "product_number", "status")
# The 2018 layout pads 'First published' as ', ,   23/08/2018, , '; only there is a date searched
# for inside the text.
PADDED_DATE_FIELDS: Final = frozenset({"first_published"})
FLAG_FIELDS: Final = (
    "accelerated_assessment",
    "advanced_therapy",
    "conditional",
    "exceptional",
    "orphan",
    "prime",
)
DATE_FIELDS: Final = (
    "opinion_date",
    "application_withdrawal_date",
    "ma_date",
    "refusal_date",
    "ma_end_date",
    "suspension_date",
    "first_published",
    "last_updated",
)
_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_SPACE = re.compile(r"\s+")
_LOOSE_EMA_NUMBER = re.compile(r"EMEA\s*/\s*([HV])\s*/\s*C\s*/?\s*(\d{6})")
_PREVIOUSLY = re.compile(r"^(.*?)\s*\(previously\s+(.+)\)\s*$", re.IGNORECASE)


class EmaRow(BaseModel):
    """One row of the export, with the fields the mapping uses (names shared by both layouts)."""

    model_config = ConfigDict(frozen=True)

    source_file: str
    row: int
    layout: Literal["current", "legacy-2018"]
    category: Literal["Human", "Veterinary"]
    name: str
    product_number: str
    status: str
    opinion_status: str | None = None
    inn: str | None = None
    active_substance: str | None = None
    therapeutic_area: str | None = None
    atc_code: str | None = None
    accelerated_assessment: bool | None = None
    advanced_therapy: bool | None = None
    conditional: bool | None = None
    exceptional: bool | None = None
    orphan: bool | None = None
    prime: bool | None = None
    holder: str | None = None
    opinion_date: dt.date | None = None
    application_withdrawal_date: dt.date | None = None
    ma_date: dt.date | None = None
    refusal_date: dt.date | None = None
    ma_end_date: dt.date | None = None
    suspension_date: dt.date | None = None
    first_published: dt.date | None = None
    last_updated: dt.date | None = None
    url: str | None = None

    @field_validator("name", "product_number", "status", "category")
    @classmethod
    def _required_text(cls, value: str) -> str:
        if not value:
            raise ValueError("empty value")
        return value

    @field_validator("product_number")
    @classmethod
    def _product_number(cls, value: str) -> str:
        if not iris.EMA_NUMBER_RE.match(value):
            raise ValueError(f"not an EMA product number (EMEA/H/C/nnnnnn): {shown(value)}")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in STATUSES:
            raise ValueError(f"unknown status {shown(value)}; known: {', '.join(STATUSES)}")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"not a URL: {shown(value)}")
        return value

    @property
    def record_id(self) -> str:
        return f"row {self.row} ({self.product_number})"

    @property
    def key(self) -> str:
        return iris.ema_key(self.product_number)


class EmaSource:
    """The EMA medicines export (both layouts)."""

    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "EMA medicines data export (EPAR table)"
    license: ClassVar[str] = (
        "© European Medicines Agency; reproduction authorised provided the source is acknowledged"
    )
    homepage: ClassVar[str] = "https://www.ema.europa.eu/en/medicines/download-medicine-data"
    suffixes: ClassVar[tuple[str, ...]] = SUFFIXES

    def __init__(self) -> None:
        # EMA product numbers of the curated ATMP list of data/reference (the `reference` source
        # asserts their class; here they only decide which rows are ATMPs).
        self.curated: frozenset[str] = frozenset()

    # --- configuration ---------------------------------------------------------------------
    def configure(self, data_dir: Path | None) -> None:
        """Read the curated ATMP list of data/reference, when there is one."""
        if data_dir is not None and (data_dir / CURATED_LIST).is_file():
            self.curated = read_curated_atmps(data_dir / CURATED_LIST)

    def default_inputs(self, data_dir: Path) -> list[Path]:
        path = data_dir / DEFAULT_FILE
        return [path] if path.is_file() else []

    # --- reading ---------------------------------------------------------------------------
    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[EmaRow]:
        for file in input_files(path, SUFFIXES):
            yield from self._read_file(file, on_error)

    def _read_file(self, file: Path, on_error: ErrorHandler) -> Iterator[EmaRow]:
        rows = _sheet_rows(file)
        header_at, columns = _header(rows, file)
        layout: Literal["current", "legacy-2018"] = (
            "current" if "advanced_therapy" in columns.values() else "legacy-2018"
        )
        header_text = {field: _text(rows[header_at][i]) for i, field in columns.items()}
        for index in range(header_at + 1, len(rows)):
            cells = rows[index]
            if all(_blank(c) for c in cells):
                continue
            row_number = index + 1  # as a spreadsheet shows it
            try:
                data = _row_fields(cells, columns, file, row_number)
                data.update(source_file=str(file), row=row_number, layout=layout)
                record = model_or_error(
                    EmaRow, data, source_id=SOURCE_ID, file=file, record=f"row {row_number}"
                )
            except InputError as exc:
                field = header_text.get(exc.field or "", exc.field)
                on_error(located(exc, source_id=SOURCE_ID, file=str(file), field=field))
                continue
            assert isinstance(record, EmaRow)
            yield record

    # --- mapping ---------------------------------------------------------------------------
    def is_atmp(self, row: EmaRow) -> bool:
        number = row.product_number
        return (
            bool(row.advanced_therapy) or number in self.curated or number in KNOWN_MISFLAGGED_ATMPS
        )

    def in_scope(self, row: EmaRow) -> bool:
        return row.category == "Human" and self.is_atmp(row)

    def triples(self, record: EmaRow) -> Iterable[Triple]:
        if not self.in_scope(record):
            return []
        return list(_RowMapper(record, self.is_atmp(record)).triples())


class _RowMapper:
    """The triples of one in-scope row."""

    def __init__(self, row: EmaRow, is_atmp: bool) -> None:
        self.row = row
        self.is_atmp = is_atmp
        self.product = iris.product(row.product_number)
        self.record = iris.record(SOURCE_ID, row.key)
        self.out: list[Triple] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | RdfLiteral) -> None:
        self.out.append(Triple(s, p, o))

    def derived(self, node: NamedNode) -> None:
        self.add(node, prov("wasDerivedFrom"), self.record)

    def triples(self) -> list[Triple]:
        row = self.row
        self._record()
        p = self.product
        self.add(p, RDF_TYPE, atmp("MedicinalProduct"))
        names = _names(row.name)
        self.add(p, RDFS_LABEL, RdfLiteral(names[0]))
        for former in names[1:]:
            self.add(p, skos("altLabel"), RdfLiteral(former))
        self.add(p, atmp("emaProductNumber"), RdfLiteral(row.product_number))
        if row.atc_code:
            self.add(p, atmp("atcCode"), RdfLiteral(row.atc_code))
        for area in _therapeutic_areas(row):
            self.add(p, atmp("therapeuticArea"), RdfLiteral(area))
        self._substances()
        self._classification()
        self._pathways()
        self.derived(p)
        holder = self._holder()
        if row.status in MA_STATUSES or row.ma_date is not None:
            self._marketing_authorisation(holder)
        if (
            row.status not in MA_STATUSES
            or row.refusal_date is not None
            or row.application_withdrawal_date is not None
        ):
            self._application(holder)
        return self.out

    def _record(self) -> None:
        row = self.row
        r = self.record
        self.add(r, RDF_TYPE, atmp("SourceRecord"))
        self.add(r, RDFS_LABEL, RdfLiteral(f"EMA medicines export: {row.product_number}"))
        self.add(r, dct("identifier"), RdfLiteral(row.product_number))
        if row.url:
            self.add(r, dct("source"), NamedNode(row.url))
        if row.first_published:
            self.add(r, dct("issued"), date_literal(row.first_published))
        if row.last_updated:
            self.add(r, dct("modified"), date_literal(row.last_updated))

    def _substances(self) -> None:
        row = self.row
        inns = _split(row.inn)
        substances = _split(row.active_substance)
        for inn in inns:
            self.add(self.product, atmp("inn"), RdfLiteral(inn))
        # One substance node per INN; the export's longer 'Active substance' text becomes its
        # alternative label when both lists pair up one to one.
        names = inns or substances
        for i, name in enumerate(names):
            s = iris.keyed("substance", name)
            self.add(self.product, atmp("hasActiveSubstance"), s)
            self.add(s, RDF_TYPE, atmp("ActiveSubstance"))
            self.add(s, RDFS_LABEL, RdfLiteral(name))
            if inns:
                self.add(s, atmp("inn"), RdfLiteral(name))
            if inns and len(substances) == len(inns) and substances[i].lower() != name.lower():
                self.add(s, skos("altLabel"), RdfLiteral(substances[i]))

    def _classification(self) -> None:
        if not self.is_atmp:
            return
        row = self.row
        self.add(self.product, RDF_TYPE, atmp("ATMP"))
        if row.advanced_therapy:
            # The export's flag restates the EPAR: the product was assessed as an ATMP.
            self._assertion("epar", "EPARClassification", row.url)
        if row.product_number in KNOWN_MISFLAGGED_ATMPS:
            url = KNOWN_MISFLAGGED_ATMPS[row.product_number]
            self._assertion("curator", "CuratorClassification", url)

    def _assertion(self, key: str, source: str, url: str | None) -> None:
        c = iris.mint("classification", f"{self.row.key}-{key}")
        self.add(self.product, atmp("hasClassification"), c)
        self.add(c, RDF_TYPE, atmp("ClassificationAssertion"))
        self.add(c, atmp("assertsClass"), atmp("ATMP"))
        self.add(c, atmp("classificationSource"), atmp(source))
        if url:
            self.add(c, dct("source"), NamedNode(url))
        if source == "CuratorClassification" and self.row.advanced_therapy is False:
            self.add(
                c,
                skos("note"),
                RdfLiteral(
                    "The EMA export flags this product 'Advanced therapy = No'; its EPAR "
                    "classifies it as an ATMP (DOMAIN.md §2.3)."
                ),
            )
        self.derived(c)

    def _pathways(self) -> None:
        row = self.row
        codes = [CENTRALISED_PATHWAY]
        codes += [code for flag, code in PATHWAY_FLAGS.items() if getattr(row, flag)]
        for code in codes:
            self.add(self.product, atmp("followsPathway"), iris.mint("pathway", code))

    def _holder(self) -> NamedNode | None:
        name = _clean(self.row.holder)
        if not name:
            return None
        o = iris.org(name=name)
        self.add(o, RDF_TYPE, atmp("Organisation"))
        self.add(o, RDFS_LABEL, RdfLiteral(name))
        return o

    def _marketing_authorisation(self, holder: NamedNode | None) -> None:
        row = self.row
        ma = self._procedure(
            iris.marketing_authorisation(row.product_number),
            "hasMarketingAuthorisation",
            "MarketingAuthorisation",
            f"Marketing authorisation of {_names(row.name)[0]}",
            holder,
        )
        if row.status in MA_STATUSES:
            self.add(ma, atmp("status"), atmp(STATUSES[row.status]))
        # The export's flags are the MA's state on the export date (a conditional MA that was
        # converted reads "No"); maType is the type at grant, which the curated data records.
        if row.conditional is not None:
            self.add(ma, atmp("conditionalApprovalFlag"), boolean_literal(row.conditional))
        if row.exceptional is not None:
            self.add(ma, atmp("exceptionalCircumstancesFlag"), boolean_literal(row.exceptional))
        self._event(ma, "Grant", row.ma_date)
        self._event(ma, "CHMPOpinion", row.opinion_date)
        self._event(ma, "Suspension", row.suspension_date)
        if row.ma_end_date is not None and row.status in MA_STATUSES:
            if row.status not in END_EVENTS:
                raise InputError(
                    f"an end date is given but the status is {shown(row.status)}",
                    source_id=SOURCE_ID,
                    file=row.source_file,
                    record=row.record_id,
                    field=END_DATE_HEADER,
                )
            self._event(ma, END_EVENTS[row.status], row.ma_end_date)

    def _application(self, holder: NamedNode | None) -> None:
        row = self.row
        app = self._procedure(
            iris.ma_application(row.product_number),
            "hasApplication",
            "MarketingAuthorisationApplication",
            f"Application for {_names(row.name)[0]}",
            holder,
        )
        self.add(app, atmp("applicationOutcome"), atmp(_application_outcome(row)))
        self._event(app, "Refusal", row.refusal_date)
        self._event(app, "ApplicationWithdrawal", row.application_withdrawal_date)
        if row.status == "Withdrawn from rolling review":
            self._event(app, "ApplicationWithdrawal", row.ma_end_date)
        if row.status not in MA_STATUSES and row.ma_date is None:
            self._event(app, "CHMPOpinion", row.opinion_date, note=row.opinion_status)

    def _procedure(
        self, node: NamedNode, link: str, cls: str, label: str, holder: NamedNode | None
    ) -> NamedNode:
        """The product's marketing authorisation or application: an EMA procedure under the
        product number, held by the holder."""
        self.add(self.product, atmp(link), node)
        self.add(node, RDF_TYPE, atmp(cls))
        self.add(node, RDFS_LABEL, RdfLiteral(label))
        self.add(node, atmp("authorisedProduct"), self.product)
        self.add(node, atmp("procedureNumber"), RdfLiteral(self.row.product_number))
        if holder is not None:
            self.add(node, atmp("holder"), holder)
        self.derived(node)
        return node

    def _event(
        self, owner: NamedNode, event_type: str, date: dt.date | None, note: str | None = None
    ) -> None:
        if date is None:
            return
        row = self.row
        e = iris.event(row.key, event_type, date.isoformat())
        self.add(owner, atmp("hasEvent"), e)
        self.add(e, RDF_TYPE, atmp("AuthorisationEvent"))
        self.add(e, atmp("eventType"), atmp(event_type))
        self.add(e, dct("date"), date_literal(date))
        if note:
            self.add(e, atmp("reasonText"), RdfLiteral(f"{note} opinion"))
        if row.url:
            self.add(e, dct("source"), NamedNode(row.url))
        self.derived(e)


# --- the workbook ---------------------------------------------------------------------------


def _sheet_rows(file: Path) -> list[list[Any]]:
    try:
        workbook = CalamineWorkbook.from_path(str(file))
        sheet = workbook.get_sheet_by_index(0)
        return [list(r) for r in sheet.to_python(skip_empty_area=False)]
    except CalamineError as exc:
        raise InputError(
            f"not a readable .xlsx workbook: {exc}", source_id=SOURCE_ID, file=str(file)
        ) from None


def _header(rows: list[list[Any]], file: Path) -> tuple[int, dict[int, str]]:
    """The header row (column A reads 'Category') and column index -> field."""
    for index, cells in enumerate(rows):
        if cells and _text(cells[0]) == "Category":
            names = _header_names(cells)
            columns = {i: HEADERS[norm] for norm, i in names.items() if norm in HEADERS}
            missing = [f for f in REQUIRED if f not in columns.values()]
            if missing:
                raise InputError(
                    f"the header row has no column for {', '.join(missing)}",
                    source_id=SOURCE_ID,
                    file=str(file),
                    record=f"row {index + 1}",
                )
            return index, columns
    raise InputError(
        "no header row: no row has 'Category' in column A",
        source_id=SOURCE_ID,
        file=str(file),
    )


def _header_names(cells: list[Any]) -> dict[str, int]:
    """Folded header text -> column index; the sheet may be 1024 columns wide, blanks dropped."""
    names: dict[str, int] = {}
    for i, cell in enumerate(cells):
        text = _SPACE.sub(" ", _text(cell)).lower()
        if text and text not in names:
            names[text] = i
    return names


def _row_fields(
    cells: list[Any], columns: Mapping[int, str], file: Path, row_number: int
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for i, field in columns.items():
        value = cells[i] if i < len(cells) else None
        if field in FLAG_FIELDS:
            data[field] = _flag(value, field, file, row_number)
        elif field in DATE_FIELDS:
            data[field] = _parse_date(value, field, file, row_number)
        elif field == "product_number":
            data[field] = _product_number(_text(value))
        else:
            data[field] = _text(value) or None
    for field in REQUIRED:
        data[field] = data.get(field) or ""
    return data


def _product_number(text: str) -> str:
    """The number in its canonical form; the export has typos such as 'EMEA/H/C005201'."""
    match = _LOOSE_EMA_NUMBER.fullmatch(text)
    return f"EMEA/{match.group(1)}/C/{match.group(2)}" if match else text


def _flag(value: Any, field: str, file: Path, row_number: int) -> bool | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in ("yes", "no"):
        return text == "yes"
    raise InputError(
        f"expected Yes or No, got {shown(text)}",
        source_id=SOURCE_ID,
        file=str(file),
        record=f"row {row_number}",
        field=field,
    )


def _parse_date(value: Any, field: str, file: Path, row_number: int) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None and field in PADDED_DATE_FIELDS:
        found = _DATE.findall(text)
        if len(found) == 1 and not _DATE.sub("", text).strip(" ,"):
            match = _DATE.search(text)
        elif not found and not text.strip(" ,"):
            return None
    if match is None:
        raise InputError(
            f"expected a date DD/MM/YYYY, got {shown(text)}",
            source_id=SOURCE_ID,
            file=str(file),
            record=f"row {row_number}",
            field=field,
        )
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise InputError(
            f"not a calendar date {shown(text)}: {exc}",
            source_id=SOURCE_ID,
            file=str(file),
            record=f"row {row_number}",
            field=field,
        ) from None


def read_curated_atmps(path: Path) -> frozenset[str]:
    """EMA product numbers of the rows of the curated product list that name an ATMP class."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        if "ema_number" not in fields:
            raise InputError(
                "the curated product list has no ema_number column",
                source_id=SOURCE_ID,
                file=str(path),
            )
        numbers = set()
        for line, row in enumerate(reader, start=2):
            number = (row.get("ema_number") or "").strip()
            if not number or ("atmp_class" in fields and not (row.get("atmp_class") or "").strip()):
                continue
            if not iris.EMA_NUMBER_RE.match(number):
                raise InputError(
                    f"not an EMA product number: {shown(number)}",
                    source_id=SOURCE_ID,
                    file=str(path),
                    record=f"line {line}",
                    field="ema_number",
                )
            numbers.add(number)
        return frozenset(numbers)


# --- small helpers --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACE.sub(" ", str(value)).strip()


def _blank(value: Any) -> bool:
    return _text(value) == ""


def _clean(value: str | None) -> str:
    return _SPACE.sub(" ", value or "").strip()


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _names(name: str) -> list[str]:
    """'Beqvez (previously Durveqtix)' -> ['Beqvez', 'Durveqtix']."""
    match = _PREVIOUSLY.match(name)
    return [match.group(1), match.group(2)] if match else [name]


def _therapeutic_areas(row: EmaRow) -> list[str]:
    # The current layout separates MeSH headings with ';'. The 2018 layout joins them with ', ',
    # which MeSH headings themselves contain ('Lymphoma, Follicular'), so it stays one text.
    if row.layout == "current":
        return _split(row.therapeutic_area)
    return [row.therapeutic_area] if row.therapeutic_area else []


def _application_outcome(row: EmaRow) -> str:
    if row.status not in MA_STATUSES:
        return STATUSES[row.status]
    # An authorised product whose row also carries a refusal or application-withdrawal date
    # (e.g. Maci: refused 26/04/2013, authorised 27/06/2013) had an earlier application.
    return "Refused" if row.refusal_date is not None else "ApplicationWithdrawn"


SOURCE = EmaSource
