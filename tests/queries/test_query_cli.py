"""`atmp-kg query`: --list, running a query with --param, the table / csv / json outputs and
one-line errors."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

import api.cli.query_commands  # noqa: F401  (registers the commands)
from api.cli.app import app
from graph_builder.store import EmbeddedStore
from queries.catalogue import NamedQuery

runner = CliRunner()


def invoke(store: EmbeddedStore, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--store", str(store.root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_list_shows_every_query(
    fixture_store: EmbeddedStore, catalogue: dict[str, NamedQuery]
) -> None:
    code, out, _ = invoke(fixture_store, "query", "--list", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(catalogue) >= 30
    why_not = next(r for r in rows if r["id"] == "why_not")
    assert why_not["topic"] == "manufacturability"
    assert why_not["parameters"] == "site*:iri, product*:iri, on:date"
    code, table, _ = invoke(fixture_store, "query", "--list")
    assert code == 0 and "facilities_for_product" in table


def test_facilities_for_product_answers_with_explanations_as_json(
    fixture_store: EmbeddedStore,
) -> None:
    code, out, _ = invoke(
        fixture_store,
        "query",
        "facilities_for_product",
        "--param",
        "product=EMEA-H-C-999001",
        "-p",
        "on=2026-01-01",
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["head"]["vars"][:3] == ["site", "siteLabel", "canManufacture"]
    rows = doc["results"]["bindings"]
    assert [(r["site"]["value"].rsplit("/", 1)[1], r["canManufacture"]["value"]) for r in rows] == [
        ("alpha", "true"),
        ("beta", "false"),
        ("delta", "false"),
        ("gamma", "false"),
    ]
    assert rows[1]["explanation"]["value"].startswith("missing capabilities: Lentiviral")


def test_csv_and_table_with_limit(fixture_store: EmbeddedStore) -> None:
    code, out, _ = invoke(fixture_store, "query", "facilities", "--format", "csv", "--limit", "2")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["siteLabel"] for r in rows] == [
        "Alpha Cell Factory (synthetic)",
        "Beta Hospital GMP Unit (synthetic)",
    ]
    code, out, _ = invoke(fixture_store, "query", "facilities", "-p", "country=NL")
    assert code == 0
    assert "id:site/gamma" in out and "Delta Satellite" in out and "Alpha" not in out


def test_errors_are_one_line_and_exit_non_zero(fixture_store: EmbeddedStore) -> None:
    code, _, err = invoke(fixture_store, "query", "facilities", "-p", "country=Germany")
    assert code == 1
    assert err.strip().splitlines() == [
        "error: parameter country (country): 'Germany' is not an ISO 3166-1 alpha-2 code"
    ]
    code, _, err = invoke(fixture_store, "query", "nope")
    assert code == 1 and "no query 'nope'" in err
    code, _, err = invoke(fixture_store, "query", "facilities", "-p", "country")
    assert code == 1 and "expected NAME=VALUE" in err
    code, _, err = invoke(fixture_store, "query", "facilities", "--format", "xml")
    assert code == 1 and "--format 'xml'" in err
    code, _, err = invoke(fixture_store, "query")
    assert code == 1 and "--list" in err
