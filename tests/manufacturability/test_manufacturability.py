"""Golden cases of graph_builder.manufacturability on a small synthetic graph (fixture.ttl):
who can make what on which day, and — for every negative answer — what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from graph_builder.errors import NotFound
from graph_builder.manufacturability import Assessment, assess, assessment_iri, materialise
from graph_builder.namespaces import ATMP, GRAPH, ID, PROV, RDFS
from graph_builder.store import EmbeddedStore, SelectResult

HERE = Path(__file__).parent
REFERENCE = GRAPH + "reference"
INFERRED = GRAPH + "inferred"
SYNTHCEL = ID + "product/synthcel"
ORPHACEL = ID + "product/orphacel"
DUALCEL = ID + "product/dualcel"
ALPHA, BETA, GAMMA = (ID + f"site/{s}" for s in ("alpha", "beta", "gamma"))
MID_2026 = date(2026, 6, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    st = EmbeddedStore(tmp_path_factory.mktemp("manufacturability") / "store")
    st.load_file(HERE / "fixture.ttl", REFERENCE)
    yield st
    st.close()


def one(store: EmbeddedStore, product: str, site: str, on: date = MID_2026) -> Assessment:
    [answer] = assess(store, on=on, product=product, site=site)
    return answer


def labels(refs: tuple[object, ...]) -> list[str]:
    return [r.label for r in refs]  # type: ignore[attr-defined]


def test_a_site_with_everything_can_make_the_product(store: EmbeddedStore) -> None:
    a = one(store, SYNTHCEL, ALPHA)
    assert a.can_make and a.certificate_valid
    assert (a.facility.label, a.product.label, a.scope) == (
        "Alpha Cell Factory",
        "Synthcel",
        "commercial",
    )
    assert not (a.missing_capabilities or a.missing_operations or a.missing_materials)
    # Patient cells need no supplier, the consumable no grade; the vector is principles-of-GMP.
    assert a.reasons == (
        "Alpha Cell Factory has every required capability, a commercial manufacturing "
        "authorisation valid on 2026-06-01 covering the required operations and a valid GMP "
        "certificate; all 3 supplied material(s) have a qualified supplier "
        "(1 more from the patient or donor)",
    )
    assert set(a.derived_from) == {
        ID + "process/synthcel",
        ID + "mia/alpha-com",
        ID + "gmp-certificate/alpha-2024",
    }
    assert a.illustrative


def test_the_same_site_cannot_once_its_certificate_has_expired(store: EmbeddedStore) -> None:
    a = one(store, SYNTHCEL, ALPHA, on=date(2027, 1, 1))
    assert not a.can_make and not a.certificate_valid
    assert not (a.missing_capabilities or a.missing_operations or a.missing_materials)
    assert a.reasons == (
        "no GMP certificate valid on 2027-01-01 "
        "(held: GMP-ALPHA-2024 (valid from 2024-01-01 until 2026-12-31))",
    )


def test_before_its_authorisation_starts_the_operations_are_missing(store: EmbeddedStore) -> None:
    a = one(store, SYNTHCEL, ALPHA, on=date(2019, 6, 1))
    assert not a.can_make
    assert labels(a.missing_operations) == [
        "1.3.1.4 Gene therapy products",
        "1.3.2.4 Batch certification: gene therapy products",
    ]
    assert a.reasons[0] == (
        "no manufacturing authorisation with commercial scope valid on 2019-06-01 (needed for: "
        "1.3.1.4 Gene therapy products, 1.3.2.4 Batch certification: gene therapy products); "
        "held but not valid then: MIA-ALPHA-1 (valid from 2020-01-01 until 2030-12-31)"
    )
    assert not a.certificate_valid


def test_missing_capability_and_scope_are_both_explained(store: EmbeddedStore) -> None:
    a = one(store, SYNTHCEL, BETA)
    assert not a.can_make and a.certificate_valid
    assert labels(a.missing_capabilities) == ["Lentiviral transduction"]
    # Beta's MIA is investigational only; Synthcel is authorised, so a commercial one is needed.
    assert labels(a.missing_operations) == [
        "1.3.1.4 Gene therapy products",
        "1.3.2.4 Batch certification: gene therapy products",
    ]
    assert a.missing_materials == ()
    assert a.reasons == (
        "missing capabilities: Lentiviral transduction",
        "no manufacturing authorisation with commercial scope valid on 2026-06-01 (needed for: "
        "1.3.1.4 Gene therapy products, 1.3.2.4 Batch certification: gene therapy products); "
        "valid with another scope: MIA-BETA-IMP (valid from 2021-01-01) [investigational]",
    )


def test_a_suspended_certificate_is_not_valid_and_parent_operations_cover(
    store: EmbeddedStore,
) -> None:
    a = one(store, SYNTHCEL, GAMMA)
    # Gamma's MIA lists the parent 1.3.1, which covers 1.3.1.4; only the certificate fails.
    assert a.missing_operations == () and a.missing_capabilities == ()
    assert not a.certificate_valid and not a.can_make
    assert a.reasons == (
        "no GMP certificate valid on 2026-06-01 (held: GMP-GAMMA-2025 (suspended))",
    )


def test_a_material_without_a_gmp_supplier_blocks_every_site(store: EmbeddedStore) -> None:
    answers = assess(store, on=MID_2026, product=ORPHACEL)
    assert [a.facility.label for a in answers] == [
        "Alpha Cell Factory",
        "Beta Hospital GMP Unit",
        "Gamma Biologics",
    ]
    assert all(labels(a.missing_materials) == ["Fetal bovine serum"] for a in answers)
    beta = next(a for a in answers if a.facility.iri == BETA)
    # Orphacel is only tested in a trial (investigational) and is an sCTMP: 1.3.1.3 is needed,
    # which Beta's investigational MIA covers through its parent 1.3.1.
    assert beta.scope == "investigational"
    assert beta.missing_operations == () and beta.missing_capabilities == ()
    assert beta.reasons == (
        "no supplier at a qualifying grade (GMP; principles of GMP for starting materials) "
        "for materials: Fetal bovine serum",
    )
    alpha = next(a for a in answers if a.facility.iri == ALPHA)
    assert labels(alpha.missing_operations) == ["1.3.1.3 Cell therapy products"]


def test_a_product_with_two_uses_is_assessed_under_the_scope_that_works(
    store: EmbeddedStore,
) -> None:
    assert (one(store, DUALCEL, ALPHA).can_make, one(store, DUALCEL, ALPHA).scope) == (
        True,
        "commercial",
    )
    beta = one(store, DUALCEL, BETA)
    assert (beta.can_make, beta.scope) == (True, "investigational")


def test_all_pairs_are_sorted_by_product_then_can_make_first(store: EmbeddedStore) -> None:
    answers = assess(store, on=MID_2026)
    assert [(a.product.label, a.facility.label, a.can_make) for a in answers] == [
        ("Dualcel", "Alpha Cell Factory", True),
        ("Dualcel", "Beta Hospital GMP Unit", True),
        ("Dualcel", "Gamma Biologics", False),
        ("Orphacel", "Alpha Cell Factory", False),
        ("Orphacel", "Beta Hospital GMP Unit", False),
        ("Orphacel", "Gamma Biologics", False),
        ("Synthcel", "Alpha Cell Factory", True),
        ("Synthcel", "Beta Hospital GMP Unit", False),
        ("Synthcel", "Gamma Biologics", False),
    ]
    assert all(a.reasons for a in answers)


def test_a_product_without_a_process_or_an_unknown_site_is_not_found(
    store: EmbeddedStore,
) -> None:
    with pytest.raises(NotFound, match="no manufacturing process is recorded"):
        assess(store, product=ID + "product/no-process")
    with pytest.raises(NotFound, match="no product"):
        assess(store, product=ID + "product/nothing-here")
    with pytest.raises(NotFound, match="no manufacturing site"):
        assess(store, site=ID + "site/nowhere")


def test_as_dict_is_json_ready(store: EmbeddedStore) -> None:
    d = one(store, SYNTHCEL, BETA).as_dict()
    assert d["facility"] == {"iri": BETA, "label": "Beta Hospital GMP Unit"}
    assert d["missing_capabilities"] == [
        {"iri": ID + "capability/lv-transduction", "label": "Lentiviral transduction"}
    ]
    assert d["on"] == "2026-06-01" and d["can_make"] is False


def _objects(store: EmbeddedStore, subject: NamedNode, predicate: str) -> set[str]:
    result = store.query(
        f"SELECT ?o WHERE {{ GRAPH <{INFERRED}> {{ ?s <{predicate}> ?o }} }}", {"s": subject}
    )
    assert isinstance(result, SelectResult)
    return {row["o"].value for row in result}


def test_materialise_writes_assessments_with_provenance_and_keeps_other_inferences(
    tmp_path: Path,
) -> None:
    st = EmbeddedStore(tmp_path / "store")
    other = Quad(
        NamedNode(ID + "product/synthcel"),
        NamedNode(ATMP + "isIllustrative"),
        Literal("true", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        NamedNode(INFERRED),
    )
    with st.writing() as w:
        w.load_file(HERE / "fixture.ttl", REFERENCE)
        w.raw.add(other)
        assert materialise(w, on=MID_2026) == 9
    node = assessment_iri(ALPHA, SYNTHCEL)
    assert node.value == ID + "assessment/alpha--synthcel"
    assert _objects(st, node, ATMP + "canManufacture") == {"true"}
    assert _objects(st, node, ATMP + "assessedOn") == {"2026-06-01"}
    assert _objects(st, node, PROV + "wasDerivedFrom") == {
        ID + "process/synthcel",
        ID + "mia/alpha-com",
        ID + "gmp-certificate/alpha-2024",
    }
    beta = assessment_iri(BETA, SYNTHCEL)
    assert _objects(st, beta, ATMP + "missingCapability") == {ID + "capability/lv-transduction"}
    assert _objects(st, beta, ATMP + "missingOperation") == {
        ID + "operation/1.3.1.4",
        ID + "operation/1.3.2.4",
    }
    # The two reasons, in the rule's order, as one comment (GROUP_CONCAT would not keep it).
    (explanation,) = _objects(st, beta, RDFS + "comment")
    capability, authorisation = explanation.split(" | ")
    assert capability == "missing capabilities: Lentiviral transduction"
    assert authorisation.startswith("no manufacturing authorisation with commercial scope")
    assert _objects(st, beta, ATMP + "isIllustrative") == {"true"}

    # A rebuild on a later day replaces the assessments (not adds to them) and keeps the rest.
    with st.writing() as w:
        assert materialise(w, on=date(2027, 1, 1)) == 9
    nodes = st.query(
        f"SELECT (COUNT(DISTINCT ?a) AS ?n) (COUNT(?on) AS ?dates) WHERE {{ GRAPH <{INFERRED}> "
        f"{{ ?a a <{ATMP}ManufacturabilityAssessment> ; <{ATMP}assessedOn> ?on }} }}"
    )
    assert isinstance(nodes, SelectResult)
    assert [(r["n"].value, r["dates"].value) for r in nodes] == [("9", "9")]
    assert _objects(st, node, ATMP + "canManufacture") == {"false"}
    assert _objects(st, node, ATMP + "assessedOn") == {"2027-01-01"}
    assert other in st.reader().raw
    st.close()


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2021-02", "2021-02-01", "2021-02-28"),
        ("2024", "2024-01-01", "2024-12-31"),
        ("2025-06-30", "2025-06-30", "2025-06-30"),
    ],
)
def test_coarse_validity_dates_cover_their_whole_period(text: str, start: str, end: str) -> None:
    from datetime import date

    from pyoxigraph import Literal

    from graph_builder.manufacturability import _date

    row = {"d": Literal(text)}
    assert _date(row, "d") == date.fromisoformat(start)
    assert _date(row, "d", period_end=True) == date.fromisoformat(end)
