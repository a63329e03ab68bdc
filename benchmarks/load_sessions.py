"""Load test: N planners open the demo at once; time to a rendered scorecard.

    .venv/bin/python benchmarks/load_sessions.py [--sessions 10] [--rounds 1] [--timeout 600]

Starts ``streamlit run app.py`` on a free port of 127.0.0.1, opens one page first (the
warm-up: the first demo run prepares the road networks and assesses every rule, then
the shared cache serves everyone), then opens ``--sessions`` pages at once, each in its
own browser context (its own Streamlit session) of one headless Chromium
(``/usr/bin/chromium``, via Playwright's Python API), and measures for each the seconds
from navigation to the scorecard table being drawn. Prints JSON lines: the warm-up,
then per round the median, 95th percentile (linear interpolation) and maximum.

Bounded: at most 50 sessions and 5 rounds, an overall time limit, and every request a
page makes to a host other than 127.0.0.1 is aborted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

if __package__ in (None, ""):  # run as a script: python benchmarks/load_sessions.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.app_server import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy

SCORECARD = '[data-testid="stTable"] table'


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between order statistics."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


async def _loopback_only(route) -> None:
    host = urlparse(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        await route.continue_()
    else:
        await route.abort()


async def _one(browser, url: str, timeout_ms: float) -> float:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        await context.route("**/*", _loopback_only)
        page = await context.new_page()
        t0 = time.perf_counter()
        await page.goto(url, timeout=timeout_ms)
        await page.locator(SCORECARD).first.wait_for(timeout=timeout_ms)
        return time.perf_counter() - t0
    finally:
        await context.close()


async def _run(url: str, sessions: int, rounds: int, timeout_s: float) -> None:
    from playwright.async_api import async_playwright

    deadline = time.monotonic() + timeout_s
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = await _one(browser, url, (deadline - time.monotonic()) * 1000)
            print(json.dumps({"metric": "warmup", "sessions": 1, "seconds": round(warm, 2)}),
                  flush=True)
            for r in range(rounds):
                left_ms = (deadline - time.monotonic()) * 1000
                if left_ms <= 0:
                    raise TimeoutError("out of time")
                t0 = time.perf_counter()
                times = await asyncio.gather(*[_one(browser, url, left_ms) for _ in range(sessions)])
                print(json.dumps({
                    "metric": "time_to_scorecard", "round": r + 1, "sessions": sessions,
                    "median_s": round(statistics.median(times), 2),
                    "p95_s": round(percentile(times, 95), 2), "max_s": round(max(times), 2),
                    "wall_s": round(time.perf_counter() - t0, 2),
                    "times_s": [round(t, 2) for t in sorted(times)]}), flush=True)
        finally:
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent sessions (1-50)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of concurrent sessions (1-5)")
    parser.add_argument("--timeout", type=float, default=600, help="overall limit, seconds")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 50 or not 1 <= args.rounds <= 5:
        parser.error("--sessions must be 1-50 and --rounds 1-5")
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing (apt-get install chromium)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = start_app(port)
    try:
        wait_healthy(url, app, 90)
        asyncio.run(asyncio.wait_for(_run(url, args.sessions, args.rounds, args.timeout),
                                     args.timeout + 30))
    finally:
        stop(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
