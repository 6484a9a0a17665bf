"""`/graph`, the Graph Store Protocol: anonymous reads, authorised writes, direct and indirect
graph names, the default graph, uploads in several syntaxes."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi.testclient import TestClient

TTL = {"Content-Type": "text/turtle"}
G = "http://example.org/graph/people"
ALICE = '<http://example.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice" .\n'
BOB = '<http://example.org/bob> <http://xmlns.com/foaf/0.1/name> "Bob" .\n'


def _graph(client: TestClient, url: str) -> set[ox.Triple]:
    response = client.get(url, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    return {q.triple for q in ox.parse(response.content, ox.RdfFormat.N_TRIPLES)}


def test_direct_names_are_the_project_graphs(client: TestClient) -> None:
    direct = _graph(client, "/graph/ema")
    indirect = _graph(client, "/graph?graph=https://w3id.org/atmp-kg/graph/ema")
    assert direct == indirect
    assert len(direct) == 16  # Kymriah 8, its authorisation 5, its source record 3


def test_put_post_get_delete(writable_client: TestClient, auth: dict[str, str]) -> None:
    url = f"/graph?graph={G}"
    assert writable_client.put(url, content=ALICE, headers={**TTL, **auth}).status_code == 201
    assert writable_client.put(url, content=ALICE, headers={**TTL, **auth}).status_code == 204
    assert len(_graph(writable_client, url)) == 1
    assert writable_client.post(url, content=BOB, headers={**TTL, **auth}).status_code == 204
    assert len(_graph(writable_client, url)) == 2
    assert writable_client.delete(url, headers=auth).status_code == 204
    assert writable_client.get(url).status_code == 404
    assert writable_client.delete(url, headers=auth).status_code == 404


def test_post_to_the_store_creates_a_graph_with_a_location(
    writable_client: TestClient, auth: dict[str, str]
) -> None:
    response = writable_client.post("/graph", content=ALICE, headers={**TTL, **auth})
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.startswith("https://w3id.org/atmp-kg/graph/")
    assert len(_graph(writable_client, "/graph/" + location.rsplit("/", 1)[1])) == 1


def test_default_graph_is_the_stores_own(writable_client: TestClient, auth: dict[str, str]) -> None:
    assert _graph(writable_client, "/graph?default") == set()
    put = writable_client.put("/graph?default", content=ALICE, headers={**TTL, **auth})
    assert put.status_code == 204
    assert len(_graph(writable_client, "/graph?default")) == 1
    trig = writable_client.get("/graph?default", headers={"Accept": "application/trig"})
    assert [q.triple for q in ox.parse(trig.content, ox.RdfFormat.TRIG)] == list(
        _graph(writable_client, "/graph?default")
    )


def test_uploads_in_other_syntaxes_and_multipart(
    writable_client: TestClient, auth: dict[str, str]
) -> None:
    jsonld = '{"@id": "http://example.org/carol", "http://xmlns.com/foaf/0.1/name": "Carol"}'
    url = f"/graph?graph={G}"
    put = writable_client.put(
        url, content=jsonld, headers={"Content-Type": "application/ld+json", **auth}
    )
    assert put.status_code == 201
    boundary = "b0undary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=a; filename=a.ttl\r\n"
        f"Content-Type: text/turtle\r\n\r\n{ALICE}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=b; filename=b.nt\r\n\r\n"
        f"{BOB}\r\n--{boundary}--\r\n"
    )
    post = writable_client.post(
        url,
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **auth},
    )
    assert post.status_code == 204, post.text
    names = {
        t.object.value for t in _graph(writable_client, url) if isinstance(t.object, ox.Literal)
    }
    assert names == {"Alice", "Bob", "Carol"}


def test_relative_iris_resolve_against_the_graph(
    writable_client: TestClient, auth: dict[str, str]
) -> None:
    put = writable_client.put(
        "/graph/people", content="<#me> <#name> 'Me' .", headers={**TTL, **auth}
    )
    assert put.status_code == 201
    (triple,) = _graph(writable_client, "/graph/people")
    assert triple.subject == ox.NamedNode("https://w3id.org/atmp-kg/graph/people#me")


def test_graph_named_two_ways_is_400(client: TestClient) -> None:
    assert client.get("/graph?graph=http://a&default").status_code == 400
    assert client.get("/graph/ema?default").status_code == 400
    assert client.get("/graph").status_code == 400
