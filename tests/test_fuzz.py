"""Property-based fuzzing of the loaders: a file either loads or raises InputError.

Random tables (headers from the schema's aliases mixed with random Chinese, full-width
and spaced text; random cells: numbers, coordinates, DMS, codes, blanks, junk) are
written as CSV in random encodings or as Excel, and read as a random layer with a
random column map; random geometries (valid, self-intersecting, unclosed, degenerate,
out of range) come as WKT in a CSV or as GeoJSON. Whatever happens, the loader returns
a layer with :class:`~planning.errors.Problem` records, or raises
:class:`~planning.errors.InputError` with a message — never another exception. And a
row that is not in the result is named by an ``error`` problem.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import openpyxl
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.errors import InputError, Problem
from planning.inputs import read_layer
from planning.schema import LAYERS

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True,
                database=None)


def fuzz(examples: int) -> settings:
    """Deterministic (the same examples on every run), no example database, no deadline."""
    return settings(FUZZ, max_examples=examples)
LAYER_NAMES = sorted(LAYERS)
ALIASES = sorted({a for cols in LAYERS.values() for c in cols for a in (c.name, *c.aliases)}
                 | {"wkt", "geometry", "几何"})

# text a planner's office might type, and what else may turn up in a cell
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
FULLWIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
ODD = st.sampled_from([" ", "\u3000", "\t", ",", "，", '"', "'", "\n", "=", "#", "°", "′", "″",
                       "万", "人", "-", ".", "e", "E", "\x00", "\ufeff", "\u200b"])
WORD = st.text(st.one_of(CJK, FULLWIDTH, ODD, st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
               max_size=12)
HEADER = st.one_of(st.sampled_from(ALIASES), WORD,
                   st.sampled_from(ALIASES).map(lambda a: f" {a}（人）"),
                   st.sampled_from(ALIASES).map(lambda a: " ".join(a)))
CELL = st.one_of(
    st.just(""),
    WORD,
    st.integers(-10**13, 10**13).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(-200, 200).map(lambda v: f"{v:.6f}"),
    st.sampled_from(["117°18′36″E", "39度42分36秒", "1.20115E+11", "120115100201.0", "0", "1,200",
                     "5，000", "1.2万", "约八百", "是", "否", "村卫生室", "乡镇卫生院", "药店", "nan",
                     "POINT (117.31 39.71)", "POLYGON ((117.3 39.7, 117.35 39.7, 117.35 39.75))",
                     "POLYGON ((1 1", "MULTIPOINT ((117.3 39.7), (117.31 39.71))"]),
)


REQUIRED = {layer: [[c.name, *c.aliases] for c in cols if c.required] for layer, cols in LAYERS.items()}
GEOMETRY = [["经度", "lon", "longitude", "lng"], ["纬度", "lat", "latitude"]]
COORDS = st.one_of(st.floats(117.0, 118.0).map(lambda v: f"{v:.5f}"),
                   st.floats(39.0, 40.0).map(lambda v: f"{v:.5f}"), CELL)


#: cells that fit a column (by the first of its names), so that many random tables load
PLAUSIBLE = {
    **{c.name: st.integers(10**11, 10**12 - 1).map(str) for cols in LAYERS.values() for c in cols
       if c.name.endswith("_id")},
    "name": st.text(CJK, min_size=1, max_size=4).map(lambda t: t + "村卫生室"),
    "经度": st.floats(117.2, 117.5).map(lambda v: f"{v:.5f}"),
    "纬度": st.floats(39.6, 39.8).map(lambda v: f"{v:.5f}"),
    "geometry": st.tuples(st.floats(117.2, 117.5), st.floats(39.6, 39.8)).map(
        lambda p: shapely.box(p[0], p[1], p[0] + 0.01, p[1] + 0.01).wkt),
}


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def decorated(draw, names: list[str]) -> str:
    """One of a column's names as a planner might type it: spaced, full-width, with a unit."""
    name = draw(st.sampled_from(names))
    how = draw(st.sampled_from(["plain", "spaced", "fullwidth", "unit", "padded"]))
    return {"plain": name, "spaced": " ".join(name), "fullwidth": _fullwidth(name),
            "unit": f"{name}（单位）", "padded": f"\u3000{name} "}[how]


@st.composite
def tables(draw, layer: str | None = None):
    """A header (usually with the layer's required columns, in random forms) and rows."""
    if layer is not None and draw(st.integers(0, 4)):
        points = layer in ("villages", "facilities") and draw(st.booleans())
        wanted = REQUIRED[layer] + (GEOMETRY if points else [["geometry", "wkt"]])
        columns = [(draw(decorated(names)), names[0]) for names in wanted]
        columns += [(h, "") for h in draw(st.lists(HEADER, max_size=3))]
        columns = draw(st.permutations(columns))
    else:
        columns = [(h, "") for h in draw(st.lists(HEADER, min_size=1, max_size=7))]
    header = [h for h, _ in columns]
    good = st.tuples(*[st.one_of(PLAUSIBLE.get(kind, CELL), CELL) if kind in PLAUSIBLE else CELL
                       for _, kind in columns]).map(list)
    bad = st.lists(st.one_of(CELL, COORDS), min_size=0, max_size=len(header) + 2)
    rows = draw(st.lists(st.one_of(good, good, bad), min_size=1, max_size=8))
    return header, rows


@st.composite
def layered_tables(draw):
    layer = draw(st.sampled_from(LAYER_NAMES))
    return layer, draw(tables(layer))


