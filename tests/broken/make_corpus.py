"""Write the corpus of broken inputs and its case list (run from the repository root).

    .venv/bin/python tests/broken/make_corpus.py

Writes ``tests/broken/files/`` (one small file per case), ``tests/broken/base/`` (a clean
region folder the region-level cases start from) and ``tests/broken/cases.json``: for
each case the file, the layer, how it is loaded, and what a planner must be told.

Case fields (see tests/test_broken_inputs.py):

- ``id``, ``what``: name and one-line description.
- ``file``: in ``files/``; ``layer``: the layer it stands for (or ``roads``).
- ``via``: ``layer`` (planning.inputs.read_layer), ``region`` (the file replaces its layer in
  a copy of ``base/``, then planning.inputs.load_region), ``roads`` (planning.travel.network.
  load_network, ``mode``), ``gcj02`` (planning.inputs.offsets.gcj02_suspicion of the layer
  against ``roads_grid.osm``) or ``upload`` (planning.inputs.uploads.check_zip).
- ``expect``: ``refused`` (InputError), ``error`` (a row set aside), ``warning``,
  ``info`` or ``ok`` (no error or warning); ``message``: a fragment of what the planner
  reads (in the error, or in a problem of that level); ``row``: the row it names.
- ``rows``: data rows in the file; ``kept``: rows loaded. Every row not kept must be
  named by an ``error`` problem (nothing dropped silently).
- ``input_crs``, ``mode``: options.

The made-up region is that of tests/fixtures: townships 甲镇 [117.30-117.35 E] and
乙街道 [117.35-117.40 E], 39.70-39.75 N.
"""

from __future__ import annotations

import bz2
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # run as a script from anywhere

from planning.crs import wgs84_to_gcj02  # noqa: E402

FILES, BASE = HERE / "files", HERE / "base"

TOWNSHIPS = [("120115100000", "甲镇", (117.30, 39.70, 117.35, 39.75)),
             ("120115001000", "乙街道", (117.35, 39.70, 117.40, 39.75))]
V_HEAD = ["村代码", "名称", "常住人口", "经度", "纬度"]
VILLAGES = [("120115100201", "一村", 1200, 117.31, 39.71),
            ("120115100202", "二村", 800, 117.33, 39.73),
            ("120115001001", "和平社区", 5000, 117.37, 39.72),
            ("120115001203", "三村", 600, 117.38, 39.74)]
F_HEAD = ["机构代码", "机构名称", "机构类型", "经度", "纬度"]
FACILITIES = [("F1", "甲镇卫生院", "乡镇卫生院", 117.32, 39.72),
              ("F2", "一村卫生室", "村卫生室", 117.311, 39.711),
              ("F3", "乙街道社区卫生服务中心", "社区卫生服务中心", 117.36, 39.72)]
#: north-south roads of roads_grid.osm (longitudes; 39.70-39.75 N)
GRID_LONS = (117.30, 117.32, 117.34, 117.36, 117.38, 117.40)

CASES: list[dict] = []


def case(id: str, what: str, layer: str, expect: str, message: str = "", **fields):
    """Register a writer ``fn(folder) -> file name`` as a case."""
    def register(fn):
        CASES.append({"id": id, "what": what, "layer": layer, "expect": expect,
                      "message": message, "via": "layer", **fields, "_write": fn})
        return fn
    return register


# --------------------------------------------------------------------------- writers


def text(path: Path, rows: list[list], encoding: str = "utf-8", sep: str = ",") -> None:
    body = "\n".join(sep.join(str(c) for c in r) for r in rows) + "\n"
    path.write_bytes(body.encode(encoding))


def villages(rows=VILLAGES, head=V_HEAD) -> list[list]:
    return [list(head)] + [list(r) for r in rows]


def xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None,
         text_cells: bool = False) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for r in rows:
            ws.append([str(c) if text_cells and c is not None else c for c in r])
        for ref in (merges or {}).get(title, []):
            ws.merge_cells(ref)
    book.save(path)


def townships_gdf(crs=4326, scale=None) -> gpd.GeoDataFrame:
    geoms = [shapely.box(*b) for _, _, b in TOWNSHIPS]
    return gpd.GeoDataFrame({"code": [t[0] for t in TOWNSHIPS], "name": [t[1] for t in TOWNSHIPS]},
                            geometry=geoms, crs=crs)


