"""CTIS (EU Clinical Trials Information System, Regulation (EU) No 536/2014) public-API trial
records -> triples. Formats: shared/domain/SOURCES.md §2b.

Accepted input, a .json file or a folder of them, each holding
  * one full trial record (`GET /ctis-public-api/retrieve/{ctNumber}`, optionally with the /search
    overview fields merged in, as ctrdata stores it),
  * a JSON array of such records, or
  * a /search page (`{"data": [...]}` after the June 2024 relaunch, `{"elements": [...]}` before)
    whose items are full records; a bare overview item is a bad record (it has no authorised
    parts to map), reported like any other.
Both record layouts are read: the one after the 17 June 2024 relaunch
(`authorizedApplication.authorizedPartI`, `authorizedApplication.authorizedPartsII[]`, numeric
`ctStatus`) and the one before it (top-level `authorizedPartI` / `authorizedPartsII`,
`applications[]`, string statuses, `anAdvancedTherapyMedicinalProduct` on products).

A trial transitioned from EudraCT (`authorizedApplication.eudraCt.isTransitioned`, or the older
`eudraCtInfo`) is minted under its EudraCT number, so that it is the same node as its EU CTR
record (ADR 0001), and carries both numbers. A EudraCT number given without the transition flag
is an earlier EudraCT registration: the CTIS trial keeps its own node under the EU CT number and
the EudraCT node gets `atmp:transitionedTo` it.

Bad values raise InputError naming the JSON path of the field
(`authorizedApplication.authorizedPartsII.0.mscInfo.decisionDate`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, Final

import pycountry
from pydantic import BaseModel, ConfigDict
from pyoxigraph import Literal, NamedNode, Triple

from graph_builder import iris
from graph_builder.countries import country_code
from graph_builder.errors import InputError
from graph_builder.literals import (
    TRUE,
    boolean_literal,
    date_literal,
    integer_literal,
    text_literal,
)
from graph_builder.namespaces import RDF_TYPE, RDFS_LABEL, atmp, dct, prov, skos
from graph_builder.sources.base import ErrorHandler, input_files, located, raise_error, read_json
from graph_builder.sources.nodes import country_triples, disease_triples, meddra_condition_triples
from graph_builder.sources.trial_mapping import (
    atmp_trial_triples,
    decision_triples,
    self_classification_triples,
)

SOURCE_ID: Final = "ctis"
REGULATION_536_2014_CELEX: Final = "32014R0536"
PORTAL_URL: Final = "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT="
# A record carrying this top-level key is a made-up example (test fixtures, docs); the graph
# marks its nodes with atmp:isIllustrative. The register never writes it.
ILLUSTRATIVE_KEY: Final = "isIllustrative"

# ctPublicStatusCode / numeric ctStatus after the relaunch (ctrdata f.statusRecruitment).
STATUS_CODES: Final[dict[int, str]] = {
    1: "Under evaluation",
    2: "Authorised, recruitment pending",
    3: "Authorised, recruiting",
    4: "Ongoing, recruiting",
    5: "Ongoing, recruitment ended",
    6: "Temporarily halted",
    7: "Suspended",
    8: "Ended",
    9: "Expired",
    10: "Revoked",
    11: "Not authorised",
    12: "Cancelled",
}
# Status wording (both layouts) -> TrialStatus individual; None: not a state of a running trial.
STATUSES: Final[dict[str, str | None]] = {
    "under evaluation": None,
    "authorised, recruitment pending": "Authorised_NotStarted",
    "authorised, not started": "Authorised_NotStarted",
    "authorised, recruiting": "Recruiting",
    "ongoing, not yet recruiting": "NotYetRecruiting",
    "ongoing, recruiting": "Recruiting",
    "ongoing, recruitment ended": "ActiveNotRecruiting",
    "temporarily halted": "Suspended_Trial",
    "halted": "Suspended_Trial",
    "suspended": "Suspended_Trial",
    "ended": "Completed",
    "expired": None,
    "revoked": "Terminated",
    "not authorised": None,
    "cancelled": "Withdrawn_Trial",
    "withdrawn": "Withdrawn_Trial",
}
# trialCategory.trialPhase codes (CTIS value list, as ctrdata documents it).
PHASE_CODES: Final[dict[str, tuple[str, ...]]] = {
    "1": ("Phase1",),  # Human Pharmacology (Phase I) - First administration to humans
    "2": ("Phase1",),  # ... - Bioequivalence Study
    "3": ("Phase1",),  # ... - Other
    "4": ("Phase2",),  # Therapeutic exploratory (Phase II)
    "5": ("Phase3",),  # Therapeutic confirmatory (Phase III)
    "6": ("Phase4",),  # Therapeutic use (Phase IV)
    "7": ("Phase1_2",),  # Phase I and Phase II (Integrated) - First administration to humans
    "8": ("Phase1_2",),  # ... - Bioequivalence Study
    "9": ("Phase1_2",),  # ... - Other
    "10": ("Phase2_3",),  # Phase II and Phase III (Integrated)
    "11": ("Phase3", "Phase4"),  # Phase III and phase IV (Integrated)
}
# The overview's trialPhase text, matched on the phases it names.
PHASE_TEXTS: Final[dict[tuple[str, ...], tuple[str, ...]]] = {
    ("I",): ("Phase1",),
    ("II",): ("Phase2",),
    ("III",): ("Phase3",),
    ("IV",): ("Phase4",),
    ("I", "II"): ("Phase1_2",),
    ("II", "III"): ("Phase2_3",),
    ("III", "IV"): ("Phase3", "Phase4"),
}
# CTIS organisation types -> OrganisationType (types that say nothing either way are left out).
ORG_TYPES: Final[dict[str, str]] = {
    "pharmaceutical company": "Industry",
    "non-pharmaceutical company": "Industry",
    "industry": "Industry",
    "hospital/clinic/other health care facility": "Hospital",
    "educational institution": "Academic",
    "patient organisation/association": "NonProfit",
}
_ROMAN = re.compile(r"\b(IV|III|II|I)\b")
# A product's miaNumber may list several authorisations: "IMP12407/00001 and IMP12304/00001".
_MIA_SEPARATOR = re.compile(r"\s+and\s+|\s*[;,]\s*", re.IGNORECASE)
_NOT_GIVEN: Final = frozenset({"", "n/a", "na", "not applicable"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CtisOrganisation(_Model):
    name: str
    oms_org_id: str | None = None
    org_type: str | None = None  # OrganisationType individual
    country: str | None = None
    city: str | None = None
    address: str | None = None


class CtisSponsor(_Model):
    organisation: CtisOrganisation
    primary: bool = False
    commercial: bool | None = None


class CtisProduct(_Model):
    name: str
    role: str | None = None
    ema_number: str | None = None
    substance: str | None = None
    atc_code: str | None = None
    atmp: bool | None = None  # anAdvancedTherapyMedicinalProduct (layout before June 2024)
    mia_numbers: tuple[str, ...] = ()  # manufacturing and import authorisations of the IMP


class CtisMemberState(_Model):
    country: str
    status: str | None = None
    decision: str | None = None
    decision_date: date | None = None
    authority: str | None = None
    sites: tuple[CtisOrganisation, ...] = ()


class CtisTrial(_Model):
    """One CTIS trial, the same fields whichever layout it came in."""

    ct_number: str
    layout: str  # "2024" (after the relaunch) or "legacy"
    file: str
    illustrative: bool = False
    eudract: str | None = None
    transitioned: bool = False
    nct: str | None = None
    title: str | None = None
    public_title: str | None = None
    short_title: str | None = None
    title_translations: tuple[tuple[str, str], ...] = ()
    status: str | None = None  # TrialStatus individual
    status_text: str | None = None
    phases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    rare_disease: bool | None = None  # any condition declared rare; False when all are not
    meddra: tuple[tuple[str, str | None], ...] = ()  # (term, code) of the MedDRA condition terms
    therapeutic_areas: tuple[str, ...] = ()
    sponsors: tuple[CtisSponsor, ...] = ()
    products: tuple[CtisProduct, ...] = ()
    member_states: tuple[CtisMemberState, ...] = ()
    other_countries: tuple[str, ...] = ()
    start_date: date | None = None
    end_date: date | None = None
    results_posted: date | None = None
    why_stopped: str | None = None
    enrollment: int | None = None

    @property
    def key(self) -> str:
        """The trial IRI key: the EudraCT number of a transitioned trial, else the EU CT number."""
        return iris.canonical_trial_id(
            eudract=self.eudract if self.transitioned else None, euct=self.ct_number
        )


# --------------------------------------------------------------------------- JSON access


@dataclass(frozen=True)
class _At:
    """A JSON value and its path, so that a bad value names the field it sits in."""

    value: Any
    path: str

    def __getitem__(self, key: str) -> _At:
        value: Any = None
        if isinstance(self.value, dict):
            value = self.value.get(key)
        elif isinstance(self.value, list) and key.isdigit() and int(key) < len(self.value):
            value = self.value[int(key)]
        return _At(value, f"{self.path}.{key}" if self.path else key)

    def first(self, *keys: str) -> _At:
        """The first of several alternative paths (dotted) that holds a value."""
        for key in keys:
            at = self
            for part in key.split("."):
                at = at[part]
            if at.value not in (None, "", [], {}):
                return at
        return _At(None, keys[0])

    def items(self) -> list[_At]:
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise _bad(self.path, f"expected a list, got {type(self.value).__name__}")
        return [_At(v, f"{self.path}.{i}") for i, v in enumerate(self.value)]

    def text(self) -> str | None:
        if self.value is None:
            return None
        if isinstance(self.value, bool) or not isinstance(self.value, str | int):
            raise _bad(self.path, f"expected text, got {type(self.value).__name__}")
        text = str(self.value).strip()
        return None if text.lower() in _NOT_GIVEN else text

    def flag(self) -> bool | None:
        if self.value is None or isinstance(self.value, bool):
            return self.value
        raise _bad(self.path, f"expected true or false, got {self.value!r}")

    def integer(self) -> int | None:
        text = self.text()
        if text is None:
            return None
        if not text.isdigit():
            raise _bad(self.path, f"expected a whole number, got {text!r}")
        return int(text)

    def date(self) -> date | None:
        """DD/MM/YYYY (overview fields), YYYY-MM-DD or an ISO date-time (record fields)."""
        text = self.text()
        if text is None:
            return None
        try:
            if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
                return datetime.strptime(text, "%d/%m/%Y").date()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[0-9:.]+)?", text):
                return date.fromisoformat(text[:10])
        except ValueError:
            pass
        raise _bad(self.path, f"expected a date DD/MM/YYYY or YYYY-MM-DD, got {text!r}")


def _bad(field: str, message: str) -> InputError:
    """A bad value; `read` adds file and record."""
    return InputError(message, source_id=SOURCE_ID, field=field)


# --------------------------------------------------------------------------- reading


def _records(file: Path) -> Iterator[tuple[str, Any]]:
    """(where, record object) of every record a file holds."""
    data = read_json(file, SOURCE_ID)
    if isinstance(data, dict) and ("data" in data or "elements" in data) and "ctNumber" not in data:
        key = "data" if "data" in data else "elements"
        items = data[key]
        if not isinstance(items, list):
            raise InputError(f"'{key}' is not a list", source_id=SOURCE_ID, file=str(file))
        yield from ((f"{key}.{i}", item) for i, item in enumerate(items))
    elif isinstance(data, list):
        yield from ((f"item {i}", item) for i, item in enumerate(data))
    elif isinstance(data, dict):
        yield "record", data
    else:
        raise InputError(
            "expected a CTIS record, a list of records or a search page",
            source_id=SOURCE_ID,
            file=str(file),
        )


def _record_name(where: str, raw: Any) -> str:
    number = raw.get("ctNumber") if isinstance(raw, dict) else None
    return f"{number} ({where})" if isinstance(number, str) and number else where


def parse_record(raw: Any, file: Path) -> CtisTrial:
    """The CtisTrial of one record object (either layout); InputError naming the field if bad."""
    if not isinstance(raw, dict):
        raise _bad("", "expected a JSON object")
    root = _At(raw, "")
    ct_number = root["ctNumber"].text()
    if ct_number is None:
        raise _bad("ctNumber", "missing")
    if not iris.EUCT_RE.match(ct_number):
        raise _bad("ctNumber", f"not an EU CT number: {ct_number!r}")
    if isinstance(raw.get("authorizedApplication"), dict):
        layout, app = "2024", root["authorizedApplication"]
        part1, parts2 = app["authorizedPartI"], app["authorizedPartsII"]
    elif isinstance(raw.get("authorizedPartI"), dict) or isinstance(raw.get("applications"), list):
        layout, app = "legacy", root
        part1 = root.first("authorizedPartI", "applications.0.partI")
        parts2 = root["authorizedPartsII"]
    else:
        raise _bad(
            "authorizedApplication",
            "not a full CTIS record (a /search overview item?): no authorised part I",
        )
    eudract, transitioned = _eudract(root, app)
    identifiers = part1["trialDetails"]["clinicalTrialIdentifiers"]
    information = part1["trialDetails"]["trialInformation"]
    status_text, status = _status(root)
    return CtisTrial(
        ct_number=ct_number,
        layout=layout,
        file=str(file),
        illustrative=root[ILLUSTRATIVE_KEY].flag() or False,
        eudract=eudract,
        transitioned=transitioned,
        nct=_nct(identifiers["secondaryIdentifyingNumbers"]["nctNumber"]["number"]),
        title=identifiers["fullTitle"].text() or root["title"].text(),
        public_title=identifiers["publicTitle"].text(),
        short_title=identifiers["shortTitle"].text() or root["shortTitle"].text(),
        title_translations=_translations(identifiers["fullTitleTranslations"]),
        status=_early_termination(root, status),
        status_text=status_text,
        phases=_phases(information["trialCategory"]["trialPhase"], root["trialPhase"]),
        conditions=tuple(
            text
            for c in information["medicalCondition"]["partIMedicalConditions"].items()
            if (text := c["medicalCondition"].text())
        ),
        rare_disease=_rare_disease(information["medicalCondition"]["partIMedicalConditions"]),
        meddra=_meddra(information["medicalCondition"]["meddraConditionTerms"]),
        therapeutic_areas=_therapeutic_areas(part1, root),
        sponsors=_sponsors(root, part1),
        products=_products(part1),
        member_states=tuple(_member_state(p, _decisions(root, app)) for p in parts2.items()),
        other_countries=_other_countries(part1),
        start_date=_start_date(root),
        end_date=_end_date(root, app),
        results_posted=_results_posted(root),
        why_stopped=root["earlyTerminationReason"]["name"].text(),
        enrollment=root["totalNumberEnrolled"].integer(),
    )


def _eudract(root: _At, app: _At) -> tuple[str | None, bool]:
    block = app["eudraCt"] if app["eudraCt"].value else root["eudraCtInfo"]
    if not block.value:
        for application in root["applications"].items():
            if application["eudraCtInfo"].value:
                block = application["eudraCtInfo"]
                break
    code = block["eudraCtCode"].text()
    if code is not None and not iris.EUDRACT_RE.match(code):
        raise _bad(block["eudraCtCode"].path, f"not a EudraCT number: {code!r}")
    return code, bool(block["isTransitioned"].flag()) and code is not None


def _nct(at: _At) -> str | None:
    text = at.text()
    if text is None:
        return None
    number = text.upper().replace(" ", "")
    if not iris.NCT_RE.match(number):
        raise _bad(at.path, f"not an NCT number: {text!r}")
    return number


def _language(description: str | None) -> str | None:
    if not description:
        return None
    try:
        code = getattr(pycountry.languages.lookup(description), "alpha_2", None)
    except LookupError:
        return None
    return code if isinstance(code, str) else None


def _translations(at: _At) -> tuple[tuple[str, str], ...]:
    found = []
    for item in at.items():
        lang = _language(item["languageDescription"].text())
        text = item["attributeTranslation"].text()
        if lang and text:
            found.append((lang, text))
    return tuple(found)


def _status(root: _At) -> tuple[str | None, str | None]:
    """(status as worded, TrialStatus individual) of the trial as a whole."""
    at = root.first("ctPublicStatusCode", "ctStatus")
    if at.value is None:
        return None, None
    if isinstance(at.value, int) and not isinstance(at.value, bool):
        if at.value not in STATUS_CODES:
            raise _bad(at.path, f"unknown CTIS status code {at.value}")
        text = STATUS_CODES[at.value]
    else:
        text = at.text() or ""
    if text.lower() not in STATUSES:
        raise _bad(at.path, f"unknown CTIS trial status {text!r}")
    return text, STATUSES[text.lower()]


def _early_termination(root: _At, status: str | None) -> str | None:
    """An ended trial is Terminated when every member state notified an early termination."""
    if status != "Completed":
        return status
    per_state = [
        [e["notificationType"].text() or "" for e in group["events"].items()]
        for group in root["events"]["trialEvents"].items()
    ] or [
        [n["notificationType"].text() or "" for n in group["mscNotificationsListInfo"].items()]
        for group in root["mscTrialNotificationsInfoList"].items()
    ]
    early = [any("EARLY" in n.upper() and "TERMINATION" in n.upper() for n in s) for s in per_state]
    return "Terminated" if early and all(early) else status


def _phases(code: _At, text: _At) -> tuple[str, ...]:
    value = code.text()
    if value is not None:
        if value not in PHASE_CODES:
            raise _bad(code.path, f"unknown CTIS trial phase code {value!r}")
        return PHASE_CODES[value]
    wording = text.text()
    if wording is None:
        return ()
    named = tuple(dict.fromkeys(_ROMAN.findall(wording)))
    key = tuple(sorted(named, key=("I", "II", "III", "IV").index))
    if key not in PHASE_TEXTS:
        raise _bad(text.path, f"unknown trial phase {wording!r}")
    return PHASE_TEXTS[key]


def _rare_disease(conditions: _At) -> bool | None:
    flags = [c["isConditionRareDisease"].flag() for c in conditions.items()]
    known = [f for f in flags if f is not None]
    if any(known):
        return True
    return False if known and len(known) == len(flags) else None


def _meddra(terms: _At) -> tuple[tuple[str, str | None], ...]:
    found: list[tuple[str, str | None]] = []
    for term in terms.items():
        name = term["termName"].text()
        code = term["classificationCode"].text()
        if code is not None and not re.fullmatch(r"\d{8}", code):
            raise _bad(term["classificationCode"].path, f"not a MedDRA code: {code!r}")
        if name:
            found.append((name, code))
    return tuple(dict.fromkeys(found))


def _mia_numbers(at: _At) -> tuple[str, ...]:
    text = at.text()
    if text is None:
        return ()
    numbers = [n.strip() for n in _MIA_SEPARATOR.split(text)]
    if not all(re.search(r"[A-Za-z0-9]", n) for n in numbers):
        raise _bad(at.path, f"not a list of MIA numbers: {text!r}")
    return tuple(dict.fromkeys(numbers))


def _therapeutic_areas(part1: _At, root: _At) -> tuple[str, ...]:
    names = [a["name"].text() for a in part1["therapeuticAreas"].items()]
    overview = root["therapeuticAreas"]
    if isinstance(overview.value, str):
        names.append(overview.text())
    else:
        names.extend(a.text() for a in overview.items())
    return tuple(dict.fromkeys(n for n in names if n))


def _organisation(org: _At, address: _At | None = None) -> CtisOrganisation | None:
    name = org["name"].text()
    if name is None:
        return None
    key = org["businessKey"].text()
    country: str | None = None
    city = address_text = None
    if address is not None:
        country_name = address["countryName"].text()
        if country_name:
            country = country_code(country_name)
            if country is None:
                raise _bad(address["countryName"].path, f"unknown country {country_name!r}")
        city = address["city"].text()
        address_text = address["oneLine"].text()
    org_type = org["type"].text()
    return CtisOrganisation(
        name=name,
        oms_org_id=key if key and key.startswith("ORG-") else None,
        org_type=ORG_TYPES.get(org_type.lower()) if org_type else None,
        country=country,
        city=city,
        address=address_text,
    )


def _sponsors(root: _At, part1: _At) -> tuple[CtisSponsor, ...]:
    listed = part1["sponsors"].items() or [root["primarySponsor"], *root["coSponsors"].items()]
    sponsors: dict[str, CtisSponsor] = {}
    for sponsor in listed:
        if not sponsor.value:
            continue
        addresses = sponsor["addresses"].items()
        org = _organisation(sponsor["organisation"], addresses[0]["address"] if addresses else None)
        if org is None:
            continue
        commercial = sponsor["isCommercial"].flag()
        if commercial is None:
            wording = sponsor["commercial"].text()
            commercial = None if wording is None else wording.lower() == "commercial"
        key = org.oms_org_id or iris.normalise_org_name(org.name)
        if key not in sponsors:
            sponsors[key] = CtisSponsor(
                organisation=org, primary=bool(sponsor["primary"].flag()), commercial=commercial
            )
    return tuple(sponsors.values())


def _products(part1: _At) -> tuple[CtisProduct, ...]:
    roles: dict[Any, str] = {}
    for group in part1["productRoleGroupInfos"].items():
        role = group["productRoleName"].text()
        for product in group["products"].items():
            if role and product["id"].value is not None:
                roles[product["id"].value] = role
    products: list[CtisProduct] = []
    for product in part1["products"].items():
        info = product["productDictionaryInfo"]
        name = (
            product["productName"].text()
            or info["prodName"].text()
            or product["nameDisplay"].text()
            or product["jsonActiveSubstanceNames"].text()
            or info["activeSubstanceName"].text()
        )
        if name is None:
            raise _bad(product["productName"].path, "a product with no name nor active substance")
        mrp = info["mrpNumber"].text()
        role = roles.get(product["id"].value) or {"1": "Test"}.get(
            product["mpRoleInTrial"].text() or ""
        )
        products.append(
            CtisProduct(
                name=name,
                role=role,
                ema_number=mrp if mrp and iris.EMA_NUMBER_RE.match(mrp) else None,
                substance=info["activeSubstanceName"].text(),
                atc_code=info["atcCode"].text(),
                atmp=product["anAdvancedTherapyMedicinalProduct"].flag(),
                mia_numbers=_mia_numbers(product["miaNumber"]),
            )
        )
    return tuple(products)


def _decisions(root: _At, app: _At) -> dict[str, tuple[str | None, date | None]]:
    """Member state name -> (decision, date) of the first decision the record lists for it
    (`applicationInfo[].decisions[]` after the relaunch, `publicEvaluation[].decisions[]`
    before)."""
    found: dict[str, tuple[str | None, date | None]] = {}
    for application in [*app["applicationInfo"].items(), *root["publicEvaluation"].items()]:
        for decision in application["decisions"].items():
            name = decision["mscName"].text()
            if name and name not in found:
                found[name] = (decision["decision"].text(), decision["decisionDate"].date())
    return found


def _member_state(
    part: _At, decisions: dict[str, tuple[str | None, date | None]]
) -> CtisMemberState:
    msc = part["mscInfo"]
    name_at = msc.first("countryName", "mscName")
    name = name_at.text()
    code = msc["organisationInfo"]["memberStateCountryCode"].text()
    country = iris.iso_country(code) if code else (country_code(name) if name else None)
    if country is None:
        raise _bad(name_at.path, f"unknown member state {name!r}")
    acronym = msc["organisationInfo"]["acronym"].text()
    sites = tuple(
        org
        for site in part["trialSites"].items()
        if (
            org := _organisation(
                site["organisationAddressInfo"]["organisation"],
                site["organisationAddressInfo"]["address"],
            )
        )
        is not None
    )
    listed_decision, listed_date = decisions.get(name or "", (None, None))
    return CtisMemberState(
        country=country,
        status=msc["trialStatus"].text(),
        decision=msc["decision"].text() or listed_decision,
        decision_date=msc.first("decisionDate", "firstDecisionDate").date() or listed_date,
        # "Germany - BfArM", the way the EU CTR names the same authority
        authority=f"{name} - {acronym}" if name and acronym else None,
        sites=sites,
    )


def _other_countries(part1: _At) -> tuple[str, ...]:
    codes = []
    for info in part1["rowCountriesInfo"].items():
        code = info["isoAlpha2Code"].text()
        if code:
            codes.append(iris.iso_country(code))
    return tuple(dict.fromkeys(codes))


def _start_date(root: _At) -> date | None:
    given = root.first("startDateEU", "trialStartDate", "eeaStartDate").date()
    if given is not None:
        return given
    starts = [
        d
        for group in root["events"]["trialEvents"].items()
        for event in group["events"].items()
        if event["notificationType"].text() == "START_OF_TRIAL" and (d := event["date"].date())
    ]
    return min(starts) if starts else None


def _end_date(root: _At, app: _At) -> date | None:
    given = root.first("endDateEU", "trialEndDate", "events.trialGlobalEndDate").date()
    if given is not None:
        return given
    end = app["trialGlobalEnd"]
    entries = end.items() if isinstance(end.value, list) else [end]
    dates = [d for entry in entries if (d := entry["globalEndDate"].date())]
    return max(dates) if dates else None


def _results_posted(root: _At) -> date | None:
    dates = [
        d for r in root["results"]["summaryResults"].items() if (d := r["submissionDate"].date())
    ]
    return min(dates) if dates else None


def read_records(path: Path, on_error: ErrorHandler = raise_error) -> Iterator[CtisTrial]:
    for file in input_files(path, (".json",)):
        for where, raw in _records(file):
            try:
                yield parse_record(raw, file)
            except InputError as problem:
                on_error(
                    located(
                        problem,
                        source_id=SOURCE_ID,
                        file=str(file),
                        record=_record_name(where, raw),
                    )
                )


# --------------------------------------------------------------------------- mapping


class CtisSource:
    source_id: ClassVar[str] = SOURCE_ID
    title: ClassVar[str] = "EU Clinical Trials Information System (CTIS) public trial records"
    # "EMA/CTIS terms" (shared/samples/ctis/SOURCE.md): EMA's legal notice gives the reuse terms.
    license: ClassVar[str] = "https://www.ema.europa.eu/en/about-us/legal-notice"
    homepage: ClassVar[str] = "https://euclinicaltrials.eu/"

    def default_inputs(self, data_dir: Path) -> list[Path]:
        # No CTIS download ships in data/.
        return []

    def read(self, path: Path, on_error: ErrorHandler = raise_error) -> Iterator[CtisTrial]:
        return read_records(path, on_error)

    def triples(self, record: CtisTrial) -> Iterable[Triple]:
        return trial_triples(record)


class _Out:
    def __init__(self, trial: CtisTrial) -> None:
        self.triples: list[Triple] = []
        self.illustrative = trial.illustrative
        self.record = iris.record(SOURCE_ID, trial.ct_number)

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.triples.append(Triple(s, p, o))

    def owned(self, s: NamedNode, cls: str, label: str | None) -> NamedNode:
        """A node keyed on this record: typed, labelled, derived from it, marked illustrative."""
        self.add(s, RDF_TYPE, atmp(cls))
        if label:
            self.add(s, RDFS_LABEL, Literal(label))
        self.add(s, prov("wasDerivedFrom"), self.record)
        if self.illustrative:
            self.add(s, atmp("isIllustrative"), TRUE)
        return s

    def organisation(self, org: CtisOrganisation) -> NamedNode:
        node = iris.org(name=org.name, oms_org_id=org.oms_org_id)
        self.add(node, RDF_TYPE, atmp("Organisation"))
        self.add(node, RDFS_LABEL, Literal(org.name))
        if org.oms_org_id:
            self.add(node, atmp("omsOrgId"), Literal(org.oms_org_id))
        if org.org_type:
            self.add(node, atmp("orgType"), atmp(org.org_type))
        if org.country:
            self.add(node, atmp("country"), iris.country(org.country))
            self.triples.extend(country_triples(org.country))
        if org.city:
            self.add(node, atmp("city"), Literal(org.city))
        if org.address:
            self.add(node, atmp("address"), Literal(org.address))
        return node


def trial_triples(trial: CtisTrial) -> list[Triple]:
    out = _Out(trial)
    url = NamedNode(PORTAL_URL + trial.ct_number)
    out.add(out.record, RDF_TYPE, atmp("SourceRecord"))
    out.add(out.record, RDFS_LABEL, Literal(f"CTIS trial {trial.ct_number}"))
    out.add(out.record, dct("source"), url)
    if trial.illustrative:
        out.add(out.record, atmp("isIllustrative"), TRUE)

    node = out.owned(
        iris.mint("trial", trial.key),
        "ClinicalTrial",
        trial.public_title or trial.title or trial.ct_number,
    )
    out.add(node, dct("source"), url)
    out.add(node, atmp("euCtNumber"), Literal(trial.ct_number))
    out.add(node, atmp("registry"), atmp("CTIS"))
    if trial.eudract and trial.transitioned:
        out.add(node, atmp("eudractNumber"), Literal(trial.eudract))
    elif trial.eudract:
        earlier = out.owned(iris.trial(eudract=trial.eudract), "ClinicalTrial", None)
        out.add(earlier, atmp("eudractNumber"), Literal(trial.eudract))
        out.add(earlier, atmp("transitionedTo"), node)
    if trial.nct:
        out.add(node, atmp("nctNumber"), Literal(trial.nct))
    if trial.title:
        out.add(node, atmp("title"), Literal(trial.title))
    if trial.short_title:
        out.add(node, skos("altLabel"), Literal(trial.short_title))
    for lang, text in trial.title_translations:
        out.add(node, skos("altLabel"), text_literal(text, lang))
    if trial.status:
        out.add(node, atmp("trialStatus"), atmp(trial.status))
    for phase in trial.phases:
        out.add(node, atmp("hasPhase"), atmp(phase))
    for prop, value in (("startDate", trial.start_date), ("endOfTrialDate", trial.end_date)):
        if value is not None:
            out.add(node, atmp(prop), date_literal(value))
    if trial.enrollment is not None:
        out.add(node, atmp("enrollment"), integer_literal(trial.enrollment))
    if trial.why_stopped:
        out.add(node, atmp("whyStopped"), Literal(trial.why_stopped))
    for area in trial.therapeutic_areas:
        out.add(node, atmp("therapeuticArea"), Literal(area))
    for text in trial.conditions:
        disease, triples = disease_triples(text)
        out.triples.extend(triples)
        out.add(node, atmp("condition"), disease)
    for term, code in trial.meddra:
        coded, triples = meddra_condition_triples(term, code)
        out.triples.extend(triples)
        out.add(node, atmp("condition"), coded)
    if trial.rare_disease is not None:
        out.add(node, atmp("isRareDisease"), boolean_literal(trial.rare_disease))

    primary = _sponsor_triples(out, trial, node)
    _product_triples(out, trial, node, primary)
    _member_state_triples(out, trial, node)
    if trial.results_posted is not None:
        result = out.owned(
            iris.mint("trial-result", f"{trial.ct_number}-ctis"), "TrialResult", None
        )
        out.add(node, atmp("hasResult"), result)
        out.add(result, atmp("registry"), atmp("CTIS"))
        out.add(result, atmp("postedOn"), date_literal(trial.results_posted))
    return list(dict.fromkeys(out.triples))


def _sponsor_triples(out: _Out, trial: CtisTrial, node: NamedNode) -> NamedNode | None:
    """Sponsors of the trial; returns the primary sponsor, whose status is the trial's."""
    primary = next((s for s in trial.sponsors if s.primary), None)
    if primary is None and trial.sponsors:
        primary = trial.sponsors[0]
    primary_node: NamedNode | None = None
    for sponsor in trial.sponsors:
        org = out.organisation(sponsor.organisation)
        out.add(node, atmp("hasSponsor"), org)
        if sponsor is primary:
            primary_node = org
            if sponsor.commercial is not None:
                out.add(node, atmp("isCommercialSponsor"), boolean_literal(sponsor.commercial))
    return primary_node


