"""Every error the API answers: its status, its JSON body `{"error", "message", "detail"}`, the
headers it needs (WWW-Authenticate, Vary), and never a stack trace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import ApiSettings
from graph_builder.store import EmbeddedStore

SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"}
# 100^5 rows: far beyond any time limit of these tests.
ENDLESS = (
    "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(100))} }}" for i in range(5))
    + " }"
)


def _error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "message", "detail"}
    assert body["error"] == code
    assert body["message"]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def strict_client(kg_root: Path, settings_for: Callable[..., ApiSettings]) -> Iterator[TestClient]:
    """Small limits: 1 s per query, 600 bytes per query body, 4 KiB per upload, 50 rows."""
    settings = settings_for(
        kg_root,
        query_timeout=1.0,
        max_query_bytes=600,
        max_upload_bytes=4096,
        result_limit=50,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_400_bad_query_syntax(client: TestClient) -> None:
    body = _error(client.get("/sparql", params={"query": "SELECT * WHERE {"}), 400, "bad_query")
    assert "SPARQL" in str(body["message"])


def test_400_not_a_query(client: TestClient) -> None:
    _error(client.post("/sparql", content="CLEAR ALL", headers=SPARQL_QUERY), 400, "bad_query")


def test_400_service_is_refused(client: TestClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    body = _error(client.get("/sparql", params={"query": query}), 400, "query_refused")
    assert "SERVICE" in str(body["message"])


def test_400_load_is_refused_even_with_the_token(client: TestClient, auth: dict[str, str]) -> None:
    update = "LOAD <http://127.0.0.1:9/data.ttl>"
    response = client.post("/sparql", content=update, headers={**SPARQL_UPDATE, **auth})
    _error(response, 400, "query_refused")


def test_400_protocol_misuse(client: TestClient) -> None:
    _error(client.get("/sparql?query=ASK{}&query=ASK{}"), 400, "bad_request")
    _error(client.get("/sparql", params={"update": "CLEAR ALL"}), 400, "bad_request")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    _error(
        client.post("/sparql", content="query=ASK{}&update=CLEAR+ALL", headers=form),
        400,
        "bad_request",
    )
    _error(client.post("/sparql", content=b"query=%FF", headers=form), 400, "bad_request")


def test_400_unknown_format(client: TestClient) -> None:
    _error(
        client.get("/sparql", params={"query": "ASK {}", "format": "docx"}), 400, "bad_parameter"
    )


def test_401_update_without_or_with_a_wrong_token(client: TestClient) -> None:
    missing = client.post("/sparql", content="CLEAR ALL", headers=SPARQL_UPDATE)
    _error(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.post(
        "/sparql",
        content="CLEAR ALL",
        headers={**SPARQL_UPDATE, "Authorization": "Bearer not-the-token"},
    )
    _error(wrong, 401, "unauthorized")
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    put = client.put(
        "/graph?graph=http://example.org/g",
        content="<a:b> <a:c> <a:d> .",
        headers={"Content-Type": "application/n-triples"},
    )
    _error(put, 401, "unauthorized")


def test_403_updates_on_a_read_only_server(
    readonly_client: TestClient, auth: dict[str, str]
) -> None:
    response = readonly_client.post(
        "/sparql", content="CLEAR ALL", headers={**SPARQL_UPDATE, **auth}
    )
    body = _error(response, 403, "read_only")
    assert "ATMP_KG_UPDATE_TOKEN" in str(body["message"])
    _error(readonly_client.delete("/graph?default", headers=auth), 403, "read_only")
    # reads stay open
    assert readonly_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_404s(client: TestClient) -> None:
    _error(client.get("/id/product/EMEA-H-C-000000"), 404, "not_found")
    _error(client.get("/no/such/route"), 404, "not_found")
    _error(client.get("/graph?graph=http://example.org/none"), 404, "not_found")
    _error(client.get("/dumps/passwords.txt"), 404, "not_found")
    _error(client.get("/ontology/..%2F..%2Fpyproject.toml"), 404, "not_found")


def test_405_wrong_method(client: TestClient) -> None:
    _error(client.put("/sparql?query=ASK{}"), 405, "method_not_allowed")


def test_406_nothing_acceptable(client: TestClient) -> None:
    response = client.get("/id/product/EMEA-H-C-004090", headers={"Accept": "image/png"})
    body = _error(response, 406, "not_acceptable")
    assert "text/html" in body["detail"]["available"]  # type: ignore[index]
    assert "Accept" in response.headers["vary"]


def test_413_query_body_over_the_limit(strict_client: TestClient) -> None:
    query = "ASK { " + "?s ?p ?o . " * 100 + "}"
    response = strict_client.post("/sparql", content=query, headers=SPARQL_QUERY)
    body = _error(response, 413, "content_too_large")
    assert body["detail"] == {"limit": 600}


def test_413_chunked_body_over_the_limit(strict_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"ASK { "
        for _ in range(100):
            yield b"?s ?p ?o . "
        yield b"}"

    response = strict_client.post("/sparql", content=chunks(), headers=SPARQL_QUERY)
    _error(response, 413, "content_too_large")


def test_413_upload_limit_is_its_own(strict_client: TestClient, auth: dict[str, str]) -> None:
    line = '<http://example.org/s> <http://example.org/p> "' + "x" * 40 + '" .\n'
    headers = {"Content-Type": "application/n-triples", **auth}
    # 1.3 KiB: over the query limit, under the upload limit
    ok = strict_client.put("/graph?graph=http://example.org/up", content=line * 15, headers=headers)
    assert ok.status_code == 201, ok.text
    too_big = strict_client.put(
        "/graph?graph=http://example.org/up", content=line * 100, headers=headers
    )
    _error(too_big, 413, "content_too_large")


def test_415_unsupported_content_types(client: TestClient, auth: dict[str, str]) -> None:
    _error(
        client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    _error(client.post("/sparql", content="ASK {}"), 415, "unsupported_media_type")
    charset = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    _error(
        client.post("/sparql", content="ASK {}".encode("utf-16"), headers=charset),
        415,
        "unsupported_media_type",
    )
    put = client.put(
        "/graph?graph=http://example.org/g",
        content=b"%PDF",
        headers={"Content-Type": "application/pdf", **auth},
    )
    _error(put, 415, "unsupported_media_type")


def test_400_bad_rdf_upload(writable_client: TestClient, auth: dict[str, str]) -> None:
    put = writable_client.put(
        "/graph?graph=http://example.org/g",
        content="<a> <b> .",
        headers={"Content-Type": "text/turtle", **auth},
    )
    _error(put, 400, "bad_rdf")


def test_422_result_over_the_cap(strict_client: TestClient) -> None:
    query = "SELECT ?a ?b WHERE { VALUES ?a { 1 2 3 4 5 6 7 8 } VALUES ?b { 1 2 3 4 5 6 7 8 } }"
    body = _error(strict_client.get("/sparql", params={"query": query}), 422, "result_too_large")
    assert body["detail"] == {"limit": 50, "size": 64}
    fits = "SELECT ?a WHERE { VALUES ?a { 1 2 3 4 5 6 7 8 } }"
    assert strict_client.get("/sparql", params={"query": fits}).status_code == 200


def test_504_timeout_then_the_next_query_runs(strict_client: TestClient) -> None:
    body = _error(strict_client.get("/sparql", params={"query": ENDLESS}), 504, "query_timeout")
    assert "1 s" in str(body["message"])
    assert strict_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_503_when_the_remote_endpoint_is_down(
    tmp_path: Path, settings_for: Callable[..., ApiSettings], unused_port: Callable[[], int]
) -> None:
    url = f"http://127.0.0.1:{unused_port()}/sparql"
    settings = settings_for(tmp_path, endpoint=url, endpoint_timeout=2.0)
    with TestClient(create_app(settings)) as remote:
        body = _error(
            remote.get("/sparql", params={"query": "ASK {}"}), 503, "endpoint_unavailable"
        )
    assert url not in str(body["message"])  # server-side details stay in the log


def test_500_unexpected_errors_are_json_without_internals(
    tmp_path: Path, settings_for: Callable[..., ApiSettings]
) -> None:
    class BrokenStore(EmbeddedStore):
        def graphs(self) -> list[str]:
            raise RuntimeError("secret internal detail")

    store = BrokenStore(tmp_path / "store")
    app = create_app(settings_for(tmp_path), store)
    with TestClient(app, raise_server_exceptions=False) as c:
        body = _error(c.get("/health"), 500, "internal_error")
    assert "secret" not in str(body)
