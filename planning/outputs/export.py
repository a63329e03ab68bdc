"""Export result layers to GIS files (GeoPackage, GeoJSON, Shapefile, KML) and to tables.

Input is a dict of layer name -> GeoDataFrame in any declared CRS (the rules give their
layers in the region's metric CRS, e.g. EPSG:32650). Every export is reprojected to
longitude/latitude in the coordinate system the planner asks for:

``wgs84`` (EPSG:4326, default; GPS, OpenStreetMap, QGIS basemaps), ``cgcs2000``
(EPSG:4490; Tianditu and official surveying; centimetres from WGS84), ``gcj02``
(Amap, Tencent) or ``bd09`` (Baidu). GCJ-02 and BD-09 are offsets, not datums: no
EPSG code exists, so such files are *labelled* EPSG:4326 while their coordinates are
shifted by several hundred metres. The shift is recorded in every file: the layer
description (GeoPackage, GeoJSON), the KML document description, ``README.txt`` in a
zip, the ``About``/``说明`` sheet in Excel, and the suggested file name
(:func:`export_filename` adds ``_gcj02``).

What each format holds (all open in QGIS by drag and drop):

- ``gpkg``: one GeoPackage, one layer per input layer.
- ``geojson``: one ``.geojson`` for one layer; several layers (or a path ending in
  ``.zip``) give a ``.geojson.zip`` holding one ``<layer>.geojson`` per layer and a
  ``README.txt`` (QGIS lists the files in the zip and adds the chosen ones).
- ``shp``: always a ``.shp.zip`` (GDAL and QGIS open it directly) with one Shapefile set
  per layer, written in UTF-8 with a ``.cpg`` saying so, and a ``README.txt`` listing
  each shortened field name (see :func:`shapefile_field_names`).
- ``kml``: one ``.kml`` (GDAL's LIBKML driver), a Folder per layer; each Placemark is
  named by the row's ``name`` (else its id) and described by all its fields. KML is
  WGS84 by definition: CGCS2000 coordinates are written as they are (they differ by
  centimetres), GCJ-02 ones are noted in the document description.
- ``xlsx``: one sheet per layer without geometry, plus ``lon``/``lat`` (the point, or a
  polygon's representative point, in the export coordinate system), and a last sheet
  ``About`` (``说明``): the coordinate system, the date, the rulebook's name and version
  and the source files (:class:`ExportAbout`), what each status means, and each sheet's
  columns with their meaning.

Tables a person reads (Excel, CSV, KML descriptions) go through
:func:`planning.outputs.tables.tidy`: headers titled with their units in the chosen
language (到卫生室道路距离(米) / Road distance to clinic (m)), numbers rounded to what
they mean (metres to 1, minutes to 0.1, shares to 0.1 %, residents whole), words for
coded values and yes/no, the rules' code columns and repeated columns left out.
GIS files keep the rules' columns, full precision and short ASCII field names: they are
what scripts and joins use, and Shapefile names hold at most 10 bytes; ``lang="zh"``
writes the values of ``status``, ``coverage``, ``kind`` … in words (``pass`` -> ``达标``).
A GeoPackage carries each column's title and meaning in ``gpkg_data_columns``
(:func:`write_column_titles`), which QGIS shows as field aliases.

Identifiers stay text everywhere (``120115101201`` is never a number): columns named
``id``, ``*_id``, ``code`` or ``*_code`` are written as text, and Excel cells holding
text are formatted as text (``@``). Text cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading ``'``
in Excel and CSV.

``lon``/``lat`` columns of a layer with geometry are derived from the geometry: GIS
files leave them out, tables recompute them in the export coordinate system.

The travel-time surface (:mod:`planning.travel.surface`) is a raster: :func:`export_surface`
writes it as a GeoTIFF in the region's metric CRS (QGIS reprojects it on the fly;
resampling it to longitude/latitude would change its values).

Every file is written to a temporary name beside the target, flushed to disk, then
renamed onto the target: a failed export leaves the target as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import shapely
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from planning._atomic import atomic_path
from planning.crs import INPUT_CRS, check_input_crs, geometry_from_wgs84
from planning.errors import InputError
from planning.outputs.tables import number_format, tidy
from planning.words import (STATUS, STATUS_MEANINGS, VALUES, column, column_meaning, render_units,
                            status_word, t, value_word)


@dataclass(frozen=True)
class ExportFormat:
    """A file format :func:`export_layers` writes.

    Attributes
    ----------
    key : str
        The ``fmt`` value (``"gpkg"``, ``"geojson"`` …).
    suffix : str
        File suffix for one layer (``.geojson``) …
    multi_suffix : str
        … and for several layers (``.geojson.zip``); the same for other formats.
    mime : str
        MIME type of the file (for download buttons).
    label_en, label_zh : str
        Button labels.
    """

    key: str
    suffix: str
    multi_suffix: str
    mime: str
    label_en: str
    label_zh: str


_ZIP_MIME = "application/zip"

@dataclass(frozen=True)
class ExportAbout:
    """Where the exported results come from, for the About (说明) sheet of Excel exports.

    Attributes
    ----------
    sources : dict of str to str
        Layer (``townships`` …) -> the file it was read from, as the planner names it
        (file name and layer, never a server path: see :meth:`of`).
    rulebook : str
        The rulebook's name.
    version : str
        The rulebook's version.
    date : str
        Export date, ISO (``2026-12-02``).
    """

    sources: dict[str, str] = field(default_factory=dict)
    rulebook: str = ""
    version: str = ""
    date: str = field(default_factory=lambda: dt.date.today().isoformat())

    @classmethod
    def of(cls, assessment) -> "ExportAbout":
        """The sources and rulebook of an assessment; the date is today's."""
        sources = {layer: _file_label(src) for layer, src in
                   getattr(assessment.region, "sources", {}).items() if src}
        meta = getattr(assessment.rulebook, "meta", {}) or {}
        return cls(sources=sources, rulebook=str(meta.get("name", "")),
                   version=str(meta.get("version", "")))

    def rulebook_name(self, lang: str) -> str:
        """The rulebook's name in ``lang``: a name written ``中文 / English`` gives its part."""
        zh, sep, en = self.rulebook.partition(" / ")
        return (en if lang == "en" else zh).strip() if sep else self.rulebook


