"""Store backends behind one protocol: embedded Oxigraph (default) or a remote SPARQL endpoint."""

from __future__ import annotations

from graph_builder.settings import Settings
from graph_builder.store.base import QueryResult, SelectResult, Store, Term
from graph_builder.store.embedded import EmbeddedStore, OxigraphStore

__all__ = [
    "EmbeddedStore",
    "OxigraphStore",
    "QueryResult",
    "SelectResult",
    "Store",
    "Term",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings select: `endpoint` set -> remote, else the embedded folder."""
    if settings.endpoint:
        from graph_builder.store.remote import SparqlEndpointStore

        return SparqlEndpointStore.from_settings(settings)
    return EmbeddedStore(settings.store)
