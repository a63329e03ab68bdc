"""Maps of an assessment (folium).

Pure functions: they take an :class:`~planning.rules.assess.Assessment` (or a
:class:`~planning.region.Region`, or preview layers) and return folium objects; nothing
here knows about Streamlit. The display tables and layers they draw
(:func:`township_status`, :func:`district_breakdown`, :func:`reference_layers`,
:func:`display_layers`) are in :mod:`planning.outputs.layers` (and named here too).

- :func:`build_map`: the assessment map — townships coloured by compliance, villages by
  distance to a clinic and by minutes to care, facilities by kind, the 15-minute reach
  and what it misses, R4 candidates, R7 groups, GPs within reach (R8) by township and
  village; popups with the numbers; a legend and a layer control.
- :func:`preview_map`: uploaded points and polygons before an assessment runs.

The GCJ-02 offset check for uploads lives in :mod:`planning.inputs.offsets`.

Every map loads Leaflet from the app itself (:mod:`planning.outputs.assets`), never a CDN, and
has no tiles unless :func:`basemap` gives some (the frame: :mod:`planning.outputs.map_frame`). Display geometries are in WGS84
(EPSG:4326), simplified in the region's metric CRS first (tolerances in metres); on a
GCJ-02 basemap (Amap, Tencent) every overlay is drawn shifted to GCJ-02
(:func:`to_display`) and a click's position comes back through :func:`click_to_wgs84`.

One colour language (:mod:`planning.outputs.map_legend`): a village's or township's fill
is its status colour (:data:`planning.words.STATUS_COLOURS`); the distance band is the
village marker's size, the minute band a sequential ramp. Villages lie in their own pane
above the facility icons (:data:`VILLAGE_PANE`), so no failing village is hidden.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# the frame (basemaps, their coordinates, the empty map): names used here and by the app
from planning.outputs.map_frame import (BASEMAPS, TILES_ENV, VILLAGE_PANE, VILLAGE_PANE_Z,  # noqa: F401
                                        _walk, basemap, basemap_coords, click_to_wgs84, new_map,
                                        to_display, use_local_assets)
from planning.outputs.map_elements import ImageLayer, PointLayer, ShapeLayer, Table, columns, popup_css
from planning.outputs.map_frame import raster_to_display
from planning.outputs.map_legend import (BAND_RADII, BAND_RAMP, FACILITY_ICONS, ICON_CSS, Legend,
                                         band, band_colour, icon_html, legend_html, minutes_legend,
                                         r8_legend, ring_html, scenario_legend)
# the display tables and layers live in planning.outputs.layers; the names stay here too, as
# the app and the notebook call them (maps.display_layers, maps.township_status …)
from planning.outputs.layers import (FAILED, MAIN_ROADS, OUTSIDE, Raster, _wgs84,  # noqa: F401
                                     display_layers, district_breakdown, reference_layers,
                                     scenario_layers, township_status, valid_geometries)
from planning.crs import WGS84
from planning.travel.access import STRAIGHT_LABEL
from planning.words import (COVERAGE, MODES, STATUS_COLOURS, kind_name, pair_word, people,
                            r8_colour, render_units, status_word, t)

# --------------------------------------------------------------------------- the map


@dataclass(frozen=True)
class Focus:
    """What the map zooms to: a district name, a township id, or everything (both None)."""

    district: str | None = None
    township_id: str | None = None


#: the zoom the map goes to when a planner picks a failing village from the list
UNIT_ZOOM = 15
#: a village or village-clinic layer of more points than this is drawn per township below
#: :data:`AGGREGATE_BELOW_ZOOM` (a city's thousands of markers are each a DOM element)
AGGREGATE_ABOVE = 1500
AGGREGATE_BELOW_ZOOM = 11
#: facility kinds drawn per township at city zoom (the many small ones)
AGGREGATED_KINDS = ("village_clinic", "village_service_point")


def build_map(assessment, lang: str = "zh", *, focus: Focus | None = None,
              tiles: folium.TileLayer | None = None,
              display: dict[str, gpd.GeoDataFrame] | None = None,
              scenario: dict[str, gpd.GeoDataFrame] | None = None,
              coords: str = "wgs84") -> folium.Map:
    """The assessment map.

    Parameters
    ----------
    assessment : Assessment
    lang : {"zh", "en"}
        Language of layer names, legend and popups.
    focus : Focus, optional
        Zoom to a district or a township (everything stays drawn).
    tiles : folium.TileLayer, optional
        A basemap (see :func:`basemap`); without one the reference layer is the base.
    display : dict, optional
        :func:`display_layers` of the assessment (pass a cached one; computed otherwise).
    scenario : dict, optional
        :func:`scenario_layers` of a scenario drawn over the map: newly covered and
        newly uncovered villages ringed, proposed sites, closed facilities, suggested
        sites and the selected facility.
    coords : {"wgs84", "gcj02"}
        The basemap's coordinates (:func:`basemap_coords`): on ``"gcj02"`` every layer
        is drawn shifted to GCJ-02 (:func:`to_display`).

    Returns
    -------
    folium.Map
        Layers (each in the layer control, folded like the legend): reference
        (boundary, township names, main roads), townships by overall status, village
        committees by R2 status (colour) and distance band (size), all villages by R3
        minutes (a ramp; hidden at first), facilities by kind, the R3 reach and gap, R4
        candidates, R7 groups, and R8's GPs within reach by township (a choropleth) and
        by village (both hidden at first; when present). Village markers carry the CSS
        class ``village-marker`` and lie above the facility icons. The map's
        ``assessment_layers`` are the layers drawn from the assessment (all but the
        frame and the reference layer: what changes when a scenario does), its
        ``legend`` and ``layer_control`` the two elements that list them.
    """
    region, res = assessment.region, assessment.results
    d = display if display is not None else display_layers(assessment)
    d = {k: render_units(v, lang) if k in _WORDED and isinstance(v, pd.DataFrame) and "reason_code" in v
         else v
         for k, v in d.items()}                    # the rules' reasons and actions in lang
    d = to_display(d, coords)
    m = new_map(_bounds(d["townships"], focus, region), tiles=tiles)
    m.get_root().header.add_child(popup_css())
    _add_reference(m, d, lang)
    reference = set(m._children)
    _add_townships(m, d["township_status"], res.get("R1"), lang)
    if "R3" in res and d.get("reach") is not None:
        _add_reach(m, d["reach"], res["R3"], lang, coords, estimate=getattr(assessment, "straight", False))
    if "r2" in d:
        _add_r2_villages(m, d["r2"], res["R2"], d.get("r3"), region, lang)
    if "r3" in d:
        _add_r3_villages(m, d["r3"], res["R3"], lang)
    _add_facilities(m, d["facilities"], lang)
    if "candidates" in d:
        _add_candidates(m, d["candidates"], res["R4"], lang)
    if "groups" in d:
        _add_groups(m, d["groups"], lang)
    if "r8_towns" in d:
        _add_r8(m, d, res["R8"], lang)
    if scenario:
        _add_scenario(m, to_display(scenario, coords), lang)
    limit = res["R2"].figures.get("max_distance_m", 1500) if "R2" in res else 1500
    measure = res["R2"].figures.get("measure", "road") if "R2" in res else "road"
    legend = legend_html(lang, limit, measure, region)
    if "r3" in d:
        legend += minutes_legend(lang, float(res["R3"].figures.get("max_minutes", 15)))
    if "r8_towns" in d:
        legend += r8_legend(lang, res["R8"].figures.get("target_gps_per_10000", 4.0))
    banner = ""
    if getattr(assessment, "straight", False):  # no road network: every figure an estimate
        factor = assessment.rulebook.value("travel", "detour_factor")
        banner = (f"<div class='estimate-label' style='color:#6a1b9a;font-weight:bold;"
                  f"margin-bottom:4px'>{html.escape(STRAIGHT_LABEL)}</div>")
        legend = (f"<div style='margin-bottom:4px'>"
                  f"{html.escape(t('legend.estimate', lang, factor=f'{factor:g}'))}</div>") + legend
    if scenario:
        legend += scenario_legend(lang)
    if (len(d.get("r2", ())) > AGGREGATE_ABOVE
            or d["facilities"]["kind"].isin(AGGREGATED_KINDS).sum() > AGGREGATE_ABOVE):
        legend += (f"<div style='margin-top:4px;color:#455a64'>"
                   f"{html.escape(t('legend.aggregate', lang, zoom=AGGREGATE_BELOW_ZOOM))}</div>")
    m.assessment_layers = [c for k, c in m._children.items() if k not in reference]
    m.legend = Legend(legend, open_=False, title=t("legend.title", lang), banner=banner).add_to(m)
    m.layer_control = folium.LayerControl(collapsed=True).add_to(m)
    return use_local_assets(m)


#: the display layers whose popups show the rules' reasons or actions (written in the map's language)
_WORDED = ("r2", "r8_villages", "candidates", "groups")


def failing_units(display: dict, lang: str = "zh", coords: str = "wgs84") -> pd.DataFrame:
    """The failing units a planner looks for on the map: villages that fail R2 or R3, then
    townships whose overall status fails.

    Parameters
    ----------
    display : dict
        :func:`display_layers` of the assessment (WGS84).
    lang : {"zh", "en"}
    coords : {"wgs84", "gcj02"}
        The map's coordinates (:func:`basemap_coords`): where to zoom on that map.

    Returns
    -------
    pandas.DataFrame
        ``key`` (``village:<unit_id>`` or ``township:<township_id>``), ``label`` (name,
        township and the failed rules, in ``lang``), ``lat``, ``lon`` (degrees in
        ``coords``), in that order: villages by name, then townships by name.
    """
    d = to_display(display, coords)
    towns = d["township_status"].set_index("township_id")["name"] if "township_status" in d else {}
    villages: dict[str, dict] = {}
    for key, rid in (("r2", "R2"), ("r3", "R3")):
        if key not in d:
            continue
        fail = d[key][d[key]["status"] == "fail"]
        for uid, name, tid, geom in zip(fail["unit_id"], fail["name"], fail["township_id"], fail.geometry):
            row = villages.setdefault(str(uid), {"name": str(name), "town": towns.get(tid, ""),
                                                 "rules": [], "point": geom})
            row["rules"].append(rid)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    rows = [{"key": f"village:{uid}",
             "label": f"{v['name']}{open_}{v['town']}{close} · {', '.join(v['rules'])}" if v["town"]
             else f"{v['name']} · {', '.join(v['rules'])}",
             "lat": v["point"].y, "lon": v["point"].x}
            for uid, v in sorted(villages.items(), key=lambda kv: kv[1]["name"])]
    if "township_status" in d:
        bad = d["township_status"][d["township_status"]["overall"] == "fail"].sort_values("name")
        for tid, name, geom in zip(bad["township_id"], bad["name"], bad.geometry):
            point = geom.representative_point()
            rows.append({"key": f"township:{tid}",
                         "label": f"{name} · {t('pop.township', lang)}", "lat": point.y, "lon": point.x})
    return pd.DataFrame(rows, columns=["key", "label", "lat", "lon"])


def _bounds(towns_wgs84: gpd.GeoDataFrame, focus: Focus | None, region) -> list[list[float]]:
    frame = towns_wgs84
    if focus is not None and focus.township_id:
        frame = towns_wgs84[towns_wgs84["township_id"] == focus.township_id]
    elif focus is not None and focus.district and "district" in region.townships:
        ids = region.townships.loc[region.townships["district"] == focus.district, "township_id"]
        frame = towns_wgs84[towns_wgs84["township_id"].isin(ids)]
    if not len(frame):
        frame = towns_wgs84
    x0, y0, x1, y1 = frame.total_bounds
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def _geojson(gdf: gpd.GeoDataFrame, columns: list[str], raw: tuple[str, ...] = ("popup",)) -> dict:
    """Compact GeoJSON of ``columns`` (WGS84 input): no bounding boxes, text HTML-escaped
    (popups and tooltips insert it as HTML) except the ``raw`` columns."""
    props = pd.DataFrame({c: [html.escape(v) if isinstance(v, str) and c not in raw else
                              (None if v is None or (isinstance(v, float) and np.isnan(v)) else v)
                              for v in gdf[c].astype(object)] for c in columns})
    geoms = shapely.to_geojson(gdf.geometry.values)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": json.loads(g) if g else None}
        for p, g in zip(props.to_dict("records"), geoms)]}


def _add_reference(m: folium.Map, ref: dict[str, gpd.GeoDataFrame], lang: str) -> None:
    roads = ref["roads"]
    if len(roads):
        major = roads["highway"].isin(["motorway", "trunk"])
        ShapeLayer(roads.geometry.values, columns(roads.assign(weight=np.where(major, 2.5, 1.5)), ["weight"]),
                   t("layer.roads", lang), style={"color": "#b0a48a", "opacity": 0.9},
                   columns={"weight": "weight"}, interactive=False).add_to(m)
    ShapeLayer(ref["boundary"].geometry.values, {}, t("layer.boundary", lang),
               style={"color": "#424242", "weight": 3, "fill": False}, interactive=False).add_to(m)
    lab = ref["labels"]
    PointLayer(lab.geometry.x, lab.geometry.y,
               columns(lab.assign(label=lab["name"].astype(str)), ["label"], escape=("label",)),
               t("layer.township_names", lang), interactive=False,
               icon={"html": "<div class='town-label'>%s</div>", "iconSize": [120, 16],
                     "iconAnchor": [60, 8], "className": "town-label-icon"}).add_to(m)


def _popup_table(rows: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f"<table class='popup-table'>{cells}</table>"      # styled by popup_css()


def _fmt_m(value, lang: str) -> str:
    return t("pop.none", lang) if value is None or not np.isfinite(value) else \
        t("pop.metres", lang, m=f"{value:,.0f}")


def _fmt_min(value, lang: str) -> str:
    return t("pop.none", lang) if value is None or not np.isfinite(value) else \
        t("pop.min", lang, m=f"{value:.1f}")


def _add_townships(m: folium.Map, towns: gpd.GeoDataFrame, r1, lang: str) -> None:
    table = Table(towns)
    clause = r1.clause if r1 is not None else ""
    table["popup"] = [
        f"<b>{html.escape(str(r.name))}</b> ({kind_name(r.kind, lang)})" + _popup_table([
            (t("pop.population", lang), people(r.population, lang)),
            (t("pop.r1", lang), status_word(r.r1, lang)),
            (t("pop.r2", lang), f"{r.r2_gaps} / {r.r2_units}"),
            (t("pop.r3", lang), t("pop.none", lang) if pd.isna(r.r3_share) else f"{r.r3_share:.0%}"),
            (t("pop.r6", lang), status_word(r.r6, lang)),
            (t("pop.r8", lang), t("pop.none", lang) if pd.isna(r.r8_gps) else
             f"{r.r8_gps:.2f} · {status_word(r.r8, lang)}"),
            (t("pop.status", lang), status_word(r.overall, lang)),
            (t("pop.clause", lang), clause)])
        for r in towns.itertuples()]
    table["status_word"] = [status_word(s, lang) for s in towns["overall"]]
    table["colour"] = [STATUS_COLOURS.get(s, "#777") for s in towns["overall"]]
    ShapeLayer(towns.geometry.values,
               columns(table, ["township_id", "name", "overall", "status_word", "colour", "popup"],
                       escape=("name", "status_word")),
               t("layer.townships", lang), style={"weight": 1.5, "fillOpacity": 0.12},
               columns={"color": "colour", "fillColor": "colour"},
               highlight={"weight": 3, "fillOpacity": 0.25}, tooltip=["name", "status_word"],
               popup="popup").add_to(m)


def _village_dot(radius: int, opacity: float, css_class: str) -> dict:
    """A village's dot (radius px, white rim) in :data:`VILLAGE_PANE`, above the facility
    icons: Leaflet circle-marker options for :class:`PointLayer`."""
    return {"radius": radius, "weight": 1, "color": "#ffffff", "fill": True,
            "fillOpacity": opacity, "className": css_class, "pane": VILLAGE_PANE}


def _villages(v: Table, fields: dict[str, str], name: str, marker: dict, *,
              clause: str, lang: str, tooltip: tuple[str, ...] = ("name",), show: bool = True,
              style: dict | None = None, extra: tuple[str, ...] = (), max_width: int = 300,
              class_name: str = "", aggregate: dict | None = None) -> PointLayer:
    """A village layer: dots from a :class:`Table` of the villages; the popup's rows are
    ``fields`` (column -> alias) and the rule's clause, written once."""
    cols = list(dict.fromkeys([*fields, *tooltip, *extra]))
    return PointLayer(v.frame.geometry.x, v.frame.geometry.y, columns(v, cols, escape=tuple(cols)), name,
                      marker=marker, style=style or {"fillColor": "colour"}, show=show,
                      tooltip=list(tooltip),
                      popup={"fields": list(fields), "aliases": [html.escape(a) for a in fields.values()],
                             "extra": [[html.escape(t("pop.clause", lang)), html.escape(str(clause))]],
                             "className": class_name, "maxWidth": max_width},
                      aggregate=aggregate)


