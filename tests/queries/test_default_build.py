"""Every named query runs on the default build (the curated data/ folder built by
graph_builder.build), and facilities_for_product answers there with explanations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph_builder.build import build
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.store import EmbeddedStore
from queries.catalogue import NamedQuery


@pytest.fixture(scope="session")
def default_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("default-build") / "store")
    build(store, data_dir=resolve_data_dir(Settings()))
    yield store
    store.close()


def test_every_query_runs_on_the_default_build(
    default_store: EmbeddedStore, catalogue: dict[str, NamedQuery]
) -> None:
    answered = 0
    for q in catalogue.values():
        required = {p.name for p in q.parameters if p.required}
        assert required <= set(q.example), f"{q.id}: the example must give {required}"
        with_example = q.run(default_store, q.example)
        minimal = q.run(default_store, {k: q.example[k] for k in required})
        assert with_example.variables == minimal.variables
        answered += bool(len(minimal))
    # Not every question has data yet (see queries/README.md), but most do.
    assert answered >= len(catalogue) // 2


def test_facilities_for_product_answers_with_explanations(
    default_store: EmbeddedStore, catalogue: dict[str, NamedQuery]
) -> None:
    q = catalogue["facilities_for_product"]
    materialised = q.run(default_store, q.example)
    live = q.run(default_store, {**q.example, "on": "today"})
    assert len(materialised) == len(live) > 0
    for row in [*materialised, *live]:
        assert row["explanation"].value
        if row["canManufacture"].value == "false":
            assert (
                any(
                    row[c].value
                    for c in ("missingCapabilities", "missingOperations", "missingMaterials")
                )
                or row["certificateValid"].value == "false"
            )
