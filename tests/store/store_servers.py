"""Where the live SPARQL servers of the remote-store tests are (started by .ci/servers.sh), and
the settings a user would write for each (see docs/stores.md).

A remote backend is skipped when its URL variable is unset — except in CI (CI=true), where a
missing server is a failure. Locally: `source .ci/servers.sh && start_servers`, run the tests,
`stop_servers`.
"""

from __future__ import annotations

import os

import pytest
from pydantic import SecretStr

from graph_builder.settings import Settings

OXIGRAPH_URL = "ATMP_KG_TEST_OXIGRAPH_URL"
VIRTUOSO_URL = "ATMP_KG_TEST_VIRTUOSO_URL"


def server_url(variable: str) -> str:
    """The server's base URL, or skip (fail in CI) when it is not running."""
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is unset: start the servers with .ci/servers.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url.rstrip("/")


# Generous: on a loaded 2-core machine a 100k-triple DROP on Virtuoso once took over 60 s.
TIMEOUT_S = 180


def remote_settings(backend: str) -> Settings:
    """Settings as a user would write them for each server (see docs/stores.md)."""
    if backend == "oxigraph":
        url = server_url(OXIGRAPH_URL)
        return Settings(
            endpoint=f"{url}/query",
            update_endpoint=f"{url}/update",
            gsp_endpoint=f"{url}/store",
            endpoint_user=None,
            endpoint_auth="basic",
            endpoint_token=None,
            endpoint_timeout=TIMEOUT_S,
        )
    url = server_url(VIRTUOSO_URL)
    return Settings(
        endpoint=f"{url}/sparql-auth",
        update_endpoint=f"{url}/sparql-auth",
        gsp_endpoint=f"{url}/sparql-graph-crud-auth",
        endpoint_user=os.environ.get("ATMP_KG_TEST_VIRTUOSO_USER", "dba"),
        endpoint_password=SecretStr(os.environ.get("ATMP_KG_TEST_VIRTUOSO_PASSWORD", "dba")),
        endpoint_auth="digest",
        endpoint_timeout=TIMEOUT_S,
    )