def zipped_shapefile(path: Path, gdf: gpd.GeoDataFrame, *, folder: str = "", drop=(),
                     cpg: str | None = None, encoding: str = "utf-8") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "townships.shp"
        gdf.to_file(shp, engine="pyogrio", encoding=encoding)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(Path(tmp).iterdir()):
                if f.suffix in drop:
                    continue
                data = cpg.encode() if f.suffix == ".cpg" and cpg is not None else f.read_bytes()
                zf.writestr(folder + f.name, data)
            if cpg is not None and not any(n.endswith(".cpg") for n in zf.namelist()):
                zf.writestr(folder + "townships.cpg", cpg)


def osm(nodes: list[tuple[int, float, float]], ways: list[tuple[int, list[int], str]],
        prolog: str = "") -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', prolog,
           '<osm version="0.6" generator="make_corpus">']
    out += [f'  <node id="{i}" lat="{lat:.7f}" lon="{lon:.7f}"/>' for i, lon, lat in nodes]
    for wid, refs, highway in ways:
        out.append(f'  <way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + f'<tag k="highway" v="{highway}"/></way>')
    return "\n".join(out + ["</osm>", ""])


ROADS = osm([(1, 117.31, 39.71), (2, 117.33, 39.73), (3, 117.37, 39.72)],
            [(10, [1, 2], "residential"), (11, [2, 3], "residential")])


# --------------------------------------------------------------------------- cases: columns


@case("missing_column", "the id column is missing", "villages", "refused",
      "no column for 'village_id'")
def _(d):
    text(d / "villages_missing_id.csv", [[h for h in V_HEAD if h != "村代码"]]
         + [list(r[1:]) for r in VILLAGES])
    return "villages_missing_id.csv"


@case("misspelt_column", "longitude misspelt 'longtitude'", "villages", "refused",
      "Is 'longtitude' meant to be 'lon'?")
def _(d):
    text(d / "villages_longtitude.csv", villages(head=["村代码", "名称", "人口", "longtitude",
                                                       "latitude"]))
    return "villages_longtitude.csv"


@case("misspelt_required", "the name column misspelt", "facilities", "refused",
      "Is 'facilty' meant to be 'name'?")
def _(d):
    text(d / "facilities_facilty.csv", [["机构代码", "facilty", "机构类型", "经度", "纬度"]]
         + [list(r) for r in FACILITIES])
    return "facilities_facilty.csv"


@case("extra_columns", "three columns the schema does not know", "villages", "ok", rows=4,
      kept=4, keeps_column="负责人")
def _(d):
    text(d / "villages_extra.csv", villages(rows=[(*r, "022-1234", "无", "张三") for r in VILLAGES],
                                            head=V_HEAD + ["电话", "备注", "负责人"]))
    return "villages_extra.csv"


@case("headers_spaces", "Chinese headers with spaces and ideographic spaces", "villages", "ok",
      rows=4, kept=4)
def _(d):
    text(d / "villages_spaces.csv", villages(head=["村 代 码", "名\u3000称", " 常住人口 ", "经　度",
                                                   "纬度 "]))
    return "villages_spaces.csv"


@case("headers_fullwidth", "full-width Latin headers", "villages", "ok", rows=4, kept=4)
def _(d):
    text(d / "villages_fullwidth.csv", villages(head=["ＶＩＬＬＡＧＥ＿ＩＤ", "ＮＡＭＥ", "ＰＯＰ",
                                                      "ＬＯＮ", "ＬＡＴ"]))
    return "villages_fullwidth.csv"


@case("headers_units", "headers with units in brackets", "villages", "ok", rows=4, kept=4,
      population=[1200, 800, 5000, 600])
def _(d):
    text(d / "villages_units.csv", villages(head=["村代码", "名称", "常住人口（人）", "经度(°)",
                                                  "纬度(°)"]))
    return "villages_units.csv"


@case("duplicate_headers", "two columns headed 名称", "villages", "warning",
      "two columns are headed '名称'", rows=4, kept=4)
def _(d):
    text(d / "villages_two_names.csv", villages(rows=[(*r, "别名") for r in VILLAGES],
                                                head=V_HEAD + ["名称"]))
    return "villages_two_names.csv"


# --------------------------------------------------------------------------- encodings


@case("gbk", "a GBK CSV (Excel's default in China)", "villages", "ok", rows=4, kept=4,
      names=["一村", "二村", "和平社区", "三村"])
def _(d):
    text(d / "villages_gbk.csv", villages(), encoding="gbk")
    return "villages_gbk.csv"


@case("utf8_bom", "UTF-8 with a byte-order mark", "villages", "ok", rows=4, kept=4,
      names=["一村", "二村", "和平社区", "三村"])
def _(d):
    text(d / "villages_bom.csv", villages(), encoding="utf-8-sig")
    return "villages_bom.csv"


@case("utf16_tabs", "Excel's 'Unicode text': UTF-16, tab-separated", "villages", "ok", rows=4,
      kept=4, names=["一村", "二村", "和平社区", "三村"])
def _(d):
    text(d / "villages_utf16.txt", villages(), encoding="utf-16", sep="\t")
    return "villages_utf16.txt"


@case("mixed_encodings", "UTF-8 file with two lines pasted from a GBK file", "villages",
      "warning", "line(s) 3, 5 are GBK", rows=4, kept=4, names=["一村", "二村", "和平社区", "三村"])
def _(d):
    rows = villages()
    body = b"".join((",".join(map(str, r)) + "\n").encode("gbk" if i in (2, 4) else "utf-8")
                    for i, r in enumerate(rows))
    (d / "villages_mixed.csv").write_bytes(body)
    return "villages_mixed.csv"


@case("undecodable", "a name with bytes that are neither UTF-8 nor GBK", "villages", "warning",
      "neither UTF-8 nor GBK", rows=4, kept=4)
def _(d):
    rows = villages()
    body = ("\n".join(",".join(map(str, r)) for r in rows) + "\n").encode("utf-8")
    (d / "villages_undecodable.csv").write_bytes(body.replace("二村".encode(), b"\x80\xff"))
    return "villages_undecodable.csv"


# --------------------------------------------------------------------------- Excel


@case("excel_sheets", "the data on the second sheet, notes on the first", "villages", "info",
      "the sheet '村居' was read", rows=4, kept=4)
def _(d):
    xlsx(d / "villages_sheets.xlsx", {"说明": [["本表由某某镇填报"], ["2024年"]],
                                      "村居": villages()})
    return "villages_sheets.xlsx"


@case("excel_merged_header", "a two-line header with merged group headings", "villages", "info",
      "the header was found on line 2", rows=4, kept=4)
def _(d):
    xlsx(d / "villages_merged_header.xlsx",
         {"Sheet1": [["基本信息", None, None, "位置", None]] + villages()},
         merges={"Sheet1": ["A1:C1", "D1:E1"]})
    return "villages_merged_header.xlsx"


@case("excel_merged_cells", "the township merged down over its villages", "villages", "info",
      "merged cells F2:F3 were filled", rows=4, kept=4, township=["甲镇", "甲镇", "乙街道", "乙街道"])
def _(d):
    rows = villages(rows=[(*r, t) for r, t in zip(VILLAGES, ["甲镇", None, "乙街道", None])],
                    head=V_HEAD + ["所属乡镇"])
    xlsx(d / "villages_merged_cells.xlsx", {"Sheet1": rows},
         merges={"Sheet1": ["F2:F3", "F4:F5"]})
    return "villages_merged_cells.xlsx"


@case("excel_text_numbers", "numbers stored as text, codes as numbers", "villages", "ok", rows=4,
      kept=4, population=[1200, 800, 5000, 600], ids=[r[0] for r in VILLAGES])
def _(d):
    rows = villages()
    xlsx(d / "villages_text_numbers.xlsx", {"Sheet1": rows}, text_cells=True)
    book = openpyxl.load_workbook(d / "villages_text_numbers.xlsx")
    for r in range(2, 6):  # the code as a number (a float in the file), the rest as text
        book.active.cell(r, 1).value = float(VILLAGES[r - 2][0])
    book.save(d / "villages_text_numbers.xlsx")
    return "villages_text_numbers.xlsx"


@case("excel_title_row", "a title line and a blank line above the header", "villages", "info",
      "the header was found on line 3", rows=4, kept=4)
def _(d):
    xlsx(d / "villages_title.xlsx", {"Sheet1": [["宝坻区村居名单（2024年）"], [None]] + villages()},
         merges={"Sheet1": ["A1:E1"]})
    return "villages_title.xlsx"


@case("excel_no_columns_anywhere", "no sheet has the columns", "villages", "refused",
      "the other sheets ('乙') do not have them either")
def _(d):
    xlsx(d / "villages_nowhere.xlsx", {"甲": [["说明"], ["无"]], "乙": [["a", "b"], [1, 2]]})
    return "villages_nowhere.xlsx"


# --------------------------------------------------------------------------- coordinates


@case("lonlat_swapped", "longitude and latitude swapped on row 2", "villages", "warning",
      "look swapped", row=2, rows=4, kept=4)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[1][3], rows[1][4] = rows[1][4], rows[1][3]
    text(d / "villages_swapped.csv", villages(rows=rows))
    return "villages_swapped.csv"


@case("dms", "coordinates as degrees-minutes-seconds text", "villages", "ok", rows=4, kept=4,
      lon=[117.31, 117.33, 117.37, 117.38])
def _(d):
    def dms(v, hemi):
        deg, rest = int(v), (v - int(v)) * 60
        return f"{deg}°{int(rest + 1e-9)}′{round((rest - int(rest + 1e-9)) * 60):d}″{hemi}"
    rows = [(c, n, p, dms(x, "E"), dms(y, "N")) for c, n, p, x, y in VILLAGES]
    text(d / "villages_dms.csv", villages(rows=rows))
    return "villages_dms.csv"


@case("projected_as_wgs84", "UTM metres in the lon/lat columns", "villages", "refused",
      "look like projected metres", rows=4, kept=0)
def _(d):
    rows = [(c, n, p, 526_000 + i * 900, 4_396_000 + i * 700) for i, (c, n, p, _, _)
            in enumerate(VILLAGES)]
    text(d / "villages_utm.csv", villages(rows=rows))
    return "villages_utm.csv"


@case("projected_geojson", "GeoJSON in metres (GeoJSON is longitude/latitude by definition)",
      "townships", "refused", "but projected metres", rows=2, kept=0)
def _(d):
    gdf = townships_gdf().to_crs(32650)
    (d / "townships_metres.geojson").write_text(gdf.set_crs(None, allow_override=True).to_json())
    return "townships_metres.geojson"


@case("projected_prj_wgs84", "metres in a Shapefile whose .prj says WGS84", "townships",
      "refused", "not longitude/latitude degrees", rows=2, kept=0)
def _(d):
    gdf = townships_gdf().to_crs(32650).set_crs(4326, allow_override=True)
    zipped_shapefile(d / "townships_lying_prj.zip", gdf)
    return "townships_lying_prj.zip"


@case("zero_zero", "0, 0 as a placeholder for a missing location", "villages", "error",
      "coordinates 0, 0", row=3, rows=4, kept=3)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[2][3] = rows[2][4] = 0
    text(d / "villages_zero.csv", villages(rows=rows))
    return "villages_zero.csv"


@case("gcj02_as_wgs84", "facilities copied from a Chinese web map, declared WGS84", "facilities",
      "warning", "look like GCJ-02 coordinates", via="gcj02")
def _(d):
    lons = [GRID_LONS[i % 5] for i in range(8)]
    lats = [39.705 + 0.005 * i for i in range(8)]
    glon, glat = wgs84_to_gcj02(lons, lats)
    rows = [["机构代码", "机构名称", "机构类型", "经度", "纬度"]] + [
        [f"G{i}", f"{i}号卫生室", "村卫生室", f"{x:.6f}", f"{y:.6f}"]
        for i, (x, y) in enumerate(zip(glon, glat))]
    text(d / "facilities_gcj02.csv", rows)
    return "facilities_gcj02.csv"


@case("gcj02_declared", "the same facilities declared as GCJ-02: no warning", "facilities", "ok",
      via="gcj02", input_crs="gcj02", file="facilities_gcj02.csv")
def _(d):
    return "facilities_gcj02.csv"


# --------------------------------------------------------------------------- Shapefiles


@case("shp_no_prj", "a zipped Shapefile without .prj", "townships", "warning",
      "the file has no coordinate system", rows=2, kept=2)
def _(d):
    zipped_shapefile(d / "townships_no_prj.zip", townships_gdf(), drop=(".prj",))
    return "townships_no_prj.zip"


@case("shp_cpg_gbk", "attributes in GBK, the .cpg says so", "townships", "ok", rows=2, kept=2,
      names=["甲镇", "乙街道"])
def _(d):
    zipped_shapefile(d / "townships_gbk.zip", townships_gdf(), cpg="GBK", encoding="gbk")
    return "townships_gbk.zip"


@case("shp_nested", "a Shapefile zipped inside nested folders", "townships", "ok", rows=2, kept=2,
      names=["甲镇", "乙街道"])
def _(d):
    zipped_shapefile(d / "townships_nested.zip", townships_gdf(), folder="宝坻/乡镇/2024/")
    return "townships_nested.zip"


@case("shp_two", "a zip with two Shapefiles", "townships", "refused",
      "must hold exactly one .shp")
def _(d):
    zipped_shapefile(d / "townships_two.zip", townships_gdf())
    with zipfile.ZipFile(d / "townships_two.zip", "a") as zf:
        zf.writestr("other/roads.shp", b"\0" * 100)
    return "townships_two.zip"


@case("zip_escape", "a zip member with '..' in its path", "townships", "refused",
      "points outside the zip's folder")
def _(d):
    with zipfile.ZipFile(d / "townships_escape.zip", "w") as zf:
        zf.writestr("../../townships.shp", b"\0" * 100)
    return "townships_escape.zip"


# --------------------------------------------------------------------------- empty and odd files


@case("empty_file", "a file of 0 bytes", "villages", "refused", "the file is empty (0 bytes)")
def _(d):
    (d / "villages_empty.csv").write_bytes(b"")
    return "villages_empty.csv"


@case("header_only", "a header and no rows", "villages", "refused", "the layer is empty")
def _(d):
    text(d / "villages_header_only.csv", [V_HEAD])
    return "villages_header_only.csv"


@case("single_row", "a single village", "villages", "ok", rows=1, kept=1, via="region")
def _(d):
    text(d / "villages_single.csv", villages(rows=VILLAGES[:1]))
    return "villages_single.csv"


@case("xls_as_csv", "an old .xls workbook named .csv", "villages", "refused",
      "old Excel .xls workbook")
def _(d):
    (d / "villages_xls.csv").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return "villages_xls.csv"


@case("csv_as_xlsx", "a CSV named .xlsx", "villages", "refused", "not a zip-based file")
def _(d):
    text(d / "villages_csv.xlsx", villages())
    return "villages_csv.xlsx"


@case("json_not_geojson", "a JSON list, not GeoJSON", "townships", "refused", "is not GeoJSON")
def _(d):
    (d / "townships_list.json").write_text('[{"name": "甲镇"}]', encoding="utf-8")
    return "townships_list.json"


@case("ragged_row", "an unquoted comma inside a name", "villages", "error",
      "has 6 cells but the header has 5", row=2, rows=4, kept=3)
def _(d):
    rows = villages()
    rows[2] = ["120115100202", "二村", "西队", 800, 117.33, 39.73]
    text(d / "villages_ragged.csv", rows)
    return "villages_ragged.csv"


# --------------------------------------------------------------------------- geometry


def _wkt_townships(d: Path, name: str, geoms: list[str]) -> str:
    rows = [["乡镇代码", "名称", "geometry"]] + [[t[0], t[1], f'"{g}"'] for t, g in
                                                  zip(TOWNSHIPS, geoms)]
    text(d / name, rows)
    return name


@case("self_intersecting", "a bow-tie township outline", "townships", "info",
      "invalid polygon (Self-intersection", row=1, rows=2, kept=2)
def _(d):
    return _wkt_townships(d, "townships_bowtie.csv", [
        "POLYGON ((117.30 39.70, 117.35 39.75, 117.35 39.70, 117.30 39.75, 117.30 39.70))",
        shapely.box(*TOWNSHIPS[1][2]).wkt])


@case("unclosed_polygon", "a half-drawn outline: the ring is not closed", "townships", "info",
      "the outline was not closed", row=1, rows=2, kept=2)
def _(d):
    return _wkt_townships(d, "townships_unclosed.csv", [
        "POLYGON ((117.30 39.70, 117.35 39.70, 117.35 39.75, 117.30 39.75))",
        shapely.box(*TOWNSHIPS[1][2]).wkt])


@case("degenerate_polygon", "an outline of two points", "townships", "error",
      "could not be repaired", row=1, rows=2, kept=1)
def _(d):
    return _wkt_townships(d, "townships_two_points.csv", [
        "POLYGON ((117.30 39.70, 117.35 39.70))", shapely.box(*TOWNSHIPS[1][2]).wkt])


@case("points_as_townships", "townships given as points", "townships", "refused",
      "a Point where a polygon is expected", rows=2, kept=0)
def _(d):
    return _wkt_townships(d, "townships_points.csv", ["POINT (117.32 39.72)", "POINT (117.37 39.72)"])


@case("village_outside", "a village outside every township", "villages", "warning",
      "lies outside every township polygon", row=4, via="region", rows=4, kept=4)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[3][3], rows[3][4] = 117.50, 39.90
    text(d / "villages_outside.csv", villages(rows=rows))
    return "villages_outside.csv"


# --------------------------------------------------------------------------- values


@case("unknown_kind", "a facility of a kind the rules do not know", "facilities", "error",
      "unknown facility kind '药店'", row=2, rows=3, kept=2)
def _(d):
    rows = [list(r) for r in FACILITIES]
    rows[1][2] = "药店"
    text(d / "facilities_unknown_kind.csv", [F_HEAD] + rows)
    return "facilities_unknown_kind.csv"


@case("no_kind_no_hint", "no kind and a name that does not tell it", "facilities", "error",
      "does not say the kind", row=3, rows=3, kept=2)
def _(d):
    rows = [list(r) for r in FACILITIES]
    rows[2][2], rows[2][1] = "", "惠民中心"
    text(d / "facilities_no_hint.csv", [F_HEAD] + rows)
    return "facilities_no_hint.csv"


@case("duplicate_ids", "the same village code twice", "villages", "error",
      "duplicate id '120115100201': the same id is on row 1", row=3, rows=4, kept=3)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[2][0] = rows[0][0]
    text(d / "villages_dup.csv", villages(rows=rows))
    return "villages_dup.csv"


@case("negative_population", "a negative population", "villages", "error",
      "negative population -800", row=2, rows=4, kept=3)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[1][2] = -800
    text(d / "villages_negative.csv", villages(rows=rows))
    return "villages_negative.csv"


@case("missing_population", "an empty population cell", "villages", "warning",
      "population missing; counted as 0", row=4, rows=4, kept=4)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[3][2] = ""
    text(d / "villages_no_pop.csv", villages(rows=rows))
    return "villages_no_pop.csv"


@case("population_words", "a population written as words", "villages", "warning",
      "'约八百' is not a number", row=2, rows=4, kept=4)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[1][2] = "约八百"
    text(d / "villages_pop_words.csv", villages(rows=rows))
    return "villages_pop_words.csv"


@case("scientific_id", "a code a spreadsheet turned into 1.20115E+11", "villages", "warning",
      "scientific notation", row=1, rows=4, kept=4)
def _(d):
    rows = [list(r) for r in VILLAGES]
    rows[0][0] = "1.20115E+11"
    text(d / "villages_sci.csv", villages(rows=rows))
    return "villages_sci.csv"


@case("unknown_township", "a village naming a township that does not exist", "villages",
      "warning", "township '丙镇' is not (or not uniquely) in the townships layer", row=1,
      via="region", rows=4, kept=4)
def _(d):
    rows = villages(rows=[(*r, t) for r, t in zip(VILLAGES, ["丙镇", "甲镇", "乙街道", "乙街道"])],
                    head=V_HEAD + ["所属乡镇"])
    text(d / "villages_unknown_township.csv", rows)
    return "villages_unknown_township.csv"


# --------------------------------------------------------------------------- roads


@case("roads_no_drive", "only footpaths: no road for cars", "roads", "refused",
      "no roads usable by cars", via="roads", mode="drive")
def _(d):
    (d / "roads_footways.osm").write_text(osm(
        [(1, 117.31, 39.71), (2, 117.33, 39.73), (3, 117.37, 39.72)],
        [(10, [1, 2], "footway"), (11, [2, 3], "steps")]), encoding="utf-8")
    return "roads_footways.osm"


@case("roads_footways_walk", "the same footpaths are fine for walking", "roads", "ok",
      via="roads", mode="walk", file="roads_footways.osm")
def _(d):
    return "roads_footways.osm"


@case("osm_truncated", "an OSM file cut off mid-way", "roads", "refused", "truncated",
      via="roads", mode="walk")
def _(d):
    full = osm([(i, 117.30 + i * 0.001, 39.71) for i in range(1, 40)],
               [(100, list(range(1, 40)), "residential")])
    (d / "roads_truncated.osm").write_text(full[: len(full) // 2], encoding="utf-8")
    return "roads_truncated.osm"


@case("osm_bz2_truncated", "a .osm.bz2 cut off mid-way", "roads", "refused", "truncated",
      via="roads", mode="walk")
def _(d):
    data = bz2.compress(ROADS.encode() * 20)
    (d / "roads_cut.osm.bz2").write_bytes(data[: len(data) // 2])
    return "roads_cut.osm.bz2"


@case("osm_xxe", "an external entity reading /etc/passwd", "roads", "refused",
      "declares a document type or entities", via="roads", mode="walk")
def _(d):
    xml = ROADS.replace('<osm version="0.6" generator="make_corpus">',
                        '<!DOCTYPE osm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                        '<osm version="0.6" generator="&xxe;">')
    (d / "roads_xxe.osm").write_text(xml, encoding="utf-8")
    return "roads_xxe.osm"


@case("osm_billion_laughs", "entity expansion (billion laughs)", "roads", "refused",
      "declares a document type or entities", via="roads", mode="walk")
def _(d):
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10))
    xml = ROADS.replace('<osm version="0.6" generator="make_corpus">',
                        f'<!-- <osm> in a comment does not count -->\n<!DOCTYPE osm [{ents}]>\n'
                        '<osm version="0.6" generator="&lol9;">')
    (d / "roads_lol.osm").write_text(xml, encoding="utf-8")
    return "roads_lol.osm"


@case("osm_is_kml", "a KML file named .osm", "roads", "refused", "its root element is <kml>",
      via="roads", mode="walk")
def _(d):
    (d / "roads_kml.osm").write_text(
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
        encoding="utf-8")
    return "roads_kml.osm"


# --------------------------------------------------------------------------- uploads


@case("zip_bomb", "a zip member compressed 1000 times", "townships", "refused", "a zip bomb",
      via="upload")
def _(d):
    with zipfile.ZipFile(d / "townships_bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("townships.shp", b"\0" * 2_000_000)
    return "townships_bomb.zip"


@case("zip_symlink", "a zip member that is a symbolic link", "townships", "refused",
      "is a symbolic link", via="upload")
def _(d):
    with zipfile.ZipFile(d / "townships_link.zip", "w") as zf:
        info = zipfile.ZipInfo("townships.shp")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)  # S_IFLNK | rwxrwxrwx
        zf.writestr(info, "/etc/passwd")
    return "townships_link.zip"


# --------------------------------------------------------------------------- main


def write_base(folder: Path) -> None:
    """A clean region: the cases of ``via="region"`` replace one of its layers."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _wkt_townships(folder, "townships.csv", [shapely.box(*t[2]).wkt for t in TOWNSHIPS])
    text(folder / "villages.csv", villages())
    text(folder / "facilities.csv", [F_HEAD] + [list(r) for r in FACILITIES])
    (folder / "roads.osm").write_text(ROADS, encoding="utf-8")


def write_grid(folder: Path) -> None:
    """North-south residential roads at :data:`GRID_LONS`, 39.70-39.75 N (for GCJ-02)."""
    nodes, ways = [], []
    for k, lon in enumerate(GRID_LONS):
        ids = [100 * (k + 1) + j for j in range(11)]
        nodes += [(i, lon, 39.70 + 0.005 * j) for j, i in enumerate(ids)]
        ways.append((1000 + k, ids, "residential"))
    (folder / "roads_grid.osm").write_text(osm(nodes, ways), encoding="utf-8")


def main() -> None:
    if FILES.exists():
        shutil.rmtree(FILES)
    FILES.mkdir(parents=True)
    write_base(BASE)
    write_grid(FILES)
    cases = []
    for c in CASES:
        name = c.pop("_write")(FILES)
        c.setdefault("file", name)
        assert c["file"] == name, c["id"]
        cases.append(c)
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    (HERE / "cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    print(f"{len(cases)} cases -> {HERE / 'cases.json'}")


if __name__ == "__main__":
    main()
