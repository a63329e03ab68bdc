"""Which data and rulebook a run shows, and their assessment.

Caching: the demo region, its travel engines (:class:`~planning.travel.access.Access`)
and its assessments per rulebook are shared by all sessions (``st.cache_resource``; they
hold no planner's data). An upload and everything computed from it live only in the
session's state (:data:`ui.state.UPLOAD_REGION`). Switching pages, focus or language never
re-runs the assessment; changing a rulebook value does, reusing the prepared engines.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import threading
from contextlib import nullcontext
from pathlib import Path

import streamlit as st

from planning.errors import InputError
from planning.inputs import load_demo
from planning.outputs import maps
from planning.outputs.layers import display_surface
from planning.rules.assess import assess
from planning.rules.rulebook import load_rulebook
from planning.travel.access import Access
from planning.words import t
from ui import state

#: the upload's assessments kept per session (one per rulebook tried)
UPLOAD_RESULTS_KEPT = 4


@st.cache_resource(show_spinner=False)
def demo_base() -> dict:
    """The demo region and its travel engines (shared by all sessions: public data)."""
    region = load_demo()
    return {"region": region, "access": Access(region), "lock": threading.Lock()}


@st.cache_resource(show_spinner=False, max_entries=8)
def demo_result(values: str) -> tuple:
    """The demo's assessment for a rulebook (``values``: JSON of changed keys) and its
    display layers."""
    base = demo_base()
    rulebook = load_rulebook().with_values(json.loads(values))
    with base["lock"]:  # one Access, shared: never two assessments at once
        assessment = assess(base["region"], rulebook, base["access"], errors="record")
        return assessment, display_layers(assessment, base["access"])


def upload_result(values: str) -> tuple:
    """The uploaded region's assessment and display layers, kept in this session only."""
    up = st.session_state[state.UPLOAD_REGION]

    def make() -> tuple:
        rulebook = load_rulebook().with_values(json.loads(values))
        assessment = assess(up["region"], rulebook, up["access"], errors="record")
        return assessment, display_layers(assessment, up["access"])

    return state.kept(up.setdefault("results", {}), values, make, UPLOAD_RESULTS_KEPT)


def display_layers(assessment, access=None) -> dict:
    """The map's layers (R3's reach from its travel-time surface when R3's areas come from
    it); a failure leaves an empty map with the reason (maps.FAILED)."""
    try:
        return maps.display_layers(assessment, surface=display_surface(assessment, access))
    except Exception as exc:  # noqa: BLE001 - said above the page; the scorecard stays
        return {maps.FAILED: {"map": exc}}


def current(source: str, lang: str) -> dict:
    """The data ``source`` names with its assessment: the fields of a
    :class:`ui.state.View` (``data``, ``values``, ``region``, ``access``, ``lock``,
    ``stem``, ``assessment``, ``display``).

    Raises what the check raises (the frame says it at the page boundary).
    """
    values = values_key()
    if source == "upload":
        up = st.session_state[state.UPLOAD_REGION]
        with st.spinner(t("map.loading", lang)):
            assessment, display = upload_result(values)
        return {"data": f"upload:{id(up['region'])}", "values": values, "region": up["region"],
                "access": up["access"], "lock": nullcontext(),
                "stem": file_stem(up["region"].name, "planning"),
                "assessment": assessment, "display": display}
    with st.spinner("正在检查示例数据（首次约需一两分钟）……" if lang == "zh"
                    else "Checking the demo (the first time takes a minute or two) …"):
        assessment, display = demo_result(values)
    base = demo_base()
    return {"data": "demo", "values": values, "region": base["region"], "access": base["access"],
            "lock": base["lock"], "stem": "baodi", "assessment": assessment, "display": display}


def file_stem(name: str, fallback: str = "scenario") -> str:
    """A file-name stem from a name (no path characters, spaces or dots)."""
    return re.sub(r'[\\/:*?"<>|\s.]+', "_", name).strip("_") or fallback


# --------------------------------------------------------------------------- rulebook values


def values_key() -> str:
    """The rulebook values of this session that differ from the policy default, as
    sorted JSON (the travel mode from the sidebar included): what results are kept by."""
    values = dict(st.session_state.get(state.RULEBOOK_VALUES, {}))
    values["R3.mode"] = st.session_state.get(state.MODE, "walk")
    default = {f"{k.rule}.{k.name}": k.default for k in load_rulebook().keys()}
    changed = {k: v for k, v in values.items() if default.get(k) != v}
    return json.dumps(changed, sort_keys=True, ensure_ascii=False)


def use_rulebook_file(file, lang: str) -> None:
    """Take the values of an uploaded rulebook (once per file content); a bad file is
    said in the sidebar and changes nothing."""
    digest = hashlib.sha1(file.getvalue()).hexdigest()
    if st.session_state.get(state.RULEBOOK_FILE_DIGEST) == digest:
        return
    st.session_state[state.RULEBOOK_FILE_DIGEST] = digest
    with tempfile.TemporaryDirectory(prefix="planning-rulebook-") as folder:
        path = Path(folder) / "rulebook.toml"
        path.write_bytes(file.getvalue())
        try:
            rulebook = load_rulebook(path)
        except InputError as exc:
            st.sidebar.error(f"{t('err.rulebook', lang)} {exc}")
            return
    values = {f"{k.rule}.{k.name}": k.value for k in rulebook.changed()}
    if "R3.mode" in values:  # the travel mode is the sidebar's
        st.session_state[state.MODE] = values.pop("R3.mode")
        state.forget(f"{state.MODE}@")
    st.session_state[state.RULEBOOK_VALUES] = values
    state.forget(state.RULEBOOK_WIDGETS)


def reset_rulebook() -> None:
    """Back to the policy defaults (the travel mode too); the editor drawn afresh."""
    st.session_state[state.RULEBOOK_VALUES] = {}
    st.session_state[state.MODE] = load_rulebook().value("R3", "mode")
    st.session_state.pop(state.RULEBOOK_ERROR, None)
    state.forget(state.RULEBOOK_WIDGETS)
    state.forget(f"{state.MODE}@")
