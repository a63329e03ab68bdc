"""Every word of the tool, in Chinese (``zh``, the default) and English (``en``): one table.

:data:`STRINGS` maps a key to its (zh, en) pair: the app's labels and messages, the input
checks' messages (:mod:`planning.errors`), the rules' reasons, actions and notes
(:data:`RULE_WORDS`), the report's sentences and the CLI's lines; the small tables —
statuses, kinds, bases, travel modes, R2 coverage, service modes, road snapping — are in
it too (``status.fail``, ``kind.village_clinic`` …) and have their own names
(:data:`STATUS`, :data:`KINDS` …). Column headers of tables, with units, come from :data:`COLUMNS`
(:func:`column`).

Rules write codes and numbers, never words: a unit's ``reason_code`` / ``action_code``
and its ``params``. Every output renders them at the last moment, in the planner's
language, through :func:`render_units` (a layer with its sentences) or
:func:`planning.outputs.tables.readable` (a table as a person reads it: words for codes,
numbers rounded, headers in the language).

>>> t("view.map", "zh"), t("view.map", "en")
('地图', 'Map')
>>> status_word("fail", "zh")
'未达标'
>>> coded_text("reason", "R2.gap", {"limit_m": 1500, "distance_m": 2300}, "en")
'No standardized clinic within 1,500 m (the nearest is 2,300 m)'
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from planning.schema import (FACILITY_KIND_ZH, SERVICE_MODE_ZH, TOWNSHIP_KIND_ZH,
                             VILLAGE_KIND_ZH)

LANGS = ("zh", "en")
LANG_LABELS = {"zh": "中文", "en": "English"}

#: status -> (zh, en); the colours are those of the map, tables and scorecard
STATUS = {
    "pass": ("达标", "Pass"),
    "fail": ("未达标", "Fail"),
    "warn": ("需关注", "Attention"),
    "unknown": ("无法检查", "Cannot be checked"),
    "not_applicable": ("不适用", "N/A"),
}
#: one colour per status, everywhere: map fills, legend, report figures and tables (their
#: light tints below); distance and minute bands never use these (map_legend.BAND_RAMP)
STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "warn": "#ef8f00",
                  "unknown": "#6a1b9a", "not_applicable": "#757575"}
#: light backgrounds for table cells
STATUS_BACKGROUNDS = {"pass": "#e8f5e9", "fail": "#ffebee", "warn": "#fff3e0",
                      "unknown": "#f3e5f5", "not_applicable": "#f5f5f5"}

#: GPs within reach as a share of the reference -> colour (R8; map, report): the same
#: sequential blue ramp as the distance and minute bands (darker: worse reach), one shade
#: per bin whose third edge is the reference itself — a quantity, so never a status
#: colour (R8 informs, it does not fail)
R8_BINS: tuple[tuple[float, str], ...] = ((0.5, "#08306b"), (0.75, "#2171b5"), (1.0, "#6baed6"),
                                         (1.5, "#c6dbef"), (float("inf"), "#f7fbff"))


def r8_colour(value: float | None, target: float) -> str:
    """The colour of a GPs-per-10,000 figure against the reference (R8); the 'cannot be
    checked' colour when the figure is unknown."""
    if value is None or value != value or target <= 0:  # None or NaN
        return STATUS_COLOURS["unknown"]
    share = value / target
    return next(c for top, c in R8_BINS if share < top)


_KIND_EN = {
    "district_hospital": "District hospital", "tcm_hospital": "TCM hospital",
    "general_hospital": "General hospital", "township_health_centre": "Township health centre",
    "community_health_centre": "Community health centre",
    "community_health_station": "Community health station", "village_clinic": "Village clinic",
    "village_service_point": "Village service point",
    "residents_committee": "Residents' committee", "village_committee": "Village committee",
    "special": "Special unit", "township": "Town", "street": "Street",
}
#: facility, village and township kind -> (zh, en): the Chinese names are the schema's
#: (a village's and a township's ``special`` share one name)
KINDS: dict[str, tuple[str, str]] = {
    k.value: (v, _KIND_EN[k.value])
    for m in (FACILITY_KIND_ZH, VILLAGE_KIND_ZH, TOWNSHIP_KIND_ZH) for k, v in m.items()}

BASIS = {"requirement": ("政策要求", "Requirement"), "reference": ("参考基准", "Reference standard"),
         "assumed": ("默认假设", "Assumption")}
MODES = {"walk": ("步行", "Walking"), "ebike": ("电动自行车", "E-bike"), "drive": ("驾车", "Driving")}
COVERAGE = {"own": ("本村卫生室", "Own clinic"), "shared": ("共用卫生室", "Shared clinic"),
            "served": ("巡诊等方式服务", "Served by touring etc."), "gap": ("缺口", "Gap")}
#: how a village without its own clinic is served (R2): the schema's Chinese names
SERVICE_MODES: dict[str, tuple[str, str]] = {
    k.value: (v, {"touring": "Touring", "dispatched": "Dispatched staff",
                  "neighbour_extension": "Neighbour extension"}[k.value])
    for k, v in SERVICE_MODE_ZH.items()}
#: how a point reaches the road network (the engine's ``road_snap``)
ROAD_SNAP = {"nearest": ("最近道路", "Nearest road"),
             "moved": ("越过孤立路段接入主路网", "Moved past a road fragment to the main network"),
             "fragment": ("仅连接孤立路段", "On a road fragment only"),
             "off_network": ("远离道路（无法经道路到达）", "Far from any road (unreachable by road)")}

