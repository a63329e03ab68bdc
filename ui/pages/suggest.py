"""Suggested sites (``/suggest``): where k new facilities would cover the most residents
or villages still in R2's or R3's gaps, on the active scenario's state; the sites go on
the map and, with one click, into the scenario."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.errors import InputError
from planning.plan.optimize import suggest
from planning.plan.scenario import Scenario
from planning.words import people, t
from ui import pages, state
from ui.widgets import choice, input_error, keyed_select, rule_table, scenario_map

#: the rules whose gaps a suggestion closes
SUGGEST_RULES = ("R2", "R3")
OBJECTIVES = ("residents", "villages")


def render(view: state.View) -> None:
    """The options, the suggestion for the active scenario, its map and its sites."""
    lang = view.lang
    store = state.scenario_store(view)
    st.session_state[state.ACTIVE] = store["active"]
    active = keyed_select(t("sc.active", lang), list(store["items"]), state.ACTIVE, lang, str)
    store["active"] = active
    sc = store["items"][active]
    for kind, text in state.take_flashes():
        getattr(st, kind)(text)
    _options(sc, view)
    suggestion = state.current_suggestion(sc, view)
    if suggestion is not None:
        _summary(sc, suggestion, lang)
    scenario_map(view, state.scenario_result(sc, view), suggestion, key=state.SUGGEST_MAP,
                 height=520)
    if suggestion is not None and len(suggestion.sites):
        _sites(suggestion, lang)


def _options(sc: Scenario, view: state.View) -> None:
    """Rule, number of sites, objective, exact or greedy, and the button that runs it."""
    lang = view.lang
    c = st.columns([2, 2, 2, 2])
    with c[0]:
        choice(st.radio, t("sc.suggest_rule", lang), SUGGEST_RULES, state.SUGGEST_RULE, lang,
               format_func=lambda r: t(f"sc.suggest_rule.{r}", lang))
    c[1].slider(t("sc.suggest_k", lang), 1, 20, key=state.SUGGEST_K,
                value=st.session_state.get(state.SUGGEST_K, 5))
    with c[2]:
        choice(st.radio, t("sc.suggest_objective", lang), OBJECTIVES, state.SUGGEST_OBJECTIVE,
               lang, format_func=lambda o: t(f"sc.objective.{o}", lang))
    c[3].checkbox(t("sc.suggest_exact", lang), key=state.SUGGEST_EXACT)
    c[3].button(t("sc.suggest_run", lang), key=state.SUGGEST_RUN, type="primary", on_click=_run,
                args=(sc, view))


def _run(sc: Scenario, view: state.View) -> None:
    """Suggest sites for the scenario's state with the chosen options (kept by them)."""
    key = state.suggest_key(sc, view)
    _, rule, k, objective, exact = key
    try:
        with view.lock:
            s = suggest(sc.apply(), rule, k, objective=objective, rulebook=sc.rulebook,
                        method="exact" if exact else "greedy", access=sc.access)
    except InputError as exc:
        state.flash("error", input_error(exc, view.lang))
        return
    state.keep_suggestion(key, s)


def _summary(sc: Scenario, s, lang: str) -> None:
    """What the k sites cover, by which solver, and the button that adds them."""
    if not len(s.sites):
        st.info(t("sc.suggest_none", lang))
        return
    total = s.sites["newly_covered"].sum()
    n = people(total, lang, unit=True) if s.objective == "residents" else \
        f"{total:,.0f} {t('unit.village', lang)}"
    st.markdown(t("sc.suggest_summary", lang, k=s.k, n=n,
                  solver=s.solver, s=s.seconds))
    if s.optimality_gap is not None:
        st.caption(t("sc.suggest_gap", lang, gap=s.optimality_gap))
    if st.button(t("sc.suggest_add", lang), key=state.SUGGEST_ADD):
        _add(sc, s, lang)
        st.switch_page(pages.path("scenario"))


def _add(sc: Scenario, s, lang: str) -> None:
    """The suggested sites as facilities of the scenario (village clinics for R2)."""
    kind = "village_clinic" if s.rule == "R2" else st.session_state.get(state.ADD_KIND, "village_clinic")
    for edit in s.edits(kind):
        sc.push(edit)
    state.drop_suggestion()
    state.flash("success", t("sc.added", lang, name=f"{len(s.sites)} ×"))


def _sites(s, lang: str) -> None:
    """The sites in rank order and the coverage curve over k."""
    sites = pd.DataFrame(s.sites.drop(columns="geometry"))
    sites = sites[[c_ for c_ in ("rank", "name", "newly_covered", "cumulative_covered",
                                  "villages_newly_covered", "lon", "lat") if c_ in sites]]
    if s.objective != "residents":  # newly_covered counts villages: villages_newly_covered says so
        sites = sites.drop(columns=["newly_covered", "cumulative_covered"], errors="ignore")
    a, b = st.columns([3, 2])
    with a:
        rule_table(sites, lang)
    curve = s.curve.rename(columns={"k": t("sc.curve_k", lang), "share": t("sc.curve_share", lang)})
    b.caption(t("sc.suggest_curve", lang))
    b.line_chart(curve, x=t("sc.curve_k", lang), y=t("sc.curve_share", lang), height=220)


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
