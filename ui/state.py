"""What the app keeps for one browser session: every key, the caches, the scenarios.

Every ``st.session_state`` key the app uses, widget keys included, is declared here
once (a test holds ``app.py`` and ``ui/`` to it). A widget whose labels follow the
language is keyed per language (:func:`in_lang`: ``source@zh``, ``source@en``) while its
value lives under the plain key, so a language switch keeps the value.

Everything a planner uploads or computes lives only in this session's state; the demo's
region and results are shared by all sessions (:mod:`ui.data`). Caches here are small
first-in-first-out tables (:func:`kept`), keyed by what their value depends on.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from planning.outputs import maps
from planning.outputs.layers import display_surface
from planning.plan.scenario import Scenario, compare
from planning.region import Region
from planning.rules import FAIL
from planning.rules.assess import Assessment
from planning.travel.access import Access
from planning.words import t
from ui import timing

# --------------------------------------------------------------------------- keys: the frame
LANG = "lang"                        # "zh" or "en" (the sidebar's language radio)
SOURCE = "source"                    # "demo" or "upload"
MODE = "mode"                        # travel mode of the 15-minute circle (rulebook R3.mode)
BASEMAP = "basemap"                  # key of planning.outputs.maps.BASEMAPS
TOKEN = "tk"                         # the planner's Tianditu key (password field)
FOCUS_DISTRICT = "focus_district"    # district name, "" for all
FOCUS_TOWNSHIP = "focus_township"    # township_id, "" for all
VIEW = "_view"                       # the View of the current run (frame -> page)

# --------------------------------------------------------------------------- keys: rulebook
RULEBOOK_VALUES = "rb_values"        # {"R2.max_distance_m": 1000.0, ...}: changed values
RULEBOOK_ERROR = "rb_error"          # the last refused value, as a message
RULEBOOK_FILE = "rb_file"            # sidebar uploader of a .toml rulebook
RULEBOOK_FILE_DIGEST = "rb_file_digest"  # SHA-1 of the rulebook file last applied
RULEBOOK_RESET = "rb_reset"
RULEBOOK_DOWNLOAD = "rb_download"
RULEBOOK_WIDGETS = "rbw."            # prefix of the editor's widgets (rulebook_widget)

# --------------------------------------------------------------------------- keys: uploads
UPLOAD_REGION = "upload_region"      # {"region", "access", "results"}: the checked upload
UPLOAD_DIR = "upload_dir"            # this session's folder for uploaded files
UPLOADED = "uploaded_files"          # {layer: path}: the files in use (kept across pages)
UPLOAD_CACHE = "upload_cache"        # read layers by file content, CRS and column map
CRS_VERSION = "crs_version"          # raised when the program sets a file's CRS
UPLOAD_NAME = "up_name"              # the region's name as typed
UPLOAD_NAME_FROM = "up_name_from"    # the name the codes suggested (a new one resets it)
UPLOAD_RUN = "up_run"
UPLOAD_PROBLEMS = "up_problems_csv"
UPLOAD_GCJ = "up_gcj"
FETCHED_ROADS = "fetched_roads"      # path of roads downloaded from OpenStreetMap
FETCH_ERROR = "fetch_error"
FETCH = "up_fetch"
FETCH_FORGET = "up_fetch_forget"
PREVIEW_MAP = "preview"

# --------------------------------------------------------------------------- keys: maps
MAP = "map"                          # the map page's folium component
MAP_UNIT = "map_unit"                # the failing unit the map page zooms to ("" none)
MAP_PAYLOADS = "_map_payloads"       # rendered maps by what they show (widgets.folium_map)

# --------------------------------------------------------------------------- keys: scenarios
SCENARIOS = "scenarios"              # the scenario store (scenario_store)
SCENARIO_RESULTS = "_sc_results"     # assessments of scenario states by state_key
RULE_FIGURES = "_sc_figures"         # failed units and residents in gaps per rule (rule_figures)
FLASH = "_sc_flash"                  # messages for the next run of the scenario page
SCENARIO_MAP = "scmap"
SEEN_CLICK = "_sc_seen"              # the last map click handled (once per click)
SCENARIO_VIEW = "_sc_view"           # the scenario map's centre and zoom (widgets.map_view)
ACTIVE = "sc_active"
SELECTED = "sc_selected"             # facility_id picked on the map or in the list
CLICK_ACTION = "sc_action"
ADD_KIND = "sc_kind"
NEW_GPS = "sc_new_gps"
STAFF_N = "sc_staff_n"
ADD_STAFF = "sc_add_staff"
AT_VILLAGE = "sc_village"
ADD_AT_VILLAGE = "sc_add_village"
NEW_SCENARIO = "sc_new"
CLOSE = "sc_close"
UNDO = "sc_undo"
REDO = "sc_redo"
SAVE = "sc_save"
SAVED_DOWNLOAD = "sc_download"
LOAD = "sc_upload"
LOAD_DIGEST = "_sc_upload_digest"
COMPARE_A = "sc_cmp_a"
COMPARE_B = "sc_cmp_b"
EXPORT_SITES = "sc_dl_sites"
EXPORT = "sc_dl"                     # prefix of the scenario's export buttons (download)

# --------------------------------------------------------------------------- keys: suggest
SUGGESTION = "_sc_suggestion"        # {"key": suggest_key, "suggestion": Suggestion}
SUGGEST_RULE = "sg_rule"
SUGGEST_K = "sg_k"
SUGGEST_OBJECTIVE = "sg_objective"
SUGGEST_EXACT = "sg_exact"
SUGGEST_RUN = "sg_run"
SUGGEST_ADD = "sg_add"
SUGGEST_MAP = "sgmap"

# --------------------------------------------------------------------------- keys: tables, downloads
TABLE_RULE = "table_rule"
TABLE_STATUS = "table_status"
TABLE_SEARCH = "table_search"
TABLE_TOWNSHIP = "table_township"    # township_ids the tables page shows ([]: all)
TABLE_DOWNLOAD = "table_dl"          # prefix of the tables page's download buttons
DOWNLOAD_CRS = "dl_crs"
DOWNLOAD = "dl"                      # prefix of the export buttons (download)
DOWNLOAD_SUMMARY = "dl_summary"
DOWNLOAD_REPORT = "dl_report"        # prefix of the report buttons (download)


# --------------------------------------------------------------------------- keys: families


def in_lang(key: str, lang: str, version: int = 0) -> str:
    """The widget key of ``key`` drawn in ``lang`` (``version`` > 0: drawn afresh)."""
    return f"{key}@{lang}" + (f"#{version}" if version else "")


def rulebook_widget(dotted: str, lang: str) -> str:
    """The rulebook editor's widget for ``"R2.max_distance_m"``."""
    return in_lang(f"{RULEBOOK_WIDGETS}{dotted}", lang)