#: the order villages are drawn in (later on top): failing ones last
_DRAW_ORDER = {"pass": 0, "not_applicable": 1, "unknown": 2, "warn": 3, "fail": 4}


def _add_r2_villages(m: folium.Map, v: gpd.GeoDataFrame, r2, r3: gpd.GeoDataFrame | None,
                     region, lang: str) -> None:
    limit = float(r2.figures.get("max_distance_m", 1500))
    minutes = r3.set_index("unit_id")["minutes_to_care"] if r3 is not None else pd.Series(dtype=float)
    town_names = region.townships.set_index("township_id")["name"]
    v = v.iloc[np.argsort([_DRAW_ORDER.get(s_, 0) for s_ in v["status"]], kind="stable")]
    table = Table(v)
    table["colour"] = [STATUS_COLOURS.get(s_, STATUS_COLOURS["unknown"]) for s_ in v["status"]]
    table["radius"] = [BAND_RADII[band(d, limit)] for d in v["clinic_distance_m"].astype(float)]
    fields = {
        "name": t("pop.village", lang),
        "township": t("pop.township", lang),
        "residents": t("pop.population", lang),
        "clinic": t("pop.nearest_clinic", lang),
        "road": t("pop.road_m", lang),
        "straight": t("pop.straight_m", lang),
        "minutes": t("pop.minutes", lang),
        "status_word": t("pop.status", lang),
        "reason": t("pop.reason", lang),
        "action": t("pop.action", lang),
    }
    table["township"] = v["township_id"].map(town_names).fillna("")
    table["residents"] = [people(p, lang) for p in v["population"]]
    table["clinic"] = v["nearest_clinic"].fillna(t("pop.none", lang))
    table["road"] = [_fmt_m(d, lang) for d in v["clinic_road_m"]]
    table["straight"] = [_fmt_m(d, lang) for d in v["clinic_straight_m"]]
    table["minutes"] = [_fmt_min(x, lang) for x in v["unit_id"].map(minutes).astype(float).tolist()]
    pairs = list(zip(v["status"].tolist(), v["coverage"].tolist()))
    words = {p: f"{status_word(p[0], lang)} · {pair_word(COVERAGE, p[1], lang)}" for p in set(pairs)}
    table["status_word"] = [words[p] for p in pairs]
    table["action"] = v["action"].replace("", t("pop.none", lang))
    many = len(v) > AGGREGATE_ABOVE
    aggregate = {"by": "township_id", "title": "township", "below": AGGREGATE_BELOW_ZOOM,
                 "tooltip": html.escape(t("map.aggregate_villages", lang)), "max_radius": 14,
                 "flag": ["colour", STATUS_COLOURS["fail"]]} if many else None
    _villages(table, fields, t("layer.villages_r2", lang), _village_dot(5, 0.95, "village-marker"),
              clause=r2.clause, lang=lang, style={"fillColor": "colour", "radius": "radius"},
              extra=("unit_id", "colour", "radius", *(("township_id",) if many else ())),
              class_name="village-popup", max_width=360, aggregate=aggregate).add_to(m)


