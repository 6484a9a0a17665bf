"""Fixtures of the API tests: a small embedded store (tests/api/data/linked_data.trig), apps
over it with and without the update token, and a live server (uvicorn in a subprocess) for the
tests that need real HTTP: the W3C suites and concurrency."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hub_fixtures import LINKED_DATA, build_hub_store, hub_settings, load_trig

from api.app import create_app
from api.deps import ApiSettings
from graph_builder.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
TOKEN = "test-token-for-the-api-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KYMRIAH = "https://w3id.org/atmp-kg/id/product/EMEA-H-C-004090"


def make_settings(root: Path, **overrides: object) -> ApiSettings:
    values: dict[str, object] = {
        "store": root / "store",
        "cache_dir": root / "cache",
        "endpoint": None,
        "update_token": TOKEN,
        "public_base": "https://w3id.org/atmp-kg/",
        "query_timeout": 10.0,
        "result_limit": 1000,
        "query_workers": 2,
    }
    values.update(overrides)
    return ApiSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings_for() -> Callable[..., ApiSettings]:
    """`settings_for(root, **overrides)`: test settings with the store and cache under root."""
    return make_settings


@pytest.fixture(scope="session")
def unused_port() -> Callable[[], int]:
    return free_port


@pytest.fixture
def auth() -> dict[str, str]:
    """The header that authorises updates on the apps below."""
    return dict(AUTH)


@pytest.fixture(scope="module")
def kg_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("kg")
    store = EmbeddedStore(root / "store")
    load_trig(store, LINKED_DATA)
    store.close()
    yield root


@pytest.fixture(scope="session")
def api_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for every app of the session: the ontology docs are generated once; dumps are
    kept per store version, so apps over different stores do not mix them up."""
    return tmp_path_factory.mktemp("api-cache")


@pytest.fixture(scope="module")
def client(kg_root: Path, api_cache: Path) -> Iterator[TestClient]:
    """An app with updates enabled over the module's test store (tests do not write to it)."""
    with TestClient(create_app(make_settings(kg_root, cache_dir=api_cache))) as c:
        yield c


@pytest.fixture(scope="module")
def readonly_client(kg_root: Path, api_cache: Path) -> Iterator[TestClient]:
    settings = make_settings(kg_root, update_token=None, cache_dir=api_cache)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def writable_client(tmp_path: Path, api_cache: Path) -> Iterator[TestClient]:
    """An app over a store of its own, for tests that write."""
    store = EmbeddedStore(tmp_path / "store")
    load_trig(store, LINKED_DATA)
    with TestClient(create_app(make_settings(tmp_path, cache_dir=api_cache), store)) as c:
        yield c
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`atmp-kg serve` in a subprocess, on a free loopback port."""

    def __init__(self, store: Path, cache: Path, env: dict[str, str], *, build: bool) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "serve",
            "--store",
            str(store),
            "--port",
            str(self.port),
            "--build" if build else "--no-build",
        ]
        full_env = {
            **os.environ,
            "ATMP_KG_CACHE_DIR": str(cache),
            "ATMP_KG_PUBLIC_BASE": self.url + "/",
            **env,
        }
        self.log = cache.parent / f"server-{self.port}.log"
        self._log = self.log.open("wb")
        self.process = subprocess.Popen(
            command, env=full_env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 300  # a first start may build the store
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    """Start servers over given stores; all are stopped when the module's tests end."""
    started: list[LiveServer] = []

    def start(store: Path, *, build: bool = False, **env: str) -> LiveServer:
        cache = tmp_path_factory.mktemp("server-cache")
        server = LiveServer(store, cache, env, build=build)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def hub_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the ontology and the synthetic hub graph (tests/api/hub_fixtures.py)."""
    root = tmp_path_factory.mktemp("hub")
    build_hub_store(root / "store")
    return root


@pytest.fixture(scope="module")
def hub_client(hub_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(hub_settings(hub_root))) as client:
        yield client
