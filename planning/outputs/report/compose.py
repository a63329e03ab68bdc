"""The one-click planning report (汇报材料) for a region, a district or a township.

What a district planner hands upward: the data and where they came from, the scorecard
as sentences with numbers and the clause each rule enforces, static maps (R1 townships,
R2 villages without a clinic, R3 15-minute coverage, R4 sub-centre candidates, R8 GPs
within reach by township), the
gaps with suggested actions township by township, a scenario's before/after with its
proposed sites (WGS84 and GCJ-02), and the rulebook values used. Chinese by default,
English with ``lang="en"``; Word (``.docx``, editable) or PDF (fonts embedded).

>>> from planning.inputs import load_demo
>>> from planning.outputs.report import build_report
>>> build_report(load_demo(), district="宝坻区", out=Path("report.docx"))  # doctest: +SKIP

The scorecard numbers are those of :meth:`planning.rules.assess.Assessment.summary` (what
``python -m planning check`` prints), restricted to the selection when a district or a
township is asked for. This module assembles; every sentence is a ``rep.*`` entry of
:data:`planning.words.STRINGS` (singular, plural and zero by :func:`planning.words.counted`),
the figures' legends ``fig.*``; layout in :mod:`planning.outputs.report.docx` and
:mod:`planning.outputs.report.pdf`.
"""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from PIL import Image

from planning.outputs.report import figures as maps
from planning import settings, words
from planning.outputs.report.blocks import Document, Figure, Heading, Para, Table
from planning.outputs.report.selection import Selection, in_selection, restrict, select
from planning.rules.assess import Assessment, assess
from planning.crs import wgs84_to_gcj02
from planning.errors import InputError
from planning.rules.rulebook import Rulebook, load_rulebook
from planning.rules import FAIL, PASS, WARN
from planning.rules.base import facilities_of, known_sum, overall_status
from planning.schema import FacilityKind

LANGS = ("zh", "en")
#: the rules with a map section, in order
MAP_RULES = ("R1", "R2", "R3", "R4", "R8")



# ---------------------------------------------------------------------------- composing
def compose(region, *, district=None, township=None, scenario=None, lang="zh", rulebook=None,
            assessment: Assessment | None = None, dpi: int = maps.DPI) -> Document:
    """The report as blocks (:mod:`planning.outputs.report.blocks`), before any layout."""
    if lang not in LANGS:
        raise InputError.at(f"unknown report language {lang!r}; use zh or en")
    sel = select(region, district, township)
    if assessment is None:
        if rulebook is not None and not isinstance(rulebook, Rulebook):
            rulebook = load_rulebook(rulebook)
        assessment = assess(region, rulebook or load_rulebook())
    comparison = None
    if scenario is not None:
        comparison = _scenario_parts(region, scenario, assessment, sel, lang)
    return _Composer(region, assessment, sel, lang, dpi, comparison).run()


def _scenario_parts(region, scenario, assessment: Assessment, sel: Selection,
                    lang: str = "zh") -> dict:
    from planning.plan.scenario import Scenario, compare

    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario, region, rulebook=assessment.rulebook,
                                 base_assessment=assessment)
    after = scenario.assess().in_language(lang)
    assessment = assessment.in_language(lang)
    base = Assessment(region, assessment.rulebook,
                      {r: restrict(res, sel) for r, res in assessment.results.items()})
    scen = Assessment(after.region, assessment.rulebook,
                      {r: restrict(res, sel) for r, res in after.results.items()})
    return {"name": scenario.name, "edits": [e.describe(lang) for e in scenario.active],
            "comparison": compare(base, scen), "sites": scenario.proposed_sites(),
            "after": scen}


