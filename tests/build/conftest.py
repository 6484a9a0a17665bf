"""Fixtures of the build tests: a data folder holding only the curated reference data (so a build
into an empty store pulls in that, and nothing that other builders are still writing), and the
tiny source fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCE_FIXTURES = REPO / "tests" / "sources" / "fixtures"


@pytest.fixture
def reference_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "reference", data / "reference")
    return data


@pytest.fixture
def ema_fixture() -> Path:
    return SOURCE_FIXTURES / "ema" / "current_layout.xlsx"


@pytest.fixture
def ctgov_fixture() -> Path:
    return SOURCE_FIXTURES / "ctgov" / "synthetic_car_t_study.json"
