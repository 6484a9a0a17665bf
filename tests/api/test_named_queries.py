"""`/queries` and `/queries/{query_id}` over the synthetic hub graph: one OpenAPI operation per
named query, validated parameters, pages with Link headers, JSON / CSV / JSON-LD, ETags."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hub_fixtures import (
    EXEMPLAR,
    LOWLANDS,
    NORTHFIELD,
    SYNTHOCEL,
    build_hub_store,
    hub_settings,
)

from api.app import create_app
from graph_builder.namespaces import GRAPH, ID
from graph_builder.store import EmbeddedStore
from queries.catalogue import load_catalogue

CATALOGUE = load_catalogue()
FACILITIES = f"/queries/facilities_for_product?product={SYNTHOCEL}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ERROR = {"error", "message", "detail"}
SITE = ID + "site/"


def link_rels(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', header)}


def bindings(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert isinstance(rows, list)
    return rows


# --- the catalogue -----------------------------------------------------------------------------


def test_catalogue_lists_every_query(hub_client: TestClient) -> None:
    response = hub_client.get("/queries", params={"limit": 1000})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["total"] == len(CATALOGUE)
    assert {q["id"] for q in body["items"]} == set(CATALOGUE)
    item = next(q for q in body["items"] if q["id"] == "facilities_for_product")
    assert item["href"] == "/queries/facilities_for_product"
    assert item["example_href"] == "/queries/facilities_for_product?product=EMEA-H-C-004090"
    assert item["sparql"] == CATALOGUE["facilities_for_product"].sparql
    product = next(p for p in item["parameters"] if p["name"] == "product")
    assert product["required"] is True and product["type"] == "iri"


def test_catalogue_pages(hub_client: TestClient) -> None:
    response = hub_client.get("/queries?limit=5&offset=5")
    body = response.json()
    assert len(body["items"]) == 5 and body["offset"] == 5
    rels = link_rels(response.headers["link"])
    assert set(rels) == {"first", "prev", "next"}


@pytest.mark.parametrize(
    ("accept", "status", "media_type"),
    [
        (None, 200, "application/json"),
        ("application/json", 200, "application/json"),
        ("text/html", 303, None),
        (BROWSER, 303, None),
        ("text/turtle", 406, "application/json"),
    ],
)
def test_catalogue_accept_table(
    hub_client: TestClient, accept: str | None, status: int, media_type: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = hub_client.get("/queries", headers=headers, follow_redirects=False)
    assert response.status_code == status
    assert "Accept" in response.headers["vary"]
    if media_type:
        assert response.headers["content-type"] == media_type
    if status == 303:
        # A browser is sent to the web page's list of the same queries.
        assert response.headers["location"] == "/#queries"


@pytest.mark.parametrize("query_id", sorted(CATALOGUE))
def test_every_query_runs_its_example(hub_client: TestClient, query_id: str) -> None:
    q = CATALOGUE[query_id]
    response = hub_client.get(f"/queries/{query_id}", params=q.example)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/sparql-results+json"
    head = response.json()["head"]["vars"]
    assert head, f"{query_id} projects no variable"
    assert response.headers["etag"].startswith('"')


# --- OpenAPI -----------------------------------------------------------------------------------

_OPENAPI_TYPES = {
    "iri": "string",
    "string": "string",
    "int": "integer",
    "date": "string",
    "boolean": "boolean",
    "enum": "string",
    "country": "string",
    "eudract": "string",
    "euct": "string",
    "nct": "string",
    "ema_number": "string",
}


def test_openapi_has_one_typed_operation_per_query(hub_client: TestClient) -> None:
    spec = hub_client.get("/openapi.json").json()
    for q in CATALOGUE.values():
        operation = spec["paths"][f"/queries/{q.id}"]["get"]
        assert operation["operationId"] == f"query_{q.id}"
        assert operation["summary"] == q.summary
        assert q.topic in operation["tags"]
        params = {p["name"]: p for p in operation["parameters"]}
        assert {"limit", "offset", "format"} <= set(params)
        for p in q.parameters:
            documented = params[p.name]
            assert documented["in"] == "query"
            assert documented["required"] is p.required, (q.id, p.name)
            schema = documented["schema"]
            assert schema["type"] == _OPENAPI_TYPES[p.type], (q.id, p.name)
            if p.allowed:
                assert schema["enum"] == list(p.allowed)
            if p.type == "date":
                assert re.fullmatch(schema["pattern"], "2024-01-31")
                assert re.fullmatch(schema["pattern"], "today")
            if p.type == "nct":
                assert re.fullmatch(schema["pattern"], "NCT02445248")
        responses = operation["responses"]
        assert set(responses["200"]["content"]) >= {
            "application/sparql-results+json",
            "text/csv",
            "application/ld+json",
        }
        assert {"200", "304", "400", "406", "422"} <= set(responses)
    # The fallback for unknown ids is not an operation.
    assert "/queries/{query_id}" not in spec["paths"]


# --- answers and formats -----------------------------------------------------------------------


def test_json_answer(hub_client: TestClient) -> None:
    rows = bindings(hub_client.get(FACILITIES))
    assert [(r["site"]["value"], r["canManufacture"]["value"]) for r in rows] == [
        (SITE + NORTHFIELD, "true"),
        (SITE + EXEMPLAR, "false"),
        (SITE + LOWLANDS, "false"),
    ]
    assert rows[1]["missingCapabilities"]["value"] == "Closed automated processing"


def test_csv_answer(hub_client: TestClient) -> None:
    response = hub_client.get(FACILITIES, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0][:4] == ["site", "siteLabel", "canManufacture", "certificateValid"]
    assert [row[0] for row in table[1:]] == [SITE + NORTHFIELD, SITE + EXEMPLAR, SITE + LOWLANDS]


def test_jsonld_answer_is_rdf(hub_client: TestClient) -> None:
    response = hub_client.get(FACILITIES, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    document = json.loads(response.content)
    assert len(document["@graph"]) == 3
    triples = list(ox.parse(response.content, ox.RdfFormat.JSON_LD))
    vocabulary = "https://w3id.org/atmp-kg/queries/facilities_for_product#"
    sites = {t.object.value for t in triples if t.predicate == ox.NamedNode(vocabulary + "site")}
    assert sites == {SITE + NORTHFIELD, SITE + EXEMPLAR, SITE + LOWLANDS}
    flags = [t.object for t in triples if t.predicate.value == vocabulary + "canManufacture"]
    assert {f.datatype.value for f in flags} == {"http://www.w3.org/2001/XMLSchema#boolean"}


@pytest.mark.parametrize(
    ("accept", "fmt", "status", "media_type"),
    [
        (None, None, 200, "application/sparql-results+json"),
        ("*/*", None, 200, "application/sparql-results+json"),
        (BROWSER, None, 200, "application/xml"),
        ("application/sparql-results+json", None, 200, "application/sparql-results+json"),
        ("application/json", None, 200, "application/json"),
        ("application/sparql-results+xml", None, 200, "application/sparql-results+xml"),
        ("text/csv", None, 200, "text/csv; charset=utf-8"),
        ("text/tab-separated-values", None, 200, "text/tab-separated-values; charset=utf-8"),
        ("application/ld+json", None, 200, "application/ld+json"),
        ("text/turtle", None, 406, "application/json"),
        ("text/html", None, 406, "application/json"),
        ("text/turtle", "csv", 200, "text/csv; charset=utf-8"),
        (None, "jsonld", 200, "application/ld+json"),
        (None, "ttl", 406, "application/json"),
        (None, "nonsense", 400, "application/json"),
    ],
)
def test_accept_table(
    hub_client: TestClient, accept: str | None, fmt: str | None, status: int, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    url = FACILITIES + (f"&format={fmt}" if fmt else "")
    response = hub_client.get(url, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == media_type
    if status != 400:  # an unknown `format` is refused whatever the Accept header says
        assert "Accept" in response.headers["vary"]
    if status >= 400:
        assert set(response.json()) == ERROR


def test_live_answer_for_a_date(hub_client: TestClient) -> None:
    # `on` makes manufacturability answer live for that day: before any authorisation was
    # valid, nobody could make the product.
    rows = bindings(hub_client.get(FACILITIES + "&on=2019-06-01"))
    assert len(rows) == 3
    assert {r["canManufacture"]["value"] for r in rows} == {"false"}
    assert {r["assessedOn"]["value"] for r in rows} == {"2019-06-01"}


def test_parameters_filter_the_answer(hub_client: TestClient) -> None:
    rows = bindings(hub_client.get(FACILITIES + "&can_make=false&country=nl"))
    assert [r["site"]["value"] for r in rows] == [SITE + LOWLANDS]


def test_the_api_sends_the_query_anchored_on_the_given_identifier(
    hub_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """identifier_crosswalk has `#if bound(?nct)` blocks: given `nct`, the text sent to the
    executor starts from the identifier instead of testing it on every trial."""
    import api.routers.named_queries as named_queries
    from api.deps import run_query as original

    sent: list[str] = []

    async def spy(ctx: Any, sparql: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(sparql)
        return await original(ctx, sparql, *args, **kwargs)

    monkeypatch.setattr(named_queries, "run_query", spy)
    response = hub_client.get("/queries/identifier_crosswalk", params={"nct": "NCT02445248"})
    assert response.status_code == 200, response.text
    (text,) = sent
    query = load_catalogue()["identifier_crosswalk"]
    assert text.startswith(query.paged_sparql(None, 0, {"nct"}).rstrip())
    assert "!BOUND(?nct)" in query.sparql and "!BOUND(?nct)" not in text


# --- pages -------------------------------------------------------------------------------------


def test_pages_with_link_headers(hub_client: TestClient) -> None:
    everything = [r["site"]["value"] for r in bindings(hub_client.get(FACILITIES))]
    first = hub_client.get(FACILITIES + "&limit=2")
    assert [r["site"]["value"] for r in bindings(first)] == everything[:2]
    rels = link_rels(first.headers["link"])
    assert set(rels) == {"first", "next"}
    second = hub_client.get(rels["next"])
    assert [r["site"]["value"] for r in bindings(second)] == everything[2:]
    rels = link_rels(second.headers["link"])
    assert set(rels) == {"first", "prev"}
    assert "offset=0" in rels["prev"] and "product=" in rels["prev"]


@pytest.mark.parametrize("page", ["limit=0", "limit=10001", "offset=-1"])
def test_bad_pages(hub_client: TestClient, page: str) -> None:
    response = hub_client.get(FACILITIES + "&" + page)
    assert response.status_code == 422
    assert response.json()["error"] == "bad_parameter"


# --- ETag / If-None-Match ----------------------------------------------------------------------


def test_strong_etag_and_304(hub_client: TestClient) -> None:
    first = hub_client.get(FACILITIES)
    tag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    assert hub_client.get(FACILITIES).headers["etag"] == tag
    for condition in (tag, f"W/{tag}", '"other", ' + tag, "*"):
        not_modified = hub_client.get(FACILITIES, headers={"If-None-Match": condition})
        assert not_modified.status_code == 304, condition
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == tag
    assert hub_client.get(FACILITIES, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_is_readable_and_usable_cross_origin(hub_client: TestClient) -> None:
    origin = {"Origin": "https://example.org"}
    answer = hub_client.get(FACILITIES, headers=origin)
    exposed = {
        h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")
    }
    assert "etag" in exposed
    preflight = {
        **origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    assert hub_client.options(FACILITIES, headers=preflight).status_code == 200
    again = hub_client.get(FACILITIES, headers={**origin, "If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (FACILITIES + "&can_make=true", {}),
        (FACILITIES + "&limit=1", {}),
        (FACILITIES, {"Accept": "text/csv"}),
        ("/queries/facilities_for_product?product=arx-0099", {}),
    ],
)
def test_etag_depends_on_parameters_page_and_format(
    hub_client: TestClient, url: str, headers: dict[str, str]
) -> None:
    assert (
        hub_client.get(url, headers=headers).headers["etag"]
        != (hub_client.get(FACILITIES).headers["etag"])
    )


def test_etag_is_of_the_bound_values(hub_client: TestClient) -> None:
    # `today` and today's date bind the same term, so they are the same answer.
    today = hub_client.get(FACILITIES + "&on=today").headers["etag"]
    dated = hub_client.get(FACILITIES + f"&on={date.today().isoformat()}").headers["etag"]
    assert today == dated
    assert (
        hub_client.get(FACILITIES + "&country=es").headers["etag"]
        == (hub_client.get(FACILITIES + "&country=ES").headers["etag"])
    )


@pytest.fixture
def changing_store(tmp_path: Path) -> Iterator[tuple[TestClient, EmbeddedStore]]:
    build_hub_store(tmp_path / "store")
    writer = EmbeddedStore(tmp_path / "store")
    with TestClient(create_app(hub_settings(tmp_path))) as client:
        yield client, writer
    writer.close()


def test_etag_changes_when_the_data_does(changing_store: tuple[TestClient, EmbeddedStore]) -> None:
    client, store = changing_store
    before = client.get(FACILITIES)
    tag = before.headers["etag"]
    store.replace_graph(GRAPH + "extra", [])  # publishes a new store version
    after = client.get(FACILITIES, headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert after.headers["etag"] != tag


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "needle"),
    [
        ("/queries/no_such_query", 404, "no_such_query"),
        ("/queries/facilities_for_product", 422, "product"),
        ("/queries/facilities_for_product?product=", 400, "product"),
        ("/queries/facilities_for_product?product=not%20a%20key", 400, "product"),
        (FACILITIES + "&colour=red", 400, "colour"),
        (FACILITIES + "&country=ES&country=NL", 400, "country"),
        (FACILITIES + "&on=yesterday", 400, "on"),
        (FACILITIES + "&can_make=perhaps", 400, "can_make"),
        (FACILITIES + "&country=Spain", 400, "country"),
        ("/queries/trials?phase=Phase9", 400, "phase"),
        ("/queries/he_multi_member_state_products?min_member_states=two", 400, "min_member"),
        ("/queries/identifier_crosswalk?nct=12345", 400, "nct"),
    ],
)
def test_errors(hub_client: TestClient, url: str, status: int, needle: str) -> None:
    response = hub_client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR
    assert body["error"] == ("not_found" if status == 404 else "bad_parameter")
    assert needle in json.dumps(body)
