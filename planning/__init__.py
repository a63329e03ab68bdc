"""Spatial planning of Tianjin's primary health-care network.

Data flows one way: files -> :mod:`planning.io` (+ :mod:`planning.schema`,
:mod:`planning.crs`) -> :class:`planning.region.Region` -> :mod:`planning.network` and
:mod:`planning.engine` (travel times) -> :mod:`planning.rules` -> :mod:`planning.assess`
-> :mod:`planning.export` and the app. The CLI (``python -m planning``) and ``app.py``
are thin shells over it.
"""

__version__ = "0.1.0"
