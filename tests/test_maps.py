"""Display layers and tables of the maps module on hand-made regions.

- A 15-minute reach polygon that is a bow-tie (self-intersecting, as
  ``simplify(..., preserve_topology=False)`` can make one) used to crash
  ``shapely.set_precision`` with "TopologyException: side location conflict": display
  geometry is now made valid first.
- A village outside every township: the township rows of the scorecard gain a row for
  it, so they add up to the district row.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely

import handmade as hm
from planning.outputs import layers, maps
from planning.travel.access import STRAIGHT_LABEL
from planning.rules.assess import assess
from planning.rules.rulebook import load_rulebook

RB = load_rulebook()


def small_region(outside: bool = False, roads: bool = True):
    towns = hm.townships([
        {"township_id": "120115101", "name": "甲镇", "kind": "township", "district": "宝坻区",
         "geometry": hm.box(-2000, -2000, 2000, 2000)},
        {"township_id": "120115102", "name": "乙镇", "kind": "township", "district": "宝坻区",
         "geometry": hm.box(2000, -2000, 6000, 2000)}])
    rows = [
        {"village_id": "120115101201", "name": "近村", "township_id": "120115101", "population": 100, "x": 0},
        {"village_id": "120115101202", "name": "中村", "township_id": "120115101", "population": 200, "x": 1200},
        {"village_id": "120115102201", "name": "远村", "township_id": "120115102", "population": 300, "x": 5000},
    ]
    if outside:  # beyond the east border of 乙镇, 7 km from the clinic
        rows.append({"village_id": "120115102202", "name": "外村", "township_id": None,
                     "population": 400, "x": 7000})
    facs = hm.facilities([
        {"facility_id": "C1", "name": "近村卫生室", "kind": "village_clinic", "x": 0},
        {"facility_id": "T1", "name": "甲镇卫生院", "kind": "township_health_centre", "x": 500},
    ])
    r = hm.region(towns, hm.villages(rows), facs)
    if not roads:
        r.networks.clear()
    return r


def test_an_invalid_reach_polygon_is_drawn_not_a_crash():
    a = assess(small_region(), RB)
    bow = shapely.Polygon([(hm.X0, hm.Y0), (hm.X0 + 1000, hm.Y0 + 1000), (hm.X0 + 1000, hm.Y0),
                           (hm.X0, hm.Y0 + 1000), (hm.X0, hm.Y0)])
    assert not bow.is_valid
    with pytest.raises(shapely.errors.GEOSException):  # what crashed the app
        shapely.set_precision(bow, 1e-6)
    covered = a.results["R3"].layers["R3_covered"]
    a.results["R3"].layers["R3_covered"] = covered.assign(geometry=[bow])
    d = maps.display_layers(a)
    assert d[maps.FAILED] == {}
    reach = d["reach"]
    assert reach.kind == "reach"
    # burnt into cells (centre inside, even-odd): the two triangles of the bow-tie, half
    # the square's 1,000,000 m²
    cell_area = abs(reach.transform.a * reach.transform.e)
    assert reach.counts()[1] * cell_area == pytest.approx(500_000, rel=0.05)
    maps.build_map(a, display=d)  # and the map is built from it


def test_a_layer_that_cannot_be_drawn_leaves_the_others(monkeypatch):
    a = assess(small_region(), RB)

    def broken(*args, **kwargs):  # the R3 reach only
        raise shapely.errors.GEOSException("side location conflict")

    monkeypatch.setattr(layers, "reach_raster", broken)
    d = maps.display_layers(a)
    assert set(d[maps.FAILED]) == {"reach"}
    assert {"r2", "r3", "facilities", "township_status"} <= set(d)
    assert "reach" not in d
    maps.build_map(a, "en", display=d)


def test_township_rows_add_up_to_the_district_row_with_a_village_outside():
    a = assess(small_region(outside=True), RB)
    towns = maps.township_status(a)
    assert list(towns["township_id"]) == ["120115101", "120115102", maps.OUTSIDE]
    out = towns.set_index("township_id").loc[maps.OUTSIDE]
    # 外村 is a village committee 7 km from the clinic: an R2 gap, counted on its own row
    assert (out["r2_gaps"], out["r2_units"], out["district"]) == (1, 1, "宝坻区")
    assert out["population"] == 400 and out["r1"] == "not_applicable"
    breakdown = maps.district_breakdown(a).set_index(["district", "rule"])
    r2 = breakdown.loc[("宝坻区", "R2")]
    assert (towns["r2_gaps"].sum(), towns["r2_units"].sum()) == (r2["failed"], r2["units"]) == (2, 4)
    r3 = breakdown.loc[("宝坻区", "R3")]
    assert r3["units"] == 4  # every village, the one outside included
    # R4's district counts 外村 too: its residents add up to the region's 1,000
    assert a.results["R4"].units["district_population"].iloc[0] == 1000 == a.region.summary()["population"]
    # the map draws only the real townships
    assert maps.OUTSIDE not in set(maps.display_layers(a)["township_status"]["township_id"])


def test_the_map_of_a_straight_line_run_says_so():
    a = assess(small_region(roads=False), RB)
    html = maps.build_map(a, "en").get_root().render()
    assert STRAIGHT_LABEL in html and "straight distance × 1.3" in html
    html_zh = maps.build_map(a, "zh").get_root().render()
    assert "直线距离 × 1.3" in html_zh
    road = maps.build_map(assess(small_region(), RB), "en").get_root().render()
    assert STRAIGHT_LABEL not in road


# --------------------------------------------------------------- one colour language (#17)


def _layer(m, name: str):
    """The GeoJson or point layer of map ``m`` called ``name`` (its data as drawn)."""
    import folium

    from planning.outputs.map_elements import PointLayer, ShapeLayer

    return next(c for c in maps._walk(m) if isinstance(c, (folium.GeoJson, PointLayer, ShapeLayer))
                and c.layer_name == name)


def test_one_status_is_one_colour_on_map_legend_report_and_tables():
    from planning.outputs import map_legend
    from planning.outputs.report import blocks, figures
    from planning.words import STATUS_BACKGROUNDS, STATUS_COLOURS, status_word, t

    assert set(STATUS_COLOURS) == set(STATUS_BACKGROUNDS) == set(blocks.STATUS_COLOURS)
    for s, colour in STATUS_COLOURS.items():  # the report's text and cell colours
        assert blocks.STATUS_COLOURS[s] == (colour, STATUS_BACKGROUNDS[s])
    assert (figures._PASS, figures._WARN, figures._FAIL) == tuple(
        STATUS_COLOURS[s] for s in ("pass", "warn", "fail"))
    assert len(set(STATUS_COLOURS.values())) == 5  # five statuses, five colours

    a = assess(small_region(), RB)
    m = maps.build_map(a, "en")
    html = m.get_root().render()
    for s in ("pass", "warn", "fail", "unknown", "not_applicable"):  # the legend, once each
        assert f"background:{STATUS_COLOURS[s]};border:1px solid #fff;box-shadow:0 0 1px #000'>" \
               f"</span>{status_word(s, 'en')}</div>" in html
    # villages: the fill is the R2 status, the size the distance band
    villages = {f["properties"]["name"]: f["properties"] for f in
                _layer(m, t("layer.villages_r2", "en")).data["features"]}
    r2 = a.results["R2"].units.set_index("name")
    assert r2.loc["远村", "status"] == "fail" and r2.loc["近村", "status"] == "pass"
    for name, p in villages.items():
        assert p["colour"] == STATUS_COLOURS[r2.loc[name, "status"]]
    assert villages["远村"]["radius"] == map_legend.BAND_RADII[3]  # 5 km: beyond 2.5 km
    assert villages["近村"]["radius"] == map_legend.BAND_RADII[0]  # at the clinic
    # failing villages are drawn last (on top of the others)
    order = [f["properties"]["name"] for f in _layer(m, t("layer.villages_r2", "en")).data["features"]]
    assert order[-1] == "远村"
    # townships: the fill is the overall status
    towns = maps.township_status(a).set_index("township_id")["overall"]
    layer = _layer(m, t("layer.townships", "en"))
    assert layer.spec["columns"] == {"color": "colour", "fillColor": "colour"}
    for f in layer.data["features"]:
        assert f["properties"]["colour"] == STATUS_COLOURS[towns[f["properties"]["township_id"]]]


def test_bands_are_one_ramp_of_one_hue_never_a_status_colour():
    import colorsys

    from planning.outputs.map_legend import BAND_RADII, BAND_RAMP, band, band_colour
    from planning.words import STATUS_COLOURS

    assert [band(d, 1500) for d in (0, 1000, 1001, 1500, 1501, 2500, 2501, float("nan"), None,
                                    float("inf"))] == [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    assert [band(m, 15) for m in (10, 15, 25, 26)] == [0, 1, 2, 3]
    assert band_colour(26, 15) == BAND_RAMP[3] and band_colour(None, 15) == BAND_RAMP[3]
    assert not set(BAND_RAMP) & set(STATUS_COLOURS.values())
    hues, lightness = [], []
    for c in BAND_RAMP:
        r, g, b = (int(c[i:i + 2], 16) / 255 for i in (1, 3, 5))
        h, lum, _ = colorsys.rgb_to_hls(r, g, b)
        hues.append(h * 360)
        lightness.append(lum)
    assert all(195 <= h <= 225 for h in hues), hues  # blue, nowhere near red or orange
    assert lightness == sorted(lightness, reverse=True)  # light near, dark far
    assert list(BAND_RADII) == sorted(BAND_RADII)


def test_r8_shares_are_the_blue_ramp_darker_for_worse_reach_never_a_status_colour():
    """R8 informs, it does not fail: its GP density bins are shades of the bands' blue
    (darker: fewer GPs within reach), the reference the edge between the third and
    fourth shade, and unknown figures the 'cannot be checked' colour."""
    import colorsys

    from planning.words import R8_BINS, STATUS_COLOURS, r8_colour

    colours = [c for _, c in R8_BINS]
    assert not set(colours) & set(STATUS_COLOURS.values())
    hls = [colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5))) for c in colours]
    assert all(195 <= h * 360 <= 225 for h, _, _ in hls), hls
    assert [lum for _, lum, _ in hls] == sorted(lum for _, lum, _ in hls)  # dark: few GPs
    target = 2.0
    assert [r8_colour(v, target) for v in (0.5, 1.0, 1.9, 2.0, 2.9, 3.0, 9.0)] == \
        [colours[0], colours[1], colours[2], colours[3], colours[3], colours[4], colours[4]]
    assert r8_colour(None, target) == r8_colour(float("nan"), target) == STATUS_COLOURS["unknown"]


def test_villages_lie_above_the_facility_icons_and_the_english_map_has_english_symbols():
    from test_words import chinese_in

    from planning.outputs.map_legend import FACILITY_ICONS, FACILITY_SYMBOLS_EN
    from planning.words import t

    a = assess(small_region(), RB)
    m = maps.build_map(a, "en")
    html = m.get_root().render()
    assert f'createPane(\n                "{maps.VILLAGE_PANE}")' in html or \
        f'createPane("{maps.VILLAGE_PANE}")' in html.replace("\n", "").replace(" ", "")
    assert f".style.zIndex = {maps.VILLAGE_PANE_Z};" in html and maps.VILLAGE_PANE_Z > 600
    assert _layer(m, t("layer.villages_r2", "en")).marker["pane"] == maps.VILLAGE_PANE
    # the symbols: 卫 on a Chinese map, TC on an English one; no Chinese outside names
    assert ">卫</div>" in maps.build_map(a, "zh").get_root().render()
    assert ">卫</div>" not in html and f">{FACILITY_SYMBOLS_EN['township_health_centre']}</div>" in html
    assert set(FACILITY_SYMBOLS_EN) == set(FACILITY_ICONS)
    names = re.compile("|".join(sorted(
        {*a.region.townships["name"], *a.region.villages["name"], *a.region.facilities["name"],
         *a.region.townships["district"]}, key=len, reverse=True)))
    assert chinese_in(html, names) is None, chinese_in(html, names)
    # legend and layer control folded
    assert "<details >" in html.replace("\n", " ") or "<details  >" in html
    assert '"collapsed": true' in html


# --------------------------------------------------------------- GCJ-02 basemaps (#17)


def test_on_a_gcj02_basemap_every_overlay_is_shifted_and_clicks_come_back():
    import eviltransform
    import numpy as np

    from planning.words import t

    a = assess(small_region(), RB)
    d = maps.display_layers(a)
    shifted = maps.to_display(d, "gcj02")
    assert maps.to_display(d, "wgs84") is d and maps.basemap_coords("amap") == "gcj02"
    assert maps.basemap_coords("tencent") == "gcj02" and maps.basemap_coords("tianditu") == "wgs84"
    for key, layer in d.items():
        if not isinstance(layer, gpd.GeoDataFrame) or not len(layer):
            continue
        for before, after in zip(layer.geometry, shifted[key].geometry):
            x0, y0 = shapely.get_coordinates(before)[0]
            x1, y1 = shapely.get_coordinates(after)[0]
            lat, lon = eviltransform.wgs2gcj(y0, x0)  # an independent implementation
            assert (x1, y1) == pytest.approx((lon, lat), abs=1e-6), key
            assert 100 < np.hypot((x1 - x0) * 85_000, (y1 - y0) * 111_000) < 1000, key  # metres
            back = maps.click_to_wgs84(x1, y1, "gcj02")
            assert back == pytest.approx((x0, y0), abs=1e-6 / 111)  # a few cm
    m = maps.build_map(a, "en", coords="gcj02", display=d)
    near = next(f for f in _layer(m, t("layer.villages_r2", "en")).data["features"]
                if f["properties"]["name"] == "近村")
    v = a.region.villages.to_crs(4326).set_index("name").geometry["近村"]
    lat, lon = eviltransform.wgs2gcj(v.y, v.x)
    assert near["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-5)  # 5 decimals: ~1 m
    assert maps.click_to_wgs84(116.5, 39.5) == (116.5, 39.5)


def test_gcj02_basemaps_are_offered_and_a_tile_mirror_replaces_the_address(monkeypatch):
    layer, note = maps.basemap("amap", "en")
    assert layer is not None and "converted to GCJ-02" in note and "autonavi" in layer.tiles
    monkeypatch.setenv("PLANNING_TILES_AMAP", "http://127.0.0.1:9/{z}/{x}/{y}.png")
    layer, _ = maps.basemap("amap", "en")
    assert layer.tiles == "http://127.0.0.1:9/{z}/{x}/{y}.png"
    assert maps.basemap("none") == (None, None)


def test_preview_draws_villages_and_facilities_as_different_symbols_and_no_default_pin():
    import folium

    r = small_region()
    villages = r.villages.copy()
    villages.loc[villages.index[0], "geometry"] = None  # a row without a position
    m = maps.preview_map({"townships": r.townships, "villages": villages, "facilities": r.facilities}, "en")
    html = m.get_root().render()
    layers = {c.layer_name: c for c in maps._walk(m) if isinstance(c, folium.GeoJson)}
    assert isinstance(layers["Villages"].marker, folium.CircleMarker)
    assert layers["Villages"].marker.options["className"] == "preview-village"
    assert len(layers["Villages"].data["features"]) == len(villages) - 1
    assert "preview-facility" in html and isinstance(layers["Facilities"].marker.icon, folium.DivIcon)
    assert layers["Townships"].marker is None
    dot = layers["Villages"].style_function({"properties": {}})
    assert dot["fillOpacity"] > 0.9 and dot["fillColor"] == maps.PREVIEW_STYLES["villages"][0]  # filled
    # Leaflet's default icon images come from the app's folder, with its "/"
    assert 'L.Icon.Default.prototype.options.imagePath = "/app/static/vendor/leaflet/images/"' in html


def test_failing_units_list_villages_then_townships_where_the_map_draws_them():
    import eviltransform

    a = assess(small_region(), RB)
    d = maps.display_layers(a)
    units = maps.failing_units(d, "en")
    r2 = a.results["R2"].units
    r3 = a.results["R3"].units
    failing = set(r2.loc[r2["status"] == "fail", "unit_id"]) | set(r3.loc[r3["status"] == "fail", "unit_id"])
    villages = units[units["key"].str.startswith("village:")]
    assert set(villages["key"].str[8:]) == set(map(str, failing)) and "village:120115102201" in set(units["key"])
    far = units.set_index("key").loc["village:120115102201"]
    assert far["label"].startswith("远村 (乙镇) · R2")
    v = d["r2"].set_index("unit_id").geometry["120115102201"]
    assert (far["lat"], far["lon"]) == pytest.approx((v.y, v.x))
    gcj = maps.failing_units(d, "zh", "gcj02").set_index("key").loc["village:120115102201"]
    assert (gcj["lat"], gcj["lon"]) == pytest.approx(eviltransform.wgs2gcj(v.y, v.x), abs=1e-6)
    assert gcj["label"].startswith("远村（乙镇） · R2")
    towns = maps.township_status(a)
    assert list(units.loc[units["key"].str.startswith("township:"), "key"]) == \
        [f"township:{i}" for i in towns.sort_values("name").loc[lambda f: f["overall"] == "fail", "township_id"]]


def test_a_map_drawn_anew_starts_where_the_planner_left_it():
    from ui.widgets import _start_at, map_view

    a = assess(small_region(), RB)
    script = maps.build_map(a, "en").get_root().render()
    assert ".fitBounds(" in script
    moved = _start_at(script, {"center": [39.7, 117.3], "zoom": 14})
    assert ".fitBounds(" not in moved and ".setView([39.7, 117.3], 14, {animate: false});" in moved
    assert _start_at(script, None) == script
    assert map_view({"center": {"lat": 39.7, "lng": 117.3}, "zoom": 14}) == {"center": [39.7, 117.3], "zoom": 14}
    assert map_view({"last_clicked": None}) is None
    # a scenario map sends its view with each click (widgets._VIEW_WITH_VALUE)
    assert map_view({"last_clicked": {"lat": 1, "lng": 2}, "view": {"center": {"lat": 39.7, "lng": 117.3}, "zoom": 14}}) \
        == {"center": [39.7, 117.3], "zoom": 14}


# --------------------------------------------------------------- maps sized by what the eye sees (#16)


def _pixel(bounds, shape, lon, lat):
    """The (row, col) of an image over ``bounds`` (Leaflet: linear in Web Mercator) that
    holds lon/lat, by pyproj's Web Mercator (an independent computation)."""
    import pyproj

    merc = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    (x_w, x_e), (y_s, y_n) = merc.transform([bounds[0][1], bounds[1][1]], [bounds[0][0], bounds[1][0]])
    x, y = merc.transform(lon, lat)
    return int((y_n - y) / (y_n - y_s) * shape[0]), int((x - x_w) / (x_e - x_w) * shape[1])


