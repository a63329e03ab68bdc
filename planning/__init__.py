"""Spatial planning of Tianjin's primary health-care network.

Data flows one way: files -> :mod:`planning.inputs.io` (+ :mod:`planning.schema`,
:mod:`planning.crs`) -> :class:`planning.region.Region` -> :mod:`planning.travel.network` and
:mod:`planning.travel.engine` (travel times) -> :mod:`planning.rules` -> :mod:`planning.rules.assess`
-> :mod:`planning.outputs.export` and the app. The CLI (``python -m planning``) and ``app.py``
are thin shells over it.
"""

__version__ = "0.1.0"
