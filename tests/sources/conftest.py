"""Fixtures of the source tests: the fixture folder, and a CSV file written for one test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from source_graphs import FIXTURES


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