def _add_r3_villages(m: folium.Map, v: gpd.GeoDataFrame, r3, lang: str) -> None:
    limit = float(r3.figures.get("max_minutes", 15))
    table = Table(v)
    table["colour"] = [band_colour(x, limit) for x in v["minutes_to_care"].astype(float)]
    fields = {"name": t("pop.village", lang), "kind_name": t("pop.kind", lang),
              "residents": t("pop.population", lang), "minutes": t("pop.minutes", lang),
              "status_word": t("pop.status", lang)}
    table["kind_name"] = [kind_name(k, lang) for k in v["kind"]]
    table["residents"] = [people(p, lang) for p in v["population"]]
    table["minutes"] = [_fmt_min(x, lang) for x in v["minutes_to_care"].astype(float)]
    table["status_word"] = [status_word(s_, lang) for s_ in v["status"]]
    _villages(table, fields, t("layer.villages_r3", lang), _village_dot(4, 0.9, "village-minutes"),
              clause=r3.clause, lang=lang, extra=("colour",), show=False).add_to(m)


def _add_facilities(m: folium.Map, fac: gpd.GeoDataFrame, lang: str) -> None:
    """Facilities by kind, as round icons (CSS classes ``facility-icon facility-<kind>``),
    drawn in the order of :data:`FACILITY_ICONS` (village clinics last, on top)."""
    fac = fac[fac["kind"].isin(list(FACILITY_ICONS))]
    if not len(fac):
        return
    order = {k: i for i, k in enumerate(FACILITY_ICONS)}
    fac = fac.iloc[np.argsort([order[k] for k in fac["kind"]], kind="stable")]
    fields = {"name": t("pop.facility", lang), "kind_name": t("pop.kind", lang),
              "level_text": t("pop.level", lang)}
    level = fac["level"] if "level" in fac else pd.Series(None, index=fac.index)
    kinds = fac["kind"].tolist()
    table = Table(fac)
    table.update(kind_name=[kind_name(k, lang) for k in kinds],
                 level_text=level.astype(object).where(level.notna(), t("pop.none", lang)),
                 icon_html=[icon_html(k, lang) for k in kinds],
                 icon_class=[f"facility-icon facility-{k}" for k in kinds],
                 icon_size=[FACILITY_ICONS[k][2] for k in kinds])
    many = fac["kind"].isin(AGGREGATED_KINDS).sum() > AGGREGATE_ABOVE and "township_id" in fac
    aggregate = {"by": "township_id", "split": "kind", "only": list(AGGREGATED_KINDS),
                 "only_by": "kind", "title": "kind_name", "below": AGGREGATE_BELOW_ZOOM,
                 "tooltip": html.escape(t("map.aggregate_facilities", lang))} if many else None
    PointLayer(fac.geometry.x, fac.geometry.y,
               columns(table, [*fields, "icon_html", "icon_class", "icon_size",
                               *(("township_id", "kind") if many else ())],
                       escape=tuple(fields)),
               t("layer.facilities", lang), icon={},
               style={"html": "icon_html", "className": "icon_class", "iconSize": "icon_size"},
               tooltip=["name", "kind_name"],
               popup={"fields": list(fields), "aliases": [html.escape(a) for a in fields.values()]},
               aggregate=aggregate).add_to(m)


