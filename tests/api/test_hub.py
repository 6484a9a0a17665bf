"""The hub lookups under /api/ over the synthetic hub graph (tests/api/fixtures/hub.ttl)."""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hub_fixtures import (
    EXEMPLAGENE,
    EXEMPLAR,
    HUB_TTL,
    LOWLANDS,
    NORTHFIELD,
    ONTOLOGY_TTL,
    SYNTHOCEL,
)

ENVELOPE = {"items", "total", "limit", "offset", "links"}
ERROR = {"error", "message", "detail"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

LISTS = [
    "/api/products",
    f"/api/products/{SYNTHOCEL}/facilities",
    "/api/trials",
    "/api/facilities",
    f"/api/facilities/{NORTHFIELD}/products",
    "/api/materials",
    "/api/suppliers",
    "/api/hospital-exemptions",
    "/api/search?q=exemplar",
    "/api/analytics",
    "/api/analytics/supplier_centrality",
]
SINGLE = [
    f"/api/products/{SYNTHOCEL}",
    f"/api/facilities/{NORTHFIELD}",
    f"/api/neighbourhood/site/{NORTHFIELD}",
]


def get(client: TestClient, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params=params) if params else client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body


def labels(page: dict[str, Any]) -> list[str]:
    return [item["label"] for item in page["items"]]


def link_rels(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', header)}


# --- every route -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_every_list_returns_rows_in_the_envelope(hub_client: TestClient, url: str) -> None:
    response = hub_client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) >= ENVELOPE
    assert body["items"] and body["total"] >= len(body["items"])
    assert body["limit"] == 50 and body["offset"] == 0
    assert link_rels(response.headers["link"])["first"] == body["links"]["first"]


@pytest.mark.parametrize(
    ("url", "accept", "status"),
    [
        (url, accept, status)
        for url in LISTS + SINGLE
        for accept, status in [
            (None, 200),
            ("application/json", 200),
            ("*/*", 200),
            (BROWSER, 200),
            ("text/turtle", 406),
            ("text/csv", 406),
        ]
    ],
)
def test_accept_table(hub_client: TestClient, url: str, accept: str | None, status: int) -> None:
    headers = {"Accept": accept} if accept else {}
    response = hub_client.get(url, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert "Accept" in response.headers["vary"]
    if status == 406:
        body = response.json()
        assert body["error"] == "not_acceptable"
        assert body["detail"] == {"available": ["application/json"]}


def test_format_parameter_is_negotiated_like_accept(hub_client: TestClient) -> None:
    assert hub_client.get("/api/products?format=json").status_code == 200
    assert hub_client.get("/api/products?format=csv").status_code == 406
    assert hub_client.get("/api/products?format=nonsense").json()["error"] == "bad_parameter"


# --- pagination --------------------------------------------------------------------------------


def test_pages_walk_the_whole_list_with_links(hub_client: TestClient) -> None:
    everything = labels(get(hub_client, "/api/products"))
    assert everything == ["ARX-0099", "Cartilon", "Exemplagene", "Synthocel"]
    seen = []
    url: str | None = "/api/products?limit=1"
    rels: dict[str, str] = {}
    while url:
        response = hub_client.get(url)
        body = response.json()
        assert body["total"] == 4 and body["limit"] == 1
        rels = link_rels(response.headers["link"])
        assert rels.get("next") == body["links"]["next"]
        assert rels.get("prev") == body["links"]["prev"]
        if body["offset"] == 0:
            assert "prev" not in rels
        else:
            assert "offset=" + str(body["offset"] - 1) in rels["prev"]
        seen += labels(body)
        url = body["links"]["next"]
    assert seen == everything
    assert "next" not in rels


def test_filters_are_kept_in_page_links(hub_client: TestClient) -> None:
    body = get(hub_client, "/api/trials", country="ES", limit=1)
    assert body["total"] == 2
    assert "country=ES" in body["links"]["next"] and "offset=1" in body["links"]["next"]


def test_an_offset_past_the_end_is_an_empty_page(hub_client: TestClient) -> None:
    body = get(hub_client, "/api/products", offset=10)
    assert body["items"] == [] and body["total"] == 4 and body["links"]["next"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "offset=-1", "limit=x"])
def test_bad_pages_are_refused(hub_client: TestClient, query: str) -> None:
    response = hub_client.get("/api/products?" + query)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == ERROR and body["error"] == "bad_parameter"


# --- products ----------------------------------------------------------------------------------


def test_product_list_items(hub_client: TestClient) -> None:
    items = {i["key"]: i for i in get(hub_client, "/api/products")["items"]}
    synthocel = items[SYNTHOCEL]
    assert synthocel["ema_number"] == "EMEA/H/C/999901"
    assert synthocel["inn"] == "synthocabtagene autoleucel"
    assert synthocel["alt_labels"] == ["SYN-19"]
    assert synthocel["types"] == ["GTMP"] and synthocel["is_cart"] is True
    assert synthocel["page"] == f"/id/product/{SYNTHOCEL}"
    assert synthocel["illustrative"] is True
    (ma,) = synthocel["marketing_authorisations"]
    assert ma["status"]["key"] == "Authorised" and ma["ma_type"]["key"] == "ConditionalMA"
    assert ma["holder"]["label"] == "Northfield Biologics GmbH"
    assert items["cartilon"]["has_process"] is False and items["cartilon"]["types"] == ["TEP"]


def test_product_filters(hub_client: TestClient) -> None:
    assert labels(get(hub_client, "/api/products", type="TEP")) == ["Cartilon"]
    assert "Cartilon" not in labels(get(hub_client, "/api/products", has_process="true"))
    assert labels(get(hub_client, "/api/products", has_process="false")) == ["Cartilon"]
    assert get(hub_client, "/api/products", illustrative="false")["total"] == 0
    assert get(hub_client, "/api/products", illustrative="true")["total"] == 4


def test_product_detail(hub_client: TestClient) -> None:
    body = get(hub_client, f"/api/products/{SYNTHOCEL}")
    assert [t["key"] for t in body["trials"]] == ["2099-000001-11"]
    assert [c["key"] for c in body["required_capabilities"]] == [
        "t-cell-processing",
        "closed-automated-processing",
        "cryopreservation",
        "lv-transduction",
        "qc-release",
    ]
    assert [o["key"] for o in body["required_operations"]] == ["1.3.1.4"]
    assert {m["label"] for m in body["materials"]} == {"Human serum albumin", "Interleukin-2"}
    arx = get(hub_client, "/api/products/arx-0099")
    assert [h["key"] for h in arx["hospital_exemptions"]] == ["ES-arx-0099-2021-02-01"]


def test_unknown_and_malformed_product_keys(hub_client: TestClient) -> None:
    missing = hub_client.get("/api/products/EMEA-H-C-000000")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    # A site is not a product.
    assert hub_client.get(f"/api/products/{NORTHFIELD}").status_code == 404
    bad = hub_client.get("/api/products/not%20a%20key")
    assert bad.status_code == 422 and set(bad.json()) == ERROR


# --- can it make it, and if not, why not --------------------------------------------------------


def test_facilities_for_a_product_can_make_first_then_what_is_missing(
    hub_client: TestClient,
) -> None:
    items = get(hub_client, f"/api/products/{SYNTHOCEL}/facilities")["items"]
    assert [(a["facility"]["key"], a["can_make"]) for a in items] == [
        (NORTHFIELD, True),
        (EXEMPLAR, False),
        (LOWLANDS, False),
    ]
    northfield, exemplar, lowlands = items
    assert northfield["scope"] == "commercial" and northfield["reasons"]
    assert [c["key"] for c in exemplar["missing_capabilities"]] == ["closed-automated-processing"]
    assert exemplar["certificate_valid"] is True
    assert exemplar["reasons"] == ["missing capabilities: Closed automated processing"]
    assert lowlands["certificate_valid"] is False
    assert any("no GMP certificate valid" in r for r in lowlands["reasons"])
    # The facility comes with its whole record, ready for a finder to show.
    assert exemplar["facility"]["country"]["key"] == "ES"
    assert exemplar["facility"]["organisation"]["label"] == "Hospital Universitari Exemplar"


def test_missing_materials_explain_why_no_site_can_make_a_product(hub_client: TestClient) -> None:
    items = get(hub_client, f"/api/products/{EXEMPLAGENE}/facilities")["items"]
    assert items and not any(a["can_make"] for a in items)
    for a in items:
        assert [m["label"] for m in a["missing_materials"]] == ["Foetal bovine serum"]


def test_product_facilities_filters_and_date(hub_client: TestClient) -> None:
    url = f"/api/products/{SYNTHOCEL}/facilities"
    only_es = get(hub_client, url, country="es")["items"]
    assert [a["facility"]["key"] for a in only_es] == [EXEMPLAR]
    cannot = get(hub_client, url, can_make="false")
    assert cannot["total"] == 2 and not any(a["can_make"] for a in cannot["items"])
    # Before Northfield's authorisation was valid (2020-01-15) nobody could make it.
    early = get(hub_client, url, on="2019-06-01")["items"]
    assert not any(a["can_make"] for a in early)
    assert all(a["on"] == "2019-06-01" for a in early)


def test_a_product_without_a_process_cannot_be_assessed(hub_client: TestClient) -> None:
    response = hub_client.get("/api/products/cartilon/facilities")
    assert response.status_code == 404
    assert "no manufacturing process is recorded" in response.json()["message"]


def test_what_a_facility_can_make(hub_client: TestClient) -> None:
    items = get(hub_client, f"/api/facilities/{NORTHFIELD}/products")["items"]
    verdicts = {a["product"]["label"]: a["can_make"] for a in items}
    assert verdicts == {"ARX-0099": True, "Exemplagene": False, "Synthocel": True}
    only_no = get(hub_client, f"/api/facilities/{NORTHFIELD}/products", can_make="false")
    assert labels({"items": [a["product"] for a in only_no["items"]]}) == ["Exemplagene"]
    assert hub_client.get("/api/facilities/nowhere/products").status_code == 404


# --- facilities --------------------------------------------------------------------------------


def test_facility_filters(hub_client: TestClient) -> None:
    def keys(**params: Any) -> list[str]:
        return [f["key"] for f in get(hub_client, "/api/facilities", **params)["items"]]

    assert keys() == [EXEMPLAR, LOWLANDS, NORTHFIELD]
    assert keys(country="NL") == [LOWLANDS]
    assert keys(capability="lv-transduction") == [EXEMPLAR, NORTHFIELD]
    both = get(
        hub_client,
        "/api/facilities?capability=lv-transduction&capability=closed-automated-processing",
    )
    assert [f["key"] for f in both["items"]] == [NORTHFIELD]
    assert keys(scope="hospital-exemption") == [EXEMPLAR]
    assert keys(scope="commercial") == [NORTHFIELD]
    assert keys(can_make=SYNTHOCEL) == [NORTHFIELD]
    assert keys(can_make="arx-0099") == [EXEMPLAR, NORTHFIELD]
    assert keys(can_make=EXEMPLAGENE) == []
    assert keys(third_party="false") == [EXEMPLAR]
    assert keys(country="DE", can_make=SYNTHOCEL) == [NORTHFIELD]


def test_facility_filter_errors(hub_client: TestClient) -> None:
    assert hub_client.get("/api/facilities?scope=lunar").status_code == 422
    assert hub_client.get("/api/facilities?country=DEU").status_code == 422
    unknown_product = hub_client.get("/api/facilities?can_make=no-such-product")
    assert unknown_product.status_code == 404
    assert unknown_product.json()["error"] == "not_found"


def test_facility_detail(hub_client: TestClient) -> None:
    body = get(hub_client, f"/api/facilities/{NORTHFIELD}")
    assert body["city"] == "Munich" and body["third_party_manufacturing"] is True
    (mia,) = body["authorisations"]
    assert mia["number"] == "DE-MIA-0001" and mia["valid_until"] == "2099-12-31"
    assert {s["key"] for s in mia["scopes"]} == {"CommercialScope", "InvestigationalScope"}
    assert {o["key"] for o in mia["operations"]} == {"1.3.1.3", "1.3.1.4"}
    assert mia["status"]["key"] == "Authorised"
    (certificate,) = body["certificates"]
    assert certificate["number"] == "DE-GMP-0001"
    assert certificate["inspection_date"] == "2024-03-01"
    assert hub_client.get("/api/facilities/nowhere").status_code == 404


# --- trials, materials, suppliers, Hospital Exemption ---------------------------------------------


def test_trials_and_their_filters(hub_client: TestClient) -> None:
    trials = {t["key"]: t for t in get(hub_client, "/api/trials")["items"]}
    syn = trials["2099-000001-11"]
    assert syn["eudract_number"] == "2099-000001-11" and syn["nct_number"] == "NCT09999901"
    assert syn["phase"]["key"] == "Phase2" and syn["status"]["key"] == "Recruiting"
    assert [c["key"] for c in syn["countries"]] == ["DE", "ES"]
    assert syn["enrollment"] == 60 and syn["commercial_sponsor"] is True
    assert trials["2099-500002-22-00"]["euct_number"] == "2099-500002-22-00"

    def keys(**params: Any) -> list[str]:
        return [t["key"] for t in get(hub_client, "/api/trials", **params)["items"]]

    assert keys(product="arx-0099") == ["NCT09999903"]
    assert keys(phase="Phase1") == ["2099-500002-22-00"]
    assert keys(status="Completed") == ["NCT09999903"]
    assert keys(sponsor="lowlands-cell-factory-b-v") == ["2099-500002-22-00"]
    assert hub_client.get("/api/trials?phase=Phase9").status_code == 422


def test_materials(hub_client: TestClient) -> None:
    items = {m["key"]: m for m in get(hub_client, "/api/materials")["items"]}
    hsa = items["human-serum-albumin"]
    assert hsa["gmp_grade_offered"] is True
    assert [u["label"] for u in hsa["used_by"]] == ["ARX-0099", "Synthocel"]
    (offer,) = hsa["offers"]
    assert offer["catalogue_number"] == "HSA-25" and offer["lead_time_days"] == 14
    assert offer["supplier"]["label"] == "Acme Reagents Ltd"
    assert offer["grade"]["key"] == "GMPGrade" and offer["complies_with_ph_eur_5212"] is True
    fbs = items["foetal-bovine-serum"]
    assert fbs["gmp_grade_offered"] is False and fbs["origin"]["key"] == "BovineOrigin"
    assert fbs["offers"][0]["has_tse_certificate"] is False

    def keys(**params: Any) -> list[str]:
        return [m["key"] for m in get(hub_client, "/api/materials", **params)["items"]]

    assert keys(grade="GMPGrade") == ["human-serum-albumin", "interleukin-2"]
    assert keys(origin="BovineOrigin") == ["foetal-bovine-serum"]
    assert keys(supplier="bioserum-supplies-sa") == ["foetal-bovine-serum"]


def test_suppliers(hub_client: TestClient) -> None:
    items = {s["key"]: s for s in get(hub_client, "/api/suppliers")["items"]}
    assert set(items) == {"acme-reagents-ltd", "bioserum-supplies-sa"}
    acme = items["acme-reagents-ltd"]
    assert [o["catalogue_number"] for o in acme["offers"]] == ["HSA-25", "IL2-GMP"]
    assert acme["country"]["key"] == "NL" and acme["org_type"]["key"] == "Industry"
    by_material = get(hub_client, "/api/suppliers", material="interleukin-2")
    assert [s["key"] for s in by_material["items"]] == ["acme-reagents-ltd"]
    assert [s["key"] for s in get(hub_client, "/api/suppliers", country="ES")["items"]] == [
        "bioserum-supplies-sa"
    ]


def test_hospital_exemptions(hub_client: TestClient) -> None:
    (he,) = get(hub_client, "/api/hospital-exemptions")["items"]
    assert he["product"]["key"] == "arx-0099" and he["member_state"]["key"] == "ES"
    assert he["authority"]["label"] == "Example Medicines Agency"
    assert [s["key"] for s in he["sites"]] == [EXEMPLAR]
    assert he["valid_from"] == "2021-02-01" and he["max_patients"] == 50
    assert he["use_reports"] == [
        {"iri": he["use_reports"][0]["iri"], "year": 2023, "patients_treated": 12}
    ]
    assert get(hub_client, "/api/hospital-exemptions", country="NL")["total"] == 0
    assert get(hub_client, "/api/hospital-exemptions", product="arx-0099")["total"] == 1


# --- search ------------------------------------------------------------------------------------


def hits(client: TestClient, q: str, **params: Any) -> list[tuple[str, str, str]]:
    body = get(client, "/api/search", q=q, **params)
    return [(h["label"], h["type"], h["match"]) for h in body["items"]]


@pytest.mark.parametrize(
    ("q", "label", "field"),
    [
        ("NCT09999901", "SYN-19 in relapsed B-ALL", "nctNumber"),
        ("nct09999903", "ARX-0099 in adults with B-ALL", "nctNumber"),
        ("2099-000001-11", "SYN-19 in relapsed B-ALL", "eudractNumber"),
        ("2099-500002-22-00", "Exemplagene first-in-human study", "euCtNumber"),
        ("EMEA/H/C/999902", "Exemplagene", "emaProductNumber"),
        ("EMEA-H-C-999901", "Synthocel", "emaProductNumber"),
        ("de-mia-0001", "DE-MIA-0001", "miaNumber"),
    ],
)
def test_search_finds_identifiers_exactly(
    hub_client: TestClient, q: str, label: str, field: str
) -> None:
    body = get(hub_client, "/api/search", q=q)
    first = body["items"][0]
    assert (first["label"], first["match"], first["matched_field"]) == (label, "identifier", field)


def test_search_ranking(hub_client: TestClient) -> None:
    found = hits(hub_client, "synthocel")
    assert found[:3] == [
        ("Synthocel", "product", "label-exact"),
        ("Synthocel manufacturing process", "process", "label-prefix"),
        ("Marketing authorisation of Synthocel", "marketing-authorisation", "label-contains"),
    ]
    # The INN names the substance, and is another name of the product: label first.
    assert hits(hub_client, "synthocabtagene") == [
        ("synthocabtagene autoleucel", "substance", "label-prefix"),
        ("Synthocel", "product", "other-name"),
    ]
    # An alternative label ranks below every label match.
    assert hits(hub_client, "exemplar")[-1] == ("ARX-0099", "product", "other-name")


def test_search_by_type_and_hidden_types(hub_client: TestClient) -> None:
    assert hits(hub_client, "syn", type="trial") == [
        ("SYN-19 in relapsed B-ALL", "trial", "label-prefix")
    ]
    # Derived assessments would crowd the answer; they are found only when asked for.
    assert not any(t == "assessment" for _, t, _ in hits(hub_client, "synthocel"))
    assert hits(hub_client, "can make synthocel", type="assessment")


@pytest.mark.parametrize(
    ("query", "status"), [("q=x", 400), ("type=trial", 422), ("q=ab&type=spaceship", 400)]
)
def test_search_errors(hub_client: TestClient, query: str, status: int) -> None:
    response = hub_client.get("/api/search?" + query)
    assert response.status_code == status
    assert response.json()["error"] == "bad_parameter"


def test_search_text_is_data_not_query(hub_client: TestClient) -> None:
    # SPARQL syntax in the text is looked for, never run.
    assert get(hub_client, "/api/search", q='") } ; DROP ALL ; #')["total"] == 0


# --- neighbourhood -----------------------------------------------------------------------------


def test_neighbourhood_of_a_product(hub_client: TestClient) -> None:
    body = get(hub_client, f"/api/neighbourhood/product/{SYNTHOCEL}")
    assert body["node"]["label"] == "Synthocel" and body["node"]["types"] == ["GTMP"]
    assert body["nodes"][0]["iri"] == body["node"]["iri"]
    by_iri = {n["iri"]: n for n in body["nodes"]}
    edges = {
        (by_iri[e["source"]]["label"], e["label"], by_iri[e["target"]]["label"])
        for e in body["edges"]
    }
    assert ("Synthocel", "has manufacturing process", "Synthocel manufacturing process") in edges
    # Incoming links are neighbours too.
    assert ("SYN-19 in relapsed B-ALL", "tests product", "Synthocel") in edges
    inn = [p for p in body["properties"] if p["predicate"].endswith("#inn")]
    assert inn[0]["value"] == "synthocabtagene autoleucel" and inn[0]["ref"] is None
    assert body["truncated"] is False


def test_neighbourhood_is_capped(hub_client: TestClient) -> None:
    body = get(hub_client, f"/api/neighbourhood/site/{NORTHFIELD}", limit=2)
    assert len(body["nodes"]) == 3 and body["truncated"] is True
    listed = {n["iri"] for n in body["nodes"]}
    assert all(e["source"] in listed and e["target"] in listed for e in body["edges"])


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/neighbourhood/site/nowhere", 404),
        ("/api/neighbourhood/spaceship/x", 404),
        ("/api/neighbourhood/site/a%20b", 400),
        ("/api/neighbourhood/site/a/%2e%2e/b", 400),
    ],
)
def test_neighbourhood_errors(hub_client: TestClient, url: str, status: int) -> None:
    response = hub_client.get(url)
    assert response.status_code == status
    assert set(response.json()) == ERROR


