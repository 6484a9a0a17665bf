"""`ctgov`: ClinicalTrials.gov API v2 study JSON -> trials, sponsors, sites, countries, products
tested, conditions and posted results.

Accepted input (SOURCES.md §1): one study object (`GET /api/v2/studies/{nctId}`), one page of
`GET /api/v2/studies` (`{"studies": [...], "nextPageToken": ...}`), a JSON array of study objects,
or a folder holding any of these. The pydantic models below mirror the v2 paths, so a bad value is
reported with its JSON path (`protocolSection.statusModule.startDateStruct.date`).

EudraCT and EU CT numbers come from `secondaryIdInfos` (type EUDRACT_NUMBER / CTIS, or a
registry id whose text says EudraCT / CTIS); the trial is then minted under the EudraCT or EU CT
key (ADR 0001 precedence) so that it meets the same trial from the EU registers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pyoxigraph import Literal as RdfLiteral
from pyoxigraph import NamedNode, Triple

from graph_builder import iris
from graph_builder.countries import country_code
from graph_builder.errors import InputError, shown
from graph_builder.literals import TRUE, boolean_literal, date_literal, integer_literal
from graph_builder.namespaces import RDF_TYPE, RDFS_LABEL, atmp, dct, prov, skos
from graph_builder.sources.base import (
    ErrorHandler,
    input_files,
    model_or_error,
    raise_error,
    read_json,
)
from graph_builder.sources.nodes import country_triples, disease_triples

SOURCE_ID: Final = "ctgov"
SUFFIXES: Final = (".json",)
STUDY_URL: Final = "https://clinicaltrials.gov/study/"
# A study whose brief title starts with this marker is a made-up example (test fixtures); the
# graph says so with atmp:isIllustrative.
SYNTHETIC_MARKER: Final = "[SYNTHETIC]"

_PARTIAL_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_EUDRACT_IN_TEXT = re.compile(r"(?<![\d-])(\d{4}-\d{6}-\d{2})(?![\d-])")
_EUCT_IN_TEXT = re.compile(r"(?<![\d-])(\d{4}-5\d{5}-\d{2}-\d{2})(?![\d-])")

STATUSES: Final = {
    "NOT_YET_RECRUITING": "NotYetRecruiting",
    "RECRUITING": "Recruiting",
    "ENROLLING_BY_INVITATION": "Recruiting",
    "ACTIVE_NOT_RECRUITING": "ActiveNotRecruiting",
    "COMPLETED": "Completed",
    "TERMINATED": "Terminated",
    "SUSPENDED": "Suspended_Trial",
    "WITHDRAWN": "Withdrawn_Trial",
    "UNKNOWN": "Unknown_Status",
    # Expanded-access records use these; none says anything about a trial's conduct.
    "AVAILABLE": "Unknown_Status",
    "NO_LONGER_AVAILABLE": "Unknown_Status",
    "TEMPORARILY_NOT_AVAILABLE": "Unknown_Status",
    "APPROVED_FOR_MARKETING": "Unknown_Status",
    "WITHHELD": "Unknown_Status",
}
PHASES: Final = {
    ("EARLY_PHASE1",): "EarlyPhase1",
    ("PHASE1",): "Phase1",
    ("PHASE1", "PHASE2"): "Phase1_2",
    ("PHASE2",): "Phase2",
    ("PHASE2", "PHASE3"): "Phase2_3",
    ("PHASE3",): "Phase3",
    ("PHASE4",): "Phase4",
    ("NA",): "PhaseNA",
}
AGENCY_CLASSES: Final = frozenset(
    {"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"}
)
# Intervention types that are medicinal products (the others are procedures, devices, ...).
PRODUCT_INTERVENTIONS: Final = frozenset({"DRUG", "BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT"})
INTERVENTION_TYPES: Final = PRODUCT_INTERVENTIONS | {
    "BEHAVIORAL",
    "DEVICE",
    "DIAGNOSTIC_TEST",
    "DIETARY_SUPPLEMENT",
    "PROCEDURE",
    "RADIATION",
    "OTHER",
}
# Arms whose interventions are compared against rather than tested.
COMPARATOR_ARMS: Final = frozenset(
    {"ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"}
)
# --- the v2 shape (only the paths the mapping reads; everything else is ignored) -------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _partial_date(value: str) -> str:
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"expected YYYY-MM or YYYY-MM-DD, got {shown(value)}")
    try:
        dt.date.fromisoformat(value if len(value) == 10 else value + "-01")
    except ValueError as exc:
        raise ValueError(f"not a calendar date {shown(value)}: {exc}") from None
    return value


class DateStruct(_Model):
    date: str
    type: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        return _partial_date(value)


class SecondaryId(_Model):
    id: str
    type: str | None = None
    domain: str | None = None


class Organization(_Model):
    fullName: str | None = None  # noqa: N815 (the API's field names)
    class_: str | None = Field(default=None, alias="class")


class IdentificationModule(_Model):
    nctId: str  # noqa: N815
    briefTitle: str | None = None  # noqa: N815
    officialTitle: str | None = None  # noqa: N815
    acronym: str | None = None
    secondaryIdInfos: list[SecondaryId] = []  # noqa: N815
    organization: Organization | None = None

    @field_validator("nctId")
    @classmethod
    def _nct(cls, value: str) -> str:
        if not iris.NCT_RE.match(value):
            raise ValueError(f"not an NCT number: {shown(value)}")
        return value


class StatusModule(_Model):
    overallStatus: str | None = None  # noqa: N815
    whyStopped: str | None = None  # noqa: N815
    startDateStruct: DateStruct | None = None  # noqa: N815
    primaryCompletionDateStruct: DateStruct | None = None  # noqa: N815
    completionDateStruct: DateStruct | None = None  # noqa: N815
    resultsFirstPostDateStruct: DateStruct | None = None  # noqa: N815

    @field_validator("overallStatus")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and value not in STATUSES:
            raise ValueError(f"unknown overall status {shown(value)}")
        return value


class Agency(_Model):
    name: str
    class_: str | None = Field(default=None, alias="class")

    @field_validator("class_")
    @classmethod
    def _class(cls, value: str | None) -> str | None:
        if value is not None and value not in AGENCY_CLASSES:
            raise ValueError(f"unknown agency class {shown(value)}")
        return value


class SponsorModule(_Model):
    leadSponsor: Agency | None = None  # noqa: N815
    collaborators: list[Agency] = []


class EnrollmentInfo(_Model):
    count: int | None = None
    type: str | None = None


class DesignModule(_Model):
    studyType: str | None = None  # noqa: N815
    phases: list[str] = []
    enrollmentInfo: EnrollmentInfo | None = None  # noqa: N815

    @field_validator("phases")
    @classmethod
    def _phases(cls, value: list[str]) -> list[str]:
        if value and tuple(sorted(value)) not in PHASES:
            raise ValueError(f"unknown phase combination {value!r}")
        return value


class ConditionsModule(_Model):
    conditions: list[str] = []
    keywords: list[str] = []


class ArmGroup(_Model):
    label: str
    type: str | None = None


class Intervention(_Model):
    type: str
    name: str
    armGroupLabels: list[str] = []  # noqa: N815
    otherNames: list[str] = []  # noqa: N815

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in INTERVENTION_TYPES:
            raise ValueError(f"unknown intervention type {shown(value)}")
        return value


class ArmsInterventionsModule(_Model):
    armGroups: list[ArmGroup] = []  # noqa: N815
    interventions: list[Intervention] = []


class Location(_Model):
    facility: str | None = None
    city: str | None = None
    country: str | None = None


class ContactsLocationsModule(_Model):
    locations: list[Location] = []


class ProtocolSection(_Model):
    identificationModule: IdentificationModule  # noqa: N815
    statusModule: StatusModule = StatusModule()  # noqa: N815
    sponsorCollaboratorsModule: SponsorModule = SponsorModule()  # noqa: N815
    designModule: DesignModule = DesignModule()  # noqa: N815
    conditionsModule: ConditionsModule = ConditionsModule()  # noqa: N815
    armsInterventionsModule: ArmsInterventionsModule = ArmsInterventionsModule()  # noqa: N815
    contactsLocationsModule: ContactsLocationsModule = ContactsLocationsModule()  # noqa: N815


class Mesh(_Model):
    id: str
    term: str


class ConditionBrowseModule(_Model):
    meshes: list[Mesh] = []


class DerivedSection(_Model):
    conditionBrowseModule: ConditionBrowseModule = ConditionBrowseModule()  # noqa: N815


class Study(_Model):
    """One v2 study object (the fields the mapping uses)."""

    protocolSection: ProtocolSection  # noqa: N815
    derivedSection: DerivedSection = DerivedSection()  # noqa: N815
    hasResults: bool = False  # noqa: N815
    source_file: str = ""
    source_record: str = ""  # where in the file: 'NCT... (studies[3])'

    @property
    def nct_id(self) -> str:
        return self.protocolSection.identificationModule.nctId

    @property
    def record_id(self) -> str:
        return self.source_record or self.nct_id


# --- the source ------------------------------------------------------------------------------


class CtgovSource:
    """ClinicalTrials.gov API v2 JSON."""

    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "ClinicalTrials.gov API v2 study records"
    license: ClassVar[str] = (
        "ClinicalTrials.gov data, U.S. National Library of Medicine; "
        "https://clinicaltrials.gov/about-site/terms-conditions"
    )
    homepage: ClassVar[str] = "https://clinicaltrials.gov/data-api/api"
    suffixes: ClassVar[tuple[str, ...]] = SUFFIXES

    def default_inputs(self, data_dir: Path) -> list[Path]:
        folder = data_dir / SOURCE_ID
        return sorted(folder.glob("*.json")) if folder.is_dir() else []

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[Study]:
        for file in input_files(path, SUFFIXES):
            for where, raw in _study_objects(file):
                try:
                    study = _validate(raw, file, where)
                except InputError as exc:
                    on_error(exc)
                    continue
                yield study

    def triples(self, record: Study) -> Iterable[Triple]:
        return _StudyMapper(record).triples()


def _study_objects(file: Path) -> Iterator[tuple[str, Any]]:
    """(where, study object) for a single study, a page, or an array of studies."""
    data = read_json(file, SOURCE_ID)
    if isinstance(data, dict) and "studies" in data:
        studies = data["studies"]
        if not isinstance(studies, list):
            raise InputError(
                "'studies' is not a list", source_id=SOURCE_ID, file=str(file), field="studies"
            )
        for i, study in enumerate(studies):
            yield f"studies[{i}]", study
    elif isinstance(data, dict) and "protocolSection" in data:
        yield "study", data
    elif isinstance(data, list):
        for i, study in enumerate(data):
            yield f"[{i}]", study
    else:
        raise InputError(
            "not a ClinicalTrials.gov v2 study, page ({'studies': [...]}) or list of studies",
            source_id=SOURCE_ID,
            file=str(file),
        )


def _validate(raw: Any, file: Path, where: str) -> Study:
    record = where
    if isinstance(raw, dict):
        # The model reports a section of the wrong type, naming it; the id is only looked up.
        section = raw.get("protocolSection")
        ident = section.get("identificationModule") if isinstance(section, dict) else None
        nct = ident.get("nctId") if isinstance(ident, dict) else None
        if isinstance(nct, str) and nct:
            record = f"{nct} ({where})" if where != "study" else nct
        data = {**raw, "source_file": str(file), "source_record": record}
    else:
        raise InputError(
            "a study is not a JSON object", source_id=SOURCE_ID, file=str(file), record=record
        )
    study = model_or_error(Study, data, source_id=SOURCE_ID, file=file, record=record)
    assert isinstance(study, Study)
    _trial_ids(study)  # a malformed EudraCT / EU CT secondary id is a bad record
    return study


def _bad(study: Study, field: str, message: str) -> InputError:
    """A bad value of a study, named by its JSON path."""
    return InputError(
        message, source_id=SOURCE_ID, file=study.source_file, record=study.record_id, field=field
    )


def _trial_ids(study: Study) -> tuple[list[str], list[str]]:
    """The EudraCT and EU CT numbers among the secondary ids."""
    eudract: list[str] = []
    euct: list[str] = []
    infos = study.protocolSection.identificationModule.secondaryIdInfos
    for i, info in enumerate(infos):
        text = info.id.strip()
        field = f"protocolSection.identificationModule.secondaryIdInfos.{i}.id"
        hint = f"{info.type or ''} {info.domain or ''} {text}".lower()
        if info.type == "EUDRACT_NUMBER" or (info.type != "CTIS" and "eudract" in hint):
            found = _EUDRACT_IN_TEXT.findall(text)
            if not found and info.type == "EUDRACT_NUMBER":
                raise _bad(study, field, f"not a EudraCT number: {shown(text)}")
            eudract += [n for n in found if n not in eudract]
        if (
            info.type == "CTIS"
            or "ctis" in hint
            or "eu ct" in hint
            or _EUCT_IN_TEXT.fullmatch(text)
        ):
            found = _EUCT_IN_TEXT.findall(text)
            if not found and info.type == "CTIS":
                raise _bad(study, field, f"not an EU CT number: {shown(text)}")
            euct += [n for n in found if n not in euct]
    return eudract, euct


class _StudyMapper:
    def __init__(self, study: Study) -> None:
        self.study = study
        self.ps = study.protocolSection
        self.eudract, self.euct = _trial_ids(study)
        self.key = iris.canonical_trial_id(
            self.eudract[0] if self.eudract else None,
            self.euct[0] if self.euct else None,
            study.nct_id,
        )
        self.trial = iris.mint("trial", self.key)
        self.record = iris.record(SOURCE_ID, study.nct_id)
        self.illustrative = (self.ps.identificationModule.briefTitle or "").startswith(
            SYNTHETIC_MARKER
        )
        self.out: list[Triple] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | RdfLiteral) -> None:
        self.out.append(Triple(s, p, o))

    def node(self, s: NamedNode) -> None:
        """Provenance of a node this record describes."""
        self.add(s, prov("wasDerivedFrom"), self.record)
        self.illustrate(s)

    def illustrate(self, s: NamedNode) -> None:
        # A synthetic record's trial and organisations are made up; the products, conditions and
        # countries it names are real things and stay unflagged.
        if self.illustrative:
            self.add(s, atmp("isIllustrative"), TRUE)

    def triples(self) -> list[Triple]:
        self._record()
        self._trial()
        self._sponsors()
        self._products()
        self._conditions()
        self._sites()
        self._result()
        return self.out

    def _record(self) -> None:
        r = self.record
        self.add(r, RDF_TYPE, atmp("SourceRecord"))
        self.add(r, RDFS_LABEL, RdfLiteral(f"ClinicalTrials.gov study {self.study.nct_id}"))
        self.add(r, dct("identifier"), RdfLiteral(self.study.nct_id))
        self.add(r, dct("source"), NamedNode(STUDY_URL + self.study.nct_id))
        self.illustrate(r)

    def _trial(self) -> None:
        t = self.trial
        ident = self.ps.identificationModule
        status = self.ps.statusModule
        design = self.ps.designModule
        self.add(t, RDF_TYPE, atmp("ClinicalTrial"))
        self.add(t, atmp("nctNumber"), RdfLiteral(ident.nctId))
        for number in self.eudract:
            self.add(t, atmp("eudractNumber"), RdfLiteral(number))
        for number in self.euct:
            self.add(t, atmp("euCtNumber"), RdfLiteral(number))
        self.add(t, atmp("registry"), atmp("CTGOV"))
        label = ident.briefTitle or ident.officialTitle or ident.nctId
        self.add(t, RDFS_LABEL, RdfLiteral(label))
        if ident.officialTitle:
            self.add(t, atmp("title"), RdfLiteral(ident.officialTitle))
        if ident.acronym:
            self.add(t, skos("altLabel"), RdfLiteral(ident.acronym))
        if status.overallStatus:
            self.add(t, atmp("trialStatus"), atmp(STATUSES[status.overallStatus]))
        if status.whyStopped:
            self.add(t, atmp("whyStopped"), RdfLiteral(status.whyStopped))
        for prop, struct, month_end in (
            ("startDate", status.startDateStruct, False),
            ("primaryCompletionDate", status.primaryCompletionDateStruct, True),
            ("endOfTrialDate", status.completionDateStruct, True),
        ):
            if struct is not None:
                self.add(t, atmp(prop), _date(struct.date, month_end=month_end))
        if design.phases:
            self.add(t, atmp("hasPhase"), atmp(PHASES[tuple(sorted(design.phases))]))
        if design.enrollmentInfo is not None and design.enrollmentInfo.count is not None:
            self.add(t, atmp("enrollment"), integer_literal(design.enrollmentInfo.count))
        self.node(t)

    def _organisation(self, name: str) -> NamedNode:
        o = iris.org(name=name)
        self.add(o, RDF_TYPE, atmp("Organisation"))
        self.add(o, RDFS_LABEL, RdfLiteral(name.strip()))
        self.illustrate(o)
        return o

    def _sponsors(self) -> None:
        sponsors = self.ps.sponsorCollaboratorsModule
        lead = sponsors.leadSponsor
        if lead is None:
            return
        o = self._organisation(lead.name)
        self.add(self.trial, atmp("hasSponsor"), o)
        # The agency class is the registry's own sponsor type: INDUSTRY is a commercial sponsor;
        # AMBIG / UNKNOWN say nothing either way.
        if lead.class_ not in (None, "AMBIG", "UNKNOWN"):
            self.add(
                self.trial, atmp("isCommercialSponsor"), boolean_literal(lead.class_ == "INDUSTRY")
            )
        for agency in [lead, *sponsors.collaborators]:
            org = o if agency is lead else self._organisation(agency.name)
            if agency.class_ == "INDUSTRY":
                self.add(org, atmp("orgType"), atmp("Industry"))

    def _products(self) -> None:
        arms = {a.label: a.type for a in self.ps.armsInterventionsModule.armGroups}
        for intervention in self.ps.armsInterventionsModule.interventions:
            if intervention.type not in PRODUCT_INTERVENTIONS:
                continue
            arm_types = [arms.get(label) for label in intervention.armGroupLabels]
            if arm_types and all(t in COMPARATOR_ARMS for t in arm_types):
                continue
            p = iris.product(name=intervention.name)
            self.add(self.trial, atmp("testsProduct"), p)
            self.add(p, RDF_TYPE, atmp("MedicinalProduct"))
            self.add(p, RDFS_LABEL, RdfLiteral(intervention.name.strip()))
            for other in intervention.otherNames:
                if other.strip():
                    self.add(p, skos("altLabel"), RdfLiteral(other.strip()))
            self.add(p, prov("wasDerivedFrom"), self.record)

    def _conditions(self) -> None:
        names = list(self.ps.conditionsModule.conditions)
        meshes = {m.term.lower(): m for m in self.study.derivedSection.conditionBrowseModule.meshes}
        for mesh in meshes.values():
            if mesh.term.lower() not in (n.lower() for n in names):
                names.append(mesh.term)
        for name in names:
            if not name.strip():
                continue
            d, triples = disease_triples(name.strip())
            self.add(self.trial, atmp("condition"), d)
            self.out.extend(triples)
            matched = meshes.get(name.strip().lower())
            if matched is not None:
                self.add(d, atmp("meshTerm"), RdfLiteral(matched.id))

    def _sites(self) -> None:
        locations = self.ps.contactsLocationsModule.locations
        for i, loc in enumerate(locations):
            c = None
            if loc.country:
                code = _country_code(loc.country, self.study, i)
                c = iris.country(code)
                self.add(self.trial, atmp("conductedIn"), c)
                self.out.extend(country_triples(code))
            if loc.facility and loc.facility.strip():
                o = self._organisation(loc.facility)
                self.add(self.trial, atmp("hasTrialSite"), o)
                if loc.city:
                    self.add(o, atmp("city"), RdfLiteral(loc.city.strip()))
                if c is not None:
                    self.add(o, atmp("country"), c)

    def _result(self) -> None:
        posted = self.ps.statusModule.resultsFirstPostDateStruct
        if not self.study.hasResults and posted is None:
            return
        r = iris.mint("trial-result", f"{self.study.nct_id}-ctgov")
        self.add(self.trial, atmp("hasResult"), r)
        self.add(r, RDF_TYPE, atmp("TrialResult"))
        self.add(r, atmp("registry"), atmp("CTGOV"))
        self.add(r, dct("source"), NamedNode(STUDY_URL + self.study.nct_id + "?tab=results"))
        if posted is not None:
            self.add(r, atmp("postedOn"), _date(posted.date, month_end=True))
        self.node(r)


def _date(value: str, *, month_end: bool = False) -> RdfLiteral:
    """A v2 date as an xsd:date (ADR 0001). The registry gives some dates to the month only
    ('2013-08'): a start becomes the first day of that month, an end the last day, so the span
    is never shorter than the registry's and a results-due date is never earlier than the rule."""
    if len(value) == 7:
        year, month = int(value[:4]), int(value[5:])
        day = calendar.monthrange(year, month)[1] if month_end else 1
        return date_literal(dt.date(year, month, day))
    return date_literal(dt.date.fromisoformat(value))


def _country_code(name: str, study: Study, index: int) -> str:
    code = country_code(name)
    if code is None:
        raise _bad(
            study,
            f"protocolSection.contactsLocationsModule.locations.{index}.country",
            f"unknown country name {shown(name.strip())}",
        )
    return code


SOURCE = CtgovSource
