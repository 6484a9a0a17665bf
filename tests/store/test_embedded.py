"""What only the embedded store does: pyoxigraph's update errors as domain errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from graph_builder.errors import NotFound, QueryRefused
from graph_builder.store import EmbeddedStore

EX = "http://test.atmp-kg.example/"


def test_an_update_on_a_graph_that_is_not_there(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graph(EX + "g", [Triple(NamedNode(EX + "s"), NamedNode(EX + "p"), Literal(1))])
    published = store.current
    with pytest.raises(NotFound, match="does not exist"):
        store.update(f"CLEAR GRAPH <{EX}missing>")
    with pytest.raises(QueryRefused, match="already exists"):
        store.update(f"CREATE GRAPH <{EX}g>")
    store.update(f"CLEAR SILENT GRAPH <{EX}missing>")  # SILENT asks for no error
    assert store.count() == 1
    assert store.current != published  # the SILENT update published; the failed ones did not
    assert len(list((tmp_path / "store" / "builds").iterdir())) == 2
