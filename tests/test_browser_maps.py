"""The maps in a real browser (#17): nothing hidden, the view kept, Chinese basemaps.

The app on 127.0.0.1 in Debian's headless Chromium (Playwright), as in
``tests/test_browser.py`` (whose helpers this file uses); an Amap-style basemap is served
by a tiny tile server on 127.0.0.1 (``PLANNING_TILES_AMAP``), so nothing leaves the
machine. What a planner sees:

- at district zoom every failing village is the topmost thing at its own position
  (``document.elementFromPoint``), although most villages lie on a clinic's icon; hovering
  one shows its name; choosing a failing village from the list zooms the map to it;
- the scenario map keeps its centre and zoom after a click (a clinic added), an undo and a
  redo: each redraws the assessment's layers into the map in the page (not a new map);
  zooming it sends nothing to the server (no run); how long a click takes to the new
  scorecard and map is printed;
- on the Amap basemap a village's marker sits on the pixel of the tile grid that an
  independent GCJ-02 implementation (``eviltransform``) gives for the village;
- a map of many villages (a city) draws one marker per township until zoomed in, its
  counts those of R2's units.

Screenshots in both languages go to ``test-artifacts/maps_*.png``.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

import pytest

from benchmarks.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy
from test_browser import (ROOT, SLOW_MS, _click_view, _open_demo, _require, _shot, _until,
                          _wait_idle)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAIL = "#c62828"  # words.STATUS_COLOURS["fail"] (checked in test_maps)
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'

#: every failing village (R2 layer) with its pixel in the map frame and what lies on top there
_FAILING_AT_PIXELS = """(fail) => {
  const out = [];
  map.eachLayer((l) => {
    if (!l._path || !l.feature || l.options.className !== 'village-marker') return;
    if (l.options.fillColor !== fail) return;
    const p = map.latLngToContainerPoint(l.getLatLng());
    const box = map.getContainer().getBoundingClientRect();
    const x = box.left + p.x, y = box.top + p.y;
    if (p.x < 5 || p.y < 5 || p.x > box.width - 5 || p.y > box.height - 5) return;
    const top = document.elementFromPoint(x, y);
    const under = document.elementsFromPoint(x, y);
    out.push({name: l.feature.properties.name, x: x, y: y, own: top === l._path,
              village_on_top: !!(top && top.classList && top.classList.contains('village-marker')),
              on_icon: under.some((e) => e.closest && e.closest('.facility-icon'))});
  });
  return out;
}"""
#: every village (R2 layer) and whether a facility icon lies under its centre
_VILLAGES_ON_ICONS = """() => {
  let n = 0, on = 0, covered = 0;
  map.eachLayer((l) => {
    if (!l._path || l.options.className !== 'village-marker') return;
    const p = map.latLngToContainerPoint(l.getLatLng());
    const box = map.getContainer().getBoundingClientRect();
    const x = box.left + p.x, y = box.top + p.y;
    n += 1;
    if (document.elementsFromPoint(x, y).some((e) => e.closest && e.closest('.facility-icon'))) on += 1;
    const top = document.elementFromPoint(x, y);
    if (!(top && top.classList && top.classList.contains('village-marker'))) covered += 1;
  });
  return {n: n, on_icon: on, covered: covered};
}"""
_VIEW = "() => ({lat: map.getCenter().lat, lng: map.getCenter().lng, zoom: map.getZoom()})"


# --------------------------------------------------------------------------- servers


def _tile_png() -> bytes:
    """One 256 px tile: a light grid, so the screenshots show where tiles meet."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (256, 256), (236, 240, 232))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, 255, 255], outline=(150, 160, 170))
    for i in range(0, 256, 64):
        draw.line([(i, 0), (i, 255)], fill=(210, 214, 220))
        draw.line([(0, i), (255, i)], fill=(210, 214, 220))
    out = BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _tile_server():
    """An Amap-style tile server on 127.0.0.1: ``/amap/{z}/{x}/{y}.png`` (every tile the
    same picture; the map's tile grid is what the test reads). Returns (server, requests)."""
    png, requests = _tile_png(), []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            if not re.fullmatch(r"/amap/\d+/\d+/\d+\.png", self.path):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, requests


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on a free port whose Amap basemap comes from the local tile server."""
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright", reason="pip install playwright (the Python package only)")
    from planning.outputs import assets as _assets

    assert not _assets.missing(), "Leaflet is not installed: run `npm ci && python -m planning.outputs.assets`"
    tiles, tile_requests = _tile_server()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("maps")
    variable = "PLANNING_TILES_AMAP"
    before = os.environ.get(variable)
    os.environ[variable] = f"http://127.0.0.1:{tiles.server_address[1]}/amap/{{z}}/{{x}}/{{y}}.png"
    try:
        with open(logs / "app.log", "wb") as app_log:  # a file, not a pipe (see test_browser)
            app = start_app(port, stderr=app_log)
    finally:
        if before is None:
            os.environ.pop(variable)
        else:
            os.environ[variable] = before
    try:
        wait_healthy(url, app)
        yield {"url": url, "tiles": tile_requests, "log": logs / "app.log"}
    finally:
        stop(app)
        tiles.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _open(browser, served, lang: str = "zh", height: int = 1000):
    """A page on the demo's scorecard (drawn), in ``lang``; requests collected on it."""
    requests: list[str] = []
    page = _open_demo(browser, served["url"], lang, height, requests)
    page.requests = requests
    return page