def _file_label(source: str) -> str:
    """``/srv/x/region.gpkg#villages`` -> ``region.gpkg#villages``: the file's own name."""
    path, _, layer = str(source).partition("#")
    name = Path(path).name or path
    return f"{name}#{layer}" if layer else name


#: the formats :func:`export_layers` writes, by ``fmt`` key
FORMATS: dict[str, ExportFormat] = {
    "gpkg": ExportFormat("gpkg", ".gpkg", ".gpkg", "application/geopackage+sqlite3",
                         "GeoPackage (QGIS/ArcGIS)", "GeoPackage（QGIS/ArcGIS）"),
    "geojson": ExportFormat("geojson", ".geojson", ".geojson.zip", "application/geo+json",
                            "GeoJSON", "GeoJSON"),
    "shp": ExportFormat("shp", ".shp.zip", ".shp.zip", _ZIP_MIME,
                        "Shapefile (zip)", "Shapefile（压缩包）"),
    "kml": ExportFormat("kml", ".kml", ".kml", "application/vnd.google-earth.kml+xml",
                        "KML (Google Earth)", "KML（奥维/Google Earth）"),
    "xlsx": ExportFormat("xlsx", ".xlsx", ".xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         "Excel tables", "Excel 表格"),
}

#: coordinate systems an export may be written in (see the module docstring)
EXPORT_CRS: tuple[str, ...] = INPUT_CRS
#: languages of headers and values
LANGS: tuple[str, ...] = ("en", "zh")

_FMT_ALIASES = {"gpkg": "gpkg", "geopackage": "gpkg", "geojson": "geojson", "json": "geojson",
                "shp": "shp", "shapefile": "shp", "esrishapefile": "shp", "kml": "kml",
                "xlsx": "xlsx", "excel": "xlsx"}
#: file suffixes (longest first) -> format
_SUFFIXES = ((".geojson.zip", "geojson"), (".shp.zip", "shp"), (".gpkg", "gpkg"),
             (".geojson", "geojson"), (".json", "geojson"), (".shp", "shp"), (".kml", "kml"),
             (".xlsx", "xlsx"))
_EPSG = {"wgs84": 4326, "gcj02": 4326, "bd09": 4326, "cgcs2000": 4490}
_TAG = {"wgs84": "", "gcj02": "_gcj02", "bd09": "_bd09", "cgcs2000": "_cgcs2000"}

#: shortened Shapefile field names for the common long columns (see shapefile_field_names)
SHAPEFILE_NAMES: dict[str, str] = {
    "township_id": "town_id", "district_id": "distr_id", "facility_id": "fac_id",
    "nearest_clinic_id": "near_cl_id", "nearest_clinic": "near_clin",
    "clinic_distance_m": "clin_dist", "clinic_road_m": "clin_road",
    "clinic_straight_m": "clin_strt", "minutes_to_care": "min_care",
    "nearest_facility_id": "near_fa_id", "nearest_hospital_id": "near_ho_id",
    "home_village_id": "home_vi_id", "home_village": "home_vil",
    "villages_served": "vil_served", "residents_served": "res_served",
    "residents_within": "res_within", "service_mode": "serv_mode",
    "standardized": "standard", "agricultural": "agricult",
    "public_health_staff": "pub_health", "stations_needed": "stat_need",
    "member_names": "mem_names", "road_snap": "road_snap",
    "gps_per_10000": "gp_10k", "gps_per_10000_plain": "gp_10k_pln",
    "gps_per_10000_served": "gp_10k_srv", "nurses_per_1000": "nrs_1k",
    "nurses_per_1000_served": "nrs_1k_srv", "village_doctors": "vil_docs",
    "village_doctors_per_1000": "vd_1k", "village_doctors_per_1000_served": "vd_1k_srv",
    "residents_below": "res_below", "villages_unknown": "vil_unknwn",
    "villages_near_border": "vil_border", "gp_facilities": "gp_facs",
    "minutes_to_gp": "min_to_gp", "near_border": "near_bordr", "upper_bound": "upper_bnd",
    "served_population": "served_pop", "villages_reached": "vil_reach",
    "gps_counted": "gps_count",
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ID_NAME = re.compile(r"(^|_)(id|code)$")


def export_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike,
                  fmt: str | None = None, *, crs: str = "wgs84", lang: str = "en",
                  about: ExportAbout | None = None) -> Path:
    """Write result layers to one file a GIS or a spreadsheet opens.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        Layer name -> layer, each with a declared CRS (metric or geographic). A plain
        DataFrame is written as a table without geometry.
    path : str or path-like
        Target file. Its folder is created if missing. For Shapefiles, and for GeoJSON
        with several layers, ``.zip`` is appended unless the name already ends in it.
    fmt : {"gpkg", "geojson", "shp", "kml", "xlsx"}, optional
        See :data:`FORMATS`; inferred from the suffix of ``path`` when None.
    crs : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        Coordinate system of the output (longitude/latitude, degrees).
    lang : {"en", "zh"}
        Language of table headers and of status values (see the module docstring).
    about : ExportAbout, optional
        Sources, rulebook and date for the About sheet of an Excel export (and nothing
        else); without it the sheet says what it can (coordinates, date, statuses,
        columns).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    planning.errors.InputError
        Unknown format, coordinate system or language; no layers; a layer without a CRS.
    """
    path = Path(path)
    key = _check_format(fmt, path)
    crs, lang = _check_crs(crs), _check_lang(lang)
    if not layers:
        raise InputError.at("nothing to export: no layers given", file=path.name)
    out = _final_path(path, key, len(layers))
    prepared = prepare_layers(layers, crs=crs, lang=lang)
    with atomic_path(out) as tmp:
        _WRITERS[key](prepared, tmp, crs, lang, about or ExportAbout())
    return out


def prepare_layers(layers: Mapping[str, pd.DataFrame], *, crs: str = "wgs84",
                   lang: str = "en") -> dict[str, gpd.GeoDataFrame]:
    """Layers made ready to write, as :func:`export_layers` writes them: ids as text,
    coded values in words (``lang``), geometry in longitude/latitude of ``crs``.

    For :func:`gpkg_writer`, when the layers are prepared elsewhere (a Dask worker) than
    where they are written.
    """
    crs, lang = _check_crs(crs), _check_lang(lang)
    return {name: _prepare(frame, str(name), crs, lang) for name, frame in layers.items()}


@contextmanager
def gpkg_writer(path: str | os.PathLike, *, crs: str = "wgs84",
                lang: str = "en") -> Iterator[Callable[[Mapping[str, gpd.GeoDataFrame]], None]]:
    """A GeoPackage written a few layers at a time, atomically.

    Yields ``write(prepared)``, which adds layers made by :func:`prepare_layers` (same
    ``crs`` and ``lang``); on leaving the block the column titles are recorded
    (:func:`write_column_titles`) and the file renamed onto ``path``. An error inside the
    block leaves ``path`` as it was. The file equals :func:`export_layers`'s for the
    same layers in the same order.
    """
    crs, lang = _check_crs(crs), _check_lang(lang)
    columns: dict[str, list[str]] = {}
    with atomic_path(Path(path)) as tmp:
        def write(prepared: Mapping[str, gpd.GeoDataFrame]) -> None:
            _write_gpkg_layers(prepared, tmp, crs, lang)
            columns.update({name: [c for c in layer.columns if c != layer.geometry.name]
                            for name, layer in prepared.items()})

        yield write
        write_column_titles(tmp, columns, lang)


def export_bytes(layers: Mapping[str, gpd.GeoDataFrame], fmt: str, *, crs: str = "wgs84",
                 lang: str = "en", stem: str = "export",
                 about: ExportAbout | None = None) -> tuple[bytes, str, str]:
    """Export layers to memory, for a download button.

    Parameters
    ----------
    layers, fmt, crs, lang, about
        As for :func:`export_layers` (``fmt`` is required here).
    stem : str
        Start of the suggested file name.

    Returns
    -------
    tuple of (bytes, str, str)
        The file's content, its suggested name (see :func:`export_filename`) and its
        MIME type.
    """
    key = _check_format(fmt, None)
    name = export_filename(stem, key, crs=crs, n_layers=len(layers))
    with tempfile.TemporaryDirectory(prefix="planning-export-") as folder:
        written = export_layers(layers, Path(folder) / name, key, crs=crs, lang=lang, about=about)
        data = written.read_bytes()
    mime = _ZIP_MIME if name.endswith(".zip") else FORMATS[key].mime
    return data, name, mime


#: table formats of :func:`export_table_bytes`: key -> (suffix, MIME type)
TABLE_FORMATS: dict[str, tuple[str, str]] = {
    "csv": (".csv", "text/csv"),
    "xlsx": (".xlsx", FORMATS["xlsx"].mime),
}


def export_table_bytes(frame: pd.DataFrame, fmt: str, *, lang: str = "en", stem: str = "table",
                       crs: str = "wgs84", about: ExportAbout | None = None) -> tuple[bytes, str, str]:
    """One table as a CSV or Excel file in memory (a table page's download button), with
    the headers, words and rounding of the tables a planner reads (as shown in the app).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table, columns named as the rules name them (a GeoDataFrame gains lon/lat).
    fmt : {"csv", "xlsx"}
    lang, crs, about
        As for :func:`export_layers`.
    stem : str
        File name without suffix; also the Excel sheet's name.

    Returns
    -------
    tuple of (bytes, str, str)
        Content, file name, MIME type.
    """
    if fmt not in TABLE_FORMATS:
        raise InputError.at(f"unknown table format {fmt!r}; use one of {', '.join(TABLE_FORMATS)}")
    suffix, mime = TABLE_FORMATS[fmt]
    name = f"{stem}{suffix}"
    with tempfile.TemporaryDirectory(prefix="planning-table-") as folder:
        if fmt == "csv":
            written = export_table_csv(frame, Path(folder) / name, crs=crs, lang=lang)
        else:
            written = export_layers({stem: frame}, Path(folder) / name, "xlsx", crs=crs, lang=lang,
                                    about=about)
        return written.read_bytes(), name, mime


def export_filename(stem: str, fmt: str, *, crs: str = "wgs84", n_layers: int = 1) -> str:
    """Suggested file name: ``stem``, a coordinate-system tag unless WGS84, the suffix.

    ``export_filename("gaps", "geojson", crs="gcj02", n_layers=3)`` is
    ``"gaps_gcj02.geojson.zip"``.
    """
    f = FORMATS[_check_format(fmt, None)]
    return f"{stem}{_TAG[_check_crs(crs)]}{f.suffix if n_layers == 1 else f.multi_suffix}"


def export_table_csv(frame: pd.DataFrame, path: str | os.PathLike, *, crs: str = "wgs84",
                     lang: str = "en") -> Path:
    """Write one table to CSV in UTF-8 with a byte-order mark (Excel then reads Chinese).

    A GeoDataFrame loses its geometry and gains ``lon``/``lat`` as in the Excel export;
    identifiers stay text and formula-like text gets a leading ``'``.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The table; a GeoDataFrame needs a declared CRS.
    path : str or path-like
        Target ``.csv`` file (written atomically).
    crs, lang
        As for :func:`export_layers`.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    crs, lang = _check_crs(crs), _check_lang(lang)
    table = _table(_prepare(frame, path.stem, crs, lang), lang)
    for col in table.columns:
        if _is_text(table[col]):
            table[col] = table[col].map(_neutralise)
    table.columns = [_neutralise(c) for c in table.columns]
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n",
                     float_format="%.15g")
    return path


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Map column names to unique Shapefile field names of at most 10 bytes.

    Deterministic, in column order: a name listed in :data:`SHAPEFILE_NAMES` takes its
    short form; any other name of at most 10 bytes (UTF-8) is kept; a longer ASCII name
    loses the vowels after the first letter of each ``_``-separated word
    (``population_type`` -> ``ppltn_typ``); then any name is cut to 10 bytes. A name
    already taken (case-insensitively) ends in ``_2``, ``_3`` … instead.

    Parameters
    ----------
    columns : list of str
        Column names in their order in the layer.

    Returns
    -------
    dict of str to str
        Column name -> field name.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        short = _shorten(str(col))
        candidate, n = short, 1
        while candidate.lower() in taken:
            n += 1
            suffix = f"_{n}"
            candidate = _shorten_bytes(short, 10 - len(suffix)) + suffix
        taken.add(candidate.lower())
        out[col] = candidate
    return out


def _shorten(name: str) -> str:
    if name in SHAPEFILE_NAMES:
        return SHAPEFILE_NAMES[name]
    if len(name.encode("utf-8")) <= 10:
        return name
    if name.isascii():
        name = "_".join(w[:1] + re.sub(r"[aeiouAEIOU]", "", w[1:]) for w in name.split("_"))
    return _shorten_bytes(name, 10).rstrip("_") or "field"


def _shorten_bytes(name: str, limit: int) -> str:
    while len(name.encode("utf-8")) > limit:
        name = name[:-1]
    return name


# --------------------------------------------------------------------------- checks

def _check_format(fmt: str | None, path: Path | None) -> str:
    accepted = ", ".join(f"{k} ({f.suffix})" for k, f in FORMATS.items())
    if fmt is None:
        name = path.name.lower() if path is not None else ""
        for suffix, key in _SUFFIXES:
            if name.endswith(suffix):
                return key
        raise InputError.at(f"cannot tell the export format from the file name; use a name "
                            f"ending in one of {', '.join(s for s, _ in _SUFFIXES)}, or "
                            f"give fmt= one of {accepted}",
                            file=path.name if path is not None else None)
    key = _FMT_ALIASES.get(re.sub(r"[\s_.-]", "", str(fmt).lower()))
    if key is None:
        raise InputError.at(f"unknown export format {fmt!r}; use one of {accepted}")
    return key


def _check_crs(crs: str) -> str:
    try:
        return check_input_crs(crs)
    except ValueError:
        raise InputError.at(f"unknown export coordinate system {crs!r}; use one of "
                            f"{', '.join(EXPORT_CRS)}") from None


def _check_lang(lang: str) -> str:
    key = str(lang).strip().lower()
    key = {"中文": "zh", "zh-cn": "zh", "chinese": "zh", "english": "en"}.get(key, key)
    if key not in LANGS:
        raise InputError.at(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return key


def _final_path(path: Path, key: str, n_layers: int) -> Path:
    zipped = key == "shp" or (key == "geojson" and n_layers > 1)
    if zipped and not path.name.lower().endswith(".zip"):
        return path.with_name(path.name + ".zip")
    return path


# --------------------------------------------------------------------------- preparation

def _prepare(frame: pd.DataFrame, name: str, crs: str, lang: str) -> gpd.GeoDataFrame:
    """Copy of a layer ready to write: text ids, plain column types, values translated,
    geometry in the export coordinate system (None for a table without geometry)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError.at(f"is a {type(frame).__name__}, not a table", layer=name)
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None
    if has_geometry and frame.crs is None:
        raise InputError.at("the layer has no coordinate system (CRS); set it before export",
                            layer=name)
    derived = [frame.geometry.name, "lon", "lat"] if has_geometry else []
    data = pd.DataFrame(render_units(frame.drop(columns=derived, errors="ignore"), lang))
    data = data.reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    for col in data.columns:
        data[col] = _plain_column(data[col], is_id=bool(_ID_NAME.search(col.lower())))
        if lang == "zh" and col in VALUES:
            data[col] = data[col].map(lambda v, c=col: value_word(c, v, lang))
    if not has_geometry:
        return gpd.GeoDataFrame(data, geometry=[None] * len(data), crs=_EPSG[crs])
    geoms = np.asarray(frame.geometry.to_crs(4326).values)
    if crs in ("gcj02", "bd09"):
        geoms = geometry_from_wgs84(geoms, crs)
    # reprojection can pinch near-touching rings into self-intersections, which KML and
    # some GIS refuse: repair them (a no-op for valid geometries)
    bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    out = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(np.asarray(geoms), crs=4326).values,
                           crs=4326)
    return out.to_crs(4490) if crs == "cgcs2000" else out


