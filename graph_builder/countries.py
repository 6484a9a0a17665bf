"""Country names and codes as the registers write them -> ISO 3166-1 alpha-2, the key of
`country` IRIs (ADR 0001). One table for every source (EU CTR, CTIS, ClinicalTrials.gov, the
curated CSVs), so that the same country meets itself whichever register named it.

pycountry knows the ISO names, official names and codes. The tables below hold only what the
sources write that it does not: the EU's own codes for Greece and the United Kingdom, older or
informal names, and ClinicalTrials.gov's legacy spellings, which include retired codes
(ISO 3166-3: AN, CS) and Kosovo's user-assigned XK.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

# EU documents write Greece as EL and the UK as UK; ISO 3166-1 says GR and GB.
CODE_FIXES: Final[dict[str, str]] = {"EL": "GR", "UK": "GB"}

# Lower-cased names the registers use -> alpha-2, where pycountry has no such name.
NAME_FIXES: Final[dict[str, str]] = {
    # EU Clinical Trials Register and CTIS
    "turkey": "TR",
    "türkiye": "TR",
    "the netherlands": "NL",
    "republic of korea": "KR",
    "south korea": "KR",
    # ClinicalTrials.gov
    "macedonia, the former yugoslav republic of": "MK",
    "palestinian territory, occupied": "PS",
    "libyan arab jamahiriya": "LY",
    "virgin islands (u.s.)": "VI",
    "kosovo": "XK",
    "netherlands antilles": "AN",
    "former serbia and montenegro": "CS",
}

# Codes that pycountry does not list as current alpha-2 but that the tables above produce.
_EXTRA_CODES: Final = frozenset({"XK", "AN", "CS"})
_ALPHA_2: Final = re.compile(r"[A-Z]{2}")


def country_code(name_or_code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country name or code ('Czechia', 'the Netherlands',
    'UK', 'EL', 'es'), or None when it names no country ('3rd', 'Outside EU/EEA', 'Atlantis')."""
    text = re.sub(r"\s+", " ", name_or_code).strip()
    if not text:
        return None
    upper = text.upper()
    if upper in CODE_FIXES:
        return CODE_FIXES[upper]
    if upper in _EXTRA_CODES:
        return upper
    fixed = NAME_FIXES.get(text.lower())
    if fixed is not None:
        return fixed
    return _iso_lookup(text)


@cache
def _iso_lookup(text: str) -> str | None:
    import pycountry  # loaded on first use: most imports of this module never need its tables

    try:
        code = pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None
    return code if isinstance(code, str) and _ALPHA_2.fullmatch(code) else None
