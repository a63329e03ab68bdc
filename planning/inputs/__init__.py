"""Inputs: planners' files (GPKG, SHP, GeoJSON, CSV, Excel) -> validated layers -> Region.

Formats, header matching, validation and assembly; facility registers without
coordinates, input templates, upload safety, the GCJ-02 offset check and the division
list that names a region by its codes.
"""
