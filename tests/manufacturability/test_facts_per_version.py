"""The manufacturability facts of an embedded store are read once per published version: the
answers are those of a store queried on every call, follow every new version, and say that a
site without any capability data has unknown capabilities rather than missing ones."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph_builder.manufacturability import assess, assessment_iri, materialise
from graph_builder.namespaces import ATMP, GRAPH, ID, INFERRED, RDFS
from graph_builder.store import EmbeddedStore, OxigraphStore, SelectResult

HERE = Path(__file__).parent
REFERENCE = GRAPH + "reference"
SYNTHCEL, ORPHACEL = ID + "product/synthcel", ID + "product/orphacel"
BETA, OMEGA = ID + "site/beta", ID + "site/omega"
LV = ID + "capability/lv-transduction"
MID_2026 = date(2026, 6, 1)
DAYS = (date(2019, 6, 1), MID_2026, date(2027, 1, 1))
UNKNOWN = (
    "no capability data recorded for the site, so whether it has the required capabilities "
    "is unknown: "
)
# Omega holds what Alpha holds (a commercial MIA, a valid certificate) but records no capability.
OMEGA_TTL = f"""
INSERT DATA {{ GRAPH <{REFERENCE}> {{
  <{OMEGA}> a <{ATMP}ManufacturingSite> ; <{RDFS}label> "Omega Unrecorded Site"@en ;
      <{ATMP}hasManufacturingAuthorisation> <{ID}mia/alpha-com> ;
      <{ATMP}hasGMPCertificate> <{ID}gmp-certificate/alpha-2024> .
}} }}"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    st = EmbeddedStore(tmp_path / "store")
    st.load_file(HERE / "fixture.ttl", REFERENCE)
    yield st
    st.close()


def add_capability(store: EmbeddedStore, site: str, capability: str) -> None:
    store.update(
        f"INSERT DATA {{ GRAPH <{REFERENCE}> {{ <{site}> <{ATMP}hasCapability> <{capability}> }} }}"
    )


def test_answers_equal_those_of_a_store_without_versions(store: EmbeddedStore) -> None:
    store.update(OMEGA_TTL)
    plain = OxigraphStore()
    plain.raw.extend(store.reader().raw)  # the same quads, queried on every call
    sites = [ID + f"site/{s}" for s in ("alpha", "beta", "gamma", "omega")]
    for day in DAYS:
        assert assess(store, on=day) == assess(plain, on=day)
        for product in (SYNTHCEL, ORPHACEL, ID + "product/dualcel"):
            assert assess(store, on=day, product=product) == assess(plain, on=day, product=product)
        for site in sites:
            assert assess(store, on=day, site=site) == assess(plain, on=day, site=site)
            assert assess(store, on=day, product=SYNTHCEL, site=site) == assess(
                plain, on=day, product=SYNTHCEL, site=site
            )


def test_answers_follow_each_published_version(store: EmbeddedStore) -> None:
    [before] = assess(store, on=MID_2026, product=SYNTHCEL, site=BETA)
    assert [r.iri for r in before.missing_capabilities] == [LV]
    add_capability(store, BETA, LV)
    [after] = assess(store, on=MID_2026, product=SYNTHCEL, site=BETA)
    assert after.missing_capabilities == ()


def test_concurrent_calls_during_a_publication_see_one_version_or_the_other(
    store: EmbeddedStore,
) -> None:
    seen: set[tuple[str, ...]] = set()
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(15):
            [a] = assess(store, on=MID_2026, product=SYNTHCEL, site=BETA)
            with lock:
                seen.add(tuple(r.iri for r in a.missing_capabilities))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    add_capability(store, BETA, LV)
    for t in threads:
        t.join()
    assert seen <= {(LV,), ()}
    [last] = assess(store, on=MID_2026, product=SYNTHCEL, site=BETA)
    assert last.missing_capabilities == ()


def test_a_site_without_capability_data_has_unknown_not_missing_capabilities(
    store: EmbeddedStore,
) -> None:
    store.update(OMEGA_TTL)
    [a] = assess(store, on=MID_2026, product=SYNTHCEL, site=OMEGA)
    assert not a.can_make and a.certificate_valid
    assert not (a.missing_capabilities or a.missing_operations or a.missing_materials)
    assert a.reasons == (UNKNOWN + "Cryopreservation, Lentiviral transduction, T-cell processing",)
    # One recorded capability makes the others known to be missing.
    add_capability(store, OMEGA, ID + "capability/cryopreservation")
    [b] = assess(store, on=MID_2026, product=SYNTHCEL, site=OMEGA)
    assert [r.label for r in b.missing_capabilities] == [
        "Lentiviral transduction",
        "T-cell processing",
    ]
    assert b.reasons == ("missing capabilities: Lentiviral transduction, T-cell processing",)


def test_the_materialised_assessment_says_the_same(store: EmbeddedStore) -> None:
    store.update(OMEGA_TTL)
    with store.writing() as w:
        materialise(w, on=MID_2026)
    node = assessment_iri(OMEGA, SYNTHCEL)
    rows = store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}", {"s": node})
    assert isinstance(rows, SelectResult)
    values = {(r["p"].value, r["o"].value) for r in rows}
    assert not any(p == ATMP + "missingCapability" for p, _ in values)
    assert (ATMP + "canManufacture", "false") in values
    assert (
        RDFS + "comment",
        UNKNOWN + "Cryopreservation, Lentiviral transduction, T-cell processing",
    ) in values
