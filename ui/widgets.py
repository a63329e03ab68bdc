"""Widgets the pages share: keyed choices, status badges and tables, messages, maps,
uploads and download buttons.

Rule texts (the ``reason`` and ``action`` of a rule's units) reach a page only through
:func:`rule_texts`, the one place that decides their wording in the UI language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from planning.errors import InputError
from planning.inputs.uploads import (
    MAX_LAYER_BYTES,
    check_size,
    check_zip,
    safe_filename,
)
from planning.outputs import assets, maps, tables
from planning.outputs.tables import readable
from planning.outputs.export import FORMATS, ExportAbout, export_bytes, export_filename
from planning.words import STATUS_BACKGROUNDS, column, render_units, status_word, t
from ui import state, timing

#: Streamlit markdown colours of the status badges
STATUS_BADGE = {"pass": "green", "fail": "red", "warn": "orange", "unknown": "violet",
                "not_applicable": "gray"}
#: above this many rows a table's status column is not coloured (styling is slow)
STYLED_ROWS = 5000
#: what an empty cell shows
EMPTY = "—"
#: rendered maps kept per session (each is the map's script, about 2 MB for the demo)
MAP_PAYLOADS_KEPT = 6
_MAP_DEFAULTS = {"last_clicked": None, "last_object_clicked": None,
                 "last_object_clicked_tooltip": None, "center": None, "zoom": None}
#: the call in folium's map script that fits the map to its layers
_FIT_BOUNDS = re.compile(r"(\w+)\.fitBounds\(\s*\[\[.*?\]\]\s*,\s*\{.*?\}\s*\);", re.S)


# --------------------------------------------------------------------------- choices


def choice(widget, label: str, options, key: str, lang: str, format_func=str,
           version: int = 0, **kwargs):
    """A radio/selectbox/multiselect whose labels follow the language and whose value
    survives a language switch (and a page switch).

    The value lives in ``st.session_state[key]``; the widget itself is keyed per language
    (:func:`ui.state.in_lang`), so switching language draws a fresh widget with the new
    labels (Streamlit keeps a keyed widget's old labels otherwise). Raise ``version`` to
    draw a fresh widget after the program changed the value (the browser would send
    the old widget's value back otherwise).
    """
    options = list(options)
    wkey = state.in_lang(key, lang, version)
    multi = getattr(widget, "__name__", "") == "multiselect"
    current = st.session_state.get(key, [] if multi else options[0] if options else None)

    def sync():
        st.session_state[key] = st.session_state[wkey]

    if multi:
        kwargs.setdefault("placeholder", t("widget.choose", lang))  # Streamlit's is English
        value = widget(label, options, default=[v for v in current if v in options], key=wkey,
                       format_func=format_func, on_change=sync, **kwargs)
    else:
        index = options.index(current) if current in options else 0
        value = widget(label, options, index=index, key=wkey, format_func=format_func,
                       on_change=sync, **kwargs)
    st.session_state[key] = value
    return value


def keyed_select(label: str, options: list, key: str, lang: str, format_func, **kwargs):
    """A selectbox whose value (``st.session_state[key]``) the app may also set (a map
    click picks a facility): the widget is keyed per language like :func:`choice`."""
    wkey = state.in_lang(key, lang)
    current = st.session_state.get(key)
    st.session_state[wkey] = current if current in options else options[0]

    def sync():
        st.session_state[key] = st.session_state[wkey]

    value = st.selectbox(label, options, key=wkey, format_func=format_func, on_change=sync, **kwargs)
    st.session_state[key] = value
    return value


# --------------------------------------------------------------------------- status and tables


def badge(rule_id: str, status: str, lang: str) -> str:
    """A rule's status as a coloured Markdown badge: ``R2 未达标`` on red."""
    return f":{STATUS_BADGE[status]}-background[**{rule_id} {status_word(status, lang)}**]"


def style_status(frame: pd.DataFrame, columns: list[str], lang: str):
    """A Styler colouring the status columns (values are already status words)."""
    words = {status_word(s, lang): s for s in STATUS_BACKGROUNDS}

    def colour(value):
        s = words.get(value)
        return f"background-color:{STATUS_BACKGROUNDS[s]}" if s else ""

    return frame.style.map(colour, subset=[c for c in columns if c in frame])


def rule_table(frame: pd.DataFrame, lang: str, height: int | str = "auto") -> pd.DataFrame:
    """Show a rule's table (columns as the rules name them) as planners read it: the
    words, titled headers with units and rounding of :func:`planning.outputs.tables.readable`
    (the same as the Excel export), numbers shown with the decimals they keep, empty cells
    as "—", statuses on their colours (up to :data:`STYLED_ROWS` rows). Sortable by any
    header (Streamlit's own). Returns the table shown."""
    shown = readable(frame, lang, titles=False)
    numeric = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])
               and not pd.api.types.is_bool_dtype(shown[c])]
    places = {column(c, lang): tables.decimals(c) for c in numeric}
    places = {c: tables.OTHER_DECIMALS if d is None else d for c, d in places.items()}
    formats = {column(c, lang): tables.number_format(c) for c in numeric}
    shown.columns = [column(c, lang) for c in shown.columns]
    config = {c: st.column_config.NumberColumn(format=f"%.{d}f") for c, d in places.items()}
    data = shown
    if len(shown) <= STYLED_ROWS:
        data = style_status(shown, [column("status", lang)], lang).format(
            {c: f for c, f in formats.items() if f}, na_rep=EMPTY)
    st.dataframe(data, hide_index=True, width="stretch", height=height, column_config=config,
                 placeholder=EMPTY)
    return shown