def _map_frame(page, ready: str = "path.village-marker"):
    """The (last drawn) map's frame once ``ready`` is in it."""
    page.frame_locator(MAP_IFRAME).last.locator(ready).first.wait_for(state="attached", timeout=SLOW_MS)
    _wait_idle(page)
    return page.locator(MAP_IFRAME).last.element_handle().content_frame()


def _local_only(page, url: str) -> None:
    host = urlparse(url).hostname
    outside = [u for u in page.requests if urlparse(u).scheme not in ("data", "blob", "about")
               and urlparse(u).hostname not in (host, "localhost")]
    assert page.requests and not outside, f"requests left the machine: {outside[:5]}"


def _choose_failing(page, label: str, index: int = 1) -> str:
    """Pick the ``index``-th entry of the failing units' list; its label."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    option = page.locator('[role="option"]').nth(index)
    text = option.inner_text().strip()
    option.click()
    _wait_idle(page)
    return text


# --------------------------------------------------------------------------- (a) nothing hidden


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_failing_villages_are_visible_at_district_zoom_and_the_list_zooms_to_one(served, browser, lang):
    page = _open(browser, served, lang)
    _click_view(page, "地图" if lang == "zh" else "Map")
    frame = _map_frame(page)
    zoom0 = frame.evaluate(_VIEW)["zoom"]
    _shot(page, f"maps_district_{lang}")

    failing = frame.evaluate(_FAILING_AT_PIXELS, FAIL)
    assert len(failing) >= 5, failing
    # every failing village in view is on top at its own centre, none under an icon
    hidden = [v["name"] for v in failing if not v["village_on_top"]]
    assert not hidden, f"failing villages under something else: {hidden[:5]}"
    own = [v for v in failing if v["own"]]
    assert len(own) >= 0.9 * len(failing)  # others lie under another failing village's dot
    # most villages sit on a clinic's icon (what hid them before); none is covered by one
    counts = frame.evaluate(_VILLAGES_ON_ICONS)
    assert counts["on_icon"] > 100 and counts["covered"] == 0, counts
    # township names keep apart: no two shown labels overlap, and most of them are shown
    labels = frame.evaluate("""() => [...document.querySelectorAll('.town-label')].map((e) => {
        const r = e.getBoundingClientRect();
        return {shown: getComputedStyle(e).visibility === 'visible', l: r.left, r: r.right, t: r.top, b: r.bottom}; })""")
    shown = [b for b in labels if b["shown"]]
    assert len(labels) == 26 and len(shown) >= 13, labels
    overlaps = [(i, j) for i, a in enumerate(shown) for j, b in enumerate(shown[:i])
                if a["l"] < b["r"] and a["r"] > b["l"] and a["t"] < b["b"] and a["b"] > b["t"]]
    assert not overlaps, overlaps

    # five failing villages, hovered: each the topmost element, its tooltip its name
    five = [own[i * (len(own) - 1) // 4] for i in range(5)]
    iframe_box = page.locator(MAP_IFRAME).last.bounding_box()
    for v in five:
        assert frame.evaluate("([x, y]) => document.elementFromPoint(x, y).classList.contains('village-marker')",
                              [v["x"], v["y"]])
        page.mouse.move(iframe_box["x"] + v["x"], iframe_box["y"] + v["y"])
        tip = page.frame_locator(MAP_IFRAME).last.locator(".leaflet-tooltip").last
        tip.wait_for(timeout=10_000)
        assert tip.inner_text().strip() == v["name"]
    page.mouse.move(5, 5)

    # the legend and the layer list: folded and small
    legend = frame.evaluate("() => { const r = document.querySelector('.map-legend').getBoundingClientRect();"
                            " const m = map.getContainer().getBoundingClientRect();"
                            " return r.width * r.height / (m.width * m.height); }")
    assert legend < 0.02, legend
    assert frame.evaluate("() => !document.querySelector('.leaflet-control-layers-expanded')")
    # opened, the legend shows both channels: status colours and the distance bands as sizes
    frame.locator(".map-legend summary").click()
    text = frame.locator(".map-legend").inner_text()
    words = ("达标", "需关注", "未达标", "无法检查", "不适用", "圆点大小") if lang == "zh" else \
        ("Pass", "Attention", "Fail", "Cannot be checked", "N/A", "dot size")
    assert all(w in text for w in words), text
    page.locator(MAP_IFRAME).last.screenshot(path=str(ROOT / "test-artifacts" / f"maps_legend_{lang}.png"))
    frame.locator(".map-legend summary").click()
    if lang == "en":  # English symbols, in the legend and on the map
        symbols = frame.evaluate("() => [...document.querySelectorAll('.facility-icon div')].map(e => e.textContent)")
        assert symbols and not [s for s in symbols if re.search(r"[\u4e00-\u9fff]", s)]
        assert {"TC", "+"} <= set(symbols)

    # the list of failing units: choose one, the map goes to it
    label = "未达标的村居和乡镇/街道" if lang == "zh" else "Failing villages and townships"
    chosen = _choose_failing(page, label, 3)
    name = re.split(r"（| \(| · ", chosen)[0]
    target = frame.evaluate("""(name) => { let out = null; map.eachLayer((l) => {
        if (l.feature && l.options.className === 'village-marker' && l.feature.properties.name === name)
            out = l.getLatLng(); }); return out; }""", name)
    assert target is not None, chosen
    _until(page, lambda: frame.evaluate(_VIEW)["zoom"] == 15, seconds=60)
    view = frame.evaluate(_VIEW)
    assert view["zoom"] > zoom0
    assert (view["lat"], view["lng"]) == pytest.approx((target["lat"], target["lng"]), abs=1e-5)
    # and it is drawn there, on top: the centre of the map is the village
    assert frame.evaluate("""() => { const b = map.getContainer().getBoundingClientRect();
        const e = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
        return e.classList.contains('village-marker'); }""")
    _shot(page, f"maps_zoomed_{lang}")
    assert page.locator('[data-testid="stException"]').count() == 0
    _local_only(page, served["url"])


# --------------------------------------------------------------------------- (b) the view kept


def _scenario_r2(page) -> int:
    table = page.locator('[data-testid="stTable"] table').filter(has_text="方案未达标").first
    table.wait_for(timeout=SLOW_MS)
    rows = [[c.inner_text().strip() for c in r.locator("th, td").all()] for r in table.locator("tr").all()]
    head = rows[0]
    return int(next(r for r in rows if r[0] == "R2")[head.index("方案未达标")])


def test_the_scenario_map_keeps_its_view_across_a_click_an_undo_and_a_redo(served, browser):
    page = _open(browser, served, "zh", height=1100)
    _click_view(page, "方案")
    frame = _map_frame(page)
    before = _scenario_r2(page)
    iframe = page.locator(MAP_IFRAME).last
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()

    # zoom in twice over a failing village, as a planner does with the wheel
    failing = [v for v in frame.evaluate(_FAILING_AT_PIXELS, FAIL) if v["own"]]
    v = failing[len(failing) // 2]
    # count what the map sends to the page (each value sent is a Streamlit run)
    frame.evaluate("() => { window.__sent = 0; const S = window.Streamlit, f = S.setComponentValue;"
                   " S.setComponentValue = function (v) { window.__sent += 1; return f.call(S, v); }; }")
    page.mouse.move(box["x"] + v["x"], box["y"] + v["y"])
    for _ in range(2):
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(700)
    _wait_idle(page)
    page.wait_for_timeout(1500)  # a pan or zoom sends nothing (no Streamlit run); let it settle
    _wait_idle(page)
    view = frame.evaluate(_VIEW)
    assert view["zoom"] >= 12
    assert frame.evaluate("() => window.__sent") == 0  # zooming ran nothing on the server

    def same_view(f, view) -> bool:
        now = f.evaluate(_VIEW)
        return now["zoom"] == view["zoom"] and abs(now["lat"] - view["lat"]) < 1e-6 \
            and abs(now["lng"] - view["lng"]) < 1e-6

    # a click on a failing village in view: a clinic is added there, the map is redrawn.
    # The click also opens the village's popup, which does not pan this map (a click
    # edits it): the click reaches the page with the view it left the old map at (any
    # move caught in __oldView), and the new map must start there, at the same zoom
    free = [v for v in frame.evaluate(_FAILING_AT_PIXELS, FAIL) if v["own"]]
    assert free, "no failing village in view"
    spot = free[0]
    old = frame
    old.evaluate("() => map.on('moveend', () => { window.parent.__oldView = {lat: map.getCenter().lat,"
                 " lng: map.getCenter().lng, zoom: map.getZoom()}; })")
    old.evaluate("() => { window.__before_click = true; }")
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    _until(page, lambda: _scenario_r2(page) < before)
    placed = _scenario_r2(page)
    frame = _map_frame(page, ".proposed-site")
    # the scenario's layers are redrawn into the map in the page (not a new map)
    assert frame.evaluate("() => window.__before_click === true")
    _shot(page, "maps_scenario_click")
    at_click = page.evaluate("() => window.__oldView || null") or view
    assert at_click["zoom"] == view["zoom"]
    assert same_view(frame, at_click), (frame.evaluate(_VIEW), at_click, view)
    view = frame.evaluate(_VIEW)

    page.get_by_role("button", name="↶ 撤销").click()
    _until(page, lambda: _scenario_r2(page) == before)
    frame = _map_frame(page)
    _until(page, lambda: _map_frame(page).evaluate("() => !document.querySelector('.proposed-site')"))
    frame = _map_frame(page)
    assert same_view(frame, view), (frame.evaluate(_VIEW), view)

    page.get_by_role("button", name="↷ 重做").click()
    _until(page, lambda: _scenario_r2(page) == placed)
    frame = _map_frame(page, ".proposed-site")
    assert same_view(frame, view), (frame.evaluate(_VIEW), view)
    _shot(page, "maps_scenario_redo")
    assert page.locator('[data-testid="stException"]').count() == 0
    _local_only(page, served["url"])


#: what the page shows now, read in the page itself: the scenario's R2 figure in the
#: scorecard, whether the last map frame holds a proposed site, and the page's clock (ms)
_CLICK_STATE = """() => {
  const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')];
  const f = frames[frames.length - 1];
  let site = false, villages = 0, stale = true;
  try {
    const doc = f && f.contentDocument, w = f.contentWindow;
    stale = !(w.__liveEnd > w.__liveStart);  // both set to 0 before the click (drawn in place since)
    site = !!(doc && doc.querySelector('.proposed-site'));
    villages = doc ? doc.querySelectorAll('path.village-marker').length : 0;
  } catch (e) { /* a frame being replaced */ }
  let r2 = null;
  const table = [...document.querySelectorAll('[data-testid="stTable"] table')]
    .find((t) => t.innerText.includes('方案未达标'));
  if (table) {
    const rows = [...table.querySelectorAll('tr')].map(
      (r) => [...r.querySelectorAll('th, td')].map((c) => c.innerText.trim()));
    const row = rows.find((r) => r[0] === 'R2');
    if (row) { r2 = parseInt(row[rows[0].indexOf('方案未达标')], 10); }
  }
  let redraw = null, started = null;  // the map's own redraw of the scenario's layers: how long (ms), when
  try {
    const w = f.contentWindow;
    if (w.__liveEnd > w.__liveStart) { redraw = w.__liveEnd - w.__liveStart; }
    started = w.performance.timeOrigin + w.__liveStart - performance.timeOrigin;  // on this page's clock
  } catch (e) { /* a frame being replaced */ }
  return {r2: r2, site: site, villages: villages, stale: stale, redraw: redraw, started: started,
          t: performance.now()};
}"""


#: the R2 village markers on the map: how many, how many failing (``fail``), how many
#: are the marker objects drawn before the click (marked ``__seen``: kept in place)
_VILLAGE_MARKERS = """(fail) => {
  let all = 0, failing = 0, kept = 0;
  map.eachLayer((l) => {
    if (!l.feature || !l.options || l.options.className !== 'village-marker') return;
    all += 1;
    if (l.options.fillColor === fail) failing += 1;
    if (l.__seen) kept += 1;
  });
  return {all: all, failing: failing, kept: kept};
}"""


#: ``settings.R3_AREAS`` in the app process (it runs in ``streamlit``'s own process)
_APP_WITH_SETTINGS = ("import sys; import planning.settings as s; s.R3_AREAS = sys.argv.pop(1); "
                      "from streamlit.web import cli; sys.argv[0] = 'streamlit'; cli.main()")


@pytest.fixture(scope="module", params=["road_band", "surface"])
def served_areas(request, tmp_path_factory):
    """The app with ``settings.R3_AREAS`` set to the parameter (each its own process)."""
    import subprocess
    import sys

    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright", reason="pip install playwright (the Python package only)")
    port = free_port()
    log = tmp_path_factory.mktemp("areas") / "app.log"
    with open(log, "wb") as app_log:
        app = subprocess.Popen(
            [sys.executable, "-c", _APP_WITH_SETTINGS, request.param, "run", "app.py",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
            stderr=app_log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", app)
        yield {"url": f"http://127.0.0.1:{port}", "log": log, "r3_areas": request.param}
    finally:
        stop(app)


def test_a_click_on_the_scenario_map_updates_scorecard_and_map_and_says_how_long(served_areas, browser):
    """From a click on the scenario map (a clinic added at a failing village) to the
    updated scorecard and the new map drawn, on the page's own clock, polled every 20 ms:
    printed and written to test-artifacts/click_timing_<r3 areas>.json (#16's target:
    ≤ 1.5 s on the demo in headless Chromium), with the part the map's own redraw of the
    scenario's layers took in the map's frame. Three clicks, each on another failing
    village, each fixing one R2 gap. The map is redrawn in place: after each click every
    village is drawn once, its failing markers are the scorecard's R2 count, and most
    markers are the objects drawn before (only the villages the edit reached are new)."""
    import json
    import statistics

    served = served_areas
    page = _open(browser, served, "zh", height=1100)
    _click_view(page, "方案")
    frame = _map_frame(page)
    page.locator(MAP_IFRAME).last.scroll_into_view_if_needed()
    runs = []
    for i in range(3):
        box = page.locator(MAP_IFRAME).last.bounding_box()
        free = [v for v in frame.evaluate(_FAILING_AT_PIXELS, FAIL) if v["own"]]
        assert free, "no failing village in view"
        spot = free[(i * 7) % len(free)]
        frame.evaluate("() => { window.__liveStart = 0; window.__liveEnd = 0; }")  # drawn before
        frame.evaluate("() => map.eachLayer((l) => { l.__seen = true; })")
        markers_before = frame.evaluate(_VILLAGE_MARKERS, FAIL)
        before = page.evaluate(_CLICK_STATE)
        t0 = page.evaluate("() => performance.now()")
        page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
        scorecard = drawn = None
        end = time.monotonic() + 120
        while scorecard is None or drawn is None:
            assert time.monotonic() < end, "the scenario did not update in time"
            now = page.evaluate(_CLICK_STATE)
            if scorecard is None and now["r2"] is not None and now["r2"] != before["r2"]:
                scorecard = (now["t"] - t0) / 1000
            if drawn is None and not now["stale"] and now["site"] and now["villages"] > 0:
                drawn = (now["t"] - t0) / 1000             # a new map, its villages drawn
            page.wait_for_timeout(20)
        runs.append({"click": i + 1, "village": spot["name"], "scorecard_s": round(scorecard, 3),
                     "map_s": round(drawn, 3), "redraw_s": round((now["redraw"] or 0) / 1000, 3),
                     "redraw_started_s": round(((now["started"] or t0) - t0) / 1000, 3),
                     "r2_before": before["r2"],
                     "r2_after": page.evaluate(_CLICK_STATE)["r2"]})
        _wait_idle(page)
        frame = _map_frame(page, ".proposed-site")
        runs[-1]["markers"] = markers = frame.evaluate(_VILLAGE_MARKERS, FAIL)
        # redrawn in place: every village drawn once, the failing ones those the scorecard
        # counts, most markers the ones drawn before (an edit reaches a few villages) but
        # not all (the clicked village passes now: its marker is drawn anew)
        assert markers["all"] == markers_before["all"] and markers["kept"] < markers["all"], runs
        assert markers["failing"] == runs[-1]["r2_after"], runs
        assert markers["kept"] >= markers["all"] // 2, runs
    _shot(page, f"maps_click_timing_{served['r3_areas']}")
    assert all(r["r2_after"] == r["r2_before"] - 1 for r in runs), runs   # each click fixed a gap
    result = {"r3_areas": served["r3_areas"], "runs": runs,
              "median_scorecard_s": statistics.median(r["scorecard_s"] for r in runs),
              "median_map_s": statistics.median(r["map_s"] for r in runs),
              "median_redraw_s": statistics.median(r["redraw_s"] for r in runs),
              "target_s": 1.5, "load_average": list(os.getloadavg())}
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    (ROOT / "test-artifacts" / f"click_timing_{served['r3_areas']}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1))
    print(f"\n[{served['r3_areas']}] click to scorecard {result['median_scorecard_s']:.2f} s, "
          f"to map {result['median_map_s']:.2f} s, of which the map's redraw "
          f"{result['median_redraw_s']:.2f} s (median of 3; target 1.5 s; load "
          f"{result['load_average'][0]:.1f}): {runs}")
    assert page.locator('[data-testid="stException"]').count() == 0
    _local_only(page, served["url"])


# --------------------------------------------------------------------------- (c) GCJ-02 basemap


def _global_pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel of a point at ``zoom`` (256 px tiles), the tile grid's own formula."""
    size = 256 * 2 ** zoom
    x = (lon + 180.0) / 360.0 * size
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * size
    return x, y


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_the_amap_basemap_a_village_sits_on_its_gcj02_pixel(served, browser, lang):
    import eviltransform

    from planning.inputs import load_demo

    page = _open(browser, served, lang)
    # the sidebar's selectboxes: travel mode, basemap, district, township
    select = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1)
    assert select.locator("input").input_value() == ("无（离线参考图层）" if lang == "zh"
                                                     else "None (offline reference layer)")
    select.click()
    page.locator('[role="option"]').filter(has_text="高德（GCJ-02）" if lang == "zh" else "Amap (GCJ-02)").first.click()
    _wait_idle(page)
    _click_view(page, "地图" if lang == "zh" else "Map")
    frame = _map_frame(page, "img.leaflet-tile-loaded")
    page.get_by_text("GCJ-02").first.wait_for(timeout=30_000)  # the note above the map

    # zoom to a failing village from the list (the list speaks GCJ-02 on this basemap)
    label = "未达标的村居和乡镇/街道" if lang == "zh" else "Failing villages and townships"
    chosen = _choose_failing(page, label, 2)
    name = re.split(r"（| \(| · ", chosen)[0]
    town = re.search(r"（(.+?)）|\((.+?)\)", chosen)
    town = next(g for g in town.groups() if g) if town else None
    _until(page, lambda: frame.evaluate(_VIEW)["zoom"] == 15, seconds=60)
    page.wait_for_timeout(1500)  # tiles of the new view
    zoom = frame.evaluate(_VIEW)["zoom"]

    region = load_demo()
    v = region.villages.to_crs(4326)
    towns = region.townships.set_index("township_id")["name"]
    rows = v[(v["name"] == name) & ((v["township_id"].map(towns) == town) if town else True)]
    assert len(rows) == 1, (chosen, len(rows))
    lon, lat = rows.geometry.iloc[0].x, rows.geometry.iloc[0].y
    glat, glon = eviltransform.wgs2gcj(lat, lon)  # independent of planning.crs
    px, py = _global_pixel(glon, glat, zoom)
    tx, ty = int(px // 256), int(py // 256)
    tile = frame.locator(f'img.leaflet-tile[src$="/amap/{zoom}/{tx}/{ty}.png"]')
    tile.wait_for(state="attached", timeout=30_000)
    rect = tile.evaluate("(e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width]; }")
    assert rect[2] == pytest.approx(256, abs=0.5)
    expected = (rect[0] + px - tx * 256, rect[1] + py - ty * 256)
    marker = frame.evaluate("""(name) => { let out = []; map.eachLayer((l) => {
        if (l._path && l.options.className === 'village-marker' && l.feature.properties.name === name) {
            const r = l._path.getBoundingClientRect(); out.push([r.left + r.width / 2, r.top + r.height / 2]); }});
        return out; }""", name)
    assert marker, name
    dist = min(math.hypot(x - expected[0], y - expected[1]) for x, y in marker)
    assert dist <= 1.5, (marker, expected)
    # the WGS84 position would be far off: the check can fail
    wx, wy = _global_pixel(lon, lat, zoom)
    assert math.hypot(wx - px, wy - py) > 50
    _shot(page, f"maps_amap_{lang}")
    assert served["tiles"] and page.locator('[data-testid="stException"]').count() == 0
    _local_only(page, served["url"])


# --------------------------------------------------------------------------- upload preview


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_preview_draws_villages_and_facilities_apart_with_no_missing_image(served, browser, lang,
                                                                                 tmp_path):
    """A planner's own files (tests/own_files.py: Excel townships and villages, a GBK facility
    CSV): the preview draws villages as dots and facilities as squares, and the browser
    asks the app for nothing it does not have (the broken marker image was a 404)."""
    import own_files

    files = own_files.write_files(tmp_path / "own")
    page = _open(browser, served, lang)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    source = "上传自己的数据" if lang == "zh" else "Upload my own files"
    page.locator('[data-testid="stSidebar"] label').filter(has_text=source).first.click()
    _wait_idle(page)
    labels = (("乡镇/街道", "townships"), ("村居", "villages"), ("医疗卫生机构", "facilities")) if lang == "zh" \
        else (("Townships", "townships"), ("Villages", "villages"), ("Facilities", "facilities"))
    for label, layer in labels:
        box = page.locator('[data-testid="stFileUploader"]').filter(has_text=label).first
        box.wait_for(timeout=60_000)
        box.locator('input[type="file"]').set_input_files(str(files[layer]))
        _wait_idle(page)
    frame = _map_frame(page, ".preview-facility")
    counts = frame.evaluate("""() => ({villages: document.querySelectorAll('path.preview-village').length,
        facilities: document.querySelectorAll('.preview-facility').length,
        pins: document.querySelectorAll('img.leaflet-marker-icon').length})""")
    assert counts["villages"] == 45 and counts["facilities"] == 40 and counts["pins"] == 0, counts
    # a dot and a square look different: round vs square corners
    shapes = frame.evaluate("""() => [getComputedStyle(document.querySelector('.preview-facility div')).borderRadius,
        document.querySelector('path.preview-village').getAttribute('d').includes('a')]""")
    assert shapes[0] in ("0px", "") and shapes[1], shapes
    page.locator(MAP_IFRAME).last.scroll_into_view_if_needed()
    _shot(page, f"maps_upload_preview_{lang}")
    assert not missing, missing[:5]
    _local_only(page, served["url"])


# --------------------------------------------------------------------------- (d) light at city zoom


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_many_villages_are_drawn_per_township_until_zoomed_in(browser, lang, tmp_path, monkeypatch):
    """A map with more villages than ``maps.AGGREGATE_ABOVE`` (lowered here to draw the
    hand-made region as a city is drawn) shows one marker per township below zoom
    ``AGGREGATE_BELOW_ZOOM``: its tooltip gives the township, its village committees and
    how many fail R2 — counted here from R2's own units — and the village clinics per
    township; zoomed in, every village and clinic is drawn again, one by one."""
    import functools

    from test_maps import RB, small_region

    from planning.outputs import maps
    from planning.rules.assess import assess
    from planning.words import kind_name, t

    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.importorskip("playwright", reason="pip install playwright (the Python package only)")
    monkeypatch.setattr(maps, "AGGREGATE_ABOVE", 0)
    region = small_region()
    region.facilities["township_id"] = "120115101"     # both lie in 甲镇 (as loading finds them)
    a = assess(region, RB)
    units = a.results["R2"].units
    expected = {name: (int((g["status"] == "fail").sum()), len(g))
                for name, g in units.groupby(units["township_id"].map(
                    a.region.townships.set_index("township_id")["name"]))}
    assert sorted(n for _, n in expected.values()) == [1, 2]       # 甲镇 two committees, 乙镇 one
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "static").symlink_to(ROOT / "static")
    (tmp_path / "map.html").write_text(maps.build_map(a, lang).get_root().render(), encoding="utf-8")
    handler = functools.partial(_QuietFiles, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/map.html")
        page.wait_for_load_state("load")
        name = page.evaluate("() => Object.keys(window).find((k) => k.startsWith('map_') && window[k].getZoom)")
        at = ("(z) => { const m = window[%r]; m.setView(m.getCenter(), z, {animate: false});"
              " const tips = []; m.eachLayer((l) => { if (l.feature && (l.options.className || '')"
              ".includes('aggregate') || (l.options.icon && (l.options.icon.options.className || '')"
              ".includes('aggregate'))) tips.push(l.getTooltip().getContent()); });"
              " return {tips: tips, villages: document.querySelectorAll('path.village-marker:not(.aggregate)').length,"
              " clinics: document.querySelectorAll('.facility-village_clinic:not(.aggregate)').length}; }") % name
        coarse = page.evaluate(at, maps.AGGREGATE_BELOW_ZOOM - 2)
        _shot(page, f"maps_aggregated_{lang}")
        words = t("map.aggregate_villages", lang)
        village_tips = sorted(words.format(title=town, n=n, flagged=fail)
                              for town, (fail, n) in expected.items())
        clinic_tip = t("map.aggregate_facilities", lang).format(title=kind_name("village_clinic", lang),
                                                                n=1)
        assert sorted(tip for tip in coarse["tips"] if tip != clinic_tip) == village_tips
        assert coarse["tips"].count(clinic_tip) == 1 and coarse["villages"] == 0 and coarse["clinics"] == 0
        page.evaluate(at, maps.AGGREGATE_BELOW_ZOOM + 2)
        # the markers are swapped on Leaflet's zoomend, which may come a frame later
        page.wait_for_function("() => !document.querySelector('.aggregate')", timeout=5_000)
        fine = page.evaluate(at, maps.AGGREGATE_BELOW_ZOOM + 2)
        assert fine == {"tips": [], "villages": len(units), "clinics": 1}
    finally:
        server.shutdown()


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass
