"""`atmp-kg serve` as a real process on a free 127.0.0.1 port, which a hardening test may load,
starve, kill and restart (its own process group: the query workers go with it)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
TOKEN = "hardening-test-token"
# The query time limit of the servers started here: short, so that hostile queries end quickly.
QUERY_TIMEOUT = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`atmp-kg serve --no-build` over a store folder, in its own process group."""

    def __init__(self, store: Path, workdir: Path, **env: str) -> None:
        self.store = store
        self.workdir = workdir
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"server-{self.port}.log"
        self.start()

    def start(self) -> float:
        """Starts (or restarts, on the same port) the server; seconds until it is ready."""
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ATMP_KG_") or k == "ATMP_KG_SHARED"
        }
        environment.update(
            ATMP_KG_CACHE_DIR=str(self.workdir / "cache"),
            ATMP_KG_PUBLIC_BASE=self.url + "/",
            ATMP_KG_QUERY_TIMEOUT=str(QUERY_TIMEOUT),
            **self.env,
        )
        command = [sys.executable, "-m", "api.cli", "serve", "--no-build"]
        command += ["--store", str(self.store), "--host", "127.0.0.1", "--port", str(self.port)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.wait_ready()

    def wait_ready(self, limit: float = 120.0) -> float:
        """Seconds until /health answers 200; RuntimeError (with the log) past `limit`."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready in {limit} s: {self.log.read_text(errors='replace')}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss(self) -> int:
        """Resident memory of the server and its query workers, in bytes."""
        parent = psutil.Process(self.pid)
        total = 0
        for proc in [parent, *parent.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def kill(self) -> None:
        """SIGKILL to the whole process group: the server and its workers, no clean-up."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        # Query workers of a server that did not shut down cleanly.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
