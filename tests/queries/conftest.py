"""Fixtures of the named-query tests: the synthetic fixture graph (fixture.ttl) with the real
ontology, and its manufacturability assessments materialised for ASSESSED_ON, in an embedded
store; the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph_builder.manufacturability import materialise
from graph_builder.namespaces import GRAPH
from graph_builder.store import EmbeddedStore
from queries.catalogue import NamedQuery, load_catalogue

HERE = Path(__file__).parent
REPO = HERE.parent.parent
ASSESSED_ON = date(2026, 1, 1)


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("queries") / "store")
    with store.writing() as w:
        w.load_file(HERE / "fixture.ttl", GRAPH + "reference")
        w.load_file(REPO / "ontology" / "atmp.ttl", GRAPH + "ontology")
        materialise(w, on=ASSESSED_ON)
    yield store
    store.close()


@pytest.fixture(scope="session")
def catalogue() -> dict[str, NamedQuery]:
    return load_catalogue()