#: key -> (zh, en); ``{name}`` fields are filled by :func:`t`
STRINGS: dict[str, tuple[str, str]] = {
    # page and sidebar
    "app.title": ("基层医疗卫生服务网络规划", "Primary health-care network planner"),
    "app.caption": ("按天津市政策逐条检查：乡镇卫生院、村卫生室 1.5 公里、15 分钟健康服务圈……（沿道路网计算）",
                    "Checks the Tianjin policy rule by rule — health centres, village clinics "
                    "within 1.5 km, the 15-minute circle … (along the road network)"),
    "side.language": ("语言 / Language", "Language / 语言"),
    "side.data": ("数据", "Data"),
    "side.source": ("数据来源", "Data source"),
    "source.demo": ("示例：宝坻区", "Demo: Baodi district"),
    "source.upload": ("上传自己的数据", "Upload my own files"),
    "side.rulebook": ("规则参数", "Rulebook"),
    "side.rulebook_file": ("上传规则文件（.toml，可选）", "Upload a rulebook (.toml, optional)"),
    "side.rulebook_changed": ("已修改 {n} 项参数", "{n} values changed"),
    "side.mode": ("15分钟圈出行方式", "Travel mode (15-minute circle)"),
    "side.focus": ("查看范围", "Focus"),
    "side.district": ("区", "District"),
    "side.township": ("乡镇/街道", "Township / street"),
    "side.all": ("全部", "All"),
    "side.basemap": ("底图", "Basemap"),
    "side.view": ("视图", "View"),
    "basemap.none": ("无（离线参考图层）", "None (offline reference layer)"),
    "basemap.osm": ("OpenStreetMap（需联网）", "OpenStreetMap (online)"),
    "basemap.tianditu": ("天地图（需联网和密钥）", "Tianditu (online, needs a key)"),
    "basemap.amap": ("高德（GCJ-02）", "Amap (GCJ-02)"),
    "basemap.tencent": ("腾讯（GCJ-02）", "Tencent (GCJ-02)"),
    "basemap.tianditu_key": ("天地图密钥 (tk)", "Tianditu key (tk)"),
    "basemap.online": ("在线底图需要联网；离线时地图仍显示参考图层。",
                       "Online tiles need internet; offline, the reference layer still shows."),
    # views
    "view.scorecard": ("总览", "Scorecard"),
    "view.map": ("地图", "Map"),
    "view.tables": ("明细表", "Tables"),
    "view.rulebook": ("规则参数", "Rulebook"),
    "view.downloads": ("下载", "Downloads"),
    # scorecard
    "score.header": ("{region}：逐条检查结果", "{region}: rule by rule"),
    "score.region": ("{townships} 个乡镇/街道，{villages} 个村居，{facilities} 个医疗卫生机构，"
                     "常住人口 {population}", "{townships} townships/streets, {villages} "
                     "villages, {facilities} facilities, {population}"),
    "score.rule": ("规则", "Rule"),
    "score.title": ("内容", "What"),
    "score.status": ("结论", "Result"),
    "score.units": ("检查单元", "Units"),
    "score.passed": ("达标", "Passed"),
    "score.failed": ("未达标", "Failed"),
    "score.warned": ("需关注", "Attention"),
    "score.unknown": ("无法检查", "Cannot be checked"),
    "score.na": ("不适用", "N/A"),
    "score.gap_people": ("缺口人口", "Residents in gaps"),
    "score.basis": ("依据类型", "Basis"),
    "score.clause": ("政策条款", "Clause"),
    "score.sentence": ("说明", "In plain words"),
    "score.by_district": ("分区情况", "By district"),
    "score.by_township": ("分乡镇/街道情况", "By township / street"),
    "score.applies": ("{district}适用哪些规则", "Which rules apply to {district}"),
    "score.notes": ("注意", "Notes"),
    "score.seconds": ("检查用时 {s:.1f} 秒", "Checked in {s:.1f} s"),
    "score.changed": ("当前使用修改过的参数：{keys}", "Rulebook values changed: {keys}"),
    "unit.township": ("乡镇/街道", "townships"), "unit.village": ("村", "villages"),
    "unit.district": ("区", "districts"), "unit.committee": ("居委会", "committees"),
    "unit.centre": ("机构", "centres"),
    "col.district": ("区", "District"),
    "col.township": ("乡镇/街道", "Township / street"),
    "col.overall": ("综合", "Overall"),
    "col.r8": ("R8 可达全科医生（每万人）", "R8 GPs per 10,000 within reach"),
    # plain-language sentences: fail / all-pass variants
    "say.R1.fail": ("{n} 个乡镇/街道（{pop}）没有乡镇卫生院或社区卫生服务中心",
                    "{n} townships/streets ({pop}) have no health centre"),
    "say.R1.ok": ("全部 {units} 个乡镇/街道都有卫生院或社区卫生服务中心",
                  "All {units} townships/streets have a health centre"),
    "say.R2.fail": ("{n} 个行政村（{pop}）{km} 公里内没有标准化村卫生室",
                    "{n} villages ({pop}) have no standardized clinic within {km} km"),
    "say.R2.ok": ("全部 {units} 个行政村 {km} 公里内都有标准化村卫生室",
                  "All {units} villages have a standardized clinic within {km} km"),
    "say.R3": ("{share} 的居民{mode} {minutes} 分钟内可达基层医疗卫生机构；{n} 个村居（{pop}）不能",
               "{share} of residents reach primary care within {minutes} min ({mode}); "
               "{n} villages ({pop}) do not"),
    "say.R4.fail": ("{n} 个涉农区有居民（{pop}）驾车超过 {minutes} 分钟才能到达区级医院，建议设区域医疗次中心",
                    "{n} agricultural districts have residents ({pop}) more than {minutes} min by car "
                    "from a district hospital: consider a regional sub-centre"),
    "say.R3.unknown": ("常住人口未知，无法计算 {minutes} 分钟内可达的居民比例（{u} 个村居无法检查）；"
                       "{far} 个村居{mode}超过 {minutes} 分钟",
                       "Residents unknown: the share within {minutes} min cannot be judged ({u} "
                       "villages cannot be checked); {far} villages are more than {minutes} min "
                       "away ({mode})"),
    "say.R4.unknown": ("{u} 个区常住人口未知，无法判断是否需要设置区域医疗次中心",
                       "{u} districts: residents unknown, so the need for a regional sub-centre "
                       "cannot be judged"),
    "people.unknown": ("未知", "unknown"),
    "people.n": ("{n} 人", "{n} residents"),
    "people.n_unknown": ("人数未知", "residents unknown"),
    "score.population_partial": ("（{n} 个村无人口数据）", " ({n} villages without population)"),
    "up.problems_grouped": ("问题汇总（按文件、列和类型）", "Problems by file, column and kind"),
    "up.problems_all": ("下载全部问题（CSV）", "Download every problem (CSV)"),
    "say.R4.ok": ("没有需要设置区域医疗次中心的区（{na} 个区不适用）",
                  "No district needs a regional sub-centre ({na} not applicable)"),
    "say.R5.fail": ("{n} 个区缺少三级能力区级医院、二甲中医医院或相关人员配置",
                    "{n} districts lack a tertiary-capable district hospital, a level-2A TCM "
                    "hospital or staff"),
    "say.R5.ok": ("没有区缺少三级能力区级医院或二甲中医医院（{na} 个区不适用）",
                  "No district lacks a tertiary-capable district hospital or a level-2A TCM hospital "
                  "({na} N/A)"),
    "say.R6.fail": ("{n} 个居委会（{pop}）所在乡镇/街道社区卫生服务站不足（每 {per} 个居委会 1 所）",
                    "{n} residents' committees ({pop}) are in townships with too few "
                    "community stations (one per {per} committees)"),
    "say.R6.ok": ("全部 {units} 个居委会所在乡镇/街道社区卫生服务站数量达标",
                  "All {units} residents' committees have enough community stations"),
    "say.R7.fail": ("{n} 个卫生院/社区卫生服务中心未纳入有二级以上牵头医院的医共体",
                    "{n} health centres are not in a medical community led by a level-2+ hospital"),
    "say.R7.ok": ("全部 {units} 个卫生院/社区卫生服务中心都在医共体内",
                  "All {units} health centres belong to a medical community"),
    "say.R8": ("{share} 的居民{mode} {minutes} 分钟内可达的全科医生达到每万人 {target} 名；"
               "{n} 个村居（{pop} 人）低于这一全市参考值",
               "{share} of residents reach at least {target} GPs per 10,000 within {minutes} min "
               "({mode}); {n} villages ({pop} residents) are below this city-wide reference"),
    "explain.R8": ("怎么算：每个基层机构的全科医生数，除以其{minutes}分钟{mode}范围内按远近加权的居民数；"
                   "一个村可达的各机构比值按同样权重相加，就是“可达范围内每万人拥有的全科医生数”"
                   "（E2SFCA），全区按人口加权的平均值等于全科医生总数÷常住人口。参考值每万人 {target} 名"
                   "是全市目标（{clause}），低于它为“需关注”，不判定未达标。",
                   "How it is counted: each primary-care facility's GPs are divided by the residents "
                   "within {minutes} min ({mode}) of it, nearer ones weighing more; a village adds up "
                   "the shares of the facilities it reaches, weighted the same way — 'GPs per 10,000 "
                   "residents within reach' (E2SFCA), whose population-weighted mean is the plain "
                   "GPs ÷ residents. The reference of {target} per 10,000 is the city-wide target "
                   "({clause}): below it is 'attention', never a failure."),
    "say.warn": ("另有 {n} 个需关注", "{n} more need attention"),
    "say.unknown": ("无法检查：{n} 个{units}缺少所需数据{missing}", "Cannot be checked: {n} {units} lack the data it needs{missing}"),
    "say.some_unknown": ("另有 {n} 个无法检查{missing}", "{n} more cannot be checked{missing}"),
    "say.missing": ("（缺少列：{columns}）", " (missing column: {columns})"),
    "score.straight": ("没有道路网：R2 按直线 1.5 公里半径判断；R3、R4、R7 的出行时间按直线距离 × {factor}（绕行系数，规则参数 travel.detour_factor）估算。上传或下载道路网后结果会更准确。",
                       "No road network: R2 uses the straight 1.5 km radius; R3, R4 and R7 travel "
                       "times use straight distance × {factor} (detour factor, rulebook key "
                       "travel.detour_factor). Upload or download roads for exact results."),
    "score.outside": ("{n} 个村居（{pop} 人）不在任何乡镇/街道范围内：{names}。它们单列一行计入下表和分区合计；请检查其坐标或坐标系。",
                      "{n} villages ({pop} residents) lie outside every township: {names}. They have a "
                      "row of their own below and count in the district totals; check their "
                      "coordinates or coordinate system."),
    "score.outside_row": ("（不在任何乡镇/街道内）", "(outside every township)"),
    "say.none": ("没有可检查的单元", "Nothing to check"),
    # applicability
    "applies.R1": ("适用：{towns} 个乡镇、{streets} 个街道", "Applies: {towns} towns, {streets} streets"),
    "applies.R2": ("适用：{n} 个行政村（村委会）", "Applies: {n} village committees"),
    "applies.R2.none": ("不适用：没有行政村（村委会）", "Does not apply: no village committees"),
    "applies.R3": ("适用：全部 {n} 个村居", "Applies: all {n} villages"),
    "applies.R6": ("适用：{n} 个居委会", "Applies: {n} residents' committees"),
    "applies.R6.none": ("不适用：没有居委会", "Does not apply: no residents' committees"),
    "applies.R8": ("适用：全部 {n} 个村居；{k} 所基层机构有全科医生人数",
                   "Applies: all {n} villages; {k} primary-care facilities have a GP count"),
    "applies.R8.missing": ("适用：全部 {n} 个村居；{m} 所基层机构缺少全科医生人数，依赖它们的村无法检查",
                           "Applies: all {n} villages; {m} primary-care facilities lack a GP count, "
                           "so the villages that depend on them cannot be checked"),
    "applies.R7.data": ("适用：数据含医共体分组（group_id）", "Applies: the data have medical-group ids"),
    "applies.R7.nodata": ("无法检查：数据没有医共体分组（group_id）",
                          "Cannot check: the data have no medical-group ids (group_id)"),
    # map
    "map.loading": ("正在绘制地图……", "Drawing the map …"),
    "map.assets_missing": ("地图组件（Leaflet）尚未安装：请运行 `npm ci && python -m planning.outputs.assets`"
                           "（`make` 会自动完成）。缺少：{files}",
                           "The map library (Leaflet) is not installed: run `npm ci && python -m "
                           "planning.outputs.assets` (`make` does it). Missing: {files}"),
    "map.clicked": ("已选：{name}", "Selected: {name}"),
    # map (#16: many points light at city zoom: one marker per township until zoomed in)
    "map.aggregate_villages": ("{title}：{n} 个行政村，{flagged} 个未达标（放大后逐村显示）",
                               "{title}: {n} villages, {flagged} failing (zoom in to see each)"),
    "map.aggregate_facilities": ("{title}：{n} 个（放大后逐个显示）", "{title}: {n} (zoom in to see each)"),
    "legend.aggregate": ("村和村卫生室较多时按乡镇/街道合并显示（圆点大小、数字为个数），放大到第 {zoom} 级逐个显示",
                         "Many villages and village clinics are shown per township (size, number: how "
                         "many) until zoom level {zoom}, then one by one"),
    "layer.boundary": ("区界", "District boundary"),
    "layer.township_names": ("乡镇/街道名称", "Township names"),
    "layer.roads": ("主要道路", "Main roads"),
    "layer.townships": ("乡镇/街道（综合达标情况）", "Townships (compliance)"),
    "layer.villages_r2": ("行政村：到村卫生室距离", "Villages: distance to a clinic"),
    "layer.villages_r3": ("村居：到基层机构时间", "Villages: minutes to primary care"),
    "layer.facilities": ("医疗卫生机构", "Health facilities"),
    "layer.covered": ("{minutes:.0f}分钟{mode}可达范围", "{minutes:.0f}-min {mode} reach"),
    "layer.uncovered": ("{minutes:.0f}分钟未覆盖区域", "Outside the {minutes:.0f}-min reach"),
    "layer.r4": ("区域医疗次中心候选", "Sub-centre candidates (R4)"),
    "layer.groups": ("医共体", "Medical communities (R7)"),
    "layer.points": ("上传的点", "Uploaded points"),
    "layer.r8_towns": ("R8 乡镇/街道：可达全科医生（每万人）", "R8 townships: GPs per 10,000 within reach"),
    "layer.r8_villages": ("R8 村居：可达全科医生（每万人）", "R8 villages: GPs per 10,000 within reach"),
    "legend.r8": ("可达全科医生（每万人，参考值 {target}）", "GPs per 10,000 within reach (reference {target})"),
    "legend.title": ("图例", "Legend"),
    "legend.villages": ("行政村到标准化村卫生室（{measure}）", "Village to a standardized clinic ({measure})"),
    "legend.within": ("≤ {d} 米", "≤ {d} m"),
    "legend.between": ("{a}–{b} 米", "{a}–{b} m"),
    "legend.beyond": ("> {d} 米", "> {d} m"),
    "legend.unreachable": ("道路不可达", "Unreachable by road"),
    "legend.estimate": ("没有道路网：距离按直线计算，R3、R4、R7 的出行时间按直线距离 × {factor} 估算",
                        "No road network: distances are straight lines; R3, R4 and R7 travel times "
                        "use straight distance × {factor}"),
    "legend.served": ("巡诊等方式服务", "Served by touring etc."),
    "legend.townships": ("乡镇/街道综合情况", "Township overall status"),
    "legend.facilities": ("机构类型", "Facility kinds"),
    "measure.road": ("道路距离", "road distance"),
    "measure.straight": ("直线距离", "straight line"),
    # map (#17: one colour language, bands as size or ramp, failing units, GCJ-02 basemaps)
    "legend.status": ("状态（颜色）", "Status (colour)"),
    "legend.villages_size": ("行政村到标准化村卫生室（{measure}，圆点大小）",
                             "Village to a standardized clinic ({measure}, dot size)"),
    "legend.villages_minutes": ("村居到基层机构时间（颜色深浅）", "Village's minutes to primary care (shade)"),
    "legend.within_min": ("≤ {d} 分钟", "≤ {d} min"),
    "legend.between_min": ("{a}–{b} 分钟", "{a}–{b} min"),
    "legend.beyond_unreachable": ("> {d} 米或不可达", "> {d} m or unreachable"),
    "legend.beyond_unreachable_min": ("> {d} 分钟或不可达", "> {d} min or unreachable"),
    "basemap.gcj": ("{name}底图使用 GCJ-02 坐标：地图上的图层已转换为 GCJ-02 显示，点击位置换算回 WGS84。",
                    "{name} tiles use GCJ-02 coordinates: the map's layers are shown converted to "
                    "GCJ-02, and clicks are converted back to WGS84."),
    "map.failing": ("未达标的村居和乡镇/街道（选择后地图缩放至该处）",
                    "Failing villages and townships (choose one to zoom the map to it)"),
    "map.failing_none": ("—", "—"),
    # popups
    "pop.township": ("乡镇/街道", "Township"),
    "pop.village": ("村居", "Village"),
    "pop.facility": ("机构", "Facility"),
    "pop.level": ("等级", "Level"),
    "pop.population": ("常住人口", "Residents"),
    "pop.status": ("状态", "Status"),
    "pop.nearest_clinic": ("最近标准化村卫生室", "Nearest standardized clinic"),
    "pop.road_m": ("道路距离", "Road distance"),
    "pop.straight_m": ("直线距离", "Straight distance"),
    "pop.minutes": ("到最近基层机构", "To primary care"),
    "pop.reason": ("原因", "Reason"),
    "pop.action": ("建议", "Suggested action"),
    "pop.clause": ("条款", "Clause"),
    "pop.kind": ("类型", "Kind"),
    "pop.centres": ("中心", "Centres"),
    "pop.r1": ("R1 卫生院/中心", "R1 health centre"),
    "pop.r2": ("R2 行政村缺口", "R2 villages in gap"),
    "pop.r3": ("R3 15分钟覆盖", "R3 15-min share"),
    "pop.r6": ("R6 社区卫生服务站", "R6 community stations"),
    "pop.r8": ("R8 可达全科医生（每万人）", "R8 GPs per 10,000 within reach"),
    "pop.r8_within": ("{mode}{minutes}分钟内可达全科医生（每万人）", "GPs per 10,000 within {minutes} min ({mode})"),
    "pop.r8_plain": ("辖区内全科医生（每万人）", "GPs per 10,000 inside (plain ratio)"),
    "pop.r8_below": ("低于参考值的人口", "Residents below the reference"),
    "pop.r8_needed": ("达到参考值需再可达的全科医生", "More GPs within reach to reach the reference"),
    "pop.r8_nurses": ("可达基层护士（每千人）", "Primary-care nurses per 1,000 within reach"),
    "pop.r8_vdocs": ("可达乡村医生（每千人）", "Village doctors per 1,000 within reach"),
    "pop.r8_border": ("服务范围越过区域边界", "reach crosses the region's border"),
    "pop.rank": ("排名", "Rank"),
    "pop.newly_within": ("新增覆盖难及居民", "Hard-to-reach residents brought within reach"),
    "pop.members": ("成员", "Members"),
    "pop.lead": ("牵头医院", "Lead hospital"),
    "pop.metres": ("{m} 米", "{m} m"),
    "pop.min": ("{m} 分钟", "{m} min"),
    "pop.none": ("—", "—"),
    # tables
    "tab.rule": ("规则", "Rule"),
    "tab.layer": ("表", "Table"),
    "tab.status": ("按状态筛选", "Filter by status"),
    "tab.search": ("按名称搜索", "Search by name"),
    "tab.rows": ("显示 {shown} / {total} 行", "{shown} of {total} rows"),
    # the tables page's township filter and downloads (17t)
    "tab.township": ("按乡镇（街道）筛选", "Filter by township"),
    "tab.download": ("下载本表（{fmt}）", "Download this table ({fmt})"),
    "tab.sort_hint": ("点击列名排序；下载的文件与所示内容一致（筛选后的行，同样的列名和取整）。",
                      "Click a header to sort; the download holds what is shown (the filtered rows, "
                      "the same headers and rounding)."),
    "widget.choose": ("请选择", "Choose"),
    # rulebook
    "rb.intro": ("每一项都是规则参数；修改后立即重新检查。标“默认”的是政策默认值。",
                 "Every key is a rule parameter; changing one re-runs the check. "
                 "'default' marks the policy default."),
    "rb.default": ("默认", "default"),
    "rb.changed": ("已修改（默认 {default}）", "changed (default {default})"),
    "rb.reset": ("全部恢复默认值", "Reset all to defaults"),
    "rb.mode_in_sidebar": ("出行方式在侧边栏设置：{mode}", "The travel mode is set in the sidebar: {mode}"),
    "rb.download": ("下载当前规则文件 (.toml)", "Download this rulebook (.toml)"),
    # downloads
    "dl.intro": ("导出全部结果图层（缺口图层、各规则明细）。GIS 文件可直接拖入 QGIS/ArcGIS。",
                 "Export every result layer (gap layers, per-rule tables). GIS files open in "
                 "QGIS/ArcGIS by drag and drop."),
    "dl.crs": ("坐标系", "Coordinate system"),
    "dl.layers": ("图层", "Layers"),
    "dl.prepare": ("生成文件", "Prepare files"),
    "dl.button": ("下载 {label}", "Download {label}"),
    "dl.summary": ("检查摘要 (JSON)", "Summary (JSON)"),
    "dl.report": ("汇报材料", "Planning report"),
    "dl.report_scope": ("范围：{scope}；方案：{scenario}（在侧栏“查看范围”中选择区或乡镇）",
                        "Scope: {scope}; scenario: {scenario} (choose a district or township in the sidebar)"),
    "dl.all": ("全部", "everything"),
    "dl.report_docx": ("下载 Word 报告", "Word report"),
    "dl.report_pdf": ("下载 PDF 报告", "PDF report"),
    "crs.wgs84": ("WGS84（GPS、OSM、QGIS）", "WGS84 (GPS, OSM, QGIS)"),
    "crs.cgcs2000": ("CGCS2000（天地图）", "CGCS2000 (Tianditu)"),
    "crs.gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
    "crs.bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    # uploads
    "up.intro": ("上传乡镇/街道（面，必需）、村居（点）、医疗卫生机构（点）三个文件；道路网可选（.osm/.osm.pbf）。"
                 "支持 GeoPackage、Shapefile（zip）、GeoJSON、CSV、Excel。每个文件单独选择坐标系：带坐标系的 GIS 文件按文件读取，"
                 "表格默认 WGS84（高德、腾讯坐标请选 GCJ-02）。",
                 "Upload townships (polygons, required), villages (points) and facilities (points); a "
                 "road network (.osm/.osm.pbf) is optional. GeoPackage, zipped Shapefile, GeoJSON, CSV "
                 "and Excel are read. Each file has its own coordinate system: GIS files that carry "
                 "one are read in it, tables default to WGS84 (choose GCJ-02 for Amap or Tencent)."),
    "up.loaded": ("{layer}：{file} 读入 {n} 行", "{layer}: {n} rows loaded from {file}"),
    "up.bad_type": ("无法使用文件 {name}：请上传以下格式之一：{types}", "{name} cannot be used: upload one of {types}"),
    "up.unexpected": ("读取 {name} 时出错（{error}）。请检查该文件是否完整，或另存为 Excel/CSV 后重新上传",
                      "Reading {name} failed ({error}). Check that the file is complete, or save it "
                      "as Excel/CSV and upload it again"),
    "up.crs_of": ("坐标系", "Coordinate system"),
    "up.crs_file": ("按文件自带的坐标系（{crs}）", "As the file says ({crs})"),
    "up.columns_help": ("表头不规范时，在这里指定文件中的每一列对应工具的哪个字段；不需要的列保持“自动识别”。没有机构编号时会自动生成，无需指定。",
                        "When headers are unusual, say which of the tool's fields each column of the "
                        "file holds; leave the others on 'automatic'. Facility ids are generated when "
                        "there are none: no need to map one."),
    "up.column_twice": ("同一个字段被指定给了多列：{fields}。每个字段只能对应一列",
                        "One field is chosen for several columns: {fields}. Each field may hold one column"),
    "up.col_level": ("级别", "Level"),
    "up.col_file": ("文件", "File"),
    "up.col_row": ("行", "Row"),
    "up.col_count": ("条数", "Count"),
    "up.col_column": ("列", "Column"),
    "up.col_message": ("说明", "What and what to do"),
    "up.no_roads": ("没有道路文件。可以从 OpenStreetMap 下载本区域的道路网（需要联网）；不下载也可以检查："
                    "R2 按直线 1.5 公里半径判断，R3、R4、R7 按直线距离 × 绕行系数估算，所有结果标注“直线估算”。",
                    "No road file. The roads of this region can be downloaded from OpenStreetMap "
                    "(needs internet); without them the check still runs: R2 by the straight 1.5 km "
                    "radius, R3, R4 and R7 by straight distance × a detour factor, every result "
                    "labelled 'straight-line estimate'."),
    "up.fetch": ("从 OpenStreetMap 下载道路网", "Download the roads from OpenStreetMap"),
    "up.fetched": ("已下载道路网：{name}（{mb:.1f} MB，来自 OpenStreetMap）", "Road network downloaded: {name} ({mb:.1f} MB, from OpenStreetMap)"),
    "up.fetch_forget": ("不使用下载的道路网（按直线估算）", "Do not use the downloaded roads (straight-line estimate)"),
    "up.roads_loading": ("正在读取道路网……", "Reading the road network …"),
    "up.roads_bad": ("道路文件 {name} 无法使用：{why}。请重新导出该文件，或移除它按直线估算检查。",
                     "The road file {name} cannot be used: {why}. Export it again, or remove it to "
                     "check by straight-line estimate."),
    "up.straight_run": ("将按直线估算检查（没有道路网）。", "The check will run by straight-line estimate (no road network)."),
    "fetch.title": ("正在下载道路网……", "Downloading the road network …"),
    "fetch.request": ("正在向 OpenStreetMap（Overpass API）请求本区域及周边 3 公里的道路……",
                      "Asking OpenStreetMap (Overpass API) for the roads of the region and 3 km around it …"),
    "fetch.saved": ("已保存道路文件（下次直接使用缓存）", "Road file saved (cached for next time)"),
    "fetch.cached": ("使用以前下载的道路文件（缓存）", "Using the road file downloaded before (cache)"),
    "fetch.done": ("道路网已就绪", "Road network ready"),
    "fetch.failed_title": ("下载失败", "Download failed"),
    "fetch.failed": ("无法从 OpenStreetMap 下载道路网：{why}。将按直线估算检查；也可以上传道路文件。",
                     "The roads could not be downloaded from OpenStreetMap: {why}. The check will run "
                     "by straight-line estimate; or upload a road file."),
    "fetch.in_cache": ("本区域的道路网以前下载过：点击下载按钮会直接使用缓存。",
                       "The roads of this region were downloaded before: the button uses the cache."),
    "up.gcj_suspect_files": ("{files} 的坐标看起来是 GCJ-02（高德/腾讯）坐标：这些点普遍偏离道路约 {m} 米、方向一致。是否把这些文件按 GCJ-02 转换？",
                             "The coordinates of {files} look like GCJ-02 (Amap/Tencent): the points sit "
                             "a consistent ~{m} m off the roads. Read these files as GCJ-02?"),
    "up.gcj_convert_files": ("按 GCJ-02 转换：{files}", "Convert from GCJ-02: {files}"),
    "up.name": ("地区名称", "Region name"),
    "up.name_placeholder": ("例如：宝坻区", "e.g. 宝坻区"),
    "up.name_help": ("按乡镇和村的统计用区划代码自动识别；识别不出时请填写。用于标题、报告和文件名。",
                     "Found from the township and village codes; type it when they do not say. Used "
                     "in headings, the report and file names."),
    "up.name_needed": ("请填写地区名称（代码中看不出所属区）。", "Type the region's name (the codes do not say its district)."),
    "up.townships": ("乡镇/街道", "Townships"),
    "up.villages": ("村居", "Villages"),
    "up.facilities": ("医疗卫生机构", "Facilities"),
    "up.roads": ("道路网（可选）", "Road network (optional)"),
    "up.columns": ("列名对应（表头不规范时）", "Column mapping (unusual headers)"),
    "up.column_for": ("“{header}”对应", "'{header}' means"),
    "up.ignore": ("（自动识别）", "(automatic)"),
    "up.preview": ("预览", "Preview"),
    "up.set_aside": ("被搁置的行及原因", "Rows set aside, and why"),
    "up.problems": ("提示", "Notes"),
    "up.kinds": ("根据名称推断的机构类型", "Facility kinds inferred from names"),
    "up.need": ("请上传乡镇/街道、村居和医疗卫生机构三个文件。", "Upload the townships, villages and facilities files."),
    "up.run": ("用这些数据检查", "Check with these data"),
    "up.error": ("无法使用该文件：", "This file cannot be used:"),
    "up.too_big": ("文件 {name} 太大（{mb:.0f} MB，上限 {limit} MB）", "{name} is too large ({mb:.0f} MB; limit {limit} MB)"),
    "up.zip_bad": ("压缩包 {name} 不安全或已损坏：{why}", "The zip {name} is unsafe or broken: {why}"),
    "up.using": ("正在使用上传的数据：{name}（{files}）", "Using the uploaded data: {name} ({files})"),
    "up.waiting": ("上传并预览后点击“用这些数据检查”。", "Upload, preview, then press 'Check with these data'."),
    # scenarios
    "view.scenario": ("方案", "Scenarios"),
    "layer.sc_newly_covered": ("方案新增覆盖的村", "Villages newly covered"),
    "layer.sc_newly_uncovered": ("方案新增缺口的村", "Villages newly uncovered"),
    "layer.sc_sites": ("方案中的机构变动", "Scenario sites"),
    "legend.scenario": ("方案", "Scenario"),
    "legend.sc_proposed": ("新增/移动的机构", "Added / moved facility"),
    "legend.sc_suggested": ("建议选址（序号）", "Suggested site (rank)"),
    "pop.rule": ("规则", "Rules"),
    "pop.closed": ("已关闭：{name}", "Closed: {name}"),
    "pop.suggested": ("建议 #{rank}：{name}（新增覆盖 {n}）", "Suggested #{rank}: {name} (+{n})"),
    "sc.intro": ("在地图上点击即可模拟新增、移动或关闭机构，检查结果立即更新。方案只保存在本次会话中，请及时保存。",
                 "Click the map to add, move or close facilities; the check updates at once. "
                 "Scenarios live in this session only: save them."),
    "sc.active": ("当前方案", "Scenario"),
    "sc.new": ("新建方案", "New scenario"),
    "sc.new_name": ("方案{n}", "Scenario {n}"),
    "sc.name": ("方案名称", "Scenario name"),
    "sc.click": ("点击地图时", "A click on the map"),
    "sc.click.add": ("新增机构", "adds a facility"),
    "sc.click.move": ("把所选机构移到此处", "moves the selected facility there"),
    "sc.click.select": ("只选择机构", "only selects a facility"),
    "sc.kind": ("新增机构类型", "Kind of new facility"),
    "sc.selected": ("所选机构（也可在地图上点击机构图标）", "Selected facility (or click its icon on the map)"),
    "sc.none": ("（未选择）", "(none)"),
    "sc.close": ("关闭所选机构", "Close the selected facility"),
    "sc.staff_n": ("全科医生（名）", "GPs"),
    "sc.add_staff": ("给所选机构增加全科医生", "Add GPs to the selected facility"),
    "sc.staff_added": ("已给{name}增加全科医生 {n} 名", "Added {n} GPs to {name}"),
    "sc.new_gps": ("新增机构配备的全科医生（名，R8）", "GPs a new facility opens with (R8)"),
    "sc.r8_below": ("R8 低于全科医生参考值的人口", "R8 residents below the GP reference"),
    "sc.r8_mean": ("R8 可达全科医生（每万人，人口加权）", "R8 GPs per 10,000 within reach (mean)"),
    "sc.at_village": ("或在某村新增（未达标的村在前）", "Or add at a village (failing villages first)"),
    "sc.add_here": ("在该村新增", "Add there"),
    "sc.undo": ("↶ 撤销", "↶ Undo"),
    "sc.redo": ("↷ 重做", "↷ Redo"),
    "sc.edits": ("方案的改动（{n} 项）", "Edits ({n})"),
    "sc.no_edits": ("尚无改动：在地图上点击以新增村卫生室。", "No edits yet: click the map to add a village clinic."),
    "sc.added": ("已新增：{name}", "Added: {name}"),
    "sc.moved": ("已移动：{name}", "Moved: {name}"),
    "sc.closed": ("已关闭：{name}", "Closed: {name}"),
    "sc.picked": ("已选择：{name}", "Selected: {name}"),
    "sc.need_selection": ("请先选择一个机构（在地图上点击其图标）。", "Select a facility first (click its icon on the map)."),
    "sc.deltas": ("方案与现状对比", "Scenario against the current network"),
    "sc.col.rule": ("规则", "Rule"),
    "sc.col.failed_before": ("现状未达标", "Failed now"),
    "sc.col.failed_after": ("方案未达标", "Failed in scenario"),
    "sc.col.change": ("变化", "Change"),
    "sc.col.newly_covered": ("新增覆盖人口", "Residents newly covered"),
    "sc.col.newly_uncovered": ("新增缺口人口", "Residents newly uncovered"),
    "sc.col.gap_before": ("现状缺口人口", "Residents in gaps now"),
    "sc.col.gap_after": ("方案缺口人口", "Residents in gaps in scenario"),
    "sc.metric": ("{rule} 未达标", "{rule} failed"),
    "sc.changed_units": ("状态变化的单元", "Units whose status changes"),
    "sc.seconds": ("重新检查用时 {s:.2f} 秒", "Re-checked in {s:.2f} s"),
    "sc.suggest": ("建议选址", "Suggest sites"),
    "sc.suggest_rule": ("规则", "Rule"),
    "sc.suggest_rule.R2": ("R2 村卫生室 1.5 公里", "R2 village clinics within 1.5 km"),
    "sc.suggest_rule.R3": ("R3 15 分钟健康服务圈", "R3 15-minute circle"),
    "sc.suggest_k": ("新增机构数 k", "Number of new sites k"),
    "sc.suggest_objective": ("目标", "Objective"),
    "sc.objective.residents": ("覆盖人口最多", "most residents"),
    "sc.objective.villages": ("覆盖村数最多", "most villages"),
    "sc.suggest_exact": ("精确求解（混合整数规划，较慢）", "Exact (mixed-integer programme, slower)"),
    "sc.suggest_run": ("计算建议", "Suggest"),
    "sc.suggest_none": ("在现有方案基础上已没有可新增覆盖的村。", "Nothing more can be covered on top of this scenario."),
    "sc.suggest_summary": ("{k} 个新址新增覆盖 {n}（{solver}，{s:.1f} 秒）", "{k} new sites cover {n} more ({solver}, {s:.1f} s)"),
    "sc.suggest_gap": ("贪心解与精确解相差 {gap:.1%}", "The greedy answer is {gap:.1%} below the exact one"),
    "sc.suggest_curve": ("覆盖曲线：新增机构数与覆盖比例", "Coverage curve: new sites against the share covered"),
    "sc.suggest_add": ("把这些选址加入方案", "Add these sites to the scenario"),
    "sc.curve_k": ("新增机构数", "new sites"),
    "sc.curve_share": ("覆盖比例", "share covered"),
    "sc.files": ("保存、载入与比较", "Save, load and compare"),
    "sc.save": ("保存方案", "Save the scenario"),
    "sc.saved": ("已保存：{name}", "Saved: {name}"),
    "sc.download": ("下载方案文件 (.gpkg)", "Download the scenario (.gpkg)"),
    "sc.load": ("载入保存的方案 (.gpkg)", "Load a saved scenario (.gpkg)"),
    "sc.loaded": ("已载入方案：{name}（{n} 项改动）", "Loaded: {name} ({n} edits)"),
    "sc.compare": ("方案并排比较", "Compare scenarios side by side"),
    "sc.compare_a": ("方案 A", "Scenario A"),
    "sc.compare_b": ("方案 B", "Scenario B"),
    "sc.base": ("现状", "Current network"),
    "sc.failed_of": ("{name} 未达标", "{name}: failed"),
    "sc.gap_of": ("{name} 缺口人口", "{name}: residents in gaps"),
    "sc.export": ("导出方案", "Export the scenario"),
    "sc.export_sites": ("新增/移动机构 (Excel，含 WGS84 与 GCJ-02 坐标)", "Proposed sites (Excel, WGS84 and GCJ-02)"),
    "sc.export_layers": ("变化图层（新增覆盖、新增缺口、仍未覆盖）", "Change layers (newly covered, newly uncovered, still uncovered)"),
    "sc.no_sites": ("方案中没有新增或移动的机构。", "The scenario adds or moves no facility."),
    "col.gcj02_lon": ("经度（GCJ-02，高德）", "Longitude (GCJ-02, Amap)"),
    "col.gcj02_lat": ("纬度（GCJ-02，高德）", "Latitude (GCJ-02, Amap)"),
    # errors
    "err.input": ("输入数据有问题：", "A problem with the input:"),
    "err.demo_missing": ("找不到示例数据（geodata/baodi/region.gpkg）。", "The demo data are missing (geodata/baodi/region.gpkg)."),
    "err.rulebook": ("规则文件有问题：", "A problem with the rulebook:"),
    "err.what_to_do": ("其他结果不受影响。请检查输入文件（坐标、边界）后重试；如果问题仍在，请把下面的详细信息发给技术支持。",
                       "The other results are not affected. Check the input files (coordinates, "
                       "outlines) and try again; if it persists, send the details below to support."),
    "err.details": ("详细信息", "Details"),
    "err.check": ("检查未能完成。", "The check could not be completed."),
    "err.view": ("“{view}”页面未能显示。", "The '{view}' view could not be shown."),
    "err.rule": ("规则 {rule} 未能检查：{why}。其他规则的结果照常显示；请检查相关输入后重试。",
                 "Rule {rule} could not be checked: {why}. The other rules' results are shown; "
                 "check the inputs it uses and try again."),
    "err.layers": ("地图图层 {layers} 未能绘制（{why}）；其他图层照常显示。",
                   "Map layers {layers} could not be drawn ({why}); the others are shown."),
    # ---- the tool's fields (column mapping, messages): label, and what it holds
    "field.district_id": ("区划代码", "district code"),
    "field.name": ("名称", "name"),
    "field.agricultural": ("是否涉农区", "agricultural"),
    "field.population": ("常住人口", "population"),
    "field.area_km2": ("面积", "area"),
    "field.source": ("数据来源", "source"),
    "field.township_id": ("乡镇代码", "township code"),
    "field.kind": ("类型", "kind"),
    "field.district": ("所属区", "district"),
    "field.village_id": ("村代码", "village code"),
    "field.township": ("所属乡镇", "township name"),
    "field.population_type": ("人口类型", "population type"),
    "field.service_mode": ("服务方式", "service mode"),
    "field.lon": ("经度", "longitude"),
    "field.lat": ("纬度", "latitude"),
    "field.facility_id": ("机构编号", "facility id"),
    "field.central": ("是否中心", "central"),
    "field.standardized": ("是否达标", "standardized"),
    "field.group_id": ("医共体", "medical community"),
    "field.level": ("等级", "level"),
    "field.beds": ("床位数", "beds"),
    "field.doctors": ("执业医师", "doctors"),
    "field.gps": ("全科医生数", "general practitioners"),
    "field.nurses": ("注册护士", "nurses"),
    "field.public_health_staff": ("公共卫生人员", "public-health staff"),
    "field.professional_staff": ("卫生技术人员", "professional staff"),
    "field.village_doctors": ("乡村医生", "village doctors"),
    "field.qualified_village_doctors": ("执业村医", "qualified village doctors"),
    "field.wkt": ("边界（WKT）", "outline (WKT)"),
    "field_help.district_id": ("6位区划代码", "6-digit district code"),
    "field_help.townships.township_id": ("9位乡镇/街道代码", "9-digit township/street code"),
    "field_help.township_id": ("所属乡镇的9位代码", "9-digit code of its township"),
    "field_help.townships.name": ("乡镇或街道名称", "township or street name"),
    "field_help.villages.name": ("村委会或居委会名称", "village or residents' committee name"),
    "field_help.facilities.name": ("机构名称", "facility name"),
    "field_help.districts.name": ("区名称", "district name"),
    "field_help.townships.kind": ("乡镇 / 街道 / 其他；留空按名称判断", "town / street / other; from the name when empty"),
    "field_help.villages.kind": ("村委会 / 居委会 / 特殊区域；留空按代码判断",
                                 "village / residents' committee / special; from the code when empty"),
    "field_help.facilities.kind": ("机构类型，如 村卫生室、乡镇卫生院；留空按名称判断",
                                   "facility kind, e.g. village clinic, township health centre; from the name when empty"),
    "field_help.agricultural": ("是/否", "yes/no"),
    "field_help.population": ("常住人口（人）", "resident population (people)"),
    "field_help.area_km2": ("平方公里", "km²"),
    "field_help.source": ("数据来源，可留空", "where the row comes from; may be empty"),
    "field_help.district": ("所属区名称", "name of its district"),
    "field_help.village_id": ("12位统计用区划代码", "12-digit statistical code"),
    "field_help.township": ("所属乡镇名称", "name of its township"),
    "field_help.population_type": ("常住 / 户籍", "resident / registered"),
    "field_help.service_mode": ("巡回医疗 / 派驻 / 邻村延伸", "touring / dispatched / neighbour extension"),
    "field_help.lon": ("十进制度", "decimal degrees"),
    "field_help.lat": ("十进制度", "decimal degrees"),
    "field_help.facility_id": ("机构代码或编号；没有时自动生成", "code or number; generated when there is none"),
    "field_help.central": ("是/否", "yes/no"),
    "field_help.standardized": ("村卫生室是否标准化：是/否", "whether a village clinic is standardized: yes/no"),
    "field_help.group_id": ("所属医共体/医疗集团编号", "id of its medical community / group"),
    "field_help.level": ("医院等级，如 三级、二甲", "hospital level, e.g. 三级, 二甲"),
    "field_help.beds": ("床位数", "number of beds"),
    "field_help.doctors": ("执业（助理）医师数", "licensed (assistant) doctors"),
    "field_help.gps": ("全科医生数", "general practitioners"),
    "field_help.nurses": ("注册护士数", "registered nurses"),
    "field_help.public_health_staff": ("公共卫生人员数", "public-health staff"),
    "field_help.professional_staff": ("卫生技术人员数", "professional health staff"),
    "field_help.village_doctors": ("乡村医生数", "village doctors"),
    "field_help.qualified_village_doctors": ("具备执业资格的乡村医生数", "village doctors with a licence"),
    "field_help.wkt": ("边界的 WKT 文本（经纬度）", "the outline as WKT text (longitude/latitude)"),
    # ---- input path: where a problem is, and what (messages of planning.inputs: read, validate, registers, offsets)
    "where.file": ("文件 {file}", "file {file}"),
    "where.layer": ("图层 {layer}", "layer {layer}"),
    "where.row": ("第 {row} 行", "row {row}"),
    "where.column": ("列“{column}”", "column {column!r}"),
    "level.error": ("错误：", "error: "),
    "level.warning": ("警告：", "warning: "),
    "level.info": ("提示：", "info: "),
    "group.row": ("（第 {row} 行）", " (row {row})"),
    "group.rows": ("——第 {rows} 行", " — rows {rows}"),
    "group.more": (" 等，另有 {n} 行", " … and {n} more"),
    "group.count_rows": ("{n} 行：{message}", "{n} rows: {message}"),
    "group.count_times": ("{n} 次：{message}", "{n} times: {message}"),
    "group.more_kinds": ("… {file}：另有 {n} 类问题（共 {total} 条）：完整清单见 --problems FILE.csv",
                         "… {file}: {n} more kinds of problem ({total} in all): see --problems FILE.csv"),
    "layer_name.townships": ("乡镇/街道", "townships"),
    "layer_name.villages": ("村居", "villages"),
    "layer_name.facilities": ("医疗卫生机构", "facilities"),
    "layer_name.districts": ("区", "districts"),
    "layer_name.roads": ("道路网", "roads"),
    "in.set_aside": ("该行未使用：{reason}", "row set aside: {reason}"),
    "in.other_sheet": ("第一个工作表“{sheet}”没有{lname}的列；已读取工作表“{alt}”（如需确定，请选择工作表）",
                       "the first sheet {sheet!r} does not hold the {lname} columns; the sheet "
                       "{alt!r} was read (choose the sheet to be sure)"),
    "in.no_sheet_has": ("其他工作表（{others}）也没有这些列", "the other sheets ({others}) do not have them either"),
    "in.region_missing": ("{path} 不存在：请给出一个 GeoPackage 或一个放有各图层文件的文件夹",
                          "{path} does not exist: give a GeoPackage or a folder of layer files"),
    "in.road_file_missing": ("道路文件 {path} 不存在", "road file {path} does not exist"),
    "in.layers_missing": ("一个地区需要乡镇/街道、村居、医疗卫生机构三个图层；缺少：{missing}",
                          "the region needs the layers {needed}; missing: {missing}"),
    "in.file_missing": ("文件 {path} 不存在", "file {path} does not exist"),
    "in.bad_suffix": ("无法读取{suffix}文件{hint}；请使用以下格式之一：{formats}",
                      "cannot read {suffix} files{hint}; use one of {formats}"),
    "in.bad_suffix_xls": ("（请另存为 .xlsx）", " (save it as .xlsx)"),
    "in.unreadable": ("无法读取该文件（{error}）；请确认它是完整、有效的该类文件",
                      "cannot read the file ({error}); check that it is a valid, complete file of its type"),
    "in.empty_file": ("文件是空的（0 字节）：请重新导出", "the file is empty (0 bytes): export it again"),
    "in.misnamed": ("无法读取该文件：文件名是 {suffix}，但{what}", "cannot read the file: it is named {suffix} but {what}"),
    "in.what.zip_not_text": ("内容是 Excel 工作簿或压缩包，不是文本：请改名为 .xlsx（或 .zip）",
                             "is an Excel workbook or a zip, not text: name it .xlsx (or .zip)"),
    "in.what.xls_as_csv": ("内容是旧版 Excel .xls 工作簿：请另存为 .xlsx 或 CSV",
                           "is an old Excel .xls workbook: save it as .xlsx or CSV"),
    "in.what.xls_or_password": ("内容是旧版 Excel .xls 工作簿（或设有密码）：请另存为不带密码的 .xlsx",
                                "is an old Excel .xls workbook (or is password-protected): save it as "
                                ".xlsx without a password"),
    "in.what.not_zip": ("内容不是 zip 格式（是改了名的 CSV 或旧版 .xls？）；请按该格式重新保存",
                        "is not a zip-based file (a CSV or an old .xls renamed?); save it again in that format"),
    "in.what.not_gpkg": ("内容不是 GeoPackage（SQLite 数据库）；请重新另存为 GeoPackage",
                         "is not a GeoPackage (an SQLite database); save it again as GeoPackage"),
    "in.what.not_geojson": ("内容不是 GeoJSON（应以“{{”开头）；请重新另存为 GeoJSON",
                            "is not GeoJSON (it should start with '{{'); save it again as GeoJSON"),
    "in.bad_bytes": ("文件第 {lines} 行既不是 UTF-8 也不是 GBK 编码；无法识别的字符显示为 �：请将文件另存为 UTF-8",
                     "line(s) {lines} of the file are neither UTF-8 nor GBK; unreadable characters "
                     "are shown as �: save the file as UTF-8"),
    "in.mixed_encoding": ("文件混用了两种编码：第 {lines} 行是 GBK，其余为 UTF-8；已逐行按各自编码读取——请核对这些行的名称，并将文件另存为 UTF-8",
                          "the file mixes text encodings: line(s) {lines} are GBK, the others UTF-8; "
                          "each line was read in its own encoding — check the names on those lines, "
                          "and save the file as UTF-8"),
    "in.csv_quotes": ("无法把文本分成列（{error}）：请检查文件中的引号（\"）",
                      "the text cannot be split into columns ({error}): check the quotes (\") in the file"),
    "in.no_sheet": ("没有工作表“{sheet}”；工作表有：{sheets}", "no sheet {sheet!r}; the sheets are {sheets}"),
    "in.no_worksheet": ("工作簿中没有工作表", "the workbook has no worksheet"),
    "in.header_line": ("表头在第 {line} 行；其上方的行（标题？）已跳过，行号从表头起算",
                       "the header was found on line {line}; the line(s) above it (a title?) were "
                       "skipped, and rows are counted from the header"),
    "in.ragged_row": ("该行未使用：有 {cells} 个单元格，而表头只有 {width} 列（名称中有未加引号的逗号或制表符？）；请给该名称加引号",
                      "row set aside: it has {cells} cells but the header has {width} (a comma or tab "
                      "inside a name without quotes?); quote that name"),
    "in.duplicate_header": ("有两列的表头都是“{name}”；使用第一列，后一列保留为“{new}”",
                            "two columns are headed {name!r}; the first is used, the later one is kept as {new!r}"),
    "in.merged_filled": ("合并单元格 {ref} 已按其值填充", "merged cells {ref} were filled with their value"),
    "in.did_you_mean": ("“{header}”是不是“{field}”（拼写有误？）", "Is {header!r} meant to be {field!r}? (misspelt?)"),
    "in.hint": ("{hint}。", "{hint} "),
    "in.no_gpkg_layer": ("GeoPackage 中没有图层“{wanted}”；其中的图层有：{names}",
                         "no layer {wanted!r} in the GeoPackage; its layers are {names}"),
    "in.cpg_unknown": (".cpg 文件写的编码“{cpg}”无法识别；先按 UTF-8、再按 GBK 读取",
                       "the .cpg names an unknown encoding {cpg!r}; trying UTF-8, then GBK"),
    "in.read_as_gbk": ("没有 .cpg 文件说明文字编码；内容不是 UTF-8，已按 GBK/GB18030 读取",
                       "no .cpg file says the text encoding; the text was not UTF-8 and was read as GBK/GB18030"),
    "in.zip_shp_count": ("压缩的 Shapefile 必须正好包含一个 .shp（找到：{found}）",
                         "a zipped Shapefile must hold exactly one .shp (found: {found})"),
    "in.layer_empty": ("该图层是空的：没有数据行", "the layer is empty: it has no data rows"),
    "in.no_usable_rows": ("没有可用的行：全部 {n} 行都未能使用（原因见下）",
                          "no usable rows: all {n} rows were set aside (reasons below)"),
    "in.map_unknown_field": ("列名对应把“{theirs}”对应到“{field}”，但这不是{lname}的字段；可用字段：{fields}",
                             "column_map maps {theirs!r} to {field!r}, which is not a column of "
                             "{lname}; use one of {fields}"),
    "in.map_missing_header": ("列名对应提到的列“{theirs}”不在文件中；文件的列为：{headers}",
                              "column_map names the column {theirs!r}, which is not in the file; "
                              "its columns are {headers}"),
    "in.no_column": ("找不到“{label}”（{field}）列（试过：{tried}）；文件的列为：{headers}。{hint}"
                     "请修改表头，或在“列名对应”中指定哪一列是{label}",
                     "no column for {field!r} (tried: {tried}); the file's columns are {headers}. "
                     "{hint}Rename a column, or choose which column is the {label} in the column mapping"),
    "in.no_geometry": ("没有位置信息：{lname}表需要{want}（试过：{tried}）。{hint}或提供 GIS 文件（GeoPackage、Shapefile、GeoJSON）",
                       "no geometry: a {lname} table needs {want} (tried: {tried}). {hint}Or give a "
                       "GIS file (GeoPackage, Shapefile, GeoJSON)"),
    "in.want_lonlat": ("经度/纬度列（经度/纬度、lon/lat）或 WKT 列",
                       "longitude/latitude columns (经度/纬度, lon/lat) or a WKT column"),
    "in.want_wkt": ("WKT 列（geometry、wkt、几何、边界）", "a WKT column (geometry, wkt, 几何)"),
    "in.no_crs_taken": ("文件没有坐标系；其坐标按声明的 {declared} 经纬度读取",
                        "the file has no coordinate system; its coordinates are taken as "
                        "longitude/latitude in {declared} (as declared)"),
    "in.no_crs_metres": ("文件没有坐标系，坐标也不是经纬度（x 最大 {maxx}，y 最大 {maxy}：投影坐标米？）；请补上 .prj 文件，或连同坐标系一起重新保存",
                         "the file has no coordinate system and its coordinates are not degrees "
                         "(x up to {maxx}, y up to {maxy}: projected metres?); add its .prj or save "
                         "it with its coordinate system"),
    "in.projected_no_shift": ("文件使用投影坐标系 {crs}；已按其坐标系转换，未应用声明的 {declared} 偏移",
                              "the file is in the projected system {crs}; it was reprojected from it, "
                              "and the declared {declared} shift was not applied"),
    "in.file_crs_kept": ("文件自带坐标系 {crs}，已按文件的坐标系读取，未应用整体声明的 {declared}；如果该文件实际是 {declared} 坐标，请单独为它声明",
                         "the file carries its coordinate system {crs} and was read in it; the "
                         "declaration {declared} for all files was not applied — if this file really "
                         "is in {declared}, declare it for this file"),
    "in.file_crs_declared": ("文件标注的坐标系是 {crs}，但已按为该文件声明的 {declared} 读取",
                             "the file is labelled {crs}, but it was read as {declared}, as declared "
                             "for this file"),
    "in.reason.no_geometry": ("没有几何图形", "no geometry"),
    "in.reason.bad_wkt": ("无法识别的 WKT“{text}”（{why}）", "unreadable WKT {text!r} ({why})"),
    "in.reason.wkt_needed": ("{reason}；请以 WKT 给出边界，如“POLYGON ((…))”",
                             "{reason}; give the outline as WKT, e.g. 'POLYGON ((…))'"),
    "in.outline_closed": ("边界没有闭合（最后一点不是第一点）；已自动闭合——请核对边界",
                          "the outline was not closed (its last point is not its first); it was "
                          "closed — check the outline"),
    "in.reason.coord_empty": ("坐标为空；请填写十进制度，如 117.3",
                              "the coordinate is empty; give decimal degrees such as 117.3"),
    "in.reason.coord_nan": ("坐标“{text}”不是数字；请填写十进制度，如 117.3",
                            "the coordinate {text!r} is not a number; give decimal degrees such as 117.3"),
    "in.reason.zero": ("坐标为 0, 0（缺失位置的占位值）", "coordinates 0, 0 (a placeholder for a missing location)"),
    "in.swapped": ("经度 {lon} 和纬度 {lat} 看起来填反了（中国境内纬度不超过 60）；已对调——请检查这两列",
                   "longitude {lon} and latitude {lat} look swapped (latitude cannot exceed 60 in "
                   "China); they were swapped back — check the columns"),
    "in.reason.metres": ("经度 {lon} / 纬度 {lat} 不是度数，看起来是投影坐标（米）；请转换为经纬度，或提供自带坐标系的 GIS 文件",
                         "longitude {lon} / latitude {lat} are not degrees: they look like projected "
                         "metres; convert them to longitude/latitude, or give a GIS file that carries "
                         "its coordinate system"),
    "in.reason.out_of_range": ("经度 {lon} / 纬度 {lat} 超出范围（经度 -180..180，纬度 -90..90）",
                               "longitude {lon} / latitude {lat} are out of range (longitude -180..180, "
                               "latitude -90..90)"),
    "in.reason.empty_geometry": ("几何图形为空", "the geometry is empty"),
    "in.reason.not_polygon": ("此处应为面，却是 {kind}", "a {kind} where a polygon is expected"),
    "in.reason.not_point": ("此处应为点，却是 {kind}", "a {kind} where a point is expected"),
    "in.reason.invalid": ("无效的面（{why}），无法修复", "invalid polygon ({why}) that could not be repaired"),
    "in.repaired": ("无效的面（{why}）已用 make_valid 修复；请核对边界",
                    "invalid polygon ({why}) repaired with make_valid; check the outline"),
    "in.reason.bounds": ("坐标超出范围（{x}, {y}）：不是经纬度", "coordinates out of range ({x}, {y}): not longitude/latitude degrees"),
    "in.reason.bounds_metres": ("坐标超出范围（{x}, {y}）：是投影坐标（米），而文件声明（或 GeoJSON 规定）为经纬度：请按其真实坐标系重新导出",
                                "coordinates out of range ({x}, {y}): not longitude/latitude degrees "
                                "but projected metres, while the file says (or, for GeoJSON, must be) "
                                "longitude/latitude: export it again with its true coordinate system"),
    "in.to_points": ("{n} 个{lname}以面（或多点）给出，已取其内部的代表点；最好给出实际位置的点",
                     "{n} {lname} given as polygons (or multipoints) were placed at a representative "
                     "point inside each; a point at the actual site is better"),
    "in.reason.empty_id": ("编号（{field}）为空", "the id ({field}) is empty"),
    "in.scientific": ("编号“{text}”是科学计数法，已丢失数字（表格把代码变成了数字）：请把该列设为文本后重新导出",
                      "the id {text!r} is in scientific notation, so digits were lost (a spreadsheet "
                      "turned a code into a number): format the column as text and re-export"),
    "in.not_number": ("“{text}”不是数字；留空", "{text!r} is not a number; left empty"),
    "in.reason.negative_pop": ("人口为负数 {text}", "negative population {text}"),
    "in.negative": ("数值为负 {text}；留空", "negative value {text}; left empty"),
    "in.not_bool": ("“{text}”不是是/否（是/否、true/false、1/0、Y/N）；留空",
                    "{text!r} is not yes/no (是/否, true/false, 1/0, Y/N); left empty"),
    "in.reason.duplicate": ("编号“{id}”重复：第 {row} 行已有相同编号", "duplicate id {id!r}: the same id is on row {row}"),
    "in.unknown_township_kind": ("未知的乡镇类型“{text}”（请用 乡镇/街道/其他）；按名称判断",
                                 "unknown township kind {text!r} (use 乡镇/街道/其他 or "
                                 "township/street/special); taken from the name"),
    "in.unknown_village_kind": ("未知的村居类型“{text}”（请用 村委会/居委会/特殊区域）；已忽略",
                                "unknown village kind {text!r} (use 村委会/居委会/特殊区域 or "
                                "village_committee/residents_committee/special); ignored"),
    "in.kind_vs_code": ("类型列写的是 {kind}，代码 {code} 表示 {by_code}；采用类型列",
                        "the kind column says {kind}, the code {code} says {by_code}; the kind column is used"),
    "in.kind_from_village_name": ("类型 {kind} 由名称“{name}”推断（没有12位代码或类型列）",
                                  "kind {kind} inferred from the name {name!r} (no 12-digit code or kind column)"),
    "in.kind_unknown": ("类型未知（没有12位代码、类型列，名称也看不出）：按类型适用的规则将跳过此村",
                        "kind unknown (no 12-digit code, kind column or telling name): rules by kind "
                        "will skip this village"),
    "in.population_column_missing": (
        "文件没有人口列（常住人口）：人数未知，R3 的比例、R4 的需求和缺口人口都无法判断；补上此列后再检查",
        "the file has no population column (常住人口): residents are unknown, so population "
        "figures (R3's shares, R4's need, residents in gaps) cannot be judged; add the column "
        "to check them"),
    "in.population_missing": ("人口缺失：人数未知（不按 0 计），请填写后再统计该村",
                              "population missing: residents unknown (not counted as 0); fill it in to count this village"),
    "in.unknown_population_type": ("未知的人口口径“{text}”（请用 常住/户籍）；按常住人口处理",
                                   "unknown population type {text!r} (use 常住/户籍 or "
                                   "resident/registered); taken as resident"),
    "in.reason.unknown_facility_kind": ("未知的机构类型“{text}”；可用类型：{kinds}",
                                        "unknown facility kind {text!r}; accepted kinds: {kinds}"),
    "in.where.kind_empty": ("机构类型为空", "the kind is empty"),
    "in.where.no_kind_column": ("文件没有机构类型列", "there is no kind column"),
    "in.reason.kind_not_in_name": ("{where}，名称“{name}”也看不出类型；请填写以下之一：{kinds}",
                                   "{where} and the name {name!r} does not say the kind; give one of: {kinds}"),
    "in.kind_from_name": ("{where}：按名称“{name}”推断为 {kind_zh}（{kind}）",
                          "{where}: kind {kind} ({kind_zh}) inferred from the name {name!r}"),
    "in.unknown_value": ("未知的值“{text}”；可用：{accepted}；留空", "unknown value {text!r}; accepted: {accepted}; left empty"),
    "in.region_not_gpkg": ("一个地区是一个 GeoPackage（.gpkg）或一个放有各图层文件的文件夹",
                           "a region is a GeoPackage (.gpkg) or a folder of layer files"),
    "in.gpkg_lacks": ("GeoPackage 缺少图层 {missing}；其中的图层有：{present}",
                      "the GeoPackage lacks the layer(s) {missing}; its layers are {present}"),
    "in.several_files": ("图层{lname}有多个文件：{files}；请只保留一个", "several files for the layer {lname}: {files}; keep one"),
    "in.no_layer_file": ("文件夹中没有{lname}图层的文件（应为 {names}；也可命名为：{others}）",
                         "no file for the layer {lname} in the folder (expected {names}; also accepted: {others})"),
    "in.township_id_unknown": ("乡镇代码“{tid}”不在乡镇/街道图层中；已改为包含该村的乡镇 {here}",
                               "township_id {tid!r} is not in the townships layer; replaced by {here!r}, "
                               "the township holding the village"),
    "in.township_id_unknown_empty": ("乡镇代码“{tid}”不在乡镇/街道图层中；留空",
                                     "township_id {tid!r} is not in the townships layer; left empty"),
    "in.township_name_unknown": ("乡镇“{name}”不在乡镇/街道图层中（或不唯一）；采用包含该村的乡镇（{here}）",
                                 "township {name!r} is not (or not uniquely) in the townships layer; "
                                 "the township holding the village ({here}) is used"),
    "in.township_name_unknown_empty": ("乡镇“{name}”不在乡镇/街道图层中（或不唯一）；留空",
                                       "township {name!r} is not (or not uniquely) in the townships "
                                       "layer; left empty"),
    "in.village_outside": ("该村不在任何乡镇/街道范围内；已保留——请检查其坐标（或坐标系）",
                           "the village lies outside every township polygon; kept — check its "
                           "coordinates (or their coordinate system)"),
    "in.village_outside_unknown": ("该村不在任何乡镇/街道范围内，所属乡镇未知；已保留——请检查其坐标（或坐标系）",
                                   "the village lies outside every township polygon; kept — check its "
                                   "coordinates (or their coordinate system) (its township is unknown)"),
    "in.villages_joined": ("{n} 个没有所属乡镇的村已按所在的乡镇/街道范围确定",
                           "{n} villages without a township got the township whose polygon holds them"),
    "in.district_filled": ("{n} 个乡镇/街道没有填写所属区：其中 {coded} 个按代码确定，其余记为“{name}”",
                           "{n} townships had no district: {coded} got the district their code "
                           "names, the others {name!r}"),
    "cli.straight": ("没有道路文件：按直线估算（直线距离 × 绕行系数）；所有结果都标注“直线估算”",
                     "no road file: checking by straight-line estimate (straight distance × detour "
                     "factor); every result is labelled 'straight-line estimate'"),
    "in.straight_no_engine": ("没有道路网（按直线估算）时无法使用此功能：它需要道路网。请上传道路文件，或从 OpenStreetMap 下载",
                              "this needs a road network, and the region is checked by straight-line "
                              "estimate: upload a road file, or fetch one from OpenStreetMap"),
    "cli.rule_failed": ("此规则未能检查（{why}）；其他规则的结果不受影响", "this rule could not be checked ({why}); the other rules' results stand"),
    "in.zip.size_unknown": ("文件大小未知", "the file's size is unknown"),
    "in.zip.too_big": ("文件有 {size}（最多接受 {limit}）：请裁剪到本区域，或拆分", "the file is {size} (at most {limit} accepted): cut it to your region, or split it"),
    "in.zip.invalid": ("不是有效的 zip 文件（{error}）；请重新压缩", "not a valid zip file ({error}); zip the files again"),
    "in.zip.members": ("压缩包中有 {n} 个文件（最多 {most} 个）；只压缩一个图层的文件", "the zip holds {n} files (at most {most}); zip only the files of one layer"),
    "in.zip.bomb": ("压缩包成员“{member}”解压后扩大 {ratio} 倍（压缩炸弹？）；最多接受 {most} 倍", "the member {member!r} expands {ratio} times (a zip bomb?); at most {most} times is accepted"),
    "in.zip.expands": ("压缩包解压后有 {size}（最多 {limit}）", "the zip expands to {size} (at most {limit})"),
    "in.zip.outside": ("压缩包成员“{member}”指向压缩包目录之外", "the member {member!r} points outside the zip's folder"),
    "in.zip.forged": ("压缩包成员“{member}”解压后超出压缩包声明的大小（伪造或损坏的 zip）", "the member {member!r} expands beyond what the zip declares (a forged or damaged zip)"),
    "in.zip.extract": ("无法解压（{error}）；请重新压缩", "cannot extract the zip ({error}); zip the files again"),
    "in.zip.symlink": ("压缩包成员“{member}”是符号链接；请直接压缩文件本身", "the member {member!r} is a symbolic link; zip the files themselves"),
    "in.zip.encrypted": ("压缩包成员“{member}”已加密；请不加密码重新压缩", "the member {member!r} is encrypted; zip it without a password"),
    "in.facility_outside": ("{name} 不在本地区的乡镇/街道范围内；已保留（区外医院也服务本区）——如果它应在区内，请检查坐标",
                            "{name} lies outside the region's townships; kept (hospitals beyond the "
                            "border still serve it) — check its coordinates if it should be inside"),
    "in.ids_generated": ("文件没有机构编号列：已按机构类型、名称和坐标为 {n} 个机构生成编号（如 {example}）；文件重新排序后编号不变",
                         "the file has no facility id column: ids were generated for {n} facilities "
                         "from kind, name and coordinates (e.g. {example}); they stay the same when "
                         "the file is re-sorted"),
    "in.gcj02_suspect": ("这些点到最近道路的距离中位数为 {median} 米，按 GCJ-02 转为 WGS84 后为 {converted} 米（偏移约 {offset} 米）：看起来是按 WGS84 声明的 GCJ-02 坐标（高德、腾讯）——请为该文件声明 GCJ-02 后重新读取",
                         "the points sit a median {median} m from the nearest road, but {converted} m "
                         "once shifted from GCJ-02 to WGS84 (a shift of about {offset} m): they look "
                         "like GCJ-02 coordinates (AMap/高德, Tencent/腾讯) declared as WGS84 — declare "
                         "their coordinate system as GCJ-02 (gcj02) and load them again"),
    "in.no_roads": ("本地区没有道路网：请把 roads.osm、roads.osm.bz2 或 roads.osm.pbf 放在数据旁边，或按直线估算",
                    "this region has no road network: put roads.osm, roads.osm.bz2 or roads.osm.pbf "
                    "beside the region's files, or check by straight-line estimate"),
    # registers (facilities without coordinates)
    "in.reg.no_coords": ("该行未使用：{name} 没有坐标，且{why}；请填写经纬度，或所属村、乡镇的代码或准确名称",
                         "row set aside: {name} has no coordinates and {why}; give its "
                         "longitude/latitude, or the 12-digit code or exact name of its village "
                         "or township"),
    "in.reg.at_township": ("{name}：{why}；改为放在所属乡镇 {town} 的驻地——请核对所属村",
                           "{name}: {why}; placed at the seat of its township {town} instead — check the village"),
    "in.reg.placed": ("{n} 个没有坐标的机构已放在驻地（来源为“assumed”）：{at_village} 个在所属村的位置，{at_town} 个在所属乡镇的代表点；到它们的距离是近似值——重要的机构请填写坐标",
                      "{n} facilities without coordinates were placed at a seat (source 'assumed'): "
                      "{at_village} at their village's point, {at_town} at their township's "
                      "representative point; distances to them are approximate — give coordinates "
                      "where it matters"),
    "in.reg.no_usable": ("没有可用的行：没有一行有坐标，也找不到所属村或乡镇",
                         "no usable rows: no row has coordinates or a village or township that could be found"),
    "in.reg.town_code": ("乡镇代码 {code} 不在乡镇/街道图层中", "the township code {code} is not in the townships layer"),
    "in.reg.village_code": ("村代码 {code} 不在村居图层中", "the village code {code} is not in the villages layer"),
    "in.reg.nothing_given": ("既没有填所属村，也没有填所属乡镇", "neither a village nor a township is given"),
    "in.reg.name_many": ("{what}名称“{name}”{within}对应 {n} 个{what}（{ids}）；请填写代码",
                         "the {what} name {name!r} matches {n} {what}s{within} ({ids}); give its code"),
    "in.reg.name_none": ("{within}没有名为“{name}”的{what}", "no {what} named {name!r}{within}"),
    "in.reg.within": ("在{scope}内", " in {scope}"),
    "in.reg.what.village": ("村", "village"),
    "in.reg.what.township": ("乡镇", "township"),
}


