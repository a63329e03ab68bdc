"""A file's text table -> a typed, checked layer in WGS84, with every problem found.

Coordinates: the user declares the system of longitude/latitude inputs (``wgs84``,
``gcj02``, ``bd09`` or ``cgcs2000``); files with a projected CRS are reprojected from
it; a vector file without CRS is taken as longitude/latitude in the declared system,
with a warning. Tables give points from longitude/latitude columns (``经度``/``纬度``,
decimal or degrees-minutes-seconds) or any geometry from a WKT column. Identifiers are
always text.

Nothing is silently dropped. A row that cannot be used at all is set aside with an
``error`` :class:`~planning.errors.Problem`; anything kept but doubtful is a
``warning``; changes made for the user are ``info``. Decisions worth knowing:

- missing village population: kept as unknown (NaN, never 0) with a warning per row, or
  one warning when the file has no population column; rules then say "cannot be
  judged" for figures that need residents; negative population: row set aside;
- longitude/latitude obviously swapped (latitude > 60 and longitude < 60, and the
  swapped pair lies in China): swapped back, with a warning per row;
- ``0, 0`` coordinates are treated as missing (a common placeholder): row set aside;
- a duplicate id: the later rows are set aside, each naming the first row;
- an invalid polygon is repaired with :func:`shapely.make_valid` (info);
- village or facility polygons are replaced by a representative point (info);
- a facilities file without ids gets ids from kind, name and place
  (:func:`facility_id_for`); one whose rows say where they belong (a register) may
  lack coordinates: those rows are placed later (:mod:`planning.inputs.registers`).

Every row gets ``origin`` = ``"<file>:<row>"`` (``"<file>#<layer>:<row>"`` inside a
GeoPackage), rows numbered from 1 after the header, and ``source`` (default ``"input"``).
"""

from __future__ import annotations

import hashlib
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning.crs import WGS84, geometry_to_wgs84, lonlat_to_wgs84, out_of_china
from planning.errors import InputError, Msg, Problem
from planning.inputs.formats import RawTable
from planning.inputs.headers import WKT_COLUMN, did_you_mean, match_headers
from planning.inputs.registers import TOWNSHIP_NAME_HEADERS, VILLAGE_NAME_HEADERS, has_link_columns
from planning.schema import (GEOMETRY_TYPES, ID_COLUMN, LAYERS, POPULATION_TYPE_ALIASES,
                             SERVICE_MODE_ALIASES, TOWNSHIP_KIND_ALIASES, VILLAGE_KIND_ALIASES,
                             Column, VillageKind, accepted_facility_kinds, facility_kind_from_name,
                             normalize_text, parse_facility_kind, township_kind_from_name,
                             village_kind_from_code)

__all__ = ["Validator", "facility_id_for", "parse_number", "parse_degrees"]

_POLYGONAL = ("Polygon", "MultiPolygon")
_TRUE = {"是", "true", "t", "1", "y", "yes", "有", "√", "✓", "对"}
_FALSE = {"否", "false", "f", "0", "n", "no", "无", "×", "✗", "不是"}
_SCIENTIFIC = re.compile(r"^[+-]?\d(\.\d+)?e[+-]?\d+$", re.IGNORECASE)
_DECIMAL_ID = re.compile(r"^(\d+)\.0+$")
_DMS = re.compile(r"^(\d+(?:\.\d+)?)[°度](?:(\d+(?:\.\d+)?)['′分])?(?:(\d+(?:\.\d+)?)(?:\"|″|''|′′|秒))?"
                  r"([nsewNSEW东西南北]?)$")
#: headers of a register's village and township names (a generated id of a row without
#: coordinates includes them)
_REGISTER_KEYS = frozenset(normalize_text(h) for h in (*VILLAGE_NAME_HEADERS, *TOWNSHIP_NAME_HEADERS))


def facility_id_for(kind: str, name: str, lon: float | None = None, lat: float | None = None,
                    *, place: str = "") -> str:
    """A facility id generated from what identifies a facility, for lists without ids.

    The same kind, name and WGS84 position (rounded to 1e-5 degrees, about a metre) give
    the same id whatever the row order, so a re-sorted file keeps its ids and saved
    scenarios still find their facilities. Rows without coordinates use ``place`` (the
    village or township the row names) instead.

    Parameters
    ----------
    kind : str
        The facility kind value (``"village_clinic"`` …).
    name : str
        The facility's name as written.
    lon, lat : float, optional
        WGS84 longitude/latitude, degrees.
    place : str
        Where a row without coordinates belongs (used when ``lon``/``lat`` are None).

    Returns
    -------
    str
        ``"G"`` and 10 hexadecimal digits of a SHA-1 of the above, e.g. ``"G3f9a0c12be"``.
    """
    where = f"{lon:.5f},{lat:.5f}" if lon is not None and lat is not None else f"@{place}"
    text = "\x1f".join((str(kind), normalize_text(name), where))
    return "G" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


