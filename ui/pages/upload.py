"""A planner's own files (``/upload``): townships, villages, facilities and (optionally)
roads; each file's coordinate system, its columns mapped by hand where needed, a preview
with every problem grouped, the GCJ-02 check against the roads, roads downloaded from
OpenStreetMap, and the button that checks with these data.

The files in use stay in the session's folder while the planner visits other pages;
removing one from its uploader forgets it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from planning.crs import INPUT_CRS
from planning.errors import FIRST_ROWS, InputError, group_problems, write_problems
from planning.inputs.divisions import region_name
from planning.inputs import file_crs, read_layer, region_from_layers
from planning.inputs.peek import file_headers
from planning.inputs.offsets import gcj02_suspects
from planning.inputs.uploads import MAX_LAYER_BYTES, MAX_ROADS_BYTES
from planning.outputs import maps
from planning.schema import LAYERS
from planning.travel.access import access_for
from planning.travel.network import region_network
from planning.travel.osm_download import cached_roads, roads_for_outline
from planning.words import field_help, field_label, kind_name, listing, t
from ui import pages, state
from ui.widgets import assets_ready, choice, error_text, input_error, save_upload, upload_mb

UPLOAD_LAYERS = ("townships", "villages", "facilities")
LAYER_SUFFIXES = (".gpkg", ".zip", ".geojson", ".json", ".csv", ".xlsx")
ROAD_SUFFIXES = (".osm.pbf", ".osm.bz2", ".osm", ".pbf")
#: read layers kept per session (by file content, CRS and column map)
READS_KEPT = 16


def render(view: state.View) -> None:
    """The upload panel; checking with the files opens their scorecard."""
    _panel(view.lang)
    if state.UPLOAD_REGION not in st.session_state:
        st.info(t("up.waiting", view.lang))


def _panel(lang: str) -> None:
    """The uploaders, what was read, the checks, and the button."""
    st.caption(t("up.intro", lang))
    paths, crs, roads = _files(lang)
    if not paths:
        st.info(t("up.need", lang))
        return
    loaded, problems = {}, []
    for layer, path in paths.items():
        cmap = st.session_state.get(state.columns_of(layer), {})
        status, value = _read(layer, path, *crs[layer], cmap)
        if status == "error":
            st.error(f"{t('up.error', lang)} {error_text(value, lang, path.name)}")
            _column_mapping(layer, path, lang, expanded=True)
            continue
        gdf, found = value
        loaded[layer] = gdf
        problems += found
        st.success(t("up.loaded", lang, layer=t(f"up.{layer}", lang), file=path.name, n=len(gdf)))
        _column_mapping(layer, path, lang, expanded=bool(cmap))
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
    if st.button(t("up.run", lang), type="primary", key=state.UPLOAD_RUN, disabled=not name):
        _run(loaded, paths, problems, roads, name, lang)


# --------------------------------------------------------------------------- files


def _files(lang: str) -> tuple[dict[str, Path], dict[str, tuple[str, bool]], Path | None]:
    """The uploaders: the files in use per layer, each layer's coordinate system (read
    as, declared for the file) and the road file."""
    used = st.session_state.setdefault(state.UPLOADED, {})
    cols = st.columns(4)
    paths: dict[str, Path] = {}
    crs: dict[str, tuple[str, bool]] = {}
    for col, layer in zip(cols, UPLOAD_LAYERS):
        path = _file(col, layer, t(f"up.{layer}", lang), LAYER_SUFFIXES, used, lang)
        if path is not None:
            paths[layer] = path
            crs[layer] = _crs_choice(col, layer, path, lang)
    roads = _file(cols[3], "roads", t("up.roads", lang), ROAD_SUFFIXES, used, lang,
                  types=["osm", "pbf", "bz2"], limit=MAX_ROADS_BYTES)
    return paths, crs, roads


def _file(col, layer: str, label: str, suffixes: tuple[str, ...], used: dict, lang: str,
          types: list[str] | None = None, limit: int | None = None) -> Path | None:
    """One uploader; its file saved and kept as the layer's file in use."""
    key = state.upload_widget(layer)
    file = col.file_uploader(label, key=key, type=types or [s.lstrip(".") for s in suffixes],
                             on_change=_removed, args=(layer,),
                             max_upload_size=upload_mb(limit or MAX_LAYER_BYTES))
    if file is not None:
        kwargs = {} if limit is None else {"limit": limit}
        path = save_upload(file, layer, suffixes, lang, **kwargs)
        if path is None:
            used.pop(layer, None)
        else:
            used[layer] = str(path)
    path = used.get(layer)
    return Path(path) if path and Path(path).exists() else None


