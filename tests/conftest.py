"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_builder.store import EmbeddedStore

REPO = Path(__file__).resolve().parent.parent
# The real sample files live in ../shared/samples (read from there, never copied into the repo).
SHARED = Path(os.environ.get("ATMP_KG_SHARED", REPO.parent / "shared"))
SAMPLES = SHARED / "samples"


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"shared samples not found at {SAMPLES} (set ATMP_KG_SHARED)")
    return SAMPLES


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "store")
    yield store
    store.close()
