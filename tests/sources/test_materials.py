"""The `materials` source (raw-material catalogue layout; synthetic fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import URIRef
from source_graphs import ATMP, assert_same_graph, collect, golden, source_graph

from graph_builder.errors import InputError
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source

ID = "https://w3id.org/atmp-kg/id/"


def test_golden_graph(fixtures: Path) -> None:
    assert_same_graph(source_graph("materials", fixtures / "materials"), golden("materials"))


def test_grade_supplier_and_equivalent(fixtures: Path) -> None:
    graph = source_graph("materials", fixtures / "materials")
    a = URIRef(ID + "material-product/synthetic-supplier-a-a-1")
    assert (a, ATMP.grade, ATMP.GMPGrade) in graph
    assert (a, ATMP.isProductOf, URIRef(ID + "material/interleukin-2")) in graph
    assert (
        a,
        ATMP.equivalentMaterial,
        URIRef(ID + "material-product/synthetic-supplier-b-b-1"),
    ) in graph
    assert (a, ATMP.suppliedBy, URIRef(ID + "org/synthetic-supplier-a")) in graph


def test_unknown_equivalent_and_bad_grade(
    fixtures: Path, write_csv: Callable[[str, str], Path]
) -> None:
    text = (fixtures / "materials" / "synthetic_catalogue.csv").read_text()
    bad = text.replace("synthetic-supplier-b-b-1", "nobody-x-9").replace(
        ",ResearchUseOnly,", ",Premium,"
    )
    path = write_csv("catalogue.csv", bad)
    errors: list[InputError] = []
    rows = list(get_source("materials").read(path, on_error=collect(errors)))
    assert rows == []
    assert sorted((e.record, e.field) for e in errors) == [
        ("row 2", "equivalent_to"),
        ("row 3", "grade"),
    ]
    assert all(e.file == str(path) and e.source_id == "materials" for e in errors)


def test_missing_column(write_csv: Callable[[str, str], Path]) -> None:
    path = write_csv(
        "catalogue.csv", "supplier_name,catalogue_number,product_name,illustrative,source_url\n"
    )
    with pytest.raises(InputError) as info:
        list(get_source("materials").read(path))
    assert (info.value.record, info.value.field) == ("header", "material_id")


def test_shipped_catalogue_has_single_and_multi_supplier_materials() -> None:
    source = get_source("materials")
    rows = [r for p in source.default_inputs(resolve_data_dir(Settings())) for r in source.read(p)]
    gmp = {}
    for r in rows:
        assert r.get("illustrative") is True
        if r.get("grade") == "GMPGrade":
            gmp.setdefault(r.get("material_id"), set()).add(r.get("supplier_name"))
    assert len(gmp["interleukin-2"]) == 1
    assert len(gmp["anti-cd3-cd28-activation-reagent"]) == 2
