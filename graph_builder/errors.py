"""Domain exceptions. The API maps them to HTTP status codes in one place (api/errors.py);
the CLI prints their one-line message and exits non-zero."""

from __future__ import annotations

import re

# Characters that end or break a line (str.splitlines splits on all of these) or that a terminal
# would act on: escaped, so that an error message is always one line.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Longest part (message, file, record, field) an error message shows: a 50 kB cell or header must
# not become a 50 kB "one-line" error.
_PART_LIMIT = 400


def shown(value: str, limit: int = 60) -> str:
    """`value` quoted for an error message: cut to about `limit` characters, repr-escaped."""
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


def one_line(text: str, limit: int = _PART_LIMIT) -> str:
    """`text` with line breaks and control characters escaped, cut to `limit` characters."""
    escaped = _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


class AtmpKgError(Exception):
    """Base class of every error this project raises on purpose."""


class InputError(AtmpKgError):
    """A source file or record that cannot be read; names where the problem is.

    The attributes keep what they were given; the message shows each part on one line of bounded
    length, whatever the input held."""

    def __init__(
        self,
        message: str,
        *,
        source_id: str | None = None,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.source_id = source_id
        self.file = file
        self.record = record
        self.field = field
        self.reason = message
        parts = [
            f"source {one_line(source_id)}" if source_id else None,
            f"file {one_line(file)}" if file else None,
            f"record {one_line(record)}" if record else None,
            f"field {one_line(field)}" if field else None,
        ]
        where = ", ".join(p for p in parts if p)
        text = one_line(message)
        super().__init__(f"{where}: {text}" if where else text)


class StoreError(AtmpKgError):
    """The store could not do what was asked (I/O, lock, bad RDF)."""


class EndpointUnavailable(StoreError):
    """A remote SPARQL endpoint did not answer or refused the connection."""


class QuerySyntaxError(AtmpKgError):
    """A SPARQL query or update that does not parse."""


class QueryTimeout(AtmpKgError):
    """A query ran past its time limit and was stopped."""


class QueryRefused(AtmpKgError):
    """A query that is valid SPARQL but not allowed here (e.g. SERVICE, result too large)."""


class ParameterError(AtmpKgError):
    """A named-query or API parameter with a missing or invalid value."""


class NotFound(AtmpKgError):
    """An entity, graph, query or file that does not exist."""


class ValidationFailed(AtmpKgError):
    """A graph that breaks the SHACL shapes or a violation check; nothing was published."""

    def __init__(self, message: str, report: str = "") -> None:
        self.report = report
        super().__init__(message)
