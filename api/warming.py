"""Derive what the API keeps per published store version as soon as a version is published.

The hub's label index and the manufacturability facts are worked out once per version
(graph_builder.per_version); left to the first request after a publication, that request would
wait for it (≈ 2.6 s for the label index at 1M triples, ≈ 28 s at 10M). A daemon thread watches
the published version instead and derives both in this process, reading the embedded store
directly: no query worker round trip and no query timeout, since the queries are the API's own.
Requests that come before it is done wait for the same derivation, never start a second one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Final

from api.routers import hub_search
from graph_builder import manufacturability
from graph_builder.errors import AtmpKgError
from graph_builder.per_version import Version, published_version
from graph_builder.store.base import Store
from graph_builder.store.embedded import EmbeddedStore

log = logging.getLogger(__name__)

# How often the thread looks at the published version (a readlink; cheap).
POLL_SECONDS: Final = 2.0
DERIVED: Final[Sequence[Callable[[Store], bool]]] = (hub_search.warm, manufacturability.warm)


class Warmer:
    """A thread that derives every per-version value of `store` after each publication."""

    def __init__(self, store: Store, poll_seconds: float = POLL_SECONDS) -> None:
        self._store = store
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atmp-kg-warmer", daemon=True)

    def start(self) -> None:
        # Only the embedded store publishes versions; a remote endpoint's answers are not kept.
        if isinstance(self._store, EmbeddedStore):
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._poll + 1)

    def _run(self) -> None:
        seen: Version | None = None
        while not self._stop.is_set():
            version = published_version(self._store)
            if version is not None and version != seen:
                for derive in DERIVED:
                    if self._stop.is_set():
                        return
                    try:
                        derive(self._store)
                    except AtmpKgError as exc:  # the request path will derive it, or say why
                        log.warning("could not prepare %s: %s", derive.__module__, exc)
                seen = version
            self._stop.wait(self._poll)
