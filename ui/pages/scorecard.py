"""The scorecard (``/``): every rule's result in a sentence and a table, by district and
by township, and which rules apply to the focus and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.outputs import maps
from planning.rules.base import facilities_of, message_text, overall_status
from planning.travel.access import STRAIGHT_LABEL
from planning.words import (BASIS, MODES, colon, column, counted, field_label, listing, pair_word, people, rule_title,
                            semicolon, status_word, t)
from ui import state
from ui.widgets import badge, rule_texts, style_status


def render(view: state.View) -> None:
    """The scorecard of the view's assessment, for its focus."""
    assessment, focus, lang = view.assessment, view.focus, view.lang
    _region_caption(assessment, lang)
    rows = []
    for result in assessment.results.values():
        row = result.summary()
        status = overall_status(row)
        rows.append({
            t("score.rule", lang): row["id"],
            t("score.title", lang): rule_title(result, lang),
            t("score.status", lang): status_word(status, lang),
            t("score.units", lang): row["units"],
            t("score.passed", lang): row["passed"],
            t("score.failed", lang): row["failed"],
            t("score.warned", lang): row["warned"],
            t("score.unknown", lang): row.get("unknown", 0),
            t("score.na", lang): row["not_applicable"],
            t("score.gap_people", lang): people(row["population_in_gap"], lang),
            t("score.basis", lang): pair_word(BASIS, row["basis"], lang),
            t("score.clause", lang): row["clause"],
        })
        st.markdown(f"{badge(row['id'], status, lang)} {_sentence(result, row, assessment, lang)}")
        if row["id"] == "R8":
            st.caption(_explain_r8(result, lang))
    table = pd.DataFrame(rows).set_index(t("score.rule", lang))
    st.table(style_status(table, [t("score.status", lang)], lang))
    _by_district(assessment, lang)
    _by_township(assessment, focus, lang)
    _applicability(assessment, focus, lang)
    notes = [(rid, n) for rid, r in assessment.results.items() for n in r.notes]
    if notes:
        with st.expander(t("score.notes", lang)):
            for rid, note in notes:
                st.markdown(f"- **{rid}** {message_text(note, lang)}")


def _region_caption(assessment, lang: str) -> None:
    """The header, the region in numbers and what to know before reading the results."""
    region = assessment.region
    s = region.summary()
    st.subheader(t("score.header", lang, region=region.name))
    st.caption(t("score.region", lang, townships=s["layers"].get("townships", 0),
                 villages=s["layers"].get("villages", 0),
                 facilities=s["layers"].get("facilities", 0),
                 population=people(s["population"], lang, unit=True))
               + (t("score.population_partial", lang, n=s["population_unknown"])
                  if s.get("population_unknown") and s["population"] is not None else ""))
    if assessment.straight:
        st.warning(f"**{STRAIGHT_LABEL}** · " + t(
            "score.straight", lang, factor=f"{assessment.rulebook.value('travel', 'detour_factor'):g}"))
    outside = region.villages[region.villages["township_id"].isna()]
    if len(outside):
        names = listing(outside["name"], lang, most=20)
        st.warning(t("score.outside", lang, n=len(outside), names=names,
                     pop=people(outside["population"].sum(min_count=1), lang)))
    changed = assessment.rulebook.changed()
    if changed:
        st.info(t("score.changed", lang, keys=", ".join(f"{k.rule}.{k.name} = {k.value}"
                                                        for k in changed)))


def _by_district(assessment, lang: str) -> None:
    """Failed units per district and rule (R8: units below its reference)."""
    st.subheader(t("score.by_district", lang))
    long = maps.district_breakdown(assessment)
    if not len(long):
        return
    long["cell"] = [f"{f}/{u}" + (f" ({people(p, lang)})" if p != 0 else "")
                    for f, u, p in zip(long["failed"], long["units"], long["population_in_gap"])]
    r8 = long["rule"] == "R8"  # R8 never fails: its villages below the reference
    long.loc[r8, "cell"] = [f"{w}/{u} {status_word('warn', lang)}"
                            for w, u in zip(long.loc[r8, "warned"], long.loc[r8, "units"])]
    wide = long.pivot(index="district", columns="rule", values="cell").fillna("—")
    wide.index.name = t("col.district", lang)
    st.table(wide)
    st.caption("未达标/单元（缺口人口）" if lang == "zh" else "failed/units (residents in gaps)")


