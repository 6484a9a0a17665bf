"""Security of the served API (a real server over the default graph, 127.0.0.1 only):

- SPARQL injection through every named-query parameter and the hub lookups' text parameters is
  inert: classic payloads and fuzzed ones (hypothesis) either are refused as bad parameters or
  bind as values, answering exactly what a harmless value that matches nothing answers; the
  data never changes.
- Updates without the token (or with a wrong one) are refused, on SPARQL Update and on every
  writing Graph Store operation, when a token is configured.
- No path traversal through the dump, ontology, static, entity or graph routes (raw request
  targets, so that no client library normalises the dots away).
- CORS never combines `*` with credentials, and never lets another origin send Authorization.
"""

from __future__ import annotations

import http.client
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hardening_server import REPO, TOKEN, Server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queries.catalogue import load_catalogue

EXAMPLES = int(os.environ.get("ATMP_KG_INJECTION_EXAMPLES", "150"))
# Occurs nowhere in the graph: a value holding it matches nothing unless it escapes its binding.
NONCE = "qq7zxk"
PAYLOADS = (
    f'{NONCE}" }} UNION {{ ?s ?p ?o }} #',
    f"{NONCE}' }} UNION {{ ?s ?p ?o }} #",
    f'{NONCE}") || true || ("',
    f"{NONCE}> . ?s ?p ?o . <x",
    f'{NONCE}" . BIND("injected" AS ?x) }} #',
    f'{NONCE}"; DROP ALL; #',
    f"{NONCE}\n}} ; DROP ALL ; {{",
    f'{NONCE}"^^<http://www.w3.org/2001/XMLSchema#string> || 1=1 #',
    f"{NONCE}%22%20%7D%20UNION",
    f"http://example.org/{NONCE}> }} UNION {{ ?s ?p ?o }} #",
    f"https://w3id.org/atmp-kg/id/product/{NONCE}>",
    f"{NONCE}\\u0022 }} UNION {{ ?s ?p ?o }}",
    f"{NONCE}$s ?s",
    f"{NONCE}#",
    f"{NONCE}\x00",
)
BOUND_TYPES = {"string", "iri"}  # parameters whose valid values are any text / any key
CLIENT_TIMEOUT = 30.0
# What no traversal may reveal: lines of files outside the served folders.
SECRETS = ("root:x:0:0", "[build-system]", "ATMP_KG_UPDATE_TOKEN=")


def _named_parameters() -> list[tuple[str, str, str]]:
    """(query id, parameter, type) of every parameter of every named query."""
    return [
        (q.id, p.name, p.type)
        for q in sorted(load_catalogue().values(), key=lambda q: q.id)
        for p in q.parameters
    ]


NAMED = _named_parameters()


def _base_params(query_id: str, parameter: str) -> dict[str, str]:
    """The query's example values (required parameters filled), without `parameter`."""
    query = load_catalogue()[query_id]
    params = {k: str(v) for k, v in query.example.items() if k != parameter}
    return params