#: what the rules found and suggest, by code: ``reason.<code>`` and ``action.<code>`` (a
#: unit's ``reason_code`` / ``action_code``; several codes joined by ``;`` are one sentence
#: in parts), ``note.<code>`` (a rule's notes), ``population.<code>`` (why residents'
#: figures are missing). Fields are the unit's ``params`` (see :func:`render_units`).
RULE_WORDS: dict[str, tuple[str, str]] = {
    # R1: a health centre in every township and street
    "reason.R1.special_unit": ("开发区等特殊单元，不要求单设中心",
                               "A special unit (development zone etc.): no centre of its own required"),
    "reason.R1.no_centre": ("辖区内没有{want_word}", "No {want_word} inside"),
    "action.R1.set_up": ("设置1所{want_word}", "Set up a {want_word}"),
    "reason.R1.wrong_kind": ("辖区内有{centres}，但没有{want_word}", "Has {centres} but no {want_word}"),
    "action.R1.check_kind": ("核实机构类型，或设置{want_word}", "Check the facility's kind, or set up a {want_word}"),
    "reason.R1.one_for_many": ("常住人口{population:,.0f}人，超过{threshold:,.0f}人，仅有1所中心",
                               "{population:,.0f} residents, more than {threshold:,.0f}, and only one centre"),
    "action.R1.consider_another": ("根据需要增设1所中心（001 §二(一)1）",
                                   "Add a second centre as needed (001 §二(一)1)"),
    "reason.R1.ok_population_unknown": (
        "有{centres}；常住人口未知，无法判断是否超过{threshold:,.0f}人需增设中心",
        "Has {centres}; residents unknown, so whether more than {threshold:,.0f} call for another "
        "centre cannot be judged"),
    "reason.R1.ok_population_partial": (
        "有{centres}；{villages_unknown}个村无人口数据，已知常住人口{population:,.0f}人，"
        "无法判断是否超过{threshold:,.0f}人需增设中心",
        "Has {centres}; {villages_unknown} villages without population, {population:,.0f} residents "
        "known, so whether more than {threshold:,.0f} call for another centre cannot be judged"),
    "reason.R1.ok": ("有{centres}", "Has {centres}"),
    # R2: a standardized village clinic within 1.5 km
    "reason.R2.own": ("本村卫生室（{clinic}）{distance_m:,.0f}米", "Own clinic ({clinic}), {distance_m:,.0f} m"),
    "reason.R2.shared": ("与{village}共用{clinic}，{distance_m:,.0f}米",
                         "Shares {clinic} with {village}, {distance_m:,.0f} m"),
    "reason.R2.shared_unowned": ("使用未注明所属村的{clinic}，{distance_m:,.0f}米",
                                 "Uses {clinic}, whose village is not stated, {distance_m:,.0f} m"),
    "reason.R2.not_adjacent": ("所属村与本村不相邻", "its village is not a neighbour"),
    "reason.R2.other_township": ("卫生室属于其他乡镇（村卫生室按乡镇管理）",
                                 "the clinic belongs to another township (clinics are managed by township)"),
    "action.R2.check_sharing": ("核实共建共用安排", "Check the sharing arrangement"),
    "reason.R2.served": ("{limit_m:,.0f}米内无标准化村卫生室，由{service_word}服务",
                         "No standardized clinic within {limit_m:,.0f} m; served by {service_word}"),
    "action.R2.keep_service": ("保持{service_word}并核实服务频次",
                               "Keep the {service_word} and check how often it comes"),
    "reason.R2.gap": ("{limit_m:,.0f}米内无标准化村卫生室（最近{distance_m:,.0f}米）",
                      "No standardized clinic within {limit_m:,.0f} m (the nearest is {distance_m:,.0f} m)"),
    "reason.R2.no_clinic": ("没有标准化村卫生室", "No standardized clinic at all"),
    "reason.R2.unreachable": ("道路网上无法到达任何标准化村卫生室",
                              "No standardized clinic can be reached on the road network"),
    "action.R2.upgrade": ("将{clinic}提升为标准化村卫生室", "Bring {clinic} up to a standardized clinic"),
    "action.R2.touring": ("人口较少：安排乡镇卫生院巡诊、派驻或邻村延伸服务（001 §二(一)3）",
                          "Few residents: arrange touring, dispatched staff or neighbour extension "
                          "from the township health centre (001 §二(一)3)"),
    "action.R2.new_check_population": (
        "新建标准化村卫生室，或与相邻村共建；人口较少的村也可巡诊、派驻或邻村延伸——先核实常住人口（001 §二(一)3）",
        "Build a standardized clinic, or share one with a neighbouring village; a small village "
        "may be served by touring, dispatched staff or neighbour extension — check its residents "
        "first (001 §二(一)3)"),
    "action.R2.new": ("新建标准化村卫生室，或与相邻村共建（001 §二(一)3）",
                      "Build a standardized clinic, or share one with a neighbouring village (001 §二(一)3)"),
    "reason.R2.substandard": ("未达标村卫生室，不计入覆盖", "Not standardized: does not count for coverage"),
    "reason.R2.serves": ("服务行政村", "Serves village committees"),
    "reason.R2.serves_none": ("不是任何行政村{limit_m:,.0f}米内最近的卫生室",
                              "Not the nearest clinic within {limit_m:,.0f} m of any village committee"),
    # R3: the 15-minute health service circle
    "reason.R3.within": ("最近机构{minutes:.1f}分钟可达", "The nearest facility is {minutes:.1f} min away"),
    "reason.R3.beyond": ("最近机构需{minutes:.1f}分钟，超过{limit:g}分钟",
                         "The nearest facility is {minutes:.1f} min away, more than {limit:g} min"),
    "reason.R3.unreachable": ("道路网上无法到达任何基层医疗卫生机构",
                              "No primary-care facility can be reached on the road network"),
    "reason.R3.population_unknown": ("常住人口未知，不计入覆盖比例", "residents unknown: not counted in the share"),
    "action.R3.add": ("在覆盖缺口处增设村卫生室或社区卫生服务站",
                      "Add a village clinic or community health station in the gap"),
    "action.R3.check_population_add": ("核实常住人口；在覆盖缺口处增设村卫生室或社区卫生服务站",
                                       "Check the residents; add a village clinic or community "
                                       "health station in the gap"),
    # R4: regional medical sub-centres
    "reason.R4.not_agricultural": ("非涉农区", "Not an agricultural district"),
    "reason.R4.size_unknown": ("涉农区，无法判断是否达到次中心条件",
                               "Agricultural; whether it is large enough for a sub-centre cannot be judged"),
    "reason.R4.too_small": ("人口、面积未达到次中心条件", "Population and area below the sub-centre thresholds"),
    "reason.R4.qualifies": ("涉农区", "Agricultural district"),
    "reason.R4.size": ("常住人口{population:,.0f}人，面积{area_km2:,.0f}平方公里",
                       "{population:,.0f} residents, {area_km2:,.0f} km²"),
    "reason.R4.size_population_unknown": ("常住人口未知，面积{area_km2:,.0f}平方公里",
                                          "residents unknown, {area_km2:,.0f} km²"),
    "reason.R4.hard_villages": ("{hard_villages}个村驾车超过{minutes:.0f}分钟才能到达区级医院或二级以上综合医院",
                                "{hard_villages} villages are more than {minutes:.0f} min by car from a "
                                "district or level-2+ general hospital"),
    "reason.R4.hard_villages_unknown": ("其中{villages_unknown}个村常住人口未知",
                                        "{villages_unknown} of them with residents unknown"),
    "reason.R4.all_within": ("全部居民{minutes:.0f}分钟车程内可达区级医院或二级以上综合医院",
                             "every resident is within {minutes:.0f} min by car of a district or "
                             "level-2+ general hospital"),
    "reason.R4.hard_residents": ("{hard_residents:,.0f}名居民驾车超过{minutes:.0f}分钟才能到达区级医院或二级以上综合医院",
                                 "{hard_residents:,.0f} residents are more than {minutes:.0f} min by car "
                                 "from a district or level-2+ general hospital"),
    "reason.R4.hard_residents_unknown": ("另有{villages_unknown}个村常住人口未知，未计入",
                                         "{villages_unknown} more villages with residents unknown are not counted"),
    "action.R4.add_population": ("补充村常住人口后重新评估是否需要建设区域医疗次中心",
                                 "Add the villages' residents, then judge again whether a regional "
                                 "sub-centre is needed"),
    "action.R4.build": ("建设区域医疗次中心：{candidates}（001 §二(一)2）",
                        "Build a regional medical sub-centre: {candidates} (001 §二(一)2)"),
    "action.R4.no_candidate": ("区内没有可选的乡镇卫生院，需另行选址",
                               "No township health centre in the district to choose: find another site"),
    "reason.R4.candidate": ("可使{newly_within:,.0f}名难以覆盖的居民在{minutes:.0f}分钟车程内获得二级医院服务",
                            "Brings {newly_within:,.0f} hard-to-reach residents within {minutes:.0f} min "
                            "by car of level-2 hospital care"),
    "note.R4.patient_flow": ("就医流向（patient flow）是政策列出的因素，本工具无法获得，需结合实际判断（001 §二(一)2）",
                             "Patient flow is a factor the policy names that this tool cannot see: "
                             "judge it on the ground (001 §二(一)2)"),
    # R5: district hospitals and staffing
    "reason.R5.few_public_health": ("公共卫生人员{staff}名，少于{minimum}名",
                                    "{staff} public-health staff, fewer than {minimum}"),
    "reason.R5.low_public_health_share": ("公共卫生人员占专业技术人员{share:.0%}，低于{minimum_share:.0%}",
                                          "public-health staff are {share:.0%} of professional staff, "
                                          "below {minimum_share:.0%}"),
    "reason.R5.staff_ok": ("人员配置达标", "Staffing meets the standard"),
    "reason.R5.no_staff_data": ("无人员数据", "No staff figures"),
    "reason.R5.no_tertiary": ("没有具备三级医院服务能力的区级医院", "No district hospital with tertiary capability"),
    "reason.R5.no_district_hospital": ("没有区级医院", "No district hospital"),
    "reason.R5.no_tcm": ("没有达到{level}的区级中医医院", "no district TCM hospital at {level}"),
    "reason.R5.short_staffed": ("{centres}所乡镇卫生院公共卫生人员配置不足",
                                "{centres} township health centres are short of public-health staff"),
    "reason.R5.not_agricultural": ("非涉农区，001 §二(二)4 不适用",
                                   "Not an agricultural district: 001 §二(二)4 does not apply"),
    "reason.R5.ok": ("区级医院和中医医院达标", "District and TCM hospitals meet the standard"),
    "action.R5.raise_tertiary": ("提升区级医院至三级医院服务能力（001 §二(二)4）",
                                 "Raise the district hospital to tertiary capability (001 §二(二)4)"),
    "action.R5.build_tcm": ("建设{level}区级中医医院（001 §二(二)4）",
                            "Build a district TCM hospital at {level} (001 §二(二)4)"),
    "action.R5.staff_up": ("配齐公共卫生医师，公共卫生人员不低于专业技术人员{minimum_share:.0%}（001 §二(二)7）",
                           "Give every centre public-health physicians, and public-health staff of at "
                           "least {minimum_share:.0%} of professional staff (001 §二(二)7)"),
    "note.R5.city_wide": ("护士、全科医生配置目标为全市口径，仅作参考，不判定单个区未达标（000 §三(十五)，004 §三(二)）",
                          "The nurse and GP targets are city-wide: a reference only, never a "
                          "district's failure (000 §三(十五), 004 §三(二))"),
    "note.R5.public_health_column": ("公共卫生医师按 public_health_staff（公共卫生人员）列计数",
                                     "Public-health physicians are counted from the public_health_staff column"),
    # R6: one community health station per 3-4 residents' committees
    "reason.R6.count": ("{township}有{committees}个居委会、{stations}所社区卫生服务站，需要至少{needed}所",
                        "{township}: residents' committees {committees}, community health stations "
                        "{stations}, needed at least {needed}"),
    "reason.R6.outside": ("不在任何乡镇内：{committees}个居委会、{stations}所社区卫生服务站，需要至少{needed}所",
                          "Outside every township: residents' committees {committees}, community "
                          "health stations {stations}, needed at least {needed}"),
    "action.R6.add_stations": ("在{township}增设{missing}所社区卫生服务站",
                               "Community health stations to add in {township}: {missing}"),
    # R7: medical communities
    "reason.R7.no_groups": ("无法检查：数据没有医共体/医疗集团分组（缺少 group_id 列）",
                            "Cannot be checked: the data have no medical-community groups (no group_id column)"),
    "action.R7.add_groups": ("在机构表中填写“医共体”（group_id）列",
                             "Fill in the medical-community column (group_id) of the facilities table"),
    "note.R7.no_groups": ("无法检查：机构表没有医共体分组（group_id 列），不能判断卫生院/社区卫生服务中心是否加入医共体",
                          "Cannot be checked: the facilities table has no medical-community groups "
                          "(group_id column), so whether health centres belong to one cannot be told"),
    "reason.R7.no_group": ("未加入任何医共体/医疗集团", "Not in any medical community or group"),
    "action.R7.join": ("加入区域医共体（002 §二(一)）", "Join a medical community (002 §二(一))"),
    "reason.R7.no_lead": ("所在医共体{group}没有二级以上牵头医院", "Its group {group} has no level-2+ lead hospital"),
    "action.R7.name_lead": ("明确二级以上牵头医院", "Name a level-2+ lead hospital"),
    "reason.R7.lead_unreachable": ("驾车无法到达牵头医院{lead}", "The lead hospital {lead} cannot be reached by car"),
    "reason.R7.lead_far": ("到牵头医院{lead}驾车{minutes:.0f}分钟，超过{limit:.0f}分钟",
                           "{minutes:.0f} min by car to the lead hospital {lead}, more than {limit:.0f}"),
    "reason.R7.ok": ("属于{group}，到牵头医院驾车{minutes:.0f}分钟",
                     "In {group}, {minutes:.0f} min by car to the lead hospital"),
    "reason.R7.group_no_lead": ("没有二级以上牵头医院", "No level-2+ lead hospital"),
    "reason.R7.group_split": ("成员所在乡镇不连片（{parts}块）", "member townships not contiguous ({parts} pieces)"),
    "reason.R7.group_far": ("{far}个成员到牵头医院车程过长", "{far} members too far from the lead hospital"),
    "reason.R7.group_ok": ("牵头医院明确，成员连片", "Lead hospital named, members contiguous"),
    # R8: GPs within reach
    "reason.R8.at_reference": ("{mode_word}{minutes:g}分钟内可达全科医生每万人{gps:.2f}名，达到参考值{target:g}名",
                               "{gps:.2f} GPs per 10,000 within {minutes:g} min ({mode_word}), at or above "
                               "the reference of {target:g}"),
    "reason.R8.below": ("{mode_word}{minutes:g}分钟内可达全科医生每万人{gps:.2f}名，低于参考值{target:g}名",
                        "{gps:.2f} GPs per 10,000 within {minutes:g} min ({mode_word}), below the "
                        "reference of {target:g}"),
    "reason.R8.below_at_most": ("{mode_word}{minutes:g}分钟内可达全科医生每万人至多{gps:.2f}名，低于参考值{target:g}名",
                                "At most {gps:.2f} GPs per 10,000 within {minutes:g} min ({mode_word}), "
                                "below the reference of {target:g}"),
    "action.R8.add_gps": ("在可达范围内增配全科医生或新设基层医疗卫生机构",
                          "Add GPs within reach, or open a primary-care facility"),
    "reason.R8.upper_bound": ("{mode_word}{minutes:g}分钟内可达全科医生每万人{gps:.2f}名（服务范围内有村人口未知，"
                              "此为上限），无法判断是否达到参考值",
                              "{gps:.2f} GPs per 10,000 within {minutes:g} min ({mode_word}), an upper "
                              "bound (residents of villages in reach unknown): whether it meets the "
                              "reference cannot be judged"),
    "action.R8.add_population_in_reach": ("补充服务范围内各村的常住人口", "Add the residents of the villages in reach"),
    "reason.R8.none_in_reach": ("{mode_word}{minutes:g}分钟内没有可达的基层医疗卫生机构（全科医生）",
                                "No primary-care facility (with GPs) within {minutes:g} min ({mode_word})"),
    "action.R8.open_facility": ("在可达范围内新设配备全科医生的基层医疗卫生机构",
                                "Open a primary-care facility with GPs within reach"),
    "reason.R8.gps_missing": ("可达机构{facilities}缺少全科医生人数，无法判断",
                              "{facilities} in reach lack a GP count: cannot be judged"),
    "reason.R8.gps_missing_more": ("可达机构{facilities}等{n}所缺少全科医生人数，无法判断",
                                   "{facilities} and others ({n} in all) in reach lack a GP count: "
                                   "cannot be judged"),
    "action.R8.add_gp_count": ("在机构表中补充全科医生人数（gps）", "Add the GP count (gps) to the facilities table"),
    "reason.R8.population_unknown": ("常住人口未知，无法判断", "Residents unknown: cannot be judged"),
    "action.R8.add_population": ("补充本村常住人口", "Add this village's residents"),
    "reason.R8.border": ("服务范围越过区域边界，边界外的医生不在数据中",
                         "its reach crosses the region's border, where doctors are not in the data"),
    "reason.R8.no_residents": ("没有常住人口", "No residents"),
    "reason.R8.area_unknown": ("{villages_unknown}个村无法判断（人口或可达机构的全科医生人数未知）",
                               "{villages_unknown} villages cannot be judged (residents, or the GP count "
                               "of a facility in reach, unknown)"),
    "action.R8.add_missing": ("补充缺失的人口或全科医生人数", "Add the missing residents or GP counts"),
    "reason.R8.area_below": ("可达全科医生每万人{gps:.2f}名（人口加权），低于参考值{target:g}名；"
                             "{residents_below:,.0f}人所在村低于参考值",
                             "{gps:.2f} GPs per 10,000 within reach (population-weighted), below the "
                             "reference of {target:g}; {residents_below:,.0f} residents live in villages "
                             "below it"),
    "action.R8.area_add_gps": ("再有{needed}名全科医生可达本{place_word}居民，可使本{place_word}达到每万人{target:g}名",
                               "{needed} more GPs within reach of this {place_word}'s residents would "
                               "bring it to {target:g} per 10,000"),
    "reason.R8.area_upper": ("可达全科医生每万人{gps:.2f}名，但服务范围内有村人口未知，此为上限",
                             "{gps:.2f} GPs per 10,000 within reach, an upper bound: residents of "
                             "villages in reach unknown"),
    "action.R8.add_population_only": ("补充常住人口", "Add the residents"),
    "reason.R8.area_ok": ("可达全科医生每万人{gps:.2f}名（人口加权），达到参考值{target:g}名",
                          "{gps:.2f} GPs per 10,000 within reach (population-weighted), at or above the "
                          "reference of {target:g}"),
    "place.township": ("乡镇（街道）", "township"),
    "place.district": ("区", "district"),
    "reason.R8.facility_no_count": ("缺少全科医生人数", "No GP count"),
    "reason.R8.facility_no_residents": ("{minutes:g}分钟服务范围内没有常住人口",
                                        "No residents within its {minutes:g}-min catchment"),
    "reason.R8.facility_ok": ("服务范围内每万人{gps:.2f}名全科医生", "{gps:.2f} GPs per 10,000 residents served"),
    "reason.R8.facility_overloaded": ("服务范围内每万人仅{gps:.2f}名全科医生，低于参考值{target:g}名（负荷过重）",
                                      "Only {gps:.2f} GPs per 10,000 residents served, below the "
                                      "reference of {target:g} (overloaded)"),
    "reason.R8.clinic_no_count": ("缺少乡村医生人数", "No village-doctor count"),
    "reason.R8.clinic_no_target": ("政策没有乡村医生的人口配比目标，只显示不判定",
                                   "The policy sets no village-doctor ratio: shown, not judged"),
    "note.R8.method": ("按增强两步移动搜索法（E2SFCA）计算：每个机构的全科医生数除以其{mode_word}{minutes:g}分钟"
                       "服务范围内按距离加权（{decay}）的常住人口，再把各村可达机构的比值按同样权重相加，"
                       "即“可达范围内每万名居民拥有的全科医生数”；出行时间恰好等于上限的计入服务范围；"
                       "全区按人口加权的平均值等于全科医生数÷常住人口",
                       "Counted by the enhanced two-step floating catchment area (E2SFCA): each "
                       "facility's GPs divided by the residents within {minutes:g} min ({mode_word}) of "
                       "it, weighted by distance ({decay}), then the shares of the facilities a village "
                       "reaches added up with the same weights — 'GPs per 10,000 residents within "
                       "reach'; a trip of exactly the limit counts; the population-weighted mean over "
                       "the region equals GPs ÷ residents"),
    "decay.bands": ("分时段权重{weights}", "band weights {weights}"),
    "decay.gaussian": ("高斯衰减（σ为服务范围的{share:g}）", "Gaussian decay, σ = {share:g} of the catchment"),
    "decay.none": ("不衰减", "no decay"),
    "note.R8.target": ("每万人{target:g}名全科医生是全市目标（004 §三(二)），此处逐村参照：低于参考值为“需关注”，不判定未达标",
                       "{target:g} GPs per 10,000 is the city-wide target (004 §三(二)), used here "
                       "village by village: below it is 'attention', never a failure"),
    "note.R8.nurses": ("护士每千人{nurses:g}名的目标统计全部护士（多数在医院，000 §三(十五)）：此处只显示基层机构"
                       "护士的可达数，不据此判定；政策没有乡村医生的人口配比目标，只显示可达数",
                       "The target of {nurses:g} nurses per 1,000 counts all nurses, most of them in "
                       "hospitals (000 §三(十五)): the primary-care nurses within reach are shown, not "
                       "judged; the policy sets no village-doctor ratio, so those are shown only"),
    "note.R8.border": ("{villages}个村的服务范围越过区域边界，边界外的医生不在数据中，这些村的可达数可能偏低（near_border）",
                       "{villages} villages reach across the region's border, where doctors are not in "
                       "the data: their figures may be low (near_border)"),
    "note.R8.gps_unknown": ("{n}所机构缺少全科医生人数（{facilities}），依赖它们的村无法判断",
                            "{n} facilities lack a GP count ({facilities}); the villages that depend on "
                            "them cannot be judged"),
    # any rule
    "note.straight": ("{label_word}：没有道路网，距离按直线计算，出行距离 = 直线距离 × {factor:g}，按各出行方式的速度换算为时间",
                      "{label_word}: no road network, so distances are straight lines; a trip is the "
                      "straight distance × {factor:g}, timed at each mode's speed"),
    "note.straight_R2": ("{label_word}：没有道路网，距离按直线计算（R2 用直线半径）",
                         "{label_word}: no road network, so distances are straight lines (R2 uses the "
                         "straight radius)"),
    "population.none_known": ("常住人口未知（{n}{unit}均无人口数据）：涉及人口的数字无法计算",
                              "Residents unknown (none of the {n} {unit} has a population): figures of "
                              "residents cannot be computed"),
    "population.partial": ("{unknown}{unit}无人口数据，人口数字只计有数据的{known}{unit}",
                           "{unknown} {unit} without population: residents count only the {known} with one"),
    "count.village": ("个村", "villages"), "count.township": ("个乡镇", "townships"),
    "count.district": ("个区", "districts"), "count.unit": ("个单元", "units"),
}

