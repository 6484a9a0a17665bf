# ruff: noqa: F811
"""The `reference` source: golden graph on a tiny real fixture, bad rows, lenient quarantine and
the shipped data/reference files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from csv_source_helpers import (  # noqa: F401 (fixtures are used by name)
    collect,
    fixtures,
    golden,
    source_graph,
    write_csv,
)
from rdflib import Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from graph_builder.errors import InputError
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source

ATMP = Namespace("https://w3id.org/atmp-kg/ontology#")
SKYSONA = URIRef("https://w3id.org/atmp-kg/id/product/EMEA-H-C-003690")
PRODUCTS_HEADER = (
    "product_name,inn,ema_number,atmp_class,class_source,class_confidence,class_source_url,class_note,"
    "is_cart,cell_origin,holder,ma_type_at_grant,orphan_at_grant,prime_at_grant,atc_code,status,"
    "originator,parent_product,differs_in,source_url,source_note\n"
)
URL = "https://www.ema.europa.eu/en/medicines/human/EPAR/x"


def test_golden_graph(fixtures: Path) -> None:
    got = source_graph("reference", fixtures / "reference")
    expected = golden("reference")
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(f"extra: {sorted(only_got)[:5]} missing: {sorted(only_expected)[:5]}")


def test_product_carries_class_event_and_provenance(fixtures: Path) -> None:
    graph = source_graph("reference", fixtures / "reference")
    assert (SKYSONA, None, ATMP.GTMP) in graph
    ma = URIRef("https://w3id.org/atmp-kg/id/marketing-authorisation/EMEA-H-C-003690")
    assert (ma, ATMP.status, ATMP.Withdrawn) in graph
    event = URIRef("https://w3id.org/atmp-kg/id/event/EMEA-H-C-003690-withdrawal-2021-11-18")
    assert (ma, ATMP.hasEvent, event) in graph
    assert (event, ATMP.withdrawalReason, ATMP.CommercialReason) in graph
    step = URIRef("https://w3id.org/atmp-kg/id/step/EMEA-H-C-003690-1")
    assert (step, ATMP.isIllustrative, Literal(True)) in graph
    assert (SKYSONA, ATMP.isIllustrative, None) not in graph


def test_unverified_class_is_only_an_assertion(write_csv: Callable[[str, str], Path]) -> None:
    path = write_csv(
        "products.csv",
        PRODUCTS_HEADER
        + "Casgevy,,EMEA/H/C/005763,GTMP,CuratorClassification,unverified,"
        + f"{URL},,false,,,,,,,,,,,{URL},\n",
    )
    graph_nodes = source_graph("reference", path)
    product = URIRef("https://w3id.org/atmp-kg/id/product/EMEA-H-C-005763")
    assert (product, None, ATMP.GTMP) not in graph_nodes
    assert (product, ATMP.hasClassification, None) in graph_nodes


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (f"X,,EMEA/H/C/1,,,,,,false,,,,,,,,,,,{URL},", "ema_number", "not an allowed value"),
        (f"X,,,,,,,,maybe,,,,,,,,,,,{URL},", "is_cart", "not a boolean"),
        (f"X,,,,,,,,false,,,,,,,Gone,,,,{URL},", "status", "not an allowed value"),
        (f",,,,,,,,false,,,,,,,,,,,{URL},", "product_name", "required value is empty"),
    ],
)
def test_bad_cell_names_file_row_and_field(
    write_csv: Callable[[str, str], Path], row: str, field: str, message: str
) -> None:
    path = write_csv("products.csv", PRODUCTS_HEADER + row + "\n")
    source = get_source("reference")
    with pytest.raises(InputError) as info:
        list(source.read(path))
    err = info.value
    assert (err.source_id, err.file, err.record, err.field) == (
        "reference",
        str(path),
        "row 2",
        field,
    )
    assert message in str(err)


def test_bad_date_is_reported(write_csv: Callable[[str, str], Path]) -> None:
    path = write_csv(
        "authorisation_events.csv",
        "ema_number,event_type,date,withdrawal_reason,reason_text,from_holder,to_holder,source_url,source_note,confidence\n"
        f"EMEA/H/C/003690,Withdrawal,18/11/2021,,,,,{URL},,verified\n",
    )
    with pytest.raises(InputError, match="not a date") as info:
        list(get_source("reference").read(path))
    assert info.value.field == "date"


def test_missing_required_column_names_it(write_csv: Callable[[str, str], Path]) -> None:
    path = write_csv("capabilities.csv", "code,label,definition,broader,source_note\nx,X,d,,\n")
    with pytest.raises(InputError) as info:
        list(get_source("reference").read(path))
    assert (info.value.record, info.value.field) == ("header", "source_url")


def test_unknown_code_in_a_reference(fixtures: Path, tmp_path: Path) -> None:
    for name in ("capabilities.csv", "illustrative_processes.csv"):
        (tmp_path / name).write_text((fixtures / "reference" / name).read_text())
    bad = (
        (tmp_path / "illustrative_processes.csv")
        .read_text()
        .replace(",cryopreservation,", ",teleportation,")
    )
    (tmp_path / "illustrative_processes.csv").write_text(bad)
    with pytest.raises(InputError, match="unknown code 'teleportation'") as info:
        list(get_source("reference").read(tmp_path))
    assert (info.value.record, info.value.field) == ("row 2", "requires_capabilities")


def test_duplicate_key_and_lenient_quarantine(write_csv: Callable[[str, str], Path]) -> None:
    line = f"cryo,Cryo,def,,{URL},\n"
    path = write_csv(
        "capabilities.csv",
        "code,label,definition,broader,source_url,source_note\n"
        + line
        + line
        + f"fill,Fill,def,,{URL},\n",
    )
    errors: list[InputError] = []
    rows = list(get_source("reference").read(path, on_error=collect(errors)))
    assert [r.get("code") for r in rows] == ["cryo", "fill"]
    assert len(errors) == 1
    assert (errors[0].record, errors[0].field) == ("row 3", "code")
    assert "duplicate key cryo (first at row 2)" in str(errors[0])


def test_shipped_reference_data_loads() -> None:
    source = get_source("reference")
    inputs = source.default_inputs(resolve_data_dir(Settings()))
    assert inputs
    rows = [r for path in inputs for r in source.read(path)]
    tables = {r.table for r in rows}
    assert {
        "products",
        "authorisation_events",
        "legal_acts",
        "capabilities",
        "operations",
    } <= tables
    assert sum(1 for r in rows if r.table == "products" and r.get("ema_number")) == 30
    assert all(list(source.triples(r)) for r in rows)