def _plain_column(col: pd.Series, is_id: bool) -> pd.Series:
    """A column GDAL and openpyxl write faithfully: ids as text, mixed objects made uniform."""
    if is_id:
        return col.map(_id_text).astype(object)
    if col.dtype != object:
        return col
    values = col.dropna()
    if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
        return col.astype("boolean")
    if len(values) and all(isinstance(v, (int, float, np.integer, np.floating))
                           and not isinstance(v, (bool, np.bool_)) for v in values):
        return pd.to_numeric(col)
    return col.map(_text).astype(object)


def _id_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, set, dict)):
        return json.dumps(list(value) if isinstance(value, set) else value, ensure_ascii=False,
                          default=str)
    return str(value)


def _neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading quote; numbers are kept."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _table(layer: gpd.GeoDataFrame, lang: str, titles: bool = True) -> pd.DataFrame:
    """The attribute table as a person reads it (:func:`planning.outputs.tables.tidy`:
    titled headers with units, rounded numbers, no code columns, no column twice) with
    lon/lat of each feature's (representative) point."""
    table = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    geoms = np.asarray(layer.geometry.values)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        xy = np.full((len(geoms), 2), np.nan)
        xy[present] = shapely.get_coordinates(shapely.point_on_surface(geoms[present]))
        table["lon"], table["lat"] = xy[:, 0], xy[:, 1]
    return tidy(table, lang, titles=titles)


