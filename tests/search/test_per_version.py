"""graph_builder.per_version: a value per published store version, derived once, replaced when
a new version is published, never kept across a publication."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.deps import GuardedStore
from graph_builder.namespaces import GRAPH
from graph_builder.per_version import PerVersion, published_version
from graph_builder.sparql import select
from graph_builder.store import EmbeddedStore, OxigraphStore, Store
from graph_builder.store.guarded import DirectExecutor

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    st = EmbeddedStore(tmp_path / "store")
    add(st, 1)
    yield st
    st.close()


def add(store: Store, i: int) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{GRAPH}test> {{ <urn:x:{i}> <urn:p> {i} }} }}")


def size(store: Store) -> int:
    return int(select(store, COUNT).rows[0]["n"].value)


class Counted:
    """A derive function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, store: Store) -> int:
        with self._lock:
            self.calls += 1
        return size(store)


def test_versions_are_the_published_folders(store: EmbeddedStore) -> None:
    first = published_version(store)
    assert first is not None and first.build == store.current and first.store == store.root
    # The API's GuardedStore reads the same folder through its executor.
    assert published_version(GuardedStore(store, DirectExecutor(store))) == first
    add(store, 2)
    assert published_version(store) not in (None, first)
    assert published_version(OxigraphStore()) is None
    assert published_version(EmbeddedStore(store.root.parent / "empty")) is None


def test_a_value_is_derived_once_per_version(store: EmbeddedStore) -> None:
    derive = Counted()
    sizes = PerVersion(derive)
    assert [sizes.read(store, lambda n: n) for _ in range(3)] == [1, 1, 1]
    assert derive.calls == 1
    add(store, 2)
    assert sizes.read(store, lambda n: n) == 2
    assert derive.calls == 2


def test_stores_without_versions_get_none() -> None:
    derive = Counted()
    assert PerVersion(derive).read(OxigraphStore(), lambda n: n) is None
    assert derive.calls == 0


def test_concurrent_readers_share_one_derivation(store: EmbeddedStore) -> None:
    started = threading.Event()

    def slow(st: Store) -> int:
        started.wait(5)
        return derive(st)

    derive = Counted()
    sizes = PerVersion(slow)
    answers: list[int | None] = []
    threads = [
        threading.Thread(target=lambda: answers.append(sizes.read(store, lambda n: n)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    started.set()
    for t in threads:
        t.join()
    assert answers == [1] * 8
    assert derive.calls == 1


def test_a_publication_while_deriving_is_never_served_stale(store: EmbeddedStore) -> None:
    def publish_meanwhile(st: Store) -> int:
        n = size(st)
        if n == 1:
            add(store, 2)  # the value just read belongs to a version that is no longer current
        return n

    sizes = PerVersion(publish_meanwhile)
    assert sizes.read(store, lambda n: n) == 2
    assert sizes.read(store, lambda n: n) == 2


def test_a_publication_while_using_runs_the_use_again(store: EmbeddedStore) -> None:
    sizes = PerVersion(size)
    seen: list[tuple[int, int]] = []

    def use(n: int) -> tuple[int, int]:
        answer = (n, size(store))
        seen.append(answer)
        if len(seen) == 1:
            add(store, 2)
        return answer

    assert sizes.read(store, use) == (2, 2)
    assert seen == [(1, 1), (2, 2)]
