"""The meta graph (PROV-O per source, VoID per graph) and the `atmp-kg build` / `validate`
commands."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import api.cli.build_commands  # noqa: F401  (registers the commands on the app)
from api.cli.app import app
from graph_builder.build import build
from graph_builder.namespaces import GRAPH, sparql_prologue
from graph_builder.store import EmbeddedStore, SelectResult

ID = "https://w3id.org/atmp-kg/id/"
BAD_DATE = Path(__file__).resolve().parents[1] / "sources" / "fixtures" / "ema" / "bad_date.xlsx"


def select(store: EmbeddedStore, query: str) -> list[dict[str, str]]:
    result = store.query(sparql_prologue() + query)
    assert isinstance(result, SelectResult)
    return [{k: v.value for k, v in row.items()} for row in result]


def test_meta_graph_describes_each_source_run(
    embedded_store: EmbeddedStore, reference_data: Path, ema_fixture: Path
) -> None:
    build(embedded_store, {"ema": [ema_fixture]}, data_dir=reference_data)
    [run] = select(
        embedded_store,
        f"""SELECT ?read ?mapped ?skipped ?rejected ?start ?end ?version WHERE {{
          GRAPH <{GRAPH}meta> {{
            <{ID}source/ema/run> a prov:Activity ; atmp:recordsRead ?read ;
              atmp:recordsMapped ?mapped ; atmp:recordsSkipped ?skipped ;
              atmp:recordsRejected ?rejected ; prov:startedAtTime ?start ;
              prov:endedAtTime ?end ; prov:wasAssociatedWith ?tool ;
              prov:generated <{GRAPH}ema> .
            ?tool schema:softwareVersion ?version }} }}""",
    )
    # 7 rows: 5 ATMPs (Aucatzyl by the mis-flag list), a human and a veterinary non-ATMP.
    assert (run["read"], run["mapped"], run["skipped"], run["rejected"]) == ("7", "5", "2", "0")
    assert run["start"] <= run["end"] and run["version"]
    [file] = select(
        embedded_store,
        f"""SELECT ?title ?size ?sha WHERE {{ GRAPH <{GRAPH}meta> {{
          <{ID}source/ema/run> prov:used ?f .
          <{GRAPH}ema> prov:wasDerivedFrom ?f ; dct:license ?license .
          ?f dct:title ?title ; dcat:byteSize ?size ;
             <http://spdx.org/rdf/terms#checksum>/<http://spdx.org/rdf/terms#checksumValue> ?sha
        }} }}""",
    )
    data = ema_fixture.read_bytes()
    assert file == {
        "title": ema_fixture.name,
        "size": str(len(data)),
        "sha": hashlib.sha256(data).hexdigest(),
    }


def test_void_statistics_match_the_graphs(
    embedded_store: EmbeddedStore, reference_data: Path, ema_fixture: Path
) -> None:
    report = build(embedded_store, {"ema": [ema_fixture]}, data_dir=reference_data)
    for graph in (GRAPH + "ema", GRAPH + "reference", GRAPH + "inferred", GRAPH + "ontology"):
        [row] = select(
            embedded_store,
            f"SELECT ?n WHERE {{ GRAPH <{GRAPH}meta> {{ <{graph}> void:triples ?n }} }}",
        )
        assert int(row["n"]) == report.graphs[graph] == embedded_store.count(graph)
    [products] = select(
        embedded_store,
        f"""SELECT ?n WHERE {{ GRAPH <{GRAPH}meta> {{ <{GRAPH}ema> void:classPartition ?part .
              ?part void:class atmp:MedicinalProduct ; void:entities ?n }} }}""",
    )
    assert products["n"] == "5"
    # A rebuild replaces the statistics rather than adding a second set.
    build(embedded_store, {"ema": [ema_fixture]}, data_dir=reference_data)
    counts = select(
        embedded_store,
        f"SELECT ?n WHERE {{ GRAPH <{GRAPH}meta> {{ <{GRAPH}ema> void:triples ?n }} }}",
    )
    assert len(counts) == 1


@pytest.fixture
def cli_env(tmp_path: Path, reference_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATMP_KG_DATA_DIR", str(reference_data))
    return tmp_path / "store"


def test_cli_build_validate_and_bad_input(cli_env: Path, ctgov_fixture: Path) -> None:
    runner = CliRunner()
    store = str(cli_env)
    result = runner.invoke(app, ["--store", store, "build", "--source", f"ctgov={ctgov_fixture}"])
    assert result.exit_code == 0, result.output
    assert "ctgov: 1 records read, 1 mapped" in result.output
    assert "valid: SHACL" in result.output
    result = runner.invoke(app, ["--store", store, "validate"])
    assert result.exit_code == 0 and "valid" in result.output

    result = runner.invoke(app, ["--store", store, "build", "--source", f"ema={BAD_DATE}"])
    assert result.exit_code == 1
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert "record row 11, field Marketing authorisation date" in " ".join(result.output.split())

    result = runner.invoke(app, ["--store", store, "build", "--source", "ctgov"])
    assert result.exit_code == 1 and "expected ID=PATH" in result.output


def test_cli_lenient_build_writes_the_report(cli_env: Path, tmp_path: Path) -> None:
    report = tmp_path / "quarantine.json"
    result = CliRunner().invoke(
        app,
        [
            "--store", str(cli_env), "build", "--source", f"ema={BAD_DATE}",
            "--lenient", "--report", str(report),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert report.exists() and "1 rejected" in result.output
