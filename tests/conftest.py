"""Test set-up: no network, ever (sockets are blocked by pytest-socket, see pyproject)."""

import os

import osmnx as ox

# osmnx falls back to a public DNS-over-HTTPS address when DNS fails: never in tests
ox.settings.doh_url_template = None
ox.settings.use_cache = False
os.environ.setdefault("PLANNING_CACHE", os.path.join(os.path.dirname(__file__), "..", "cache"))