# --- OpenAPI -----------------------------------------------------------------------------------


def test_openapi_documents_the_hub(hub_client: TestClient) -> None:
    spec = hub_client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in [
        "/api/products",
        "/api/products/{key}",
        "/api/products/{key}/facilities",
        "/api/facilities",
        "/api/facilities/{key}",
        "/api/facilities/{key}/products",
        "/api/trials",
        "/api/materials",
        "/api/suppliers",
        "/api/hospital-exemptions",
        "/api/search",
        "/api/neighbourhood/{type}/{key}",
    ]:
        assert "get" in paths[path], path
    facilities = {p["name"]: p for p in paths["/api/facilities"]["get"]["parameters"]}
    assert set(facilities) >= {"country", "capability", "scope", "can_make", "limit", "offset"}
    assert facilities["scope"]["schema"]["anyOf"][0]["enum"] == [
        "commercial",
        "investigational",
        "hospital-exemption",
    ]
    assert facilities["limit"]["schema"]["maximum"] == 1000
    responses = paths["/api/facilities"]["get"]["responses"]
    assert {"200", "400", "404", "406", "422"} <= set(responses)
    schemas = spec["components"]["schemas"]
    assert {"items", "total", "limit", "offset", "links"} <= set(
        schemas["Listing_FacilityOut_"]["properties"]
    )
    assert "missing_capabilities" in schemas["AssessmentOut"]["properties"]


