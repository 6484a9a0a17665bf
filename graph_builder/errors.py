"""Domain exceptions. The API maps them to HTTP status codes in one place (api/errors.py);
the CLI prints their one-line message and exits non-zero."""

from __future__ import annotations


class AtmpKgError(Exception):
    """Base class of every error this project raises on purpose."""


class InputError(AtmpKgError):
    """A source file or record that cannot be read; names where the problem is."""

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
            f"source {source_id}" if source_id else None,
            f"file {file}" if file else None,
            f"record {record}" if record else None,
            f"field {field}" if field else None,
        ]
        where = ", ".join(p for p in parts if p)
        super().__init__(f"{where}: {message}" if where else message)


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