# --------------------------------------------------------------------------- table columns (17t)
#: units of measured columns: key -> (zh, en); a header is its title with the unit
#: (到卫生室道路距离(米) / Road distance to clinic (m)); how many decimals each unit keeps is
#: :data:`planning.outputs.tables.DECIMALS`
UNITS: dict[str, tuple[str, str]] = {
    "m": ("米", "m"), "min": ("分钟", "min"), "residents": ("人", "residents"), "pct": ("%", "%"),
    "km2": ("平方公里", "km²"), "per10k": ("每万人", "per 10,000"), "per1k": ("每千人", "per 1,000"),
    "staff": ("人", "staff"), "deg": ("度", "°"),
}
#: every column of the tables and layers a planner reads: name -> (title zh, title en, unit
#: key of :data:`UNITS` or "" (text, codes, counts), meaning zh, meaning en). The titles are
#: the headers of Excel, CSV, the app's tables and the GeoPackage aliases; the meanings fill
#: the About (说明) sheet. Ids and codes keep "代码"/"code" in their titles.
COLUMNS: dict[str, tuple[str, str, str, str, str]] = {
    # ids and names
    "unit_id": ("单元代码", "Unit code", "", "被检查单元（村、乡镇、区或机构）的代码", "Code of the unit judged (village, township, district or facility)"),
    "village_id": ("村代码", "Village code", "", "村（居）委会的12位统计用区划代码", "12-digit statistical code of the village (residents') committee"),
    "township_id": ("乡镇代码", "Township code", "", "乡镇（街道）代码", "Code of the township (town or street)"),
    "district_id": ("区代码", "District code", "", "区代码", "Code of the district"),
    "facility_id": ("机构代码", "Facility code", "", "医疗卫生机构代码", "Code of the health facility"),
    "group_id": ("医共体代码", "Medical community code", "", "所属医共体（医疗集团）代码", "Code of the medical community (group) it belongs to"),
    "committee_id": ("居委会代码", "Committee code", "", "居委会代码", "Code of the residents' committee"),
    "name": ("名称", "Name", "", "单元或机构名称", "Name of the unit or facility"),
    "village": ("村", "Village", "", "村（居）名称", "Name of the village"),
    "township": ("乡镇", "Township", "", "所在乡镇（街道）名称", "Name of its township"),
    "district": ("区", "District", "", "所在区名称", "Name of its district"),
    "kind": ("类型", "Kind", "", "单元或机构类型", "Kind of unit or facility"),
    "level": ("等级", "Level", "", "医院等级（如三级、二甲）", "Hospital level (e.g. level 3, level 2A)"),
    # outcome
    "status": ("状态", "Status", "", "本规则对该行的结论，见下方“状态”说明", "The rule's outcome for the row; see the statuses below"),
    "status_before": ("现状状态", "Status now", "", "现状下的结论", "Outcome today"),
    "status_after": ("方案状态", "Status in the scenario", "", "方案实施后的结论", "Outcome with the scenario"),
    "overall": ("综合", "Overall", "", "各规则中最差的结论", "The worst outcome of the rules"),
    "reason": ("原因", "Reason", "", "得出结论的依据（距离、时间、人数）", "Why the rule reached its outcome (distances, times, counts)"),
    "action": ("建议措施", "Suggested action", "", "建议的整改措施", "What to do about it"),
    "reason_code": ("原因代码", "Reason code", "", "原因的代码（供程序使用）", "Code of the reason (for scripts)"),
    "action_code": ("措施代码", "Action code", "", "措施的代码（供程序使用）", "Code of the action (for scripts)"),
    "rule": ("规则", "Rule", "", "规则编号（R1–R8）", "Rule id (R1–R8)"),
    "unit_kind": ("单元类型", "Unit kind", "", "规则检查的单元类型", "Kind of unit the rule judges"),
    "estimate": ("距离估算", "Distance estimate", "", "没有道路网时按直线距离估算的说明", "Note that distances are straight-line estimates (no road network)"),
    "source": ("来源", "Source", "", "该行数据来自哪个文件", "File the row came from"),
    # people
    "population": ("常住人口", "Residents", "residents", "该行单元（村、乡镇、区）的常住人口", "Resident population of the unit (village, township, district)"),
    "district_population": ("区常住人口", "District residents", "residents", "全区常住人口", "Resident population of the whole district"),
    "hard_to_reach_residents": ("难以到达医院的人口", "Residents far from a hospital", "residents", "驾车到区级医院或二级以上综合医院超过时限的村的常住人口合计", "Residents of villages beyond the drive-time limit to a district or level-2+ general hospital"),
    "hard_to_reach_villages_without_population": ("难以到达且无人口数据村数", "Far villages without population", "", "超过时限但缺少人口数据的村数", "Villages beyond the limit without a population figure"),
    "residents_served": ("服务人口", "Residents served", "residents", "以该卫生室为最近且在距离限值内的村的常住人口", "Residents of the villages within the limit that have it as their nearest clinic"),
    "residents_within": ("时限内人口", "Residents within the limit", "residents", "在时限内可到达基层医疗机构的常住人口", "Residents who reach a primary-care facility within the time limit"),
    "share_within": ("时限内人口比例", "Share within the limit", "pct", "时限内人口占常住人口的比例", "Residents within the limit as a share of all residents"),
    "newly_within": ("新增时限内人口", "Residents newly within the limit", "residents", "该候选次中心建成后新进入时限内的人口", "Residents who would come within the limit with this sub-centre"),
    "villages_newly_within": ("新增时限内村数", "Villages newly within the limit", "", "该候选次中心建成后新进入时限内的村数", "Villages that would come within the limit with this sub-centre"),
    "villages_without_population": ("无人口数据村数", "Villages without population", "", "缺少人口数据、未计入人口的村数", "Villages without a population figure, left out of the residents"),
    "residents_below": ("低于参考值人口", "Residents below the reference", "residents", "可达全科医生低于参考值的常住人口", "Residents whose GPs within reach fall below the reference"),
    "served_population": ("服务人口(距离加权)", "Residents served (distance-weighted)", "residents", "按距离衰减加权的服务人口（两步移动搜索法）", "Residents served, weighted by distance decay (two-step floating catchment)"),
    "newly_covered": ("新增覆盖人口", "Newly covered residents", "residents", "该选址新覆盖的常住人口", "Residents this site newly covers"),
    "cumulative_covered": ("累计新增覆盖人口", "Newly covered residents (cumulative)", "residents", "按排名累计的新覆盖人口", "Residents newly covered by this and the higher-ranked sites"),
    "villages_newly_covered": ("新增覆盖村数", "Newly covered villages", "", "该选址新覆盖的村数", "Villages this site newly covers"),
    # distances and times
    "clinic_distance_m": ("到卫生室判定距离", "Distance to clinic judged", "m", "R2判定所用的到最近标准化村卫生室距离（道路或直线，见规则册）", "Distance to the nearest standardized village clinic that R2 judged (road or straight, per the rulebook)"),
    "clinic_road_m": ("到卫生室道路距离", "Road distance to clinic", "m", "沿步行道路到最近标准化村卫生室的距离", "Walking-road distance to the nearest standardized village clinic"),
    "clinic_straight_m": ("到卫生室直线距离", "Straight distance to clinic", "m", "到最近标准化村卫生室的直线距离", "Straight-line distance to the nearest standardized village clinic"),
    "access_m": ("到道路距离", "Distance to the road", "m", "村址到最近可用道路的距离（接入段）", "Distance from the village seat to the nearest usable road (access leg)"),
    "minutes_to_care": ("到机构时间", "Time to care", "min", "到最近基层医疗机构的出行时间", "Travel time to the nearest primary-care facility"),
    "drive_minutes_to_hospital": ("到医院车程", "Drive to hospital", "min", "驾车到最近区级医院或二级以上综合医院的时间", "Drive time to the nearest district or level-2+ general hospital"),
    "drive_minutes_to_lead": ("到牵头医院车程", "Drive to lead hospital", "min", "驾车到医共体牵头医院的时间", "Drive time to the medical community's lead hospital"),
    "minutes_saved": ("平均节省时间", "Minutes saved on average", "min", "难以到达的居民平均节省的车程", "Drive time saved on average by the hard-to-reach residents"),
    "minutes_to_gp": ("到最近全科医生时间", "Time to nearest GP", "min", "到最近有全科医生的机构的出行时间", "Travel time to the nearest facility with GPs"),
    "max_minutes": ("最长时间", "Longest time", "min", "允许的最长出行时间", "Longest travel time allowed"),
    "minutes": ("时限", "Time limit", "min", "可达范围的时限", "Time limit of the reach"),
    "mode": ("出行方式", "Travel mode", "", "计算时间所用的出行方式", "Travel mode of the times"),
    "area_km2": ("面积", "Area", "km2", "辖区面积", "Area of the unit"),
    "lon": ("经度", "Longitude", "deg", "点（或面内一点）的经度，坐标系见上", "Longitude of the point (or a point inside the polygon), in the coordinate system above"),
    "lat": ("纬度", "Latitude", "deg", "点（或面内一点）的纬度，坐标系见上", "Latitude of the point (or a point inside the polygon), in the coordinate system above"),
    # R2 village clinics
    "service_mode": ("服务方式", "Service mode", "", "无卫生室的村的服务方式（巡回医疗、派驻、邻村延伸）", "How a village without a clinic is served (touring, dispatched, neighbour extension)"),
    "nearest_clinic_id": ("最近卫生室代码", "Nearest clinic code", "", "最近标准化村卫生室的代码", "Code of the nearest standardized village clinic"),
    "nearest_clinic": ("最近卫生室", "Nearest clinic", "", "最近标准化村卫生室的名称", "Name of the nearest standardized village clinic"),
    "reachable": ("道路可达", "Reachable by road", "", "是否能沿道路到达卫生室", "Whether a clinic can be reached along roads"),
    "road_snap": ("接入道路", "Road access", "", "村址如何接入道路网", "How the village seat joins the road network"),
    "coverage": ("覆盖方式", "Coverage", "", "本村卫生室、共用邻村卫生室、巡诊等服务或缺口", "Own clinic, shared with a neighbour, served otherwise, or gap"),
    "standardized": ("标准化", "Standardized", "", "是否为标准化村卫生室", "Whether the clinic is standardized"),
    "home_village_id": ("所属村代码", "Home village code", "", "卫生室所在村的代码", "Code of the village the clinic belongs to"),
    "home_village": ("所属村", "Home village", "", "卫生室所在村", "Village the clinic belongs to"),
    "villages_served": ("服务村数", "Villages served", "", "以该卫生室为最近且在距离限值内的村数", "Villages within the limit that have it as their nearest clinic"),
    # R1, R4, R5, R6, R7
    "nearest_facility_id": ("最近机构代码", "Nearest facility code", "", "最近基层医疗机构的代码", "Code of the nearest primary-care facility"),
    "nearest_hospital_id": ("最近医院代码", "Nearest hospital code", "", "最近区级医院或二级以上综合医院的代码", "Code of the nearest district or level-2+ general hospital"),
    "n_centres": ("中心数", "Centres", "", "辖区内乡镇卫生院或社区卫生服务中心数", "Township health centres or community health centres inside"),
    "centres": ("中心", "Centre names", "", "辖区内的中心名称", "Names of the centres inside"),
    "central": ("中心卫生院", "Central", "", "是否为中心乡镇卫生院", "Whether it is a central township health centre"),
    "qualifies": ("需设次中心", "Needs a sub-centre", "", "是否满足设置区域医疗次中心的条件（涉农区，人口或面积较大）", "Whether the district meets the conditions for a regional sub-centre (agricultural, large population or area)"),
    "rank": ("排名", "Rank", "", "按新增覆盖排序的名次", "Rank by residents newly covered"),
    "beds": ("床位数", "Beds", "", "床位数", "Number of beds"),
    "doctors": ("医师数", "Doctors", "staff", "执业（助理）医师数", "Licensed (assistant) doctors"),
    "agricultural": ("涉农区", "Agricultural", "", "是否为涉农区", "Whether the district is agricultural"),
    "district_hospitals": ("区级医院", "District hospitals", "", "区级综合医院名称", "Names of the district general hospitals"),
    "tertiary_hospitals": ("三级能力区级医院", "Hospitals with tertiary capability", "", "达到三级能力的区级医院", "District hospitals with tertiary capability"),
    "tcm_hospitals": ("中医医院", "TCM hospitals", "", "区级中医医院", "District TCM hospitals"),
    "centres_short_staffed": ("人员不足的卫生院数", "Centres short of staff", "", "公共卫生人员不达标的卫生院数", "Health centres below the public-health staffing requirement"),
    "public_health_staff": ("公共卫生人员数", "Public-health staff", "staff", "公共卫生人员数", "Public-health staff"),
    "professional_staff": ("卫生技术人员数", "Health professionals", "staff", "卫生技术人员数", "Health professionals"),
    "committees_in_township": ("居委会数", "Committees in the township", "", "所在乡镇（街道）的居委会数", "Residents' committees in its township"),
    "stations_in_township": ("社区卫生服务站数", "Stations in the township", "", "所在乡镇（街道）的社区卫生服务站数", "Community health stations in its township"),
    "stations_needed": ("应设社区卫生服务站数", "Stations needed", "", "按每3–4个居委会一个站应设的站数", "Stations needed at one per 3–4 committees"),
    "lead": ("牵头医院", "Lead hospital", "", "医共体牵头医院", "Lead hospital of the medical community"),
    "members": ("成员数", "Members", "", "成员机构数", "Member facilities"),
    "member_names": ("成员", "Member names", "", "成员机构名称", "Names of the member facilities"),
    "townships": ("乡镇数", "Townships", "", "成员覆盖的乡镇数", "Townships its members cover"),
    "contiguous": ("连片", "Contiguous", "", "成员所在乡镇是否连成一片", "Whether the members' townships form one contiguous area"),
    # R8 staff within reach
    "gps": ("全科医生数", "GPs", "staff", "全科医生数", "General practitioners"),
    "nurses": ("护士数", "Nurses", "staff", "注册护士数", "Registered nurses"),
    "village_doctors": ("乡村医生数", "Village doctors", "staff", "乡村医生数", "Village doctors"),
    "gps_per_10000": ("可达全科医生", "GPs within reach", "per10k", "按距离衰减计算的每万人可达全科医生数（E2SFCA）", "GPs within reach per 10,000 residents, with distance decay (E2SFCA)"),
    "gps_per_10000_plain": ("辖区全科医生", "GPs in the area", "per10k", "辖区内全科医生数除以常住人口（不计可达性）", "GPs inside the area per 10,000 residents (no travel)"),
    "gps_per_10000_served": ("服务人口全科医生", "GPs per residents served", "per10k", "机构全科医生数除以其服务人口", "The facility's GPs per 10,000 residents it serves"),
    "nurses_per_1000": ("可达护士", "Nurses within reach", "per1k", "按距离衰减计算的每千人可达护士数", "Nurses within reach per 1,000 residents, with distance decay"),
    "nurses_per_1000_served": ("服务人口护士", "Nurses per residents served", "per1k", "机构护士数除以其服务人口", "The facility's nurses per 1,000 residents it serves"),
    "village_doctors_per_1000": ("可达乡村医生", "Village doctors within reach", "per1k", "按距离衰减计算的每千人可达乡村医生数", "Village doctors within reach per 1,000 residents, with distance decay"),
    "village_doctors_per_1000_served": ("服务人口乡村医生", "Village doctors per residents served", "per1k", "卫生室乡村医生数除以其服务人口", "The clinic's village doctors per 1,000 residents it serves"),
    "villages_unknown": ("无法判断村数", "Villages not judged", "", "缺少数据而无法判断的村数", "Villages that cannot be judged for lack of data"),
    "villages_near_border": ("靠近边界村数", "Villages near the border", "", "靠近区域边界、数值可能偏低的村数", "Villages near the border, whose figures may be low"),
    "gp_facilities": ("可达基层机构数", "Facilities with GPs within reach", "", "可达范围内有全科医生的机构数", "Facilities with GPs within reach"),
    "near_border": ("靠近区域边界", "Near the border", "", "是否靠近区域边界（边界外机构未计入）", "Whether near the border (facilities outside are not counted)"),
    "upper_bound": ("为上限值", "Upper bound", "", "数值是否为上限（部分机构缺少人数）", "Whether the figure is an upper bound (some facilities lack counts)"),
    "villages_reached": ("可达村数", "Villages reached", "", "可达范围内的村数", "Villages within reach"),
    "gps_counted": ("辖区全科医生数", "GPs counted", "staff", "辖区内计入的全科医生数", "GPs counted inside the area"),
    "gps_needed": ("需增全科医生数", "GPs needed", "staff", "达到参考值需增加的全科医生数（取整）", "GPs to add to reach the reference (whole)"),
    "gps_gap": ("全科医生缺口", "GP shortfall", "staff", "距参考值的全科医生缺口", "Shortfall of GPs against the reference"),
}
#: Chinese headers of table columns (titles with units; see :data:`COLUMNS`)
HEADERS_ZH: dict[str, str] = {}  # filled below, after column()
#: what each status means, for the About (说明) sheet
STATUS_MEANINGS: dict[str, tuple[str, str]] = {
    "pass": ("符合规则要求", "Meets the rule"),
    "warn": ("基本符合，但需核实或关注（如共用邻村卫生室、巡诊服务、人员偏少）",
             "Meets it with a caveat to check (shared clinic, touring service, few staff …)"),
    "fail": ("不符合规则要求，是规划缺口", "Does not meet the rule: a planning gap"),
    "unknown": ("缺少数据（如人口、人员数），无法检查", "Data missing (population, staff …): cannot be checked"),
    "not_applicable": ("该规则不适用于此单元（如街道不查村卫生室）", "The rule does not apply to this unit"),
}
#: the About (说明) sheet of the Excel export (planning.outputs.export)
ABOUT_WORDS: dict[str, tuple[str, str]] = {
    "about.made": ("导出日期：{date}", "Exported on {date}"),
    "about.rulebook": ("规则册：{name}，版本 {version}", "Rulebook: {name}, version {version}"),
    "about.sources": ("数据来源：", "Data sources:"),
    "about.source": ("• {layer}：{file}", "• {layer}: {file}"),
    "about.statuses": ("状态：", "Statuses:"),
    "about.status": ("• {word}：{meaning}", "• {word}: {meaning}"),
    "about.rounding": ("数字取整：距离到1米，时间到0.1分钟，比例到0.1%，人口到1人，每万人/每千人指标到0.01，人员数到0.1，经纬度到0.000001度。",
                       "Rounding: distances to 1 m, times to 0.1 min, shares to 0.1 %, residents to 1, "
                       "rates per 10,000 / 1,000 to 0.01, staff to 0.1, coordinates to 0.000001°."),
    "about.columns": ("各表的列：", "Columns of each sheet:"),
    "about.sheet": ("表 {name}（{n} 行）", "Sheet {name} ({n} rows)"),
    "about.column": ("    {title}：{meaning}", "    {title}: {meaning}"),
    "about.yes": ("是", "yes"), "about.no": ("否", "no"),
}


