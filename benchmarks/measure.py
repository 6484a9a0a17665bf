"""Timing and memory measurement shared by the benchmarks: a child process's wall time and peak
resident memory (from its own rusage, so runs never blur into each other), medians and
percentiles, and a description of the machine the figures were taken on."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, peak RSS in MiB, exit code and its output."""

    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


def run_child(args: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Run `args` to completion; wall time, and peak RSS from wait4 on that one child."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            args,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            text=True,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # Linux reports ru_maxrss in KiB.
        return Run(seconds, usage.ru_maxrss / 1024, child.returncode, out.read(), err.read())


def python(*module_args: str) -> list[str]:
    return [sys.executable, *module_args]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank on the sorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def peak_rss_mib(pid: int) -> float:
    """VmHWM of a live process (its peak resident memory so far), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def tree_peak_rss_mib(pid: int) -> float:
    """Peak RSS of a process plus its live children (the API's query workers)."""
    total = peak_rss_mib(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        kids = [int(c) for c in children.read_text().split()]
    except OSError:
        kids = []
    for kid in kids:
        total += tree_peak_rss_mib(kid)
    return total


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pyoxigraph": version("pyoxigraph"),
        "oxigraph server": version("oxigraph"),
        "rdflib": version("rdflib"),
        "rdflib-endpoint": version("rdflib-endpoint"),
        "fastapi": version("fastapi"),
        "uvicorn": version("uvicorn"),
    }
