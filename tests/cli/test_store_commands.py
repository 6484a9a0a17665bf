"""The store commands of atmp-kg: load, sparql, stats, export — through typer's CliRunner on the
app, and once as a real `python -m api.cli` process. A failure is one line on stderr, a non-zero
exit code and no change to the store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from io import BytesIO
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner, Result

import api.cli.store_commands  # noqa: F401  (registers the commands on the app)
from api.cli.app import app
from graph_builder.store import EmbeddedStore
from graph_builder.store.remote import SparqlEndpointStore

REPO = Path(__file__).resolve().parents[2]
EX = "http://test.atmp-kg.example/"
GRAPH = EX + "graph/products"
PRODUCTS = f"""@prefix ex: <{EX}> .
ex:kymriah ex:name "Kymriah" ; ex:inn "tisagenlecleucel"@en .
ex:zolgensma ex:name "Zolgensma®" .
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def one_line_error(result: Result) -> str:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


def dump(store_dir: Path) -> bytes:
    out = BytesIO()
    EmbeddedStore(store_dir).export(out, "nq")
    return out.getvalue()


@pytest.fixture
def products(tmp_path: Path) -> Path:
    path = tmp_path / "products.ttl"
    path.write_text(PRODUCTS, encoding="utf-8")
    return path


@pytest.fixture
def store_dir(tmp_path: Path, products: Path) -> Path:
    store_dir = tmp_path / "store"
    result = run("load", str(products), "--graph", GRAPH, "--store", str(store_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"loaded 3 triples from {products} into <{GRAPH}>"
    return store_dir


def test_stats(store_dir: Path) -> None:
    result = run("stats", "--store", str(store_dir))
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "│" in line]
    assert [cell.strip() for cell in rows[0].split("│")[1:3]] == [GRAPH, "3"]
    assert [cell.strip() for cell in rows[-1].split("│")[1:3]] == ["total", "3"]


def test_sparql_formats(store_dir: Path) -> None:
    query = f"SELECT ?s ?name WHERE {{ ?s <{EX}name> ?name }} ORDER BY ?name"
    as_json = run("sparql", query, "--format", "json", "--store", str(store_dir))
    assert as_json.exit_code == 0, as_json.output
    bindings = json.loads(as_json.stdout)["results"]["bindings"]
    assert [b["name"]["value"] for b in bindings] == ["Kymriah", "Zolgensma®"]

    as_csv = run("sparql", query, "--format", "csv", "--store", str(store_dir))
    assert as_csv.stdout.splitlines() == [
        "s,name",
        f"{EX}kymriah,Kymriah",
        f"{EX}zolgensma,Zolgensma®",
    ]

    table = run("sparql", query, "--store", str(store_dir))
    assert "Zolgensma®" in table.stdout and f"{EX}kymriah" in table.stdout

    markup = run(
        "sparql", 'SELECT ?x WHERE { BIND("[/b] [bold]x" AS ?x) }', "--store", str(store_dir)
    )
    assert "[/b] [bold]x" in markup.stdout  # data is shown as it is, not as rich markup

    ask = run("sparql", f"ASK {{ <{EX}kymriah> ?p ?o }}", "--store", str(store_dir))
    assert ask.stdout.strip() == "true"

    construct = run(
        "sparql",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{EX}zolgensma>) }}",
        "--format",
        "nt",
        "--store",
        str(store_dir),
    )
    assert [str(q.triple) for q in ox.parse(construct.stdout_bytes, ox.RdfFormat.N_TRIPLES)] == [
        f'<{EX}zolgensma> <{EX}name> "Zolgensma®"'
    ]


def test_export_round_trip(store_dir: Path, tmp_path: Path) -> None:
    quads = tmp_path / "all.nq"
    result = run("export", "--format", "nq", "--output", str(quads), "--store", str(store_dir))
    assert result.exit_code == 0, result.output
    assert quads.read_bytes() == dump(store_dir)
    assert not list(tmp_path.glob(".all.nq.partial-*"))

    # One graph as Turtle on stdout, loaded into a second store, gives the same graph.
    turtle = run("export", "--format", "ttl", "--graph", GRAPH, "--store", str(store_dir))
    assert turtle.exit_code == 0, turtle.output
    copy = tmp_path / "copy.ttl"
    copy.write_bytes(turtle.stdout_bytes)
    second = tmp_path / "second"
    assert run("load", str(copy), "--graph", GRAPH, "--store", str(second)).exit_code == 0
    assert dump(second) == dump(store_dir)

    for fmt in ("nt", "trig", "jsonld"):
        out = run("export", "--format", fmt, "--store", str(store_dir))
        parsed = list(ox.parse(out.stdout_bytes, ox.RdfFormat.from_extension(fmt)))
        assert len(parsed) == 3


