"""Test set-up: no network, ever (sockets are blocked by pytest-socket, see pyproject)."""

import os
import re

import osmnx as ox
import pytest

# osmnx falls back to a public DNS-over-HTTPS address when DNS fails: never in tests
ox.settings.doh_url_template = None
ox.settings.use_cache = False
os.environ.setdefault("PLANNING_CACHE", os.path.join(os.path.dirname(__file__), "..", "cache"))


@pytest.fixture(scope="session")
def demo_names() -> re.Pattern:
    """The demo's proper names (district, townships, villages, facilities, medical
    communities), longest first: what an English page may still show in Chinese."""
    from planning.inputs import load_demo

    region = load_demo()
    names = {region.name}
    for layer in (region.townships, region.villages, region.facilities):
        names |= set(layer["name"].dropna().astype(str))
    if "group_id" in region.facilities:
        names |= set(region.facilities["group_id"].dropna().astype(str))
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n))
