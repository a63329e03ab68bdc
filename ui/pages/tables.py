"""The tables (``/tables``): every rule's units and layers, filtered by the focus, by
status and by name."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.words import (COVERAGE, STATUS_BACKGROUNDS, column, kind_name, pair_word, rule_title,
                            status_word, t)
from ui import state
from ui.widgets import choice, rule_texts, style_status, tidy_numbers

#: above this many rows the status column is not coloured (styling is slow)
STYLED_ROWS = 5000


def render(view: state.View) -> None:
    """One layer of one rule as a table, in the UI language."""
    assessment, focus, lang = view.assessment, view.focus, view.lang
    res = assessment.results
    c1, c2 = st.columns(2)
    rid = choice(c1.selectbox, t("tab.rule", lang), list(res), state.TABLE_RULE, lang,
                 format_func=lambda r: f"{r} {rule_title(res[r], lang)}")
    layers = res[rid].layers or {rid: res[rid].units}
    name = c2.selectbox(t("tab.layer", lang), list(layers), key=state.table_layer(rid))
    frame = pd.DataFrame(layers[name].drop(columns="geometry", errors="ignore"))
    if focus.township_id or focus.district:
        towns = assessment.region.townships
        ids = {focus.township_id} if focus.township_id else \
            set(towns.loc[towns["district"] == focus.district, "township_id"])
        if "township_id" in frame:
            frame = frame[frame["township_id"].isin(ids)]
        elif "district" in frame and focus.district:
            frame = frame[frame["district"] == focus.district]
    total = len(frame)
    c3, c4 = st.columns(2)
    statuses = choice(c3.multiselect, t("tab.status", lang), list(STATUS_BACKGROUNDS),
                      state.TABLE_STATUS, lang, format_func=lambda s: status_word(s, lang))
    query = c4.text_input(t("tab.search", lang), key=state.TABLE_SEARCH)
    if statuses and "status" in frame:
        frame = frame[frame["status"].isin(statuses)]
    if query and "name" in frame:
        frame = frame[frame["name"].astype(str).str.contains(query, regex=False, na=False)]
    st.caption(t("tab.rows", lang, shown=len(frame), total=total))
    frame = _in_words(rule_texts(frame, lang), lang)
    styled = style_status(frame, [column("status", lang)], lang) if len(frame) <= STYLED_ROWS else frame
    st.dataframe(styled, hide_index=True, width="stretch", height=560)


def _in_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Statuses, kinds and coverage as words, numbers tidied, headers in the UI language."""
    frame = frame.copy()
    if "status" in frame:
        frame["status"] = [status_word(s, lang) for s in frame["status"]]
    if "kind" in frame:
        frame["kind"] = [kind_name(k, lang) for k in frame["kind"]]
    if "coverage" in frame:
        frame["coverage"] = [pair_word(COVERAGE, c, lang) for c in frame["coverage"]]
    frame = tidy_numbers(frame)
    return frame.rename(columns={c: column(c, lang) for c in frame.columns})


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
