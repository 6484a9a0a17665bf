"""What the API tests share beyond fixtures: a store with the ontology and the synthetic hub
graph (tests/api/fixtures/hub.ttl) with its manufacturability assessments materialised, the
settings of an app over it, and the loader of the small linked-data store
(tests/api/data/linked_data.trig).

The fixtures `hub_root` and `hub_client` themselves are in tests/api/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from api.deps import ApiSettings
from graph_builder import manufacturability
from graph_builder.namespaces import GRAPH
from graph_builder.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HUB_TTL = HERE / "fixtures" / "hub.ttl"
ONTOLOGY_TTL = REPO / "ontology" / "atmp.ttl"
LINKED_DATA = HERE / "data" / "linked_data.trig"

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


def load_trig(store: EmbeddedStore, path: Path) -> None:
    """Each graph of a TriG file into the store, as one published write."""
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=path, format=ox.RdfFormat.TRIG):
        assert isinstance(quad.graph_name, ox.NamedNode)
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    with store.writing() as writer:
        for graph, triples in graphs.items():
            writer.replace_graph(graph, triples)