def test_an_image_layer_sits_where_its_cells_are_on_wgs84_and_gcj02_basemaps():
    import affine
    import eviltransform
    import numpy as np
    import pyproj

    from planning.outputs.map_frame import raster_to_display

    codes = np.zeros((60, 60), np.uint8)
    codes[20:23, 30:33] = 1                          # a 300 m block, 100 m cells
    transform = affine.Affine(100.0, 0, hm.X0, 0, -100.0, hm.Y0 + 6000)
    cx, cy = hm.X0 + 3150, hm.Y0 + 6000 - 2150        # the block's centre, metres
    lon, lat = pyproj.Transformer.from_crs(hm.CRS, 4326, always_xy=True).transform(cx, cy)
    img, bounds = raster_to_display(codes, transform, hm.CRS, "wgs84")
    assert img[_pixel(bounds, img.shape, lon, lat)] == 1
    assert (img == 1).sum() == pytest.approx(9, abs=4)   # the same area, resampled
    gimg, gbounds = raster_to_display(codes, transform, hm.CRS, "gcj02")
    glat, glon = eviltransform.wgs2gcj(lat, lon)
    assert gimg[_pixel(gbounds, gimg.shape, glon, glat)] == 1     # shifted with the basemap
    assert gimg[_pixel(gbounds, gimg.shape, lon, lat)] == 0       # not where WGS84 puts it


