"""The web page (`/`): served by the app with everything it needs (no CDN), and used in a real
headless browser — Debian's chromium driven by Playwright — against a live server."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from hub_fixtures import (
    EXEMPLAR,
    NORTHFIELD,
    SYNTHOCEL,
)

from api.routers.web import STATIC

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("ATMP_KG_SCREENSHOTS", "/tmp"))
VENDOR = STATIC / "vendor"
WAIT_MS = 20_000


# --- the page and its files, without a browser ---------------------------------------------------


def test_page_is_served_with_its_parts(hub_client: TestClient) -> None:
    response = hub_client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    for part in ("search-input", "finder-product", "finder-country", "query-select", "yasgui"):
        assert f'id="{part}"' in html


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        (None, 200),
        ("text/html", 200),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200),
        ("*/*", 200),
        ("application/json", 406),
        ("text/turtle", 406),
    ],
)
def test_page_accept_table(hub_client: TestClient, accept: str | None, status: int) -> None:
    headers = {"Accept": accept} if accept else {}
    response = hub_client.get("/", headers=headers)
    assert response.status_code == status
    assert "Accept" in response.headers["vary"]
    if status == 406:
        assert response.json()["detail"] == {"available": ["text/html"]}


def test_page_loads_nothing_from_elsewhere() -> None:
    html = (STATIC / "index.html").read_text()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references
    for ref in references:
        parts = urlsplit(ref)
        assert not parts.scheme or parts.scheme == "data", ref
        assert not parts.netloc, ref
    script = (STATIC / "app.js").read_text() + (STATIC / "app.css").read_text()
    # The only absolute IRI the code uses is the SVG namespace, which is never fetched.
    assert set(re.findall(r"https?://[^\s\"'`)]+", script)) == {"http://www.w3.org/2000/svg"}


@pytest.mark.parametrize(
    ("path", "media_type", "cache"),
    [
        ("/static/app.js", "text/javascript", "no-cache"),
        ("/static/app.css", "text/css", "no-cache"),
        ("/static/vendor/yasgui/yasgui.min.js", "text/javascript", "public, max-age=86400"),
        ("/static/vendor/yasgui/yasgui.min.css", "text/css", "public, max-age=86400"),
    ],
)
def test_static_files(hub_client: TestClient, path: str, media_type: str, cache: str) -> None:
    response = hub_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["cache-control"] == cache
    again = hub_client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/static/nothing.js", "/static/../routers/web.py", "/static/%2e%2e/routers/web.py"]
)
def test_static_files_stay_in_their_folder(hub_client: TestClient, path: str) -> None:
    response = hub_client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_vendored_editor_is_documented_and_small() -> None:
    readme = (VENDOR / "README.md").read_text()
    assert "@zazuko/yasgui" in readme and "4.6.2" in readme
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((VENDOR / "yasgui" / name).read_bytes()).hexdigest()
        assert digest in readme, f"README's sha256 of {name} is out of date"
    assert "MIT" in (VENDOR / "yasgui" / "LICENSE").read_text()
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    assert size < 3 * 1024 * 1024


def test_openapi_documents_the_page(hub_client: TestClient) -> None:
    operation = hub_client.get("/openapi.json").json()["paths"]["/"]["get"]
    assert "text/html" in operation["responses"]["200"]["content"]


# --- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {CHROMIUM} is missing: the browser test must run in CI")
        pytest.skip(f"{CHROMIUM} is not installed (and CI is unset)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server_url(hub_root: Path, live_server: Callable[..., Any]) -> str:
    url = live_server(hub_root / "store").url
    assert isinstance(url, str)
    return url


@pytest.mark.browser
def test_hub_page_in_a_browser(browser: Any, server_url: str) -> None:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    problems: list[str] = []
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(server_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.set_default_timeout(WAIT_MS)

    def shot(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"atmp-kg-web-{name}.png"), full_page=True)

    # Search: type, see ranked results, open one.
    page.goto(server_url + "/")
    page.wait_for_selector("#overview .stat")
    page.locator("#search-input").press_sequentially("synthocel", delay=20)
    first_hit = page.locator("#search-results li").first
    first_hit.wait_for()
    assert first_hit.locator(".hit-label").inner_text() == "Synthocel"
    assert "Product" in first_hit.inner_text()
    shot("search")

    # Entity view: statements and the neighbourhood graph.
    first_hit.locator("a").click()
    page.wait_for_function("document.querySelector('#entity-title').textContent === 'Synthocel'")
    page.wait_for_selector("#entity-graph g.node.centre")
    assert page.locator("#entity-graph g.node").count() >= 8
    assert "synthocabtagene autoleucel" in page.locator("#entity-properties").inner_text()
    assert "illustrative" in page.locator("#entity-types").inner_text()
    shot("entity")

    # Facility finder: pick the product, see who can make it and what the others miss.
    page.locator("nav a[data-view=finder]").click()
    page.wait_for_selector(f"#finder-product option[value='{SYNTHOCEL}']", state="attached")
    page.select_option("#finder-product", SYNTHOCEL)
    page.wait_for_selector("#finder-can li.card")
    can = page.locator("#finder-can li.card")
    cannot = page.locator("#finder-cannot li.card")
    assert [c.get_attribute("data-site") for c in can.all()] == [NORTHFIELD]
    assert cannot.count() == 2
    exemplar = page.locator(f"#finder-cannot li.card[data-site='{EXEMPLAR}']")
    assert "Capability:Closed automated processing" in exemplar.locator(".missing").inner_text()
    lowlands_text = cannot.nth(1).inner_text()
    assert "GMP certificate" in lowlands_text and "Lentiviral transduction" in lowlands_text
    shot("finder")

    # Filter by country: only the Spanish facility remains, and it cannot make it.
    page.select_option("#finder-country", "ES")
    page.wait_for_function("document.querySelectorAll('#finder-cannot li.card').length === 1")
    assert page.locator("#finder-can li.empty").inner_text() == "No facility can make it."
    assert page.locator("#finder-cannot li.card").get_attribute("data-site") == EXEMPLAR

    # The facility's entity view, then its linked-data page served at /id/....
    exemplar.locator("h3 a").click()
    page.wait_for_function(
        "document.querySelector('#entity-title').textContent"
        " === 'Exemplar Cell Production Unit Barcelona'"
    )
    page.locator("#entity-links a", has_text="Linked-data page").click()
    page.wait_for_url(re.compile(r"/id/site/"))
    assert page.locator("h1").inner_text() == "Exemplar Cell Production Unit Barcelona"
    page.go_back()

    # SPARQL editor: load a named query, run it, see its results.
    page.locator("nav a[data-view=queries]").click()
    page.wait_for_selector("#query-select option[value='facilities_for_product']", state="attached")
    page.select_option("#query-select", "facilities_for_product")
    page.wait_for_function(
        "document.querySelector('.CodeMirror') &&"
        " document.querySelector('.CodeMirror').CodeMirror.getValue()"
        ".includes('atmp:ManufacturabilityAssessment')"
    )
    assert "Which facilities can make a product" in page.locator("#query-info").inner_text()
    page.locator(".yasqe_queryButton").click()
    page.wait_for_selector(".yasr table tbody tr")
    results = page.locator(".yasr table tbody").inner_text()
    assert "Northfield" in results and "Lowlands" in results
    shot("sparql")

    assert outside == [], f"the page asked for resources elsewhere: {outside}"
    assert problems == []
    page.close()