class Prober:
    """Answers of one server, with each control answer asked once."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.url, timeout=CLIENT_TIMEOUT)
        self._controls: dict[tuple[str, str], int] = {}

    def rows(self, path: str, params: dict[str, str]) -> tuple[int, int | None, Any]:
        response = self.client.get(path, params=params, headers={"Accept": "application/json"})
        body = response.json()
        if response.status_code != 200:
            return response.status_code, None, body
        if isinstance(body, dict) and "results" in body:
            return 200, len(body["results"]["bindings"]), body
        if isinstance(body, dict) and "items" in body:
            return 200, len(body["items"]), body
        return 200, None, body

    def control(self, path: str, params: dict[str, str], parameter: str) -> int | None:
        key = (path, parameter)
        if key not in self._controls:
            status, n, body = self.rows(path, {**params, parameter: NONCE})
            assert status == 200, f"{path} {parameter}={NONCE}: {status} {body}"
            self._controls[key] = n if n is not None else -1
        return self._controls[key]

    def close(self) -> None:
        self.client.close()


@pytest.fixture(scope="module")
def prober(server: Server) -> Iterator[Prober]:
    probe = Prober(server)
    yield probe
    probe.close()


def check_inert(prober: Prober, query_id: str, parameter: str, kind: str, payload: str) -> None:
    path = f"/queries/{query_id}"
    params = _base_params(query_id, parameter)
    status, n, body = prober.rows(path, {**params, parameter: payload})
    where = f"{path}?{parameter}={payload!r}"
    assert status < 500, f"{where}: {status} {body}"
    if status != 200:
        assert status in (400, 422), f"{where}: {status} {body}"
        assert body["error"] in ("bad_parameter", "bad_request"), f"{where}: {body}"
        return
    assert kind in BOUND_TYPES, f"{where}: a {kind} parameter took {payload!r}: {body}"
    assert n == prober.control(path, params, parameter), (
        f"{where}: {n} rows where a value matching nothing gives "
        f"{prober.control(path, params, parameter)}"
    )


@pytest.mark.parametrize(("query_id", "parameter", "kind"), NAMED)
def test_classic_injections_are_inert(
    prober: Prober, query_id: str, parameter: str, kind: str
) -> None:
    for payload in PAYLOADS:
        check_inert(prober, query_id, parameter, kind, payload)


SPARQL_ALPHABET = st.sampled_from([*list("\"'<>{}()[].;,#?$^@\\/ \n\t|&=!*+-:_aZ09"), "UNION"])


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    target=st.sampled_from(NAMED),
    payload=st.lists(SPARQL_ALPHABET, max_size=30).map(lambda parts: NONCE + "".join(parts)),
)
def test_fuzzed_injections_are_inert(
    prober: Prober, target: tuple[str, str, str], payload: str
) -> None:
    query_id, parameter, kind = target
    check_inert(prober, query_id, parameter, kind, payload)


def _hub_text_parameters(server: Server) -> list[tuple[str, str]]:
    spec = httpx.get(server.url + "/openapi.json", timeout=CLIENT_TIMEOUT).json()
    found = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/") or "{" in path:
            continue
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] not in ("limit", "offset"):
                found.append((path, parameter["name"]))
    return found


def test_hub_lookup_parameters_are_inert(server: Server, prober: Prober) -> None:
    targets = _hub_text_parameters(server)
    assert ("/api/search", "q") in targets
    for path, parameter in targets:
        for payload in PAYLOADS:
            status, n, body = prober.rows(path, {parameter: payload})
            where = f"{path}?{parameter}={payload!r}"
            assert status < 500, f"{where}: {status} {body}"
            if status == 200:
                assert n == prober.control(path, {}, parameter), f"{where}: {n} rows"
            else:
                assert status in (400, 404, 422) and "error" in body, f"{where}: {body}"


def test_the_data_did_not_change(server: Server, default_store: Path) -> None:
    """After every probe above: the same published version, and its graphs all there."""
    health = httpx.get(server.url + "/health", timeout=CLIENT_TIMEOUT).json()
    assert health["version"] == (default_store / "current").resolve().name
    assert health["graphs"] >= 7


# --- updates need the token -----------------------------------------------------------------


@pytest.fixture(scope="module")
def token_server(
    default_store: Path,
    start_server: Callable[..., Server],
    tmp_path_factory: pytest.TempPathFactory,
) -> Server:
    copy = tmp_path_factory.mktemp("token-store") / "store"
    shutil.copytree(default_store, copy, symlinks=True)
    return start_server(copy, ATMP_KG_UPDATE_TOKEN=TOKEN)


WRONG_CREDENTIALS: tuple[dict[str, str], ...] = (
    {},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"bearer  {TOKEN[:-1]}"},
    {"Cookie": f"token={TOKEN}"},
    {"X-Api-Key": TOKEN},
)
TURTLE = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> ."


def _writes(graph: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    update = {"Content-Type": "application/sparql-update"}
    turtle = {"Content-Type": "text/turtle"}
    return [
        ("POST", "/sparql", update, b"DROP ALL"),
        (
            "POST",
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"update=CLEAR+ALL",
        ),
        ("PUT", f"/graph?graph={graph}", turtle, TURTLE),
        ("POST", f"/graph?graph={graph}", turtle, TURTLE),
        ("DELETE", f"/graph?graph={graph}", {}, b""),
        ("PUT", "/graph?default", turtle, TURTLE),
        ("DELETE", "/graph?default", {}, b""),
        ("PUT", "/graph/hardening", turtle, TURTLE),
        ("DELETE", "/graph/hardening", {}, b""),
    ]


def test_writes_without_the_token_are_refused(token_server: Server) -> None:
    graph = "https://w3id.org/atmp-kg/graph/reference"
    before = httpx.get(token_server.url + "/health", timeout=CLIENT_TIMEOUT).json()
    with httpx.Client(base_url=token_server.url, timeout=CLIENT_TIMEOUT) as client:
        for method, path, headers, body in _writes(graph):
            for credentials in WRONG_CREDENTIALS:
                response = client.request(
                    method, path, content=body, headers={**headers, **credentials}
                )
                where = f"{method} {path} with {sorted(credentials)}"
                assert response.status_code == 401, f"{where}: {response.status_code}"
                assert response.json()["error"] == "unauthorized", where
                assert "Bearer" in response.headers.get("www-authenticate", ""), where
    after = httpx.get(token_server.url + "/health", timeout=CLIENT_TIMEOUT).json()
    assert after["version"] == before["version"]


def test_the_token_does_open_writes(token_server: Server) -> None:
    """The refusals above are the token's doing: with it, the same kind of write works."""
    response = httpx.put(
        f"{token_server.url}/graph/hardening-token-check",
        content=TURTLE,
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        timeout=CLIENT_TIMEOUT,
    )
    assert response.status_code in (201, 204), response.text


