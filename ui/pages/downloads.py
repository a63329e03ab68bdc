"""Downloads (``/downloads``): the gap layers in every GIS format and coordinate system,
the summary JSON, and the planning report (汇报材料) for the focus and the scenario."""

from __future__ import annotations

import json

import streamlit as st

from planning.crs import INPUT_CRS
from planning.outputs.export import ExportAbout
from planning.outputs.report import report_bytes, report_filename
from planning.words import t
from ui import state
from ui.widgets import button_row, choice, export_buttons


def render(view: state.View) -> None:
    """The export buttons of the view's assessment and its report."""
    assessment, lang, stem = view.assessment, view.lang, view.stem
    st.caption(t("dl.intro", lang))
    crs = choice(st.selectbox, t("dl.crs", lang), INPUT_CRS, state.DOWNLOAD_CRS, lang,
                 format_func=lambda c: t(f"crs.{c}", lang))
    layers = {k: v for k, v in assessment.layers().items() if v is not None and len(v)}
    st.caption(f"{t('dl.layers', lang)}: {', '.join(layers)}")
    row = button_row()
    export_buttons(layers, stem, lang, state.DOWNLOAD, crs=crs, row=row,
                   about=ExportAbout.of(assessment))
    summary = json.dumps(assessment.summary(), ensure_ascii=False, indent=2, default=str)
    row.download_button(t("dl.summary", lang), data=summary, file_name=f"{stem}_summary.json",
                             mime="application/json", key=state.DOWNLOAD_SUMMARY, on_click="ignore")
    _report(view)


def _report(view: state.View) -> None:
    """The planning report for the focus, with the active scenario when it has edits."""
    assessment, focus, lang = view.assessment, view.focus, view.lang
    st.subheader(t("dl.report", lang))
    scenario = state.active_scenario()
    st.caption(t("dl.report_scope", lang, scope=focus.township_id or focus.district or t("dl.all", lang),
                 scenario=scenario.name if scenario else "—"))
    kwargs = dict(district=focus.district, township=focus.township_id, lang=lang)
    row = button_row()
    for fmt in ("docx", "pdf"):
        row.download_button(
            t(f"dl.report_{fmt}", lang),
            data=lambda f=fmt: report_bytes(assessment.region, f, scenario=scenario,
                                            assessment=None if scenario else assessment, **kwargs),
            file_name=report_filename(assessment.region, fmt=fmt, **kwargs),
            key=state.download(state.DOWNLOAD_REPORT, fmt), on_click="ignore")


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
