"""The `eudragmdp` source (project CSV layout after the EU Union format; synthetic fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from source_graphs import ATMP, assert_same_graph, collect, golden, source_graph

from graph_builder.errors import InputError
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source

HEADER = (
    "doc_type,number,holder_name,site_name,site_city,site_country,issuing_authority,scope_type,"
    "operations,valid_from,valid_until,inspection_date,status,illustrative,source_url,source_note\n"
)
URL = "https://eudragmdp.ema.europa.eu/"


def test_golden_graph(fixtures: Path) -> None:
    assert_same_graph(source_graph("eudragmdp", fixtures / "eudragmdp"), golden("eudragmdp"))


def test_documents_and_capabilities_meet_on_one_site(fixtures: Path) -> None:
    graph = source_graph("eudragmdp", fixtures / "eudragmdp")
    site = URIRef("https://w3id.org/atmp-kg/id/site/synthetic-hospital-utrecht")
    cert = URIRef("https://w3id.org/atmp-kg/id/gmp-certificate/syn-gmp-1")
    assert (site, ATMP.hasGMPCertificate, cert) in graph
    assert (
        site,
        ATMP.hasCapability,
        URIRef("https://w3id.org/atmp-kg/id/capability/lv-transduction"),
    ) in graph
    assert (
        cert,
        ATMP.authorisedOperation,
        URIRef("https://w3id.org/atmp-kg/id/operation/1.3.1.4"),
    ) in graph
    assert (site, ATMP.isIllustrative, Literal(True)) in graph


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("GMPC,N1,H,S,C,NL,A,CommercialScope,1.3.x,,,,Authorised,true," + URL + ",", "operations"),
        ("GMPC,N1,H,S,C,NL,A,ImaginaryScope,1.3.1.4,,,,Authorised,true," + URL + ",", "scope_type"),
        (
            "GMPC,N1,H,S,C,NL,A,CommercialScope,1.3.1.4,2024-13-01,,,Authorised,true," + URL + ",",
            "valid_from",
        ),
    ],
)
def test_bad_cell(write_csv: Callable[[str, str], Path], row: str, field: str) -> None:
    path = write_csv("records.csv", HEADER + row + "\n")
    with pytest.raises(InputError) as info:
        list(get_source("eudragmdp").read(path))
    assert (info.value.file, info.value.record, info.value.field) == (str(path), "row 2", field)


def test_header_of_no_layout(write_csv: Callable[[str, str], Path]) -> None:
    path = write_csv("records.csv", HEADER.replace("scope_type,", "") + "\n")
    with pytest.raises(InputError, match="missing required column scope_type") as info:
        list(get_source("eudragmdp").read(path))
    assert info.value.field == "scope_type"


def test_lenient_keeps_good_rows(write_csv: Callable[[str, str], Path]) -> None:
    good = "MIA,N1,H,S,C,NL,A,CommercialScope,1.3.1.4,,,,Authorised,true," + URL + ","
    path = write_csv(
        "records.csv", HEADER + good + "\n" + good + "\n" + good.replace("N1", "N2") + "\n"
    )
    errors: list[InputError] = []
    rows = list(get_source("eudragmdp").read(path, on_error=collect(errors)))
    assert [r.get("number") for r in rows] == ["N1", "N2"]
    assert [(e.record, e.field) for e in errors] == [("row 3", "doc_type")]


def test_shipped_illustrative_files_load() -> None:
    source = get_source("eudragmdp")
    rows = [r for p in source.default_inputs(resolve_data_dir(Settings())) for r in source.read(p)]
    assert rows and all(r.get("illustrative") is True for r in rows)
    statuses = {r.get("status") for r in rows if r.table == "eudragmdp_documents"}
    assert "Expired" in statuses
