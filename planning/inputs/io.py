"""Read planners' files into validated layers and a :class:`~planning.region.Region`.

Formats: GeoPackage (a layer by name), Shapefile (also zipped; a ``.cpg`` is honoured,
and without one UTF-8 then GBK is tried), GeoJSON, CSV (UTF-8, UTF-8 with BOM or
GBK/GB18030) and Excel ``.xlsx`` (first sheet, or a named one). Tables give points from
longitude/latitude columns (``经度``/``纬度``) or any geometry from a WKT column.

Headers may be Chinese or English: they are matched, after :func:`planning.schema.normalize_text`,
against each column's name and aliases in :data:`planning.schema.LAYERS`; a caller may
also pass ``column_map={"their header": "canonical name"}``. Identifiers are always text:
spreadsheet numbers become ``"120115101201"``, never ``1.20115E+11`` or ``"...0.0"``.

Coordinates: the user declares the system of longitude/latitude inputs (``wgs84``,
``gcj02``, ``bd09`` or ``cgcs2000``); files with a projected CRS are reprojected from
it; a vector file without CRS is taken as longitude/latitude in the declared system,
with a warning. Layers are validated in WGS84 and the region is then projected to its
metric CRS (:func:`planning.crs.metric_crs` of the townships' centroid).

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
- villages outside every township and facilities outside the region are kept (warning).

Every row gets ``origin`` = ``"<file>:<row>"`` (``"<file>#<layer>:<row>"`` inside a
GeoPackage), rows numbered from 1 after the header, and ``source`` (default ``"input"``).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from planning import settings
from planning.inputs import uploads
from planning.crs import (WGS84, InputCrs, check_input_crs, geometry_to_wgs84, lonlat_to_wgs84,
                          metric_crs, out_of_china, parse_input_crs)
from planning.inputs.divisions import district_name, region_name
from planning.errors import InputError, Msg, Problem
from planning.region import Region, within_polygons
from planning.inputs.registers import (TOWNSHIP_NAME_HEADERS, VILLAGE_NAME_HEADERS, has_link_columns,
                                place_unlocated)
from planning.schema import (GEOMETRY_TYPES, ID_COLUMN, LAYERS, POPULATION_TYPE_ALIASES,
                             REQUIRED_LAYERS, SERVICE_MODE_ALIASES, TOWNSHIP_KIND_ALIASES,
                             VILLAGE_KIND_ALIASES, Column, VillageKind, accepted_facility_kinds,
                             facility_kind_from_name, normalize_text, parse_facility_kind,
                             township_kind_from_name, village_kind_from_code)

__all__ = ["read_layer", "load_region", "region_from_layers", "load_demo", "facility_id_for",
           "file_crs",
           "ROAD_FILES", "LAYER_FILE_NAMES"]

#: a table's geometry as well-known text (polygons from CSV/Excel, or points)
_WKT = Column("wkt", "text", aliases=("geometry", "geom", "几何", "边界", "范围", "shape", "polygon"))

#: file names (without extension) recognised for each layer in a region folder
LAYER_FILE_NAMES: dict[str, tuple[str, ...]] = {
    "townships": ("townships", "乡镇", "乡镇街道"),
    "villages": ("villages", "村", "村居", "行政村"),
    "facilities": ("facilities", "机构", "医疗机构", "卫生机构"),
    "districts": ("districts", "区", "区县"),
}
#: road files looked for beside a region, in order
ROAD_FILES = ("roads.osm.pbf", "roads.osm.bz2", "roads.osm")

_VECTOR = (".gpkg", ".shp", ".zip", ".geojson", ".json")
_TABLE = (".csv", ".txt", ".xlsx", ".xlsm")
_POLYGONAL = ("Polygon", "MultiPolygon")
_TRUE = {"是", "true", "t", "1", "y", "yes", "有", "√", "✓", "对"}
_FALSE = {"否", "false", "f", "0", "n", "no", "无", "×", "✗", "不是"}
_SCIENTIFIC = re.compile(r"^[+-]?\d(\.\d+)?e[+-]?\d+$", re.IGNORECASE)
_DECIMAL_ID = re.compile(r"^(\d+)\.0+$")
_DMS = re.compile(r"^(\d+(?:\.\d+)?)[°度](?:(\d+(?:\.\d+)?)['′分])?(?:(\d+(?:\.\d+)?)(?:\"|″|''|′′|秒))?"
                  r"([nsewNSEW东西南北]?)$")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls (and encrypted .xlsx)
#: rows looked at for the header (a title or group headings may stand above it)
_HEADER_SCAN = 10
#: Excel files up to this size are read in full (merged cells filled); larger ones streamed
_EXCEL_FULL_BYTES = 10 * 2**20
#: headers of a register's village and township names (a generated id of a row without
#: coordinates includes them)
_REGISTER_KEYS = frozenset(normalize_text(h) for h in (*VILLAGE_NAME_HEADERS, *TOWNSHIP_NAME_HEADERS))
#: a unit in brackets at the end of a normalised header ("人口(人)", "经度(°)")
_UNIT = re.compile(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]$")


# --------------------------------------------------------------------------- public API


def read_layer(path: str | Path, layer: str, *, input_crs: str = "wgs84", sheet: str | None = None,
               column_map: dict[str, str] | None = None, gpkg_layer: str | None = None,
               crs_for_file: bool = True) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read one layer from one file, validated, in WGS84.

    Parameters
    ----------
    path : str or Path
        A ``.gpkg``, ``.shp``, ``.zip`` (zipped Shapefile), ``.geojson``/``.json``,
        ``.csv``/``.txt`` or ``.xlsx`` file.
    layer : {"townships", "villages", "facilities", "districts"}
        What the file holds; its columns are those of :data:`planning.schema.LAYERS`.
    input_crs : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        The system of longitude/latitude coordinates (table columns, and vector files
        without a CRS). Projected files are reprojected from their own CRS instead.
    crs_for_file : bool, default True
        Whether ``input_crs`` was declared for this file. A vector file labelled with a
        geographic CRS (a GeoPackage or Shapefile in EPSG:4326, any GeoJSON) is then
        read as ``input_crs`` (Amap exports are GCJ-02 labelled EPSG:4326); when False
        (one declaration for every file of a region) such a file keeps its own CRS.
    sheet : str, optional
        Excel sheet name (default: the first sheet).
    column_map : dict of str to str, optional
        ``{"header in the file": "canonical column"}``, applied before the aliases.
    gpkg_layer : str, optional
        Layer name inside a GeoPackage (default: ``layer``, or the only layer).

    Returns
    -------
    geopandas.GeoDataFrame
        The usable rows in EPSG:4326, with every schema column of the layer (lon/lat
        become the geometry), ``origin``, then the file's other columns as text.
    list of Problem
        Rows set aside (``error``), doubts (``warning``) and changes made (``info``).

    Raises
    ------
    InputError
        When the file cannot be read, lacks a required column, or has no usable row.
    """
    if layer not in LAYERS:
        raise InputError.at(f"unknown layer {layer!r}; use one of {', '.join(LAYERS)}",
                            file=Path(path).name)
    try:
        crs = check_input_crs(input_crs)
    except ValueError as exc:
        raise InputError.at(str(exc), file=Path(path).name, layer=layer) from None
    raw = _read_raw(Path(path), layer, sheet, gpkg_layer)
    try:
        validator = _Validator(raw, layer, crs, column_map, crs_for_file)
    except InputError as first:  # no such columns: another sheet of the workbook may have them
        validator = _other_sheet(raw, layer, crs, column_map, first, crs_for_file)
    return validator.run()


