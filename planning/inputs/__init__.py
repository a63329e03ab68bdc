"""Inputs: planners' files (GPKG, SHP, GeoJSON, CSV, Excel) -> validated layers -> Region.

One file to one layer: :mod:`~planning.inputs.formats` (files -> text tables),
:mod:`~planning.inputs.headers` (headers -> schema columns),
:mod:`~planning.inputs.validate` (text -> typed, checked rows) and
:mod:`~planning.inputs.read` (:func:`read_layer`, :func:`read_register`). Layers to a
region: :mod:`~planning.inputs.assemble` (:func:`load_region`, :func:`region_from_layers`,
:func:`load_demo`). Beside them: facility registers without coordinates
(:mod:`~planning.inputs.registers`), input templates, upload safety, the GCJ-02 offset
check (:mod:`~planning.inputs.offsets`) and the division list that names a region by its
codes (:mod:`~planning.inputs.divisions`).
"""

from planning.inputs.assemble import (LAYER_FILE_NAMES, ROAD_FILES, layer_sources, load_demo,
                                      load_region, region_from_layers)
from planning.inputs.formats import file_crs
from planning.inputs.read import read_layer, read_register
from planning.inputs.validate import facility_id_for

__all__ = ["load_region", "load_demo", "region_from_layers", "read_layer", "read_register",
           "facility_id_for", "file_crs", "layer_sources", "LAYER_FILE_NAMES", "ROAD_FILES"]
