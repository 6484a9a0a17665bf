"""Faults: a builder killed at random points, a server killed during requests, a full disk under
the build, a remote endpoint that is down, slow or overloaded. In each case the served graph is
a complete published version, the error says what happened in one line, and retries are
bounded. Every loop here is bounded in count and time; all traffic goes to 127.0.0.1.

ATMP_KG_FAULT_KILLS sets how many builds are killed (default 5); ATMP_KG_FAULT_SEED fixes the
kill times (default: a fresh seed, printed in every failure message).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hardening_server import REPO, TOKEN, Server, free_port

from graph_builder.errors import EndpointUnavailable, QueryTimeout
from graph_builder.store import EmbeddedStore
from graph_builder.store.remote import SparqlEndpointStore

KILLS = int(os.environ.get("ATMP_KG_FAULT_KILLS", "5"))
SEED = int(os.environ.get("ATMP_KG_FAULT_SEED", str(random.SystemRandom().randrange(10**6))))
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
CTGOV_SAMPLE = "ctgov-v2/NCT03275402.json"


def _copy_store(store: Path, into: Path) -> Path:
    target = into / "store"
    shutil.copytree(store, target, symlinks=True)
    return target


def _snapshot(root: Path) -> tuple[str, dict[str, int]]:
    """(published version, triples per graph) of a store folder."""
    store = EmbeddedStore(root)
    try:
        current = store.current
        assert current is not None and (current / ".published").exists()
        return current.name, {g: store.count(g) for g in store.graphs()}
    finally:
        store.close()


def _build_command(store: Path, *sources: str) -> list[str]:
    command = [sys.executable, "-m", "api.cli", "build", "--store", str(store)]
    for source in sources:
        command += ["--source", source]
    return command


def _cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ATMP_KG_")} | {
        "ATMP_KG_SHARED": os.environ.get("ATMP_KG_SHARED", str(REPO.parent / "shared"))
    }


# --- the builder killed at random points ------------------------------------------------------


class CountWatch:
    """Asks a server for the number of quads every 50 ms while builds are being killed."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.seen: list[int] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.get(
                        "/sparql",
                        params={"query": COUNT_ALL},
                        headers={"Accept": "application/sparql-results+json"},
                    )
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                    else:
                        row = response.json()["results"]["bindings"][0]
                        self.seen.append(int(row["n"]["value"]))
                except httpx.HTTPError as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                self._stop.wait(0.05)

    def __enter__(self) -> CountWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def test_killed_builds_leave_a_complete_store(
    default_store: Path,
    samples: Path,
    tmp_path: Path,
    start_server: Callable[..., Server],
) -> None:
    """Build B (the ctgov sample on top of the default graph) is SIGKILLed at random points,
    KILLS times. After each kill the store holds the previous complete version A, or B complete
    (when the kill came after publication); a server reading it all along only ever counts A's
    or B's quads, and the next build publishes and clears what the killed ones left."""
    rng = random.Random(SEED)
    source = f"ctgov={samples / CTGOV_SAMPLE}"

    # What a complete build B gives, measured on a copy.
    reference = _copy_store(default_store, tmp_path / "reference")
    started = time.monotonic()
    subprocess.run(_build_command(reference, source), cwd=REPO, env=_cli_env(), check=True)
    duration = time.monotonic() - started
    _, b_counts = _snapshot(reference)

    store = _copy_store(default_store, tmp_path / "killed")
    a_version, a_counts = _snapshot(store)
    assert a_counts != b_counts, "build B must change the store, or a kill could not be seen"
    totals = {sum(a_counts.values()), sum(b_counts.values())}
    server = start_server(store)
    outcomes = []
    with CountWatch(server) as watch:
        for kill in range(KILLS):
            at = rng.uniform(0.1, duration * 1.1)
            process = subprocess.Popen(
                _build_command(store, source),
                cwd=REPO,
                env=_cli_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                process.wait(timeout=at)
                outcomes.append(f"kill {kill} at {at:.1f} s: the build had finished")
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                outcomes.append(f"kill {kill} at {at:.1f} s")
            version, counts = _snapshot(store)
            where = f"seed {SEED}, {outcomes[-1]}"
            if version == a_version:
                assert counts == a_counts, f"{where}: version A with other content"
            else:
                assert counts == b_counts, f"{where}: a new version that is not B complete"
                a_version, a_counts = version, counts  # B is now the previous complete one
    assert not watch.failures, (
        f"seed {SEED}: the server failed while builds died: {watch.failures[:3]}"
    )
    assert watch.seen, "the server was never asked"
    assert set(watch.seen) <= totals, f"seed {SEED}: a reader saw {set(watch.seen) - totals}"

    print(f"seed {SEED}, build B takes {duration:.1f} s: " + "; ".join(outcomes))
    subprocess.run(_build_command(store, source), cwd=REPO, env=_cli_env(), check=True)
    version, counts = _snapshot(store)
    assert counts == b_counts
    leftovers = [d.name for d in (store / "builds").iterdir() if not (d / ".published").exists()]
    assert leftovers == [], f"seed {SEED}: killed builds left {leftovers}"


# --- the server killed during requests ----------------------------------------------------------


def _answers(server: Server) -> dict[str, object]:
    """What the server says about its data: version, graphs, and a few answers."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        health = client.get("/health").json()
        per_graph = client.get(
            "/sparql",
            params={
                "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                "GROUP BY ?g ORDER BY ?g"
            },
            headers={"Accept": "application/sparql-results+json"},
        ).json()["results"]["bindings"]
        products = client.get("/api/products", params={"limit": 100}).json()
        kymriah = client.get(
            "/id/product/EMEA-H-C-004090", headers={"Accept": "application/n-triples"}
        )
    return {
        "version": health["version"],
        "graphs": [(r["g"]["value"], r["n"]["value"]) for r in per_graph],
        "products": sorted(item["iri"] for item in products["items"]),
        "kymriah": sorted(kymriah.text.splitlines()),
    }


def test_a_server_killed_mid_request_restarts_on_the_same_data(
    default_store: Path, tmp_path: Path, start_server: Callable[..., Server]
) -> None:
    store = _copy_store(default_store, tmp_path)
    server = start_server(store)
    before = _answers(server)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    errors: list[str] = []

    def request() -> None:
        try:
            httpx.post(
                server.url + "/sparql",
                content=slow,
                headers={"Content-Type": "application/sparql-query"},
                timeout=30,
            )
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the queries are running in the workers
    server.kill()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 4, "the requests in flight should have lost their connection"
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/health", timeout=2)

    ready = server.start()
    assert _answers(server) == before
    assert ready < 60


def test_a_server_killed_during_an_upload_keeps_old_or_whole_graph(
    default_store: Path, tmp_path: Path, start_server: Callable[..., Server]
) -> None:
    """An authenticated Graph Store PUT of 200k triples, the server SIGKILLed while it writes:
    after the restart the graph is absent (the old version) or has all 200k triples."""
    store = _copy_store(default_store, tmp_path)
    server = start_server(store, ATMP_KG_UPDATE_TOKEN=TOKEN)
    graph = "https://w3id.org/atmp-kg/graph/hardening-upload"
    lines = [
        f"<https://w3id.org/atmp-kg/id/hardening/s{i}> <https://w3id.org/atmp-kg/id/hardening/p> "
        f'"value {i}" .'
        for i in range(200_000)
    ]
    body = ("\n".join(lines) + "\n").encode()
    done: list[int] = []

    def upload() -> None:
        try:
            response = httpx.put(
                server.url + "/graph",
                params={"graph": graph},
                content=body,
                headers={
                    "Content-Type": "application/n-triples",
                    "Authorization": f"Bearer {TOKEN}",
                },
                timeout=60,
            )
            done.append(response.status_code)
        except httpx.HTTPError:
            done.append(0)

    thread = threading.Thread(target=upload)
    thread.start()
    time.sleep(0.8)
    server.kill()
    thread.join(timeout=60)
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        count = client.get(
            "/sparql",
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"},
        ).json()["results"]["bindings"][0]["n"]["value"]
    assert int(count) in (0, 200_000), f"a partial graph of {count} triples (upload: {done})"


# --- a full disk under the build --------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB tmpfs (root only; CI runs as root), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root (CI runs as root)")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path, leave: int) -> Path:
    """A file that takes the free space of `folder`'s file system but `leave` bytes."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        remaining = max(0, free - leave)
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            fh.write(chunk[: min(len(chunk), remaining)])
            remaining -= min(len(chunk), remaining)
    return filler


def _assert_one_line_failure(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode != 0, "the build reported success on a full disk"
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert lines, "the build failed without saying why"
    return " ".join(lines)


def test_a_full_disk_fails_the_build_clearly_and_keeps_the_store(
    default_store: Path, samples: Path, small_disk: Path
) -> None:
    store = _copy_store(default_store, small_disk)
    before = _snapshot(store)
    filler = _fill(small_disk, leave=256 * 1024)
    run = subprocess.run(
        _build_command(store, f"ctgov={samples / CTGOV_SAMPLE}"),
        cwd=REPO,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    message = _assert_one_line_failure(run)
    assert "space" in message.lower() or "errno 28" in message.lower(), message
    print(f"full disk: {message}")
    assert _snapshot(store) == before

    filler.unlink()  # space again: the next build publishes and clears the failed one's folder
    subprocess.run(
        _build_command(store, f"ctgov={samples / CTGOV_SAMPLE}"),
        cwd=REPO,
        env=_cli_env(),
        check=True,
        timeout=300,
    )
    assert _snapshot(store)[0] != before[0]
    assert all((d / ".published").exists() for d in (store / "builds").iterdir())


def _limit_file_size() -> None:
    """In the child: no file over 256 KiB, and EFBIG instead of SIGXFSZ past that."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


def test_a_file_size_limit_fails_the_build_clearly_and_keeps_the_store(
    default_store: Path, samples: Path, tmp_path: Path
) -> None:
    """The same without root: RLIMIT_FSIZE makes every large write fail (EFBIG)."""
    store = _copy_store(default_store, tmp_path)
    before = _snapshot(store)
    big = tmp_path / "big.json"
    # Many small synthetic studies (labelled so): enough triples for RocksDB files over the limit.
    studies = [
        {
            "protocolSection": {
                "identificationModule": {
                    "nctId": f"NCT9{i:07d}",
                    "briefTitle": f"[SYNTHETIC] disk-limit test study {i}",
                },
                "statusModule": {"overallStatus": "COMPLETED"},
            }
        }
        for i in range(20_000)
    ]
    big.write_text(json.dumps({"studies": studies}), encoding="utf-8")
    run = subprocess.run(
        _build_command(store, f"ctgov={big}"),
        cwd=REPO,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=_limit_file_size,
    )
    print(f"file size limit: {_assert_one_line_failure(run)}")
    assert _snapshot(store) == before


# --- a remote endpoint down, slow or overloaded -------------------------------------------------


class FakeEndpoint:
    """A TCP server on 127.0.0.1 that counts connections and either never answers (`slow`) or
    answers every request with 503 (`overloaded`). Stops when the test ends."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.connections = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/sparql"
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            if self.behaviour == "slow":
                self._held.append(conn)  # read nothing, answer nothing
                continue
            conn.settimeout(2)
            try:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: 8\r\nConnection: close\r\n\r\noverload"
                )
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._socket.close()


@pytest.fixture
def fake_endpoint() -> Iterator[Callable[[str], FakeEndpoint]]:
    made: list[FakeEndpoint] = []

    def make(behaviour: str) -> FakeEndpoint:
        endpoint = FakeEndpoint(behaviour)
        made.append(endpoint)
        return endpoint

    yield make
    for endpoint in made:
        endpoint.close()


RETRIES = 2
BACKOFF = 0.1
TIMEOUT = 1.5


def _remote(url: str) -> SparqlEndpointStore:
    return SparqlEndpointStore(
        url, update_endpoint=url, timeout=TIMEOUT, retries=RETRIES, backoff=BACKOFF
    )


def _timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    started = time.monotonic()
    try:
        call()
    except (EndpointUnavailable, QueryTimeout) as exc:
        return exc, time.monotonic() - started
    raise AssertionError("the call to a failing endpoint succeeded")


def test_an_endpoint_that_is_down(samples: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    store = _remote(url)
    for call in (lambda: store.query("ASK {}"), lambda: store.update("CLEAR SILENT ALL")):
        error, elapsed = _timed(call)
        assert isinstance(error, EndpointUnavailable)
        assert url in str(error) and "\n" not in str(error)
        backoffs = sum(BACKOFF * 2**n for n in range(RETRIES))
        assert elapsed < backoffs + 2.0, f"{elapsed:.1f} s to give up on a closed port"
    store.close()


def test_a_slow_endpoint_times_out_without_endless_retries(
    fake_endpoint: Callable[[str], FakeEndpoint],
) -> None:
    endpoint = fake_endpoint("slow")
    store = _remote(endpoint.url)
    error, elapsed = _timed(lambda: store.query("ASK {}"))
    assert isinstance(error, QueryTimeout), error
    assert endpoint.url in str(error)
    assert elapsed < TIMEOUT * (RETRIES + 1) + 2.0
    assert endpoint.connections <= RETRIES + 1
    error, elapsed = _timed(lambda: store.update("CLEAR SILENT ALL"))
    assert isinstance(error, EndpointUnavailable) and "no answer within" in str(error)
    assert elapsed < TIMEOUT * (RETRIES + 1) + 2.0
    store.close()


def test_an_overloaded_endpoint_is_retried_a_bounded_number_of_times(
    fake_endpoint: Callable[[str], FakeEndpoint],
) -> None:
    endpoint = fake_endpoint("overloaded")
    store = _remote(endpoint.url)
    for call in (lambda: store.query("ASK {}"), lambda: store.update("CLEAR SILENT ALL")):
        before = endpoint.connections
        error, elapsed = _timed(call)
        assert isinstance(error, EndpointUnavailable), error
        assert "503" in str(error) and endpoint.url in str(error)
        assert endpoint.connections - before == RETRIES + 1, "one try and RETRIES retries"
        assert elapsed < sum(BACKOFF * 2**n for n in range(RETRIES)) + 3.0
    store.close()


def test_the_api_over_a_down_endpoint_answers_503_quickly(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import ApiSettings

    url = f"http://127.0.0.1:{free_port()}/sparql"
    settings = ApiSettings(
        endpoint=url, endpoint_timeout=TIMEOUT, cache_dir=tmp_path / "cache", update_token=None
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for path in ("/health", "/sparql?query=ASK%7B%7D", "/api/products"):
            started = time.monotonic()
            response = client.get(path)
            elapsed = time.monotonic() - started
            assert response.status_code == 503, f"{path}: {response.status_code} {response.text}"
            assert response.json()["error"] == "endpoint_unavailable"
            assert elapsed < 10, f"{path}: {elapsed:.1f} s"
