"""Read one planner's file into one validated layer.

:func:`read_layer` reads any layer from any supported file
(:mod:`planning.inputs.formats`), matches its headers (:mod:`planning.inputs.headers`)
and validates its rows (:mod:`planning.inputs.validate`), trying the workbook's other
sheets when the first lacks the layer's columns. :func:`read_register` reads a facility
list whose rows may lack coordinates and places those rows at their village or township
seat (:mod:`planning.inputs.registers`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planning.crs import check_input_crs
from planning.errors import InputError, Msg, Problem
from planning.inputs.formats import RawTable, read_raw
from planning.inputs.registers import place_unlocated
from planning.inputs.validate import Validator
from planning.schema import LAYERS

__all__ = ["read_layer", "read_register"]


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
    raw = read_raw(Path(path), layer, sheet, gpkg_layer)
    try:
        validator = Validator(raw, layer, crs, column_map, crs_for_file)
    except InputError as first:  # no such columns: another sheet of the workbook may have them
        validator = _other_sheet(raw, layer, crs, column_map, first, crs_for_file)
    return validator.run()


def _other_sheet(raw: RawTable, layer: str, crs: str, column_map: dict | None,
                 first: InputError, crs_for_file: bool = True) -> Validator:
    """The validator of the first other sheet with the layer's columns, noted; else the
    first sheet's error (with the sheets tried)."""
    for alt in raw.alternatives:
        try:
            validator = Validator(alt, layer, crs, column_map, crs_for_file)
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


def read_register(path: str | Path, villages: gpd.GeoDataFrame, townships: gpd.GeoDataFrame,
                  *, input_crs: str = "wgs84", sheet: str | None = None,
                  column_map: dict[str, str] | None = None) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a facilities file in which some or all rows have no coordinates.

    Rows with longitude/latitude are read exactly as :func:`read_layer` reads
    them; rows whose longitude and latitude are both empty (or a file without such
    columns) are validated the same way and placed with
    :func:`planning.inputs.registers.place_unlocated`.

    Parameters
    ----------
    path : str or Path
        A CSV (UTF-8 or GBK) or Excel ``.xlsx`` facility list.
    villages, townships : geopandas.GeoDataFrame
        The region's villages and townships, e.g. from :func:`read_layer`.
    input_crs : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        The system of the coordinates the file does have.
    sheet : str, optional
        Excel sheet (default: the first).
    column_map : dict of str to str, optional
        ``{"header in the file": "canonical column"}`` as for ``read_layer``.

    Returns
    -------
    geopandas.GeoDataFrame
        Located rows then placed rows, in the villages' CRS; ``origin`` and messages
        name the original file and row.
    list of Problem
        The reader's problems and :func:`place_unlocated`'s.

    Raises
    ------
    InputError
        When the file cannot be read or has no usable row.
    """
    path = Path(path)
    gdf, problems = read_layer(path, "facilities", input_crs=input_crs, sheet=sheet,
                               column_map=column_map)
    unlocated = gdf.geometry.isna().to_numpy()  # rows the reader left for us to place
    located = gdf[~unlocated].to_crs(villages.crs)
    if not unlocated.any():
        return located, problems
    placed, found = place_unlocated(gdf[unlocated], villages, townships, file=path.name)
    out = gpd.GeoDataFrame(pd.concat([located, placed], ignore_index=True),
                           geometry="geometry", crs=villages.crs)
    if len(out) == 0:
        raise InputError([Problem.of("error", "in.reg.no_usable", path.name, "facilities")]
                         + [p for p in found if p.level == "error"][:20])
    problems = sorted(problems + found, key=lambda p: -1 if p.row is None else p.row)
    return out, problems