def rule_texts(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A rule's units (or layer) with their ``reason`` and ``action`` in the UI language.

    Every page showing rule texts passes its table through here: the sentences are
    written from the rules' codes and numbers (:func:`planning.words.render_units`), and
    the codes and parameters, which a planner does not read, are left out. A table
    without codes comes back as it is.
    """
    out = render_units(frame, lang)
    return out.drop(columns=["reason_code", "action_code"], errors="ignore")


# --------------------------------------------------------------------------- messages


def input_error(exc: InputError, lang: str) -> str:
    """An input problem as the planner reads it, with the lead-in that says so."""
    return f"{t('err.input', lang)} {exc.render(lang)}"


def error_text(exc: Exception, lang: str, name: str) -> str:
    """An exception as the planner reads it: an input problem in the UI language, anything
    else as what happened to which file (or rule) and what to do."""
    if isinstance(exc, InputError):
        return exc.render(lang)
    return t("up.unexpected", lang, name=name, error=f"{type(exc).__name__}: {exc}")


def failure(title: str, exc: Exception, lang: str) -> None:
    """A failure at the page boundary: what could not be shown and what to do, in the UI
    language; the technical detail folded away, never a traceback."""
    st.error(f"{title} {t('err.what_to_do', lang)}")
    with st.expander(t("err.details", lang)):
        st.code(f"{type(exc).__name__}: {exc}", language=None)


# --------------------------------------------------------------------------- maps


def basemap_tiles(view: state.View):
    """The basemap the sidebar chose (None: none can be drawn), its note said above the
    map; None too, with the reason, when Leaflet is not installed (then draw no map:
    check :func:`planning.outputs.assets.missing` first)."""
    tiles, message = maps.basemap(view.basemap, view.lang, view.token)
    if message:
        (st.warning if tiles is None else st.caption)(message)
    return tiles


def assets_ready(lang: str) -> bool:
    """Whether the map's Leaflet files are installed; says what to run when not."""
    missing = assets.missing()
    if missing:
        st.error(t("map.assets_missing", lang, files=", ".join(missing)))
    return not missing


def _map_payload(fmap, live: bool = False) -> dict:
    """What streamlit-folium sends to the browser for ``fmap`` (its ``st_folium`` steps,
    done once so the result can be kept: rendering the demo map takes about 2 s).

    With ``live`` (a map from :func:`planning.outputs.maps.build_map`), the map's
    ``assessment_layers`` and its layer control are left out of ``script`` (the frame:
    basemap, reference layer, what never changes in a scenario) and come as ``live``
    and ``control`` instead: JavaScript that draws them into the map already in the
    page (streamlit-folium's ``feature_group``, which removes the ones drawn before), so
    the frame's iframe is kept and only the assessment's layers are redrawn."""
    import streamlit_folium as sf

    css, js = [], []
    for element in maps._walk(fmap):
        css += [href for _, href in getattr(element, "default_css", [])]
        js += [src for _, src in getattr(element, "default_js", [])]
    # the live layers are left out before the frame is rendered (rendered once, below)
    drawn = [*fmap.assessment_layers, fmap.layer_control] if live else []
    for element in drawn:
        fmap._children.pop(element.get_name())
    fmap.get_root().render()
    fmap.render()
    html, header = sf._get_html(fmap), sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    payload = {"script": script, "header": header, "html": html, "id": sf.get_full_id(fmap),
               "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js))}
    timing.lap("map: frame rendered")
    if live:
        payload.update(_live_layers(fmap))
        timing.lap(f"map: live layers rendered ({len(payload['live']):,} characters)")
    return payload


def _live_layers(fmap) -> dict:
    """The assessment layers of a map (see :func:`_map_payload`) as the script that draws
    them into the map of the page (``map_div``) and the layer control listing them.

    Only what an edit changed is redrawn: each layer is known in the page by its script's
    digest (``window.__liveKept``); a layer whose script is the one drawn before (an edit
    that does not reach R7's groups, R8's shares …) is kept as it is drawn, the others are
    drawn anew and the ones no longer in the map removed (streamlit-folium removes
    nothing itself: ``window.feature_group`` is left empty). A point layer drawn anew
    is offered the one drawn before under its name (``window.__liveReuse``) and keeps
    the markers of its unchanged rows (:class:`planning.outputs.map_elements.PointLayer`):
    an added clinic redraws a few villages and one icon, not 751 and 640."""
    import hashlib

    import streamlit_folium as sf
    from folium.map import Layer

    layers = list(fmap.assessment_layers)
    parts = []
    for i, element in enumerate(layers):
        fmap.add_child(element, name=element.get_name())
        element.render()  # what folium adds while rendering (a group's addTo, a marker's icon)
        script = sf.generate_leaflet_string(element, base_id=f"live_{i}")
        digest = json.dumps(hashlib.sha1(script.encode("utf-8")).hexdigest())
        name = element.get_name()
        parts.append(f"var {name};\nif (kept[{digest}]) {{ {name} = kept[{digest}]; delete kept[{digest}]; }}"
                     f" else {{\n{script}\nreused({name});\n}}\nwindow.__liveKept[{digest}] = {name};")
    control = sf._get_layer_control_string(fmap.layer_control, fmap)
    pairs = ",".join(f"[{json.dumps(e.layer_name, ensure_ascii=False)},{e.get_name()}]"
                     for e in layers if isinstance(e, Layer) and e.control)
    legend = fmap.legend._template.module.html(fmap.legend, {})
    live = ("window.__liveStart = performance.now();\n"
            "var kept = window.__liveKept || {};\nwindow.__liveKept = {};\n"
            # the layers drawn before, offered by name to the new ones (a PointLayer keeps
            # the markers of its unchanged rows: map_elements); one taken is not removed
            "window.__liveReuse = {};\n"
            "Object.keys(kept).forEach(function (k) {"
            " if (kept[k].__name) { window.__liveReuse[kept[k].__name] = kept[k]; } });\n"
            "function reused(layer) { Object.keys(kept).forEach(function (k) {"
            " if (kept[k] === layer) { delete kept[k]; } }); }\n"
            + "\n".join(parts)
            + "\nwindow.__liveReuse = null;"
            + "\nObject.keys(kept).forEach(function (k) { map_div.removeLayer(kept[k]); });"
            + "\nwindow.feature_group = [];"
            + f"\nwindow.__liveDrawn([{pairs}], {json.dumps(str(legend), ensure_ascii=False)});\n")
    return {"live": live, "control": control}


def map_view(value: dict | None) -> dict | None:
    """The view a map reported — the ``view`` sent with a click by a map drawn with
    ``view_with_value`` (:func:`folium_map`), or its ``center`` and ``zoom`` among
    ``returned_objects`` — as ``{"center": [lat, lng], "zoom": z}`` (degrees in the map's
    coordinates), or None."""
    value = value or {}
    value = value.get("view") or value
    center, zoom = value.get("center"), value.get("zoom")
    if not center or zoom is None:
        return None
    return {"center": [float(center["lat"]), float(center["lng"])], "zoom": int(zoom)}


#: appended to the script of a map whose clicks edit it: every value the map sends (a click:
#: streamlit-folium sends only when a ``returned_objects`` entry changed) carries the view it
#: stands at, so a pan or a zoom costs no Streamlit run and the next map still starts where
#: the planner looked; a popup a click opens does not pan the map (the pan's animation would
#: hold the click back, streamlit-folium sending it 250 ms after the map last moved, and
#: the map is redrawn at once anyway)
_VIEW_WITH_VALUE = """
L.Popup.prototype.options.autoPan = false;
(function () {
  var S = window.Streamlit, send = S && S.setComponentValue;
  if (!send) { return; }  // another streamlit-folium: clicks come without the view
  S.setComponentValue = function (value) {
    var m = window.map, c = m.getCenter();
    return send.call(S, Object.assign({}, value,
      {view: {center: {lat: c.lat, lng: c.lng}, zoom: m.getZoom()}}));
  };
})();
"""


#: appended to the script of a map whose assessment layers are drawn live (``live`` of
#: :func:`_map_payload`): a click is sent at once (streamlit-folium sends it 250 ms after
#: the map last moved); the layers a planner switched on or off in the layer control stay
#: so when the assessment's layers are redrawn, and the legend follows them (the redraw
#: calls ``__liveDrawn`` with its overlays and the new legend)
_LIVE_MAP = """
(function () {
  var S = window.Streamlit, shown = {};
  function chosen(e) {  // a layer the planner switched on or off (not one redrawn)
    var control = window.layer_control;
    if (control && control._handlingClick) { shown[e.name] = e.type === 'overlayadd'; }
  }
  map_div.on('overlayadd overlayremove', chosen);
  window.__liveDrawn = function (overlays, legend) {  // __liveStart/__liveEnd: the redraw's clock
    overlays.forEach(function (o) {
      if (!(o[0] in shown)) { return; }
      if (shown[o[0]] && !map_div.hasLayer(o[1])) { map_div.addLayer(o[1]); }
      if (!shown[o[0]] && map_div.hasLayer(o[1])) { map_div.removeLayer(o[1]); }
    });
    var old = document.querySelector('.map-legend'), box = document.createElement('div');
    box.innerHTML = legend;
    var now = box.querySelector('.map-legend');
    if (old && now) {
      var was = old.querySelector('details'), is = now.querySelector('details');
      if (was && is) { is.open = was.open; }
      old.replaceWith(now);
    }
    window.__liveEnd = performance.now();
  };
  function send() {
    var g = window.__GLOBAL_DATA__, data = {}, own = {last_clicked: 'lat_lng_clicked',
                                                      last_object_clicked: 'last_object_clicked'};
    if (!g || !S || g.returned_objects.some(function (k) { return !(k in own); })) { return; }
    Object.keys(own).forEach(function (k) {
      if (g.returned_objects.indexOf(k) >= 0) { data[k] = g[own[k]]; }
    });
    if (JSON.stringify(g.previous_data) !== JSON.stringify(data)) {
      g.previous_data = data;
      S.setComponentValue(data);
    }
  }
  // in the click's own task, after Leaflet's handlers (registered on the container before
  // this one) set what was clicked: not after the frame the click's popup makes is painted
  map_div.getContainer().addEventListener('click', send);
})();
"""


#: put before a map's script: Leaflet places each marker, icon and pane with a 2D
#: ``translate`` instead of ``translate3d`` (its own switch for browsers without 3D). A 3D
#: transform makes each element a compositing layer of its own: with hundreds of facility
#: icons Chromium spent ~60 ms of each frame sorting layers (``Layerize``) and committing
#: them, every frame after a click (the popup, the redraw) paying it again
_FLAT = "L.Browser.ie3d = true;\n"


def _start_at(script: str, view: dict | None) -> str:
    """The map script starting at ``view`` instead of fitting its layers."""
    if not view:
        return script
    # not animated: the map reports its view as soon as it is drawn, and an animated zoom
    # still reports the zoom it started from
    return _FIT_BOUNDS.sub(lambda m: f"{m.group(1)}.setView({json.dumps(view['center'])}, "
                                     f"{int(view['zoom'])}, {{animate: false}});", script, count=1)


def folium_map(build: Callable, cache_key: tuple, key: str, height: int = 680,
               returned_objects: tuple[str, ...] = (), view: dict | None = None,
               move: bool = True, view_with_value: bool = False, live: bool = False) -> dict | None:
    """Draw the folium map ``build()`` returns, keeping its rendered payload in the session
    under ``cache_key`` (switching pages, languages or focus back costs nothing).

    ``view`` (``{"center": [lat, lng], "zoom": z}``, see :func:`map_view`) is where the
    map stands: a map drawn anew (a new payload) starts there instead of fitting its
    layers, and, with ``move``, a map already drawn moves there without being redrawn
    (streamlit-folium sets the view of its Leaflet map when ``center`` or ``zoom``
    change). A map whose view comes from what it reported itself passes ``move=False``
    (moving it again would chase its own, animated, reports). With ``view_with_value``
    (a map whose clicks edit it) each value the map sends carries its view as ``view``
    (read it with :func:`map_view`): pass ``returned_objects`` without ``center``/``zoom``
    and a pan or zoom makes no Streamlit run, the next click still says where the map
    stood; its popups do not pan it. With ``live`` (a map from
    :func:`planning.outputs.maps.build_map` whose assessment changes, the scenario's),
    the map in the page is kept and only its assessment layers are redrawn (see
    :func:`_map_payload`); a click is sent at once.

    Uses streamlit-folium's own steps (pinned version); falls back to ``st_folium``
    should they change. Returns what the map reports (``returned_objects``).
    """
    import streamlit_folium as sf

    try:
        payload = state.kept(state.cache(state.MAP_PAYLOADS), cache_key,
                             lambda: _map_payload(build(), live), MAP_PAYLOADS_KEPT)
        component = sf._component_func
        hash_key = sf.generate_js_hash(payload["script"], key, False)
    except AttributeError:  # another streamlit-folium: its public function
        return sf.st_folium(build(), key=key, height=height, use_container_width=True,
                            returned_objects=list(returned_objects),
                            center=view["center"] if view else None, zoom=view["zoom"] if view else None)

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    defaults = {k: v for k, v in _MAP_DEFAULTS.items() if k in returned_objects}
    # the component is keyed by the map as built (so a view change does not redraw it);
    # its script starts at the view (so a new map does not jump back to the whole region)
    script = _FLAT + _start_at(payload["script"], view) \
        + (_VIEW_WITH_VALUE if view_with_value else "") + (_LIVE_MAP if live else "")
    args = {**{k: v for k, v in payload.items() if k not in ("live", "control")}, "script": script}
    return component(**args, key=hash_key, height=height, width=None,
                     returned_objects=list(returned_objects), default=defaults,
                     zoom=view["zoom"] if view and move else None,
                     center=view["center"] if view and move else None,
                     feature_group=payload.get("live"), return_on_hover=False,
                     layer_control=payload.get("control"),
                     pixelated=False, on_change=on_change, wrap_longitude=False)


def scenario_map(view: state.View, result: dict, suggestion, key: str, height: int = 620,
                 returned_objects: tuple[str, ...] = (), map_at: dict | None = None) -> dict | None:
    """The map of a scenario's state (``result`` of :func:`ui.state.scenario_result`):
    its changes against the base, the selected facility and the suggested sites; standing
    at ``map_at`` (:func:`folium_map`'s ``view``) when given; what it sends carries its
    view (:func:`folium_map`'s ``view_with_value``)."""
    if not assets_ready(view.lang):
        return None
    tiles = basemap_tiles(view)
    after, comparison = result["assessment"], result["comparison"]
    selected = st.session_state.get(state.SELECTED) or None
    sites = suggestion.sites if suggestion is not None else None

    def build():
        layers = maps.scenario_layers(comparison, view.region, after.region, suggested=sites,
                                      selected=selected)
        display = state.scenario_display(result)
        timing.lap("map: display layers")
        fmap = maps.build_map(after, view.lang, focus=view.focus, tiles=tiles, display=display,
                              scenario=layers, coords=maps.basemap_coords(view.basemap))
        timing.lap("map: built")
        return fmap

    cache_key = ("scenario", result["key"], view.lang, view.focus, view.basemap, view.token,
                 selected, id(suggestion))
    return folium_map(build, cache_key, key=key, height=height, returned_objects=returned_objects,
                      view=map_at, move=False, view_with_value=True, live=True)


# --------------------------------------------------------------------------- downloads


def button_row():
    """A row of buttons, each as wide as its label, wrapping onto a new line when the page
    is narrow (fixed columns cut long labels such as 下载 GeoPackage（QGIS/ArcGIS） short)."""
    return st.container(horizontal=True, wrap=True)


def export_buttons(layers: dict, stem: str, lang: str, prefix: str, crs: str = "wgs84",
                   row=None, about: ExportAbout | None = None) -> None:
    """One download button per export format (GeoPackage … Excel) of ``layers``, keyed
    ``download(prefix, format)``, in ``row`` (a new :func:`button_row` when None); the
    files are made when a button is pressed. ``about``: sources, rulebook and date for
    the Excel file's About sheet."""
    row = row if row is not None else button_row()
    for fmt_key, fmt in FORMATS.items():
        row.download_button(t("dl.button", lang, label=fmt.label_en if lang == "en" else fmt.label_zh),
                            data=lambda k=fmt_key: export_bytes(layers, k, crs=crs, lang=lang,
                                                                stem=stem, about=about)[0],
                            file_name=export_filename(stem, fmt_key, crs=crs, n_layers=len(layers)),
                            mime=fmt.mime, key=state.download(prefix, fmt_key), on_click="ignore")


# --------------------------------------------------------------------------- uploads


def upload_mb(limit: int = MAX_LAYER_BYTES) -> int:
    """A library upload limit (bytes, :mod:`planning.inputs.uploads`) as the ``max_upload_size``
    of a ``st.file_uploader`` (megabytes): the box then says the limit that is enforced
    ("50MB per file"), not Streamlit's server-wide one (``server.maxUploadSize``)."""
    return limit // 2**20


def save_upload(file, layer: str, suffixes: tuple[str, ...], lang: str,
                limit: int = MAX_LAYER_BYTES) -> Path | None:
    """Write an uploaded file to the session's folder under the planner's own file name
    (one folder per layer, so messages name 医疗机构.csv, not a server-side name); None,
    with the reason said, when refused (type, size in bytes above ``limit``, unsafe zip)."""
    lower = file.name.lower()
    suffix = next((s for s in suffixes if lower.endswith(s)), None)
    if suffix is None:
        st.error(t("up.bad_type", lang, name=file.name, types=", ".join(suffixes)))
        return None
    try:
        check_size(file.size, limit, file.name)
    except InputError:
        st.error(t("up.too_big", lang, name=file.name, mb=file.size / 2**20, limit=limit // 2**20))
        return None
    name = safe_filename(file.name, f"{layer}{suffix}")
    if suffix == ".pbf" and not lower.endswith(".osm.pbf"):
        name = name[: -len(".pbf")] + ".osm.pbf"
    folder = state.upload_dir() / layer
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
