"""Travel: OSM road networks per mode, the travel-time engine and the questions rules ask.

:mod:`~planning.travel.network` loads and caches networks (OSM XML/PBF -> arrays),
:mod:`~planning.travel.engine` (with :mod:`~planning.travel.graph`) snaps points and
searches, :mod:`~planning.travel.access` answers the rules' questions (by road, or by
straight line without roads).
"""
