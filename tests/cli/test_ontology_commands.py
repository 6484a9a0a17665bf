"""`atmp-kg reason` and `atmp-kg docs` through typer's CliRunner on a tiny embedded store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import api.cli.ontology_commands  # noqa: F401  (registers the commands)
from api.cli.app import app
from graph_builder.namespaces import INFERRED_OWL, graph_iri
from graph_builder.store import EmbeddedStore

runner = CliRunner()
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")
ATMP = "https://w3id.org/atmp-kg/ontology#"
EX = "https://w3id.org/atmp-kg/id/example/"
PREFIXES = """@prefix atmp: <https://w3id.org/atmp-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/atmp-kg/id/example/> .
"""
# An academic-sponsored trial of a CAR-T product, a withdrawn MA, a month-precision HE
# authorisation, and a source record (provenance: not given to HermiT).
MODULE = (
    PREFIXES
    + """
ex:trial a atmp:ClinicalTrial ; atmp:eudractNumber "2016-002972-29" ;
    atmp:hasSponsor ex:idibaps ; atmp:testsProduct ex:ari-0001 .
ex:idibaps a atmp:Organisation ; atmp:orgType atmp:Academic .
ex:ari-0001 a atmp:MedicinalProduct ; atmp:isCART true .
ex:zalmoxis a atmp:MedicinalProduct ; atmp:hasMarketingAuthorisation ex:zalmoxis-ma .
ex:zalmoxis-ma a atmp:MarketingAuthorisation ; atmp:status atmp:Withdrawn .
ex:he a atmp:HospitalExemptionAuthorisation ; atmp:appliesTo ex:ari-0001 ;
    atmp:validFrom "2021-02"^^xsd:gYearMonth .
ex:row-2 a atmp:SourceRecord .
"""
)
# A product typed GTMP and SCTMP, which the ontology declares disjoint.
CONTRADICTION = PREFIXES + "ex:p a atmp:GTMP , atmp:SCTMP .\n"
STALE = ox.Triple(ox.NamedNode(EX + "gone"), ox.NamedNode(ATMP + "isCART"), ox.Literal(True))


def make_store(root: Path, turtle: str) -> EmbeddedStore:
    store = EmbeddedStore(root)
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(turtle.encode(), ox.RdfFormat.TURTLE)
    ]
    with store.writing() as writer:
        writer.replace_graph(graph_iri("reference").value, triples)
        writer.replace_graph(INFERRED_OWL, [STALE])  # what an earlier run left
    store.close()
    return store


def invoke(store: EmbeddedStore, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--store", str(store.root), *args])
    return result.exit_code, result.stdout, result.stderr


def inferred_owl(store: EmbeddedStore) -> set[ox.Triple]:
    """The triples of the inferred-owl graph in the version the command published."""
    fresh = EmbeddedStore(store.root)
    try:
        result = fresh.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{INFERRED_OWL}> {{ ?s ?p ?o }} }}"
        )
        assert isinstance(result, list)
        return set(result)
    finally:
        fresh.close()


def types_in(triples: set[ox.Triple]) -> set[tuple[str, str]]:
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return {
        (t.subject.value, t.object.value)
        for t in triples
        if t.predicate == rdf_type
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.NamedNode)
    }


@needs_java
def test_reason_writes_new_types_to_their_own_graph(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store", MODULE)
    code, out, err = invoke(store, "reason")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("ontology: consistent, ")
    # six individuals: the source record is provenance and is left out
    assert lines[1].startswith(f"module: 6 of 6 individuals of <{graph_iri('reference').value}>")
    assert ": consistent, " in lines[1] and lines[1].endswith(" s)")
    assert lines[2].startswith("wrote ") and lines[2].endswith(f"<{INFERRED_OWL}>")
    written = inferred_owl(store)
    types = types_in(written)
    assert (EX + "trial", ATMP + "AcademicSponsoredTrial") in types
    assert (EX + "ari-0001", ATMP + "CARTProduct") in types
    assert (EX + "zalmoxis", ATMP + "WithdrawnProduct") in types
    # what the data states is not repeated, and the earlier run's output is replaced
    assert (EX + "idibaps", ATMP + "Organisation") not in types
    assert STALE not in written
    assert f"wrote {len(written)} new triples" in lines[2]


@needs_java
def test_a_contradiction_writes_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store", CONTRADICTION)
    code, _, err = invoke(store, "reason")
    assert code == 1
    assert err.count("\n") == 1 and "contradict the ontology" in err
    assert inferred_owl(store) == {STALE}  # still the earlier run's graph


@needs_java
def test_timeout_is_one_line(tmp_path: Path) -> None:
    store = make_store(tmp_path / "store", MODULE)
    code, out, err = invoke(store, "reason", "--timeout", "0.1")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "did not classify the ontology within 0.1 s" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--graph", "ctgov"], "no graph <https://w3id.org/atmp-kg/graph/ctgov> in the store"),
        (["--graph", "nonsense"], "use a source id"),
    ],
)
def test_a_graph_that_cannot_be_reasoned_over_is_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    store = make_store(tmp_path / "store", MODULE)
    code, _, err = invoke(store, "reason", *args)
    assert code == 1
    assert err.count("\n") == 1 and message in err


def test_docs_writes_the_html_and_the_release(tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    result = runner.invoke(app, ["docs", "--output", str(out_dir)])
    assert result.exit_code == 0, result.stderr
    assert str(out_dir / "index.html") in result.stdout
    page = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "hospital exemption use report" in page and "report period start" in page
    assert {p.name for p in out_dir.iterdir()} >= {"index.html", "atmp.rdf", "atmp-full.rdf"}