#: the R3 reach image's colours (RGBA): ``"reach"`` rasters (1 covered, 2 not covered) and
#: ``"bands"`` rasters (band + 1, :data:`BAND_RAMP`), and how the gap layer shows
_REACH_RGBA = {"covered": (0x1e, 0x88, 0xe5, 70), "uncovered": (0xe5, 0x39, 0x35, 70)}


def _hex_rgba(colour: str, alpha: int) -> tuple[int, int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)) + (alpha,)


def _add_reach(m: folium.Map, reach: Raster, r3, lang: str, coords: str,
               estimate: bool = False) -> None:
    """R3's reach (shown) and gap (hidden) as two image overlays: from a travel-time
    surface, the reach is its minute bands (:data:`BAND_RAMP`, the legend's ramp) and the gap
    the cells beyond the limit; else the reach and gap polygons burnt into cells."""
    mode = pair_word(MODES, r3.figures.get("mode", "walk"), lang)
    minutes = float(r3.figures.get("max_minutes", 15))
    codes, bounds = raster_to_display(reach.codes, reach.transform, reach.crs, coords)
    if reach.kind == "bands":
        reach_rgba = [(0, 0, 0, 0)] + [_hex_rgba(c, 90) for c in BAND_RAMP]
        gap_rgba = [(0, 0, 0, 0)] * 3 + [_REACH_RGBA["uncovered"]] * 2   # beyond the limit
    else:
        reach_rgba = [(0, 0, 0, 0), _REACH_RGBA["covered"], (0, 0, 0, 0)]
        gap_rgba = [(0, 0, 0, 0), (0, 0, 0, 0), _REACH_RGBA["uncovered"]]
    for key, rgba, show in (("covered", reach_rgba, True), ("uncovered", gap_rgba, False)):
        name = t(f"layer.{key}", lang, minutes=minutes, mode=mode)
        if estimate:
            name += f" ({STRAIGHT_LABEL})"
        ImageLayer(codes, rgba, bounds, name, show=show, class_name=f"reach-{key}").add_to(m)


