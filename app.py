"""The planner's web app: `streamlit run app.py` (opens on the Baodi demo).

A thin shell over :mod:`planning`: the sidebar picks the data (demo or uploads), the
travel mode, the language and the focus; the views show the scorecard, the map, the
tables, the rulebook and the downloads of one :class:`~planning.rules.assess.Assessment`.

Caching: the demo region, its travel engines (:class:`~planning.travel.access.Access`) and its
assessments per rulebook are shared by all sessions (``st.cache_resource``; they hold
no planner's data). Uploads and everything computed from them live only in the
session's ``st.session_state``. Switching views, focus or language never re-runs the
assessment; changing a rulebook value does, reusing the prepared engines.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import re
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from planning.outputs import assets as _assets
from planning.outputs import maps
from planning.travel.access import STRAIGHT_LABEL, Access
from planning.rules.assess import assess
from planning.errors import InputError
from planning.words import (BASIS, COVERAGE, LANG_LABELS, LANGS, MODES, STATUS_BACKGROUNDS, column,
                           kind_name, pair_word, people, rule_title, status_word, t)
from planning.rules.rulebook import load_rulebook
from planning.inputs.offsets import road_offset
from planning.inputs.uploads import check_size, check_zip
from planning.travel.network import region_network

VIEWS = ("scorecard", "map", "scenario", "tables", "rulebook", "downloads")
UPLOAD_LAYERS = ("townships", "villages", "facilities")
LAYER_SUFFIXES = (".gpkg", ".zip", ".geojson", ".json", ".csv", ".xlsx")
ROAD_SUFFIXES = (".osm.pbf", ".osm.bz2", ".osm", ".pbf")
MAX_LAYER_MB, MAX_ROADS_MB = 50, 200  # per file; server.maxUploadSize is the overall cap
#: Streamlit markdown colours of the status badges
STATUS_BADGE = {"pass": "green", "fail": "red", "warn": "orange", "unknown": "violet",
                "not_applicable": "gray"}

st.set_page_config(page_title="基层医疗卫生服务网络规划 · Primary-care planner", page_icon="🏥",
                   layout="wide")


# --------------------------------------------------------------------------- widgets


def choice(widget, label: str, options, key: str, lang: str, format_func=str,
           version: int = 0, **kwargs):
    """A radio/selectbox/multiselect whose labels follow the language and whose value
    survives a language switch.

    The value lives in ``st.session_state[key]``; the widget itself is keyed per language
    (``key@zh``, ``key@en``), so switching language draws a fresh widget with the new
    labels (Streamlit keeps a keyed widget's old labels otherwise). Raise ``version`` to
    draw a fresh widget after the program changed the value (the browser would send
    the old widget's value back otherwise).
    """
    options = list(options)
    wkey = f"{key}@{lang}" + (f"#{version}" if version else "")
    multi = getattr(widget, "__name__", "") == "multiselect"
    current = st.session_state.get(key, [] if multi else options[0] if options else None)

    def sync():
        st.session_state[key] = st.session_state[wkey]

    if multi:
        value = widget(label, options, default=[v for v in current if v in options], key=wkey,
                       format_func=format_func, on_change=sync, **kwargs)
    else:
        index = options.index(current) if current in options else 0
        value = widget(label, options, index=index, key=wkey, format_func=format_func,
                       on_change=sync, **kwargs)
    st.session_state[key] = value
    return value


# --------------------------------------------------------------------------- cached results


@st.cache_resource(show_spinner=False)
def _demo_base() -> dict:
    """The demo region and its travel engines (shared by all sessions: public data)."""
    from planning.inputs.io import load_demo

    region = load_demo()
    return {"region": region, "access": Access(region), "lock": threading.Lock()}


@st.cache_resource(show_spinner=False, max_entries=8)
def _demo_result(values: str) -> tuple:
    """The demo's assessment for a rulebook (``values``: JSON of changed keys) and its
    display layers."""
    base = _demo_base()
    rulebook = load_rulebook().with_values(json.loads(values))
    with base["lock"]:  # one Access, shared: never two assessments at once
        assessment = assess(base["region"], rulebook, base["access"], errors="record")
        return assessment, _display_layers(assessment)


def _session_result(values: str) -> tuple:
    """The uploaded region's assessment, kept in this session only."""
    up = st.session_state["upload_region"]
    results = up.setdefault("results", {})
    if values not in results:
        rulebook = load_rulebook().with_values(json.loads(values))
        assessment = assess(up["region"], rulebook, up["access"], errors="record")
        if len(results) >= 4:
            results.pop(next(iter(results)))
        results[values] = (assessment, _display_layers(assessment))
    return results[values]


def _display_layers(assessment) -> dict:
    """The map's layers; a failure leaves an empty map with the reason (maps.FAILED)."""
    try:
        return maps.display_layers(assessment)
    except Exception as exc:  # noqa: BLE001 - shown by _partial_results; the scorecard stays
        return {maps.FAILED: {"map": exc}}


def _values_key() -> str:
    values = dict(st.session_state.get("rb_values", {}))
    values["R3.mode"] = st.session_state.get("mode", "walk")
    default = {f"{k.rule}.{k.name}": k.default for k in load_rulebook().keys()}
    changed = {k: v for k, v in values.items() if default.get(k) != v}
    return json.dumps(changed, sort_keys=True, ensure_ascii=False)


# --------------------------------------------------------------------------- sidebar


def _sidebar() -> dict:
    sb = st.sidebar
    lang = sb.radio(t("side.language"), LANGS, format_func=LANG_LABELS.get, key="lang",
                    horizontal=True)
    sb.header(t("side.data", lang))
    source = choice(sb.radio, t("side.source", lang), ("demo", "upload"), "source", lang,
                    format_func=lambda s: t(f"source.{s}", lang))
    choice(sb.selectbox, t("side.mode", lang), tuple(MODES), "mode", lang,
           format_func=lambda m: pair_word(MODES, m, lang))
    rb_file = sb.file_uploader(t("side.rulebook_file", lang), type=["toml"], key="rb_file")
    if rb_file is not None:
        _load_rulebook_upload(rb_file, lang)
    n_changed = len(json.loads(_values_key()))
    if n_changed:
        sb.caption(t("side.rulebook_changed", lang, n=n_changed))
    sb.header(t("side.basemap", lang))
    base = choice(sb.selectbox, t("side.basemap", lang), tuple(maps.BASEMAPS), "basemap", lang,
                  format_func=lambda b: t(f"basemap.{b}", lang), label_visibility="collapsed")
    token = sb.text_input(t("basemap.tianditu_key", lang), key="tk", type="password") \
        if base == "tianditu" else ""
    return {"lang": lang, "source": source, "basemap": base, "token": token}


def _load_rulebook_upload(file, lang: str) -> None:
    digest = hashlib.sha1(file.getvalue()).hexdigest()
    if st.session_state.get("rb_file_digest") == digest:
        return
    st.session_state["rb_file_digest"] = digest
    with tempfile.TemporaryDirectory(prefix="planning-rulebook-") as folder:
        path = Path(folder) / "rulebook.toml"
        path.write_bytes(file.getvalue())
        try:
            rulebook = load_rulebook(path)
        except InputError as exc:
            st.sidebar.error(f"{t('err.rulebook', lang)} {exc}")
            return
    st.session_state["rb_values"] = {f"{k.rule}.{k.name}": k.value for k in rulebook.changed()}
    if "R3.mode" in st.session_state["rb_values"]:
        st.session_state["mode"] = st.session_state["rb_values"].pop("R3.mode")
        for key in [k for k in st.session_state if str(k).startswith("mode@")]:
            del st.session_state[key]
    _clear_rulebook_widgets()


def _focus_widgets(assessment, lang: str) -> maps.Focus:
    towns = assessment.region.townships
    sb = st.sidebar
    sb.header(t("side.focus", lang))
    districts = sorted(towns["district"].dropna().astype(str).unique()) if "district" in towns else []
    district = choice(sb.selectbox, t("side.district", lang), [""] + districts, "focus_district",
                      lang, format_func=lambda d: d or t("side.all", lang))
    pick = towns if not district else towns[towns["district"] == district]
    names = dict(zip(pick["township_id"], pick["name"]))
    township = choice(sb.selectbox, t("side.township", lang), [""] + list(names), "focus_township",
                      lang, format_func=lambda i: names.get(i, "") or t("side.all", lang))
    return maps.Focus(district or None, township or None)


# --------------------------------------------------------------------------- scorecard


def _overall(row: dict) -> str:
    if row["failed"]:
        return "fail"
    if row["warned"]:
        return "warn"
    if row.get("unknown"):
        return "unknown"
    return "pass" if row["passed"] else "not_applicable"


def _sentence(result, row: dict, lang: str) -> str:
    """The plain-language sentence of one rule's result."""
    rid, n, pop = row["id"], row["failed"], people(row["population_in_gap"], lang, unit=True)
    fig, rb = result.figures, None
    if rid == "R8":
        return _sentence_r8(fig, row, lang)
    if rid == "R3" and fig.get("share_within") is None and row.get("unknown"):
        text = t("say.R3.unknown", lang, minutes=f"{fig.get('max_minutes', 15):.0f}",
                 mode=pair_word(MODES, fig.get("mode", "walk"), lang), u=row["unknown"],
                 far=int((result.units["minutes_to_care"].isna()
                          | (result.units["minutes_to_care"] > fig.get("max_minutes", 15))).sum()))
    elif rid == "R4" and row.get("unknown") and not n:
        text = t("say.R4.unknown", lang, u=row["unknown"])
    elif row.get("unknown") and not n and not row["passed"]:  # nothing could be judged
        text = t("say.unknown", lang, n=row["unknown"], units=t(f"unit.{result.unit_kind}", lang),
                 missing=_missing_columns(result, lang))
    elif rid == "R3":
        share = fig.get("share_within")
        text = t("say.R3", lang, share="—" if share is None else f"{share:.1%}",
                 minutes=f"{fig.get('max_minutes', 15):.0f}",
                 mode=pair_word(MODES, fig.get("mode", "walk"), lang), n=n, pop=pop)
    elif not row["units"]:
        text = t("say.none", lang)
    else:
        km = f"{fig.get('max_distance_m', 1500) / 1000:g}"
        rb = st.session_state.get("_rulebook")
        extra = {"km": km, "units": row["units"], "na": row["not_applicable"],
                 "minutes": f"{rb.value('R4', 'hard_to_reach_minutes'):.0f}" if rb else "30",
                 "per": rb.value("R6", "committees_per_station") if rb else 4}
        text = t(f"say.{rid}.{'fail' if n else 'ok'}", lang, n=n, pop=pop, **extra)
    if row["warned"] and rid != "R3":
        text += "；" if lang == "zh" else "; "
        text += t("say.warn", lang, n=row["warned"])
    if row.get("unknown") and (n or row["passed"]) and rid not in ("R3", "R4"):
        text += "；" if lang == "zh" else "; "
        text += t("say.some_unknown", lang, n=row["unknown"], missing=_missing_columns(result, lang))
    if fig.get("estimate"):
        text += f"（{STRAIGHT_LABEL}）" if lang == "zh" else f" ({STRAIGHT_LABEL})"
    return text


def _sentence_r8(fig: dict, row: dict, lang: str) -> str:
    """R8's sentence: residents at or above the GP reference within reach, and below it."""
    share = fig.get("share_at_or_above_reference")
    text = t("say.R8", lang, share="—" if share is None else f"{share:.1%}",
             mode=pair_word(MODES, fig.get("mode", "ebike"), lang),
             minutes=f"{fig.get('minutes', 30):g}", target=f"{fig.get('target_gps_per_10000', 4):g}",
             n=row["warned"], pop=f"{fig.get('residents_below_reference', 0):,}")
    if row.get("unknown"):
        text += ("；" if lang == "zh" else "; ") + t("say.some_unknown", lang, n=row["unknown"], missing="")
    return text


def _explain_r8(result, lang: str) -> str:
    """One plain sentence on how R8 counts, with the clause of its target."""
    fig = result.figures
    return t("explain.R8", lang, minutes=f"{fig.get('minutes', 30):g}",
             mode=pair_word(MODES, fig.get("mode", "ebike"), lang),
             target=f"{fig.get('target_gps_per_10000', 4):g}",
             clause=fig.get("target_clause", result.clause))


def _missing_columns(result, lang: str) -> str:
    """``缺少列：医共体（group_id）`` for the columns a rule lacked, or ``""``."""
    from planning.words import field_label

    cols = result.figures.get("missing_columns") or []
    if not cols:
        return ""
    names = "、".join(f"{field_label('facilities', c, lang)}（{c}）" if lang == "zh"
                     else f"{field_label('facilities', c, lang)} ({c})" for c in cols)
    return t("say.missing", lang, columns=names)


def _style_status(frame: pd.DataFrame, columns: list[str], lang: str):
    """A Styler colouring the status columns (values are already status words)."""
    words = {status_word(s, lang): s for s in STATUS_BACKGROUNDS}

    def colour(value):
        s = words.get(value)
        return f"background-color:{STATUS_BACKGROUNDS[s]}" if s else ""

    return frame.style.map(colour, subset=[c for c in columns if c in frame])


def _scorecard(assessment, focus: maps.Focus, lang: str) -> None:
    region = assessment.region
    s = region.summary()
    st.subheader(t("score.header", lang, region=region.name))
    st.caption(t("score.region", lang, townships=s["layers"].get("townships", 0),
                 villages=s["layers"].get("villages", 0),
                 facilities=s["layers"].get("facilities", 0),
                 population=people(s["population"], lang, unit=True))
               + (t("score.population_partial", lang, n=s["population_unknown"])
                  if s.get("population_unknown") and s["population"] is not None else ""))
    if assessment.straight:
        st.warning(f"**{STRAIGHT_LABEL}** · " + t(
            "score.straight", lang, factor=f"{assessment.rulebook.value('travel', 'detour_factor'):g}"))
    outside = region.villages[region.villages["township_id"].isna()]
    if len(outside):
        names = "、".join(outside["name"].astype(str).head(20)) + ("…" if len(outside) > 20 else "")
        st.warning(t("score.outside", lang, n=len(outside), names=names,
                     pop=people(outside["population"].sum(min_count=1), lang)))
    changed = assessment.rulebook.changed()
    if changed:
        st.info(t("score.changed", lang, keys=", ".join(f"{k.rule}.{k.name} = {k.value}"
                                                        for k in changed)))
    rows = []
    for result in assessment.results.values():
        row = result.summary()
        status = _overall(row)
        rows.append({
            t("score.rule", lang): row["id"],
            t("score.title", lang): rule_title(result, lang),
            t("score.status", lang): status_word(status, lang),
            t("score.units", lang): row["units"],
            t("score.passed", lang): row["passed"],
            t("score.failed", lang): row["failed"],
            t("score.warned", lang): row["warned"],
            t("score.unknown", lang): row.get("unknown", 0),
            t("score.na", lang): row["not_applicable"],
            t("score.gap_people", lang): people(row["population_in_gap"], lang),
            t("score.basis", lang): pair_word(BASIS, row["basis"], lang),
            t("score.clause", lang): row["clause"],
        })
        st.markdown(f":{STATUS_BADGE[status]}-background[**{row['id']} {status_word(status, lang)}**]"
                    f" {_sentence(result, row, lang)}")
        if row["id"] == "R8":
            st.caption(_explain_r8(result, lang))
    table = pd.DataFrame(rows).set_index(t("score.rule", lang))
    st.table(_style_status(table, [t("score.status", lang)], lang))

    st.subheader(t("score.by_district", lang))
    long = maps.district_breakdown(assessment)
    if len(long):
        long["cell"] = [f"{f}/{u}" + (f" ({people(p, lang)})" if p != 0 else "")
                        for f, u, p in zip(long["failed"], long["units"], long["population_in_gap"])]
        r8 = long["rule"] == "R8"  # R8 never fails: its villages below the reference
        long.loc[r8, "cell"] = [f"{w}/{u} {status_word('warn', lang)}"
                                for w, u in zip(long.loc[r8, "warned"], long.loc[r8, "units"])]
        wide = long.pivot(index="district", columns="rule", values="cell").fillna("—")
        wide.index.name = t("col.district", lang)
        st.table(wide)
        st.caption("未达标/单元（缺口人口）" if lang == "zh" else "failed/units (residents in gaps)")

    st.subheader(t("score.by_township", lang))
    towns = maps.township_status(assessment)
    if focus.district:
        towns = towns[towns["district"] == focus.district]
    if focus.township_id:
        towns = towns[towns["township_id"] == focus.township_id]
    cols = {"name": t("col.township", lang), "district": t("col.district", lang),
            "population": column("population", lang)}
    view = pd.DataFrame({
        cols["name"]: towns["name"].where(towns["township_id"] != maps.OUTSIDE,
                                          t("score.outside_row", lang)),
        cols["district"]: towns["district"],
        cols["population"]: [people(p, lang) for p in towns["population"]],
        "R1": [status_word(x, lang) for x in towns["r1"]],
        "R2": [f"{g}/{u}" for g, u in zip(towns["r2_gaps"], towns["r2_units"])],
        "R3": ["—" if pd.isna(x) else f"{x:.0%}" for x in towns["r3_share"]],
        "R6": [status_word(x, lang) for x in towns["r6"]],
        t("col.overall", lang): [status_word(x, lang) for x in towns["overall"]],
    })
    if "r8_gps" in towns:  # beside the overall status: R8's target is a city-wide reference
        view[t("col.r8", lang)] = ["—" if pd.isna(x) else f"{x:.2f}" for x in towns["r8_gps"]]
    st.dataframe(_style_status(view, ["R1", "R6", t("col.overall", lang)], lang),
                 hide_index=True, width="stretch")

    _applicability(assessment, focus, lang)
    notes = [(rid, n) for rid, r in assessment.results.items() for n in r.notes]
    if notes:
        with st.expander(t("score.notes", lang)):
            for rid, note in notes:
                st.markdown(f"- **{rid}** {note}")


def _applicability(assessment, focus: maps.Focus, lang: str) -> None:
    """Which rules apply to the selected district (or the region) and why."""
    region, res = assessment.region, assessment.results
    name = focus.district or region.name
    towns = region.townships
    if focus.district and "district" in towns:
        towns = towns[towns["district"] == focus.district]
    villages = region.villages[region.villages["township_id"].isin(towns["township_id"])]
    kinds = villages["kind"].value_counts()
    lines = {
        "R1": t("applies.R1", lang, towns=int((towns["kind"] == "township").sum()),
                streets=int((towns["kind"] == "street").sum())),
        "R2": t("applies.R2", lang, n=int(kinds.get("village_committee", 0)))
        if kinds.get("village_committee", 0) else t("applies.R2.none", lang),
        "R3": t("applies.R3", lang, n=len(villages)),
        "R6": t("applies.R6", lang, n=int(kinds.get("residents_committee", 0)))
        if kinds.get("residents_committee", 0) else t("applies.R6.none", lang),
    }
    for rid in ("R4", "R5"):
        if rid in res and len(res[rid].units):
            u = res[rid].units
            pick = u[u["name"] == focus.district] if focus.district else u
            lines[rid] = "；".join(f"{status_word(s, lang)}：{r}" for s, r in
                                  zip(pick["status"], pick["reason"])) or t("say.none", lang)
    if "R8" in res:
        from planning.rules.base import facilities_of

        gp_fac = facilities_of(region, assessment.rulebook["R8"]["gp_kinds"])
        missing = int(gp_fac["gps"].isna().sum()) if "gps" in gp_fac else len(gp_fac)
        lines["R8"] = (t("applies.R8.missing", lang, n=len(villages), m=missing) if missing else
                       t("applies.R8", lang, n=len(villages), k=len(gp_fac)))
    has_groups = "group_id" in region.facilities and region.facilities["group_id"].notna().any()
    lines["R7"] = t("applies.R7.data" if has_groups else "applies.R7.nodata", lang)
    st.subheader(t("score.applies", lang, district=name))
    for rid in res:
        if rid in lines:
            st.markdown(f"- **{rid}** {rule_title(res[rid], lang)}：{lines[rid]}")


# --------------------------------------------------------------------------- map


def _map_view(assessment, display, focus: maps.Focus, opts: dict, data_key: str) -> None:
    lang = opts["lang"]
    missing = _assets.missing()
    if missing:
        st.error(t("map.assets_missing", lang, files=", ".join(missing)))
        return
    if "townships" not in display:  # the display step failed: said above the view
        return
    tiles, message = maps.basemap(opts["basemap"], lang, opts["token"])
    if message:
        (st.warning if tiles is None else st.caption)(message)
    _st_map(lambda: maps.build_map(assessment, lang, focus=focus, tiles=tiles, display=display),
            ("map", data_key, lang, focus, opts["basemap"], opts["token"]), key="map")


# --------------------------------------------------------------------------- map payloads

#: map payloads kept per session (each is the map's script, about 2 MB for the demo)
MAP_CACHE_ENTRIES = 6
_MAP_DEFAULTS = {"last_clicked": None, "last_object_clicked": None,
                 "last_object_clicked_tooltip": None}


def _map_payload(fmap) -> dict:
    """What streamlit-folium sends to the browser for ``fmap`` (its ``st_folium`` steps,
    done once so the result can be kept: rendering the demo map takes about 2 s)."""
    import streamlit_folium as sf

    fmap.get_root().render()
    fmap.render()
    html, header = sf._get_html(fmap), sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css, js = [], []
    for element in maps._walk(fmap):
        css += [href for _, href in getattr(element, "default_css", [])]
        js += [src for _, src in getattr(element, "default_js", [])]
    return {"script": script, "header": header, "html": html, "id": sf.get_full_id(fmap),
            "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js))}


def _st_map(build, cache_key: tuple, key: str, height: int = 680,
            returned_objects: tuple[str, ...] = ()) -> dict | None:
    """Draw the folium map ``build()`` returns, keeping its rendered payload in the session
    under ``cache_key`` (switching views, languages or focus back costs nothing).

    Uses streamlit-folium's own steps (pinned version); falls back to ``st_folium``
    should they change.
    """
    import streamlit_folium as sf

    cache = st.session_state.setdefault("_map_payloads", {})
    try:
        if cache_key not in cache:
            cache[cache_key] = _map_payload(build())
            while len(cache) > MAP_CACHE_ENTRIES:
                cache.pop(next(iter(cache)))
        payload = cache[cache_key]
        component = sf._component_func
        hash_key = sf.generate_js_hash(payload["script"], key, False)
    except AttributeError:  # another streamlit-folium: its public function
        return sf.st_folium(build(), key=key, height=height, use_container_width=True,
                            returned_objects=list(returned_objects))

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    defaults = {k: v for k, v in _MAP_DEFAULTS.items() if k in returned_objects}
    return component(**payload, key=hash_key, height=height, width=None,
                     returned_objects=list(returned_objects), default=defaults, zoom=None,
                     center=None, feature_group=None, return_on_hover=False, layer_control=None,
                     pixelated=False, on_change=on_change, wrap_longitude=False)


# --------------------------------------------------------------------------- scenarios

#: what a click on the scenario map does
CLICK_ACTIONS = ("add", "move", "select")
#: kinds a planner may add in a scenario (village clinic first: the default)
ADD_KINDS = ("village_clinic", "village_service_point", "community_health_station",
             "township_health_centre", "community_health_centre")
#: a clicked map object this close to a facility picks it, degrees (about 5 m)
PICK_DEG = 5e-5
#: a click in "select" mode picks the nearest facility within this distance, metres
SELECT_RADIUS_M = 300.0
SCENARIO_RESULTS_KEPT = 8


def _scenario_store(ctx: dict, assessment, lang: str) -> dict:
    """The session's scenarios for the current data and rulebook (created on first use).

    A rulebook change keeps every scenario's edits and re-checks them with the new
    rulebook; other data drop them.
    """
    from planning.plan.scenario import Scenario

    store = st.session_state.get("scenarios")
    if store is None or store["data"] != ctx["data"]:
        store = {"data": ctx["data"], "values": ctx["values"], "items": {}, "active": None,
                 "n": 0, "saved": {}}
        st.session_state["scenarios"] = store
    if store["values"] != ctx["values"]:
        items = {}
        for name, old in store["items"].items():
            sc = Scenario(ctx["region"], name, assessment.rulebook, ctx["access"], assessment)
            sc.edits, sc.cursor, sc.created = list(old.edits), old.cursor, old.created
            items[name] = sc
        store["items"], store["values"] = items, ctx["values"]
    if not store["items"]:
        _new_scenario(store, ctx, assessment, lang)
    if store["active"] not in store["items"]:
        store["active"] = next(iter(store["items"]))
    return store


def _new_scenario(store: dict, ctx: dict, assessment, lang: str, name: str | None = None):
    from planning.plan.scenario import Scenario

    if name is None:
        store["n"] += 1
        name = t("sc.new_name", lang, n=store["n"])
        while name in store["items"]:
            store["n"] += 1
            name = t("sc.new_name", lang, n=store["n"])
    sc = Scenario(ctx["region"], name, assessment.rulebook, ctx["access"], assessment)
    store["items"][name] = sc
    store["active"] = name
    return sc


def _state_key(sc, ctx: dict) -> str:
    """Content key of a scenario's state: the data, the rulebook and the active edits."""
    text = repr((ctx["data"], ctx["values"], tuple(sc.active)))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _scenario_result(sc, ctx: dict, base_display: dict) -> dict:
    """The scenario's assessment, comparison with its base and display layers (session)."""
    from planning.plan.scenario import compare

    key = _state_key(sc, ctx)
    cache = st.session_state.setdefault("_sc_results", {})
    if key not in cache:
        t0 = time.perf_counter()
        with ctx["lock"]:
            after = sc.assess()
            comparison = compare(sc.base_assessment(), after)
        seconds = time.perf_counter() - t0
        display = maps.display_layers(after, reference=base_display)
        cache[key] = {"key": key, "assessment": after, "comparison": comparison,
                      "display": display, "seconds": seconds}
        while len(cache) > SCENARIO_RESULTS_KEPT:
            cache.pop(next(iter(cache)))
    return cache[key]


def _flash(kind: str, text: str) -> None:
    st.session_state.setdefault("_sc_flash", []).append((kind, text))


def _facility_name(region, fid) -> str:
    fac = region.facilities
    hit = fac.loc[fac["facility_id"].astype(str) == str(fid), "name"]
    return str(hit.iloc[0]) if len(hit) else str(fid)


def _nearest_facility(region, lon: float, lat: float, within_m: float) -> str | None:
    import pyproj
    import shapely

    from planning.crs import WGS84

    fac = region.facilities
    if not len(fac):
        return None
    x, y = pyproj.Transformer.from_crs(WGS84, region.crs, always_xy=True).transform(lon, lat)
    d = shapely.distance(fac.geometry.values, shapely.Point(x, y))
    i = int(d.argmin())
    return str(fac["facility_id"].iloc[i]) if d[i] <= within_m else None


def _handle_map_click(sc, lang: str) -> None:
    """Apply what the last click on the scenario map asks for (once per click).

    A click on the map, a village or a township adds a facility (or moves the selected
    one) where it fell; a click on a facility's icon selects it.
    """
    value = st.session_state.get("scmap") or {}
    click, obj = value.get("last_clicked"), value.get("last_object_clicked")
    seen = st.session_state.get("_sc_seen", (None, None))
    st.session_state["_sc_seen"] = (click, obj)
    new_click = click is not None and click != seen[0]
    new_obj = obj is not None and obj != seen[1]
    region = sc.apply()
    if new_obj and not new_click:
        fid = _nearest_facility(region, float(obj["lng"]), float(obj["lat"]), PICK_DEG * 1e5)
        if fid:
            st.session_state["sc_selected"] = fid
            _flash("info", t("sc.picked", lang, name=_facility_name(region, fid)))
            return
        click, new_click = obj, True  # a village or township: where it was clicked
    try:
        if new_click:
            action = st.session_state.get("sc_action", "add")
            lon, lat = float(click["lng"]), float(click["lat"])
            if action == "add":
                fid = sc.add_facility(st.session_state.get("sc_kind", "village_clinic"), lon=lon, lat=lat,
                                      staff=_new_staff())
                _flash("success", t("sc.added", lang, name=_facility_name(sc.apply(), fid)))
            elif action == "move":
                fid = st.session_state.get("sc_selected")
                if not fid:
                    _flash("warning", t("sc.need_selection", lang))
                else:
                    sc.move_facility(fid, lon=lon, lat=lat)
                    _flash("success", t("sc.moved", lang, name=_facility_name(region, fid)))
            else:
                fid = _nearest_facility(region, lon, lat, SELECT_RADIUS_M)
                if fid:
                    st.session_state["sc_selected"] = fid
                    _flash("info", t("sc.picked", lang, name=_facility_name(region, fid)))
    except InputError as exc:
        _flash("error", f"{t('err.input', lang)} {exc.render(lang)}")


def _close_selected(sc, lang: str) -> None:
    fid = st.session_state.get("sc_selected")
    if not fid:
        _flash("warning", t("sc.need_selection", lang))
        return
    name = _facility_name(sc.apply(), fid)
    try:
        warnings = sc.close_facility(fid)
    except InputError as exc:
        _flash("error", f"{t('err.input', lang)} {exc.render(lang)}")
        return
    st.session_state["sc_selected"] = ""
    _flash("success", t("sc.closed", lang, name=name))
    for w in warnings:
        _flash("warning", w)


def _add_at_village(sc, lang: str) -> None:
    vid = st.session_state.get(f"sc_village@{lang}")
    vil = sc.apply().villages
    row = vil[vil["village_id"].astype(str) == str(vid)]
    if not len(row):
        return
    g = row.geometry.iloc[0]
    try:
        fid = sc.add_facility(st.session_state.get("sc_kind", "village_clinic"), x=g.x, y=g.y,
                              staff=_new_staff())
    except InputError as exc:
        _flash("error", f"{t('err.input', lang)} {exc.render(lang)}")
        return
    _flash("success", t("sc.added", lang, name=_facility_name(sc.apply(), fid)))


def _new_staff() -> dict | None:
    """GPs a facility added in the scenario opens with (R8), None when none are set."""
    n = int(st.session_state.get("sc_new_gps", 0) or 0)
    return {"gps": n} if n > 0 else None


def _add_staff_selected(sc, lang: str) -> None:
    fid = st.session_state.get("sc_selected")
    if not fid:
        _flash("warning", t("sc.need_selection", lang))
        return
    n = int(st.session_state.get("sc_staff_n", 1) or 1)
    try:
        sc.add_staff(fid, gps=n)
    except InputError as exc:
        _flash("error", f"{t('err.input', lang)} {exc}")
        return
    _flash("success", t("sc.staff_added", lang, n=n, name=_facility_name(sc.apply(), fid)))


def _staff_controls(sc, lang: str) -> None:
    """R8: add GPs to the selected facility; GPs a newly added facility opens with."""
    st.number_input(t("sc.staff_n", lang), min_value=1, max_value=200, value=2, step=1, key="sc_staff_n")
    st.button(t("sc.add_staff", lang), key="sc_add_staff", on_click=_add_staff_selected,
              args=(sc, lang), disabled=not st.session_state.get("sc_selected"))
    st.number_input(t("sc.new_gps", lang), min_value=0, max_value=200, value=0, step=1, key="sc_new_gps")


def _r8_delta(base, after, lang: str) -> None:
    """R8 never fails: its change is the residents below the GP reference within reach."""
    if "R8" not in after.results or "R8" not in base.results:
        return
    b = base.results["R8"].figures
    a = after.results["R8"].figures
    c1, c2 = st.columns(2)
    c1.metric(t("sc.r8_below", lang), f"{a['residents_below_reference']:,}",
              delta=f"{a['residents_below_reference'] - b['residents_below_reference']:+,}",
              delta_color="inverse")
    c2.metric(t("sc.r8_mean", lang), f"{a['gps_per_10000_within_reach'] or 0:.2f}",
              delta=f"{(a['gps_per_10000_within_reach'] or 0) - (b['gps_per_10000_within_reach'] or 0):+.2f}")


def _keyed_select(label: str, options: list, key: str, lang: str, format_func, **kwargs):
    """A selectbox whose value (``st.session_state[key]``) the app may also set (a map
    click picks a facility): the widget is keyed per language like :func:`choice`."""
    wkey = f"{key}@{lang}"
    current = st.session_state.get(key)
    st.session_state[wkey] = current if current in options else options[0]

    def sync():
        st.session_state[key] = st.session_state[wkey]

    value = st.selectbox(label, options, key=wkey, format_func=format_func, on_change=sync, **kwargs)
    st.session_state[key] = value
    return value


def _scenario_view(assessment, display, focus: maps.Focus, opts: dict, ctx: dict) -> None:
    lang = opts["lang"]
    store = _scenario_store(ctx, assessment, lang)
    sc = store["items"][store["active"]]
    _handle_map_click(sc, lang)
    st.caption(t("sc.intro", lang))

    top = st.columns([3, 1], vertical_alignment="bottom")
    names = list(store["items"])
    st.session_state["sc_active"] = store["active"]
    with top[0]:
        active = _keyed_select(t("sc.active", lang), names, "sc_active", lang, str)
    if active != store["active"]:
        store["active"] = active
        sc = store["items"][active]
    if top[1].button(t("sc.new", lang), key="sc_new"):
        sc = _new_scenario(store, ctx, assessment, lang)
        st.rerun()

    res = _scenario_result(sc, ctx, display)
    after, comp = res["assessment"], res["comparison"]
    region = after.region
    left, right = st.columns([5, 2])
    with right:
        for kind, text in st.session_state.pop("_sc_flash", []):
            getattr(st, kind)(text)
        for w in sc.warnings():
            st.warning(w)
        choice(st.radio, t("sc.click", lang), CLICK_ACTIONS, "sc_action", lang,
               format_func=lambda a: t(f"sc.click.{a}", lang))
        choice(st.selectbox, t("sc.kind", lang), ADD_KINDS, "sc_kind", lang,
               format_func=lambda k: kind_name(k, lang))
        fac = region.facilities
        labels = {str(f): f"{n}（{kind_name(k, lang)}）"
                  for f, n, k in zip(fac["facility_id"], fac["name"], fac["kind"])}
        _keyed_select(t("sc.selected", lang), [""] + list(labels), "sc_selected", lang,
                      lambda f: labels.get(f, t("sc.none", lang)))
        st.button(t("sc.close", lang), key="sc_close", on_click=_close_selected, args=(sc, lang),
                  disabled=not st.session_state.get("sc_selected"))
        _staff_controls(sc, lang)
        r2 = after.results.get("R2")
        if r2 is not None and len(r2.units):
            u = r2.units.assign(_fail=r2.units["status"].ne("fail"))
            u = u.sort_values(["_fail", "name"])
            vlabels = {str(v): f"{n} · {status_word(s_, lang)}"
                       for v, n, s_ in zip(u["unit_id"], u["name"], u["status"])}
            _keyed_select(t("sc.at_village", lang), list(vlabels), "sc_village", lang, vlabels.get)
            st.button(t("sc.add_here", lang), key="sc_add_village", on_click=_add_at_village,
                      args=(sc, lang))
        b1, b2 = st.columns(2)
        b1.button(t("sc.undo", lang), key="sc_undo", on_click=sc.undo, disabled=not sc.can_undo,
                  width="stretch")
        b2.button(t("sc.redo", lang), key="sc_redo", on_click=sc.redo, disabled=not sc.can_redo,
                  width="stretch")
        if sc.active:
            st.markdown(f"**{t('sc.edits', lang, n=len(sc.active))}**")
            st.markdown("\n".join(f"{i}. {e.describe()}" for i, e in enumerate(sc.active, 1)))
        else:
            st.caption(t("sc.no_edits", lang))

    suggestion = _suggest_panel_state(sc, ctx)
    with left:
        missing = _assets.missing()
        if missing:
            st.error(t("map.assets_missing", lang, files=", ".join(missing)))
        else:
            tiles, message = maps.basemap(opts["basemap"], lang, opts["token"])
            if message:
                (st.warning if tiles is None else st.caption)(message)
            selected = st.session_state.get("sc_selected") or None
            sites = suggestion.sites if suggestion is not None else None
            base_region = ctx["region"]
            _st_map(lambda: maps.build_map(
                        after, lang, focus=focus, tiles=tiles, display=res["display"], compact=True,
                        scenario=maps.scenario_layers(comp, base_region, region, suggested=sites,
                                                      selected=selected)),
                    ("scenario", res["key"], lang, focus, opts["basemap"], opts["token"], selected,
                     id(suggestion)),
                    key="scmap", height=620, returned_objects=("last_clicked", "last_object_clicked"))

    _deltas(comp, lang, res["seconds"])
    _r8_delta(sc.base_assessment(), after, lang)
    with st.expander(t("sc.suggest", lang), expanded=suggestion is not None):
        _suggest_panel(sc, ctx, lang, suggestion)
    with st.expander(t("sc.files", lang)):
        _files_panel(store, sc, ctx, assessment, display, lang)
    with st.expander(t("sc.export", lang)):
        _export_panel(sc, comp, lang)


def _deltas(comp, lang: str, seconds: float) -> None:
    st.subheader(t("sc.deltas", lang))
    rules = comp.rules
    if not len(rules):
        return
    cols = st.columns(4)
    for col, rid in zip(cols, ("R2", "R3", "R1", "R6")):
        row = rules[rules["rule"] == rid]
        if len(row):
            r = row.iloc[0]
            col.metric(t("sc.metric", lang, rule=rid), int(r["failed_after"]),
                       delta=int(r["failed_after"] - r["failed_before"]), delta_color="inverse")
    table = pd.DataFrame({
        t("sc.col.rule", lang): rules["rule"],
        t("sc.col.failed_before", lang): rules["failed_before"].astype(int),
        t("sc.col.failed_after", lang): rules["failed_after"].astype(int),
        t("sc.col.change", lang): [f"{int(a - b):+d}" if a != b else "0"
                                   for a, b in zip(rules["failed_after"], rules["failed_before"])],
        t("sc.col.newly_covered", lang): [people(v, lang) for v in rules["residents_newly_covered"]],
        t("sc.col.newly_uncovered", lang): [people(v, lang) for v in rules["residents_newly_uncovered"]],
        t("sc.col.gap_before", lang): [people(v, lang) for v in rules["population_in_gap_before"]],
        t("sc.col.gap_after", lang): [people(v, lang) for v in rules["population_in_gap_after"]],
    }).set_index(t("sc.col.rule", lang))
    st.table(table)
    st.caption(t("sc.seconds", lang, s=seconds))
    if len(comp.changed):
        with st.expander(f"{t('sc.changed_units', lang)} ({len(comp.changed)})"):
            ch = pd.DataFrame(comp.changed.drop(columns="geometry", errors="ignore"))
            for c in ("status_before", "status_after"):
                ch[c] = [status_word(s_, lang) for s_ in ch[c]]
            st.dataframe(ch.rename(columns={c: column(c, lang) for c in ch.columns}),
                         hide_index=True, width="stretch")


def _suggest_key(sc, ctx: dict) -> tuple:
    s = st.session_state
    return (_state_key(sc, ctx), s.get("sg_rule", "R2"), int(s.get("sg_k", 5)),
            s.get("sg_objective", "residents"), bool(s.get("sg_exact", False)))


def _suggest_panel_state(sc, ctx: dict):
    """The suggestion computed for the scenario's current state and options, if any."""
    kept = st.session_state.get("_sc_suggestion")
    return kept["suggestion"] if kept and kept["key"] == _suggest_key(sc, ctx) else None


def _run_suggest(sc, ctx: dict, lang: str) -> None:
    from planning.plan.optimize import suggest

    key = _suggest_key(sc, ctx)
    _, rule, k, objective, exact = key
    try:
        with ctx["lock"]:
            s = suggest(sc.apply(), rule, k, objective=objective, rulebook=sc.rulebook,
                        method="exact" if exact else "greedy", access=sc.access)
    except InputError as exc:
        _flash("error", f"{t('err.input', lang)} {exc.render(lang)}")
        return
    st.session_state["_sc_suggestion"] = {"key": key, "suggestion": s}


def _add_suggested(sc, suggestion, lang: str) -> None:
    kind = "village_clinic" if suggestion.rule == "R2" else st.session_state.get("sc_kind", "village_clinic")
    for edit in suggestion.edits(kind):
        sc.push(edit)
    st.session_state.pop("_sc_suggestion", None)
    _flash("success", t("sc.added", lang, name=f"{len(suggestion.sites)} ×"))


def _suggest_panel(sc, ctx: dict, lang: str, suggestion) -> None:
    c = st.columns([2, 2, 2, 2])
    with c[0]:
        choice(st.radio, t("sc.suggest_rule", lang), ("R2", "R3"), "sg_rule", lang,
               format_func=lambda r: t(f"sc.suggest_rule.{r}", lang))
    c[1].slider(t("sc.suggest_k", lang), 1, 20, key="sg_k", value=st.session_state.get("sg_k", 5))
    with c[2]:
        choice(st.radio, t("sc.suggest_objective", lang), ("residents", "villages"), "sg_objective",
               lang, format_func=lambda o: t(f"sc.objective.{o}", lang))
    c[3].checkbox(t("sc.suggest_exact", lang), key="sg_exact")
    c[3].button(t("sc.suggest_run", lang), key="sg_run", type="primary", on_click=_run_suggest,
                args=(sc, ctx, lang))
    if suggestion is None:
        return
    s = suggestion
    if not len(s.sites):
        st.info(t("sc.suggest_none", lang))
        return
    unit = column("population", lang) if s.objective == "residents" else t("unit.village", lang)
    st.markdown(t("sc.suggest_summary", lang, k=s.k, n=f"{s.sites['newly_covered'].sum():,.0f} {unit}",
                  solver=s.solver, s=s.seconds))
    if s.optimality_gap is not None:
        st.caption(t("sc.suggest_gap", lang, gap=s.optimality_gap))
    sites = pd.DataFrame(s.sites.drop(columns="geometry"))
    sites = sites[[c_ for c_ in ("rank", "name", "newly_covered", "cumulative_covered",
                                  "villages_newly_covered", "lon", "lat") if c_ in sites]]
    a, b = st.columns([3, 2])
    a.dataframe(_tidy_numbers(sites).rename(columns={c_: column(c_, lang) for c_ in sites.columns}),
                hide_index=True, width="stretch")
    curve = s.curve.rename(columns={"k": t("sc.curve_k", lang), "share": t("sc.curve_share", lang)})
    b.caption(t("sc.suggest_curve", lang))
    b.line_chart(curve, x=t("sc.curve_k", lang), y=t("sc.curve_share", lang), height=220)
    st.button(t("sc.suggest_add", lang), key="sg_add", on_click=_add_suggested, args=(sc, s, lang))


def _safe_stem(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s.]+', "_", name).strip("_") or "scenario"


def _files_panel(store: dict, sc, ctx: dict, assessment, display, lang: str) -> None:
    from planning.plan.scenario import Scenario

    c1, c2 = st.columns(2)
    name = c1.text_input(t("sc.name", lang), value=sc.name, key=f"sc_name_{store['active']}")
    if c1.button(t("sc.save", lang), key="sc_save", type="primary"):
        name = name.strip() or sc.name
        if name != sc.name and name not in store["items"]:
            store["items"] = {(name if k == sc.name else k): v for k, v in store["items"].items()}
            sc.name = store["active"] = name
        folder = _session_dir() / "scenarios"
        folder.mkdir(exist_ok=True)
        path = sc.save(folder / f"{_safe_stem(sc.name)}.gpkg")
        store["saved"][sc.name] = path
        st.success(t("sc.saved", lang, name=sc.name))
    path = store["saved"].get(sc.name)
    if path is not None and Path(path).exists():
        c1.download_button(t("sc.download", lang), data=Path(path).read_bytes(),
                           file_name=Path(path).name, mime="application/geopackage+sqlite3",
                           key="sc_download", on_click="ignore")
    file = c2.file_uploader(t("sc.load", lang), type=["gpkg"], key="sc_upload")
    if file is not None:
        digest = hashlib.sha1(file.getvalue()).hexdigest()
        if st.session_state.get("_sc_upload_digest") != digest:
            st.session_state["_sc_upload_digest"] = digest
            target = _save_upload(file, "scenario_upload", (".gpkg",), MAX_LAYER_MB, lang)
            if target is not None:
                try:
                    loaded = Scenario.load(target, ctx["region"], assessment.rulebook, ctx["access"],
                                           assessment)
                except InputError as exc:
                    st.error(f"{t('err.input', lang)} {exc.render(lang)}")
                else:
                    name = loaded.name
                    while name in store["items"]:
                        name += "′"
                    loaded.name = name
                    store["items"][name] = loaded
                    store["active"] = name
                    _flash("success", t("sc.loaded", lang, name=name, n=len(loaded.active)))
                    st.rerun()
    _compare_panel(store, ctx, assessment, display, lang)


def _compare_panel(store: dict, ctx: dict, assessment, display, lang: str) -> None:
    names = list(store["items"])
    st.markdown(f"**{t('sc.compare', lang)}**")
    c1, c2 = st.columns(2)
    with c1:
        a = choice(st.selectbox, t("sc.compare_a", lang), names, "sc_cmp_a", lang)
    if st.session_state.get("sc_cmp_b") not in names:
        st.session_state["sc_cmp_b"] = names[-1]
    with c2:
        b = choice(st.selectbox, t("sc.compare_b", lang), names, "sc_cmp_b", lang)
    base_name = t("sc.base", lang)
    columns = {}
    figures = {base_name: assessment}
    for n in (a, b):
        figures[n] = _scenario_result(store["items"][n], ctx, display)["assessment"]
    for n, ass in figures.items():
        columns[t("sc.failed_of", lang, name=n)] = {r: res.count("fail") for r, res in ass.results.items()}
    for n, ass in figures.items():
        columns[t("sc.gap_of", lang, name=n)] = {r: people(res.summary()["population_in_gap"], lang)
                                                 for r, res in ass.results.items()}
    table = pd.DataFrame(columns)
    table.index.name = t("sc.col.rule", lang)
    st.table(table)


def _export_panel(sc, comp, lang: str) -> None:
    from planning.crs import WGS84, wgs84_to_gcj02
    from planning.outputs.export import FORMATS, export_bytes, export_filename

    stem = _safe_stem(sc.name)
    sites = sc.proposed_sites()
    if len(sites):
        wgs = sites.drop(columns=["lon", "lat"], errors="ignore").to_crs(WGS84)
        glon, glat = wgs84_to_gcj02(wgs.geometry.x.to_numpy(), wgs.geometry.y.to_numpy())
        wgs[t("col.gcj02_lon", lang)] = [round(float(v), 7) for v in glon]
        wgs[t("col.gcj02_lat", lang)] = [round(float(v), 7) for v in glat]
        st.download_button(t("sc.export_sites", lang),
                           data=lambda: export_bytes({"sites": wgs}, "xlsx", crs="wgs84", lang=lang,
                                                     stem=f"{stem}_sites")[0],
                           file_name=export_filename(f"{stem}_sites", "xlsx"), mime=FORMATS["xlsx"].mime,
                           key="sc_dl_sites", on_click="ignore")
    else:
        st.caption(t("sc.no_sites", lang))
    layers = {k: v for k, v in comp.layers.items() if len(v)}
    if not layers:
        return
    st.caption(f"{t('sc.export_layers', lang)}: {', '.join(layers)}")
    cols = st.columns(len(FORMATS))
    for col, (key, fmt) in zip(cols, FORMATS.items()):
        col.download_button(t("dl.button", lang, label=fmt.label_en if lang == "en" else fmt.label_zh),
                            data=lambda k=key: export_bytes(layers, k, crs="wgs84", lang=lang,
                                                            stem=f"{stem}_changes")[0],
                            file_name=export_filename(f"{stem}_changes", key, n_layers=len(layers)),
                            mime=fmt.mime, key=f"sc_dl_{key}", on_click="ignore")


# --------------------------------------------------------------------------- tables


def _tables(assessment, focus: maps.Focus, lang: str) -> None:
    res = assessment.results
    c1, c2 = st.columns(2)
    rid = choice(c1.selectbox, t("tab.rule", lang), list(res), "table_rule", lang,
                 format_func=lambda r: f"{r} {rule_title(res[r], lang)}")
    layers = res[rid].layers or {rid: res[rid].units}
    name = c2.selectbox(t("tab.layer", lang), list(layers), key=f"table_layer_{rid}")
    frame = pd.DataFrame(layers[name].drop(columns="geometry", errors="ignore"))
    region = assessment.region
    if focus.township_id or focus.district:
        towns = region.townships
        ids = {focus.township_id} if focus.township_id else \
            set(towns.loc[towns["district"] == focus.district, "township_id"])
        if "township_id" in frame:
            frame = frame[frame["township_id"].isin(ids)]
        elif "district" in frame and focus.district:
            frame = frame[frame["district"] == focus.district]
    total = len(frame)
    c3, c4 = st.columns(2)
    statuses = choice(c3.multiselect, t("tab.status", lang), list(STATUS_BACKGROUNDS),
                      "table_status", lang, format_func=lambda s: status_word(s, lang))
    query = c4.text_input(t("tab.search", lang), key="table_search")
    if statuses and "status" in frame:
        frame = frame[frame["status"].isin(statuses)]
    if query and "name" in frame:
        frame = frame[frame["name"].astype(str).str.contains(query, regex=False, na=False)]
    for col in ("status",):
        if col in frame:
            frame[col] = [status_word(s, lang) for s in frame[col]]
    if "kind" in frame:
        frame["kind"] = [kind_name(k, lang) for k in frame["kind"]]
    if "coverage" in frame:
        frame["coverage"] = [pair_word(COVERAGE, c, lang) for c in frame["coverage"]]
    frame = _tidy_numbers(frame)
    status_col = column("status", lang)
    frame = frame.rename(columns={c: column(c, lang) for c in frame.columns})
    st.caption(t("tab.rows", lang, shown=len(frame), total=total))
    styled = _style_status(frame, [status_col], lang) if len(frame) <= 5000 else frame
    st.dataframe(styled, hide_index=True, width="stretch", height=560)


def _tidy_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-number float columns as integers, others to two decimals (for reading)."""
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_float_dtype(frame[col]):
            values = frame[col]
            whole = values.dropna()
            frame[col] = values.round(0).astype("Int64") if (whole == whole.round(0)).all() \
                else values.round(2)
    return frame


# --------------------------------------------------------------------------- rulebook


def _clear_rulebook_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith("rbw.")]:
        del st.session_state[key]


def _rulebook_changed(dotted: str, wkey: str, lang: str) -> None:
    value = st.session_state[wkey]
    if isinstance(value, str) and _is_number_list(load_rulebook().key(*dotted.split(".", 1)).default):
        try:  # a list of numbers typed as "1, 0.68, 0.22"
            value = [float(v) for v in re.split(r"[,，;；\s]+", value.strip()) if v]
        except ValueError:
            st.session_state["rb_error"] = f"{t('err.rulebook', lang)} {dotted}: {value!r}"
            return
    values = dict(st.session_state.get("rb_values", {}))
    values[dotted] = value
    try:
        load_rulebook().with_values(values)
    except InputError as exc:
        st.session_state["rb_error"] = f"{t('err.rulebook', lang)} {exc}"
        return
    st.session_state["rb_values"] = values
    st.session_state.pop("rb_error", None)


def _rulebook_reset() -> None:
    st.session_state["rb_values"] = {}
    st.session_state["mode"] = load_rulebook().value("R3", "mode")
    st.session_state.pop("rb_error", None)
    _clear_rulebook_widgets()
    for key in [k for k in st.session_state if str(k).startswith("mode@")]:
        del st.session_state[key]


def _rulebook_view(assessment, lang: str) -> None:
    from planning.rules import rulebook as rb_module
    from planning.schema import FacilityKind

    choices = rb_module.CHOICES
    st.caption(t("rb.intro", lang))
    if st.session_state.get("rb_error"):
        st.error(st.session_state["rb_error"])
    st.button(t("rb.reset", lang), on_click=_rulebook_reset, key="rb_reset")
    current = assessment.rulebook
    for rid in dict.fromkeys(k.rule for k in current.keys()):
        meta = current.rule(rid)
        st.markdown(f"#### {rid} {meta['title_en'] if lang == 'en' else meta['title_zh']}")
        st.caption(f"{pair_word(BASIS, meta['basis'], lang)} · {meta['clause']}")
        for key in [k for k in current.keys() if k.rule == rid]:
            dotted = f"{key.rule}.{key.name}"
            label = f"{key.name} — {key.en if lang == 'en' else key.zh}"
            marker = t("rb.default", lang) if key.value == key.default else \
                t("rb.changed", lang, default=key.default)
            help_text = f"{key.clause} · {pair_word(BASIS, key.basis, lang)} · {marker}"
            wkey = f"rbw.{dotted}@{lang}"
            cb = {"on_change": _rulebook_changed, "args": (dotted, wkey, lang)}
            if dotted == "R3.mode":
                st.markdown(f"- `{dotted}`: " + t("rb.mode_in_sidebar", lang,
                                                     mode=pair_word(MODES, key.value, lang)))
                continue
            if isinstance(key.default, bool):
                st.checkbox(label, value=key.value, key=wkey, help=help_text, **cb)
            elif isinstance(key.default, (int, float)):
                is_int = isinstance(key.default, int)
                st.number_input(label, value=key.value, min_value=0 if is_int else 0.0,
                                step=1 if is_int else _step(key.default), key=wkey,
                                help=help_text, **cb)
            elif _is_number_list(key.default):
                st.text_input(label, value=", ".join(f"{v:g}" for v in key.value), key=wkey,
                              help=help_text, **cb)
            elif isinstance(key.default, list):
                st.multiselect(label, [k.value for k in FacilityKind], default=key.value, key=wkey,
                               format_func=lambda k: kind_name(k, lang), help=help_text, **cb)
            elif (rid, key.name) in choices:
                options = list(choices[(rid, key.name)])
                st.selectbox(label, options, index=options.index(key.value), key=wkey,
                             help=help_text, **cb)
            else:
                st.text_input(label, value=str(key.value), key=wkey, help=help_text, **cb)
            st.caption(f"{key.clause} · {marker}")
    st.download_button(t("rb.download", lang), data=lambda: _rulebook_toml(current),
                       file_name="rulebook.toml", mime="application/toml", key="rb_download")


def _is_number_list(default) -> bool:
    return isinstance(default, list) and bool(default) and not isinstance(default[0], str)


def _step(default: float) -> float:
    return 0.05 if default < 1 else 1.0 if default < 100 else 100.0


def _rulebook_toml(rulebook) -> str:
    lines = ["# rulebook values (load with --rulebook or upload in the app)"]
    for rid, values in rulebook.to_toml_values().items():
        lines.append(f"\n[{rid}]")
        for name, value in values.items():
            lines.append(f"{name} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- downloads


def _active_scenario():
    """The session's active scenario when it has edits, else None."""
    store = st.session_state.get("scenarios") or {}
    sc = (store.get("items") or {}).get(store.get("active"))
    return sc if sc is not None and sc.active else None


def _report_downloads(assessment, focus: maps.Focus, lang: str) -> None:
    """The planning report (汇报材料) for the current selection and scenario."""
    from planning.outputs.report import report_bytes, report_filename

    st.subheader(t("dl.report", lang))
    scenario = _active_scenario()
    st.caption(t("dl.report_scope", lang, scope=focus.township_id or focus.district or t("dl.all", lang),
                 scenario=scenario.name if scenario else "—"))
    kwargs = dict(district=focus.district, township=focus.township_id, lang=lang)
    cols = st.columns(2)
    for col, fmt in zip(cols, ("docx", "pdf")):
        col.download_button(
            t(f"dl.report_{fmt}", lang),
            data=lambda f=fmt: report_bytes(assessment.region, f, scenario=scenario,
                                            assessment=None if scenario else assessment, **kwargs),
            file_name=report_filename(assessment.region, fmt=fmt, **kwargs),
            key=f"dl_report_{fmt}", on_click="ignore")


def _downloads(assessment, lang: str, stem: str, focus: maps.Focus | None = None) -> None:
    from planning.crs import INPUT_CRS
    from planning.outputs.export import FORMATS, export_bytes, export_filename

    st.caption(t("dl.intro", lang))
    crs = choice(st.selectbox, t("dl.crs", lang), INPUT_CRS, "dl_crs", lang,
                 format_func=lambda c: t(f"crs.{c}", lang))
    layers = assessment.layers()
    layers = {k: v for k, v in layers.items() if v is not None and len(v)}
    st.caption(f"{t('dl.layers', lang)}: {', '.join(layers)}")
    cols = st.columns(len(FORMATS) + 1)
    for col, (key, fmt) in zip(cols, FORMATS.items()):
        name = export_filename(stem, key, crs=crs, n_layers=len(layers))
        col.download_button(t("dl.button", lang, label=fmt.label_en if lang == "en" else fmt.label_zh),
                            data=lambda k=key: export_bytes(layers, k, crs=crs, lang=lang, stem=stem)[0],
                            file_name=name, mime=fmt.mime, key=f"dl_{key}", on_click="ignore")
    summary = json.dumps(assessment.summary(), ensure_ascii=False, indent=2, default=str)
    cols[-1].download_button(t("dl.summary", lang), data=summary, file_name=f"{stem}_summary.json",
                             mime="application/json", key="dl_summary", on_click="ignore")
    _report_downloads(assessment, focus or maps.Focus(), lang)


# --------------------------------------------------------------------------- uploads


def _session_dir() -> Path:
    if "upload_dir" not in st.session_state:
        st.session_state["upload_dir"] = tempfile.mkdtemp(prefix="planning-upload-")
    return Path(st.session_state["upload_dir"])


def _safe_filename(name: str, fallback: str) -> str:
    """The planner's own file name, safe to write (no folders, no control characters)."""
    name = re.sub(r'[\x00-\x1f/\\:*?"<>|]', "_", Path(str(name)).name).strip().lstrip(".")
    return name[-120:] or fallback


def _save_upload(file, layer: str, suffixes: tuple[str, ...], limit_mb: int,
                 lang: str) -> Path | None:
    """Write an uploaded file to the session's folder under the planner's own file name
    (one folder per layer, so messages name 医疗机构.csv, not a server-side name); None
    when refused."""
    lower = file.name.lower()
    suffix = next((s for s in suffixes if lower.endswith(s)), None)
    if suffix is None:
        st.error(t("up.bad_type", lang, name=file.name, types=", ".join(suffixes)))
        return None
    try:
        check_size(file.size, limit_mb * 2**20, file.name)
    except InputError:
        st.error(t("up.too_big", lang, name=file.name, mb=file.size / 2**20, limit=limit_mb))
        return None
    name = _safe_filename(file.name, f"{layer}{suffix}")
    if suffix == ".pbf" and not lower.endswith(".osm.pbf"):
        name = name[: -len(".pbf")] + ".osm.pbf"
    folder = _session_dir() / layer
    path = folder / name
    data = file.getvalue()
    if not (path.exists() and path.read_bytes() == data):
        if folder.exists():
            for old in folder.iterdir():
                old.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if suffix == ".zip":
        try:
            check_zip(path)
        except InputError as exc:
            st.error(t("up.zip_bad", lang, name=file.name, why=exc.render(lang)))
            path.unlink()
            return None
    return path


def _headers(path: Path) -> list[str]:
    """The column headers of a layer file (for the column-mapping widgets)."""
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            data = path.read_bytes().split(b"\n", 1)[0]
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030", errors="replace")
            sep = max((",", "\t", ";", "|"), key=text.count)
            return [h.strip() for h in text.strip().split(sep)]
        import pyogrio

        return [str(f) for f in pyogrio.read_info(path)["fields"]]
    except Exception:  # noqa: BLE001 - no mapping offered; reading the file says why
        return []


def _read_uploaded(layer: str, path: Path, crs: str, for_file: bool, column_map: dict):
    """Read one uploaded layer (cached in the session by content, CRS and column map):
    ``("ok", (layer, problems))`` or ``("error", exception)``."""
    from planning.inputs.io import read_layer

    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    key = (layer, path.name, digest, crs, for_file, json.dumps(column_map, sort_keys=True))
    cache = st.session_state.setdefault("upload_cache", {})
    if key not in cache:
        try:
            cache[key] = ("ok", read_layer(path, layer, input_crs=crs, crs_for_file=for_file,
                                           column_map=column_map or None))
        except Exception as exc:  # noqa: BLE001 - never a traceback for a planner's file
            cache[key] = ("error", exc)
    return cache[key]


def _error_text(exc: Exception, lang: str, name: str) -> str:
    """An exception as the planner reads it: an input problem in the UI language, anything
    else as what happened to which file and what to do."""
    if isinstance(exc, InputError):
        return exc.render(lang)
    return t("up.unexpected", lang, name=name, error=f"{type(exc).__name__}: {exc}")


def _crs_choice(col, layer: str, path: Path, lang: str) -> tuple[str, bool]:
    """The coordinate system of one uploaded file: the file's own when it carries one
    (GeoPackage, Shapefile with .prj, GeoJSON), else declared (default WGS84).

    Returns ``(input_crs, declared for this file)`` for :func:`planning.inputs.io.read_layer`.
    """
    from planning.crs import INPUT_CRS
    from planning.inputs.io import file_crs

    own = file_crs(path)
    options = (["file"] if own else []) + list(INPUT_CRS)
    key = f"crs_{layer}"
    ident = f"{path.name}:{path.stat().st_size}"
    if st.session_state.get(f"{key}_file") != ident or st.session_state.get(key) not in options:
        # another file: its own CRS when it carries one, else WGS84 — until the planner says
        st.session_state[key], st.session_state[f"{key}_file"] = options[0], ident
        st.session_state["crs_version"] = st.session_state.get("crs_version", 0) + 1
    value = choice(col.selectbox, t("up.crs_of", lang), options, key, lang,
                   format_func=lambda c: t("up.crs_file", lang, crs=own) if c == "file"
                   else t(f"crs.{c}", lang), version=st.session_state.get("crs_version", 0))
    return ("wgs84", False) if value == "file" else (value, True)


def _set_crs(layers: list[str], crs: str) -> None:
    """Declare ``crs`` for these layers' files (the GCJ-02 check's convert button)."""
    for layer in layers:
        st.session_state[f"crs_{layer}"] = crs
    st.session_state["crs_version"] = st.session_state.get("crs_version", 0) + 1


def _upload_panel(lang: str) -> None:
    from planning.schema import LAYERS

    st.caption(t("up.intro", lang))
    cols = st.columns(4)
    paths: dict[str, Path] = {}
    crs: dict[str, tuple[str, bool]] = {}
    for col, layer in zip(cols, UPLOAD_LAYERS):
        file = col.file_uploader(t(f"up.{layer}", lang), key=f"up_{layer}",
                                 type=[s.lstrip(".") for s in LAYER_SUFFIXES])
        if file is not None and (path := _save_upload(file, layer, LAYER_SUFFIXES, MAX_LAYER_MB, lang)):
            paths[layer] = path
            crs[layer] = _crs_choice(col, layer, path, lang)
    roads_file = cols[3].file_uploader(t("up.roads", lang), key="up_roads",
                                       type=["osm", "pbf", "bz2"])
    roads = _save_upload(roads_file, "roads", ROAD_SUFFIXES, MAX_ROADS_MB, lang) if roads_file else None
    if not paths:
        st.info(t("up.need", lang))
        return
    loaded, problems = {}, []
    for layer, path in paths.items():
        cmap = st.session_state.get(f"colmap_{layer}", {})
        status, value = _read_uploaded(layer, path, *crs[layer], cmap)
        if status == "error":
            st.error(f"{t('up.error', lang)} {_error_text(value, lang, path.name)}")
            _column_mapping(layer, path, LAYERS[layer], lang, expanded=True)
            continue
        gdf, found = value
        loaded[layer] = gdf
        problems += found
        st.success(t("up.loaded", lang, layer=t(f"up.{layer}", lang), file=path.name, n=len(gdf)))
        _column_mapping(layer, path, LAYERS[layer], lang, expanded=bool(cmap))
    if loaded:
        _preview(loaded, problems, lang)
    if "townships" in loaded and roads is None:
        roads = _roads_choice(loaded["townships"], lang)
    if roads is not None and loaded:
        _gcj_check(loaded, paths, crs, roads, lang)
    if set(loaded) != set(UPLOAD_LAYERS):
        return
    name = _region_name_input(loaded, lang)
    if roads is None:
        st.info(t("up.straight_run", lang))
    if st.button(t("up.run", lang), type="primary", key="up_run", disabled=not name):
        from planning.travel.access import access_for
        from planning.inputs.io import region_from_layers

        try:
            region = region_from_layers(loaded, name=name, problems=problems, roads=roads,
                                        sources={k: v.name for k, v in paths.items()})
        except InputError as exc:
            st.error(f"{t('err.input', lang)} {exc.render(lang)}")
            return
        if roads is not None:  # read the roads now: a broken file is said here, once
            try:
                with st.spinner(t("up.roads_loading", lang)):
                    region_network(region, "walk")
            except InputError as exc:
                st.error(t("up.roads_bad", lang, name=roads.name, why=exc.render(lang)))
                return
        st.session_state["upload_region"] = {"region": region, "access": access_for(region)}
        st.rerun()


def _column_mapping(layer: str, path: Path, columns, lang: str, expanded: bool) -> None:
    """Which of the file's columns holds which of the tool's fields, in the UI language."""
    from planning.words import field_help, field_label

    headers = _headers(path)
    if not headers:
        return
    names = list(dict.fromkeys([c.name for c in columns] + ["wkt"]))

    def label(name: str) -> str:
        if not name:
            return t("up.ignore", lang)
        meaning = field_help(layer, name, lang)
        return f"{field_label(layer, name, lang)} ({name})" + (f" — {meaning}" if meaning else "")

    with st.expander(f"{t('up.columns', lang)} — {t(f'up.{layer}', lang)}（{path.name}）",
                     expanded=expanded):
        st.caption(t("up.columns_help", lang))
        current = dict(st.session_state.get(f"colmap_{layer}", {}))
        options = [""] + names
        for header in headers:
            value = st.selectbox(t("up.column_for", lang, header=header), options,
                                 index=options.index(current.get(header, "")) if current.get(header, "") in options else 0,
                                 key=f"colmap_{layer}_{header}@{lang}", format_func=label)
            if value:
                current[header] = value
            else:
                current.pop(header, None)
        taken = [v for v in current.values()]
        twice = sorted({v for v in taken if taken.count(v) > 1})
        if twice:
            st.warning(t("up.column_twice", lang, fields="、".join(label(v) for v in twice)))
            return
        if current != st.session_state.get(f"colmap_{layer}", {}):
            st.session_state[f"colmap_{layer}"] = current
            st.rerun()



def _preview(loaded: dict, problems: list, lang: str) -> None:
    from streamlit_folium import st_folium

    st.subheader(t("up.preview", lang))
    if not _assets.missing():
        st_folium(maps.preview_map(loaded, lang), key="preview", height=420,
                  use_container_width=True, returned_objects=[])
    _problems_grouped(problems, lang)
    fac = loaded.get("facilities")
    if fac is not None and len(fac):
        counts = fac["kind"].map(lambda k: kind_name(k, lang)).value_counts()
        sep = "，" if lang == "zh" else ", "
        st.markdown(f"**{t('up.kinds', lang)}**: " + sep.join(f"{k} {n}" for k, n in counts.items()))


def _problems_grouped(problems: list, lang: str) -> None:
    """Problems grouped by file, layer, column and kind (count, an example, first rows) in
    the UI language; rows set aside shown open, the rest in an expander; every problem as
    a CSV download."""
    if not problems:
        return
    from planning.errors import FIRST_ROWS, group_problems, write_problems

    levels = {"error": ("未使用", "set aside"), "warning": ("警告", "warning"),
              "info": ("提示", "note")}

    def table(groups):
        return pd.DataFrame({
            t("up.col_level", lang): [levels[g.level][lang == "en"] for g in groups],
            t("up.col_file", lang): [g.file or "" for g in groups],
            t("up.col_column", lang): [g.column or "" for g in groups],
            t("up.col_count", lang): [g.count for g in groups],
            t("up.col_row", lang): [", ".join(map(str, g.rows[:FIRST_ROWS]))
                                    + (" …" if len(g.rows) > FIRST_ROWS else "") for g in groups],
            t("up.col_message", lang): [g.example.text(lang) if g.example is not None
                                        else g.message for g in groups],
        })

    groups = group_problems(problems)
    aside = [g for g in groups if g.level == "error"]
    if aside:
        st.markdown(f"**{t('up.set_aside', lang)}** ({sum(g.count for g in aside)})")
        st.dataframe(table(aside), hide_index=True, width="stretch")
    others = [g for g in groups if g.level != "error"]
    if others:
        with st.expander(f"{t('up.problems', lang)} ({sum(g.count for g in others)})"):
            st.caption(t("up.problems_grouped", lang))
            st.dataframe(table(others), hide_index=True, width="stretch")
    out = _session_dir() / "problems.csv"
    write_problems(problems, out)
    st.download_button(t("up.problems_all", lang), out.read_bytes(), file_name="problems.csv",
                       mime="text/csv", key="up_problems_csv")


def _roads_choice(townships, lang: str) -> Path | None:
    """No road file uploaded: offer to download the roads for the townships' outline from
    OpenStreetMap (online; cached), else the check runs by straight-line estimate."""
    from planning.travel.osm_download import cached_roads, roads_for_outline

    outline = townships.to_crs(4326).union_all()
    fetched = st.session_state.get("fetched_roads")
    if fetched and Path(fetched).exists():
        st.success(t("up.fetched", lang, name=Path(fetched).name,
                     mb=Path(fetched).stat().st_size / 2**20))
        if st.button(t("up.fetch_forget", lang), key="up_fetch_forget"):
            st.session_state.pop("fetched_roads")
            st.rerun()
        return Path(fetched)
    st.warning(t("up.no_roads", lang))
    if st.session_state.get("fetch_error"):
        st.error(st.session_state["fetch_error"])
    if st.button(t("up.fetch", lang), key="up_fetch"):
        st.session_state.pop("fetch_error", None)
        with st.status(t("fetch.title", lang), expanded=True) as status:
            try:
                path = roads_for_outline(outline, progress=lambda k: status.write(t(k, lang)))
            except InputError as exc:
                status.update(label=t("fetch.failed_title", lang), state="error")
                st.session_state["fetch_error"] = t("fetch.failed", lang, why=exc.render(lang))
            except Exception as exc:  # noqa: BLE001 - offline machines fail in many ways
                status.update(label=t("fetch.failed_title", lang), state="error")
                st.session_state["fetch_error"] = t("fetch.failed", lang,
                                                    why=f"{type(exc).__name__}: {exc}")
            else:
                status.update(label=t("fetch.done", lang), state="complete")
                st.session_state["fetched_roads"] = str(path)
        st.rerun()
    known = cached_roads(outline)
    if known is not None:  # downloaded before (this session or another): offered at once
        st.caption(t("fetch.in_cache", lang))
    return None


def _gcj_check(loaded: dict, paths: dict, crs: dict, roads: Path, lang: str) -> None:
    """Points read as WGS84 that sit a consistent few hundred metres off the roads and land
    on them once shifted from GCJ-02: one warning naming every such file, and a button
    that declares GCJ-02 for each of them (the whole file)."""
    suspects, offsets = [], []
    for layer in ("villages", "facilities"):
        gdf = loaded.get(layer)
        declared = crs.get(layer, ("wgs84", False))[0]
        if gdf is None or declared not in ("wgs84", "cgcs2000"):
            continue
        check = _offset_check(gdf, roads)
        if check.get("suspect"):
            suspects.append(layer)
            offsets.append(check["offset_m"])
    if not suspects:
        return
    files = "、".join(paths[layer].name for layer in suspects)
    st.warning(t("up.gcj_suspect_files", lang, files=files, m=f"{np.median(offsets):.0f}"))
    if st.button(t("up.gcj_convert_files", lang, files=files), key="up_gcj"):
        _set_crs(suspects, "gcj02")
        st.rerun()


def _offset_check(points, roads: Path) -> dict:
    key = hashlib.sha1(roads.read_bytes()).hexdigest() + hashlib.sha1(
        np.ascontiguousarray(np.column_stack([points.geometry.x, points.geometry.y])).tobytes()).hexdigest()
    cache = st.session_state.setdefault("offset_cache", {})
    if key not in cache:
        from planning.crs import metric_crs
        from planning.travel.network import load_network

        centre = points.geometry.union_all().centroid
        metric = metric_crs(centre.x, centre.y)
        try:
            net = load_network(roads, "walk", metric)  # the densest: paths reach the doors
            cache[key] = road_offset(points, net)
        except Exception as exc:  # noqa: BLE001 - the check is advice; the road file is read later
            cache[key] = {"suspect": False, "error": str(exc)}
    return cache[key]


def _region_name_input(loaded: dict, lang: str) -> str:
    """The region's name: the district its codes name, else what the planner types."""
    from planning.inputs.divisions import region_name

    suggested = region_name(loaded["townships"]["township_id"], loaded["villages"]["village_id"])
    if st.session_state.get("up_name_from") != suggested:  # other codes: their name again
        st.session_state["up_name"], st.session_state["up_name_from"] = suggested or "", suggested
    # the value lives outside the widget: a widget not drawn in one run loses its state
    name = st.text_input(t("up.name", lang), value=st.session_state.get("up_name", ""),
                         key=f"up_name_input@{suggested}", placeholder=t("up.name_placeholder", lang),
                         help=t("up.name_help", lang))
    st.session_state["up_name"] = name
    if not name.strip():
        st.info(t("up.name_needed", lang))
    return name.strip()


# --------------------------------------------------------------------------- main


def _failure(title: str, exc: Exception, lang: str) -> None:
    """A failure at the page boundary: what could not be shown and what to do, in the UI
    language; the technical detail folded away, never a traceback."""
    st.error(f"{title} {t('err.what_to_do', lang)}")
    with st.expander(t("err.details", lang)):
        st.code(f"{type(exc).__name__}: {exc}", language=None)


def _partial_results(assessment, display: dict, lang: str) -> None:
    """Rules that could not run and layers that could not be drawn (the rest is shown)."""
    for rid, exc in getattr(assessment, "errors", {}).items():
        st.error(t("err.rule", lang, rule=rid, why=_error_text(exc, lang, rid)))
    failed = display.get(maps.FAILED) or {}
    if failed:
        why = "; ".join(f"{k}: {type(e).__name__}: {e}" for k, e in failed.items())
        st.warning(t("err.layers", lang, layers="、".join(failed), why=why))


def main() -> None:
    opts = _sidebar()
    lang = opts["lang"]
    st.title(t("app.title", lang))
    st.caption(t("app.caption", lang))
    values = _values_key()
    try:
        if opts["source"] == "upload":
            with st.expander(t("source.upload", lang), expanded="upload_region" not in st.session_state):
                _upload_panel(lang)
            if "upload_region" not in st.session_state:
                st.info(t("up.waiting", lang))
                return
            up = st.session_state["upload_region"]
            sources = up["region"].sources
            st.caption(t("up.using", lang, name=up["region"].name,
                         files="、".join(sources[k] for k in UPLOAD_LAYERS if k in sources)))
            with st.spinner(t("map.loading", lang)):
                assessment, display = _session_result(values)
            ctx = {"data": f"upload:{id(up['region'])}", "region": up["region"],
                   "access": up["access"], "lock": nullcontext()}
            stem = _safe_stem(up["region"].name) or "planning"
        else:
            with st.spinner("正在检查示例数据（首次约需一两分钟）……" if lang == "zh"
                            else "Checking the demo (the first time takes a minute or two) …"):
                assessment, display = _demo_result(values)
            base = _demo_base()
            ctx = {"data": "demo", "region": base["region"], "access": base["access"],
                   "lock": base["lock"]}
            stem = "baodi"
    except InputError as exc:
        st.error(f"{t('err.input', lang)} {exc.render(lang)}")
        return
    except Exception as exc:  # noqa: BLE001 - the page boundary: a message, never a traceback
        _failure(t("err.check", lang), exc, lang)
        return
    ctx["values"] = values
    st.session_state["_rulebook"] = assessment.rulebook
    focus = _focus_widgets(assessment, lang)
    view = choice(st.radio, t("side.view", lang), VIEWS, "view", lang, horizontal=True,
                  format_func=lambda v: t(f"view.{v}", lang), label_visibility="collapsed")
    _partial_results(assessment, display, lang)
    try:
        if view == "scorecard":
            _scorecard(assessment, focus, lang)
        elif view == "map":
            _map_view(assessment, display, focus, opts, f"{ctx['data']}|{values}")
        elif view == "scenario":
            _scenario_view(assessment, display, focus, opts, ctx)
        elif view == "tables":
            _tables(assessment, focus, lang)
        elif view == "rulebook":
            _rulebook_view(assessment, lang)
        else:
            _downloads(assessment, lang, stem, focus)
    except InputError as exc:
        st.error(f"{t('err.input', lang)} {exc.render(lang)}")
    except Exception as exc:  # noqa: BLE001 - the page boundary: the other views still work
        _failure(t("err.view", lang, view=t(f"view.{view}", lang)), exc, lang)


main()
