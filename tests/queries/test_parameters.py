"""Parameter typing, binding and pagination of named queries: every type accepts its values and
rejects others with a ParameterError naming the parameter; injection attempts are inert; pages
are stable; the manufacturability queries answer the same live as materialised."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode
from query_results import plain

from graph_builder.errors import ParameterError
from graph_builder.namespaces import ATMP, ID, XSD
from graph_builder.store import EmbeddedStore, SelectResult
from graph_builder.store.base import Term
from queries.catalogue import PARAMETER_TYPES, NamedQuery, Parameter

INJECTIONS = (
    '"> } ; DROP ALL #',
    "x' } DROP ALL ; SELECT * WHERE { ?s ?p ?o",
    "https://w3id.org/atmp-kg/id/product/a b",
    "https://w3id.org/atmp-kg/id/product/a>} ; DROP ALL #",
    "<https://evil.example/>",
    "a\n} DROP ALL #",
    "x" * 5000,
)


def term(p: Parameter, text: str) -> Term:
    return p.to_term(text)


@pytest.mark.parametrize(
    ("parameter", "text", "expected"),
    [
        (Parameter("p", "iri"), "https://example.org/a", NamedNode("https://example.org/a")),
        (
            Parameter("p", "iri", namespace=ID + "product/"),
            "EMEA-H-C-004090",
            NamedNode(ID + "product/EMEA-H-C-004090"),
        ),
        (
            Parameter("p", "iri", namespace=ID + "operation/"),
            ID + "operation/1.3.1.4",
            NamedNode(ID + "operation/1.3.1.4"),
        ),
        (Parameter("p", "string"), " CAR-T ", Literal("CAR-T")),
        (
            Parameter("p", "int", minimum=0),
            "+12",
            Literal("12", datatype=NamedNode(XSD + "integer")),
        ),
        (
            Parameter("p", "date"),
            "2027-01-01",
            Literal("2027-01-01", datatype=NamedNode(XSD + "date")),
        ),
        (
            Parameter("p", "date"),
            "today",
            Literal(date.today().isoformat(), datatype=NamedNode(XSD + "date")),
        ),
        (Parameter("p", "boolean"), "YES", Literal("true", datatype=NamedNode(XSD + "boolean"))),
        (Parameter("p", "boolean"), "0", Literal("false", datatype=NamedNode(XSD + "boolean"))),
        (
            Parameter("p", "enum", allowed=("GMPGrade",), namespace=ATMP),
            "GMPGrade",
            NamedNode(ATMP + "GMPGrade"),
        ),
        (Parameter("p", "enum", allowed=("A", "B")), "B", Literal("B")),
        (Parameter("p", "country"), "el", NamedNode(ID + "country/GR")),
        (Parameter("p", "eudract"), "2022-002568-62", Literal("2022-002568-62")),
        (Parameter("p", "euct"), "2024-510663-34-00", Literal("2024-510663-34-00")),
        (Parameter("p", "nct"), "nct03275402", Literal("NCT03275402")),
        (Parameter("p", "ema_number"), "EMEA/H/C/004090", Literal("EMEA/H/C/004090")),
    ],
)
def test_each_type_binds_its_values_as_rdf_terms(
    parameter: Parameter, text: str, expected: Term
) -> None:
    assert term(parameter, text) == expected


BAD: list[tuple[Parameter, str]] = [
    (Parameter("site", "iri"), "not an iri"),
    (Parameter("site", "iri"), "https://example.org/a b"),
    (Parameter("site", "iri"), "https://example.org/{x}"),
    (Parameter("site", "iri", namespace=ID + "site/"), "https://evil.example/x"),
    (Parameter("site", "iri", namespace=ID + "site/"), "../org/x"),
    (Parameter("site", "iri", namespace=ID + "site/"), "a key with spaces"),
    (Parameter("text", "string"), "x" * 201),
    (Parameter("text", "string"), "tab\x00null"),
    (Parameter("text", "string", pattern=r"[a-z]+"), "ABC"),
    (Parameter("n", "int"), "1.5"),
    (Parameter("n", "int"), "12abc"),
    (Parameter("n", "int", minimum=1), "0"),
    (Parameter("n", "int", maximum=10), "11"),
    (Parameter("day", "date"), "2027-13-01"),
    (Parameter("day", "date"), "01/01/2027"),
    (Parameter("flag", "boolean"), "maybe"),
    (Parameter("grade", "enum", allowed=("GMPGrade",), namespace=ATMP), "gmpgrade"),
    (Parameter("country", "country"), "DEU"),
    (Parameter("country", "country"), "1A"),
    (Parameter("id", "eudract"), "2022-2568-62"),
    (Parameter("id", "euct"), "2024-410663-34-00"),
    (Parameter("id", "nct"), "NCT123"),
    (Parameter("id", "ema_number"), "EMEA/V/X/004090"),
]


def test_bad_cases_cover_every_type() -> None:
    assert {p.type for p, _ in BAD} == set(PARAMETER_TYPES)


@pytest.mark.parametrize(("parameter", "text"), BAD, ids=[f"{p.type}-{t[:20]}" for p, t in BAD])
def test_each_type_rejects_bad_values_naming_the_parameter(parameter: Parameter, text: str) -> None:
    with pytest.raises(ParameterError, match=rf"parameter {parameter.name} \({parameter.type}\)"):
        term(parameter, text)


def test_missing_required_and_unknown_parameters_are_refused(
    catalogue: dict[str, NamedQuery], fixture_store: EmbeddedStore
) -> None:
    q = catalogue["why_not"]
    with pytest.raises(ParameterError, match="parameter product \\(iri\\) is required by why_not"):
        q.run(fixture_store, {"site": "alpha"})
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        q.run(fixture_store, {"site": "alpha", "product": "academicel", "colour": "red"})
    with pytest.raises(ParameterError, match="limit"):
        q.run(fixture_store, {"site": "alpha", "product": "academicel"}, limit=-1)
    with pytest.raises(ParameterError, match="offset"):
        q.run(fixture_store, {"site": "alpha", "product": "academicel"}, offset=-5)


def test_defaults_apply_and_empty_values_count_as_absent(catalogue: dict[str, NamedQuery]) -> None:
    q = catalogue["single_supplier_gmp_materials"]
    assert q.values({}) == {"max_suppliers": "1", "cart_only": "false", "authorised_only": "false"}
    assert q.values({"max_suppliers": " "})["max_suppliers"] == "1"


class RecordingStore:
    """Passes queries to the fixture store and keeps what was sent."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.sent: list[tuple[str, Mapping[str, Term] | None]] = []

    def query(self, query: str, bindings: Mapping[str, Term] | None = None, **kw: Any) -> Any:
        self.sent.append((query, bindings))
        return self.store.query(query, bindings, **kw)