def upload_widget(layer: str) -> str:
    """The file uploader of a layer (``townships`` … ``roads``)."""
    return f"up_{layer}"


def crs_of(layer: str) -> str:
    """The coordinate system chosen for a layer's file."""
    return f"crs_{layer}"


def crs_file_of(layer: str) -> str:
    """Which file (name and size) the CRS choice of a layer was made for."""
    return f"crs_{layer}_file"


def columns_of(layer: str) -> str:
    """A layer's column map ``{their header: field}``."""
    return f"colmap_{layer}"


def column_widget(layer: str, header: str, lang: str) -> str:
    """The select mapping one header of a layer's file."""
    return in_lang(f"colmap_{layer}_{header}", lang)


def name_input(suggested: str | None) -> str:
    """The region-name input (drawn afresh when the codes suggest another name)."""
    return f"up_name_input@{suggested}"


def scenario_name(active: str) -> str:
    """The name input of a scenario."""
    return f"sc_name_{active}"


def table_layer(rule: str) -> str:
    """The layer select of the tables page for a rule."""
    return f"table_layer_{rule}"


def download(prefix: str, name: str) -> str:
    """A download button: ``download(DOWNLOAD, "gpkg")`` is ``"dl_gpkg"``."""
    return f"{prefix}_{name}"


def forget(prefix: str) -> None:
    """Drop every key starting with ``prefix`` (widgets are then drawn afresh)."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


# --------------------------------------------------------------------------- the run's view


@dataclass(frozen=True)
class View:
    """What the frame hands the page in one run.

    ``data`` names the data shown (``"demo"`` or ``"upload:<id>"``) and ``values`` the
    rulebook values changed (JSON): scenarios and maps are kept by them. The data
    fields are None on the upload page before anything was checked.
    """

    lang: str
    basemap: str = "osm"
    token: str = ""
    data: str | None = None
    values: str = "{}"
    region: Region | None = None
    access: Access | None = None
    lock: AbstractContextManager | None = None
    stem: str = "planning"
    assessment: Assessment | None = None
    display: dict = field(default_factory=dict)
    focus: maps.Focus = field(default_factory=maps.Focus)


def set_view(view: View) -> None:
    """Hand ``view`` to the page of this run (called by the frame)."""
    st.session_state[VIEW] = view


def view() -> View:
    """The View the frame set for this run."""
    return st.session_state[VIEW]


# --------------------------------------------------------------------------- caches


def cache(name: str) -> dict:
    """This session's cache ``name`` (created empty)."""
    return st.session_state.setdefault(name, {})


def kept(table: dict, key, make: Callable[[], Any], entries: int | None = None):
    """``table[key]``, made by ``make()`` on first use; beyond ``entries`` the oldest
    goes first."""
    if key not in table:
        table[key] = make()
        while entries is not None and len(table) > entries:
            table.pop(next(iter(table)))
    return table[key]


def upload_dir() -> Path:
    """This session's folder for uploaded and saved files (made on first use)."""
    if UPLOAD_DIR not in st.session_state:
        st.session_state[UPLOAD_DIR] = tempfile.mkdtemp(prefix="planning-upload-")
    return Path(st.session_state[UPLOAD_DIR])


# --------------------------------------------------------------------------- scenarios

#: scenario assessments kept per session
SCENARIO_RESULTS_KEPT = 8


