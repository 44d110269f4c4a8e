"""The documentation site in a real browser: built with `mkdocs build --strict`, served on localhost and opened in
headless Chromium as scripts/demo_screenshot.py opens the demo page. The navigation, the search and one page of each
section must render. Skipped where Playwright or Chromium is missing (pip install playwright; apt-get install
chromium); .ci/run builds the site with --strict either way."""

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from doc_examples import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

TIMEOUT_MS = 60_000


def first_pages() -> dict[str, tuple[str, str]]:
    """Each entry of mkdocs.yml's navigation: its first page and that page's title."""
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    pages = {}
    for entry in nav:
        ((section, target),) = entry.items()
        title = section
        while isinstance(target, list):  # a section: its first entry
            ((title, target),) = target[0].items()
        pages[section] = (target, title)
    return pages


def url_of(page: str) -> str:
    return "" if page == "index.md" else page.removesuffix(".md") + "/"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    pytest.importorskip("playwright")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no Chromium (apt-get install chromium)")
    import demo_screenshot

    site = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    with served(site) as url, demo_screenshot.chromium_page(chromium, width=1280, height=900) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page, url, errors


def test_every_section_s_first_page_renders_with_the_navigation(browser_page):
    page, url, errors = browser_page
    pages = first_pages()
    assert {"Home", "Getting started", "Training", "Benchmarks", "Reference", "Design"} <= set(pages)
    for section, (target, title) in pages.items():
        page.goto(url + url_of(target), wait_until="load", timeout=TIMEOUT_MS)
        assert page.locator("article h1").first.inner_text() != "404", section
        nav = page.locator("nav.md-nav--primary").inner_text()
        assert all(name in nav for name in pages), f"{target}: the navigation lacks a section"
        assert target == "index.md" or page.title().startswith(title), (target, page.title())
        assert len(page.locator("article").inner_text()) > 200, f"{target} renders almost nothing"
    assert errors == []


def test_the_reference_pages_are_generated(browser_page):
    page, url, _ = browser_page
    page.goto(url + "reference/api/", wait_until="load", timeout=TIMEOUT_MS)
    headings = page.locator("article .doc-heading").all_inner_texts()
    assert any("RNNConfig" in text for text in headings) and any("explain" in text for text in headings)
    page.goto(url + "reference/cli/", wait_until="load", timeout=TIMEOUT_MS)
    assert "usage: rnn-models train" in page.locator("article").inner_text()


def test_the_search_finds_a_page(browser_page):
    page, url, errors = browser_page
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("Integrated Gradients", delay=20)  # typed: the theme searches on key events
    page.locator(".md-search-result__item").first.wait_for(timeout=TIMEOUT_MS)
    assert "Evaluate, predict and explain" in page.locator(".md-search-result").inner_text()
    assert errors == []
