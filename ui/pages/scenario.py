"""Scenarios (``/scenario``): add, move or close facilities by clicking the map, add staff,
undo and redo; the check updates at once against the current network. Scenarios save to
and load from GeoPackage, compare side by side and export their changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from planning.crs import WGS84, wgs84_to_gcj02
from planning.errors import InputError
from planning.outputs import maps
from planning.outputs.export import FORMATS, export_bytes, export_filename
from planning.plan.places import facility_name, nearest_facility
from planning.plan.scenario import Scenario
from planning.words import kind_name, people, status_word, t
from ui import pages, state, timing
from ui.data import file_stem
from ui.widgets import (choice, export_buttons, input_error, keyed_select, map_view, rule_table,
                        save_upload, scenario_map, upload_mb)

#: what a click on the scenario map does
CLICK_ACTIONS = ("add", "move", "select")
#: kinds a planner may add in a scenario (village clinic first: the default)
ADD_KINDS = ("village_clinic", "village_service_point", "community_health_station",
             "township_health_centre", "community_health_centre")
#: a clicked map object this close to a facility picks it, metres (its icon was clicked)
PICK_M = 5.0
#: a click in "select" mode picks the nearest facility within this distance, metres
SELECT_RADIUS_M = 300.0


def render(view: state.View) -> None:
    """The active scenario: its map and edit controls, its changes, its files."""
    lang = view.lang
    store = state.scenario_store(view)
    sc = store["items"][store["active"]]
    _handle_map_click(sc, lang, maps.basemap_coords(view.basemap))
    timing.lap("click handled")
    st.caption(t("sc.intro", lang))

    top = st.columns([3, 1], vertical_alignment="bottom")
    st.session_state[state.ACTIVE] = store["active"]
    with top[0]:
        active = keyed_select(t("sc.active", lang), list(store["items"]), state.ACTIVE, lang, str)
    if active != store["active"]:
        store["active"] = active
        sc = store["items"][active]
    if top[1].button(t("sc.new", lang), key=state.NEW_SCENARIO):
        state.new_scenario(store, view)
        st.rerun()

    res = state.scenario_result(sc, view)
    timing.lap("scenario assessed")
    left, right = st.columns([5, 2])
    below = st.container()
    with below:  # the scorecard first (drawn below the map): it does not wait for the map
        _deltas(res["comparison"], lang, res["seconds"])
        _r8_delta(sc.base_assessment(), res["assessment"], lang)
    timing.lap("scorecard")
    with left:  # the map before the controls beside it (its layers are what a click awaits)
        scenario_map(view, res, state.current_suggestion(sc, view), key=state.SCENARIO_MAP,
                     returned_objects=("last_clicked", "last_object_clicked"),
                     map_at=st.session_state.get(state.SCENARIO_VIEW))
    timing.lap("map")
    with right:
        _controls(sc, res["assessment"], lang)
    timing.lap("controls")
    st.page_link(pages.path("suggest"), label=t("sc.suggest", lang), icon=":material/place:")
    with st.expander(t("sc.files", lang)):
        _files_panel(store, sc, view)
    with st.expander(t("sc.export", lang)):
        _export_panel(sc, res["comparison"], lang)


# --------------------------------------------------------------------------- editing


def _controls(sc: Scenario, after, lang: str) -> None:
    """Messages, what a click does, the selected facility, staff, add at a village, undo."""
    region = after.region
    for kind, text in state.take_flashes():
        getattr(st, kind)(text)
    for w in sc.warnings():
        st.warning(w.text(lang))
    choice(st.radio, t("sc.click", lang), CLICK_ACTIONS, state.CLICK_ACTION, lang,
           format_func=lambda a: t(f"sc.click.{a}", lang))
    choice(st.selectbox, t("sc.kind", lang), ADD_KINDS, state.ADD_KIND, lang,
           format_func=lambda k: kind_name(k, lang))
    fac = region.facilities
    labels = {str(f): f"{n}（{kind_name(k, lang)}）"
              for f, n, k in zip(fac["facility_id"], fac["name"], fac["kind"])}
    keyed_select(t("sc.selected", lang), [""] + list(labels), state.SELECTED, lang,
                 lambda f: labels.get(f, t("sc.none", lang)))
    st.button(t("sc.close", lang), key=state.CLOSE, on_click=_close_selected, args=(sc, lang),
              disabled=not st.session_state.get(state.SELECTED))
    _staff_controls(sc, lang)
    r2 = after.results.get("R2")
    if r2 is not None and len(r2.units):
        u = r2.units.assign(_fail=r2.units["status"].ne("fail"))
        u = u.sort_values(["_fail", "name"])
        vlabels = {str(v): f"{n} · {status_word(s_, lang)}"
                   for v, n, s_ in zip(u["unit_id"], u["name"], u["status"])}
        keyed_select(t("sc.at_village", lang), list(vlabels), state.AT_VILLAGE, lang, vlabels.get)
        st.button(t("sc.add_here", lang), key=state.ADD_AT_VILLAGE, on_click=_add_at_village,
                  args=(sc, lang))
    b1, b2 = st.columns(2)
    b1.button(t("sc.undo", lang), key=state.UNDO, on_click=sc.undo, disabled=not sc.can_undo,
              width="stretch")
    b2.button(t("sc.redo", lang), key=state.REDO, on_click=sc.redo, disabled=not sc.can_redo,
              width="stretch")
    if sc.active:
        st.markdown(f"**{t('sc.edits', lang, n=len(sc.active))}**")
        st.markdown("\n".join(f"{i}. {e.describe(lang)}" for i, e in enumerate(sc.active, 1)))
    else:
        st.caption(t("sc.no_edits", lang))


def _handle_map_click(sc: Scenario, lang: str, coords: str = "wgs84") -> None:
    """Apply what the last click on the scenario map asks for (once per click), and keep
    where the map stood at the click (its centre and zoom, sent with the click: the map
    drawn after an edit, an undo or a redo starts there; a pan or zoom alone runs nothing).

    A click on the map, a village or a township adds a facility (or moves the selected
    one) where it fell; a click on a facility's icon selects it. Positions come in the
    basemap's ``coords`` (GCJ-02 on Amap or Tencent) and are converted to WGS84.
    """
    value = st.session_state.get(state.SCENARIO_MAP) or {}
    where = map_view(value)
    if where is not None:
        st.session_state[state.SCENARIO_VIEW] = where
    click, obj = value.get("last_clicked"), value.get("last_object_clicked")
    seen = st.session_state.get(state.SEEN_CLICK, (None, None))
    st.session_state[state.SEEN_CLICK] = (click, obj)
    new_click = click is not None and click != seen[0]
    new_obj = obj is not None and obj != seen[1]
    region = sc.apply()
    if new_obj and not new_click:
        fid = nearest_facility(region, *maps.click_to_wgs84(obj["lng"], obj["lat"], coords), PICK_M)
        if fid:
            _select(fid, region, lang)
            return
        click, new_click = obj, True  # a village or township: where it was clicked
    if not new_click:
        return
    lon, lat = maps.click_to_wgs84(click["lng"], click["lat"], coords)
    try:
        action = st.session_state.get(state.CLICK_ACTION, "add")
        if action == "add":
            fid = sc.add_facility(st.session_state.get(state.ADD_KIND, "village_clinic"),
                                  lon=lon, lat=lat, staff=_new_staff())
            state.flash("success", t("sc.added", lang, name=facility_name(sc.apply(), fid)))
        elif action == "move":
            fid = st.session_state.get(state.SELECTED)
            if not fid:
                state.flash("warning", t("sc.need_selection", lang))
            else:
                sc.move_facility(fid, lon=lon, lat=lat)
                state.flash("success", t("sc.moved", lang, name=facility_name(region, fid)))
        else:
            fid = nearest_facility(region, lon, lat, SELECT_RADIUS_M)
            if fid:
                _select(fid, region, lang)
    except InputError as exc:
        state.flash("error", input_error(exc, lang))


def _select(fid: str, region, lang: str) -> None:
    """Make ``fid`` the selected facility, and say so."""
    st.session_state[state.SELECTED] = fid
    state.flash("info", t("sc.picked", lang, name=facility_name(region, fid)))


def _close_selected(sc: Scenario, lang: str) -> None:
    """Close the selected facility (with the policy's warnings for primary care)."""
    fid = st.session_state.get(state.SELECTED)
    if not fid:
        state.flash("warning", t("sc.need_selection", lang))
        return
    name = facility_name(sc.apply(), fid)
    try:
        warnings = sc.close_facility(fid)
    except InputError as exc:
        state.flash("error", input_error(exc, lang))
        return
    st.session_state[state.SELECTED] = ""
    state.flash("success", t("sc.closed", lang, name=name))
    for w in warnings:
        state.flash("warning", w.text(lang))


def _add_at_village(sc: Scenario, lang: str) -> None:
    """Add a facility of the chosen kind at the chosen village's point."""
    vid = st.session_state.get(state.in_lang(state.AT_VILLAGE, lang))
    vil = sc.apply().villages
    row = vil[vil["village_id"].astype(str) == str(vid)]
    if not len(row):
        return
    g = row.geometry.iloc[0]
    try:
        fid = sc.add_facility(st.session_state.get(state.ADD_KIND, "village_clinic"), x=g.x, y=g.y,
                              staff=_new_staff())
    except InputError as exc:
        state.flash("error", input_error(exc, lang))
        return
    state.flash("success", t("sc.added", lang, name=facility_name(sc.apply(), fid)))


def _new_staff() -> dict | None:
    """GPs a facility added in the scenario opens with (R8), None when none are set."""
    n = int(st.session_state.get(state.NEW_GPS, 0) or 0)
    return {"gps": n} if n > 0 else None


def _add_staff_selected(sc: Scenario, lang: str) -> None:
    """Add the chosen number of GPs to the selected facility (R8)."""
    fid = st.session_state.get(state.SELECTED)
    if not fid:
        state.flash("warning", t("sc.need_selection", lang))
        return
    n = int(st.session_state.get(state.STAFF_N, 1) or 1)
    try:
        sc.add_staff(fid, gps=n)
    except InputError as exc:
        state.flash("error", f"{t('err.input', lang)} {exc}")
        return
    state.flash("success", t("sc.staff_added", lang, n=n, name=facility_name(sc.apply(), fid)))


def _staff_controls(sc: Scenario, lang: str) -> None:
    """R8: add GPs to the selected facility; GPs a newly added facility opens with."""
    st.number_input(t("sc.staff_n", lang), min_value=1, max_value=200, value=2, step=1,
                    key=state.STAFF_N)
    st.button(t("sc.add_staff", lang), key=state.ADD_STAFF, on_click=_add_staff_selected,
              args=(sc, lang), disabled=not st.session_state.get(state.SELECTED))
    st.number_input(t("sc.new_gps", lang), min_value=0, max_value=200, value=0, step=1,
                    key=state.NEW_GPS)


# --------------------------------------------------------------------------- changes


def _deltas(comp, lang: str, seconds: float) -> None:
    """Failed units per rule now and in the scenario, residents newly (un)covered."""
    st.subheader(t("sc.deltas", lang))
    rules = comp.rules
    if not len(rules):
        return
    for col, rid in zip(st.columns(4), ("R2", "R3", "R1", "R6")):
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
            rule_table(pd.DataFrame(comp.changed.drop(columns="geometry", errors="ignore")), lang)


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


# --------------------------------------------------------------------------- files


def _files_panel(store: dict, sc: Scenario, view: state.View) -> None:
    """Name and save the scenario (GeoPackage), download it, load one, compare two."""
    lang = view.lang
    c1, c2 = st.columns(2)
    name = c1.text_input(t("sc.name", lang), value=sc.name, key=state.scenario_name(store["active"]))
    if c1.button(t("sc.save", lang), key=state.SAVE, type="primary"):
        name = name.strip() or sc.name
        if name != sc.name and name not in store["items"]:
            store["items"] = {(name if k == sc.name else k): v for k, v in store["items"].items()}
            sc.name = store["active"] = name
        folder = state.upload_dir() / "scenarios"
        folder.mkdir(exist_ok=True)
        store["saved"][sc.name] = sc.save(folder / f"{file_stem(sc.name)}.gpkg")
        st.success(t("sc.saved", lang, name=sc.name))
    path = store["saved"].get(sc.name)
    if path is not None and Path(path).exists():
        c1.download_button(t("sc.download", lang), data=Path(path).read_bytes(),
                           file_name=Path(path).name, mime="application/geopackage+sqlite3",
                           key=state.SAVED_DOWNLOAD, on_click="ignore")
    file = c2.file_uploader(t("sc.load", lang), type=["gpkg"], key=state.LOAD,
                            max_upload_size=upload_mb())
    if file is not None:
        _load(file, store, view)
    _compare_panel(store, view)


def _load(file, store: dict, view: state.View) -> None:
    """Load a saved scenario (once per file content) and make it the active one."""
    lang = view.lang
    digest = hashlib.sha1(file.getvalue()).hexdigest()
    if st.session_state.get(state.LOAD_DIGEST) == digest:
        return
    st.session_state[state.LOAD_DIGEST] = digest
    target = save_upload(file, "scenario_upload", (".gpkg",), lang)
    if target is None:
        return
    try:
        loaded = Scenario.load(target, view.region, view.assessment.rulebook, view.access,
                               view.assessment)
    except InputError as exc:
        st.error(input_error(exc, lang))
        return
    name = loaded.name
    while name in store["items"]:
        name += "′"
    loaded.name = name
    store["items"][name] = loaded
    store["active"] = name
    state.flash("success", t("sc.loaded", lang, name=name, n=len(loaded.active)))
    st.rerun()


def _compare_panel(store: dict, view: state.View) -> None:
    """Two scenarios and the current network side by side: failed units and residents in
    gaps per rule."""
    lang = view.lang
    names = list(store["items"])
    st.markdown(f"**{t('sc.compare', lang)}**")
    c1, c2 = st.columns(2)
    with c1:
        a = choice(st.selectbox, t("sc.compare_a", lang), names, state.COMPARE_A, lang)
    if st.session_state.get(state.COMPARE_B) not in names:
        st.session_state[state.COMPARE_B] = names[-1]
    with c2:
        b = choice(st.selectbox, t("sc.compare_b", lang), names, state.COMPARE_B, lang)
    figures = {t("sc.base", lang): state.rule_figures(view.assessment, ("base", view.data, view.values))}
    for n in (a, b):
        res = state.scenario_result(store["items"][n], view)
        figures[n] = state.rule_figures(res["assessment"], res["key"])
    columns = {}
    for n, fig in figures.items():
        columns[t("sc.failed_of", lang, name=n)] = {r: failed for r, (failed, _) in fig.items()}
    for n, fig in figures.items():
        columns[t("sc.gap_of", lang, name=n)] = {r: people(gap, lang) for r, (_, gap) in fig.items()}
    table = pd.DataFrame(columns)
    table.index.name = t("sc.col.rule", lang)
    st.table(table)


def _export_panel(sc: Scenario, comp, lang: str) -> None:
    """The proposed sites as Excel (WGS84 and GCJ-02) and the changed units as GIS layers."""
    stem = file_stem(sc.name)
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
                           key=state.EXPORT_SITES, on_click="ignore")
    else:
        st.caption(t("sc.no_sites", lang))
    layers = {k: v for k, v in comp.layers.items() if len(v)}
    if layers:
        st.caption(f"{t('sc.export_layers', lang)}: {', '.join(layers)}")
        export_buttons(layers, f"{stem}_changes", lang, state.EXPORT)


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
