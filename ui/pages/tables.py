"""The tables (``/tables``): every rule's units and layers, filtered by the focus, by
status, by township and by name; shown as the Excel export writes them (titled headers
with units, rounded numbers, "—" for empty) and downloadable as shown (CSV or Excel)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.outputs.export import TABLE_FORMATS, ExportAbout, export_table_bytes
from planning.words import STATUS_BACKGROUNDS, rule_title, status_word, t
from ui import state
from ui.widgets import button_row, choice, rule_table


def render(view: state.View) -> None:
    """One layer of one rule as a table, in the UI language."""
    assessment, lang = view.assessment, view.lang
    res = assessment.results
    c1, c2 = st.columns(2)
    rid = choice(c1.selectbox, t("tab.rule", lang), list(res), state.TABLE_RULE, lang,
                 format_func=lambda r: f"{r} {rule_title(res[r], lang)}")
    layers = res[rid].layers or {rid: res[rid].units}
    name = c2.selectbox(t("tab.layer", lang), list(layers), key=state.table_layer(rid))
    frame = in_focus(pd.DataFrame(layers[name].drop(columns="geometry", errors="ignore")), view)
    total = len(frame)
    c3, c4, c5 = st.columns(3)
    statuses = choice(c3.multiselect, t("tab.status", lang), list(STATUS_BACKGROUNDS),
                      state.TABLE_STATUS, lang, format_func=lambda s: status_word(s, lang))
    towns = _townships(frame, assessment.region)
    picked = choice(c4.multiselect, t("tab.township", lang), list(towns), state.TABLE_TOWNSHIP,
                    lang, format_func=lambda tid: towns.get(tid, tid), disabled=not towns)
    query = c5.text_input(t("tab.search", lang), key=state.TABLE_SEARCH)
    frame = filtered(frame, statuses=statuses, townships=picked, query=query)
    st.caption(f"{t('tab.rows', lang, shown=len(frame), total=total)} · {t('tab.sort_hint', lang)}")
    rule_table(frame, lang, height=560)
    stem = f"{view.stem}_{name}"
    about = ExportAbout.of(assessment)
    row = button_row()
    for fmt in TABLE_FORMATS:
        row.download_button(t("tab.download", lang, fmt=fmt.upper()),
                            data=lambda f=fmt: export_table_bytes(frame, f, lang=lang, stem=stem,
                                                                  about=about)[0],
                            file_name=f"{stem}{TABLE_FORMATS[fmt][0]}", mime=TABLE_FORMATS[fmt][1],
                            key=state.download(state.TABLE_DOWNLOAD, fmt), on_click="ignore")


def in_focus(frame: pd.DataFrame, view: state.View) -> pd.DataFrame:
    """The rows of the sidebar's focus (a district or a township); all without one."""
    focus = view.focus
    if not (focus.township_id or focus.district):
        return frame
    towns = view.assessment.region.townships
    ids = {focus.township_id} if focus.township_id else \
        set(towns.loc[towns["district"] == focus.district, "township_id"])
    if "township_id" in frame:
        return frame[frame["township_id"].isin(ids)]
    if "district" in frame and focus.district:
        return frame[frame["district"] == focus.district]
    return frame


def filtered(frame: pd.DataFrame, *, statuses=(), townships=(), query: str = "") -> pd.DataFrame:
    """Rows whose ``status`` is one of ``statuses``, whose ``township_id`` is one of
    ``townships`` and whose ``name`` contains ``query`` (each filter only when given and
    when the table has the column)."""
    if statuses and "status" in frame:
        frame = frame[frame["status"].isin(statuses)]
    if townships and "township_id" in frame:
        frame = frame[frame["township_id"].isin(townships)]
    if query and "name" in frame:
        frame = frame[frame["name"].astype(str).str.contains(query, regex=False, na=False)]
    return frame


def _townships(frame: pd.DataFrame, region) -> dict[str, str]:
    """The townships a table's rows lie in: township_id -> name (empty without the column)."""
    if "township_id" not in frame:
        return {}
    names = region.townships.set_index("township_id")["name"].astype(str)
    ids = [i for i in names.index if i in set(frame["township_id"].dropna())]
    return {i: names[i] for i in ids}


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
