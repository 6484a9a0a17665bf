"""graph_builder.analytics on a small synthetic graph (fixture.ttl, whose header draws it); the
centralities were worked out by hand for that graph."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

import api.cli.query_commands  # noqa: F401  (registers the commands)
from api.cli.app import app
from graph_builder.analytics import ANALYSES, Cell, run_analysis
from graph_builder.errors import NotFound, ParameterError
from graph_builder.namespaces import GRAPH, ID
from graph_builder.store import EmbeddedStore

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    st = EmbeddedStore(tmp_path_factory.mktemp("analytics") / "store")
    st.load_file(HERE / "fixture.ttl", GRAPH + "reference")
    yield st
    st.close()


def short(rows: Sequence[Mapping[str, Cell]]) -> list[dict[str, Cell]]:
    return [
        {k: v.removeprefix(ID) if isinstance(v, str) else v for k, v in row.items()} for row in rows
    ]


def test_single_supplier_materials_and_the_products_exposed(store: EmbeddedStore) -> None:
    table = run_analysis(store, "single_supplier_materials")
    assert short(table.rows) == [
        {
            "material": "material/m3",
            "materialLabel": "M3",
            "suppliers": 0,
            "supplier": None,
            "productsExposed": 1,
            "products": "P2 (synthetic)",
        },
        {
            "material": "material/m1",
            "materialLabel": "M1",
            "suppliers": 1,
            "supplier": "Supplier 1",
            "productsExposed": 2,
            "products": "P1 (synthetic); P2 (synthetic)",
        },
    ]
    assert table.columns == list(table.rows[0])


def test_supplier_centrality(store: EmbeddedStore) -> None:
    # S1 lies on half the shortest paths of 6 pairs: 3 / ((7-1)(7-2)/2) = 0.2; S3 is a leaf.
    assert short(run_analysis(store, "supplier_centrality").rows) == [
        {
            "supplier": "org/s1",
            "supplierLabel": "Supplier 1",
            "materials": 2,
            "productsDependent": 2,
            "soleSupplierOf": 1,
            "betweenness": 0.2,
        },
        {
            "supplier": "org/s3",
            "supplierLabel": "Supplier 3",
            "materials": 1,
            "productsDependent": 1,
            "soleSupplierOf": 0,
            "betweenness": 0.0,
        },
    ]


def test_facility_centrality(store: EmbeddedStore) -> None:
    rows = short(run_analysis(store, "facility_centrality", {"on": "2026-01-01"}).rows)
    # X bridges C3 to the other 6 nodes: 6/21; Z carries half of 9 pairs: 4.5/21.
    assert rows == [
        {
            "site": "site/z",
            "siteLabel": "Site Z",
            "capabilities": 2,
            "productsItCanMake": 1,
            "betweenness": 0.214286,
            "degreeCentrality": 0.285714,
        },
        {
            "site": "site/x",
            "siteLabel": "Site X",
            "capabilities": 2,
            "productsItCanMake": 0,
            "betweenness": 0.285714,
            "degreeCentrality": 0.285714,
        },
        {
            "site": "site/y",
            "siteLabel": "Site Y",
            "capabilities": 1,
            "productsItCanMake": 0,
            "betweenness": 0.0,
            "degreeCentrality": 0.142857,
        },
    ]
    # After Z's certificate expires no site can make anything.
    later = run_analysis(store, "facility_centrality", {"on": "2031-01-01"}).rows
    assert {r["productsItCanMake"] for r in later} == {0}


def test_sponsor_network(store: EmbeddedStore) -> None:
    assert short(run_analysis(store, "sponsor_network").rows) == [
        {
            "sponsor": "org/a",
            "sponsorLabel": "Sponsor A",
            "partner": "org/b",
            "partnerLabel": "Sponsor B",
            "sharedTrials": 1,
            "sharedProducts": 0,
            "weight": 1,
            "component": 0,
        },
        {
            "sponsor": "org/a",
            "sponsorLabel": "Sponsor A",
            "partner": "org/c",
            "partnerLabel": "Sponsor C",
            "sharedTrials": 0,
            "sharedProducts": 1,
            "weight": 1,
            "component": 0,
        },
    ]


def test_explanation_path(store: EmbeddedStore) -> None:
    table = run_analysis(store, "explanation_path", {"product": "p1", "facility": "x"})
    assert [
        (r["step"], r["fromLabel"], r["predicate"], r["direction"], r["toLabel"])
        for r in table.rows
    ] == [
        (1, "P1 (synthetic)", "atmp:hasProcess", "->", "p1"),
        (2, "p1", "atmp:requiresCapability", "->", "C1"),
        (3, "C1", "atmp:hasCapability", "<-", "Site X"),
    ]


def test_bad_names_and_parameters(store: EmbeddedStore) -> None:
    with pytest.raises(NotFound, match="no analysis 'nope'"):
        run_analysis(store, "nope")
    with pytest.raises(ParameterError, match="parameter facility is required"):
        run_analysis(store, "explanation_path", {"product": "p1"})
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        run_analysis(store, "sponsor_network", {"colour": "red"})
    with pytest.raises(ParameterError, match="parameter on"):
        run_analysis(store, "facility_centrality", {"on": "next week"})
    with pytest.raises(ParameterError, match="parameter product"):
        run_analysis(store, "explanation_path", {"product": "https://a b", "facility": "x"})
    with pytest.raises(NotFound, match="has no links"):
        run_analysis(store, "explanation_path", {"product": "nothing", "facility": "x"})
    with pytest.raises(NotFound, match="nothing links"):  # trial t4 - sponsor D is an island
        run_analysis(store, "explanation_path", {"product": ID + "trial/t4", "facility": "x"})


def test_the_cli_runs_every_analysis(store: EmbeddedStore) -> None:
    runner = CliRunner()
    base = ["--store", str(store.root), "analyze"]
    listed = runner.invoke(app, [*base, "--list", "--format", "csv"])
    assert listed.exit_code == 0
    assert [r["name"] for r in csv.DictReader(io.StringIO(listed.stdout))] == list(ANALYSES)
    out = runner.invoke(app, [*base, "supplier_centrality", "--format", "csv"])
    assert out.exit_code == 0
    assert [r["supplierLabel"] for r in csv.DictReader(io.StringIO(out.stdout))] == [
        "Supplier 1",
        "Supplier 3",
    ]
    path = runner.invoke(
        app, [*base, "explanation_path", "-p", "product=p1", "-p", "facility=x", "-f", "json"]
    )
    assert path.exit_code == 0 and len(json.loads(path.stdout)["rows"]) == 3
    table = runner.invoke(app, [*base, "sponsor_network"])
    assert table.exit_code == 0 and "Sponsor B" in table.stdout
    bad = runner.invoke(app, [*base, "explanation_path", "-p", "product=p1"])
    assert bad.exit_code == 1 and "parameter facility is required" in bad.stderr