def _product_triples(
    out: _Out, trial: CtisTrial, node: NamedNode, sponsor: NamedNode | None
) -> None:
    tested = [p for p in trial.products if p.role in ("Test", "Comparator")]
    for product in tested:
        item = iris.product(ema_number=product.ema_number, name=product.name)
        out.add(item, RDF_TYPE, atmp("MedicinalProduct"))
        out.add(item, RDFS_LABEL, Literal(product.name))
        out.add(node, atmp("testsProduct"), item)
        if product.ema_number:
            out.add(item, atmp("emaProductNumber"), Literal(product.ema_number))
        if product.atc_code:
            out.add(item, atmp("atcCode"), Literal(product.atc_code))
        for number in product.mia_numbers:
            # Keyed on the number like the eudragmdp source's MIA, so the two meet.
            mia = iris.mia(number)
            out.add(mia, RDF_TYPE, atmp("ManufacturingAuthorisation"))
            out.add(mia, RDFS_LABEL, Literal(f"MIA {number}"))
            out.add(mia, atmp("miaNumber"), Literal(number))
            out.add(item, atmp("manufacturedUnderAuthorisation"), mia)
        if product.substance:
            substance = iris.keyed("substance", product.substance)
            out.add(substance, RDF_TYPE, atmp("ActiveSubstance"))
            out.add(substance, RDFS_LABEL, Literal(product.substance))
            out.add(item, atmp("hasActiveSubstance"), substance)
        if product.atmp:
            key = product.ema_number or product.name
            assertion = out.owned(
                iris.mint("classification", f"{iris.slug(key)}-ctis-{trial.ct_number}-atmp"),
                "ClassificationAssertion",
                None,
            )
            out.triples.extend(self_classification_triples(item, assertion, "ATMP", sponsor))
    flags = [p.atmp for p in tested]
    out.triples.extend(atmp_trial_triples(node, flags))
    if any(flags):
        out.add(node, atmp("declaredATMPClass"), atmp("ATMP"))


def _member_state_triples(out: _Out, trial: CtisTrial, node: NamedNode) -> None:
    for state in trial.member_states:
        country = iris.country(state.country)
        out.triples.extend(country_triples(state.country))
        out.add(node, atmp("conductedIn"), country)
        # Keyed on the EU CT number even for a transitioned trial: the Directive 2001/20/EC
        # authorisation in the same member state (EU CTR) is a different decision.
        auth = out.owned(
            iris.trial_authorisation(trial.ct_number, state.country),
            "ClinicalTrialAuthorisation",
            f"{trial.ct_number} in {state.country}",
        )
        out.add(node, atmp("hasTrialAuthorisation"), auth)
        out.add(auth, atmp("memberState"), country)
        out.add(auth, atmp("legalBasis"), iris.legal_act(celex=REGULATION_536_2014_CELEX))
        out.triples.extend(
            decision_triples(auth, country, state.decision, state.decision_date, state.authority)
        )
        for site in state.sites:
            out.add(node, atmp("hasTrialSite"), out.organisation(site))
    for code in trial.other_countries:
        out.triples.extend(country_triples(code))
        out.add(node, atmp("conductedIn"), iris.country(code))


SOURCE = CtisSource