def test_a_travel_time_surface_is_drawn_as_one_image_of_minute_bands():
    from io import BytesIO

    import numpy as np
    import pyproj
    from PIL import Image

    from planning.outputs.map_elements import ImageLayer
    from planning.outputs.map_legend import BAND_RAMP, band
    from planning.rules import r3_health_circle
    from planning.travel import surface as sf
    from planning.travel.access import access_for
    from planning.words import t

    # the bands by hand: limit 15 min -> ≤10, ≤15, ≤25, beyond (or no value); outside: nothing
    grid = sf.Grid(hm.CRS, hm.X0, hm.Y0, 100.0, (1, 8))
    minutes = np.array([[5, 10, 12, 15, 20, 26, np.nan, np.nan]], np.float32)
    state = np.array([[0, 0, 0, 0, 0, 0, sf.OFF_NETWORK, sf.OUTSIDE]], np.uint8)
    s = sf.Surface(grid, minutes, np.zeros((1, 8), np.int32), state, 60.0, "walk")
    bands = layers.surface_raster(s, 15.0)
    assert bands.codes.tolist() == [[1, 1, 2, 2, 3, 4, 4, 0]]
    assert [band(m, 15) + 1 for m in (5, 10, 12, 15, 20, 26, None)] == bands.codes[0, :7].tolist()

    # the small region's surface on its map: the clinic's own cell is in the nearest band
    region = small_region()
    access = access_for(region)
    a = assess(region, RB, access)
    surface = r3_health_circle.surface(region, RB, access)
    d = maps.display_layers(a, surface=surface)
    assert d["reach"].kind == "bands"
    m = maps.build_map(a, "en", display=d)
    images = {c.layer_name: c for c in maps._walk(m) if isinstance(c, ImageLayer)}
    r3 = a.results["R3"]
    name = t("layer.covered", "en", minutes=15.0, mode="Walking")
    assert set(images) == {name, t("layer.uncovered", "en", minutes=15.0, mode="Walking")}
    reach = images[name]
    png = np.array(Image.open(BytesIO(reach.png)).convert("RGBA"))   # what the browser shows
    assert png.shape == reach.codes.shape + (4,)
    clinic = a.region.facilities.set_index("facility_id").geometry["C1"]
    lon, lat = pyproj.Transformer.from_crs(hm.CRS, 4326, always_xy=True).transform(clinic.x, clinic.y)
    colour = tuple(png[_pixel(reach.bounds, png.shape, lon, lat)])
    assert colour[:3] == tuple(int(BAND_RAMP[0][i:i + 2], 16) for i in (1, 3, 5)) and colour[3] > 0
    assert r3.figures["max_minutes"] == 15