def _add_candidates(m: folium.Map, c: gpd.GeoDataFrame, r4, lang: str) -> None:
    group = folium.FeatureGroup(name=t("layer.r4", lang))
    for r in c.itertuples():
        popup = f"<b>{html.escape(str(r.name))}</b>" + _popup_table([
            (t("pop.rank", lang), r.rank), (t("pop.newly_within", lang), f"{r.newly_within:,.0f}"),
            (t("pop.reason", lang), r.reason), (t("pop.clause", lang), r4.clause)])
        folium.Marker([r.geometry.y, r.geometry.x], popup=folium.Popup(popup, max_width=320),
                      tooltip=str(r.name),
                      icon=folium.DivIcon(html="<div style='font:28px sans-serif;color:#ff6f00;"
                                               "text-shadow:0 0 3px #fff'>★</div>",
                                          icon_size=(28, 28), icon_anchor=(14, 18))).add_to(group)
    group.add_to(m)


_GROUP_COLOURS = ("#5e35b1", "#00897b", "#f4511e", "#3949ab", "#7cb342", "#c0ca33", "#8d6e63")


def _add_groups(m: folium.Map, groups: gpd.GeoDataFrame, lang: str) -> None:
    g, table = groups, Table(groups)
    table["colour"] = [_GROUP_COLOURS[i % len(_GROUP_COLOURS)] for i in range(len(g))]
    table["popup"] = [f"<b>{html.escape(str(r.group_id))}</b>" + _popup_table([
        (t("pop.lead", lang), r.lead or t("pop.none", lang)), (t("pop.members", lang), r.members),
        (t("pop.status", lang), status_word(r.status, lang)), (t("pop.reason", lang), r.reason)])
        for r in g.itertuples()]
    ShapeLayer(g.geometry.values, columns(table, ["group_id", "colour", "popup"]), t("layer.groups", lang),
               style={"weight": 3, "dashArray": "6 4", "fill": False}, columns={"color": "colour"},
               popup="popup", show=False).add_to(m)


