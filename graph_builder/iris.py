"""The only place that mints instance IRIs (ADR 0001): `https://w3id.org/atmp-kg/id/<type>/<key>`.

Keys are public identifiers where one exists (EMA product number, EudraCT / EU CT / NCT number,
ISO country code, ...), otherwise a slug of the normalised name, so that the same thing read
from two sources gets the same IRI.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

from pyoxigraph import NamedNode

from graph_builder.countries import CODE_FIXES
from graph_builder.namespaces import ID

TYPES: Final = frozenset(
    {
        "product",
        "marketing-authorisation",
        "ma-application",
        "event",
        "classification",
        "trial",
        "trial-authorisation",
        "trial-result",
        "org",
        "site",
        "mia",
        "gmp-certificate",
        "clean-room",
        "equipment",
        "country",
        "disease",
        "substance",
        "material",
        "material-product",
        "process",
        "step",
        "network",
        "he-authorisation",
        "he-use-report",
        "legal-act",
        "capability",
        "operation",
        "pathway",
        "orphan-designation",
        "case-study",
        "assessment",
        "record",
        "source",
    }
)

EUDRACT_RE: Final = re.compile(r"^\d{4}-\d{6}-\d{2}$")
EUCT_RE: Final = re.compile(r"^\d{4}-5\d{5}-\d{2}-\d{2}$")
NCT_RE: Final = re.compile(r"^NCT\d{8}$")
EMA_NUMBER_RE: Final = re.compile(r"^EMEA/([HV])/C/(\d{6})$")
# Sector, year, type letter(s), number: 32001L0020 (Directive 2001/20/EC), 32014R0536.
CELEX_RE: Final = re.compile(r"^\d{5}[A-Z]{1,2}\d{4}$")
# Key suffix of a site whose city the sources do not give (`<org slug>-site`, ADR 0001).
SITE_WITHOUT_CITY: Final = "site"


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'Clínic de Barcelona' -> 'clinic-de-barcelona'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    if not words:
        raise ValueError(f"cannot make an IRI key from {text!r}")
    return "-".join(words)


def mint(type_segment: str, key: str) -> NamedNode:
    """The IRI of a thing of `type_segment` with the public `key` (already normalised)."""
    if type_segment not in TYPES:
        raise ValueError(f"unknown IRI type {type_segment!r}")
    if not key:
        raise ValueError(f"empty IRI key for type {type_segment!r}")
    return NamedNode(ID + type_segment + "/" + quote(key, safe="-._~/"))


def ema_key(product_number: str) -> str:
    """'EMEA/H/C/004090' -> 'EMEA-H-C-004090'."""
    m = EMA_NUMBER_RE.match(product_number.strip())
    if not m:
        raise ValueError(f"not an EMA product number: {product_number!r}")
    return f"EMEA-{m.group(1)}-C-{m.group(2)}"


def iso_country(code: str) -> str:
    code = code.strip().upper()
    code = CODE_FIXES.get(code, code)
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"not an ISO 3166-1 alpha-2 code: {code!r}")
    return code


def product(ema_number: str | None = None, name: str | None = None) -> NamedNode:
    if ema_number:
        return mint("product", ema_key(ema_number))
    if name:
        return mint("product", slug(name))
    raise ValueError("a product needs an EMA product number or a name")


def marketing_authorisation(ema_number: str) -> NamedNode:
    return mint("marketing-authorisation", ema_key(ema_number))


def ma_application(ema_number: str) -> NamedNode:
    return mint("ma-application", ema_key(ema_number))


def event(owner_key: str, event_type: str, date_iso: str) -> NamedNode:
    return mint("event", f"{owner_key}-{slug(event_type)}-{date_iso}")


def canonical_trial_id(
    eudract: str | None = None, euct: str | None = None, nct: str | None = None
) -> str:
    """The key a trial is minted under: EudraCT > EU CT > NCT (ADR 0001)."""
    for value in (eudract, euct, nct):
        if value:
            return value.strip()
    raise ValueError("a trial needs a EudraCT, EU CT or NCT number")


def trial(eudract: str | None = None, euct: str | None = None, nct: str | None = None) -> NamedNode:
    return mint("trial", canonical_trial_id(eudract, euct, nct))


def trial_authorisation(trial_key: str, country: str) -> NamedNode:
    return mint("trial-authorisation", f"{trial_key}-{iso_country(country)}")


def org(
    name: str | None = None, ror: str | None = None, oms_org_id: str | None = None
) -> NamedNode:
    if ror:
        return mint("org", "ror-" + slug(ror.rsplit("/", 1)[-1]))
    if oms_org_id:
        return mint("org", oms_org_id.strip().upper())
    if name:
        return mint("org", slug(normalise_org_name(name)))
    raise ValueError("an organisation needs a name, ROR id or OMS ORG id")


def normalise_org_name(name: str) -> str:
    """Fold case, punctuation and white space so that 'Novartis Europharm Ltd.' and
    'NOVARTIS EUROPHARM LTD' meet; the legal form stays (it tells entities apart)."""
    text = re.sub(r"[\s.,;:\"'()]+", " ", name).strip().lower()
    text = re.sub(r"\blimited\b", "ltd", text)
    return text


def country(code: str) -> NamedNode:
    return mint("country", iso_country(code))


def disease(mondo_id: str | None = None, name: str | None = None) -> NamedNode:
    if mondo_id:
        return mint("disease", mondo_id.replace(":", "_").upper())
    if name:
        return mint("disease", slug(name))
    raise ValueError("a disease needs a MONDO id or a name")


def site(
    oms_loc_id: str | None = None, org_name: str | None = None, city: str | None = None
) -> NamedNode:
    """OMS LOC id > `<org slug>-<city slug>` > `<org slug>-site`.

    The last form is for sources that name only the operating organisation (hospital-exemption
    authorisations name "NKI/AVL" or "Sanquin", never a city): one site per organisation, which
    identity resolution may later merge with a city-keyed site of the same organisation."""
    if oms_loc_id:
        return mint("site", oms_loc_id.strip().upper())
    if org_name:
        org_key = slug(normalise_org_name(org_name))
        return mint("site", f"{org_key}-{slug(city) if city else SITE_WITHOUT_CITY}")
    raise ValueError("a site needs an OMS LOC id or an organisation name")


def mia(number: str) -> NamedNode:
    """A manufacturing and import authorisation, keyed on a slug of its number."""
    return mint("mia", slug(number))


def gmp_certificate(number: str) -> NamedNode:
    return mint("gmp-certificate", slug(number))


def legal_act(celex: str | None = None, name: str | None = None) -> NamedNode:
    """An EU act keyed on its CELEX number (`32001L0020`, whichever source names it), else a
    national act on a slug of its reference (`es-rd-477-2014`). A `name` that is itself a CELEX
    number is keyed as one, so that a table keyed on either form meets the same node."""
    if celex:
        number = celex.strip().upper()
        if not CELEX_RE.match(number):
            raise ValueError(f"not a CELEX number: {celex!r}")
        return mint("legal-act", number)
    if name:
        if CELEX_RE.match(name.strip().upper()):
            return mint("legal-act", name.strip().upper())
        return mint("legal-act", slug(name))
    raise ValueError("a legal act needs a CELEX number or a name")


def keyed(type_segment: str, text: str) -> NamedNode:
    """IRI for the types keyed on a slug of free text (material, substance, orphan designation)."""
    return mint(type_segment, slug(text))


def record(source_id: str, record_key: str) -> NamedNode:
    return mint("record", f"{source_id}/{quote(record_key, safe='-._~')}")
