"""The app's pages, one module each, routed by ``st.navigation`` (see ``app.py``).

A page module has ``render(view)`` and, at its end, runs it with the frame's
:class:`ui.state.View` when Streamlit runs the file as the page. Its URL is its name
(``/map``, ``/scenario`` …; the scorecard is the app's root ``/``), so a planner can
bookmark a page.
"""

from __future__ import annotations

#: pages in menu order: (name = URL path and file, word key of the title); the first is "/"
PAGES = (
    ("scorecard", "view.scorecard"),
    ("map", "view.map"),
    ("scenario", "view.scenario"),
    ("suggest", "sc.suggest"),
    ("tables", "view.tables"),
    ("rulebook", "view.rulebook"),
    ("downloads", "view.downloads"),
    ("upload", "source.upload"),
)
#: the page where a planner's own files come in (in the menu when the sidebar says so)
UPLOAD = "upload"


def path(name: str) -> str:
    """A page's file, relative to ``app.py`` (for ``st.Page`` and ``st.switch_page``)."""
    return f"ui/pages/{name}.py"