def _crs_note(crs: str, lang: str) -> str:
    key = "export.crs_shifted" if crs in ("gcj02", "bd09") else "export.crs"
    return t(key, lang, label=t(f"export.crs.{crs}", lang), epsg=_EPSG[crs])


def _readme(layers: Mapping[str, gpd.GeoDataFrame], crs: str, lang: str,
            fields: Mapping[str, Mapping[str, str]] | None = None) -> str:
    lines = [_crs_note(crs, lang), "", t("export.layers", lang)]
    for name, layer in layers.items():
        lines.append(t("export.layer_rows", lang, name=name, n=len(layer)))
        for full, short in (fields or {}).get(name, {}).items():
            label = column(full, lang)
            lines.append(f"    {short:<10} = {full}{' ' + label if label != full else ''}")
    return "\r\n".join(lines) + "\r\n"


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "layer"


# --------------------------------------------------------------------------- writers

def _write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], tmp: Path, crs: str, lang: str,
                about: ExportAbout | None = None) -> None:
    _write_gpkg_layers(layers, tmp, crs, lang)
    write_column_titles(tmp, {name: [c for c in layer.columns if c != layer.geometry.name]
                              for name, layer in layers.items()}, lang)


def _write_gpkg_layers(layers: Mapping[str, gpd.GeoDataFrame], tmp: Path, crs: str,
                       lang: str) -> None:
    note = _crs_note(crs, lang)
    # the file is a temporary one, synced once and renamed by atomic_path: SQLite need not
    # sync each layer's transactions on the way (seconds of waiting on a busy disk)
    with _gdal_config(OGR_SQLITE_SYNCHRONOUS="OFF"):
        for name, layer in layers.items():
            pyogrio.write_dataframe(layer, tmp, layer=name, driver="GPKG",
                                    layer_options={"DESCRIPTION": note})


