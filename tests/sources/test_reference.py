"""The `reference` source: golden graph on a tiny real fixture, bad rows, lenient quarantine and
the shipped data/reference files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from source_graphs import ATMP, assert_same_graph, collect, golden, source_graph

from graph_builder import iris
from graph_builder.errors import InputError
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source

SKYSONA = URIRef("https://w3id.org/atmp-kg/id/product/EMEA-H-C-003690")
PRODUCTS_HEADER = (
    "product_name,inn,ema_number,atmp_class,class_source,class_confidence,class_source_url,class_note,"
    "is_cart,cell_origin,holder,ma_type_at_grant,orphan_at_grant,prime_at_grant,atc_code,status,"
    "originator,parent_product,differs_in,source_url,source_note\n"
)
URL = "https://www.ema.europa.eu/en/medicines/human/EPAR/x"


def test_golden_graph(fixtures: Path) -> None:
    assert_same_graph(source_graph("reference", fixtures / "reference"), golden("reference"))


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


def test_transfer_names_previous_and_new_holder(write_csv: Callable[[str, str], Path]) -> None:
    path = write_csv(
        "authorisation_events.csv",
        "ema_number,event_type,date,withdrawal_reason,reason_text,from_holder,to_holder,source_url,source_note,confidence\n"
        "EMEA/H/C/003854,Transfer,2023-07-17,,Transfer approved by the European Commission.,"
        f"Orchard Therapeutics,Fondazione Telethon ETS,{URL},,verified\n",
    )
    graph = source_graph("reference", path)
    event = URIRef("https://w3id.org/atmp-kg/id/event/EMEA-H-C-003854-transfer-2023-07-17")
    org = "https://w3id.org/atmp-kg/id/org/"
    assert graph.value(event, ATMP.previousHolder) == URIRef(org + "orchard-therapeutics")
    assert graph.value(event, ATMP.newHolder) == URIRef(org + "fondazione-telethon-ets")
    assert graph.value(event, ATMP.eventType) == ATMP.Transfer
    # the reason as worded in the source, nothing composed around it
    assert graph.value(event, ATMP.reasonText) == Literal(
        "Transfer approved by the European Commission."
    )


LEGAL_ACTS_HEADER = (
    "act_id,title,short_name,act_type,jurisdiction,celex,url,governs_pathways,source_url,"
    "source_note,confidence\n"
)


def act_row(leading_cells: str) -> str:
    """A legal_acts row: the cells up to celex, then url, no pathways, source, verified."""
    return f"{leading_cells},{URL},,{URL},,verified\n"


def test_legal_acts_meet_the_registers_on_the_celex_number(
    write_csv: Callable[[str, str], Path],
) -> None:
    from graph_builder.sources.ctis import REGULATION_536_2014_CELEX
    from graph_builder.sources.euctr import DIRECTIVE_2001_20_CELEX

    rows = [
        "32001L0020,Directive 2001/20/EC,Dir. 2001/20/EC,directive,EU,32001L0020",
        "32014R0536,Regulation (EU) No 536/2014,CTR,regulation,EU,32014R0536",
        "es-rd-477-2014,Real Decreto 477/2014,ES RD 477/2014,national-act,ES,",
    ]
    path = write_csv("legal_acts.csv", LEGAL_ACTS_HEADER + "".join(map(act_row, rows)))
    graph = source_graph("reference", path)
    acts = set(graph.subjects(None, ATMP.LegalAct))
    # the IRIs the EU CTR and CTIS sources give as atmp:legalBasis of a trial authorisation
    registers = {
        iris.legal_act(celex=c) for c in (DIRECTIVE_2001_20_CELEX, REGULATION_536_2014_CELEX)
    }
    assert {URIRef(a.value) for a in registers} <= acts
    assert URIRef("https://w3id.org/atmp-kg/id/legal-act/32001L0020") in acts
    assert URIRef("https://w3id.org/atmp-kg/id/legal-act/es-rd-477-2014") in acts
    # a table that cites an act by a CELEX number in any case meets the same node
    assert iris.legal_act(name="32001l0020") == iris.legal_act(celex="32001L0020")
    with pytest.raises(ValueError, match="not a CELEX number"):
        iris.legal_act(celex="Directive 2001/20/EC")


def test_act_with_a_celex_number_is_keyed_on_it(write_csv: Callable[[str, str], Path]) -> None:
    row = act_row("dir-2001-20,Directive 2001/20/EC,Dir. 2001/20/EC,directive,EU,32001L0020")
    path = write_csv("legal_acts.csv", LEGAL_ACTS_HEADER + row)
    source = get_source("reference")
    (record,) = list(source.read(path))
    with pytest.raises(InputError, match="act_id must be '32001L0020'") as info:
        list(source.triples(record))
    assert (info.value.record, info.value.field) == ("row 2", "act_id")


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
