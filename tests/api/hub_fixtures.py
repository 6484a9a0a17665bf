"""Fixtures of the hub, named-query and web-page tests: a store with the ontology and the
synthetic hub graph (tests/api/fixtures/hub.ttl) with its manufacturability assessments
materialised, and an app over it made by `create_app`.

Imported by the test modules that use them (not a conftest, so that it stays beside the API
fixtures of tests/api/conftest.py without touching them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import ApiSettings
from graph_builder import manufacturability
from graph_builder.namespaces import GRAPH
from graph_builder.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HUB_TTL = HERE / "fixtures" / "hub.ttl"
ONTOLOGY_TTL = REPO / "ontology" / "atmp.ttl"

SYNTHOCEL = "EMEA-H-C-999901"
EXEMPLAGENE = "EMEA-H-C-999902"
NORTHFIELD = "northfield-biologics-gmbh-munich"
EXEMPLAR = "hospital-universitari-exemplar-barcelona"
LOWLANDS = "lowlands-cell-factory-b-v-leiden"


def build_hub_store(folder: Path) -> None:
    """The ontology and the hub graph in their own named graphs, plus the assessments the build
    would materialise, published as one write."""
    store = EmbeddedStore(folder)
    with store.writing() as writer:
        writer.load_file(ONTOLOGY_TTL, GRAPH + "ontology")
        writer.load_file(HUB_TTL, GRAPH + "reference")
        manufacturability.materialise(writer)
    store.close()


def hub_settings(root: Path) -> ApiSettings:
    return ApiSettings(
        store=root / "store",
        cache_dir=root / "cache",
        endpoint=None,
        update_token=None,
        query_timeout=20.0,
        result_limit=20_000,
    )


# Defined under other names than the fixtures they provide, so that a test module imports them
# without its test arguments shadowing the import.
@pytest.fixture(scope="module", name="hub_root")
def hub_root_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hub")
    build_hub_store(root / "store")
    return root


@pytest.fixture(scope="module", name="hub_client")
def hub_client_fixture(hub_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(hub_settings(hub_root))) as client:
        yield client