@contextmanager
def _gdal_config(**options: str):
    """GDAL configuration options set for the block, then put back as they were."""
    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        # pyogrio reads "OFF" / "ON" back as booleans
        pyogrio.set_gdal_config_options({k: v if v is None or isinstance(v, str)
                                         else ("ON" if v else "OFF") for k, v in before.items()})


#: the GeoPackage schema extension (gpkg_data_columns), as the standard registers it
_GPKG_SCHEMA = "http://www.geopackage.org/spec/#extension_schema"


def write_column_titles(path: str | os.PathLike, columns: Mapping[str, list[str]],
                        lang: str = "zh") -> int:
    """Record each known column's title (with its unit) and meaning in a GeoPackage's
    ``gpkg_data_columns`` table (the GeoPackage schema extension).

    GDAL reads ``name`` as the field's alternative name and ``description`` as its comment;
    QGIS shows the alternative name as the field's alias (attribute table, forms, labels),
    so planners read 到卫生室道路距离(米) while scripts and joins keep ``clinic_road_m``.
    ``title`` holds the same title. Columns without a title of their own
    (:data:`planning.words.COLUMNS`) get no row.

    Parameters
    ----------
    path : str or path-like
        A GeoPackage just written (by GDAL); changed in place, in one transaction —
        :func:`export_layers` calls it on its temporary file, before the rename.
    columns : mapping of str to list of str
        Table (layer) name -> its column names.
    lang : {"zh", "en"}
        Language of the titles and descriptions.

    Returns
    -------
    int
        The number of rows written.
    """
    rows = [(table, col, column(col, lang), column(col, lang), column_meaning(col, lang))
            for table, cols in columns.items() for col in cols if column_meaning(col, lang)]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
            description TEXT, mime_type TEXT, constraint_name TEXT,
            CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
            CONSTRAINT gdc_tn UNIQUE (table_name, name))""")
        db.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
            constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
            min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
            description TEXT,
            CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))""")
        db.execute("""CREATE TABLE IF NOT EXISTS gpkg_extensions (
            table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
            definition TEXT NOT NULL, scope TEXT NOT NULL,
            CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""")
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            known = db.execute("SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND "
                               "extension_name = 'gpkg_schema'", (table,)).fetchone()
            if not known:
                db.execute("INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?, "
                           "'read-write')", (table, _GPKG_SCHEMA))
        db.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, "
                       "title, description) VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def _write_geojson(layers: Mapping[str, gpd.GeoDataFrame], tmp: Path, crs: str,
                   lang: str, about: ExportAbout | None = None) -> None:
    note = _crs_note(crs, lang)
    if not tmp.name.lower().endswith(".zip"):
        (name, layer), = layers.items()
        pyogrio.write_dataframe(layer, tmp, layer=name, driver="GeoJSON",
                                layer_options={"DESCRIPTION": note})
        return
    folder = tmp.parent / "files"
    folder.mkdir()
    files = []
    for name, layer in layers.items():
        file = folder / f"{_safe_name(name)}.geojson"
        pyogrio.write_dataframe(layer, file, layer=name, driver="GeoJSON",
                                layer_options={"DESCRIPTION": note})
        files.append(file)
    _zip(tmp, files, _readme(layers, crs, lang))


