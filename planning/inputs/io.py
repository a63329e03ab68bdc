"""The names callers outside :mod:`planning.inputs` took from the former ``io`` module.

Transitional: ``io.py`` was split into :mod:`~planning.inputs.formats`,
:mod:`~planning.inputs.headers`, :mod:`~planning.inputs.validate`,
:mod:`~planning.inputs.read` and :mod:`~planning.inputs.assemble`. :mod:`planning.scale`
(being changed on another branch) still imports these names from here; import them from
:mod:`planning.inputs` instead, and delete this module once nothing does.
"""

from planning.inputs.assemble import (LAYER_FILE_NAMES, ROAD_FILES, layer_sources, load_demo,
                                      load_region, region_from_layers)
from planning.inputs.formats import file_crs
from planning.inputs.read import read_layer
from planning.inputs.validate import facility_id_for

_layer_sources = layer_sources

__all__ = ["read_layer", "load_region", "region_from_layers", "load_demo", "facility_id_for",
           "file_crs", "ROAD_FILES", "LAYER_FILE_NAMES"]
