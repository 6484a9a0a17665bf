"""`atmp-kg serve` writes no line per request unless asked to (ATMP_KG_ACCESS_LOG or
--access-log): the access log cost a measurable share of a lookup's time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.cli.serve_command import _settings


def _requests_logged(server: Any) -> str:
    """`server`: a conftest.LiveServer."""
    for _ in range(3):
        assert httpx.get(server.url + "/health", timeout=30).status_code == 200
    server.stop()  # flushes what the server wrote
    log: Path = server.log
    return log.read_text()


def test_no_access_log_by_default(kg_root: Path, live_server: Callable[..., Any]) -> None:
    log = _requests_logged(live_server(kg_root / "store"))
    assert "Uvicorn running" in log  # the server's own messages are still written
    assert '"GET /health' not in log


def test_access_log_when_the_setting_asks(kg_root: Path, live_server: Callable[..., Any]) -> None:
    log = _requests_logged(live_server(kg_root / "store", ATMP_KG_ACCESS_LOG="true"))
    assert log.count('"GET /health HTTP/1.1" 200') >= 3


def test_the_option_overrides_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATMP_KG_ACCESS_LOG", "true")
    assert _settings(None, None, None).access_log is True
    assert _settings(None, None, False).access_log is False
    monkeypatch.delenv("ATMP_KG_ACCESS_LOG")
    assert _settings(None, None, None).access_log is False
    assert _settings(None, None, True).access_log is True
