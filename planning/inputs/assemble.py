"""Layers -> a :class:`~planning.region.Region`: a region folder or GeoPackage, assembled.

:func:`load_region` finds each layer's file in a folder (``villages.csv``,
``facilities.xlsx``, ``townships.shp`` …, or their Chinese names, see
:data:`LAYER_FILE_NAMES`) or each layer in a GeoPackage, reads it with
:func:`planning.inputs.read.read_layer`, and :func:`region_from_layers` puts the layers
together with the checks that need more than one of them:

- each village gets its ``township_id`` from the township its row names (by id, or by
  name through :func:`planning.inputs.registers.township_key`), else from the township
  polygon holding it; a village outside every township is kept with a warning;
- facilities read without coordinates (a register) are placed at their village or
  township seat (:func:`planning.inputs.registers.place_unlocated`);
- a facility outside every township is kept with a warning (a hospital beyond the
  border still serves the region);
- townships without a district get the one their code names;
- the region is named after its only district, else the district(s) its codes name.

Layers are validated in WGS84 and the region is then projected to its metric CRS
(:func:`planning.crs.metric_crs` of the townships' centroid). The road file beside the
region (:data:`ROAD_FILES`) is only named here: :mod:`planning.travel.network` loads it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from planning import settings
from planning.crs import WGS84, InputCrs, metric_crs, parse_input_crs
from planning.errors import InputError, Msg, Problem
from planning.inputs.divisions import district_name, region_name
from planning.inputs.formats import TABLE_SUFFIXES, VECTOR_SUFFIXES
from planning.inputs.read import read_layer
from planning.inputs.registers import place_unlocated, township_key
from planning.region import Region, within_polygons
from planning.schema import REQUIRED_LAYERS

__all__ = ["load_region", "region_from_layers", "load_demo", "layer_sources",
           "LAYER_FILE_NAMES", "ROAD_FILES"]

#: file names (without extension) recognised for each layer in a region folder
LAYER_FILE_NAMES: dict[str, tuple[str, ...]] = {
    "townships": ("townships", "乡镇", "乡镇街道"),
    "villages": ("villages", "村", "村居", "行政村"),
    "facilities": ("facilities", "机构", "医疗机构", "卫生机构"),
    "districts": ("districts", "区", "区县"),
}
#: road files looked for beside a region, in order
ROAD_FILES = ("roads.osm.pbf", "roads.osm.bz2", "roads.osm")


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
    for layer, source in layer_sources(path).items():
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

    Reads ``region.gpkg`` and names the road file beside it (``roads.osm.bz2``).

    Returns
    -------
    Region
        Layers in the region's metric CRS (UTM zone 50N, EPSG:32650; metres).
    """
    gpkg = settings.DEMO_DIR / "region.gpkg"
    if not gpkg.exists():
        raise InputError.at(f"the demo data are missing: expected {gpkg}", file=gpkg.name)
    return load_region(gpkg, name="宝坻区")


def layer_sources(path: Path) -> dict[str, tuple[Path, str | None]]:
    """Where each layer of a region is: its file, and its layer inside a GeoPackage.

    Parameters
    ----------
    path : Path
        A GeoPackage, or a folder with one file per layer (:data:`LAYER_FILE_NAMES`).

    Returns
    -------
    dict of str to (Path, str or None)
        Layer -> (file, layer name inside the GeoPackage; None for a folder's file).

    Raises
    ------
    InputError
        A file that is not a GeoPackage, a required layer missing, or two files for one
        layer.
    """
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
                       and f.suffix.lower() in VECTOR_SUFFIXES + TABLE_SUFFIXES and f.stem.lower() in stems)
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


def _link_villages(villages: gpd.GeoDataFrame, towns: gpd.GeoDataFrame,
                   problems: list[Problem]) -> gpd.GeoDataFrame:
    """Fill and check each village's ``township_id`` (given id, township name, or polygon)."""
    villages = villages.copy()
    ids = set(towns["township_id"])
    keys = pd.Series(towns["township_id"].values, index=[township_key(n) for n in towns["name"]])
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
            tid = by_name.get(township_key(tname))
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
