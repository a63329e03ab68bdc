"""The downloads and tables pages in headless Chromium (Playwright, 127.0.0.1 only): every
download button shows its whole label in both languages, and the tables page draws its
filters and table. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SLOW_MS = 900_000  # the first demo run prepares the networks and runs every rule

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: download buttons whose label, or a part of it, is wider than its box (cut short)
CUT = """() => [...document.querySelectorAll('[data-testid="stDownloadButton"] button')].map(b => {
  const cut = [b, ...b.querySelectorAll('*')].some(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1);
  return {label: b.innerText.trim(), cut: cut}; })"""


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (REQUIRE_BROWSER is set)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright", reason="pip install playwright (the Python package only)")
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    with open(log, "wb") as app_log:
        app = start_app(port, stderr=app_log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", app)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(app)


def _open(browser, url: str, path: str, lang: str, ready: str):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_navigation_timeout(SLOW_MS)
    page.goto(f"{url}/{path}")
    page.wait_for_selector(ready, timeout=SLOW_MS)
    if lang == "en":
        page.get_by_text("English", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('Download')", timeout=SLOW_MS)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=SLOW_MS)
    page.wait_for_timeout(1500)
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_download_labels_are_whole(url, lang):
    from playwright.sync_api import sync_playwright

    from planning.outputs.export import FORMATS
    from planning.words import t

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = _open(browser, url, "downloads", lang, '[data-testid="stDownloadButton"]')
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"downloads_{lang}.png"))
            buttons = page.evaluate(CUT)
            labels = [b["label"] for b in buttons]
            for f in FORMATS.values():
                assert t("dl.button", lang, label=f.label_en if lang == "en" else f.label_zh) in labels
            assert [b["label"] for b in buttons if b["cut"]] == []
            # the check finds a label cut short: squeeze the first button
            page.evaluate("""() => { const b = document.querySelector('[data-testid="stDownloadButton"] button');
                                     b.style.width = '60px'; b.style.maxWidth = '60px'; b.style.overflow = 'hidden'; }""")
            assert page.evaluate(CUT)[0]["cut"]

            tables = _open(browser, url, "tables", lang, '[data-testid="stDataFrame"]')
            tables.screenshot(path=str(ARTIFACTS / f"tables_{lang}.png"))
            assert [b["label"] for b in tables.evaluate(CUT) if b["cut"]] == []
            assert len(tables.evaluate(CUT)) == 2  # CSV and Excel of the table shown
        finally:
            browser.close()