def _write_shp(layers: Mapping[str, gpd.GeoDataFrame], tmp: Path, crs: str, lang: str,
               about: ExportAbout | None = None) -> None:
    folder = tmp.parent / "files"
    folder.mkdir()
    fields = {}
    for name, layer in layers.items():
        columns = [c for c in layer.columns if c != layer.geometry.name]
        names = shapefile_field_names(columns)
        fields[name] = {k: v for k, v in names.items() if k != v}
        layer = layer.rename(columns=names)
        layer = _null_empty(layer)  # Shapefiles hold no empty shapes: write null ones
        pyogrio.write_dataframe(layer, folder / f"{_safe_name(name)}.shp", layer=name,
                                driver="ESRI Shapefile", encoding="UTF-8")
    _zip(tmp, sorted(folder.iterdir()), _readme(layers, crs, lang, fields))


def _zip(target: Path, files: list[Path], readme: str) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in files:
            zf.write(file, arcname=file.name)
        zf.writestr("README.txt", readme.encode("utf-8"))


def _write_kml(layers: Mapping[str, gpd.GeoDataFrame], tmp: Path, crs: str, lang: str,
               about: ExportAbout | None = None) -> None:
    # LIBKML adds each layer to the file as a Folder; GDAL's older KML driver cannot add
    # a layer to an existing file, so it would keep only the last one.
    if "LIBKML" not in pyogrio.list_drivers(write=True):
        raise InputError.at("KML export needs GDAL's LIBKML driver, which this installation "
                            "lacks; export to gpkg or geojson instead", file=tmp.name)
    for i, (name, layer) in enumerate(layers.items()):
        options = {"FOLDER": "YES"}
        dataset = {"NAME": tmp.stem, "DESCRIPTION": _crs_note(crs, lang)} if i == 0 else None
        layer = _kml_frame(layer, lang)
        pyogrio.write_dataframe(layer.to_crs(4326) if crs == "cgcs2000" else layer, tmp,
                                layer=name, driver="LIBKML", layer_options=options,
                                dataset_options=dataset)


