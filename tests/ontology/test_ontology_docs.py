"""Generated docs: pyLODE HTML and the RDF/XML release."""

from __future__ import annotations

import logging
from pathlib import Path

import rdflib

from ontology.docs import build_docs
from ontology.model import ontology_graph


def test_docs_generate(tmp_path: Path) -> None:
    root_level = logging.getLogger().level
    index = build_docs(tmp_path / "docs")
    assert index == tmp_path / "docs" / "index.html"
    page = index.read_text(encoding="utf-8")
    for label in [
        "gene therapy medicinal product",
        "hospital exemption authorisation",
        "manufacturability assessment",
        "Closed enumerations",
        "CTO_0000203",
    ]:
        assert label in page, label
    release = rdflib.Graph().parse(tmp_path / "docs" / "atmp.rdf", format="xml")
    assert len(release) == len(ontology_graph(include_alignments=False))
    # Importing pyLODE must not reconfigure the application's logging.
    assert logging.getLogger().level == root_level
