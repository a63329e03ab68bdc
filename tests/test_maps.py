"""Display layers and tables of the maps module on hand-made regions.

- A 15-minute reach polygon that is a bow-tie (self-intersecting, as
  ``simplify(..., preserve_topology=False)`` can make one) used to crash
  ``shapely.set_precision`` with "TopologyException: side location conflict": display
  geometry is now made valid first.
- A village outside every township: the township rows of the scorecard gain a row for
  it, so they add up to the district row.
"""

from __future__ import annotations

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
    reach = d["covered"].geometry.iloc[0]
    assert reach.is_valid and reach.geom_type in ("Polygon", "MultiPolygon")
    # the two triangles of the bow-tie stay: half the square, in degrees² at this latitude
    square = gpd.GeoSeries([shapely.box(hm.X0, hm.Y0, hm.X0 + 1000, hm.Y0 + 1000)],
                           crs=hm.CRS).to_crs(4326).iloc[0]
    assert reach.area == pytest.approx(square.area / 2, rel=0.01)
    maps.build_map(a, display=d)  # and the map is built from it


def test_a_layer_that_cannot_be_drawn_leaves_the_others(monkeypatch):
    a = assess(small_region(), RB)
    real = maps._wgs84

    def broken(gdf):
        if "minutes" in gdf and "mode" in gdf:  # the R3 reach layers only
            raise shapely.errors.GEOSException("side location conflict")
        return real(gdf)

    monkeypatch.setattr(layers, "_wgs84", broken)
    d = maps.display_layers(a)
    assert set(d[maps.FAILED]) == {"covered", "uncovered"}
    assert {"r2", "r3", "facilities", "township_status"} <= set(d)
    assert "covered" not in d


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