# --- analytics ---------------------------------------------------------------------------------


def test_analyses_are_listed(hub_client: TestClient) -> None:
    body = get(hub_client, "/api/analytics")
    names = {a["name"]: a for a in body["items"]}
    assert {"single_supplier_materials", "explanation_path"} <= set(names)
    assert names["explanation_path"]["parameters"] == ["product", "facility"]
    assert names["explanation_path"]["href"] == "/api/analytics/explanation_path"


@pytest.mark.parametrize(
    ("query", "column"),
    [
        ("single_supplier_materials", "material"),
        ("supplier_centrality", "supplier"),
        ("facility_centrality", "site"),
        ("sponsor_network", "sponsor"),
        (f"explanation_path?product={SYNTHOCEL}&facility={NORTHFIELD}", "step"),
    ],
)
def test_every_analysis_returns_rows(hub_client: TestClient, query: str, column: str) -> None:
    response = hub_client.get("/api/analytics/" + query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert column in body["columns"] and body["items"]
    assert set(body["items"][0]) == set(body["columns"])
    assert body["total"] == len(body["items"])


def test_analysis_results(hub_client: TestClient) -> None:
    rows = get(hub_client, "/api/analytics/single_supplier_materials")["items"]
    by_material = {r["materialLabel"]: r for r in rows}
    assert by_material["Foetal bovine serum"]["suppliers"] == 0
    assert by_material["Human serum albumin"]["supplier"] == "Acme Reagents Ltd"
    path = get(
        hub_client,
        "/api/analytics/explanation_path",
        product=SYNTHOCEL,
        facility=NORTHFIELD,
    )["items"]
    assert path[0]["fromLabel"] == "Synthocel"
    assert path[-1]["toLabel"] == "Northfield Biologics Munich"


def test_analysis_pages(hub_client: TestClient) -> None:
    response = hub_client.get("/api/analytics/facility_centrality?limit=1")
    body = response.json()
    assert len(body["items"]) == 1 and body["total"] == 3
    assert link_rels(response.headers["link"])["next"] == body["links"]["next"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/analytics/no_such_analysis", 404),
        ("/api/analytics/explanation_path", 400),
        (f"/api/analytics/explanation_path?product={SYNTHOCEL}&facility=nowhere&x=1", 400),
        ("/api/analytics/facility_centrality?on=someday", 400),
        ("/api/analytics/Bad-Name", 422),
    ],
)
def test_analysis_errors(hub_client: TestClient, url: str, status: int) -> None:
    response = hub_client.get(url)
    assert response.status_code == status, response.text
    assert set(response.json()) == ERROR


def test_fixture_uses_only_ontology_terms() -> None:
    """The synthetic hub graph speaks the ontology (ADR 0001 term contract) and says of every
    node that it is illustrative."""
    atmp = "https://w3id.org/atmp-kg/ontology#"
    declared = {
        q.subject.value
        for q in ox.parse(path=ONTOLOGY_TTL, format=ox.RdfFormat.TURTLE)
        if isinstance(q.subject, ox.NamedNode)
    }
    fixture = list(ox.parse(path=HUB_TTL, format=ox.RdfFormat.TURTLE))
    used = {
        t.value
        for q in fixture
        for t in (q.predicate, q.object)
        if isinstance(t, ox.NamedNode) and t.value.startswith(atmp)
    }
    assert used and used <= declared, sorted(used - declared)
    subjects = {q.subject for q in fixture}
    illustrative = {q.subject for q in fixture if q.predicate.value == atmp + "isIllustrative"}
    assert subjects == illustrative