def _add_r8(m: folium.Map, d: dict, r8, lang: str) -> None:
    target = float(r8.figures.get("target_gps_per_10000", 4.0))
    mode = pair_word(MODES, r8.figures.get("mode", "ebike"), lang)
    minutes = float(r8.figures.get("minutes", 30))
    towns = d["r8_towns"]
    table = Table(towns)
    table["colour"] = [r8_colour(v, target) for v in towns["gps_per_10000"].astype(float)]
    table["popup"] = [
        f"<b>{html.escape(str(r.name))}</b>" + _popup_table([
            (t("pop.population", lang), f"{(r.population or 0):,.0f}"),
            (t("pop.r8_within", lang, minutes=f"{minutes:g}", mode=mode),
             _fmt_rate(r.gps_per_10000, lang)),
            (t("pop.r8_plain", lang), _fmt_rate(r.gps_per_10000_plain, lang)),
            (t("pop.r8_below", lang), f"{r.residents_below:,.0f}"),
            (t("pop.r8_needed", lang), f"{r.gps_needed:,}"),
            (t("pop.status", lang), status_word(r.status, lang)),
            (t("pop.clause", lang), r8.clause)])
        for r in towns[["name", "population", "gps_per_10000", "gps_per_10000_plain",
                        "residents_below", "gps_needed", "status"]].itertuples()]
    table["label"] = [f"{n} · {_fmt_rate(v, lang)}" for n, v in zip(towns["name"], towns["gps_per_10000"])]
    ShapeLayer(towns.geometry.values, columns(table, ["township_id", "colour", "label", "popup"],
                                              escape=("label",)),
               t("layer.r8_towns", lang), style={"color": "#616161", "weight": 1, "fillOpacity": 0.65},
               columns={"fillColor": "colour"}, highlight={"weight": 3}, tooltip=["label"],
               popup="popup", show=False).add_to(m)
    v = d["r8_villages"]
    vt = Table(v)
    vt["colour"] = [r8_colour(x, target) for x in v["gps_per_10000"].astype(float)]
    fields = {"name": t("pop.village", lang), "residents": t("pop.population", lang),
              "gps": t("pop.r8_within", lang, minutes=f"{minutes:g}", mode=mode),
              "nurses": t("pop.r8_nurses", lang), "vdocs": t("pop.r8_vdocs", lang),
              "status_word": t("pop.status", lang), "reason": t("pop.reason", lang)}
    vt["residents"] = [f"{p:,.0f}" if np.isfinite(p) else t("pop.none", lang)
                      for p in v["population"].astype(float)]
    vt["gps"] = [_fmt_rate(x, lang) for x in v["gps_per_10000"].astype(float)]
    vt["nurses"] = [_fmt_rate(x, lang) for x in v["nurses_per_1000"].astype(float)]
    vt["vdocs"] = [_fmt_rate(x, lang) for x in v["village_doctors_per_1000"].astype(float)]
    vt["status_word"] = [status_word(s_, lang) + (" · " + t("pop.r8_border", lang) if b else "")
                        for s_, b in zip(v["status"], v["near_border"])]
    _villages(vt, fields, t("layer.r8_villages", lang), _village_dot(4, 0.95, "r8-village"),
              clause=r8.clause, lang=lang, tooltip=("name", "gps"), extra=("colour",), show=False,
              max_width=360).add_to(m)


