"""The planner's web app: ``streamlit run app.py`` (opens on the Baodi demo's scorecard).

The frame around every page: the page config, the sidebar (language, data source, travel
mode, rulebook file, basemap, focus) and ``st.navigation``, which routes each URL to one
page of :mod:`ui.pages` (``/`` the scorecard, ``/map``, ``/scenario``, ``/suggest``,
``/tables``, ``/rulebook``, ``/downloads``, ``/upload``). The frame checks the chosen data
once per run (:mod:`ui.data`; kept, so switching pages, focus or language never re-checks)
and hands the page a :class:`ui.state.View`. Every session key is in :mod:`ui.state`.
"""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

from planning.errors import InputError
from planning.outputs import maps
from planning.region import LAYER_NAMES
from planning.words import LANG_LABELS, LANGS, MODES, listing, pair_word, t
from ui import data, pages, state, timing
from ui.widgets import choice, error_text, failure, input_error, upload_mb

st.set_page_config(page_title="基层医疗卫生服务网络规划 · Primary-care planner", page_icon="🏥",
                   layout="wide")


def sidebar() -> state.View:
    """Language, data source, travel mode, rulebook file and basemap; the data source
    in ``view.data`` (``"demo"`` or ``"upload"``) until the data are checked."""
    sb = st.sidebar
    lang = sb.radio(t("side.language"), LANGS, format_func=LANG_LABELS.get, key=state.LANG,
                    horizontal=True, persist_state="session")
    sb.header(t("side.data", lang))
    source = choice(sb.radio, t("side.source", lang), ("demo", "upload"), state.SOURCE, lang,
                    format_func=lambda s: t(f"source.{s}", lang))
    choice(sb.selectbox, t("side.mode", lang), tuple(MODES), state.MODE, lang,
           format_func=lambda m: pair_word(MODES, m, lang))
    rb_file = sb.file_uploader(t("side.rulebook_file", lang), type=["toml"], key=state.RULEBOOK_FILE,
                               max_upload_size=upload_mb())
    if rb_file is not None:
        data.use_rulebook_file(rb_file, lang)
    n_changed = len(json.loads(data.values_key()))
    if n_changed:
        sb.caption(t("side.rulebook_changed", lang, n=n_changed))
    sb.header(t("side.basemap", lang))
    base = choice(sb.selectbox, t("side.basemap", lang), tuple(maps.BASEMAPS), state.BASEMAP, lang,
                  format_func=lambda b: t(f"basemap.{b}", lang), label_visibility="collapsed")
    token = sb.text_input(t("basemap.tianditu_key", lang), key=state.TOKEN, type="password",
                          persist_state="session") if base == "tianditu" else ""
    return state.View(lang, base, token, data=source)


def focus_widgets(assessment, lang: str) -> maps.Focus:
    """The district and township the pages look at (sidebar)."""
    towns = assessment.region.townships
    sb = st.sidebar
    sb.header(t("side.focus", lang))
    districts = sorted(towns["district"].dropna().astype(str).unique()) if "district" in towns else []
    district = choice(sb.selectbox, t("side.district", lang), [""] + districts, state.FOCUS_DISTRICT,
                      lang, format_func=lambda d: d or t("side.all", lang))
    pick = towns if not district else towns[towns["district"] == district]
    names = dict(zip(pick["township_id"], pick["name"]))
    township = choice(sb.selectbox, t("side.township", lang), [""] + list(names),
                      state.FOCUS_TOWNSHIP, lang,
                      format_func=lambda i: names.get(i, "") or t("side.all", lang))
    return maps.Focus(district or None, township or None)


def navigation(lang: str, source: str):
    """``st.navigation`` over :data:`ui.pages.PAGES` (titles in the UI language, URLs
    fixed); the upload page is in the menu when the data source is the planner's own."""
    items = [st.Page(pages.path(name), title=t(word, lang), url_path=name, default=i == 0,
                     visibility="visible" if name != pages.UPLOAD or source == "upload" else "hidden")
             for i, (name, word) in enumerate(pages.PAGES)]
    return st.navigation(items, position="top")


def partial_results(assessment, display: dict, lang: str) -> None:
    """Rules that could not run and layers that could not be drawn (the rest is shown)."""
    for rid, exc in getattr(assessment, "errors", {}).items():
        st.error(t("err.rule", lang, rule=rid, why=error_text(exc, lang, rid)))
    failed = display.get(maps.FAILED) or {}
    if failed:
        why = "; ".join(f"{k}: {type(e).__name__}: {e}" for k, e in failed.items())
        st.warning(t("err.layers", lang, layers=listing(failed, lang), why=why))


def run(page, view: state.View) -> None:
    """Run the page with ``view``; a failure is said at the page boundary, never a
    traceback (the sidebar and the other pages still work)."""
    state.set_view(view)
    try:
        page.run()
    except InputError as exc:
        st.error(input_error(exc, view.lang))
    except Exception as exc:  # noqa: BLE001 - the page boundary
        failure(t("err.view", view.lang, view=page.title), exc, view.lang)


def main() -> None:
    """One run: sidebar, navigation, the data checked, the page."""
    timing.start()
    view = sidebar()
    lang, source = view.lang, view.data
    page = navigation(lang, source)
    st.title(t("app.title", lang))
    st.caption(t("app.caption", lang))
    upload = st.session_state.get(state.UPLOAD_REGION)
    if source == "upload" and upload:
        sources = upload["region"].sources
        st.caption(t("up.using", lang, name=upload["region"].name,
                     files=listing((sources[k] for k in LAYER_NAMES if k in sources), lang)))
    if page.url_path == pages.UPLOAD:
        return run(page, dataclasses.replace(view, data=None))
    if source == "upload" and not upload:  # nothing checked yet: the files first
        st.switch_page(pages.path(pages.UPLOAD))
    try:
        found = data.current(source, lang)
    except InputError as exc:
        st.error(input_error(exc, lang))
        return
    except Exception as exc:  # noqa: BLE001 - the page boundary: a message, never a traceback
        failure(t("err.check", lang), exc, lang)
        return
    focus = focus_widgets(found["assessment"], lang)
    partial_results(found["assessment"], found["display"], lang)
    timing.lap("frame")
    run(page, dataclasses.replace(view, **found, focus=focus))
    timing.lap("page")


main()