def _removed(layer: str) -> None:
    """The planner took a file out of its uploader: the layer has no file any more."""
    if st.session_state.get(state.upload_widget(layer)) is None:
        st.session_state.get(state.UPLOADED, {}).pop(layer, None)


def _crs_choice(col, layer: str, path: Path, lang: str) -> tuple[str, bool]:
    """The coordinate system of one uploaded file: the file's own when it carries one
    (GeoPackage, Shapefile with .prj, GeoJSON), else declared (default WGS84).

    Returns ``(input_crs, declared for this file)`` for :func:`planning.inputs.read_layer`.
    """
    own = file_crs(path)
    options = (["file"] if own else []) + list(INPUT_CRS)
    key = state.crs_of(layer)
    ident = f"{path.name}:{path.stat().st_size}"
    if st.session_state.get(state.crs_file_of(layer)) != ident or st.session_state.get(key) not in options:
        # another file: its own CRS when it carries one, else WGS84 — until the planner says
        st.session_state[key], st.session_state[state.crs_file_of(layer)] = options[0], ident
        st.session_state[state.CRS_VERSION] = st.session_state.get(state.CRS_VERSION, 0) + 1
    value = choice(col.selectbox, t("up.crs_of", lang), options, key, lang,
                   format_func=lambda c: t("up.crs_file", lang, crs=own) if c == "file"
                   else t(f"crs.{c}", lang), version=st.session_state.get(state.CRS_VERSION, 0))
    return ("wgs84", False) if value == "file" else (value, True)


def _set_crs(layers: list[str], crs: str) -> None:
    """Declare ``crs`` for these layers' files (the GCJ-02 check's convert button)."""
    for layer in layers:
        st.session_state[state.crs_of(layer)] = crs
    st.session_state[state.CRS_VERSION] = st.session_state.get(state.CRS_VERSION, 0) + 1


def _read(layer: str, path: Path, crs: str, for_file: bool, column_map: dict):
    """Read one uploaded layer (kept in the session by content, CRS and column map):
    ``("ok", (layer, problems))`` or ``("error", exception)``."""
    def make():
        try:
            return "ok", read_layer(path, layer, input_crs=crs, crs_for_file=for_file,
                                    column_map=column_map or None)
        except Exception as exc:  # noqa: BLE001 - never a traceback for a planner's file
            return "error", exc

    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    key = (layer, path.name, digest, crs, for_file, json.dumps(column_map, sort_keys=True))
    return state.kept(state.cache(state.UPLOAD_CACHE), key, make, READS_KEPT)


def _column_mapping(layer: str, path: Path, lang: str, expanded: bool) -> None:
    """Which of the file's columns holds which of the tool's fields, in the UI language."""
    headers = file_headers(path)
    if not headers:
        return
    names = list(dict.fromkeys([c.name for c in LAYERS[layer]] + ["wkt"]))

    def label(name: str) -> str:
        if not name:
            return t("up.ignore", lang)
        meaning = field_help(layer, name, lang)
        return f"{field_label(layer, name, lang)} ({name})" + (f" — {meaning}" if meaning else "")

    with st.expander(f"{t('up.columns', lang)} — {t(f'up.{layer}', lang)}（{path.name}）",
                     expanded=expanded):
        st.caption(t("up.columns_help", lang))
        current = dict(st.session_state.get(state.columns_of(layer), {}))
        options = [""] + names
        for header in headers:
            now = current.get(header, "")
            value = st.selectbox(t("up.column_for", lang, header=header), options,
                                 index=options.index(now) if now in options else 0,
                                 key=state.column_widget(layer, header, lang), format_func=label)
            if value:
                current[header] = value
            else:
                current.pop(header, None)
        taken = list(current.values())
        twice = sorted({v for v in taken if taken.count(v) > 1})
        if twice:
            st.warning(t("up.column_twice", lang, fields=listing((label(v) for v in twice), lang)))
            return
        if current != st.session_state.get(state.columns_of(layer), {}):
            st.session_state[state.columns_of(layer)] = current
            st.rerun()


# --------------------------------------------------------------------------- preview