#: columns whose values are codes, and the table of their words
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "status": STATUS, "status_before": STATUS, "status_after": STATUS, "coverage": COVERAGE,
    "road_snap": ROAD_SNAP, "kind": KINDS, "service_mode": SERVICE_MODES, "mode": MODES,
}


def _add(table: dict[str, tuple[str, str]]) -> None:
    """Add ``table`` to :data:`STRINGS`; a key defined twice is a mistake."""
    twice = set(table) & set(STRINGS)
    if twice:
        raise KeyError(f"words defined twice: {sorted(twice)}")
    STRINGS.update(table)


_add(RULE_WORDS)
_add(ABOUT_WORDS)
_add({f"{prefix}.{code}": pair for prefix, table in (
    ("status", STATUS), ("kind", KINDS), ("basis", BASIS), ("mode", MODES),
    ("coverage", COVERAGE), ("service_mode", SERVICE_MODES), ("road_snap", ROAD_SNAP))
    for code, pair in table.items()})
_add({
    # exports (planning.outputs.export): the coordinate system note, README.txt, the About sheet
    "export.crs": ("坐标系：{label}经纬度，EPSG:{epsg}。",
                   "Coordinates: {label} longitude/latitude, EPSG:{epsg}."),
    "export.crs_shifted": ("坐标系：{label}经纬度。该坐标系没有 EPSG 代码，文件标注为 EPSG:4326，"
                           "但坐标相对 WGS84 偏移数百米，请勿与 WGS84 数据直接叠加。",
                           "Coordinates: {label} longitude/latitude. It has no EPSG code, so the file "
                           "is labelled EPSG:4326, but positions are shifted by several hundred metres "
                           "from WGS84: do not overlay with WGS84 data."),
    "export.crs.wgs84": ("WGS84（GPS、OpenStreetMap）", "WGS84 (GPS, OpenStreetMap)"),
    "export.crs.cgcs2000": ("CGCS2000（天地图）", "CGCS2000 (Tianditu)"),
    "export.crs.gcj02": ("GCJ-02（高德、腾讯地图）", "GCJ-02 (Amap, Tencent)"),
    "export.crs.bd09": ("BD-09（百度地图）", "BD-09 (Baidu)"),
    "export.layers": ("图层：", "Layers:"),
    "export.layer_rows": ("• {name}: {n} 行", "• {name}: {n} rows"),
    "export.about": ("说明", "About"),
    # the report's maps (planning.outputs.report.figures): legends and labels
    "fig.centre": ('乡镇卫生院/社区卫生服务中心', 'Township / community health centre'),
    "fig.village_gap": ('缺口村（{limit}米内无标准化村卫生室）', 'Village without a clinic within {limit} m'),
    "fig.village_warn": ('需关注（巡诊服务、跨乡镇共用等）', 'Attention (touring service, shared across townships …)'),
    "fig.village_ok": ('有村卫生室的村', 'Village with a clinic'),
    "fig.clinic": ('标准化村卫生室', 'Standardized village clinic'),
    "fig.covered": ('{minutes}分钟{mode}可达范围', 'Reached within {minutes} min ({mode})'),
    "fig.uncovered": ('未覆盖区域', 'Not reached'),
    "fig.village_in": ('覆盖的村（居）', 'Village reached'),
    "fig.village_out": ('未覆盖的村（居）', 'Village not reached'),
    "fig.facility": ('基层医疗卫生机构', 'Primary-care facility'),
    "fig.hard": ('驾车超过{minutes}分钟到达二级以上医院的村', 'Village > {minutes} min drive to a hospital'),
    "fig.easy": ('其他村', 'Other villages'),
    "fig.hospital": ('区级医院/二级以上综合医院', 'District / level-2+ hospital'),
    "fig.candidate": ('次中心候选（序号）', 'Sub-centre candidate (rank)'),
    "fig.before": ('现状', 'Current'),
    "fig.after": ('方案', 'Scenario'),
    "fig.gap_before": ('缺口村（R2或R3）', 'Village in gap (R2 or R3)'),
    "fig.newly_covered": ('新覆盖的村', 'Newly covered village'),
    "fig.still": ('仍未覆盖的村', 'Still in gap'),
    "fig.newly_uncovered": ('新出现缺口的村', 'Newly in gap'),
    "fig.site": ('方案新增/移动机构', 'Proposed site'),
    "fig.outside": ('选定范围以外', 'Outside the selection'),
    "fig.r8_none": ('无法检查', 'Cannot be checked'),
    "fig.r8_centre": ('基层医疗卫生机构（有全科医生）', 'Primary-care facility (GPs)'),
    "fig.r8_village": ('低于参考值的村（圆点大小表示人口）', 'Village below the reference (dot size = residents)'),
    "fig.north": ('北', 'N'),
    "fig.km": ('公里', 'km'),
    "fig.m": ('米', 'm'),
    # the report's file name (planning.outputs.report.build)
    "report.filename": ("评估报告", "report"),
    # the command line (planning.cli): the status table of ``check``
    "cli.columns": ("规则|单元|达标|未达标|需关注|无法检查|不适用|缺口人口|依据|条款",
                    "rule|units|pass|fail|warn|unknown|n/a|residents in gap|basis|clause"),
    "cli.basis.requirement": ("要求", "requirement"),
    "cli.basis.reference": ("参考", "reference"),
    "cli.basis.assumed": ("假设", "assumed"),
})

