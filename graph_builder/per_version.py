"""Values derived from one published version of a store (a label index, the manufacturability
facts), worked out once per version and shared by every request that reads that version.

The embedded store publishes every write as a new folder and repoints `current` to it
(graph_builder.store.embedded); that folder is the version. A value is derived from the version
published when it is asked for, replaced as soon as another one is published, and never kept
when a publication happened while it was being derived. Stores without published versions (a
build's writer, an in-memory store, a remote endpoint) get no cached value: callers answer
from the store directly.

    labels = PerVersion(build_label_index)           # derive(store) -> value, run once per version
    answer = labels.read(store, lambda index: ...)   # None: the store has no versions

`read` is safe to call from many threads at once; a version's value is derived by one of them
while the others wait for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Generic, Protocol, TypeVar, runtime_checkable

from graph_builder.store.base import Store
from graph_builder.store.embedded import EmbeddedStore

T = TypeVar("T")
R = TypeVar("R")

# Store folders whose latest value is kept (a server has one; tests and benchmarks a few).
_MAX_STORES: Final = 8


@dataclass(frozen=True)
class Version:
    """A published version: the store folder and the build folder `current` points to."""

    store: Path
    build: Path


@runtime_checkable
class Wrapper(Protocol):
    """A store that runs its reads elsewhere but names the backend it reads (the API's
    GuardedStore: reads in worker processes that open the same folder's published version)."""

    @property
    def store(self) -> Store: ...


def published_version(store: Store) -> Version | None:
    """The version `store` answers from now; None when it has no published versions."""
    if isinstance(store, EmbeddedStore):
        build = store.current
        return None if build is None else Version(store.root, build)
    if isinstance(store, Wrapper):
        return published_version(store.store)
    return None


class PerVersion(Generic[T]):
    """The value `derive(store)` of the current version of each store folder."""

    def __init__(self, derive: Callable[[Store], T]) -> None:
        self._derive = derive
        self._lock = threading.Lock()
        self._values: dict[Path, tuple[Version, T]] = {}
        self._deriving: dict[Version, threading.Lock] = {}

    def read(self, store: Store, use: Callable[[T], R]) -> R | None:
        """`use(value)` for the version published now, or None when the store has none. When a
        version is published while `use` runs (it may query the store too), it runs again on the
        new version, so an answer never mixes two versions."""
        while True:
            version = published_version(store)
            if version is None:
                return None
            answer = use(self._value(store, version))
            if published_version(store) == version:
                return answer

    def warm(self, store: Store) -> bool:
        """Derive the value of the version published now unless it is kept already (a
        background thread calls this after a publication, so no request waits for it); False
        when the store has no versions."""
        return self.read(store, lambda value: True) is not None

    def ready(self, store: Store) -> bool:
        """Whether the value of the version published now is kept (nothing is derived)."""
        version = published_version(store)
        with self._lock:
            kept = None if version is None else self._values.get(version.store)
        return kept is not None and kept[0] == version

    def _value(self, store: Store, version: Version) -> T:
        with self._lock:
            kept = self._values.get(version.store)
            if kept is not None and kept[0] == version:
                return kept[1]
            deriving = self._deriving.setdefault(version, threading.Lock())
        with deriving:
            with self._lock:
                kept = self._values.get(version.store)
                if kept is not None and kept[0] == version:
                    return kept[1]
            value = self._derive(store)
            with self._lock:
                self._deriving.pop(version, None)
                # Kept only if nothing was published meanwhile: otherwise it may be (partly)
                # the next version's, and `read` derives again.
                if published_version(store) == version:
                    self._values.pop(version.store, None)
                    self._values[version.store] = (version, value)
                    while len(self._values) > _MAX_STORES:
                        del self._values[next(iter(self._values))]
        return value
