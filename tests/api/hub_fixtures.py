"""What the hub, named-query and web-page tests share: a store with the ontology and the
synthetic hub graph (tests/api/fixtures/hub.ttl) with its manufacturability assessments
materialised, and an app over it made by `create_app`.

The fixtures `hub_root` and `hub_client` themselves are in tests/api/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

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
