"""Typed RDF literals, built one way everywhere (ADR 0001: dates `xsd:date`, month-precision
dates `xsd:gYearMonth`, counts `xsd:integer`, flags `xsd:boolean`)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final

from pyoxigraph import Literal

from graph_builder.namespaces import xsd

TRUE: Final = Literal("true", datatype=xsd("boolean"))
FALSE: Final = Literal("false", datatype=xsd("boolean"))
_FULL_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def boolean_literal(value: bool) -> Literal:
    return TRUE if value else FALSE


def integer_literal(value: int) -> Literal:
    return Literal(str(value), datatype=xsd("integer"))


def date_literal(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=xsd("date"))


def datetime_literal(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=xsd("dateTime"))


def partial_date_literal(text: str) -> Literal:
    """yyyy-mm-dd as xsd:date; yyyy-mm (the day is not public, and never guessed) as
    xsd:gYearMonth."""
    if _FULL_DATE.match(text):
        return Literal(text, datatype=xsd("date"))
    return Literal(text, datatype=xsd("gYearMonth"))


def text_literal(text: str, lang: str | None = None) -> Literal:
    """A plain string, or a language-tagged one when `lang` is given."""
    return Literal(text, language=lang) if lang else Literal(text)