class Validator:
    """A file's text rows made into a typed, checked GeoDataFrame for one layer.

    Parameters
    ----------
    raw : RawTable
        The file's cells as text (:func:`planning.inputs.formats.read_raw`).
    layer : {"townships", "villages", "facilities", "districts"}
        What the file holds.
    input_crs : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        The system of longitude/latitude coordinates (table columns, and vector files
        without a CRS).
    column_map : dict of str to str, optional
        ``{"header in the file": "canonical column"}``, applied before the aliases.
    crs_for_file : bool, default True
        Whether ``input_crs`` was declared for this file, so that it also applies to a
        vector file labelled with a geographic CRS (see
        :func:`planning.inputs.read.read_layer`).

    Raises
    ------
    InputError
        When a required column has no header (:func:`planning.inputs.headers.match_headers`).
    """

    def __init__(self, raw: RawTable, layer: str, input_crs: str,
                 column_map: dict[str, str] | None = None, crs_for_file: bool = True):
        self.raw, self.layer, self.input_crs = raw, layer, input_crs
        self.crs_for_file = crs_for_file
        self.table = raw.table.reset_index(drop=True).astype(object)  # fast to iterate
        self.rows = np.arange(1, len(self.table) + 1)  # 1-based data rows
        self.problems: list[Problem] = list(raw.problems)
        self.aside: dict[int, str] = {}  # row position -> reason (set aside)
        self.unlocated: set[int] = set()  # facility rows to place at a seat (registers)
        self.columns = LAYERS[layer]
        self.header, self.generate_ids = match_headers([str(h) for h in self.table.columns],
                                                       layer, column_map, file=raw.file)

    # ---- problems

    def note(self, level: str, key: str, pos: int | None = None, column: str | None = None,
             **fields):
        """Record a problem: ``key`` of :data:`planning.words.STRINGS` with its ``fields``."""
        row = None if pos is None else int(self.rows[pos])
        header = self.header.get(column, column) if column else None
        self.problems.append(Problem.of(level, key, self.raw.file, self.layer, row, header,
                                        **fields))

    def set_aside(self, pos: int, key: str, column: str | None = None, **fields):
        """Set a row aside with the reason ``key`` (and ``fields``), recorded as an error."""
        if pos not in self.aside:
            reason = Msg(key, fields)
            self.aside[pos] = reason.text("en")
            self.note("error", "in.set_aside", pos, column, reason=reason)

    def cells(self, column: str) -> list[str] | None:
        """The text cells of a canonical column, or None when the file has no such column."""
        header = self.header.get(column)
        return None if header is None else [str(v).strip() for v in self.table[header]]

    # ---- steps

    def run(self) -> tuple[gpd.GeoDataFrame, list[Problem]]:
        """Validate every row.

        Returns
        -------
        geopandas.GeoDataFrame
            The usable rows in EPSG:4326, with every schema column of the layer, ``origin``
            and ``source``, then the file's other columns as text.
        list of Problem
            Rows set aside (``error``), doubts (``warning``), changes made (``info``),
            file-level ones first, then by row.

        Raises
        ------
        InputError
            When the file has no row, or no usable row.
        """
        geometry = self.raw.geometry
        keep_rows = np.array([any(str(v).strip() for v in row) or
                              (geometry is not None and geometry[i] is not None)
                              for i, row in enumerate(self.table.itertuples(index=False))],
                             dtype=bool)  # blank lines carry nothing: skipped, rows still counted
        self.table, self.rows = self.table[keep_rows].reset_index(drop=True), self.rows[keep_rows]
        geometry = None if geometry is None else geometry[keep_rows]
        if len(self.table) == 0:
            raise InputError.of("in.layer_empty", self.raw.file, self.layer)
        geoms = self._geometries(geometry)
        out = {c.name: self._typed(c) for c in self.columns if c.name not in ("lon", "lat")}
        getattr(self, f"_{self.layer}")(out)
        if self.generate_ids:
            out["facility_id"] = self._generated_ids(out, geoms)
        out["source"] = [s or "input" for s in out["source"]]
        self._duplicates(out[ID_COLUMN[self.layer]])
        out["origin"] = [f"{self.raw.label}:{r}" for r in self.rows]
        claimed = set(self.header.values())
        for h in self.table.columns:
            if h not in claimed and h not in out and h != "geometry":
                out[h] = [str(v).strip() or None for v in self.table[h]]
        keep = [i for i in range(len(self.table)) if i not in self.aside]
        frame = pd.DataFrame({k: pd.Series(v).iloc[keep].to_list() for k, v in out.items()},
                             index=range(len(keep)))
        for c in self.columns:
            if c.dtype in ("int", "float") and c.name in frame:
                frame[c.name] = frame[c.name].astype("float64")
        gdf = gpd.GeoDataFrame(frame, geometry=list(geoms[keep]), crs=WGS84)
        if len(gdf) == 0:
            raise InputError([Problem.of("error", "in.no_usable_rows", self.raw.file, self.layer,
                                         n=len(self.table))]
                             + [p for p in self.problems if p.level == "error"][:20])
        self.problems.sort(key=lambda p: -1 if p.row is None else p.row)  # stable: file-level first
        return gdf, self.problems

    def _generated_ids(self, out: dict, geoms: np.ndarray) -> list[str | None]:
        """Facility ids from kind, name and WGS84 position (see :func:`facility_id_for`);
        rows without coordinates (a register) use the village or township they name."""
        links = [self.cells(c) or [""] * len(self.table) for c in ("village_id", "township_id")]
        extra = [[str(v).strip() for v in self.table[h]] for h in self.table.columns
                 if normalize_text(h) in _REGISTER_KEYS]
        ids = []
        for i, (kind, name) in enumerate(zip(out["kind"], out["name"])):
            g = geoms[i]
            if i in self.aside or kind is None or not name:
                ids.append(None)
            elif g is not None:
                ids.append(facility_id_for(kind, name, g.x, g.y))
            else:
                place = "|".join([links[0][i], links[1][i]] + [col[i] for col in extra])
                ids.append(facility_id_for(kind, name, place=place))
        made = [v for v in ids if v]
        if made:
            self.note("info", "in.ids_generated", n=len(made), example=made[0])
        return ids

    # ---- geometry

    def _geometries(self, geometry: np.ndarray | None) -> np.ndarray:
        """Shapely geometries in WGS84, one per row (None where the row is set aside)."""
        has_geom = geometry is not None and not all(g is None or g.is_empty for g in geometry)
        if has_geom:
            geoms = self._from_vector(geometry)
        elif "lon" in self.header and "lat" in self.header:
            geoms = self._from_lonlat()
        elif "wkt" in self.header:
            geoms = self._from_wkt()
        elif self._register():
            self.unlocated = set(range(len(self.table)))
            geoms = np.empty(len(self.table), dtype=object)
        else:
            want = Msg("in.want_lonlat" if GEOMETRY_TYPES[self.layer] == "Point" else "in.want_wkt")
            tried = "; ".join(", ".join((c.name, *c.aliases)) for c in
                              ([col for col in self.columns if col.name in ("lon", "lat")] + [WKT_COLUMN]))
            used = set(self.header.values())
            hints = [h for c in self.columns if c.name in ("lon", "lat") and c.name not in self.header
                     if (h := did_you_mean(c, list(self.table.columns), used))]
            raise InputError.of("in.no_geometry", self.raw.file, self.layer, column="geometry",
                                lname=Msg(f"layer_name.{self.layer}"), want=want, tried=tried,
                                hint=Msg("in.hint", {"hint": hints}) if hints else "")
        return self._check_shapes(geoms)

    def _from_vector(self, geometry: np.ndarray) -> np.ndarray:
        gs = gpd.GeoSeries(geometry, crs=self.raw.crs)
        declared = self.input_crs.upper().replace("GCJ02", "GCJ-02").replace("BD09", "BD-09")
        if gs.crs is None:
            self.note("warning", "in.no_crs_taken", declared=declared)
            minx, miny, maxx, maxy = gs.total_bounds
            if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
                raise InputError.of("in.no_crs_metres", self.raw.file, self.layer,
                                    maxx=f"{maxx:.0f}", maxy=f"{maxy:.0f}")
            return geometry_to_wgs84(gs.values, self.input_crs)
        if gs.crs.is_geographic:
            label = gs.crs.to_string()
            gs = gs.to_crs(WGS84)
            if self.input_crs in ("wgs84", "cgcs2000"):
                return np.asarray(gs.values, dtype=object)
            if not self.crs_for_file:  # a declaration for all files: the file's own CRS wins
                self.note("info", "in.file_crs_kept", crs=label, declared=declared)
                return np.asarray(gs.values, dtype=object)
            self.note("info", "in.file_crs_declared", crs=label, declared=declared)
            return geometry_to_wgs84(gs.values, self.input_crs)
        if self.input_crs in ("gcj02", "bd09"):
            self.note("warning", "in.projected_no_shift", crs=gs.crs.name, declared=declared)
        return np.asarray(gs.to_crs(WGS84).values, dtype=object)

    def _from_wkt(self) -> np.ndarray:
        cells = self.cells("wkt")
        geoms = np.empty(len(cells), dtype=object)
        for i, text in enumerate(cells):
            g, why = _parse_wkt(text)
            if g is None or g.is_empty:
                reason = Msg("in.reason.no_geometry") if not text else \
                    Msg("in.reason.bad_wkt", {"text": text[:40], "why": why})
                self.set_aside(i, "in.reason.wkt_needed", "wkt", reason=reason)
                continue
            if why:
                self.note("info", "in.outline_closed", i, "wkt")
            geoms[i] = g
        ok = np.array([g is not None for g in geoms], dtype=bool)
        geoms[ok] = geometry_to_wgs84(geoms[ok], self.input_crs)
        return geoms

    def _register(self) -> bool:
        """Facility rows may lack coordinates when the file says where they belong."""
        return self.layer == "facilities" and has_link_columns(self.table.columns)

    def _from_lonlat(self) -> np.ndarray:
        lons, lats = self.cells("lon"), self.cells("lat")
        geoms = np.empty(len(lons), dtype=object)
        xs, ys = np.full(len(lons), np.nan), np.full(len(lons), np.nan)
        for i, (tlon, tlat) in enumerate(zip(lons, lats)):
            lon, lat = parse_degrees(tlon), parse_degrees(tlat)
            if not tlon and not tlat and self._register():
                self.unlocated.add(i)  # placed at its village or township seat later
                continue
            if lon is None or lat is None:
                bad, text = ("lon", tlon) if lon is None else ("lat", tlat)
                if not text:
                    self.set_aside(i, "in.reason.coord_empty", bad)
                else:
                    self.set_aside(i, "in.reason.coord_nan", bad, text=text)
                continue
            if lon == 0 and lat == 0:
                self.set_aside(i, "in.reason.zero", "lon")
                continue
            if lat > 60 and lon < 60 and not out_of_china(lat, lon):
                self.note("warning", "in.swapped", i, "lat", lon=lon, lat=lat)
                lon, lat = lat, lon
            if abs(lon) > 180 or abs(lat) > 90:
                key = "in.reason.metres" if abs(lon) > 1000 or abs(lat) > 1000 \
                    else "in.reason.out_of_range"
                self.set_aside(i, key, "lon" if abs(lon) > 180 else "lat", lon=lon, lat=lat)
                continue
            xs[i], ys[i] = lon, lat
        ok = ~np.isnan(xs)
        wx, wy = lonlat_to_wgs84(xs[ok], ys[ok], self.input_crs)
        geoms[ok] = shapely.points(wx, wy)
        return geoms

    def _check_shapes(self, geoms: np.ndarray) -> np.ndarray:
        """Set aside empty, wrong-type or out-of-range geometries; repair invalid polygons."""
        polygonal = GEOMETRY_TYPES[self.layer] == "Polygon"
        to_points = 0
        for i, g in enumerate(geoms):
            if i in self.aside or i in self.unlocated:
                geoms[i] = None
                continue
            if g is None or g.is_empty:
                self.set_aside(i, "in.reason.empty_geometry", "geometry")
                continue
            kind = g.geom_type
            if polygonal and kind not in _POLYGONAL:
                self.set_aside(i, "in.reason.not_polygon", "geometry", kind=kind)
                continue
            if not polygonal and kind != "Point":
                if kind in _POLYGONAL or kind == "MultiPoint":
                    g = g.representative_point() if kind != "MultiPoint" else g.geoms[0]
                    to_points += 1
                else:
                    self.set_aside(i, "in.reason.not_point", "geometry", kind=kind)
                    continue
            if polygonal and not g.is_valid:
                reason = shapely.is_valid_reason(g)
                g = _polygonal_part(shapely.make_valid(g))
                if g is None:
                    self.set_aside(i, "in.reason.invalid", "geometry", why=reason)
                    continue
                self.note("info", "in.repaired", i, "geometry", why=reason)
            minx, miny, maxx, maxy = g.bounds
            if not (-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90):
                metres = max(abs(minx), abs(maxx), abs(miny), abs(maxy)) > 1000
                self.set_aside(i, "in.reason.bounds_metres" if metres else "in.reason.bounds",
                               "geometry", x=f"{minx:.6g}", y=f"{miny:.6g}")
                continue
            geoms[i] = g
        if to_points:
            self.note("info", "in.to_points", column="geometry", n=to_points,
                      lname=Msg(f"layer_name.{self.layer}"))
        return geoms

    # ---- typed columns

    def _typed(self, col: Column) -> list:
        cells = self.cells(col.name)
        if cells is None:
            return [None] * len(self.table)
        parse = {"id": self._id, "text": _text, "kind": _text, "int": self._number,
                 "float": self._number, "bool": self._bool}[col.dtype]
        return [parse(v, i, col) for i, v in enumerate(cells)]

    def _id(self, text: str, pos: int, col: Column):
        if not text:
            if col.required:
                self.set_aside(pos, "in.reason.empty_id", col.name, field=col.name)
            return None
        if m := _DECIMAL_ID.match(text):
            return m.group(1)
        if _SCIENTIFIC.match(text):
            self.note("warning", "in.scientific", pos, col.name, text=text)
        return text

    def _number(self, text: str, pos: int, col: Column):
        if not text:
            return None
        value = parse_number(text)
        if value is None:
            self.note("warning", "in.not_number", pos, col.name, text=text)
        elif value < 0:
            if col.name == "population":
                self.set_aside(pos, "in.reason.negative_pop", col.name, text=text)
            else:
                self.note("warning", "in.negative", pos, col.name, text=text)
            return None
        return value

    def _bool(self, text: str, pos: int, col: Column):
        if not text:
            return None
        key = normalize_text(text)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        self.note("warning", "in.not_bool", pos, col.name, text=text)
        return None

    def _duplicates(self, ids: list) -> None:
        first: dict[str, int] = {}
        for i, v in enumerate(ids):
            if v is None or i in self.aside:
                continue
            if v in first:
                self.set_aside(i, "in.reason.duplicate", ID_COLUMN[self.layer], id=v,
                               row=int(self.rows[first[v]]))
            else:
                first[v] = i

    # ---- per-layer rules (kinds, population)

    def _townships(self, out: dict) -> None:
        kinds = []
        for i, (text, name) in enumerate(zip(out["kind"], out["name"])):
            kind = _lookup(TOWNSHIP_KIND_ALIASES, text)
            if text and kind is None:
                self.note("warning", "in.unknown_township_kind", i, "kind", text=text)
            kinds.append((kind or township_kind_from_name(name or "")).value)
        out["kind"] = kinds

    def _districts(self, out: dict) -> None:
        pass

    def _villages(self, out: dict) -> None:
        kinds = []
        for i, (text, code, name) in enumerate(zip(out["kind"], out["village_id"], out["name"])):
            by_code = village_kind_from_code(code)
            kind = _lookup(VILLAGE_KIND_ALIASES, text)
            if text and kind is None:
                self.note("warning", "in.unknown_village_kind", i, "kind", text=text)
            if kind is not None and by_code is not None and kind != by_code:
                self.note("info", "in.kind_vs_code", i, "kind", kind=kind.value, code=code,
                          by_code=by_code.value)
            kind = kind or by_code
            if kind is None and (kind := _village_kind_from_name(name or "")) is not None:
                self.note("info", "in.kind_from_village_name", i, "kind", kind=kind.value,
                          name=name)
            if kind is None:
                self.note("warning", "in.kind_unknown", i, "village_id")
            kinds.append(None if kind is None else kind.value)
        out["kind"] = kinds
        pops = []
        if "population" not in self.header:
            self.note("warning", "in.population_column_missing")
        for i, p in enumerate(out["population"]):
            if p is None and i not in self.aside and "population" in self.header:
                self.note("warning", "in.population_missing", i, "population")
            pops.append(np.nan if p is None else p)
        out["population"] = pops
        out["service_mode"] = self._enum(out["service_mode"], SERVICE_MODE_ALIASES, "service_mode")
        types = []
        for i, text in enumerate(out["population_type"]):
            value = _lookup(POPULATION_TYPE_ALIASES, text) if text else "resident"
            if value is None:
                self.note("warning", "in.unknown_population_type", i, "population_type", text=text)
            types.append(value or "resident")
        out["population_type"] = types

    def _facilities(self, out: dict) -> None:
        kinds = []
        has_column = "kind" in self.header
        for i, (text, name) in enumerate(zip(out["kind"], out["name"])):
            kind = parse_facility_kind(text) if text else None
            if text and kind is None:
                self.set_aside(i, "in.reason.unknown_facility_kind", "kind", text=text,
                               kinds=accepted_facility_kinds())
            elif kind is None:
                kind = facility_kind_from_name(name or "")
                where = Msg("in.where.kind_empty" if has_column else "in.where.no_kind_column")
                if kind is None:
                    self.set_aside(i, "in.reason.kind_not_in_name", "kind" if has_column
                                   else "name", where=where, name=name,
                                   kinds=accepted_facility_kinds())
                else:
                    self.note("info", "in.kind_from_name", i, "kind" if has_column else "name",
                              where=where, kind=kind.value, kind_zh=kind.zh, name=name)
            kinds.append(None if kind is None else kind.value)
        out["kind"] = kinds

    def _enum(self, values: list, aliases: dict, column: str) -> list:
        result = []
        for i, text in enumerate(values):
            value = _lookup(aliases, text) if text else None
            if text and value is None:
                self.note("warning", "in.unknown_value", i, column, text=text,
                          accepted=", ".join(sorted({str(k) for k in aliases})))
            result.append(getattr(value, "value", value))
        return result


