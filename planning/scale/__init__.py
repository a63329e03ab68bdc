"""Beyond one machine: a region split into counties with buffers from the rulebook
(:mod:`.partition`), run county by county on Dask (:mod:`.distributed`)."""