def _fmt_rate(value, lang: str) -> str:
    return t("pop.none", lang) if value is None or not np.isfinite(value) else f"{value:.2f}"


# --------------------------------------------------------------------------- scenarios


def _add_scenario(m: folium.Map, layers: dict[str, gpd.GeoDataFrame], lang: str) -> None:
    rings = (("newly_covered", "#00c853", "layer.sc_newly_covered"),
             ("newly_uncovered", "#d50000", "layer.sc_newly_uncovered"))
    for key, colour, label in rings:
        if key not in layers:
            continue
        g = layers[key].copy()
        g["residents"] = [people(p, lang) for p in g["population"]]
        fields = {"name": t("pop.village", lang), "residents": t("pop.population", lang),
                  "rules": t("pop.rule", lang)}
        folium.GeoJson(
            _geojson(g, list(fields)), name=t(label, lang),
            marker=folium.CircleMarker(radius=11, weight=3, color=colour, fill=False,
                                       class_name=key.replace("_", "-")),
            style_function=lambda f, c=colour: {"color": c, "weight": 3, "fill": False},
            tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(fields.values())),
        ).add_to(m)
    group = folium.FeatureGroup(name=t("layer.sc_sites", lang))
    for r in layers.get("proposed", gpd.GeoDataFrame()).itertuples():
        folium.Marker([r.geometry.y, r.geometry.x],
                      tooltip=html.escape(f"{r.name}（{kind_name(r.kind, lang)}）" if lang == "zh"
                                          else f"{r.name} ({kind_name(r.kind, lang)})"),
                      icon=folium.DivIcon(html=ring_html(icon_html(r.kind, lang), "#ffab00"),
                                          icon_size=(30, 30), icon_anchor=(15, 15),
                                          class_name="proposed-site")).add_to(group)
    for r in layers.get("closed", gpd.GeoDataFrame()).itertuples():
        folium.Marker([r.geometry.y, r.geometry.x],
                      tooltip=html.escape(t("pop.closed", lang, name=r.name)),
                      icon=folium.DivIcon(html="<div style='font:bold 20px sans-serif;color:#424242;"
                                               "text-shadow:0 0 3px #fff'>✕</div>",
                                          icon_size=(20, 20), icon_anchor=(7, 12),
                                          class_name="closed-site")).add_to(group)
    for r in layers.get("suggested", gpd.GeoDataFrame()).itertuples():
        folium.Marker([r.geometry.y, r.geometry.x],
                      tooltip=html.escape(t("pop.suggested", lang, rank=r.rank, name=r.name,
                                            n=f"{r.newly_covered:,.0f}")),
                      icon=folium.DivIcon(html=f"<div style='{ICON_CSS.format(font=11, size=20, colour='#ff6f00', border=2)}'>"
                                               f"{int(r.rank)}</div>",
                                          icon_size=(20, 20), icon_anchor=(10, 10),
                                          class_name="suggested-site")).add_to(group)
    for r in layers.get("selected", gpd.GeoDataFrame()).itertuples():
        folium.CircleMarker([r.geometry.y, r.geometry.x], radius=17, weight=3, color="#2962ff",
                            dash_array="5 4", fill=False, interactive=False,
                            class_name="selected-facility").add_to(group)
    group.add_to(m)


