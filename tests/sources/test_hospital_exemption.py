# ruff: noqa: F811
"""The `hospital_exemption` source (HE registry layout; real, cited fixtures)."""

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
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from graph_builder.errors import InputError
from graph_builder.settings import Settings, resolve_data_dir
from graph_builder.sources import get_source

ATMP = Namespace("https://w3id.org/atmp-kg/ontology#")
HE = URIRef("https://w3id.org/atmp-kg/id/he-authorisation/ES-ari-0001-2021-02")


def test_golden_graph(fixtures: Path) -> None:
    assert isomorphic(
        source_graph("hospital_exemption", fixtures / "hospital_exemption"),
        golden("hospital_exemption"),
    )


def test_month_precision_and_aggregate_report(fixtures: Path) -> None:
    graph = source_graph("hospital_exemption", fixtures / "hospital_exemption")
    assert (HE, ATMP.validFrom, Literal("2021-02", datatype=XSD.gYearMonth)) in graph
    report = URIRef("https://w3id.org/atmp-kg/id/he-use-report/ES-ari-aggregate")
    assert (report, ATMP.reportsOn, HE) in graph
    assert (report, ATMP.reportYear, None) not in graph


def test_report_on_unknown_authorisation(fixtures: Path, tmp_path: Path) -> None:
    for name in ("authorisations.csv", "use_reports.csv"):
        text = (fixtures / "hospital_exemption" / name).read_text()
        (tmp_path / name).write_text(
            text.replace("ES-ari-0001-2021-02,2017", "ES-ari-0001-2021-03,2017")
        )
    errors: list[InputError] = []
    rows = list(get_source("hospital_exemption").read(tmp_path, on_error=collect(errors)))
    assert [r.table for r in rows] == ["he_authorisations"]
    assert [(e.record, e.field) for e in errors] == [("row 2", "he_authorisations")]


@pytest.mark.parametrize(
    ("value", "field"), [("2021", "valid_from"), ("2021-02-30x", "valid_from")]
)
def test_bad_valid_from(
    fixtures: Path, write_csv: Callable[[str, str], Path], value: str, field: str
) -> None:
    text = (
        (fixtures / "hospital_exemption" / "authorisations.csv")
        .read_text()
        .replace(",2021-02,", f",{value},")
    )
    path = write_csv("authorisations.csv", text)
    with pytest.raises(InputError) as info:
        list(get_source("hospital_exemption").read(path))
    assert (info.value.record, info.value.field) == ("row 2", field)


def test_shipped_registry_loads() -> None:
    source = get_source("hospital_exemption")
    rows = [r for p in source.default_inputs(resolve_data_dir(Settings())) for r in source.read(p)]
    countries = {r.get("country") for r in rows if r.table == "he_authorisations"}
    assert countries == {"ES", "NL"}
    assert all(r.get("illustrative") is False for r in rows)
