"""A build whose target is a remote store (graph_builder.store.remote) on the live servers of
.ci/servers.sh — the Oxigraph server and Virtuoso 7.2: it publishes, graph by graph, what the
same build publishes into the embedded store, and a build the validation gate refuses leaves the
remote as it was. Remote: skipped without the servers, a failure in CI.

Each test drops atmp-kg's graphs on the server before and after: a build reads every one of them
(the rules match patterns in any graph), so another test's leftovers would change what it
infers. Graphs outside atmp-kg's namespace — Virtuoso's own — are neither read nor written."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from store.store_servers import remote_settings

from graph_builder.build import build
from graph_builder.errors import ValidationFailed
from graph_builder.namespaces import GRAPH, INFERRED, META_GRAPH
from graph_builder.store import EmbeddedStore, Store
from graph_builder.store.remote import STAGING, SparqlEndpointStore

pytestmark = pytest.mark.remote

# Build times differ between two builds of the same inputs.
VOLATILE = frozenset(
    {"http://www.w3.org/ns/prov#startedAtTime", "http://www.w3.org/ns/prov#endedAtTime"}
)
SOURCE_FIXTURES = Path(__file__).resolve().parents[1] / "sources" / "fixtures"


def _graphs(store: Store) -> list[str]:
    """atmp-kg's graphs (a server has its own too: Virtuoso's system graphs)."""
    return [g for g in store.graphs() if g.startswith(GRAPH)]


def _empty(store: SparqlEndpointStore) -> None:
    graphs = _graphs(store)
    if graphs:
        with store.writing() as w:
            for graph in graphs:
                w.drop_graph(graph)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Iterator[SparqlEndpointStore]:
    store = SparqlEndpointStore.from_settings(remote_settings(str(request.param)))
    _empty(store)
    yield store
    _empty(store)
    store.close()


def _canonical(store: Store, graph: str) -> rdflib.Graph:
    """The graph without its volatile triples, its literals in canonical form: read through an
    Oxigraph store, which keeps typed literals by value (Virtuoso answers true as "1")."""
    buffer = io.BytesIO()
    store.export(buffer, "nt", graph)
    canonical = ox.Store()
    canonical.bulk_load(buffer.getvalue(), ox.RdfFormat.N_TRIPLES)
    out = rdflib.Graph()
    text = ox.serialize(
        (q.triple for q in canonical if q.predicate.value not in VOLATILE),
        format=ox.RdfFormat.N_TRIPLES,
    )
    assert text is not None
    return out.parse(data=text.decode("utf-8"), format="nt")


def _untimed(summary: str) -> str:
    """The gate's summary without its time ("..., 0.3 s")."""
    return summary.rsplit(",", 1)[0]


def _same_graphs(remote: SparqlEndpointStore, embedded: EmbeddedStore) -> None:
    assert _graphs(remote) == embedded.graphs()
    for graph in embedded.graphs():
        assert remote.count(graph) == embedded.count(graph), graph
        assert isomorphic(_canonical(remote, graph), _canonical(embedded, graph)), graph


def test_a_remote_build_publishes_what_the_embedded_build_does(
    remote: SparqlEndpointStore,
    embedded_store: EmbeddedStore,
    reference_data: Path,
    ctgov_fixture: Path,
    ema_fixture: Path,
) -> None:
    first = {"ctgov": [ctgov_fixture]}
    expected = build(embedded_store, first, data_dir=reference_data)
    report = build(remote, first, data_dir=reference_data)
    assert report.validation is not None and report.validation.ok
    assert expected.validation is not None
    assert _untimed(report.validation.summary()) == _untimed(expected.validation.summary())
    # The report counts what the remote now holds, not what it held before.
    assert report.graphs == expected.graphs
    assert report.graphs == {g: remote.count(g) for g in _graphs(remote)}
    assert report.identity.as_dict() == expected.identity.as_dict()
    assert report.rules == expected.rules
    assert report.assessments == expected.assessments > 0
    _same_graphs(remote, embedded_store)

    # A partial build reads the graphs it does not replace from the remote.
    second = {"ema": [ema_fixture]}
    expected = build(embedded_store, second, data_dir=reference_data)
    report = build(remote, second, data_dir=reference_data)
    assert {s.source_id for s in report.sources} == {"ema"}
    assert report.graphs == expected.graphs
    assert report.rules == expected.rules
    _same_graphs(remote, embedded_store)


def test_a_remote_build_the_gate_refuses_leaves_the_remote_unchanged(
    remote: SparqlEndpointStore, reference_data: Path, ctgov_fixture: Path, tmp_path: Path
) -> None:
    build(remote, {"ctgov": [ctgov_fixture]}, data_dir=reference_data)
    foreign = sorted(set(remote.graphs()) - set(_graphs(remote)))
    before = {g: _canonical(remote, g) for g in _graphs(remote)}
    assert {INFERRED, META_GRAPH, GRAPH + "ctgov"} <= set(before)
    study = json.loads(ctgov_fixture.read_text(encoding="utf-8"))
    # The study ends before it starts: the trial_end_before_start check and a shape fail.
    study["protocolSection"]["statusModule"]["completionDateStruct"]["date"] = "2018-01-31"
    bad = tmp_path / "ends_before_start.json"
    bad.write_text(json.dumps(study), encoding="utf-8")

    with pytest.raises(ValidationFailed) as err:
        build(remote, {"ctgov": [bad]}, data_dir=reference_data)
    assert "trial_end_before_start" in str(err.value)
    assert "2099-000001-11" in err.value.report
    assert remote.graphs() == sorted([*before, *foreign])
    for graph, content in before.items():
        assert isomorphic(_canonical(remote, graph), content), graph
    # No staging graph was left behind either.
    staged = remote.query(
        f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'
    )
    assert staged is False


def test_a_remote_build_of_an_empty_remote_checks_the_data_it_publishes(
    remote: SparqlEndpointStore, reference_data: Path, tmp_path: Path
) -> None:
    """The gate of a first build sees the data, not the (empty) published remote."""
    bad = tmp_path / "bad.json"
    study = json.loads((SOURCE_FIXTURES / "ctgov" / "synthetic_car_t_study.json").read_text())
    study["protocolSection"]["statusModule"]["completionDateStruct"]["date"] = "2018-01-31"
    bad.write_text(json.dumps(study), encoding="utf-8")
    with pytest.raises(ValidationFailed):
        build(remote, {"ctgov": [bad]}, data_dir=reference_data)
    assert _graphs(remote) == []