def test_a_non_rdf_file_is_one_line_and_changes_nothing(store_dir: Path, tmp_path: Path) -> None:
    before, published = dump(store_dir), EmbeddedStore(store_dir).current
    not_rdf = tmp_path / "medicines.ttl"
    not_rdf.write_bytes(b"PK\x03\x04\x14\x00 an xlsx file saved under the wrong name")
    unknown = tmp_path / "medicines.xlsx"
    unknown.write_bytes(b"PK\x03\x04")

    for path, expected in (
        (not_rdf, "medicines.ttl: not valid Turtle"),
        (unknown, "unknown RDF file extension '.xlsx'"),
        (tmp_path / "missing.ttl", "missing.ttl: no such file"),
    ):
        result = run("load", str(path), "--graph", GRAPH, "--store", str(store_dir))
        assert expected in one_line_error(result)

    assert EmbeddedStore(store_dir).current == published
    assert dump(store_dir) == before


def test_an_unreachable_endpoint_is_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/sparql"
    for args in (("stats",), ("sparql", "ASK { ?s ?p ?o }")):
        line = one_line_error(run(*args, "--endpoint", url))
        assert line == f"error: cannot reach {url}: [Errno 111] Connection refused"


def test_a_malformed_query_is_one_line_and_changes_nothing(store_dir: Path) -> None:
    before = dump(store_dir)
    builds = sorted((store_dir / "builds").iterdir())
    line = one_line_error(run("sparql", "SELECT ?s WHERE { ?s ?p }", "--store", str(store_dir)))
    assert line.startswith("error: invalid SPARQL:")
    update = one_line_error(run("sparql", f"DROP GRAPH <{GRAPH}>", "--store", str(store_dir)))
    assert update == "error: DROP is a SPARQL Update, not a query"
    assert dump(store_dir) == before
    assert sorted((store_dir / "builds").iterdir()) == builds


def test_bad_options_are_one_line(store_dir: Path) -> None:
    assert "--format 'xml2'" in one_line_error(
        run("sparql", "ASK {}", "--format", "xml2", "--store", str(store_dir))
    )
    assert "use one of nt, nq, ttl, trig, jsonld" in one_line_error(
        run("export", "--format", "owl", "--store", str(store_dir))
    )
    assert f"no graph <{EX}none>" in one_line_error(
        run("export", "--graph", EX + "none", "--store", str(store_dir))
    )
    assert "invalid IRI 'not an IRI'" in one_line_error(
        run("load", "x.ttl", "--graph", "not an IRI", "--store", str(store_dir))
    )
    assert "a SELECT/ASK answer is a table" in one_line_error(
        run("sparql", "ASK {}", "--format", "ttl", "--store", str(store_dir))
    )


def test_debug_shows_the_traceback(store_dir: Path) -> None:
    result = run("--debug", "sparql", "SELECT ?s WHERE { ?s ?p }", "--store", str(store_dir))
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "QuerySyntaxError"


def test_as_a_real_process(store_dir: Path, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = cli("sparql", f"ASK {{ <{EX}kymriah> ?p ?o }}", "--store", str(store_dir))
    assert (ok.returncode, ok.stdout.strip(), ok.stderr) == (0, "true", "")

    bad = tmp_path / "bad.nt"
    bad.write_text("<http://test.atmp-kg.example/a> is not N-Triples\n")
    failed = cli("load", str(bad), "--graph", GRAPH, "--store", str(store_dir))
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1
    assert failed.stderr.startswith(f"error: file {bad}: not valid N-Triples: ")
    assert "Traceback" not in failed.stderr


@pytest.mark.remote
def test_the_commands_against_an_endpoint(
    products: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = os.environ.get("ATMP_KG_TEST_OXIGRAPH_URL")
    if not base:
        message = "ATMP_KG_TEST_OXIGRAPH_URL is unset: start the servers with .ci/servers.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("ATMP_KG_UPDATE_ENDPOINT", f"{base}/update")
    monkeypatch.setenv("ATMP_KG_GSP_ENDPOINT", f"{base}/store")
    endpoint = f"{base}/query"
    graph = f"{EX}{uuid.uuid4().hex[:12]}/products"
    try:
        loaded = run("load", str(products), "--graph", graph, "--endpoint", endpoint)
        assert loaded.exit_code == 0, loaded.output
        stats = run("stats", "--endpoint", endpoint)
        assert any(
            graph in line and line.rstrip(" │").endswith("3") for line in stats.stdout.splitlines()
        )
        exported = run("export", "--format", "nt", "--graph", graph, "--endpoint", endpoint)
        assert exported.exit_code == 0, exported.output
        expected = BytesIO()
        reference = EmbeddedStore(tmp_path / "reference")
        reference.load_file(products, graph)
        reference.export(expected, "nt", graph)
        assert sorted(exported.stdout_bytes.splitlines()) == sorted(
            expected.getvalue().splitlines()
        )
    finally:
        SparqlEndpointStore(f"{base}/query", update_endpoint=f"{base}/update").drop_graph(graph)
