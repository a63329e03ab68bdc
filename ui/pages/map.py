"""The map (``/map``): townships, villages and facilities coloured by the rules, with the
layers of every rule to switch on and off."""

from __future__ import annotations

from planning.outputs import maps
from ui import state
from ui.widgets import assets_ready, basemap_tiles, folium_map


def render(view: state.View) -> None:
    """The map of the view's assessment, for its focus, on the sidebar's basemap."""
    if not assets_ready(view.lang):
        return
    if "townships" not in view.display:  # the display step failed: said above the page
        return
    tiles = basemap_tiles(view)
    folium_map(lambda: maps.build_map(view.assessment, view.lang, focus=view.focus, tiles=tiles,
                                      display=view.display),
               ("map", f"{view.data}|{view.values}", view.lang, view.focus, view.basemap,
                view.token), key=state.MAP)


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