def scenario_store(view: View) -> dict:
    """The session's scenarios for the view's data and rulebook (one made on first use).

    ``{"data", "values", "items": {name: Scenario}, "active", "n", "saved": {name: path}}``.
    A rulebook change keeps every scenario's edits and re-checks them with the new
    rulebook; other data drop them.
    """
    store = st.session_state.get(SCENARIOS)
    if store is None or store["data"] != view.data:
        store = {"data": view.data, "values": view.values, "items": {}, "active": None,
                 "n": 0, "saved": {}}
        st.session_state[SCENARIOS] = store
    if store["values"] != view.values:
        items = {}
        for name, old in store["items"].items():
            sc = Scenario(view.region, name, view.assessment.rulebook, view.access, view.assessment)
            sc.edits, sc.cursor, sc.created = list(old.edits), old.cursor, old.created
            items[name] = sc
        store["items"], store["values"] = items, view.values
    if not store["items"]:
        new_scenario(store, view)
    if store["active"] not in store["items"]:
        store["active"] = next(iter(store["items"]))
    return store


def new_scenario(store: dict, view: View, name: str | None = None) -> Scenario:
    """A new empty scenario on the view's data, made the active one."""
    if name is None:
        store["n"] += 1
        name = t("sc.new_name", view.lang, n=store["n"])
        while name in store["items"]:
            store["n"] += 1
            name = t("sc.new_name", view.lang, n=store["n"])
    sc = Scenario(view.region, name, view.assessment.rulebook, view.access, view.assessment)
    store["items"][name] = sc
    store["active"] = name
    return sc


def active_scenario() -> Scenario | None:
    """The session's active scenario when it has edits, else None."""
    store = st.session_state.get(SCENARIOS) or {}
    sc = (store.get("items") or {}).get(store.get("active"))
    return sc if sc is not None and sc.active else None


def state_key(sc: Scenario, view: View) -> str:
    """Content key of a scenario's state: the data, the rulebook and the active edits."""
    text = repr((view.data, view.values, tuple(sc.active)))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def scenario_result(sc: Scenario, view: View) -> dict:
    """The scenario's assessment and its comparison with the base, kept in the session:
    ``{"key", "assessment", "comparison", "seconds"}``; its display layers are made when
    the map first asks for them (:func:`scenario_display`), after the scorecard is drawn."""
    key = state_key(sc, view)

    def make() -> dict:
        t0 = time.perf_counter()
        with view.lock:
            after = sc.assess()
            timing.lap("scenario: assess")
            comparison = compare(sc.base_assessment(), after)
            timing.lap("scenario: compare")
        seconds = time.perf_counter() - t0
        return {"key": key, "assessment": after, "comparison": comparison, "seconds": seconds,
                "_display": lambda: maps.display_layers(
                    after, reference=view.display,
                    surface=display_surface(after, sc.scenario_access))}

    return kept(cache(SCENARIO_RESULTS), key, make, SCENARIO_RESULTS_KEPT)


def scenario_display(result: dict) -> dict:
    """The display layers of a :func:`scenario_result` (made once, then kept in it)."""
    if "display" not in result:
        result["display"] = result.pop("_display")()
    return result["display"]


def rule_figures(assessment: Assessment, key) -> dict:
    """``{rule: (failed units, residents in gaps)}`` of ``assessment``, kept by ``key``
    (what it depends on: ``("base", view.data, view.values)`` or a :func:`state_key`), so
    the scenario page's side-by-side table is not recounted at every run."""
    def make() -> dict:
        return {rid: (res.count(FAIL), res.in_gap()[0])
                for rid, res in assessment.results.items()}

    return kept(cache(RULE_FIGURES), key, make, SCENARIO_RESULTS_KEPT + 1)


def flash(kind: str, text: str) -> None:
    """A message (``st.<kind>``) for the scenario page's next run."""
    st.session_state.setdefault(FLASH, []).append((kind, text))


def take_flashes() -> list[tuple[str, str]]:
    """The messages waiting for the scenario page (taken: shown once)."""
    return st.session_state.pop(FLASH, [])


def suggest_key(sc: Scenario, view: View) -> tuple:
    """What a site suggestion depends on: the scenario's state and the options chosen."""
    s = st.session_state
    return (state_key(sc, view), s.get(SUGGEST_RULE, "R2"), int(s.get(SUGGEST_K, 5)),
            s.get(SUGGEST_OBJECTIVE, "residents"), bool(s.get(SUGGEST_EXACT, False)))


def current_suggestion(sc: Scenario, view: View):
    """The suggestion made for the scenario's current state and options, if any."""
    kept_ = st.session_state.get(SUGGESTION)
    return kept_["suggestion"] if kept_ and kept_["key"] == suggest_key(sc, view) else None


def keep_suggestion(key: tuple, suggestion) -> None:
    """Keep ``suggestion`` as made for ``key`` (:func:`suggest_key`)."""
    st.session_state[SUGGESTION] = {"key": key, "suggestion": suggestion}


def drop_suggestion() -> None:
    """Forget the kept suggestion (its sites were added)."""
    st.session_state.pop(SUGGESTION, None)