def file_crs(path: str | Path) -> str | None:
    """The coordinate system a GIS file carries (``"EPSG:4326"`` …), or None.

    Tables (CSV, Excel) and Shapefiles without ``.prj`` carry none: their coordinates are
    declared. GeoJSON always carries EPSG:4326 (the format says so). An unreadable file
    gives None (reading it later says why).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _VECTOR:
        return None
    try:
        source = _zipped_shapefile(path, "")[0] if suffix == ".zip" else str(path)
        crs = pyogrio.read_info(source)["crs"]
    except Exception:  # noqa: BLE001 - reported when the file is read
        return None
    if not crs:
        return None
    import pyproj

    crs = pyproj.CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


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
    import hashlib

    where = f"{lon:.5f},{lat:.5f}" if lon is not None and lat is not None else f"@{place}"
    text = "\x1f".join((str(kind), normalize_text(name), where))
    return "G" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def _other_sheet(raw: _Raw, layer: str, crs: str, column_map: dict | None,
                 first: InputError, crs_for_file: bool = True) -> "_Validator":
    for alt in raw.alternatives:
        try:
            validator = _Validator(alt, layer, crs, column_map, crs_for_file)
        except InputError:
            continue
        validator.note("info", "in.other_sheet", sheet=raw.sheet, alt=alt.sheet,
                       lname=Msg(f"layer_name.{layer}"))
        return validator
    if raw.alternatives:
        others = ", ".join(repr(a.sheet) for a in raw.alternatives)
        raise InputError([*first.problems, Problem.of(
            "error", "in.no_sheet_has", raw.file, layer, others=others)])
    raise first


def load_region(path: str | Path, *, input_crs: str | dict | InputCrs = "wgs84",
                roads: str | Path | None = None, name: str | None = None,
                column_maps: dict[str, dict[str, str]] | None = None) -> Region:
    """Load a region from a GeoPackage or a folder of layer files.

    Parameters
    ----------
    path : str or Path
        A GeoPackage with layers ``townships``, ``villages``, ``facilities`` and
        optionally ``districts``; or a folder with one file per layer named after it
        (``villages.csv``, ``facilities.xlsx``, ``townships.shp``, ``townships.zip`` …;
        see :data:`LAYER_FILE_NAMES`).
    input_crs : str, dict or InputCrs
        The coordinate systems of the files, see :func:`planning.crs.parse_input_crs`:
        ``"gcj02"`` for every file without a CRS of its own, or per layer
        (``"villages=gcj02,facilities=gcj02"``), which applies even to a file labelled
        with a geographic CRS.
    roads : str or Path, optional
        The OSM road file; default: the first of :data:`ROAD_FILES` beside the region.
        Without one the region is checked by straight-line estimate.
    name : str, optional
        Display name (default: the name of the only district, else the district named
        by the township and village codes, else the folder's or GeoPackage's name).
    column_maps : dict, optional
        ``{layer: {"header in the file": "canonical column"}}``.

    Returns
    -------
    Region
        Layers in the region's metric CRS, with every problem found.

    Raises
    ------
    InputError
        When a required layer is missing or unusable.
    """
    path = Path(path)
    column_maps = column_maps or {}
    try:
        crs_spec = parse_input_crs(input_crs)
    except ValueError as exc:
        raise InputError.at(str(exc), file=path.name) from None
    if not path.exists():
        raise InputError.of("in.region_missing", file=path.name, path=path)
    layers, problems, sources = {}, [], {}
    for layer, source in _layer_sources(path).items():
        file, gpkg_layer = source
        crs, for_file = crs_spec.for_layer(layer)
        gdf, found = read_layer(file, layer, input_crs=crs, crs_for_file=for_file,
                                column_map=column_maps.get(layer), gpkg_layer=gpkg_layer)
        layers[layer] = gdf
        problems += found
        sources[layer] = str(file) + (f"#{gpkg_layer}" if gpkg_layer else "")
    folder = path if path.is_dir() else path.parent
    if roads is None:
        roads = next((folder / f for f in ROAD_FILES if (folder / f).exists()), None)
    elif not Path(roads).exists():
        raise InputError.of("in.road_file_missing", file=Path(roads).name, layer="roads",
                            path=roads)
    return region_from_layers(layers, name=name, problems=problems, sources=sources, roads=roads,
                              fallback_name=path.stem if path.is_file() else path.name)


def region_from_layers(layers: dict[str, gpd.GeoDataFrame], *, name: str | None = None,
                       problems: list[Problem] | None = None, sources: dict[str, str] | None = None,
                       roads: str | Path | None = None, fallback_name: str | None = None) -> Region:
    """Assemble a region from layers read by :func:`read_layer`, with cross-layer checks.

    Villages get their ``township_id`` from the township named in the file (by id or
    by name) or else from the township polygon holding them; a village outside every
    township and a facility outside the region are kept with a warning. Then every
    layer is projected to the region's metric CRS.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        ``townships``, ``villages``, ``facilities`` (required) and ``districts``,
        as :func:`read_layer` returns them (EPSG:4326).
    name : str, optional
        Display name; default: the name of the only district in the districts layer,
        else the district(s) named by the township and village codes
        (:func:`planning.inputs.divisions.region_name`), else ``fallback_name``.
    problems : list of Problem, optional
        Problems found while reading, kept in the region.
    sources : dict of str to str, optional
        Layer -> file.
    roads : str or Path, optional
        The OSM road file.
    fallback_name : str, optional
        The name when neither the data nor ``name`` give one (default 未命名地区).

    Returns
    -------
    Region
        Townships without a ``district`` get the district their code names (or the
        region's name), so no table says "None".
    """
    missing = [n for n in REQUIRED_LAYERS if layers.get(n) is None]
    if missing:
        raise InputError.of("in.layers_missing", needed=", ".join(REQUIRED_LAYERS),
                            missing=", ".join(missing))
    problems = list(problems or [])
    towns = layers["townships"].to_crs(WGS84)
    centre = shapely.centroid(shapely.union_all(towns.geometry.values))
    crs = metric_crs(centre.x, centre.y)
    metric = {n: g.to_crs(crs) for n, g in layers.items() if g is not None}
    metric["villages"] = _link_villages(metric["villages"], metric["townships"], problems)
    metric["facilities"] = _place_register_rows(metric["facilities"], metric["villages"],
                                                metric["townships"], problems)
    _check_facilities(metric["facilities"], metric["townships"], problems)
    name = name or _region_name(metric, fallback_name)
    metric["townships"] = _fill_districts(metric["townships"], name, problems)
    return Region(name=name, crs=crs, townships=metric["townships"],
                  villages=metric["villages"], facilities=metric["facilities"],
                  districts=metric.get("districts"), problems=problems,
                  sources=dict(sources or {}), roads_path=Path(roads) if roads else None)


def load_demo() -> Region:
    """The embedded demo region (宝坻区, Tianjin) from :data:`planning.settings.DEMO_DIR`.

    Reads ``region.gpkg`` and the road file beside it (``roads.osm.bz2``).
    """
    gpkg = settings.DEMO_DIR / "region.gpkg"
    if not gpkg.exists():
        raise InputError.at(f"the demo data are missing: expected {gpkg}", file=gpkg.name)
    return load_region(gpkg, name="宝坻区")


# --------------------------------------------------------------------------- reading files


@dataclass
class _Raw:
    """A file's rows as text, with its geometries if it is a vector file."""

    file: str  # file name for messages
    label: str  # origin prefix: "file" or "file#layer"
    table: pd.DataFrame  # every cell as str ("" = empty), original headers
    geometry: np.ndarray | None = None  # shapely geometries (vector files)
    crs: object = None  # pyproj CRS of ``geometry``
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None  # Excel sheet read
    alternatives: list["_Raw"] = field(default_factory=list)  # other sheets to try


def _read_raw(path: Path, layer: str, sheet: str | None, gpkg_layer: str | None) -> _Raw:
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError.of("in.file_missing", file=path.name, layer=layer, path=path)
    if suffix not in _VECTOR + _TABLE:
        hint = Msg("in.bad_suffix_xls") if suffix == ".xls" else ""
        raise InputError.of("in.bad_suffix", file=path.name, layer=layer, suffix=suffix or "this",
                            hint=hint, formats=", ".join(_VECTOR + _TABLE))
    _sniff(path, suffix, layer)
    try:
        if suffix in (".csv", ".txt"):
            table, problems = _read_csv(path, layer)
            return _Raw(path.name, path.name, table, problems=problems)
        if suffix in (".xlsx", ".xlsm"):
            return _read_excel(path, sheet, layer)
        return _read_vector(path, layer, gpkg_layer)
    except InputError:
        raise
    except Exception as exc:  # a broken file: say which, never a traceback
        raise InputError.of("in.unreadable", file=path.name, layer=layer,
                            error=f"{type(exc).__name__}: {exc}") from None


def _sniff(path: Path, suffix: str, layer: str) -> None:
    """Refuse an empty file, or one whose first bytes say it is not what its name says."""
    size = path.stat().st_size
    if size == 0:
        raise InputError.of("in.empty_file", file=path.name, layer=layer)
    with open(path, "rb") as fh:
        head = fh.read(512)

    def refuse(what: str) -> None:
        raise InputError.of("in.misnamed", file=path.name, layer=layer, suffix=suffix,
                            what=Msg(f"in.what.{what}"))

    if suffix in (".csv", ".txt"):
        if head.startswith(_ZIP_MAGIC):
            refuse("zip_not_text")
        if head.startswith(_OLE_MAGIC):
            refuse("xls_as_csv")
    elif suffix in (".xlsx", ".xlsm", ".zip"):
        if head.startswith(_OLE_MAGIC):
            refuse("xls_or_password")
        if not head.startswith(_ZIP_MAGIC):
            refuse("not_zip")
        uploads.check_zip(path)  # an .xlsx is a zip too: no bombs, no escaping members
    elif suffix == ".gpkg" and not head.startswith(b"SQLite format 3\0"):
        refuse("not_gpkg")
    elif suffix in (".geojson", ".json"):
        text = head.lstrip(codecs.BOM_UTF8).lstrip()
        if not text.startswith(b"{"):
            refuse("not_geojson")


def _decode(data: bytes) -> tuple[str, Problem | None]:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    GB18030 is a superset of GBK and GB2312. A file mixing lines of UTF-8 and GBK (two
    exports pasted together) is decoded line by line, with a warning naming the GBK
    lines; bytes that are neither become U+FFFD, with a warning.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    lines, gbk, utf8, bad = [], [], 0, []
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            try:
                lines.append(line.decode("gb18030"))
                gbk.append(i)
            except UnicodeDecodeError:
                lines.append(line.decode("gb18030", errors="replace"))
                bad.append(i)
    text = "\n".join(lines)
    if bad:
        return text, Problem.of("warning", "in.bad_bytes", lines=_some(bad))
    if utf8 and gbk:
        return text, Problem.of("warning", "in.mixed_encoding", lines=_some(gbk))
    return text, None


def _some(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" … ({len(numbers)} in all)" if len(numbers) > limit else "")


def _read_csv(path: Path, layer: str) -> tuple[pd.DataFrame, list[Problem]]:
    text, note = _decode(path.read_bytes())
    problems = [] if note is None else [replace(note, file=path.name, layer=layer)]
    first = [ln for ln in text.splitlines()[:_HEADER_SCAN] if ln.strip()]
    sep = max((",", "\t", ";", "|"), key=lambda s: max((ln.count(s) for ln in first), default=0))
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(StringIO(text, newline=""),
                                                               delimiter=sep)]
    except csv.Error as exc:
        raise InputError.of("in.csv_quotes", file=path.name, layer=layer, error=exc) from None
    table, found = _table_from_rows(rows, layer, path.name, ragged="set aside")
    return table, problems + found


