"""Build-then-swap of the embedded store: readers only ever see a published version; a writer
that fails or is killed half way leaves the previous version readable and unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from io import BytesIO
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from graph_builder.store import EmbeddedStore
from graph_builder.store.embedded import KEEP_BUILDS

REPO = Path(__file__).resolve().parents[2]
GRAPH = "http://test.atmp-kg.example/graph/swap"
P = NamedNode("http://test.atmp-kg.example/p")


def numbered(n: int, tag: str = "s") -> list[Triple]:
    return [
        Triple(NamedNode(f"http://test.atmp-kg.example/{tag}{i}"), P, Literal(i)) for i in range(n)
    ]


def dump(store: EmbeddedStore) -> bytes:
    out = BytesIO()
    store.export(out, "nq")
    return out.getvalue()


# A writer that streams triples for ever, announcing when it is well into the write.
KILLED_WRITER = textwrap.dedent(
    """
    import itertools, sys
    from pathlib import Path
    from pyoxigraph import Literal, NamedNode, Triple
    from graph_builder.store import EmbeddedStore

    root, started = Path(sys.argv[1]), Path(sys.argv[2])

    def endless():
        for i in itertools.count():
            if i == 300_000:
                started.touch()
            yield Triple(NamedNode(f"http://test.atmp-kg.example/new{i}"),
                         NamedNode("http://test.atmp-kg.example/p"), Literal(i))

    EmbeddedStore(root).replace_graph(sys.argv[3], endless())
    """
)


def test_a_killed_writer_leaves_the_previous_store_readable_and_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = EmbeddedStore(root)
    store.replace_graph(GRAPH, numbered(1000))
    before, published = dump(store), store.current
    started = tmp_path / "started"

    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(root), str(started), GRAPH],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert writer.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline, "the writer never got half way"
            time.sleep(0.05)
        # Half way: readers still see the published version.
        assert EmbeddedStore(root).count(GRAPH) == 1000
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()

    reader = EmbeddedStore(root)
    assert reader.current == published
    assert reader.count(GRAPH) == 1000
    assert dump(reader) == before
    abandoned = [d for d in (root / "builds").iterdir() if d != published]
    assert abandoned, "the killed writer's half-written folder should be on disk"

    # The next write is not blocked by the dead writer's lock, and sweeps its folder away.
    done = threading.Event()

    def write_again() -> None:
        store.replace_graph(GRAPH, numbered(5, "next"))
        done.set()

    threading.Thread(target=write_again, daemon=True).start()
    assert done.wait(30), "the next write waited for the killed writer's lock"
    assert not any(d.exists() for d in abandoned)
    assert EmbeddedStore(root).count(GRAPH) == 5


def test_a_failing_write_publishes_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graph(GRAPH, numbered(10))
    before, published = dump(store), store.current

    with pytest.raises(RuntimeError), store.writing() as w:
        w.drop_graph(GRAPH)
        w.replace_graph("http://test.atmp-kg.example/graph/other", numbered(3))
        raise RuntimeError("validation failed")

    assert store.current == published
    assert dump(store) == before
    assert [d for d in (tmp_path / "store" / "builds").iterdir()] == [published]


def test_a_reader_sees_the_old_version_until_the_write_publishes(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graph(GRAPH, numbered(10))
    reader = EmbeddedStore(tmp_path / "store")
    with store.writing() as w:
        w.replace_graph(GRAPH, numbered(20, "new"))
        assert w.count(GRAPH) == 20  # the writer sees its own changes
        assert reader.count(GRAPH) == 10
    assert reader.count(GRAPH) == 20  # the reader reopens the new version by itself


def test_old_versions_are_pruned(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    for i in range(KEEP_BUILDS + 3):
        store.replace_graph(GRAPH, numbered(i + 1))
    builds = list((tmp_path / "store" / "builds").iterdir())
    assert len(builds) == KEEP_BUILDS
    assert store.current in builds
    assert store.count(GRAPH) == KEEP_BUILDS + 3