def _injection_cases(catalogue: dict[str, NamedQuery]) -> list[tuple[str, str]]:
    return [(q.id, p.name) for q in catalogue.values() for p in q.parameters]


@pytest.mark.parametrize("payload", INJECTIONS, ids=range(len(INJECTIONS)))
def test_injection_attempts_are_refused_or_bound_as_plain_text(
    catalogue: dict[str, NamedQuery], fixture_store: EmbeddedStore, payload: str
) -> None:
    before = fixture_store.count()
    bound_as_literal = 0
    for query_id, name in _injection_cases(catalogue):
        q = catalogue[query_id]
        params = {
            **{
                p.name: q.example[p.name]
                for p in q.parameters
                if p.required and p.name in q.example
            },
            name: payload,
        }
        if "product" in params and name != "product":
            params["product"] = "EMEA-H-C-999001"
        if "site" in params and name != "site":
            params["site"] = "alpha"
        recorder = RecordingStore(fixture_store)
        try:
            result = q.run(recorder, params)  # type: ignore[arg-type]
        except ParameterError as exc:
            assert name in str(exc)
            continue
        # Accepted: only as a literal equal to the payload, the query text untouched, no rows.
        [(text, bindings)] = recorder.sent
        assert bindings is not None and isinstance(bindings[name], Literal)
        assert text == q.paged_sparql(None, 0, bindings)
        assert bindings[name].value == payload.strip()
        assert isinstance(result, SelectResult) and len(result) == 0, (query_id, name)
        bound_as_literal += 1
    assert fixture_store.count() == before
    if len(payload) <= 100 and "\n" not in payload:
        assert bound_as_literal > 0  # the string parameters took it as text


def test_pages_are_stable_slices_of_the_whole_answer(
    catalogue: dict[str, NamedQuery], fixture_store: EmbeddedStore
) -> None:
    checked = 0
    for q in catalogue.values():
        params = {
            k: v
            for k, v in q.example.items()
            if any(p.required and p.name == k for p in q.parameters)
        }
        if any(p.required for p in q.parameters) and set(params) != {
            p.name for p in q.parameters if p.required
        }:
            continue
        if "product" in params:
            params["product"] = "EMEA-H-C-999001"
        if "site" in params:
            params["site"] = "beta"
        whole = plain(q.run(fixture_store, params))
        if len(whole) < 2:
            continue
        pages = [
            plain(q.run(fixture_store, params, limit=2, offset=o)) for o in range(0, len(whole), 2)
        ]
        assert [row for page in pages for row in page] == whole, q.id
        assert plain(q.run(fixture_store, params)) == whole, q.id
        assert plain(q.run(fixture_store, params, limit=0)) == []
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("query_id", "params"),
    [
        ("facilities_for_product", {"product": "EMEA-H-C-999001"}),
        ("facilities_for_product", {"product": "academicel", "can_make": "false", "country": "NL"}),
        ("products_for_facility", {"site": "beta"}),
        ("products_for_facility", {"site": "alpha", "can_make": "true"}),
        ("why_not", {"site": "gamma", "product": "EMEA-H-C-999001"}),
    ],
)
def test_live_answers_equal_the_materialised_ones_on_the_build_date(
    catalogue: dict[str, NamedQuery],
    fixture_store: EmbeddedStore,
    query_id: str,
    params: dict[str, str],
) -> None:
    q = catalogue[query_id]
    materialised = q.run(fixture_store, params)
    live = q.run(fixture_store, {**params, "on": "2026-01-01"})
    assert live.variables == materialised.variables
    assert plain(live) == plain(materialised) and len(live) > 0
    # Pagination is applied to the live answer too, in the same order.
    assert (
        plain(q.run(fixture_store, {**params, "on": "2026-01-01"}, limit=1, offset=1))
        == plain(materialised)[1:2]
    )


def test_a_live_date_changes_the_answer(
    catalogue: dict[str, NamedQuery], fixture_store: EmbeddedStore
) -> None:
    q = catalogue["why_not"]
    params = {"site": "beta", "product": "academicel"}
    [now] = plain(q.run(fixture_store, params))
    [later] = plain(q.run(fixture_store, {**params, "on": "2029-06-01"}))
    assert (now["canManufacture"], later["canManufacture"]) == ("true", "false")
    assert later["explanation"] == (
        "no GMP certificate valid on 2029-06-01 (held: GMP-BETA-1 (valid from 2021-01-01 "
        "until 2029-01-01))"
    )
    assert later["assessedOn"] == "2029-06-01"