def test_the_map_writes_each_village_once_in_columns_and_text_as_text():
    region = small_region()
    region.villages.loc[region.villages["name"] == "中村", "name"] = "{{ 7 * 7 }}村"
    a = assess(region, RB)
    html = maps.build_map(a, "zh").get_root().render()
    assert "{{ 7 * 7 }}村" in html and "49村" not in html     # a name is text, not a template
    assert "近村" in html and "\\u8fd1" not in html            # Chinese as UTF-8, not escapes
    clause = a.results["R2"].clause
    assert html.count(clause) == 1                             # the rule's clause once, not per village


def test_worst_status_per_township_is_the_one_of_its_units():
    """The per-township worst status (the townships' R2 and R6) without a Python call per
    group: fail above warn above unknown above pass; missing statuses ignored (a township
    of them only is not_applicable); a status outside the known ones is taken as before."""
    import pandas as pd
    by = pd.Series(["a", "a", "a", "b", "b", "c", "d", "d"])
    statuses = pd.Series(["pass", "warn", None, "pass", "unknown", None, "fail", "warn"])
    got = layers._worst_by(statuses, by)
    assert got.to_dict() == {"a": "warn", "b": "unknown", "c": "not_applicable", "d": "fail"}
    assert got.equals(statuses.groupby(by).agg(layers._worst))
    odd = statuses.replace("warn", "odd")           # outside _SEVERITY: ranks with not_applicable
    assert layers._worst_by(odd, by).equals(odd.groupby(by).agg(layers._worst))
    assert layers._worst_by(odd, by)["a"] == "pass"