# ---------------------------------------------------------------- 15d: scenario edits
_add({
    # a scenario's edits (planning.plan.edits.Edit.describe) and its policy warning
    "edit.add": ("新增{kind}：{name}", "Add {kind}: {name}"),
    "edit.with_staff": ("（{staff}）", " ({staff})"),
    "edit.staff": ("机构 {id} 增加{staff}", "Facility {id}: add {staff}"),
    "edit.move": ("移动机构 {id}", "Move facility {id}"),
    "edit.close": ("关闭机构 {id}", "Close facility {id}"),
    "edit.service_mode": ("村 {id} 服务方式设为{mode}", "Village {id}: service mode {mode}"),
    "edit.population": ("村 {id} 人口设为 {n}", "Village {id}: population {n}"),
    "edit.none": ("（无）", "(none)"),
    "edit.staff.gps": ("全科医生{n}名", "{n} GPs"), "edit.staff.gps.one": ("全科医生{n}名", "{n} GP"),
    "edit.staff.nurses": ("护士{n}名", "{n} nurses"), "edit.staff.nurses.one": ("护士{n}名", "{n} nurse"),
    "edit.staff.village_doctors": ("乡村医生{n}名", "{n} village doctors"),
    "edit.staff.village_doctors.one": ("乡村医生{n}名", "{n} village doctor"),
    "edit.keep_existing": ("关闭现有{kind_word}“{name}”：政策要求积极保留原有基层医疗卫生机构，"
                           "已撤销的应重新评估（{clause}）",
                           "Closing the existing {kind_word} {name}: the policy asks to keep existing "
                           "primary-care institutions and to reassess those already closed ({clause})"),
})