def _kml_frame(layer: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """Placemark name (the ``name`` column, else the id) and a description of all fields;
    empty geometries become none (KML has no empty shapes)."""
    attrs = layer.drop(columns=layer.geometry.name)
    ids = [c for c in attrs.columns if _ID_NAME.search(c.lower())]
    fallback = attrs[ids[0]] if ids else pd.Series(attrs.index.astype(str), index=attrs.index)
    names = attrs["name"] if "name" in attrs else pd.Series(None, index=attrs.index, dtype=object)
    shown = tidy(attrs, lang)
    lines = shown.apply(lambda row: "\n".join(f"{c}: {_cell(v)}" for c, v in row.items()
                                              if _cell(v) != ""), axis=1)
    out = layer.copy()
    out["name"] = names.astype(object).where(names.notna(), fallback.astype(object))
    out["description"] = lines if len(attrs) else pd.Series(dtype=object)
    return _null_empty(out)


def _null_empty(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with empty geometries replaced by missing ones."""
    empty = shapely.is_empty(np.asarray(layer.geometry.values))
    if not empty.any():
        return layer
    geoms = np.asarray(layer.geometry.values).copy()
    geoms[empty] = None
    return layer.set_geometry(gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs))


def _cell(value: object) -> str:
    """A cell of a KML description: empty when missing, else as rounded (numbers are)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _write_xlsx(layers: Mapping[str, gpd.GeoDataFrame], tmp: Path, crs: str, lang: str,
                about: ExportAbout) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    used: set[str] = set()
    columns: dict[str, tuple[str, list[str]]] = {}
    for name, layer in layers.items():
        table = _table(layer, lang, titles=False)
        title = _sheet_title(name, used)
        columns[name] = (title, list(table.columns))
        names = list(table.columns)
        table.columns = [column(c, lang) for c in names]
        sheet = book.create_sheet(title)
        _xlsx_sheet(sheet, table)
        for j, name_ in enumerate(names, start=1):  # 127,064 residents; 12.5 min
            fmt = number_format(name_, excel=True)
            if fmt and pd.api.types.is_numeric_dtype(table.iloc[:, j - 1]):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
    sheet = book.create_sheet(_sheet_title(t("export.about", lang), used))
    for row in _about_rows(layers, columns, crs, lang, about):
        sheet.append([_neutralise(v) for v in row])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 100
    book.save(tmp)


def _about_rows(layers: Mapping[str, gpd.GeoDataFrame], columns: Mapping[str, tuple[str, list[str]]],
                crs: str, lang: str, about: ExportAbout) -> list[list[str]]:
    """The About (说明) sheet: coordinates, date, rulebook, sources, statuses, rounding,
    then each sheet's columns (header and meaning)."""
    rows = [[_crs_note(crs, lang)], [t("about.made", lang, date=about.date)]]
    if about.rulebook:
        rows.append([t("about.rulebook", lang, name=about.rulebook_name(lang),
                       version=about.version or "—")])
    if about.sources:
        rows.append([t("about.sources", lang)])
        rows += [[t("about.source", lang, layer=k, file=v)] for k, v in about.sources.items()]
    rows.append([t("about.statuses", lang)])
    rows += [[t("about.status", lang, word=status_word(s, lang), meaning=STATUS_MEANINGS[s][lang == "en"])]
             for s in STATUS]
    rows += [[t("about.rounding", lang)], [], [t("about.columns", lang)]]
    for name, (title, cols) in columns.items():
        rows.append([t("about.sheet", lang, name=title, n=len(layers[name]))])
        rows += [[column(c, lang), column_meaning(c, lang)] for c in cols]
    return rows


def _sheet_title(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "layer"
    title, n = base[:31], 1
    while title.lower() in used:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]}_{n}"
    used.add(title.lower())
    return title


def _xlsx_sheet(sheet, table: pd.DataFrame) -> None:
    """One table on one sheet: bold frozen header; text cells formatted as text."""
    sheet.append([_neutralise(c) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in table.itertuples(index=False):
        sheet.append([_xlsx_value(v) for v in row])
    for j, col in enumerate(table.columns, start=1):
        if _is_text(table[col]):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "@"
        width = max([len(str(col))] + [len(str(v)) for v in table[col].head(200)]) + 2
        sheet.column_dimensions[openpyxl.utils.get_column_letter(j)].width = min(width, 60)


def _xlsx_value(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return _neutralise(value if isinstance(value, str) else str(value))


#: value of GeoTIFF cells without minutes (outside the area, off-network, beyond the cap)
SURFACE_NODATA = -9999.0


def export_surface(surface, path: str | os.PathLike) -> Path:
    """Write a travel-time surface as a single-band GeoTIFF (atomically).

    Parameters
    ----------
    surface : planning.travel.surface.Surface
        Minutes per cell in a metric CRS.
    path : str or path-like
        Target file; ``.tif`` is appended unless it ends in ``.tif`` or ``.tiff``.

    Returns
    -------
    pathlib.Path
        The file written: float32 minutes, nodata :data:`SURFACE_NODATA` (cells outside
        the area, farther than the snap limit from every road, or farther than the cap
        from every facility), the surface's CRS (EPSG code where it has one) and north-up
        transform (cell size in metres), DEFLATE-compressed; tags ``units``, ``mode``,
        ``cap_minutes`` and ``cell_m``.
    """
    import rasterio

    path = Path(path)
    if path.suffix.lower() not in (".tif", ".tiff"):
        path = path.with_name(path.name + ".tif")
    grid = surface.grid
    rows, cols = grid.shape
    band = np.where(np.isnan(surface.minutes), SURFACE_NODATA, surface.minutes).astype(np.float32)
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", driver="GTiff", width=cols, height=rows, count=1,
                           dtype="float32", crs=grid.crs.to_wkt(), transform=grid.transform,
                           nodata=SURFACE_NODATA, compress="deflate", predictor=3,
                           tiled=rows >= 256 and cols >= 256) as dst:
            dst.write(band, 1)
            dst.set_band_description(1, f"minutes to the nearest facility ({surface.mode})")
            dst.update_tags(units="minutes", mode=surface.mode,
                            cap_minutes=f"{surface.cap_minutes:g}", cell_m=f"{grid.cell_m:g}",
                            nodata_means="outside the area, beyond the snap limit from "
                            "every road, or beyond cap_minutes from every facility")
    return path


#: writers by format: ``(layers, tmp, crs, lang, about)``; only Excel has an About sheet
_WRITERS = {"gpkg": _write_gpkg, "geojson": _write_geojson, "shp": _write_shp,
            "kml": _write_kml, "xlsx": _write_xlsx}
