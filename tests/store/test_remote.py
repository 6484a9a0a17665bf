"""The remote store beyond the shared contract: settings, authentication, retries, and
failures named in one line."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr
from pyoxigraph import Literal, NamedNode, Triple
from store_servers import remote_settings

from graph_builder.errors import EndpointUnavailable, StoreError
from graph_builder.settings import Settings
from graph_builder.store import open_store
from graph_builder.store.remote import EndpointAuth, SparqlEndpointStore

EX = "http://test.atmp-kg.example/"
ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()


class Recorder:
    """A real HTTP server on 127.0.0.1 that answers from a script and keeps what it was sent."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append(dict(self.headers))
                status, body = recorder.answers.pop(0) if recorder.answers else (200, ASK_TRUE)
                self.send_response(status)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder_factory() -> Iterator[type[Recorder]]:
    made: list[Recorder] = []

    class Made(Recorder):
        def __init__(self, answers: list[tuple[int, bytes]]) -> None:
            super().__init__(answers)
            made.append(self)

    yield Made
    for recorder in made:
        recorder.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_settings_select_the_remote_store() -> None:
    settings = Settings(endpoint="http://127.0.0.1:1/sparql", gsp_endpoint="http://h/gsp")
    store = open_store(settings)
    assert isinstance(store, SparqlEndpointStore)
    assert store.update_endpoint == "http://127.0.0.1:1/sparql"  # default: the query URL
    assert store.gsp_endpoint == "http://h/gsp"


def test_auth_settings_are_checked() -> None:
    with pytest.raises(StoreError, match="basic, digest or bearer"):
        EndpointAuth.from_settings(Settings(endpoint="http://h/q", endpoint_auth="kerberos"))
    with pytest.raises(StoreError, match="ATMP_KG_ENDPOINT_TOKEN"):
        EndpointAuth.from_settings(Settings(endpoint="http://h/q", endpoint_auth="bearer"))
    assert EndpointAuth.from_settings(Settings(endpoint="http://h/q", endpoint_user=None)) is None


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"endpoint_auth": "bearer", "endpoint_token": SecretStr("t0ken")},
            "Bearer t0ken",
        ),
        (
            {"endpoint_user": "reader", "endpoint_password": SecretStr("s3cret")},
            "Basic " + base64.b64encode(b"reader:s3cret").decode(),
        ),
    ],
)
def test_credentials_go_with_queries_and_updates(
    recorder_factory: type[Recorder], settings: dict[str, object], expected: str
) -> None:
    server = recorder_factory([])
    store = SparqlEndpointStore.from_settings(Settings(endpoint=server.url, **settings))  # type: ignore[arg-type]
    assert store.query("ASK { ?s ?p ?o }") is True
    store.update("CLEAR SILENT GRAPH <http://test.atmp-kg.example/g>")
    assert [r.get("Authorization") for r in server.requests] == [expected, expected]


def test_503_is_retried(recorder_factory: type[Recorder]) -> None:
    server = recorder_factory([(503, b"busy"), (503, b"busy")])
    store = SparqlEndpointStore(server.url, backoff=0.01)
    assert store.query("ASK { ?s ?p ?o }") is True
    assert len(server.requests) == 3


def test_a_lasting_503_gives_up_with_one_line(recorder_factory: type[Recorder]) -> None:
    server = recorder_factory([(503, b"overloaded\nplease wait")] * 3)
    store = SparqlEndpointStore(server.url, backoff=0.01)
    with pytest.raises(EndpointUnavailable) as failure:
        store.query("ASK { ?s ?p ?o }")
    assert len(server.requests) == 3
    message = str(failure.value)
    assert "\n" not in message
    assert server.url in message
    assert "503" in message


def test_a_server_error_is_not_retried(recorder_factory: type[Recorder]) -> None:
    server = recorder_factory([(500, b"<html><body><h1>boom</h1></body></html>")])
    store = SparqlEndpointStore(server.url, backoff=0.01)
    with pytest.raises(StoreError, match="HTTP 500 Internal Server Error: boom"):
        store.update("CLEAR SILENT GRAPH <http://test.atmp-kg.example/g>")
    assert len(server.requests) == 1


def test_an_unreachable_endpoint_is_one_line() -> None:
    url = f"http://127.0.0.1:{closed_port()}/sparql"
    store = SparqlEndpointStore(url, update_endpoint=url, gsp_endpoint=url, backoff=0.01)
    for action in (
        lambda: store.query("ASK { ?s ?p ?o }"),
        lambda: store.update("CLEAR SILENT GRAPH <http://test.atmp-kg.example/g>"),
        lambda: store.replace_graph(
            EX + "g", [Triple(NamedNode(EX + "s"), NamedNode(EX + "p"), Literal(1))]
        ),
    ):
        with pytest.raises(EndpointUnavailable) as failure:
            action()
        assert str(failure.value).startswith(f"cannot reach {url}")
        assert "\n" not in str(failure.value)


def test_writing_needs_the_graph_store_url() -> None:
    store = SparqlEndpointStore("http://127.0.0.1:1/sparql")
    with pytest.raises(StoreError, match="ATMP_KG_GSP_ENDPOINT"):
        store.replace_graph(EX + "g", [])


@pytest.mark.remote
def test_wrong_credentials_are_named() -> None:
    settings = remote_settings("virtuoso").model_copy(
        update={"endpoint_password": SecretStr("not-the-password")}
    )
    store = SparqlEndpointStore.from_settings(settings)
    with pytest.raises(StoreError, match="HTTP 401") as failure:
        store.query("ASK { ?s ?p ?o }")
    assert "ATMP_KG_ENDPOINT_USER" in str(failure.value)