def test_main_roads_are_one_line_per_row_as_long_as_the_roads_they_draw():
    """The reference layer's main roads: single lines (no multi-part rows), each of a main
    class, numbered 0..n-1, in the region's CRS; simplified by 25 m they keep the length of
    the network's segments of those classes (one direction each) within 1 %."""
    import numpy as np
    from planning.inputs import load_demo
    from planning.travel.network import region_network

    region = load_demo()
    roads = layers._main_roads(region, 25.0, layers.MAIN_ROADS)
    assert len(roads) > 10 and roads.crs == region.crs
    assert list(roads.index) == list(range(len(roads)))
    assert set(roads.geom_type) == {"LineString"}
    assert set(roads["highway"]) <= set(layers.MAIN_ROADS)
    net = region_network(region, "drive")
    cls = np.char.replace(net.highway.astype(str), "_link", "")
    pick = np.isin(cls, layers.MAIN_ROADS) & (net.u < net.v)
    segments = np.hypot(net.x[net.u[pick]] - net.x[net.v[pick]], net.y[net.u[pick]] - net.y[net.v[pick]])
    assert roads.length.sum() == pytest.approx(segments.sum(), rel=0.01)


def test_reference_layers_are_made_once_per_region_and_anew_for_new_townships():
    """The reference layer depends on the region only: a second map of the region (another
    rulebook, language, a scenario's state) gets the same tables; a region given other
    townships gets outlines of those, and a region going away takes its tables along."""
    import gc

    region = small_region()
    first = layers.reference_layers(region)
    assert layers.reference_layers(region) is first
    assert layers.reference_layers(region, tolerance_m=5.0) is not first
    towns = region.townships.copy()
    towns.loc[towns.index[1], "name"] = "丙镇"
    region.townships = towns
    again = layers.reference_layers(region)
    assert again is not first and list(again["townships"]["name"]) == ["甲镇", "丙镇"]
    assert list(first["townships"]["name"]) == ["甲镇", "乙镇"]
    n = len(layers._REFERENCE)
    del region, first, again
    gc.collect()
    assert len(layers._REFERENCE) == n - 1