def check_outcome(call) -> None:
    """Loads (with Problems, and every missing row named) or raises InputError."""
    try:
        gdf, problems = call()
    except InputError as exc:
        assert str(exc) and all(isinstance(p, Problem) for p in exc.problems)
        return
    assert len(gdf) > 0
    assert all(isinstance(p, Problem) and p.level in ("error", "warning", "info") for p in problems)
    kept = {int(o.rsplit(":", 1)[1]) for o in gdf["origin"]}
    aside = {p.row for p in problems if p.level == "error" and p.row is not None}
    assert not kept & aside  # a row set aside is not also loaded
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.notna().all() and not gdf.geometry.is_empty.any()


def write_csv(folder: Path, header, rows, encoding: str, sep: str) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = folder / "table.csv"
    path.write_bytes(buf.getvalue().replace("\x00", "").encode(encoding))
    return path


@fuzz(120)
@given(case=layered_tables(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       sep=st.sampled_from([",", "\t", ";"]))
def test_random_csv_loads_or_says_why(case, encoding, sep):
    layer, (header, rows) = case
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp), header, rows, encoding, sep)
        check_outcome(lambda: read_layer(path, layer))


@fuzz(40)
@given(case=layered_tables(), merge=st.booleans(),
       sheets=st.integers(1, 3))
def test_random_excel_loads_or_says_why(case, merge, sheets):
    layer, (header, rows) = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.xlsx"
        book = openpyxl.Workbook()
        ws = book.active
        for r in [header, *rows]:
            ws.append([_excel_value(c) for c in r])
        if merge and len(rows) >= 2:
            ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
        for i in range(1, sheets):
            book.create_sheet(f"表{i}").append(["说明", "无"])
        book.save(path)
        check_outcome(lambda: read_layer(path, layer))


def _excel_value(cell: str):
    cell = "".join(ch for ch in cell if ch >= " " or ch in "\t\n")  # Excel forbids control chars
    try:
        return float(cell) if cell.strip() and cell.strip() == cell else cell
    except ValueError:
        return cell


@fuzz(80)
@given(case=layered_tables(),
       mapping=st.dictionaries(st.one_of(HEADER, st.sampled_from(ALIASES)),
                               st.sampled_from(ALIASES + ["lon", "lat", "wkt", "nonsense"]),
                               max_size=4))
def test_column_map_loads_or_says_why(case, mapping):
    layer, (header, rows) = case
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp), header, rows, "utf-8", ",")
        check_outcome(lambda: read_layer(path, layer, column_map=mapping))


# --------------------------------------------------------------------------- geometries

COORD = st.one_of(st.floats(117.2, 117.5), st.floats(-400, 400), st.floats(-1e7, 1e7),
                  st.sampled_from([0.0, 117.3, 39.7, 180.0, -90.0]))
POINTS = st.lists(st.tuples(COORD, COORD), min_size=0, max_size=7)


@st.composite
def wkts(draw):
    pts = draw(POINTS)
    kind = draw(st.sampled_from(["polygon", "open", "point", "line", "multi", "junk"]))
    coords = ", ".join(f"{x!r} {y!r}" for x, y in pts)
    if kind == "polygon" and pts:
        return f"POLYGON (({coords}, {pts[0][0]!r} {pts[0][1]!r}))"
    if kind == "open":
        return f"POLYGON (({coords}))"
    if kind == "point" and pts:
        return f"POINT ({pts[0][0]!r} {pts[0][1]!r})"
    if kind == "line":
        return f"LINESTRING ({coords})"
    if kind == "multi" and pts:
        return shapely.MultiPolygon([shapely.box(x, y, x + 0.01, y + 0.01) for x, y in pts[:3]]).wkt
    return draw(WORD)


@fuzz(100)
@given(geoms=st.lists(wkts(), min_size=1, max_size=6), layer=st.sampled_from(LAYER_NAMES),
       crs=st.sampled_from(["wgs84", "gcj02", "bd09", "cgcs2000"]))
def test_random_wkt_loads_or_says_why(geoms, layer, crs):
    ids = {"districts": "代码", "townships": "乡镇代码", "villages": "村代码", "facilities": "机构代码"}
    header = [ids[layer], "名称", "类型", "geometry"]
    rows = [[f"1201151002{i:02d}", f"{i}村卫生室", "", g] for i, g in enumerate(geoms)]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp), header, rows, "utf-8", ",")
        check_outcome(lambda: read_layer(path, layer, input_crs=crs))


@fuzz(40)
@given(rings=st.lists(POINTS, min_size=1, max_size=4), layer=st.sampled_from(["townships", "villages"]))
def test_random_geojson_loads_or_says_why(rings, layer):
    features = []
    for i, pts in enumerate(rings):
        ring = [list(p) for p in pts] + ([list(pts[0])] if pts else [])
        features.append({"type": "Feature", "properties": {"code": f"C{i}", "name": f"镇{i}"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]} if i % 2 == 0
                         else {"type": "Point", "coordinates": list(pts[0]) if pts else []}})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        check_outcome(lambda: read_layer(path, layer))


@pytest.mark.parametrize("data", [b"\xff\xfe", b"\xef\xbb\xbf", b"\n\n\n", b",,,\n,,,\n", b'"\n',
                                  b"\x00\x00\x00\x00", b"a" * 100_000])
def test_degenerate_csv_bytes(tmp_path, data):
    (tmp_path / "villages.csv").write_bytes(data)
    check_outcome(lambda: read_layer(tmp_path / "villages.csv", "villages"))
