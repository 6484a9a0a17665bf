"""Errors of the ontology tooling that graph_builder.errors has no class for.

Inconsistency and timeouts reuse graph_builder.errors (ValidationFailed, QueryTimeout) so the API
and CLI map them like every other domain error; only a failure of the reasoner itself is new.
"""

from __future__ import annotations

from graph_builder.errors import AtmpKgError


class ReasonerError(AtmpKgError):
    """The reasoner could not run (no Java, a Java error, unreadable output).

    Not a modelling error: those raise graph_builder.errors.ValidationFailed."""