def _preview(loaded: dict, problems: list, lang: str) -> None:
    """The layers on a map, their problems grouped, the facility kinds counted."""
    from streamlit_folium import st_folium

    st.subheader(t("up.preview", lang))
    if assets_ready(lang):
        st_folium(maps.preview_map(loaded, lang), key=state.PREVIEW_MAP, height=420,
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
    out = state.upload_dir() / "problems.csv"
    write_problems(problems, out)
    st.download_button(t("up.problems_all", lang), out.read_bytes(), file_name="problems.csv",
                       mime="text/csv", key=state.UPLOAD_PROBLEMS)


# --------------------------------------------------------------------------- roads


def _roads_choice(townships, lang: str) -> Path | None:
    """No road file uploaded: offer to download the roads for the townships' outline from
    OpenStreetMap (online; cached), else the check runs by straight-line estimate."""
    outline = townships.to_crs(4326).union_all()
    fetched = st.session_state.get(state.FETCHED_ROADS)
    if fetched and Path(fetched).exists():
        st.success(t("up.fetched", lang, name=Path(fetched).name,
                     mb=Path(fetched).stat().st_size / 2**20))
        if st.button(t("up.fetch_forget", lang), key=state.FETCH_FORGET):
            st.session_state.pop(state.FETCHED_ROADS)
            st.rerun()
        return Path(fetched)
    st.warning(t("up.no_roads", lang))
    if st.session_state.get(state.FETCH_ERROR):
        st.error(st.session_state[state.FETCH_ERROR])
    if st.button(t("up.fetch", lang), key=state.FETCH):
        _fetch(outline, lang)
        st.rerun()
    if cached_roads(outline) is not None:  # downloaded before (any session): offered at once
        st.caption(t("fetch.in_cache", lang))
    return None


def _fetch(outline, lang: str) -> None:
    """Download the roads of ``outline`` (WGS84), saying each step; a failure is kept
    to be said."""
    st.session_state.pop(state.FETCH_ERROR, None)
    with st.status(t("fetch.title", lang), expanded=True) as status:
        try:
            path = roads_for_outline(outline, progress=lambda k: status.write(t(k, lang)))
        except InputError as exc:
            status.update(label=t("fetch.failed_title", lang), state="error")
            st.session_state[state.FETCH_ERROR] = t("fetch.failed", lang, why=exc.render(lang))
        except Exception as exc:  # noqa: BLE001 - offline machines fail in many ways
            status.update(label=t("fetch.failed_title", lang), state="error")
            st.session_state[state.FETCH_ERROR] = t("fetch.failed", lang,
                                                    why=f"{type(exc).__name__}: {exc}")
        else:
            status.update(label=t("fetch.done", lang), state="complete")
            st.session_state[state.FETCHED_ROADS] = str(path)


def _gcj_check(loaded: dict, paths: dict, crs: dict, roads: Path, lang: str) -> None:
    """Point files read as WGS84 that sit a consistent few hundred metres off the roads
    and land on them once shifted from GCJ-02: one warning naming every such file, and a
    button that declares GCJ-02 for each of them (the whole file)."""
    suspects = gcj02_suspects(loaded, roads, {layer: c[0] for layer, c in crs.items()})
    if not suspects:
        return
    files = listing((paths[layer].name for layer in suspects), lang)
    median = pd.Series(list(suspects.values())).median()
    st.warning(t("up.gcj_suspect_files", lang, files=files, m=f"{median:.0f}"))
    if st.button(t("up.gcj_convert_files", lang, files=files), key=state.UPLOAD_GCJ):
        _set_crs(list(suspects), "gcj02")
        st.rerun()


# --------------------------------------------------------------------------- check


def _region_name_input(loaded: dict, lang: str) -> str:
    """The region's name: the district its codes name, else what the planner types."""
    suggested = region_name(loaded["townships"]["township_id"], loaded["villages"]["village_id"])
    if st.session_state.get(state.UPLOAD_NAME_FROM) != suggested:  # other codes: their name again
        st.session_state[state.UPLOAD_NAME] = suggested or ""
        st.session_state[state.UPLOAD_NAME_FROM] = suggested
    # the value lives outside the widget: a widget not drawn in one run loses its state
    name = st.text_input(t("up.name", lang), value=st.session_state.get(state.UPLOAD_NAME, ""),
                         key=state.name_input(suggested), placeholder=t("up.name_placeholder", lang),
                         help=t("up.name_help", lang))
    st.session_state[state.UPLOAD_NAME] = name
    if not name.strip():
        st.info(t("up.name_needed", lang))
    return name.strip()


def _run(loaded: dict, paths: dict, problems: list, roads: Path | None, name: str,
         lang: str) -> None:
    """Assemble the region (its roads read now: a broken file is said here, once), make
    it the session's data and open its scorecard."""
    try:
        region = region_from_layers(loaded, name=name, problems=problems, roads=roads,
                                    sources={k: v.name for k, v in paths.items()})
    except InputError as exc:
        st.error(input_error(exc, lang))
        return
    if roads is not None:
        try:
            with st.spinner(t("up.roads_loading", lang)):
                region_network(region, "walk")
        except InputError as exc:
            st.error(t("up.roads_bad", lang, name=roads.name, why=exc.render(lang)))
            return
    st.session_state[state.UPLOAD_REGION] = {"region": region, "access": access_for(region)}
    st.session_state[state.SOURCE] = "upload"
    st.switch_page(pages.path("scorecard"))


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
