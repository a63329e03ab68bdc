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
township is asked for. Wording lives here and in :mod:`planning.outputs.report.figures`; layout in
:mod:`planning.outputs.report.docx` and :mod:`planning.outputs.report.pdf`.
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
from planning.travel.access import STRAIGHT_LABEL
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

#: what each rule judges: (zh noun, zh measure word, en noun)
_UNITS = {"R1": ("乡镇（街道）", "个", "townships and streets"),
          "R2": ("行政村（村委会）", "个", "village committees"),
          "R3": ("村（居）委会", "个", "villages and residents' committees"),
          "R4": ("区", "个", "districts"), "R5": ("区", "个", "districts"),
          "R6": ("居委会", "个", "residents' committees"),
          "R7": ("乡镇卫生院和社区卫生服务中心", "所", "township and community health centres"),
          "R8": ("村（居）委会", "个", "villages and residents' committees")}
_LAYER = {"districts": ("区", "districts"), "townships": ("乡镇（街道）", "townships"),
          "villages": ("村（居）委会", "villages"), "facilities": ("医疗卫生机构", "facilities")}


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
    return {"name": scenario.name, "edits": [e.describe() for e in scenario.active],
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
        self.doc = Document(self._title(), lang, footer=STRAIGHT_LABEL if self.straight else "")
        self.fig_no = self.tab_no = 0

    # --- helpers
    def _n(self, x) -> str:
        """A count or residents as ``check`` prints them; 未知 / unknown when unknown."""
        return _n(x, self.tr("未知", "unknown"))

    def tr(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

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
            caption += f"（{STRAIGHT_LABEL}）" if self.lang == "zh" else f" ({STRAIGHT_LABEL})"
        return Figure(png, self.tr(f"图{self.fig_no}  {caption}", f"Figure {self.fig_no}. {caption}"),
                      h / w)

    def table(self, caption: str, header, rows, widths, **kw) -> Table:
        self.tab_no += 1
        return Table(list(header), rows, list(widths),
                     self.tr(f"表{self.tab_no}  {caption}", f"Table {self.tab_no}. {caption}"), **kw)

    def rule_title(self, rid: str) -> str:
        r = self.a.results[rid]
        return f"{rid} " + (r.title_zh if self.lang == "zh" else r.title_en)

    def _title(self) -> str:
        return self.tr(f"{self.sel.label}基层医疗卫生服务网络评估报告",
                       f"Primary health-care network assessment: {self.sel.label}")

    # --- document
    def run(self) -> Document:
        d = self.doc
        today = _dt.date.today()
        d.add(Heading(self._title(), 0))
        sub = self.tr(f"生成日期：{today.year}年{today.month}月{today.day}日　规则库：{self.rb.meta.get('name', '')}"
                      f"（{Path(self.rb.path).name}，版本 {self.rb.meta.get('version', '')}）",
                      f"Date: {today.isoformat()}   Rulebook: {Path(self.rb.path).name} "
                      f"(version {self.rb.meta.get('version', '')})")
        if self.scenario:
            sub += self.tr(f"　方案：{self.scenario['name']}", f"   Scenario: {self.scenario['name']}")
        d.add(Para(sub, "subtitle"))
        if self.straight:
            factor = self.rb.value("travel", "detour_factor")
            d.add(Para(self.tr(
                f"{STRAIGHT_LABEL}：没有道路网，本报告的距离均为直线距离；R3、R4、R7 的出行时间按"
                f"直线距离 × {factor:g}（绕行系数）和各出行方式的速度估算，R2 按直线 1.5 公里半径判断。"
                "有道路文件后请重新评估。",
                f"{STRAIGHT_LABEL}: there was no road network, so every distance in this report is a "
                f"straight line; R3, R4 and R7 travel times are straight distance × {factor:g} (detour "
                "factor) at each mode's speed, and R2 uses the straight 1.5 km radius. Assess again "
                "with a road file."), "notice"))
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
            zh, en = _LAYER[layer]
            rows.append([self.tr(zh, en), file, self._n(len(g)), self._n(real), self._n(synthetic), self._n(assumed),
                         self._n(len(g) - real - synthetic - assumed)])
        return rows

    def _is_demo(self) -> bool:
        demo = settings.DEMO_DIR.resolve()
        return any(Path(s.split("#")[0]).resolve().parent == demo for s in self.region.sources.values())

    def provenance(self):
        d = self.doc
        d.add(Heading(self.tr("一、数据来源与评估范围", "1. Data and scope")))
        rows = self._source_counts()
        synthetic = sum(int(r[4].replace(",", "")) for r in rows)
        assumed = sum(int(r[5].replace(",", "")) for r in rows)
        if self._is_demo():
            d.add(Para(self.tr(
                "演示数据：本报告由工具自带的宝坻区演示数据生成。区划名称与代码、区界和全区常住人口为真实数据；"
                "乡镇边界、村庄位置与人口、道路和医疗卫生机构均为合成（synthetic）数据。"
                "报告中的结论不反映宝坻区的实际情况，仅用于演示工具功能。",
                "DEMO DATA: this report was made from the tool's built-in Baodi demo. Names, codes, the "
                "district outline and its population are real; township polygons, village positions and "
                "populations, roads and facilities are SYNTHETIC. Its findings do not describe the real "
                "Baodi district and serve only to demonstrate the tool."), "notice"))
        elif synthetic:
            d.add(Para(self.tr(
                f"注意：输入数据中有{self._n(synthetic)}条合成（synthetic）记录，相关结论仅供参考，"
                "正式上报前请用实际数据替换。",
                f"Note: {self._n(synthetic)} input rows are synthetic; treat the findings that depend on "
                "them as illustrative and replace them with real data before submitting."), "notice"))
        d.add(self.table(self.tr("数据来源与出处（按记录统计）", "Data sources and provenance (rows)"),
                         self.tr("图层|文件|记录数|真实|合成|假设|未注明", "layer|file|rows|real|synthetic|assumed|unstated").split("|"),
                         rows, [2.2, 4.2, 1.3, 1.2, 1.2, 1.2, 1.2], align=list("LLRRRRR")))
        if assumed:
            d.add(Para(self.tr(f"“假设”指位置或数值为推定（共{self._n(assumed)}条），见数据说明。",
                               f"'Assumed' rows ({self._n(assumed)}) carry an inferred position or value; "
                               "see the data notes."), "note"))
        if self.straight:
            d.add(Para(self.tr(f"道路网：无。距离和时间为{STRAIGHT_LABEL}。",
                               f"Road network: none. Distances and times are a {STRAIGHT_LABEL}."),
                       "body"))
        else:
            roads = self.region.roads_path.name if self.region.roads_path else self.tr("无", "none")
            d.add(Para(self.tr(f"道路网：{roads}（OpenStreetMap 格式）。距离和时间沿道路网计算。",
                               f"Road network: {roads} (OpenStreetMap format). Distances and times "
                               "are measured along the roads."), "body"))
        self.scope()
        probs = self.region.problems
        if probs:
            counts = {lvl: sum(p.level == lvl for p in probs) for lvl in ("error", "warning", "info")}
            d.add(Para(self.tr(
                f"数据检查：{counts['error']}条记录被剔除，{counts['warning']}条警告，{counts['info']}条提示。"
                "主要问题如下（完整列表见工具界面或 check 命令）：",
                f"Data checks: {counts['error']} rows set aside, {counts['warning']} warnings, "
                f"{counts['info']} notes. The first ones (the full list is in the app or `check`):"), "body"))
            shown = sorted(probs, key=lambda p: ("error", "warning", "info").index(p.level))[:6]
            for p in shown:
                d.add(Para(p.render(self.lang), "bullet"))

    def scope(self):
        towns = self.sel.towns
        vil = self.region.villages
        vil = vil[vil["township_id"].astype(str).isin(self.sel.township_ids)] if not self.sel.whole else vil
        fac = in_selection(self.region.facilities, self.sel)
        sep = self.tr("、", ", ")
        tk = sep.join(f"{self.kind(k)}{self._n(n)}{self.tr('个', '')}" if self.lang == "zh" else f"{self._n(n)} {self.kind(k)}s"
                      for k, n in towns["kind"].value_counts().items())
        vk = sep.join(f"{self.kind(k)}{self._n(n)}{self.tr('个', '')}" if self.lang == "zh" else f"{self._n(n)} {self.kind(k)}s"
                      for k, n in vil["kind"].value_counts().items())
        fk = sep.join(f"{self.kind(k)}{self._n(n)}所" if self.lang == "zh" else f"{self._n(n)} {self.kind(k)}"
                      for k, n in fac["kind"].value_counts().items())
        pop = known_sum(vil["population"])[0]
        self.doc.add(Para(self.tr(
            f"评估范围：{self.sel.label}，乡镇级单元{self._n(len(towns))}个（{tk}），"
            f"村级单元{self._n(len(vil))}个（{vk}），常住人口{self._n(pop)}人；医疗卫生机构{self._n(len(fac))}所（{fk}）。",
            f"Scope: {self.sel.label}: {self._n(len(towns))} township-level units ({tk}), "
            f"{self._n(len(vil))} village-level units ({vk}), {self._n(pop)} residents; "
            f"{self._n(len(fac))} health facilities ({fk})."), "body"))

    # --- 2 scorecard
    def scorecard(self):
        d = self.doc
        d.add(Heading(self.tr("二、评估结论", "2. Findings")))
        if not self.sel.whole:
            d.add(Para(self.tr(f"以下数字只统计{self.sel.label}范围内的单元；R4、R5 按所在区统计。",
                               f"The figures count only units inside {self.sel.label}; R4 and R5 "
                               "are judged for its district."), "note"))
        rows, status = [], []
        for rid, s in self.summ.items():
            rows.append([rid, s["title"] if self.lang == "zh" else s["title_en"], self.basis(s["basis"]),
                         self._n(s["units"]), self._n(s["passed"]), self._n(s["failed"]), self._n(s["warned"]),
                         self._n(s.get("unknown", 0)), self._n(s["not_applicable"]),
                         self._n(s["population_in_gap"])])
            status.append(overall_status(s))
        d.add(self.table(self.tr("逐条评分（与 check 命令输出一致）", "Scorecard (as printed by `check`)"),
                         self.tr("规则|内容|依据|单元|达标|未达标|需关注|无法检查|不适用|缺口人口",
                                 "rule|requirement|basis|units|pass|fail|attention|cannot check|n/a|"
                                 "residents in gap").split("|"),
                         rows, [0.9, 4.4, 2.0, 1.0, 1.0, 1.2, 1.2, 1.2, 1.1, 1.6], status=status,
                         status_col=0, align=list("CLLRRRRRRR")))
        for rid in self.summ:
            d.add(Para(self.headline(rid), "bullet"))

    def headline(self, rid: str) -> str:
        """One sentence per rule: counts, residents in gap, basis and clause."""
        s = self.summ[rid]
        if rid == "R8":
            return self._headline_r8(s)
        zh_noun, mw, en_noun = _UNITS.get(rid, ("单元", "个", "units"))
        basis = self.basis(s["basis"])
        if self.lang == "zh":
            text = (f"{rid} {s['title']}：{self._n(s['units'])}{mw}{zh_noun}中，{self._n(s['passed'])}{mw}达标，"
                    f"{self._n(s['failed'])}{mw}未达标")
            if s["warned"]:
                text += f"，{self._n(s['warned'])}{mw}需关注"
            if s["not_applicable"]:
                text += f"，{self._n(s['not_applicable'])}{mw}不适用"
            if s.get("unknown"):
                text += f"，{self._n(s['unknown'])}{mw}无法检查{self._missing(s)}"
            text += f"；未达标单元涉及常住人口{self._n(s['population_in_gap'])}人。"
            return text + f"（{basis}：{s['clause']}）"
        text = (f"{rid} {s['title_en']}: of {self._n(s['units'])} {en_noun}, {self._n(s['passed'])} pass, "
                f"{self._n(s['failed'])} fail")
        if s["warned"]:
            text += f", {self._n(s['warned'])} need attention"
        if s["not_applicable"]:
            text += f", {self._n(s['not_applicable'])} not applicable"
        if s.get("unknown"):
            text += f", {self._n(s['unknown'])} cannot be checked{self._missing(s)}"
        text += f"; {self._n(s['population_in_gap'])} residents live in failing units."
        return text + f" ({basis}: {s['clause']})"

    def _missing(self, s: dict) -> str:
        """``（缺少列：医共体 group_id）`` when the rule names the columns it lacked."""
        cols = s.get("figures", {}).get("missing_columns") or []
        if not cols:
            return self.tr("（缺少人口等数据）", " (data missing)")
        from planning.words import field_label

        names = self.tr("、", ", ").join(f"{field_label('facilities', c, self.lang)} {c}" for c in cols)
        return self.tr(f"（缺少列：{names}）", f" (missing column: {names})")

    def _headline_r8(self, s: dict) -> str:
        """R8 never fails: the villages and residents below the GP reference within reach."""
        r = self.res["R8"]
        u = r.units
        below = float(u["residents_below"].sum())
        basis = self.basis(s["basis"])
        target = r.figures.get("target_gps_per_10000", 4.0)
        text = self.tr(
            f"R8 {s['title']}：{_n(s['units'])}个村（居）委会中，{_n(s['passed'])}个可达全科医生达到每万人"
            f"{target:g}名，{_n(s['warned'])}个低于这一参考值（涉及常住人口{_n(below)}人）",
            f"R8 {s['title_en']}: of {_n(s['units'])} villages, {_n(s['passed'])} reach at least "
            f"{target:g} GPs per 10,000 residents, {_n(s['warned'])} are below this reference "
            f"({_n(below)} residents)")
        if s.get("unknown"):
            text += self.tr(f"，{_n(s['unknown'])}个无法检查", f", {_n(s['unknown'])} cannot be checked")
        return text + self.tr(f"。（{basis}：{s['clause']}）", f". ({basis}: {s['clause']})")

    def _details_r8(self) -> list[str]:
        """How R8 counts (one sentence), the region's figures and the township table."""
        r = self.res["R8"]
        f = r.figures
        mode = self.mode(f.get("mode"))
        target, minutes = f.get("target_gps_per_10000", 4.0), f.get("minutes", 30.0)
        clause = f.get("target_clause", r.clause)
        out = [self.tr(
            f"计算方法：每个基层医疗卫生机构的全科医生数，除以其{mode}{minutes:g}分钟范围内按远近加权的常住人口；"
            f"一个村可达的各机构比值按同样权重相加，就是“可达范围内每万人拥有的全科医生数”（两步移动搜索法 E2SFCA）；"
            f"按人口加权的平均值等于全科医生总数÷常住人口。参考值每万人{target:g}名是全市目标（{clause}），"
            "低于参考值为“需关注”，不判定未达标。",
            f"How it is counted: each primary-care facility's GPs are divided by the residents within "
            f"{minutes:g} minutes ({mode}) of it, nearer residents weighing more; a village adds up the "
            "shares of the facilities it reaches, weighted the same way: 'GPs per 10,000 residents "
            "within reach' (the enhanced two-step floating catchment area, E2SFCA), whose "
            "population-weighted mean equals GPs ÷ residents. The reference of "
            f"{target:g} per 10,000 is the city-wide target ({clause}): below it is 'attention', "
            "never a failure.")]
        towns = r.layers["R8_townships"]
        if not self.sel.whole:
            towns = towns[towns["township_id"].astype(str).isin(self.sel.township_ids)]
        pop = towns["population"].to_numpy(float)
        mean = towns["gps_per_10000"].to_numpy(float)
        ok = np.isfinite(mean) & (pop > 0)
        within = float((pop[ok] * mean[ok]).sum() / pop[ok].sum()) if ok.any() else float("nan")
        staff = towns["gps_counted"].to_numpy(float)
        plain = float(np.nansum(staff) / pop.sum() * 1e4) if pop.sum() > 0 else float("nan")
        out.append(self.tr(
            f"{self.sel.label}：可达全科医生人口加权平均每万人{within:.2f}名，辖区内全科医生每万人{plain:.2f}名；"
            f"需关注乡镇（街道）{int((towns['status'] == WARN).sum())}个，达到参考值共需再可达全科医生"
            f"{int(towns['gps_needed'].sum())}名（按乡镇分别计算）。",
            f"{self.sel.label}: {within:.2f} GPs per 10,000 within reach (population-weighted), "
            f"{plain:.2f} per 10,000 inside; {int((towns['status'] == WARN).sum())} townships need "
            f"attention, and {int(towns['gps_needed'].sum())} more GPs within reach would bring each "
            "to the reference (counted township by township)."))
        if f.get("villages_near_border"):
            out.append(self.tr(f"{_n(f['villages_near_border'])}个村的服务范围越过区域边界，边界外的医生不在数据中。",
                               f"{_n(f['villages_near_border'])} villages reach across the region's border, "
                               "where doctors are not in the data."))
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
        return self.table(self.tr("各乡镇（街道）可达全科医生（每万人）", "GPs per 10,000 within reach, by township"),
                          self.tr("乡镇（街道）|常住人口|可达（每万人）|辖区内（每万人）|低于参考值人口|需再可达全科医生|状态",
                                  "township|residents|within reach|inside|residents below|more GPs needed|status").split("|"),
                          rows, [3.0, 1.8, 1.9, 1.9, 2.1, 2.1, 1.6], status=list(towns["status"]),
                          status_col=6, align=list("LRRRRRC"))

    # --- 3 per rule
    def rule_sections(self):
        d = self.doc
        d.add(Heading(self.tr("三、分项评估", "3. Rule by rule")))
        for rid in self.res:
            d.add(Heading(self.rule_title(rid), 2))
            d.add(Para(self.headline(rid), "body"))
            for text in self.details(rid):
                d.add(Para(text, "body"))
            for note in self.res[rid].notes:
                d.add(Para(self.tr("说明：", "Note: ") + note.text(self.lang), "note"))
            if rid in MAP_RULES:
                d.add(self.map_for(rid))
            if rid == "R8":
                d.add(self.r8_table())

    def _names(self, units: pd.DataFrame, status: str, limit: int = 12) -> str:
        part = units[units["status"] == status]
        names = list(part.sort_values("population", ascending=False)["name"].astype(str))
        sep = self.tr("、", ", ")
        more = self.tr(f"等{len(names)}个", f" and {len(names) - limit} more") if len(names) > limit else ""
        return sep.join(names[:limit]) + more

    def details(self, rid: str) -> list[str]:
        r = self.res[rid]
        u = r.units
        out = []
        if rid == "R1":
            if (u["status"] == FAIL).any():
                out.append(self.tr(f"未达标：{self._names(u, FAIL)}。", f"Failing: {self._names(u, FAIL)}."))
            for row in u[u["status"] == WARN].itertuples():
                out.append(self.tr(f"需关注：{row.name}——{row.reason}。", f"Attention: {row.name} — {row.reason}."))
        elif rid == "R2":
            p = self.rb["R2"]
            cov = u["coverage"].value_counts() if "coverage" in u else pd.Series(dtype=int)
            measure = self.tr("道路距离" if p["measure"] == "road" else "直线距离",
                              "road distance" if p["measure"] == "road" else "straight distance")
            out.append(self.tr(
                f"按{measure}{p['max_distance_m']:,.0f}米计：本村有卫生室{self._n(cov.get('own', 0))}个，"
                f"与邻村共用{self._n(cov.get('shared', 0))}个，由巡诊、派驻或邻村延伸服务{self._n(cov.get('served', 0))}个，"
                f"缺口{self._n(cov.get('gap', 0))}个。",
                f"By {measure} within {p['max_distance_m']:,.0f} m: {self._n(cov.get('own', 0))} villages have "
                f"their own clinic, {self._n(cov.get('shared', 0))} share a neighbour's, "
                f"{self._n(cov.get('served', 0))} are served by touring, dispatched staff or neighbour "
                f"extension, {self._n(cov.get('gap', 0))} are gaps."))
        elif rid == "R3":
            p = self.rb["R3"]
            pop = u["population"].astype(float)          # NaN: unknown, not counted
            within = known_sum(pop[u["status"] == PASS])[0]
            total = known_sum(pop)[0]
            share = within / total if total else None
            mode = self.mode(p["mode"])
            out.append(self.tr(
                f"{mode}{p['max_minutes']:g}分钟内可到达基层医疗卫生机构的常住人口占{_share(share)}"
                f"（{self._n(within)}/{self._n(total)}人）。",
                f"{_share(share)} of residents ({self._n(within)} of {self._n(total)}) reach a primary-care "
                f"facility within {p['max_minutes']:g} minutes ({mode})."))
        elif rid in ("R4", "R5"):
            for row in u.itertuples():
                text = f"{row.name}：{row.reason}" if self.lang == "zh" else f"{row.name}: {row.reason}"
                if getattr(row, "action", ""):
                    text += self.tr(f"。建议：{row.action}", f". Suggested: {row.action}")
                out.append(text + self.tr("。", "."))
            if rid == "R4":
                for c in self._candidates().itertuples():
                    out.append(self.tr(f"次中心候选{c.rank}：{c.name}——{c.reason}。",
                                       f"Sub-centre candidate {c.rank}: {c.name} — {c.reason}."))
            if rid == "R5":
                out += self._city_ratios(self.res["R5"].figures)
        elif rid == "R8":
            out += self._details_r8()
        elif rid in ("R6", "R7") and (u["status"] == FAIL).any():
            out.append(self.tr(f"未达标：{self._names(u, FAIL)}。", f"Failing: {self._names(u, FAIL)}."))
        return out

    def _city_ratios(self, f: dict) -> list[str]:
        out = []
        if f.get("gps_per_10000") is not None:
            out.append(self.tr(
                f"全科医生每万人{f['gps_per_10000']:.2f}名（全市目标{f['gps_target_per_10000']:g}名，仅作参考）。",
                f"General practitioners: {f['gps_per_10000']:.2f} per 10,000 residents (city-wide target "
                f"{f['gps_target_per_10000']:g}; a reference only)."))
        if f.get("nurses_per_1000") is not None:
            out.append(self.tr(
                f"护士每千人{f['nurses_per_1000']:.2f}名（全市2025年目标{f['nurses_target_per_1000_2025']:g}名，"
                f"2027年{f['nurses_target_per_1000_2027']:g}名，仅作参考）。",
                f"Nurses: {f['nurses_per_1000']:.2f} per 1,000 residents (city-wide targets "
                f"{f['nurses_target_per_1000_2025']:g} in 2025, {f['nurses_target_per_1000_2027']:g} "
                "in 2027; a reference only)."))
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
            cap = self.tr("各乡镇（街道）乡镇卫生院/社区卫生服务中心设置情况（R1）",
                          "Townships by health-centre compliance (R1)")
        elif rid == "R2":
            clinics = self.a.results["R2"].layers["R2_clinics"]
            clinics = clinics[clinics["standardized"].astype(bool)] if "standardized" in clinics else clinics
            limit = self.rb["R2"]["max_distance_m"]
            png = maps.map_r2(towns, sel, u, clinics, limit, self.lang, self.dpi)
            cap = self.tr(f"{limit:,.0f}米内没有标准化村卫生室的行政村（R2，圆点大小表示人口）",
                          f"Village committees without a standardized clinic within {limit:,.0f} m "
                          "(R2; dot size = residents)")
        elif rid == "R3":
            layers = self.a.results["R3"].layers
            p = self.rb["R3"]
            fac = facilities_of(self.region, p["facility_kinds"])
            png = maps.map_r3(towns, sel, u, layers["R3_covered"].geometry.iloc[0],
                              layers["R3_uncovered"].geometry.iloc[0], fac, p["max_minutes"],
                              p["mode"], self.lang, self.dpi)
            mode = self.mode(p["mode"])
            cap = self.tr(f"{p['max_minutes']:g}分钟健康服务圈覆盖情况（R3，{mode}）",
                          f"{p['max_minutes']:g}-minute health service circle (R3, {mode})")
        elif rid == "R8":
            r8 = self.res["R8"]
            t8 = r8.layers["R8_townships"]
            fac = in_selection(facilities_of(self.region, self.rb["R8"]["gp_kinds"]), self.sel)
            target = r8.figures.get("target_gps_per_10000", 4.0)
            png = maps.map_r8(towns, sel, t8, u, fac, target, self.lang, self.dpi)
            mode = self.mode(r8.figures.get("mode"))
            cap = self.tr(f"{mode}{r8.figures.get('minutes', 30):g}分钟内可达的全科医生（R8，每万人；参考值{target:g}）",
                          f"GPs per 10,000 within {r8.figures.get('minutes', 30):g} min ({mode}) (R8; "
                          f"reference {target:g})")
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
            cap = self.tr(f"区域医疗次中心候选与驾车{minutes:g}分钟以上难以到达医院的村（R4）",
                          f"Sub-centre candidates and villages more than {minutes:g} min drive from a "
                          "hospital (R4)")
        return self.figure(png, cap)

    # --- 4 scenario
    def scenario_section(self):
        d, sc = self.doc, self.scenario
        cmp = sc["comparison"]
        d.add(Heading(self.tr(f"四、方案比较：{sc['name']}", f"4. Scenario: {sc['name']}")))
        if sc["edits"]:
            d.add(Para(self.tr("方案调整：", "Edits: ") + self.tr("；", "; ").join(sc["edits"]), "body"))
        rows = []
        for r in cmp.rules.itertuples():
            rows.append([r.rule, f"{self._n(r.failed_before)} → {self._n(r.failed_after)}",
                         f"{self._n(r.population_in_gap_before)} → {self._n(r.population_in_gap_after)}",
                         self._n(r.units_newly_covered), self._n(r.residents_newly_covered),
                         self._n(r.units_newly_uncovered), self._n(r.residents_newly_uncovered)])
        d.add(self.table(self.tr("方案前后对比（现状 → 方案）", "Before and after (current → scenario)"),
                         self.tr("规则|未达标单元|缺口人口|新达标单元|新覆盖人口|新增缺口单元|新增缺口人口",
                                 "rule|failing units|residents in gap|newly covered units|residents newly "
                                 "covered|newly failing units|residents newly in gap").split("|"),
                         rows, [0.9, 2.0, 2.6, 1.6, 1.8, 1.6, 1.8], align=list("CRRRRRR")))
        for rid in ("R2", "R3"):
            row = cmp.rules[cmp.rules["rule"] == rid]
            if len(row):
                r = row.iloc[0]
                d.add(Para(self.tr(
                    f"{rid}：未达标单元由{self._n(r.failed_before)}个变为{self._n(r.failed_after)}个，缺口人口由"
                    f"{self._n(r.population_in_gap_before)}人变为{self._n(r.population_in_gap_after)}人，"
                    f"新覆盖{self._n(r.residents_newly_covered)}人。",
                    f"{rid}: failing units {self._n(r.failed_before)} → {self._n(r.failed_after)}, residents in gap "
                    f"{self._n(r.population_in_gap_before)} → {self._n(r.population_in_gap_after)}, "
                    f"{self._n(r.residents_newly_covered)} residents newly covered."), "bullet"))
        if "R8" in sc["after"].results and "R8" in self.res:
            b, a = (float(x.units["residents_below"].sum()) for x in (self.res["R8"], sc["after"].results["R8"]))
            d.add(Para(self.tr(f"R8：低于全科医生参考值的人口由{self._n(b)}人变为{self._n(a)}人。",
                               f"R8: residents below the GP reference {self._n(b)} → {self._n(a)}."), "bullet"))
        for w in cmp.warnings:
            d.add(Para(self.tr("提示：", "Warning: ") + w, "notice"))
        sites = sc["sites"]
        if len(sites):
            glon, glat = wgs84_to_gcj02(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
            rows = [[str(s.name), self.kind(s.kind), self.tr({"add": "新增", "move": "移动"}.get(s.edit, s.edit),
                                                            s.edit),
                     f"{s.lon:.6f}", f"{s.lat:.6f}", f"{gx:.6f}", f"{gy:.6f}"]
                    for s, gx, gy in zip(sites.itertuples(), glon, glat)]
            d.add(self.table(self.tr("方案新增/移动机构位置（WGS84 与 GCJ-02 坐标）",
                                     "Proposed sites (WGS84 and GCJ-02 coordinates)"),
                             self.tr("名称|类型|操作|经度 WGS84|纬度 WGS84|经度 GCJ-02|纬度 GCJ-02",
                                     "name|kind|edit|lon WGS84|lat WGS84|lon GCJ-02|lat GCJ-02").split("|"),
                             rows, [3.0, 2.2, 1.0, 1.9, 1.9, 1.9, 1.9], align=list("LLCRRRR")))
            d.add(Para(self.tr("WGS84 用于 GPS 和 GIS 软件；GCJ-02 用于高德、腾讯地图。",
                               "WGS84 is for GPS and GIS software; GCJ-02 for Amap and Tencent maps."), "note"))
        else:
            d.add(Para(self.tr("方案没有新增或移动机构。", "The scenario adds or moves no facility."), "body"))
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
        return self.figure(png, self.tr("方案前后缺口村对比（R2、R3）", "Villages in gap before and after (R2, R3)"))

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
        sep = self.tr("、", ", ")
        for tid, g in fails.groupby("township_id", sort=False):
            names = sep.join(g["name"].astype(str))
            rows.append({"township_id": tid,
                         "name": self.tr(f"{len(g)}个居委会", f"{len(g)} residents' committees"),
                         "population": g["population"].sum(min_count=1),
                         "reason": g["reason"].iloc[0] + self.tr(f"（{names}）", f" ({names})"),
                         "action": g["action"].iloc[0]})
        return pd.DataFrame(rows)

    def gap_sections(self):
        d = self.doc
        number = self.tr("五" if self.scenario else "四", "5" if self.scenario else "4")
        d.add(Heading(self.tr(f"{number}、各乡镇（街道）缺口与建议措施", f"{number}. Gaps and suggested actions by township")))
        gaps = self.gap_rows()
        district_rows = []
        for rid in ("R4", "R5"):
            u = self.res[rid].units
            for row in u[u["status"] == FAIL].itertuples():
                district_rows.append([rid, str(row.name), self._n(row.population), row.reason, row.action or ""])
        if district_rows:
            d.add(Heading(self.tr("区级", "District level"), 2))
            d.add(self.table(self.tr("区级缺口", "District-level gaps"), self._gap_header(),
                             district_rows, [0.9, 2.4, 1.6, 5.5, 4.6], align=list("CLRLL")))
        d.add(Para(self.tr(
            "以下按乡镇（街道）列出未达标的单元（R1、R2、R3、R6、R7）及建议措施；“人口”为该单元常住人口，"
            "R6 按乡镇（街道）合并为一行。"
            "同一村可能同时出现在 R2 和 R3 中。",
            "Failing units by township (R1, R2, R3, R6, R7) with suggested actions; 'residents' are "
            "the unit's residents; R6 is one row per township. A village may appear under both R2 "
            "and R3. Reasons and actions "
            "are quoted as the rules word them."), "note"))
        clean = []
        for t in self.sel.towns.itertuples():
            rows = gaps[gaps["township_id"].astype(str) == str(t.township_id)]
            if not len(rows):
                clean.append(str(t.name))
                continue
            rows = rows.sort_values(["rule", "population"], ascending=[True, False])
            d.add(Heading(self.tr(f"{t.name}（{len(rows)}项缺口）", f"{t.name} ({len(rows)} gaps)"), 2))
            d.add(self.table(self.tr(f"{t.name}缺口清单", f"Gaps in {t.name}"), self._gap_header(),
                             [[r.rule, r.name, self._n(r.population), r.reason, r.action] for r in rows.itertuples()],
                             [0.9, 2.4, 1.6, 5.5, 4.6], align=list("CLRLL")))
        if clean:
            d.add(Para(self.tr(f"没有未达标单元的乡镇（街道）：{'、'.join(clean)}。",
                               f"Townships without failing units: {', '.join(clean)}."), "body"))

    def _gap_header(self) -> list[str]:
        return self.tr("规则|单元|人口|问题|建议措施", "rule|unit|residents|finding|suggested action").split("|")

    # --- appendix
    def appendix(self):
        d = self.doc
        d.add(Heading(self.tr("附录　规则参数", "Appendix. Rulebook values used")))
        d.add(Para(self.tr(f"规则库：{self.rb.path}", f"Rulebook: {self.rb.path}"), "note"))
        rows = []
        for k in self.rb.keys():
            changed = k.value != k.default
            rows.append([f"{k.rule}.{k.name}" + ("*" if changed else ""), _value(k.value, self.lang),
                         _value(k.default, self.lang), self.basis(k.basis), k.clause,
                         k.zh if self.lang == "zh" else k.en])
        d.add(self.table(self.tr("规则参数（*表示与默认值不同）", "Rulebook values (* differs from the default)"),
                         self.tr("参数|取值|默认值|依据|条款|说明", "key|value|default|basis|clause|meaning").split("|"),
                         rows, [3.6, 2.0, 2.0, 1.6, 2.0, 5.4], align=list("LLLLLL")))
        policies = self.rb.meta.get("policies", [])
        if policies:
            d.add(Para(self.tr("引用的政策文件：", "Policy documents cited:"), "body"))
            for p in policies:
                d.add(Para(p, "bullet"))


def _value(v, lang: str) -> str:
    if isinstance(v, bool):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if isinstance(v, list):
        return ("、" if lang == "zh" else ", ").join(words.kind_name(str(x), lang, sentence=True)
                                                     for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return words.level_word(v, lang)       # a hospital level (二甲 -> level 2A); else as it is