def _n(x, unknown: str = "—") -> str:
    """Residents and counts as ``check`` prints them: a whole number with thousands commas
    (``unknown`` for None or NaN: residents nobody counted are not 0)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return unknown
    return f"{int(round(float(x))):,}"


def _share(x) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.1%}"


class _Composer:
    """Writes the blocks of one report."""

    def __init__(self, region, assessment: Assessment, sel: Selection, lang: str, dpi: int,
                 scenario: dict | None):
        assessment = assessment.in_language(lang)   # the rules' reasons and actions in lang
        self.region, self.a, self.sel, self.lang, self.dpi = region, assessment, sel, lang, dpi
        self.scenario = scenario
        self.rb = assessment.rulebook
        self.res = {r: restrict(x, sel) for r, x in assessment.results.items()}
        self.summ = {r: x.summary(lang) for r, x in self.res.items()}
        self.straight = bool(getattr(assessment, "straight", False))
        self.doc = Document(self._title(), lang, footer=self.w("label.straight") if self.straight else "")
        self.fig_no = self.tab_no = 0

    # --- helpers
    def _n(self, x) -> str:
        """A count or residents as ``check`` prints them; 未知 / unknown when unknown."""
        return _n(x, self.w("rep.unknown"))

    def w(self, key: str, **fields) -> str:
        """The report's words ``key`` (:data:`planning.words.STRINGS`) in its language."""
        return words.t(key, self.lang, **fields)

    def count(self, key: str, n, **fields) -> str:
        """The words ``key`` for the count ``n``: singular, plural and zero read well
        (:func:`planning.words.counted`)."""
        return words.counted(key, n, self.lang, **fields)

    def header(self, key: str) -> list[str]:
        """A table's header: the words ``key``, cells separated by ``|``."""
        return self.w(key).split("|")

    def sep(self) -> str:
        """The separator of a list of names: ``、`` / ``, ``."""
        return "、" if self.lang == "zh" else ", "

    def rulebook_name(self) -> str:
        """The rulebook's name in the report's language (its meta name is "中文 / English")
        and its file's name: no server path in the report."""
        name = str(self.rb.meta.get("name", ""))
        if " / " in name:
            zh, en = name.split(" / ", 1)
            name = zh if self.lang == "zh" else en
        return name

    def basis(self, key: str) -> str:
        return words.pair_word(words.BASIS, key, self.lang)

    def status(self, key: str) -> str:
        return words.status_word(key, self.lang)

    def mode(self, key) -> str:
        """步行 / walking: a travel mode inside a sentence ("" when there is none)."""
        return "" if key is None else words.field_text("mode_word", f"mode.{key}", self.lang)

    def kind(self, key) -> str:
        return words.kind_name(str(key), self.lang, sentence=True)

    def figure(self, png: bytes, caption: str) -> Figure:
        self.fig_no += 1
        w, h = Image.open(io.BytesIO(png)).size
        if self.straight:
            caption += self.w("rep.figure.straight", label=self.w("label.straight"))
        return Figure(png, self.w("rep.figure", no=self.fig_no, caption=caption), h / w)

    def table(self, caption: str, header, rows, widths, **kw) -> Table:
        self.tab_no += 1
        return Table(list(header), rows, list(widths),
                     self.w("rep.table", no=self.tab_no, caption=caption), **kw)

    def rule_title(self, rid: str) -> str:
        r = self.a.results[rid]
        return f"{rid} " + (r.title_zh if self.lang == "zh" else r.title_en)

    def _title(self) -> str:
        return self.w("rep.title", label=self.sel.label)

    # --- document
    def run(self) -> Document:
        d = self.doc
        today = _dt.date.today()
        d.add(Heading(self._title(), 0))
        date = self.w("rep.date", y=today.year, m=today.month, d=today.day, iso=today.isoformat())
        sub = self.w("rep.subtitle", date=date, name=self.rulebook_name(),
                     file=Path(self.rb.path).name, version=self.rb.meta.get("version", ""))
        if self.scenario:
            sub += self.w("rep.subtitle.scenario", name=self.scenario["name"])
        d.add(Para(sub, "subtitle"))
        if self.straight:
            factor = self.rb.value("travel", "detour_factor")
            d.add(Para(self.w("rep.straight_notice", label=self.w("label.straight"),
                              factor=f"{factor:g}"), "notice"))
        self.provenance()
        self.scorecard()
        self.rule_sections()
        if self.scenario:
            self.scenario_section()
        self.gap_sections()
        self.appendix()
        return d

    # --- 1 data
    def _source_counts(self) -> list[list[str]]:
        rows = []
        for layer in ("districts", "townships", "villages", "facilities"):
            g = self.region.layer(layer)
            if g is None:
                continue
            src = g["source"].astype(str).fillna("") if "source" in g else pd.Series("", index=g.index)
            real = int(src.str.startswith("real").sum())
            synthetic = int((src == "synthetic").sum())
            assumed = int((src == "assumed").sum())
            file = self.region.sources.get(layer, "")
            file = Path(file.split("#")[0]).name + (f"#{file.split('#')[1]}" if "#" in file else "")
            rows.append([self.w(f"rep.layer.{layer}"), file, self._n(len(g)), self._n(real), self._n(synthetic), self._n(assumed),
                         self._n(len(g) - real - synthetic - assumed)])
        return rows

    def _is_demo(self) -> bool:
        demo = settings.DEMO_DIR.resolve()
        return any(Path(s.split("#")[0]).resolve().parent == demo for s in self.region.sources.values())

    def provenance(self):
        d = self.doc
        d.add(Heading(self.w("rep.h.data")))
        rows = self._source_counts()
        synthetic = sum(int(r[4].replace(",", "")) for r in rows)
        assumed = sum(int(r[5].replace(",", "")) for r in rows)
        if self._is_demo():
            d.add(Para(self.w("rep.demo"), "notice"))
        elif synthetic:
            d.add(Para(self.count("rep.synthetic", synthetic), "notice"))
        d.add(self.table(self.w("rep.sources"), self.header("rep.sources.header"), rows, [2.2, 4.2, 1.3, 1.2, 1.2, 1.2, 1.2], align=list("LLRRRRR")))
        if assumed:
            d.add(Para(self.count("rep.assumed", assumed), "note"))
        if self.straight:
            d.add(Para(self.w("rep.roads.none", label=self.w("label.straight")), "body"))
        else:
            roads = self.region.roads_path.name if self.region.roads_path else self.w("rep.none")
            d.add(Para(self.w("rep.roads", roads=roads), "body"))
        self.scope()
        probs = self.region.problems
        if probs:
            counts = {lvl: sum(p.level == lvl for p in probs) for lvl in ("error", "warning", "info")}
            d.add(Para(self.w("rep.checks", errors=self.count("rep.checks.errors", counts["error"]),
                              warnings=self.count("rep.checks.warnings", counts["warning"]),
                              notes=self.count("rep.checks.notes", counts["info"])), "body"))
            shown = sorted(probs, key=lambda p: ("error", "warning", "info").index(p.level))[:6]
            for p in shown:
                d.add(Para(p.render(self.lang), "bullet"))

    def scope(self):
        towns = self.sel.towns
        vil = self.region.villages
        vil = vil[vil["township_id"].astype(str).isin(self.sel.township_ids)] if not self.sel.whole else vil
        fac = in_selection(self.region.facilities, self.sel)
        def kinds(frame, key):
            return self.sep().join(self.count(key, n, kind=self.kind(k))
                                   for k, n in frame["kind"].value_counts().items())
        pop = known_sum(vil["population"])[0]
        self.doc.add(Para(self.w(
            "rep.scope", label=self.sel.label, towns=self._n(len(towns)),
            tk=kinds(towns, "rep.scope.kind"), villages=self._n(len(vil)),
            vk=kinds(vil, "rep.scope.kind"), pop=self._n(pop), facilities=self._n(len(fac)),
            fk=kinds(fac, "rep.scope.facility")), "body"))

    # --- 2 scorecard
    def scorecard(self):
        d = self.doc
        d.add(Heading(self.w("rep.h.findings")))
        if not self.sel.whole:
            d.add(Para(self.w("rep.selection_only", label=self.sel.label), "note"))
        rows, status = [], []
        for rid, s in self.summ.items():
            rows.append([rid, s["title"] if self.lang == "zh" else s["title_en"], self.basis(s["basis"]),
                         self._n(s["units"]), self._n(s["passed"]), self._n(s["failed"]), self._n(s["warned"]),
                         self._n(s.get("unknown", 0)), self._n(s["not_applicable"]),
                         self._n(s["population_in_gap"])])
            status.append(overall_status(s))
        d.add(self.table(self.w("rep.scorecard"), self.header("rep.scorecard.header"), rows, [0.9, 4.4, 2.0, 1.0, 1.0, 1.2, 1.2, 1.2, 1.1, 1.6], status=status,
                         status_col=0, align=list("CLLRRRRRRR")))
        for rid in self.summ:
            d.add(Para(self.headline(rid), "bullet"))

    def headline(self, rid: str) -> str:
        """One sentence per rule: counts, residents in gap, basis and clause."""
        s = self.summ[rid]
        if rid == "R8":
            return self._headline_r8(s)
        mw = self.w(f"rep.mw.{rid}" if f"rep.mw.{rid}" in words.STRINGS else "rep.mw")
        parts = [self.count("rep.hl.passed", s["passed"], mw=mw),
                 self.count("rep.hl.failed", s["failed"], mw=mw)]
        if s["warned"]:
            parts.append(self.count("rep.hl.warned", s["warned"], mw=mw))
        if s["not_applicable"]:
            parts.append(self.count("rep.hl.na", s["not_applicable"], mw=mw))
        if s.get("unknown"):
            parts.append(self.count("rep.hl.unknown", s["unknown"], mw=mw, missing=self._missing(s)))
        gap = s["population_in_gap"]
        return self.w("rep.hl", rid=rid, title=s["title"] if self.lang == "zh" else s["title_en"],
                      units=self.count(f"rep.units.{rid}" if f"rep.units.{rid}" in words.STRINGS
                                       else "rep.units", s["units"]),
                      parts=("，" if self.lang == "zh" else ", ").join(parts),
                      gap=self.w("rep.hl.gap.unknown") if gap is None else self.count("rep.hl.gap", gap),
                      basis=self.basis(s["basis"]), clause=s["clause"])

    def _missing(self, s: dict) -> str:
        """``（缺少列：医共体 group_id）`` when the rule names the columns it lacked."""
        cols = s.get("figures", {}).get("missing_columns") or []
        if not cols:
            return self.w("rep.missing_data")
        names = self.sep().join(f"{words.field_label('facilities', c, self.lang)} {c}" for c in cols)
        return self.w("rep.missing_columns", names=names)

    def _headline_r8(self, s: dict) -> str:
        """R8 never fails: the villages and residents below the GP reference within reach."""
        r = self.res["R8"]
        u = r.units
        below = float(u["residents_below"].sum())
        basis = self.basis(s["basis"])
        target = r.figures.get("target_gps_per_10000", 4.0)
        unknown = self.w("rep.hl.R8.unknown", n=_n(s["unknown"])) if s.get("unknown") else ""
        return self.w("rep.hl.R8", title=s["title"] if self.lang == "zh" else s["title_en"],
                      units=self.count("rep.units.R8", s["units"]), passed=_n(s["passed"]),
                      target=f"{target:g}", below=_n(s["warned"]), pop=_n(below), unknown=unknown,
                      basis=basis, clause=s["clause"])

    def _details_r8(self) -> list[str]:
        """How R8 counts (one sentence), the region's figures and the township table."""
        r = self.res["R8"]
        f = r.figures
        mode = self.mode(f.get("mode"))
        target, minutes = f.get("target_gps_per_10000", 4.0), f.get("minutes", 30.0)
        clause = f.get("target_clause", r.clause)
        out = [self.w("rep.r8.method", mode=mode, minutes=f"{minutes:g}", target=f"{target:g}",
                      clause=clause)]
        towns = r.layers["R8_townships"]
        if not self.sel.whole:
            towns = towns[towns["township_id"].astype(str).isin(self.sel.township_ids)]
        pop = towns["population"].to_numpy(float)
        mean = towns["gps_per_10000"].to_numpy(float)
        ok = np.isfinite(mean) & (pop > 0)
        within = float((pop[ok] * mean[ok]).sum() / pop[ok].sum()) if ok.any() else float("nan")
        staff = towns["gps_counted"].to_numpy(float)
        plain = float(np.nansum(staff) / pop.sum() * 1e4) if pop.sum() > 0 else float("nan")
        out.append(self.w("rep.r8.region", label=self.sel.label, within=f"{within:.2f}",
                          plain=f"{plain:.2f}",
                          towns=self.count("rep.r8.towns", int((towns["status"] == WARN).sum())),
                          needed=_n(int(towns["gps_needed"].sum()))))
        if f.get("villages_near_border"):
            out.append(self.count("rep.r8.border", f["villages_near_border"]))
        return out

    def r8_table(self) -> Table:
        """Townships: GPs per 10,000 within reach beside the plain ratio, and the gap."""
        towns = self.res["R8"].layers["R8_townships"]
        if not self.sel.whole:
            towns = towns[towns["township_id"].astype(str).isin(self.sel.township_ids)]
        towns = towns.sort_values("gps_per_10000", na_position="first")

        def rate(x):
            return "—" if not np.isfinite(x) else f"{x:.2f}"
        rows = [[str(t.name), _n(t.population), rate(t.gps_per_10000), rate(t.gps_per_10000_plain),
                 _n(t.residents_below), _n(t.gps_needed), self.status(t.status)]
                for t in towns.itertuples()]
        return self.table(self.w("rep.r8.table"), self.header("rep.r8.table.header"), rows, [3.0, 1.8, 1.9, 1.9, 2.1, 2.1, 1.6], status=list(towns["status"]),
                          status_col=6, align=list("LRRRRRC"))

    # --- 3 per rule
    def rule_sections(self):
        d = self.doc
        d.add(Heading(self.w("rep.h.rules")))
        for rid in self.res:
            d.add(Heading(self.rule_title(rid), 2))
            d.add(Para(self.headline(rid), "body"))
            for text in self.details(rid):
                d.add(Para(text, "body"))
            for note in self.res[rid].notes:
                d.add(Para(self.w("rep.note", text=note.text(self.lang)), "note"))
            if rid in MAP_RULES:
                d.add(self.map_for(rid))
            if rid == "R8":
                d.add(self.r8_table())

    def _names(self, units: pd.DataFrame, status: str, limit: int = 12) -> str:
        part = units[units["status"] == status]
        names = list(part.sort_values("population", ascending=False)["name"].astype(str))
        more = self.w("rep.names_more", n=len(names), more=len(names) - limit) \
            if len(names) > limit else ""
        return self.sep().join(names[:limit]) + more

    def details(self, rid: str) -> list[str]:
        r = self.res[rid]
        u = r.units
        out = []
        if rid == "R1":
            if (u["status"] == FAIL).any():
                out.append(self.w("rep.failing", names=self._names(u, FAIL)))
            for row in u[u["status"] == WARN].itertuples():
                out.append(self.w("rep.attention", name=row.name, reason=row.reason))
        elif rid == "R2":
            p = self.rb["R2"]
            cov = u["coverage"].value_counts() if "coverage" in u else pd.Series(dtype=int)
            measure = self.w("rep.measure.road" if p["measure"] == "road" else "rep.measure.straight")
            out.append(self.w("rep.r2.coverage", measure=measure, limit=f"{p['max_distance_m']:,.0f}",
                              **{k: self.count(f"rep.r2.{k}", cov.get(k, 0))
                                 for k in ("own", "shared", "served", "gap")}))
        elif rid == "R3":
            p = self.rb["R3"]
            pop = u["population"].astype(float)          # NaN: unknown, not counted
            within = known_sum(pop[u["status"] == PASS])[0]
            total = known_sum(pop)[0]
            share = within / total if total else None
            mode = self.mode(p["mode"])
            out.append(self.w("rep.r3.share", mode=mode, minutes=f"{p['max_minutes']:g}",
                              share=_share(share), within=self._n(within), total=self._n(total)))
        elif rid in ("R4", "R5"):
            for row in u.itertuples():
                text = self.w("rep.unit_reason", name=row.name, reason=row.reason)
                if getattr(row, "action", ""):
                    text += self.w("rep.suggested", action=row.action)
                out.append(text + self.w("rep.end"))
            if rid == "R4":
                for c in self._candidates().itertuples():
                    out.append(self.w("rep.candidate", rank=c.rank, name=c.name, reason=c.reason))
            if rid == "R5":
                out += self._city_ratios(self.res["R5"].figures)
        elif rid == "R8":
            out += self._details_r8()
        elif rid in ("R6", "R7") and (u["status"] == FAIL).any():
            out.append(self.w("rep.failing", names=self._names(u, FAIL)))
        return out

    def _city_ratios(self, f: dict) -> list[str]:
        out = []
        if f.get("gps_per_10000") is not None:
            out.append(self.w("rep.gps_ratio", value=f"{f['gps_per_10000']:.2f}",
                              target=f"{f['gps_target_per_10000']:g}"))
        if f.get("nurses_per_1000") is not None:
            out.append(self.w("rep.nurse_ratio", value=f"{f['nurses_per_1000']:.2f}",
                              t2025=f"{f['nurses_target_per_1000_2025']:g}",
                              t2027=f"{f['nurses_target_per_1000_2027']:g}"))
        return out

    def _candidates(self) -> gpd.GeoDataFrame:
        c = self.a.results["R4"].layers.get("R4_candidates")
        if c is None or len(c) == 0:
            return gpd.GeoDataFrame(columns=["rank", "name", "reason", "geometry"], geometry="geometry",
                                    crs=self.region.crs)
        return c[c["district"].astype(str).isin(self.sel.districts)] if not self.sel.whole else c

    # --- maps
    def map_for(self, rid: str) -> Figure:
        towns, sel = self.region.townships, self.sel.towns
        u = self.res[rid].units
        if rid == "R1":
            centres = in_selection(facilities_of(self.region, (FacilityKind.TOWNSHIP_HEALTH_CENTRE,
                                                                FacilityKind.COMMUNITY_HEALTH_CENTRE)), self.sel)
            png = maps.map_r1(towns, sel, u, centres, self.lang, self.dpi)
            cap = self.w("rep.cap.R1")
        elif rid == "R2":
            clinics = self.a.results["R2"].layers["R2_clinics"]
            clinics = clinics[clinics["standardized"].astype(bool)] if "standardized" in clinics else clinics
            limit = self.rb["R2"]["max_distance_m"]
            png = maps.map_r2(towns, sel, u, clinics, limit, self.lang, self.dpi)
            cap = self.w("rep.cap.R2", limit=f"{limit:,.0f}")
        elif rid == "R3":
            layers = self.a.results["R3"].layers
            p = self.rb["R3"]
            fac = facilities_of(self.region, p["facility_kinds"])
            png = maps.map_r3(towns, sel, u, layers["R3_covered"].geometry.iloc[0],
                              layers["R3_uncovered"].geometry.iloc[0], fac, p["max_minutes"],
                              p["mode"], self.lang, self.dpi)
            mode = self.mode(p["mode"])
            cap = self.w("rep.cap.R3", minutes=f"{p['max_minutes']:g}", mode=mode)
        elif rid == "R8":
            r8 = self.res["R8"]
            t8 = r8.layers["R8_townships"]
            fac = in_selection(facilities_of(self.region, self.rb["R8"]["gp_kinds"]), self.sel)
            target = r8.figures.get("target_gps_per_10000", 4.0)
            png = maps.map_r8(towns, sel, t8, u, fac, target, self.lang, self.dpi)
            mode = self.mode(r8.figures.get("mode"))
            cap = self.w("rep.cap.R8", mode=mode, minutes=f"{r8.figures.get('minutes', 30):g}",
                         target=f"{target:g}")
        else:
            from planning.rules.r4_sub_centres import hospitals

            v = self.a.results["R4"].layers["R4_villages"]
            if not self.sel.whole:
                ids = set(self.region.villages.loc[self.region.villages["township_id"].astype(str)
                                                   .isin(self.sel.township_ids), "village_id"])
                v = v[v["village_id"].isin(ids)]
            minutes = self.rb["R4"]["hard_to_reach_minutes"]
            png = maps.map_r4(towns, sel, v, hospitals(self.region), self._candidates(), minutes,
                              self.lang, self.dpi)
            cap = self.w("rep.cap.R4", minutes=f"{minutes:g}")
        return self.figure(png, cap)

    # --- 4 scenario
    def scenario_section(self):
        d, sc = self.doc, self.scenario
        cmp = sc["comparison"]
        d.add(Heading(self.w("rep.h.scenario", name=sc["name"])))
        if sc["edits"]:
            d.add(Para(self.w("rep.edits", edits=words.semicolon(self.lang).join(sc["edits"])), "body"))
        rows = []
        for r in cmp.rules.itertuples():
            rows.append([r.rule, f"{self._n(r.failed_before)} → {self._n(r.failed_after)}",
                         f"{self._n(r.population_in_gap_before)} → {self._n(r.population_in_gap_after)}",
                         self._n(r.units_newly_covered), self._n(r.residents_newly_covered),
                         self._n(r.units_newly_uncovered), self._n(r.residents_newly_uncovered)])
        d.add(self.table(self.w("rep.before_after"), self.header("rep.before_after.header"), rows, [0.9, 2.0, 2.6, 1.6, 1.8, 1.6, 1.8], align=list("CRRRRRR")))
        for rid in ("R2", "R3"):
            row = cmp.rules[cmp.rules["rule"] == rid]
            if len(row):
                r = row.iloc[0]
                d.add(Para(self.w("rep.delta", rid=rid, failed_before=self._n(r.failed_before),
                                  failed_after=self._n(r.failed_after),
                                  gap_before=self._n(r.population_in_gap_before),
                                  gap_after=self._n(r.population_in_gap_after),
                                  covered=self._n(r.residents_newly_covered)), "bullet"))
        if "R8" in sc["after"].results and "R8" in self.res:
            b, a = (float(x.units["residents_below"].sum()) for x in (self.res["R8"], sc["after"].results["R8"]))
            d.add(Para(self.w("rep.delta.R8", before=self._n(b), after=self._n(a)), "bullet"))
        for w in cmp.warnings:
            d.add(Para(self.w("rep.warning", text=w.text(self.lang)), "notice"))
        sites = sc["sites"]
        if len(sites):
            glon, glat = wgs84_to_gcj02(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
            rows = [[str(s.name), self.kind(s.kind),
                     self.w(f"rep.edit.{s.edit}") if f"rep.edit.{s.edit}" in words.STRINGS else s.edit,
                     f"{s.lon:.6f}", f"{s.lat:.6f}", f"{gx:.6f}", f"{gy:.6f}"]
                    for s, gx, gy in zip(sites.itertuples(), glon, glat)]
            d.add(self.table(self.w("rep.sites"), self.header("rep.sites.header"), rows, [3.0, 2.2, 1.0, 1.9, 1.9, 1.9, 1.9], align=list("LLCRRRR")))
            d.add(Para(self.w("rep.sites.crs"), "note"))
        else:
            d.add(Para(self.w("rep.sites.none"), "body"))
        d.add(self.scenario_map())

    def scenario_map(self) -> Figure:
        sc = self.scenario
        layers = sc["comparison"].layers

        def villages(frame):
            return frame.drop_duplicates("village_id") if len(frame) else frame

        before = pd.concat([self.res[r].units[self.res[r].units["status"] == FAIL]
                            for r in ("R2", "R3") if r in self.res])
        before = gpd.GeoDataFrame(before.drop_duplicates("unit_id"), geometry="geometry", crs=self.region.crs)
        newly = villages(layers["newly_covered"])
        still = villages(layers["still_uncovered"])
        lost = villages(layers["newly_uncovered"])
        newly = newly[~newly["village_id"].isin(set(still["village_id"]) | set(lost["village_id"]))] \
            if len(newly) else newly
        png = maps.map_scenario(self.region.townships, self.sel.towns, before, newly, still, lost,
                                sc["sites"], self.lang, self.dpi)
        return self.figure(png, self.w("rep.cap.scenario"))

    # --- 5 gaps per township
    def gap_rows(self) -> pd.DataFrame:
        parts = []
        for rid in ("R1", "R2", "R3", "R6", "R7"):
            if rid not in self.res:
                continue
            u = self.res[rid].units
            fails = u[u["status"] == FAIL]
            if not len(fails):
                continue
            if rid == "R6":  # judged per township: one row per township, naming its committees
                fails = self._r6_by_township(fails)
            town = fails["unit_id"] if rid == "R1" else fails.get("township_id")
            parts.append(pd.DataFrame({
                "rule": rid, "township_id": np.asarray(town, dtype=object) if town is not None else None,
                "name": fails["name"].astype(str).values,
                "population": fails["population"].astype(float).values,
                "reason": fails["reason"].fillna("").astype(str).values,
                "action": fails["action"].fillna("").astype(str).values if "action" in fails else ""}))
        if not parts:
            return pd.DataFrame(columns=["rule", "township_id", "name", "population", "reason", "action"])
        return pd.concat(parts, ignore_index=True)

    def _r6_by_township(self, fails: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for tid, g in fails.groupby("township_id", sort=False):
            names = self.sep().join(g["name"].astype(str))
            rows.append({"township_id": tid, "name": self.count("rep.r6_row", len(g)),
                         "population": g["population"].sum(min_count=1),
                         "reason": g["reason"].iloc[0] + self.w("rep.r6_names", names=names),
                         "action": g["action"].iloc[0]})
        return pd.DataFrame(rows)

    def gap_sections(self):
        d = self.doc
        number = self.w("rep.h.gaps.number.scenario" if self.scenario else "rep.h.gaps.number")
        d.add(Heading(self.w("rep.h.gaps", number=number)))
        gaps = self.gap_rows()
        district_rows = []
        for rid in ("R4", "R5"):
            u = self.res[rid].units
            for row in u[u["status"] == FAIL].itertuples():
                district_rows.append([rid, str(row.name), self._n(row.population), row.reason, row.action or ""])
        if district_rows:
            d.add(Heading(self.w("rep.h.district"), 2))
            d.add(self.table(self.w("rep.district_gaps"), self.header("rep.gaps.header"),
                             district_rows, [0.9, 2.4, 1.6, 5.5, 4.6], align=list("CLRLL")))
        d.add(Para(self.w("rep.gaps_note"), "note"))
        clean = []
        for t in self.sel.towns.itertuples():
            rows = gaps[gaps["township_id"].astype(str) == str(t.township_id)]
            if not len(rows):
                clean.append(str(t.name))
                continue
            rows = rows.sort_values(["rule", "population"], ascending=[True, False])
            d.add(Heading(self.count("rep.h.town", len(rows), name=t.name), 2))
            d.add(self.table(self.w("rep.town_gaps", name=t.name), self.header("rep.gaps.header"),
                             [[r.rule, r.name, self._n(r.population), r.reason, r.action] for r in rows.itertuples()],
                             [0.9, 2.4, 1.6, 5.5, 4.6], align=list("CLRLL")))
        if clean:
            d.add(Para(self.w("rep.clean", names=self.sep().join(clean)), "body"))

    # --- appendix
    def appendix(self):
        d = self.doc
        d.add(Heading(self.w("rep.h.appendix")))
        d.add(Para(self.w("rep.rulebook", name=self.rulebook_name(), file=Path(self.rb.path).name,
                          version=self.rb.meta.get("version", "")), "note"))
        rows = []
        for k in self.rb.keys():
            changed = k.value != k.default
            rows.append([f"{k.rule}.{k.name}" + ("*" if changed else ""), _value(k.value, self.lang),
                         _value(k.default, self.lang), self.basis(k.basis), k.clause,
                         k.zh if self.lang == "zh" else k.en])
        d.add(self.table(self.w("rep.rulebook.values"), self.header("rep.rulebook.header"), rows, [3.6, 2.0, 2.0, 1.6, 2.0, 5.4], align=list("LLLLLL")))
        policies = self.rb.meta.get("policies", [])
        if policies:
            d.add(Para(self.w("rep.policies"), "body"))
            for p in policies:
                d.add(Para(p, "bullet"))


def _value(v, lang: str) -> str:
    if isinstance(v, bool):
        return words.t("rep.yes" if v else "rep.no", lang)
    if isinstance(v, list):
        return words.listing((words.kind_name(str(x), lang, sentence=True) for x in v), lang)
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return words.level_word(v, lang)       # a hospital level (二甲 -> level 2A); else as it is