def _read_excel(path: Path, sheet: str | None, layer: str) -> _Raw:
    """The named sheet, or the first sheet with the layer's columns (others as alternatives)."""
    import openpyxl

    small = path.stat().st_size <= _EXCEL_FULL_BYTES  # merged cells need the full reader
    book = openpyxl.load_workbook(path, read_only=not small, data_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError.of("in.no_sheet", file=path.name, layer=layer, sheet=sheet,
                                sheets=", ".join(book.sheetnames))
        sheets = [book[sheet]] if sheet is not None else list(book.worksheets)
        raws = []
        for ws in sheets:
            if not hasattr(ws, "iter_rows"):  # a chart sheet
                continue
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            merged = [] if not small else [
                (r.min_row, r.max_row, r.min_col, r.max_col, str(r)) for r in ws.merged_cells.ranges]
            for r0, r1, c0, c1, _ in merged:  # every cell of a merged range gets its value
                value = rows[r0 - 1][c0 - 1] if r0 <= len(rows) and c0 <= len(rows[r0 - 1]) else ""
                for r in range(r0 - 1, min(r1, len(rows))):
                    rows[r] += [""] * (c1 - len(rows[r]))
                    for c in range(c0 - 1, c1):
                        rows[r][c] = value
            table, problems = _table_from_rows(rows, layer, path.name, merged=merged)
            label = path.name if len(book.sheetnames) == 1 else f"{path.name}#{ws.title}"
            raws.append(_Raw(path.name, label, table, problems=problems, sheet=ws.title))
    finally:
        book.close()
    if not raws:
        raise InputError.of("in.no_worksheet", file=path.name, layer=layer)
    raws[0].alternatives = raws[1:]
    return raws[0]


def _table_from_rows(rows: list[list[str]], layer: str, file: str, *, ragged: str = "keep",
                     merged: list | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """A text table from rows of cells: find the header, name every column once.

    The header is the row, among the first :data:`_HEADER_SCAN` non-blank ones, that
    names the most of the layer's columns (a title or a merged group heading above it
    is skipped, with a note). Rows longer than the header: with ``ragged="set aside"``
    (CSV) a row whose extra cells are not empty is emptied and reported (an unquoted
    comma in a name); with ``"keep"`` (Excel) extra columns are kept as "column N".
    Data rows are numbered from 1 after the header.
    """
    problems: list[Problem] = []
    start = 0
    while start < len(rows) and not any(rows[start]):
        start += 1
    rows = rows[start:]
    if not rows:
        return pd.DataFrame(), problems
    known = _known_keys(layer)
    scores = [sum(_header_key(c) in known for c in row) if any(row) else -1
              for row in rows[:_HEADER_SCAN]]
    h = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[h] <= 0:
        h = 0
    if h:
        problems.append(Problem.of("info", "in.header_line", file, layer, line=start + h + 1))
    header, data = rows[h], rows[h + 1:]
    width = len(header)
    if ragged == "set aside":
        for i, row in enumerate(data):
            if len(row) > width and any(row[width:]):
                problems.append(Problem.of("error", "in.ragged_row", file, layer, i + 1,
                                           cells=len(row), width=width))
                data[i] = [""] * width
    else:
        width = max([width] + [len(r) for r in data])
    data = [(r + [""] * (width - len(r)))[:width] for r in data]
    header = header + [""] * (width - len(header))
    keep = [i for i, name in enumerate(header) if name or any(r[i] for r in data)]
    names, seen = [], {}
    for i in keep:
        name = header[i] or f"column {i + 1}"
        key = normalize_text(name)
        if key in seen:
            new = f"{name} ({seen[key] + 1})"
            problems.append(Problem.of("warning", "in.duplicate_header", file, layer,
                                       column=name, name=name, new=new))
            seen[key] += 1
            name = new
        else:
            seen[key] = 1
        names.append(name)
    top = start + h + 1  # 1-based sheet line of the header
    for r0, r1, c0, c1, ref in merged or ():
        if r1 > top and r1 > r0:  # merged down across data rows
            problems.append(Problem.of("info", "in.merged_filled", file, layer, max(r0 - top, 1),
                                       header[c0 - 1] or None if c0 - 1 < len(header) else None,
                                       ref=ref))
    return pd.DataFrame([[r[i] for i in keep] for r in data], columns=names, dtype=str), problems


def _did_you_mean(col: Column, headers: list[str], used: set[str]) -> Msg | None:
    """``Is 'longtitude' meant to be 'lon'?`` when a free header is close to a column's names."""
    free = {normalize_text(h): h for h in headers if h not in used}
    for want in (col.name, *col.aliases):
        close = difflib.get_close_matches(normalize_text(want), list(free), n=1, cutoff=0.85)
        if close:
            return Msg("in.did_you_mean", {"header": free[close[0]], "field": col.name})
    return None


def _known_keys(layer: str) -> set[str]:
    """Normalised names and aliases of a layer's columns (with the WKT column)."""
    return {_header_key(n) for c in (*LAYERS[layer], _WKT) for n in (c.name, *c.aliases)}


def _header_key(header: object) -> str:
    """A header as compared with the schema: normalised, a trailing unit in brackets
    dropped (``"常住人口（人）"`` -> ``"常住人口"``, ``"经度(°)"`` -> ``"经度"``)."""
    key = normalize_text(header)
    return _UNIT.sub("", key) or key


def _cell_text(value: object) -> str:
    """A cell or attribute as text: integral numbers without ``.0``, never scientific."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
        text = repr(v)
        return format(v, "f").rstrip("0") if "e" in text else text
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _read_vector(path: Path, layer: str, gpkg_layer: str | None) -> _Raw:
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    source, encoding, label = str(path), None, path.name
    if suffix == ".gpkg":
        names = [n for n, _ in pyogrio.list_layers(path)]
        wanted = gpkg_layer or layer
        if wanted not in names:
            if gpkg_layer is None and len(names) == 1:
                wanted = names[0]
            else:
                raise InputError.of("in.no_gpkg_layer", file=path.name, layer=layer,
                                    wanted=wanted, names=", ".join(names) or "—")
        gdf = gpd.read_file(path, layer=wanted, engine="pyogrio")
        label = f"{path.name}#{wanted}"
    else:
        if suffix == ".zip":
            source, cpg = _zipped_shapefile(path, layer)
        elif suffix == ".shp":
            cpg_file = path.with_suffix(".cpg")
            cpg = cpg_file.read_bytes().decode("ascii", "ignore") if cpg_file.exists() else None
        else:  # GeoJSON is UTF-8 by definition
            cpg = "UTF-8"
        encoding = _cpg_encoding(cpg)
        if encoding is None and cpg:
            problems.append(Problem.of("warning", "in.cpg_unknown", path.name, layer,
                                       cpg=cpg.strip()))
        if encoding:
            gdf = gpd.read_file(source, engine="pyogrio", encoding=encoding)
        else:
            try:
                gdf = gpd.read_file(source, engine="pyogrio", encoding="utf-8")
            except UnicodeDecodeError:
                gdf = gpd.read_file(source, engine="pyogrio", encoding="gb18030")
                problems.append(Problem.of("info", "in.read_as_gbk", path.name, layer))
    geometry = gdf.geometry.values
    table = pd.DataFrame({c: [_cell_text(v) for v in gdf[c]] for c in gdf.columns
                          if c != gdf.geometry.name}, index=range(len(gdf)), dtype=str)
    return _Raw(path.name, label, table, np.asarray(geometry, dtype=object), gdf.crs, problems)


def _zipped_shapefile(path: Path, layer: str) -> tuple[str, str | None]:
    with zipfile.ZipFile(path) as zf:
        shps = [n for n in zf.namelist() if n.lower().endswith(".shp") and "__MACOSX" not in n]
        if len(shps) != 1:
            found = ", ".join(shps) or "none"
            raise InputError.of("in.zip_shp_count", file=path.name, layer=layer, found=found)
        cpgs = [n for n in zf.namelist() if n.lower() == shps[0][:-4].lower() + ".cpg"]
        cpg = zf.read(cpgs[0]).decode("ascii", "ignore") if cpgs else None
    return f"/vsizip/{path.resolve()}/{shps[0]}", cpg


def _cpg_encoding(cpg: str | None) -> str | None:
    """The Python codec a ``.cpg`` names ("GBK", "936", "UTF-8", "65001", "88591" …), or None."""
    text = (cpg or "").strip().lower()
    if not text:
        return None
    if m := re.fullmatch(r"(?:ansi|cp|codepage)?\s*(\d+)", text):
        code = m.group(1)
        text = {"65001": "utf-8"}.get(code) or (f"iso8859-{code[4:]}" if code.startswith("8859")
                                                else f"cp{code}")
    try:
        codec = codecs.lookup(text).name
    except LookupError:
        return None
    return "gb18030" if codec in ("gbk", "gb2312", "cp936") else codec


# --------------------------------------------------------------------------- validation


class _Validator:
    """Turns a file's text rows into a typed, checked GeoDataFrame for one layer."""

    def __init__(self, raw: _Raw, layer: str, input_crs: str, column_map: dict[str, str] | None,
                 crs_for_file: bool = True):
        self.raw, self.layer, self.input_crs = raw, layer, input_crs
        self.crs_for_file = crs_for_file
        self.table = raw.table.reset_index(drop=True).astype(object)  # fast to iterate
        self.rows = np.arange(1, len(self.table) + 1)  # 1-based data rows
        self.problems: list[Problem] = list(raw.problems)
        self.aside: dict[int, str] = {}  # row position -> reason (set aside)
        self.unlocated: set[int] = set()  # facility rows to place at a seat (registers)
        self.columns = LAYERS[layer]
        self.header = self._resolve_headers(column_map or {})

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

    def _resolve_headers(self, column_map: dict[str, str]) -> dict[str, str]:
        """canonical column -> header in the file; InputError for a missing required one."""
        headers = [str(h) for h in self.table.columns]
        known = {c.name: c for c in self.columns} | {"wkt": _WKT}
        found: dict[str, str] = {}
        for theirs, canonical in column_map.items():
            if canonical not in known:
                raise InputError.of("in.map_unknown_field", self.raw.file, self.layer,
                                    theirs=theirs, field=canonical, lname=Msg(f"layer_name.{self.layer}"),
                                    fields=", ".join(known))
            match = [h for h in headers if normalize_text(h) == normalize_text(theirs)]
            if not match:
                raise InputError.of("in.map_missing_header", self.raw.file, self.layer,
                                    column=theirs, theirs=theirs, headers=", ".join(headers))
            found[canonical] = match[0]
        used = set(found.values())
        for key in (normalize_text, _header_key):  # exact first, then without a unit
            for col in known.values():
                if col.name in found:
                    continue
                for want in (col.name, *col.aliases):
                    match = [h for h in headers if h not in used and key(h) == normalize_text(want)]
                    if match:
                        found[col.name] = match[0]
                        used.add(match[0])
                        break
        self.generate_ids = False
        for col in self.columns:
            if col.required and col.name not in found:
                if self.layer == "facilities" and col.name == "facility_id":
                    self.generate_ids = True  # from kind, name and place: see _generated_ids
                    continue
                tried = ", ".join((col.name, *col.aliases))
                hint = _did_you_mean(col, headers, used)
                raise InputError.of(
                    "in.no_column", self.raw.file, self.layer, column=col.name, field=col.name,
                    label=Msg(f"field.{col.name}"), tried=tried, headers=", ".join(headers) or "—",
                    hint=Msg("in.hint", {"hint": hint}) if hint else "")
        return found

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
                              ([col for col in self.columns if col.name in ("lon", "lat")] + [_WKT]))
            used = set(self.header.values())
            hints = [h for c in self.columns if c.name in ("lon", "lat") and c.name not in self.header
                     if (h := _did_you_mean(c, list(self.table.columns), used))]
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
            lon, lat = _degrees(tlon), _degrees(tlat)
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
        value = _parse_number(text)
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


def _parse_number(text: str) -> float | None:
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


def _degrees(text: str) -> float | None:
    """Decimal degrees, or degrees-minutes-seconds such as ``117°12'30"E``; None if neither."""
    if not text:
        return None
    value = _parse_number(text)
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


# --------------------------------------------------------------------------- region assembly


def _layer_sources(path: Path) -> dict[str, tuple[Path, str | None]]:
    """Layer -> (file, layer inside a GeoPackage) for a GeoPackage or a region folder."""
    if path.is_file():
        if path.suffix.lower() != ".gpkg":
            raise InputError.of("in.region_not_gpkg", file=path.name)
        present = {n.lower(): n for n, _ in pyogrio.list_layers(path)}
        missing = [n for n in REQUIRED_LAYERS if n not in present]
        if missing:
            raise InputError.of("in.gpkg_lacks", file=path.name, missing=", ".join(missing),
                                present=", ".join(present.values()) or "—")
        return {n: (path, present[n]) for n in LAYER_FILE_NAMES if n in present}
    sources = {}
    for layer, stems in LAYER_FILE_NAMES.items():
        files = sorted(f for f in path.iterdir() if f.is_file()
                       and f.suffix.lower() in _VECTOR + _TABLE and f.stem.lower() in stems)
        if len(files) > 1:
            raise InputError.of("in.several_files", file=path.name, layer=layer,
                                lname=Msg(f"layer_name.{layer}"), files=", ".join(f.name for f in files))
        if files:
            sources[layer] = (files[0], None)
        elif layer in REQUIRED_LAYERS:
            names = ", ".join(f"{s}.csv/.xlsx/.shp/.zip/.geojson/.gpkg" for s in stems[:1])
            raise InputError.of("in.no_layer_file", file=path.name, layer=layer, names=names,
                                lname=Msg(f"layer_name.{layer}"),
                                others=", ".join(stems[1:]))
    return sources


def _where(origin: str) -> tuple[str, int | None]:
    label, _, row = origin.rpartition(":")
    return label.split("#", 1)[0], int(row) if row.isdigit() else None


def _name_key(name: object) -> str:
    text = normalize_text(name or "")
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _link_villages(villages: gpd.GeoDataFrame, towns: gpd.GeoDataFrame,
                   problems: list[Problem]) -> gpd.GeoDataFrame:
    """Fill and check each village's ``township_id`` (given id, township name, or polygon)."""
    villages = villages.copy()
    ids = set(towns["township_id"])
    keys = pd.Series(towns["township_id"].values, index=[_name_key(n) for n in towns["name"]])
    by_name = keys[~keys.index.duplicated(keep=False)].to_dict()
    inside = within_polygons(villages, towns, "township_id")
    result, joined = [], 0
    for i, (tid, tname, origin) in enumerate(zip(villages["township_id"], villages["township"],
                                                 villages["origin"])):
        file, row = _where(origin)
        here = inside.iloc[i]
        here = None if pd.isna(here) else here

        def warn(key, column=None, **fields):
            problems.append(Problem.of("warning", key, file, "villages", row, column, **fields))

        if isinstance(tid, str) and tid in ids:
            pass
        elif isinstance(tid, str):
            warn("in.township_id_unknown" if here else "in.township_id_unknown_empty",
                 "township_id", tid=tid, here=here)
            tid = here
        elif isinstance(tname, str):
            tid = by_name.get(_name_key(tname))
            if tid is None:
                warn("in.township_name_unknown" if here else "in.township_name_unknown_empty",
                     "township", name=tname, here=here)
                tid = here
        else:
            tid, joined = here, joined + (here is not None)
        if here is None:
            warn("in.village_outside" if tid else "in.village_outside_unknown", "geometry")
        result.append(tid)
    villages["township_id"] = pd.Series(result, index=villages.index, dtype="str")
    if joined:
        problems.append(Problem.of("info", "in.villages_joined", layer="villages",
                                   column="township_id", n=joined))
    return villages


def _region_name(layers: dict[str, gpd.GeoDataFrame], fallback: str | None) -> str:
    """The only district's name, else the district(s) of the codes, else ``fallback``."""
    districts = layers.get("districts")
    if districts is not None and len(districts) == 1 and isinstance(districts["name"].iloc[0], str):
        return districts["name"].iloc[0]
    named = region_name(layers["townships"]["township_id"], layers["villages"]["village_id"])
    return named or fallback or "未命名地区"


def _fill_districts(towns: gpd.GeoDataFrame, region: str,
                    problems: list[Problem]) -> gpd.GeoDataFrame:
    """Townships without a district get the one their code names, else the region's name."""
    empty = towns["district"].isna() | (towns["district"].astype(str).str.strip() == "")
    if not empty.any():
        return towns
    towns = towns.copy()
    by_code = towns.loc[empty, "township_id"].map(district_name)
    towns.loc[empty, "district"] = by_code.fillna(region)
    problems.append(Problem.of("info", "in.district_filled", layer="townships", column="district",
                               n=int(empty.sum()), coded=int(by_code.notna().sum()), name=region))
    return towns


def _check_facilities(facilities: gpd.GeoDataFrame, towns: gpd.GeoDataFrame,
                      problems: list[Problem]) -> None:
    """Warn about facilities outside every township (they are kept)."""
    inside = within_polygons(facilities, towns, "township_id")
    for origin, name, here in zip(facilities["origin"], facilities["name"], inside):
        if pd.isna(here):
            file, row = _where(origin)
            problems.append(Problem.of("warning", "in.facility_outside", file, "facilities", row,
                                       "geometry", name=name))


def _place_register_rows(facilities: gpd.GeoDataFrame, villages: gpd.GeoDataFrame,
                         towns: gpd.GeoDataFrame, problems: list[Problem]) -> gpd.GeoDataFrame:
    """Facilities read without coordinates, placed at their village or township seat."""
    todo = facilities.geometry.isna().to_numpy()
    if not todo.any():
        return facilities
    placed, found = place_unlocated(facilities[todo], villages, towns)
    problems += found
    both = pd.concat([facilities[~todo], placed], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=facilities.crs)
