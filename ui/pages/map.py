"""The map (``/map``): townships, villages and facilities coloured by the rules, with the
layers of every rule to switch on and off, and the failing units in a list that zooms the
map to the one chosen."""

from __future__ import annotations

import streamlit as st

from planning.outputs import maps
from planning.words import t
from ui import state
from ui.widgets import assets_ready, basemap_tiles, choice, folium_map


def render(view: state.View) -> None:
    """The map of the view's assessment, for its focus, on the sidebar's basemap."""
    if not assets_ready(view.lang):
        return
    if "townships" not in view.display:  # the display step failed: said above the page
        return
    tiles = basemap_tiles(view)
    coords = maps.basemap_coords(view.basemap)
    folium_map(lambda: maps.build_map(view.assessment, view.lang, focus=view.focus, tiles=tiles,
                                      display=view.display, coords=coords),
               ("map", f"{view.data}|{view.values}", view.lang, view.focus, view.basemap,
                view.token), key=state.MAP, view=_failing_unit(view, coords))


def _failing_unit(view: state.View, coords: str) -> dict | None:
    """The list of failing units; the view (centre, zoom) of the one chosen, or None."""
    units = maps.failing_units(view.display, view.lang, coords)
    if not len(units):
        return None
    labels = dict(zip(units["key"], units["label"]))
    key = choice(st.selectbox, t("map.failing", view.lang), [""] + list(labels), state.MAP_UNIT,
                 view.lang, format_func=lambda k: labels.get(k, t("map.failing_none", view.lang)))
    if not key:
        return None
    row = units.set_index("key").loc[key]
    return {"center": [float(row["lat"]), float(row["lon"])], "zoom": maps.UNIT_ZOOM}


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