# ------------------------------------------------- 15d: the scorecard's sentences for 1 and 0
#: variants of ``say.*`` chosen by :func:`counted` (the count of failing units, of units
#: not applicable for R4/R5's all-clear, of all units for the others' all-clear)
_add({
    "say.R1.fail.one": ("{n} 个乡镇/街道（{pop}）没有乡镇卫生院或社区卫生服务中心",
                        "{n} township/street ({pop}) has no health centre"),
    "say.R1.ok.one": ("全部 {units} 个乡镇/街道都有卫生院或社区卫生服务中心",
                      "The one township/street has a health centre"),
    "say.R2.fail.one": ("{n} 个行政村（{pop}）{km} 公里内没有标准化村卫生室",
                        "{n} village ({pop}) has no standardized clinic within {km} km"),
    "say.R2.ok.one": ("全部 {units} 个行政村 {km} 公里内都有标准化村卫生室",
                      "The one village has a standardized clinic within {km} km"),
    "say.R3.one": ("{share} 的居民{mode} {minutes} 分钟内可达基层医疗卫生机构；{n} 个村居（{pop}）不能",
                   "{share} of residents reach primary care within {minutes} min ({mode}); "
                   "{n} village ({pop}) does not"),
    "say.R3.zero": ("{share} 的居民{mode} {minutes} 分钟内可达基层医疗卫生机构；所有村居都能",
                    "{share} of residents reach primary care within {minutes} min ({mode}); "
                    "every village does"),
    "say.R4.fail.one": ("{n} 个涉农区有居民（{pop}）驾车超过 {minutes} 分钟才能到达区级医院，建议设区域医疗次中心",
                        "{n} agricultural district has residents ({pop}) more than {minutes} min by "
                        "car from a district hospital: consider a regional sub-centre"),
    "say.R4.ok.zero": ("没有需要设置区域医疗次中心的区", "No district needs a regional sub-centre"),
    "say.R5.fail.one": ("{n} 个区缺少三级能力区级医院、二甲中医医院或相关人员配置",
                        "{n} district lacks a tertiary-capable district hospital, a level-2A TCM "
                        "hospital or staff"),
    "say.R5.ok.zero": ("没有区缺少三级能力区级医院或二甲中医医院",
                       "No district lacks a tertiary-capable district hospital or a level-2A TCM hospital"),
    "say.R6.fail.one": ("{n} 个居委会（{pop}）所在乡镇/街道社区卫生服务站不足（每 {per} 个居委会 1 所）",
                        "{n} residents' committee ({pop}) is in a township with too few community "
                        "stations (one per {per} committees)"),
    "say.R6.ok.one": ("全部 {units} 个居委会所在乡镇/街道社区卫生服务站数量达标",
                      "The one residents' committee has enough community stations"),
    "say.R7.fail.one": ("{n} 个卫生院/社区卫生服务中心未纳入有二级以上牵头医院的医共体",
                        "{n} health centre is not in a medical community led by a level-2+ hospital"),
    "say.R7.ok.one": ("全部 {units} 个卫生院/社区卫生服务中心都在医共体内",
                      "The one health centre belongs to a medical community"),
    "say.warn.one": ("另有 {n} 个需关注", "{n} more needs attention"),
})

# ------------------------------------------------- 15d: the rules' sentences for a count of one
#: rule words whose English turns on a count: key -> the field holding it; :func:`t` then
#: uses ``key.one`` when that field is 1 (the Chinese is the same either way)
COUNT_FIELDS: dict[str, str] = {
    "reason.R1.ok_population_partial": "villages_unknown", "reason.R4.hard_villages": "hard_villages",
    "reason.R7.group_far": "far", "reason.R8.area_unknown": "villages_unknown",
    "note.R8.border": "villages", "note.R8.gps_unknown": "n",
}
_add({
    "reason.R1.ok_population_partial.one": (
        "有{centres}；{villages_unknown}个村无人口数据，已知常住人口{population:,.0f}人，无法判断是否超过{threshold:,.0f}人需增设中心",
        "Has {centres}; {villages_unknown} village without population, {population:,.0f} residents "
        "known, so whether more than {threshold:,.0f} call for another centre cannot be judged"),
    "reason.R4.hard_villages.one": (
        "{hard_villages}个村驾车超过{minutes:.0f}分钟才能到达区级医院或二级以上综合医院",
        "{hard_villages} village is more than {minutes:.0f} min by car from a district or level-2+ "
        "general hospital"),
    "reason.R7.group_far.one": ("{far}个成员到牵头医院车程过长", "{far} member too far from the lead hospital"),
    "reason.R8.area_unknown.one": (
        "{villages_unknown}个村无法判断（人口或可达机构的全科医生人数未知）",
        "{villages_unknown} village cannot be judged (residents, or the GP count of a facility in "
        "reach, unknown)"),
    "note.R8.border.one": (
        "{villages}个村的服务范围越过区域边界，边界外的医生不在数据中，这些村的可达数可能偏低（near_border）",
        "{villages} village reaches across the region's border, where doctors are not in the data: "
        "its figures may be low (near_border)"),
    "note.R8.gps_unknown.one": ("{n}所机构缺少全科医生人数（{facilities}），依赖它们的村无法判断",
                                "{n} facility lacks a GP count ({facilities}); the villages that "
                                "depend on it cannot be judged"),
})

# ---------------------------------------------------------------- 15d: the report's sentences
#: the planning report (planning.outputs.report.compose): compose assembles, these word it.
#: ``.one`` / ``.zero`` variants are chosen by :func:`counted` for a count of 1 / 0.
_add({
    "label.straight": ("直线估算", "straight-line estimate"),
    "rep.title": ("{label}基层医疗卫生服务网络评估报告", "Primary health-care network assessment: {label}"),
    "rep.date": ("{y}年{m}月{d}日", "{iso}"),
    "rep.subtitle": ("生成日期：{date}　规则库：{name}（{file}，版本 {version}）",
                     "Date: {date}   Rulebook: {name} ({file}, version {version})"),
    "rep.subtitle.scenario": ("　方案：{name}", "   Scenario: {name}"),
    "rep.figure": ("图{no}  {caption}", "Figure {no}. {caption}"),
    "rep.figure.straight": ("（{label}）", " ({label})"),
    "rep.table": ("表{no}  {caption}", "Table {no}. {caption}"),
    "rep.unknown": ("未知", "unknown"),
    "rep.straight_notice": (
        "{label}：没有道路网，本报告的距离均为直线距离；R3、R4、R7 的出行时间按直线距离 × {factor}"
        "（绕行系数）和各出行方式的速度估算，R2 按直线 1.5 公里半径判断。有道路文件后请重新评估。",
        "{label}: there was no road network, so every distance in this report is a straight line; "
        "R3, R4 and R7 travel times are straight distance × {factor} (detour factor) at each mode's "
        "speed, and R2 uses the straight 1.5 km radius. Assess again with a road file."),
    # 1 data and scope
    "rep.h.data": ("一、数据来源与评估范围", "1. Data and scope"),
    "rep.layer.districts": ("区", "districts"), "rep.layer.townships": ("乡镇（街道）", "townships"),
    "rep.layer.villages": ("村（居）委会", "villages"), "rep.layer.facilities": ("医疗卫生机构", "facilities"),
    "rep.demo": ("演示数据：本报告由工具自带的宝坻区演示数据生成。区划名称与代码、区界和全区常住人口为真实数据；"
                 "乡镇边界、村庄位置与人口、道路和医疗卫生机构均为合成（synthetic）数据。"
                 "报告中的结论不反映宝坻区的实际情况，仅用于演示工具功能。",
                 "DEMO DATA: this report was made from the tool's built-in Baodi demo. Names, codes, the "
                 "district outline and its population are real; township polygons, village positions and "
                 "populations, roads and facilities are SYNTHETIC. Its findings do not describe the real "
                 "Baodi district and serve only to demonstrate the tool."),
    "rep.synthetic": ("注意：输入数据中有{n}条合成（synthetic）记录，相关结论仅供参考，正式上报前请用实际数据替换。",
                      "Note: {n} input rows are synthetic; treat the findings that depend on them as "
                      "illustrative and replace them with real data before submitting."),
    "rep.synthetic.one": ("注意：输入数据中有{n}条合成（synthetic）记录，相关结论仅供参考，正式上报前请用实际数据替换。",
                          "Note: {n} input row is synthetic; treat the findings that depend on it as "
                          "illustrative and replace it with real data before submitting."),
    "rep.sources": ("数据来源与出处（按记录统计）", "Data sources and provenance (rows)"),
    "rep.sources.header": ("图层|文件|记录数|真实|合成|假设|未注明", "layer|file|rows|real|synthetic|assumed|unstated"),
    "rep.assumed": ("“假设”指位置或数值为推定（共{n}条），见数据说明。",
                    "{n} rows are 'assumed': they carry an inferred position or value; see the data notes."),
    "rep.assumed.one": ("“假设”指位置或数值为推定（共{n}条），见数据说明。",
                        "{n} row is 'assumed': it carries an inferred position or value; see the data notes."),
    "rep.roads.none": ("道路网：无。距离和时间为{label}。", "Road network: none. Distances and times are a {label}."),
    "rep.roads": ("道路网：{roads}（OpenStreetMap 格式）。距离和时间沿道路网计算。",
                  "Road network: {roads} (OpenStreetMap format). Distances and times are measured along the roads."),
    "rep.none": ("无", "none"),
    "rep.checks": ("数据检查：{errors}，{warnings}，{notes}。主要问题如下（完整列表见工具界面或 check 命令）：",
                   "Data checks: {errors}, {warnings}, {notes}. The first ones (the full list is in the app or `check`):"),
    "rep.checks.errors": ("{n}条记录被剔除", "{n} rows set aside"),
    "rep.checks.errors.one": ("{n}条记录被剔除", "{n} row set aside"),
    "rep.checks.errors.zero": ("没有记录被剔除", "no row set aside"),
    "rep.checks.warnings": ("{n}条警告", "{n} warnings"), "rep.checks.warnings.one": ("{n}条警告", "{n} warning"),
    "rep.checks.warnings.zero": ("没有警告", "no warning"),
    "rep.checks.notes": ("{n}条提示", "{n} notes"), "rep.checks.notes.one": ("{n}条提示", "{n} note"),
    "rep.checks.notes.zero": ("没有提示", "no note"),
    "rep.scope": ("评估范围：{label}，乡镇级单元{towns}个（{tk}），村级单元{villages}个（{vk}），"
                  "常住人口{pop}人；医疗卫生机构{facilities}所（{fk}）。",
                  "Scope: {label}: {towns} township-level units ({tk}), {villages} village-level units "
                  "({vk}), {pop} residents; {facilities} health facilities ({fk})."),
    "rep.scope.kind": ("{kind}{n}个", "{n} {kind}s"), "rep.scope.kind.one": ("{kind}{n}个", "{n} {kind}"),
    "rep.scope.facility": ("{kind}{n}所", "{n} {kind}s"), "rep.scope.facility.one": ("{kind}{n}所", "{n} {kind}"),
    # 2 findings
    "rep.h.findings": ("二、评估结论", "2. Findings"),
    "rep.selection_only": ("以下数字只统计{label}范围内的单元；R4、R5 按所在区统计。",
                           "The figures count only units inside {label}; R4 and R5 are judged for its district."),
    "rep.scorecard": ("逐条评分（与 check 命令输出一致）", "Scorecard (as printed by `check`)"),
    "rep.scorecard.header": ("规则|内容|依据|单元|达标|未达标|需关注|无法检查|不适用|缺口人口",
                             "rule|requirement|basis|units|pass|fail|attention|cannot check|n/a|residents in gap"),
    # a rule's headline: "{rid} {title}: of {units}, {passed}, {failed}[, …]; {gap}. ({basis}: {clause})"
    "rep.hl": ("{rid} {title}：{units}中，{parts}；{gap}。（{basis}：{clause}）",
               "{rid} {title}: of {units}, {parts}; {gap}. ({basis}: {clause})"),
    "rep.units.R1": ("{n}个乡镇（街道）", "{n} townships and streets"),
    "rep.units.R1.one": ("{n}个乡镇（街道）", "{n} township or street"),
    "rep.units.R2": ("{n}个行政村（村委会）", "{n} village committees"),
    "rep.units.R2.one": ("{n}个行政村（村委会）", "{n} village committee"),
    "rep.units.R3": ("{n}个村（居）委会", "{n} villages and residents' committees"),
    "rep.units.R3.one": ("{n}个村（居）委会", "{n} village or residents' committee"),
    "rep.units.R4": ("{n}个区", "{n} districts"), "rep.units.R4.one": ("{n}个区", "{n} district"),
    "rep.units.R5": ("{n}个区", "{n} districts"), "rep.units.R5.one": ("{n}个区", "{n} district"),
    "rep.units.R6": ("{n}个居委会", "{n} residents' committees"),
    "rep.units.R6.one": ("{n}个居委会", "{n} residents' committee"),
    "rep.units.R7": ("{n}所乡镇卫生院和社区卫生服务中心", "{n} township and community health centres"),
    "rep.units.R7.one": ("{n}所乡镇卫生院和社区卫生服务中心", "{n} township or community health centre"),
    "rep.units.R8": ("{n}个村（居）委会", "{n} villages and residents' committees"),
    "rep.units.R8.one": ("{n}个村（居）委会", "{n} village or residents' committee"),
    "rep.units": ("{n}个单元", "{n} units"), "rep.units.one": ("{n}个单元", "{n} unit"),
    "rep.mw": ("个", ""), "rep.mw.R7": ("所", ""),
    "rep.hl.passed": ("{n}{mw}达标", "{n} pass"), "rep.hl.passed.one": ("{n}{mw}达标", "{n} passes"),
    "rep.hl.failed": ("{n}{mw}未达标", "{n} fail"), "rep.hl.failed.one": ("{n}{mw}未达标", "{n} fails"),
    "rep.hl.warned": ("{n}{mw}需关注", "{n} need attention"), "rep.hl.warned.one": ("{n}{mw}需关注", "{n} needs attention"),
    "rep.hl.na": ("{n}{mw}不适用", "{n} not applicable"),
    "rep.hl.unknown": ("{n}{mw}无法检查{missing}", "{n} cannot be checked{missing}"),
    "rep.hl.gap": ("未达标单元涉及常住人口{n}人", "{n} residents live in failing units"),
    "rep.hl.gap.one": ("未达标单元涉及常住人口{n}人", "{n} resident lives in a failing unit"),
    "rep.hl.gap.zero": ("没有常住人口生活在未达标单元", "no resident lives in a failing unit"),
    "rep.hl.gap.unknown": ("未达标单元涉及的常住人口未知", "the residents of failing units are unknown"),
    "rep.missing_data": ("（缺少人口等数据）", " (data missing)"),
    "rep.missing_columns": ("（缺少列：{names}）", " (missing column: {names})"),
    "rep.hl.R8": ("R8 {title}：{units}中，{passed}个可达全科医生达到每万人{target}名，{below}个低于这一参考值"
                  "（涉及常住人口{pop}人）{unknown}。（{basis}：{clause}）",
                  "R8 {title}: of {units}, {passed} reach at least {target} GPs per 10,000 residents, "
                  "{below} are below this reference ({pop} residents){unknown}. ({basis}: {clause})"),
    "rep.hl.R8.unknown": ("，{n}个无法检查", ", {n} cannot be checked"),
    "rep.r8.method": (
        "计算方法：每个基层医疗卫生机构的全科医生数，除以其{mode}{minutes}分钟范围内按远近加权的常住人口；"
        "一个村可达的各机构比值按同样权重相加，就是“可达范围内每万人拥有的全科医生数”（两步移动搜索法 E2SFCA）；"
        "按人口加权的平均值等于全科医生总数÷常住人口。参考值每万人{target}名是全市目标（{clause}），"
        "低于参考值为“需关注”，不判定未达标。",
        "How it is counted: each primary-care facility's GPs are divided by the residents within "
        "{minutes} minutes ({mode}) of it, nearer residents weighing more; a village adds up the "
        "shares of the facilities it reaches, weighted the same way: 'GPs per 10,000 residents "
        "within reach' (the enhanced two-step floating catchment area, E2SFCA), whose "
        "population-weighted mean equals GPs ÷ residents. The reference of {target} per 10,000 is "
        "the city-wide target ({clause}): below it is 'attention', never a failure."),
    "rep.r8.region": ("{label}：可达全科医生人口加权平均每万人{within}名，辖区内全科医生每万人{plain}名；{towns}，"
                      "达到参考值共需再可达全科医生{needed}名（按乡镇分别计算）。",
                      "{label}: {within} GPs per 10,000 within reach (population-weighted), {plain} per "
                      "10,000 inside; {towns}, and {needed} more GPs within reach would bring each to "
                      "the reference (counted township by township)."),
    "rep.r8.towns": ("需关注乡镇（街道）{n}个", "{n} townships need attention"),
    "rep.r8.towns.one": ("需关注乡镇（街道）{n}个", "{n} township needs attention"),
    "rep.r8.towns.zero": ("没有需关注的乡镇（街道）", "no township needs attention"),
    "rep.r8.border": ("{n}个村的服务范围越过区域边界，边界外的医生不在数据中。",
                      "{n} villages reach across the region's border, where doctors are not in the data."),
    "rep.r8.border.one": ("{n}个村的服务范围越过区域边界，边界外的医生不在数据中。",
                          "{n} village reaches across the region's border, where doctors are not in the data."),
    "rep.r8.table": ("各乡镇（街道）可达全科医生（每万人）", "GPs per 10,000 within reach, by township"),
    "rep.r8.table.header": ("乡镇（街道）|常住人口|可达（每万人）|辖区内（每万人）|低于参考值人口|需再可达全科医生|状态",
                            "township|residents|within reach|inside|residents below|more GPs needed|status"),
    # 3 rule by rule
    "rep.h.rules": ("三、分项评估", "3. Rule by rule"),
    "rep.note": ("说明：{text}", "Note: {text}"),
    "rep.failing": ("未达标：{names}。", "Failing: {names}."),
    "rep.names_more": ("等{n}个", " and {more} more"),
    "rep.attention": ("需关注：{name}——{reason}。", "Attention: {name} — {reason}."),
    "rep.measure.road": ("道路距离", "road distance"), "rep.measure.straight": ("直线距离", "straight distance"),
    "rep.r2.coverage": ("按{measure}{limit}米计：{own}，{shared}，{served}，{gap}。",
                        "By {measure} within {limit} m: {own}, {shared}, {served}, {gap}."),
    "rep.r2.own": ("本村有卫生室{n}个", "{n} villages have their own clinic"),
    "rep.r2.own.one": ("本村有卫生室{n}个", "{n} village has its own clinic"),
    "rep.r2.shared": ("与邻村共用{n}个", "{n} share a neighbour's"),
    "rep.r2.shared.one": ("与邻村共用{n}个", "{n} shares a neighbour's"),
    "rep.r2.served": ("由巡诊、派驻或邻村延伸服务{n}个", "{n} are served by touring, dispatched staff or neighbour extension"),
    "rep.r2.served.one": ("由巡诊、派驻或邻村延伸服务{n}个", "{n} is served by touring, dispatched staff or neighbour extension"),
    "rep.r2.gap": ("缺口{n}个", "{n} are gaps"), "rep.r2.gap.one": ("缺口{n}个", "{n} is a gap"),
    "rep.r3.share": ("{mode}{minutes}分钟内可到达基层医疗卫生机构的常住人口占{share}（{within}/{total}人）。",
                     "{share} of residents ({within} of {total}) reach a primary-care facility within "
                     "{minutes} minutes ({mode})."),
    "rep.unit_reason": ("{name}：{reason}", "{name}: {reason}"),
    "rep.suggested": ("。建议：{action}", ". Suggested: {action}"),
    "rep.end": ("。", "."),
    "rep.candidate": ("次中心候选{rank}：{name}——{reason}。", "Sub-centre candidate {rank}: {name} — {reason}."),
    "rep.gps_ratio": ("全科医生每万人{value}名（全市目标{target}名，仅作参考）。",
                      "General practitioners: {value} per 10,000 residents (city-wide target {target}; a reference only)."),
    "rep.nurse_ratio": ("护士每千人{value}名（全市2025年目标{t2025}名，2027年{t2027}名，仅作参考）。",
                        "Nurses: {value} per 1,000 residents (city-wide targets {t2025} in 2025, {t2027} in 2027; "
                        "a reference only)."),
    "rep.cap.R1": ("各乡镇（街道）乡镇卫生院/社区卫生服务中心设置情况（R1）", "Townships by health-centre compliance (R1)"),
    "rep.cap.R2": ("{limit}米内没有标准化村卫生室的行政村（R2，圆点大小表示人口）",
                   "Village committees without a standardized clinic within {limit} m (R2; dot size = residents)"),
    "rep.cap.R3": ("{minutes}分钟健康服务圈覆盖情况（R3，{mode}）", "{minutes}-minute health service circle (R3, {mode})"),
    "rep.cap.R8": ("{mode}{minutes}分钟内可达的全科医生（R8，每万人；参考值{target}）",
                   "GPs per 10,000 within {minutes} min ({mode}) (R8; reference {target})"),
    "rep.cap.R4": ("区域医疗次中心候选与驾车{minutes}分钟以上难以到达医院的村（R4）",
                   "Sub-centre candidates and villages more than {minutes} min drive from a hospital (R4)"),
    # 4 scenario
    "rep.h.scenario": ("四、方案比较：{name}", "4. Scenario: {name}"),
    "rep.edits": ("方案调整：{edits}", "Edits: {edits}"),
    "rep.before_after": ("方案前后对比（现状 → 方案）", "Before and after (current → scenario)"),
    "rep.before_after.header": ("规则|未达标单元|缺口人口|新达标单元|新覆盖人口|新增缺口单元|新增缺口人口",
                                "rule|failing units|residents in gap|newly covered units|residents newly "
                                "covered|newly failing units|residents newly in gap"),
    "rep.delta": ("{rid}：未达标单元由{failed_before}个变为{failed_after}个，缺口人口由{gap_before}人变为{gap_after}人，"
                  "新覆盖{covered}人。",
                  "{rid}: failing units {failed_before} → {failed_after}, residents in gap {gap_before} → "
                  "{gap_after}, {covered} residents newly covered."),
    "rep.delta.R8": ("R8：低于全科医生参考值的人口由{before}人变为{after}人。",
                     "R8: residents below the GP reference {before} → {after}."),
    "rep.warning": ("提示：{text}", "Warning: {text}"),
    "rep.edit.add": ("新增", "add"), "rep.edit.move": ("移动", "move"),
    "rep.sites": ("方案新增/移动机构位置（WGS84 与 GCJ-02 坐标）", "Proposed sites (WGS84 and GCJ-02 coordinates)"),
    "rep.sites.header": ("名称|类型|操作|经度 WGS84|纬度 WGS84|经度 GCJ-02|纬度 GCJ-02",
                         "name|kind|edit|lon WGS84|lat WGS84|lon GCJ-02|lat GCJ-02"),
    "rep.sites.crs": ("WGS84 用于 GPS 和 GIS 软件；GCJ-02 用于高德、腾讯地图。",
                      "WGS84 is for GPS and GIS software; GCJ-02 for Amap and Tencent maps."),
    "rep.sites.none": ("方案没有新增或移动机构。", "The scenario adds or moves no facility."),
    "rep.cap.scenario": ("方案前后缺口村对比（R2、R3）", "Villages in gap before and after (R2, R3)"),
    # 5 gaps by township
    "rep.r6_row": ("{n}个居委会", "{n} residents' committees"), "rep.r6_row.one": ("{n}个居委会", "{n} residents' committee"),
    "rep.r6_names": ("（{names}）", " ({names})"),
    "rep.h.gaps": ("{number}、各乡镇（街道）缺口与建议措施", "{number}. Gaps and suggested actions by township"),
    "rep.h.gaps.number": ("四", "4"), "rep.h.gaps.number.scenario": ("五", "5"),
    "rep.h.district": ("区级", "District level"),
    "rep.district_gaps": ("区级缺口", "District-level gaps"),
    "rep.gaps_note": ("以下按乡镇（街道）列出未达标的单元（R1、R2、R3、R6、R7）及建议措施；“人口”为该单元常住人口，"
                      "R6 按乡镇（街道）合并为一行。同一村可能同时出现在 R2 和 R3 中。",
                      "Failing units by township (R1, R2, R3, R6, R7) with suggested actions; 'residents' are "
                      "the unit's residents; R6 is one row per township. A village may appear under both R2 "
                      "and R3. Reasons and actions are quoted as the rules word them."),
    "rep.h.town": ("{name}（{n}项缺口）", "{name} ({n} gaps)"), "rep.h.town.one": ("{name}（{n}项缺口）", "{name} ({n} gap)"),
    "rep.town_gaps": ("{name}缺口清单", "Gaps in {name}"),
    "rep.clean": ("没有未达标单元的乡镇（街道）：{names}。", "Townships without failing units: {names}."),
    "rep.gaps.header": ("规则|单元|人口|问题|建议措施", "rule|unit|residents|finding|suggested action"),
    # appendix
    "rep.h.appendix": ("附录　规则参数", "Appendix. Rulebook values used"),
    "rep.rulebook": ("规则库：{name}（{file}，版本 {version}）", "Rulebook: {name} ({file}, version {version})"),
    "rep.rulebook.values": ("规则参数（*表示与默认值不同）", "Rulebook values (* differs from the default)"),
    "rep.rulebook.header": ("参数|取值|默认值|依据|条款|说明", "key|value|default|basis|clause|meaning"),
    "rep.policies": ("引用的政策文件：", "Policy documents cited:"),
    "rep.yes": ("是", "yes"), "rep.no": ("否", "no"),
})