def _text(text: str, pos: int, col: Column) -> str | None:
    return text or None


def _lookup(aliases: dict, text: str | None):
    if not text:
        return None
    key = normalize_text(text)
    return next((v for k, v in aliases.items() if normalize_text(k) == key), None)


def parse_number(text: str) -> float | None:
    """``"1,234"``, ``"1234.0"``, ``"1.2万"`` (10,000s) -> float; None if not a number."""
    try:
        value = float(text)
        return value if math.isfinite(value) else None
    except ValueError:
        pass
    t = normalize_text(text).replace(",", "").replace("人", "")
    scale = 1.0
    if t.endswith("万"):
        t, scale = t[:-1], 10_000.0
    try:
        value = float(t) * scale
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_degrees(text: str) -> float | None:
    """Decimal degrees, or degrees-minutes-seconds such as ``117°12'30"E``; None if neither."""
    if not text:
        return None
    value = parse_number(text)
    if value is not None:
        return value
    m = _DMS.match(normalize_text(text).replace("’", "'").replace("”", '"'))
    if not m:
        return None
    deg = float(m.group(1)) + float(m.group(2) or 0) / 60 + float(m.group(3) or 0) / 3600
    return -deg if m.group(4).lower() in ("s", "w", "西", "南") else deg


def _parse_wkt(text: str):
    """(geometry, None), (repaired geometry, what was wrong), or (None, why unreadable)."""
    if not text:
        return None, "empty"
    try:
        return shapely.from_wkt(text), None
    except shapely.errors.ShapelyError as exc:
        why = str(exc).split("\n")[0][:120]
    try:  # an unclosed ring (a half-drawn outline): GEOS can close it
        g = shapely.from_wkt(text, on_invalid="fix")
    except shapely.errors.ShapelyError:
        return None, why
    if g is None or g.is_empty or g.geom_type not in _POLYGONAL:
        return None, why
    return g, "the outline was not closed (its last point is not its first)"


def _village_kind_from_name(name: str) -> VillageKind | None:
    name = name.strip()
    if name.endswith(("村", "村委会", "村民委员会")):
        return VillageKind.VILLAGE_COMMITTEE
    if name.endswith(("社区", "居委会", "社区居委会", "居民委员会")):
        return VillageKind.RESIDENTS_COMMITTEE
    return None


def _polygonal_part(geom):
    """The polygonal part of a geometry (make_valid can add lines or points), or None."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else None