# --------------------------------------------------------------------------- uploads


#: how the upload preview draws each layer: (colour, symbol): outlines, dots, squares
PREVIEW_STYLES: dict[str, tuple[str, str]] = {"townships": ("#455a64", "outline"),
                                             "villages": ("#2e7d32", "dot"),
                                             "facilities": ("#6a1b9a", "square")}
_SQUARE = ("<div style='width:8px;height:8px;background:{c};border:1.5px solid #fff;"
           "box-shadow:0 0 2px rgba(0,0,0,.7);box-sizing:content-box'></div>")


def preview_map(layers: dict[str, gpd.GeoDataFrame], lang: str = "zh") -> folium.Map:
    """Uploaded layers before any assessment: townships as outlines, villages as green
    dots (CSS class ``preview-village``), facilities as purple squares
    (``preview-facility``); rows without a position are left off the map (the upload
    page lists them as problems). No marker uses Leaflet's default pin image.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        ``townships``, ``villages``, ``facilities`` as :func:`planning.inputs.read_layer`
        returns them (any may be missing), any CRS.
    """
    present = {}
    for k, g in layers.items():
        if g is None or not len(g):
            continue
        g = g[g.geometry.notna() & ~g.geometry.is_empty]
        if len(g):
            present[k] = g.to_crs(WGS84)
    if not present:
        return new_map([[39.0, 117.0], [40.0, 118.0]])
    x0, y0, x1, y1 = np.array([g.total_bounds for g in present.values()]).T
    m = new_map([[float(y0.min()), float(x0.min())], [float(y1.max()), float(x1.max())]])
    legend = []
    for name, g in present.items():
        g = g[["name", "geometry"]].copy()
        g["name"] = g["name"].astype(str)
        colour, symbol = PREVIEW_STYLES.get(name, ("#1565c0", "dot"))
        points = g.geom_type.isin(["Point", "MultiPoint"]).all()
        if points and symbol == "square":
            marker = folium.Marker(icon=folium.DivIcon(html=_SQUARE.format(c=colour), icon_size=(11, 11),
                                                       icon_anchor=(5, 5), class_name="preview-facility"))
        elif points:
            marker = folium.CircleMarker(radius=3.5, weight=1, color="#ffffff", fill=True, fill_color=colour,
                                         fill_opacity=0.95, class_name=f"preview-{name.rstrip('s')}")
            marker.options["pane"] = VILLAGE_PANE
        else:
            marker = None
        label = t(f"up.{name}", lang)
        style = ({"color": "#ffffff", "weight": 1, "fillColor": colour, "fillOpacity": 0.95} if points
                 else {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.05})
        folium.GeoJson(_geojson(g, ["name"]), name=label, marker=marker,
                       style_function=lambda f, st=style: st,
                       tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(m)
        legend.append(f"<div style='display:flex;align-items:center;gap:6px'>"
                      f"{_SQUARE.format(c=colour) if points and symbol == 'square' else ''}"
                      f"{_preview_swatch(colour, points) if not (points and symbol == 'square') else ''}"
                      f"{html.escape(label)}</div>")
    Legend("".join(legend), open_=True, title=t("legend.title", lang)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return use_local_assets(m)


def _preview_swatch(colour: str, dot: bool) -> str:
    shape = "border-radius:50%;width:8px;height:8px" if dot else "width:12px;height:8px"
    fill = colour if dot else "transparent"
    return (f"<span style='display:inline-block;{shape};background:{fill};"
            f"border:1.5px solid {colour}'></span>")
