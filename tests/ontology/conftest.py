"""Shared fixtures of the ontology tests: fixture files and an in-memory store with the ontology."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_builder.namespaces import graph_iri
from graph_builder.store.embedded import OxigraphStore
from ontology.model import load_ontology_triples

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def store_with_ontology() -> OxigraphStore:
    store = OxigraphStore()
    store.replace_graph(graph_iri("ontology").value, load_ontology_triples())
    return store