def _by_township(assessment, focus: maps.Focus, lang: str) -> None:
    """One row per township of the focus: R1, R2, R3, R6, overall (and R8's ratio)."""
    st.subheader(t("score.by_township", lang))
    towns = maps.township_status(assessment)
    if focus.district:
        towns = towns[towns["district"] == focus.district]
    if focus.township_id:
        towns = towns[towns["township_id"] == focus.township_id]
    cols = {"name": t("col.township", lang), "district": t("col.district", lang),
            "population": column("population", lang)}
    view = pd.DataFrame({
        cols["name"]: towns["name"].where(towns["township_id"] != maps.OUTSIDE,
                                          t("score.outside_row", lang)),
        cols["district"]: towns["district"],
        cols["population"]: [people(p, lang) for p in towns["population"]],
        "R1": [status_word(x, lang) for x in towns["r1"]],
        "R2": [f"{g}/{u}" for g, u in zip(towns["r2_gaps"], towns["r2_units"])],
        "R3": ["—" if pd.isna(x) else f"{x:.0%}" for x in towns["r3_share"]],
        "R6": [status_word(x, lang) for x in towns["r6"]],
        t("col.overall", lang): [status_word(x, lang) for x in towns["overall"]],
    })
    if "r8_gps" in towns:  # beside the overall status: R8's target is a city-wide reference
        view[t("col.r8", lang)] = ["—" if pd.isna(x) else f"{x:.2f}" for x in towns["r8_gps"]]
    st.dataframe(style_status(view, ["R1", "R6", t("col.overall", lang)], lang),
                 hide_index=True, width="stretch")


# --------------------------------------------------------------------------- sentences


def _sentence(result, row: dict, assessment, lang: str) -> str:
    """The plain-language sentence of one rule's result."""
    rid, n, pop = row["id"], row["failed"], people(row["population_in_gap"], lang, unit=True)
    fig = result.figures
    if rid == "R8":
        return _sentence_r8(fig, row, lang)
    if rid == "R3" and fig.get("share_within") is None and row.get("unknown"):
        text = t("say.R3.unknown", lang, minutes=f"{fig.get('max_minutes', 15):.0f}",
                 mode=pair_word(MODES, fig.get("mode", "walk"), lang), u=row["unknown"],
                 far=int((result.units["minutes_to_care"].isna()
                          | (result.units["minutes_to_care"] > fig.get("max_minutes", 15))).sum()))
    elif rid == "R4" and row.get("unknown") and not n:
        text = t("say.R4.unknown", lang, u=row["unknown"])
    elif row.get("unknown") and not n and not row["passed"]:  # nothing could be judged
        text = t("say.unknown", lang, n=row["unknown"], units=t(f"unit.{result.unit_kind}", lang),
                 missing=_missing_columns(result, lang))
    elif rid == "R3":
        share = fig.get("share_within")
        text = counted("say.R3", n, lang, share="—" if share is None else f"{share:.1%}",
                       minutes=f"{fig.get('max_minutes', 15):.0f}",
                       mode=pair_word(MODES, fig.get("mode", "walk"), lang), pop=pop)
    elif not row["units"]:
        text = t("say.none", lang)
    else:
        rb = assessment.rulebook
        extra = {"km": f"{fig.get('max_distance_m', 1500) / 1000:g}", "units": row["units"],
                 "na": row["not_applicable"],
                 "minutes": f"{rb.value('R4', 'hard_to_reach_minutes'):.0f}",
                 "per": rb.value("R6", "committees_per_station")}
        # the count a sentence turns on: failing units, else the units not applicable
        # (R4, R5: "no district needs …"), else all units ("the one township has …")
        count = n or (row["not_applicable"] if rid in ("R4", "R5") else row["units"])
        text = counted(f"say.{rid}.{'fail' if n else 'ok'}", count, lang, pop=pop, **extra)
    sep = "；" if lang == "zh" else "; "
    if row["warned"] and rid != "R3":
        text += sep + counted("say.warn", row["warned"], lang)
    if row.get("unknown") and (n or row["passed"]) and rid not in ("R3", "R4"):
        text += sep + t("say.some_unknown", lang, n=row["unknown"],
                        missing=_missing_columns(result, lang))
    if fig.get("estimate"):
        text += f"（{STRAIGHT_LABEL}）" if lang == "zh" else f" ({STRAIGHT_LABEL})"
    return text