# --- path traversal ---------------------------------------------------------------------------

TRAVERSALS = (
    "/static/../../pyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%252e%252e/%252e%252e/pyproject.toml",
    "/static/..%5c..%5cpyproject.toml",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/....//....//pyproject.toml",
    "/static/app.css%00../../pyproject.toml",
    "/dumps/../../pyproject.toml",
    "/dumps/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/dumps/%2e%2e%2fSHA256SUMS",
    "/dumps/%2fetc%2fpasswd",
    "/ontology/../../../pyproject.toml",
    "/ontology/..%2f..%2f..%2fpyproject.toml",
    "/ontology/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/ontology/%2fetc%2fpasswd",
    "/ontology/..",
    "/id/../../../etc/passwd",
    "/id/..%2f..%2f..%2fetc%2fpasswd",
    "/graph/..%2f..%2fetc%2fpasswd",
    "/queries/..%2f..%2fpyproject.toml",
    "/%2e%2e/%2e%2e/etc/passwd",
)


def _raw_get(server: Server, target: str) -> tuple[int, bytes]:
    """GET with the request target sent exactly as written."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=CLIENT_TIMEOUT)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_traversal(server: Server, target: str) -> None:
    assert (REPO / "pyproject.toml").read_text().startswith("[build-system]")
    status, body = _raw_get(server, target)
    assert status < 500, f"{target}: {status} {body[:200]!r}"
    text = body.decode("utf-8", errors="replace")
    for secret in SECRETS:
        assert secret not in text, f"{target} revealed {secret!r} ({status})"


def test_static_files_are_still_served(server: Server) -> None:
    """The traversal refusals are not a route that serves nothing."""
    status, body = _raw_get(server, "/static/app.css")
    assert status == 200 and body


# --- CORS -------------------------------------------------------------------------------------

ORIGINS = ("http://evil.example", "null", "https://w3id.org")
CORS_ROUTES = ("/sparql", "/graph", "/health", "/queries/products", "/api/search?q=x", "/dumps")


@pytest.mark.parametrize("route", CORS_ROUTES)
@pytest.mark.parametrize("origin", ORIGINS)
def test_cors_never_allows_credentials_with_any_origin(
    server: Server, route: str, origin: str
) -> None:
    with httpx.Client(base_url=server.url, timeout=CLIENT_TIMEOUT) as client:
        answers = [
            client.get(route, headers={"Origin": origin, "Cookie": "session=1"}),
            client.post(
                route,
                headers={"Origin": origin, "Content-Type": "application/sparql-query"},
                content=b"ASK {}",
            ),
        ]
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            answers.append(
                client.options(
                    route,
                    headers={
                        "Origin": origin,
                        "Access-Control-Request-Method": method,
                        "Access-Control-Request-Headers": "authorization, content-type",
                    },
                )
            )
    for response in answers:
        allow_origin = response.headers.get("access-control-allow-origin")
        credentials = response.headers.get("access-control-allow-credentials", "").lower()
        where = f"{response.request.method} {route} from {origin}"
        assert not (allow_origin == "*" and credentials == "true"), where
        assert credentials != "true", f"{where}: credentials allowed for a foreign origin"
        allowed_headers = response.headers.get("access-control-allow-headers", "").lower()
        assert "authorization" not in allowed_headers, f"{where}: Authorization allowed"
        allowed_methods = response.headers.get("access-control-allow-methods", "").upper()
        for writing in ("PUT", "DELETE", "PATCH"):
            assert writing not in allowed_methods, f"{where}: {writing} allowed"