def colon(lang: str) -> str:
    """The colon between a label and its text: ``：`` in Chinese, ``": "`` in English."""
    return "：" if lang == "zh" else ": "


def semicolon(lang: str) -> str:
    """The separator of the parts of one sentence: ``；`` in Chinese, ``"; "`` in English."""
    return "；" if lang == "zh" else "; "


def t(key: str, lang: str = "zh", **fields) -> str:
    """The string ``key`` in ``lang`` (``"zh"`` or ``"en"``), with ``fields`` filled in.

    An unknown key comes back as itself (visible, never an exception).
    """
    pair = STRINGS.get(key)
    if pair is None:
        return key
    if key in COUNT_FIELDS and _is_one(fields.get(COUNT_FIELDS[key])):
        pair = STRINGS.get(key + ".one", pair)
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**fields) if fields else text


def counted(key: str, n, lang: str = "zh", **fields) -> str:
    """The string ``key`` for a count ``n``, singular, plural and zero reading well:
    ``key.zero`` when ``n`` is 0 and ``key.one`` when it is 1 (where those exist), else
    ``key``; ``{n}`` is the count with thousands commas.

    >>> counted("rep.units.R4", 1, "en"), counted("rep.units.R4", 2, "en")
    ('1 district', '2 districts')
    >>> counted("rep.hl.gap", 0, "en")
    'no resident lives in a failing unit'
    """
    value = int(round(float(n)))
    for variant, when in ((".zero", value == 0), (".one", value == 1)):
        if when and key + variant in STRINGS:
            return t(key + variant, lang, n=f"{value:,}", **fields)
    return t(key, lang, n=f"{value:,}", **fields)


def listing(items, lang: str = "zh", most: int | None = None) -> str:
    """Names or words as one list in ``lang``: joined with ``、`` / ``, ``; with ``most``,
    the first ``most`` and ``…`` when there are more.

    >>> listing(["a.csv", "b.csv"], "en"), listing(["甲", "乙", "丙"], "zh", most=2)
    ('a.csv, b.csv', '甲、乙…')
    """
    items = [str(v) for v in items]
    shown = items if most is None else items[:most]
    return ("、" if lang == "zh" else ", ").join(shown) + ("…" if len(shown) < len(items) else "")


def _is_one(value) -> bool:
    try:
        return float(value) == 1
    except (TypeError, ValueError):
        return False


def field_label(layer: str, name: str, lang: str = "zh") -> str:
    """A field of the tool's data model in words: ``name`` of ``facilities`` -> 名称 / name."""
    key = f"field.{layer}.{name}" if f"field.{layer}.{name}" in STRINGS else f"field.{name}"
    return t(key, lang) if key in STRINGS else name


def field_help(layer: str, name: str, lang: str = "zh") -> str:
    """What a field holds (for the column mapping), or ``""``."""
    for key in (f"field_help.{layer}.{name}", f"field_help.{name}"):
        if key in STRINGS:
            return t(key, lang)
    return ""


def status_word(status: str, lang: str = "zh") -> str:
    """达标 / 未达标 / 需关注 / 不适用, or Pass / Fail / Attention / N/A."""
    return pair_word(STATUS, status, lang)


def people(n, lang: str = "zh", unit: bool = False) -> str:
    """Residents as a whole number with thousands commas, or 未知 / unknown (None, NaN);
    with ``unit``: "44,524 人" / "44,524 residents", or 人数未知 / "residents unknown"."""
    try:
        value = float(n)
    except (TypeError, ValueError):
        value = float("nan")
    if value != value:
        return t("people.n_unknown" if unit else "people.unknown", lang)
    text = f"{int(round(value)):,}"
    return t("people.n", lang, n=text) if unit else text


def kind_name(kind: str, lang: str = "zh", sentence: bool = False) -> str:
    """A facility, village or township kind (``"village_clinic"`` -> 村卫生室 / Village
    clinic); ``sentence``: as inside a sentence (village clinic, TCM hospital)."""
    word = pair_word(KINDS, kind, lang)
    return _in_sentence(word) if sentence and lang == "en" else word


def pair_word(table: dict[str, tuple[str, str]], key: str, lang: str = "zh") -> str:
    """A word from one of the small tables (:data:`STATUS`, :data:`KINDS`, :data:`BASIS`,
    :data:`MODES`, :data:`COVERAGE`, …); an unknown key comes back as itself."""
    pair = table.get(str(key))
    return str(key) if pair is None else pair[1] if lang == "en" else pair[0]


def rule_title(result, lang: str = "zh") -> str:
    """A rule's title in ``lang`` (from the rulebook)."""
    return result.title_en if lang == "en" else result.title_zh


def column(name: str, lang: str = "zh") -> str:
    """A table header, with its unit, as every table shows it (app, Excel, CSV, KML, GeoPackage
    aliases): ``clinic_road_m`` -> 到卫生室道路距离(米) / Road distance to clinic (m);
    ``population`` -> 常住人口(人) / Residents. A column outside :data:`COLUMNS` keeps its
    name in Chinese and is spelled out in English (``change`` -> Change)."""
    entry = COLUMNS.get(name)
    if entry is None:
        return name if lang == "zh" else name.replace("_", " ").capitalize()
    zh, en, unit = entry[:3]
    if lang == "zh":
        return f"{zh}({UNITS[unit][0]})" if unit else zh
    return f"{en} ({UNITS[unit][1]})" if unit not in ("", "residents", "staff") else en


def column_meaning(name: str, lang: str = "zh") -> str:
    """What a column holds (the About sheet), or ``""`` for a column outside :data:`COLUMNS`."""
    entry = COLUMNS.get(name)
    return "" if entry is None else entry[4] if lang == "en" else entry[3]


HEADERS_ZH.update({name: column(name, "zh") for name in COLUMNS})


def value_word(column_name: str, value, lang: str = "zh"):
    """The word for a coded value of a column of :data:`VALUES` (``status`` ``"fail"`` ->
    未达标 / Fail); other values come back as they are."""
    table = VALUES.get(column_name)
    if table is None or not isinstance(value, str) or value not in table:
        return value
    return pair_word(table, value, lang)


def level_word(level, lang: str = "zh") -> str:
    """A hospital level as written (三级甲等, 二甲) or in English (level 3A, level 2A)."""
    text = str(level)
    if lang != "en" or not _CJK.search(text) or not _LEVEL.fullmatch(text):
        return text
    out = "".join(_LEVEL_EN.get(ch, ch) for ch in text)
    return "level " + re.sub(r"\s+", "", out)


_LEVEL_EN = {"三": "3", "二": "2", "一": "1", "甲": "A", "乙": "B", "丙": "C", "级": "", "等": ""}
_CJK = re.compile(r"[\u3400-\u9fff]")
_LEVEL = re.compile(r"[一二三甲乙丙级等\s]+")


def _in_sentence(word: str) -> str:
    """'Township health centre' -> 'township health centre'; acronyms stay (TCM hospital)."""
    if len(word) > 1 and word[0].isupper() and not word[1].isupper():
        return word[0].lower() + word[1:]
    return word


# --------------------------------------------------------------------------- rule units

#: the columns a rule's units carry for words rendered later
CODE_COLUMNS = ("reason_code", "action_code", "params")


def field_text(name: str, value, lang: str = "zh"):
    """One field of a coded message in ``lang``.

    A field named ``*_word`` holds a key of :data:`STRINGS` (``"kind.village_clinic"``,
    ``"mode.walk"``): its word, as inside a sentence. ``level`` is a hospital level
    (:func:`level_word`). A list is a list of names, joined (``、`` / ``, ``). Anything
    else (numbers, names from the input data) is used as it is.
    """
    if name.endswith("_word"):
        word = t(str(value), lang)
        return _in_sentence(word) if lang == "en" else word
    if name == "level":
        return level_word(value, lang)
    if isinstance(value, (list, tuple)):
        return listing(value, lang)
    return value


def coded_text(prefix: str, codes, params, lang: str = "zh") -> str:
    """The sentence of a unit's ``reason_code`` (``prefix="reason"``) or ``action_code``
    (``"action"``) with its ``params``, in ``lang``.

    Several codes joined by ``;`` are the parts of one sentence (``；`` / ``; ``); an empty
    or missing code is no text (``""``).
    """
    if not isinstance(codes, str) or not codes:
        return ""
    if type(params) is dict:
        values = tuple(params.values())
        kinds = tuple(map(type, values))
        # plain values only, 1 / 1.0 / True told apart by their types; 0.0 and -0.0 (equal,
        # written apart), lists and other values are rendered afresh
        if _PLAIN.issuperset(kinds) and 0 not in values:
            return _memo_coded_text(prefix, codes, tuple(params), values, kinds, lang)
    return _coded_text(prefix, codes, params, lang)


#: distinct sentences kept by :func:`coded_text` (a city map renders about 20,000 rows;
#: a what-if click's map renders mostly the same rows again)
CODED_TEXT_MEMO = 1 << 16
#: the types of the params values :func:`coded_text` remembers
_PLAIN = frozenset({str, int, float, bool, type(None)})


@functools.lru_cache(maxsize=CODED_TEXT_MEMO)
def _memo_coded_text(prefix: str, codes: str, names: tuple, values: tuple, kinds: tuple,
                     lang: str) -> str:
    return _coded_text(prefix, codes, dict(zip(names, values)), lang)


def _coded_text(prefix: str, codes: str, params, lang: str) -> str:
    fields = {k: field_text(k, v, lang) for k, v in (params or {}).items()}
    parts = [t(f"{prefix}.{code}", lang, **fields) for code in codes.split(";")]
    text = semicolon(lang).join(parts)
    return text[:1].upper() + text[1:] if lang == "en" else text


def render_units(frame: pd.DataFrame, lang: str = "zh", keep_params: bool = False) -> pd.DataFrame:
    """A rule's units (or any layer of one) with their words, in ``lang``.

    Rules write codes and numbers: ``reason_code`` and ``action_code`` (keys of
    :data:`RULE_WORDS`) with a ``params`` dict per row. This writes the sentences as
    ``reason`` and ``action`` (replacing any there, else placed where the codes are, the
    codes kept after them) and drops ``params`` unless ``keep_params``. Every output — exports, maps,
    the report, the CLI — renders a table through here; a table without codes comes back
    unchanged (a copy).

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        Any CRS; kept.
    lang : {"zh", "en"}
    keep_params : bool
        Keep the ``params`` column (to render again later in another language).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A new frame of the same type.
    """
    out = frame.copy()
    codes = [c for c in ("reason_code", "action_code") if c in out]
    if codes:
        params = out["params"] if "params" in out else pd.Series(None, index=out.index, dtype=object)
        for c in codes:
            name = c[:-5]
            text = [coded_text(name, code, p, lang) for code, p in zip(out[c], params)]
            if name in out:
                out[name] = text
            else:
                out.insert(list(out.columns).index(c), name, text)
        if not keep_params:
            out = out.drop(columns=[c for c in ("params",) if c in out])
    return out