def _sentence_r8(fig: dict, row: dict, lang: str) -> str:
    """R8's sentence: residents at or above the GP reference within reach, and below it."""
    share = fig.get("share_at_or_above_reference")
    text = t("say.R8", lang, share="—" if share is None else f"{share:.1%}",
             mode=pair_word(MODES, fig.get("mode", "ebike"), lang),
             minutes=f"{fig.get('minutes', 30):g}", target=f"{fig.get('target_gps_per_10000', 4):g}",
             n=row["warned"], pop=f"{fig.get('residents_below_reference', 0):,}")
    if row.get("unknown"):
        text += ("；" if lang == "zh" else "; ") + t("say.some_unknown", lang, n=row["unknown"], missing="")
    return text


def _explain_r8(result, lang: str) -> str:
    """One plain sentence on how R8 counts, with the clause of its target."""
    fig = result.figures
    return t("explain.R8", lang, minutes=f"{fig.get('minutes', 30):g}",
             mode=pair_word(MODES, fig.get("mode", "ebike"), lang),
             target=f"{fig.get('target_gps_per_10000', 4):g}",
             clause=fig.get("target_clause", result.clause))


def _missing_columns(result, lang: str) -> str:
    """``缺少列：医共体（group_id）`` for the columns a rule lacked, or ``""``."""
    cols = result.figures.get("missing_columns") or []
    if not cols:
        return ""
    names = listing((f"{field_label('facilities', c, lang)}（{c}）" if lang == "zh"
                     else f"{field_label('facilities', c, lang)} ({c})" for c in cols), lang)
    return t("say.missing", lang, columns=names)


# --------------------------------------------------------------------------- applicability


def _applicability(assessment, focus: maps.Focus, lang: str) -> None:
    """Which rules apply to the selected district (or the region) and why."""
    region, res = assessment.region, assessment.results
    name = focus.district or region.name
    towns = region.townships
    if focus.district and "district" in towns:
        towns = towns[towns["district"] == focus.district]
    villages = region.villages[region.villages["township_id"].isin(towns["township_id"])]
    kinds = villages["kind"].value_counts()
    lines = {
        "R1": t("applies.R1", lang, towns=int((towns["kind"] == "township").sum()),
                streets=int((towns["kind"] == "street").sum())),
        "R2": t("applies.R2", lang, n=int(kinds.get("village_committee", 0)))
        if kinds.get("village_committee", 0) else t("applies.R2.none", lang),
        "R3": t("applies.R3", lang, n=len(villages)),
        "R6": t("applies.R6", lang, n=int(kinds.get("residents_committee", 0)))
        if kinds.get("residents_committee", 0) else t("applies.R6.none", lang),
    }
    for rid in ("R4", "R5"):
        if rid in res and len(res[rid].units):
            u = rule_texts(res[rid].units, lang)
            pick = u[u["name"] == focus.district] if focus.district else u
            lines[rid] = semicolon(lang).join(f"{status_word(s, lang)}{colon(lang)}{r}" for s, r in
                                  zip(pick["status"], pick["reason"])) or t("say.none", lang)
    if "R8" in res:
        gp_fac = facilities_of(region, assessment.rulebook["R8"]["gp_kinds"])
        missing = int(gp_fac["gps"].isna().sum()) if "gps" in gp_fac else len(gp_fac)
        lines["R8"] = (t("applies.R8.missing", lang, n=len(villages), m=missing) if missing else
                       t("applies.R8", lang, n=len(villages), k=len(gp_fac)))
    has_groups = "group_id" in region.facilities and region.facilities["group_id"].notna().any()
    lines["R7"] = t("applies.R7.data" if has_groups else "applies.R7.nodata", lang)
    st.subheader(t("score.applies", lang, district=name))
    for rid in res:
        if rid in lines:
            st.markdown(f"- **{rid}** {rule_title(res[rid], lang)}{colon(lang)}{lines[rid]}")


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
