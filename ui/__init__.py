"""The planner's web app around :mod:`planning`: its pages, its state and its widgets.

``app.py`` is the frame (page config, sidebar, navigation); :mod:`ui.state` declares
every session key and keeps the session's caches and scenarios; :mod:`ui.data` says which
data and rulebook a run shows; :mod:`ui.widgets` holds the widgets pages share; each
module of :mod:`ui.pages` is one page with its own URL.
"""
