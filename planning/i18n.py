"""Every word the app shows, in Chinese (``zh``, the default) and English (``en``).

One place for labels, legends, table headers, status words and messages: the app and
the map builder ask :func:`t` for a string by key, :func:`status_word` for a status
(达标 / 未达标 / 需关注 / 不适用), :func:`kind_name` for a facility/village/township kind
and :func:`column` for a table header.

>>> t("view.map", "zh"), t("view.map", "en")
('地图', 'Map')
>>> status_word("fail", "zh")
'未达标'
"""

from __future__ import annotations

from planning.schema import FACILITY_KIND_ZH, TOWNSHIP_KIND_ZH, VILLAGE_KIND_ZH

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
STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "warn": "#ef8f00",
                  "unknown": "#6a1b9a", "not_applicable": "#9e9e9e"}
#: light backgrounds for table cells
STATUS_BACKGROUNDS = {"pass": "#e8f5e9", "fail": "#ffebee", "warn": "#fff3e0",
                      "unknown": "#f3e5f5", "not_applicable": "#f5f5f5"}

#: GPs within reach as a share of the reference -> colour (R8): a diverging scale whose
#: break is the reference itself (map, report)
R8_BINS: tuple[tuple[float, str], ...] = ((0.5, "#b2182b"), (0.75, "#ef8a62"), (1.0, "#fddbc7"),
                                         (1.5, "#67a9cf"), (float("inf"), "#2166ac"))


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
    "special": "Special unit", "township": "Township (town)", "street": "Street",
}
_KIND_ZH = {k.value: v for m in (FACILITY_KIND_ZH, VILLAGE_KIND_ZH, TOWNSHIP_KIND_ZH)
            for k, v in m.items()}

BASIS = {"requirement": ("政策要求", "Requirement"), "reference": ("参考基准", "Reference standard"),
         "assumed": ("默认假设", "Assumption")}
MODES = {"walk": ("步行", "Walking"), "ebike": ("电动自行车", "E-bike"), "drive": ("驾车", "Driving")}
COVERAGE = {"own": ("本村卫生室", "Own clinic"), "shared": ("共用卫生室", "Shared clinic"),
            "served": ("巡诊等方式服务", "Served by touring etc."), "gap": ("缺口", "Gap")}

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
    "basemap.gcj_refused": ("{name}底图使用 GCJ-02 加密坐标，与本工具的 WGS84 图层相差数百米，"
                            "已停用。请使用天地图（CGCS2000，与 WGS84 相差仅厘米级）或不使用底图。",
                            "{name} tiles use GCJ-02 (shifted) coordinates, hundreds of metres off "
                            "this tool's WGS84 layers, so they are not shown. Use Tianditu "
                            "(CGCS2000, centimetres from WGS84) or no basemap."),
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
    "say.unknown": ("另有 {n} 个无法检查（缺少人口等数据）", "{n} more cannot be checked (data missing)"),
    "score.unknown": ("无法检查", "Cannot be checked"),
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
    "say.unknown": ("{n} 个无法检查", "{n} cannot be checked"),
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
    "map.assets_missing": ("地图组件（Leaflet）尚未安装：请运行 `npm ci && python -m planning._assets`"
                           "（`make` 会自动完成）。缺少：{files}",
                           "The map library (Leaflet) is not installed: run `npm ci && python -m "
                           "planning._assets` (`make` does it). Missing: {files}"),
    "map.clicked": ("已选：{name}", "Selected: {name}"),
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
    "legend.served": ("巡诊等方式服务", "Served by touring etc."),
    "legend.townships": ("乡镇/街道综合情况", "Township overall status"),
    "legend.facilities": ("机构类型", "Facility kinds"),
    "measure.road": ("道路距离", "road distance"),
    "measure.straight": ("直线距离", "straight line"),
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
    "up.intro": ("上传乡镇/街道（面）、村居（点）、医疗卫生机构（点）三个文件，道路网可选（.osm/.osm.pbf）。"
                 "支持 GeoPackage、Shapefile（zip）、GeoJSON、CSV、Excel。",
                 "Upload townships (polygons), villages (points) and facilities (points); a road "
                 "network (.osm/.osm.pbf) is optional. GeoPackage, zipped Shapefile, GeoJSON, CSV "
                 "and Excel are read."),
    "up.townships": ("乡镇/街道", "Townships"),
    "up.villages": ("村居", "Villages"),
    "up.facilities": ("医疗卫生机构", "Facilities"),
    "up.roads": ("道路网（可选）", "Road network (optional)"),
    "up.crs": ("坐标系（经纬度）", "Coordinate system (lon/lat)"),
    "up.columns": ("列名对应（表头不规范时）", "Column mapping (unusual headers)"),
    "up.column_for": ("“{header}”对应", "'{header}' means"),
    "up.ignore": ("（自动识别）", "(automatic)"),
    "up.preview": ("预览", "Preview"),
    "up.loaded": ("{layer}：读入 {n} 行", "{layer}: {n} rows loaded"),
    "up.set_aside": ("被搁置的行及原因", "Rows set aside, and why"),
    "up.problems": ("提示", "Notes"),
    "up.kinds": ("根据名称推断的机构类型", "Facility kinds inferred from names"),
    "up.need": ("请上传乡镇/街道、村居和医疗卫生机构三个文件。", "Upload the townships, villages and facilities files."),
    "up.no_roads": ("没有道路网：R2 只能用直线距离，R3/R4/R7 需要道路网。请上传 .osm/.osm.pbf 文件。",
                    "No road network: R2 can only use straight distances; R3, R4 and R7 need roads. "
                    "Upload a .osm/.osm.pbf file."),
    "up.run": ("用这些数据检查", "Check with these data"),
    "up.error": ("无法使用该文件：", "This file cannot be used:"),
    "up.too_big": ("文件 {name} 太大（{mb:.0f} MB，上限 {limit} MB）", "{name} is too large ({mb:.0f} MB; limit {limit} MB)"),
    "up.zip_bad": ("压缩包 {name} 不安全或已损坏：{why}", "The zip {name} is unsafe or broken: {why}"),
    "up.gcj_suspect": ("这些机构坐标看起来是 GCJ-02（高德/腾讯）坐标：它们普遍偏离道路约 {m} 米，方向一致。是否按 GCJ-02 转换？",
                       "These look like GCJ-02 coordinates (Amap/Tencent): facilities sit a consistent "
                       "~{m} m off the roads. Convert them from GCJ-02?"),
    "up.gcj_convert": ("按 GCJ-02 转换", "Convert from GCJ-02"),
    "up.using": ("正在使用上传的数据：{name}", "Using the uploaded data: {name}"),
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
}


def t(key: str, lang: str = "zh", **fields) -> str:
    """The string ``key`` in ``lang`` (``"zh"`` or ``"en"``), with ``fields`` filled in.

    An unknown key comes back as itself (visible, never an exception).
    """
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**fields) if fields else text


def status_word(status: str, lang: str = "zh") -> str:
    """达标 / 未达标 / 需关注 / 不适用, or Pass / Fail / Attention / N/A."""
    pair = STATUS.get(str(status))
    return str(status) if pair is None else pair[1] if lang == "en" else pair[0]


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


def kind_name(kind: str, lang: str = "zh") -> str:
    """A facility, village or township kind (``"village_clinic"`` -> 村卫生室)."""
    if lang == "en":
        return _KIND_EN.get(str(kind), str(kind))
    return _KIND_ZH.get(str(kind), str(kind))


def pair_word(table: dict[str, tuple[str, str]], key: str, lang: str = "zh") -> str:
    """A word from one of the small tables (:data:`BASIS`, :data:`MODES`, :data:`COVERAGE`)."""
    pair = table.get(str(key))
    return str(key) if pair is None else pair[1] if lang == "en" else pair[0]


def rule_title(result, lang: str = "zh") -> str:
    """A rule's title in ``lang`` (from the rulebook)."""
    return result.title_en if lang == "en" else result.title_zh


def column(name: str, lang: str = "zh") -> str:
    """A table header: Chinese from the export headers, English from the column name."""
    if lang == "zh":
        from planning.export import HEADERS_ZH

        return HEADERS_ZH.get(name, _EXTRA_HEADERS_ZH.get(name, name))
    return name.replace("_", " ").capitalize().replace(" m", " (m)").replace("Km2", "km²")


_EXTRA_HEADERS_ZH = {
    "drive_minutes_to_hospital": "到医院车程(分钟)", "drive_minutes_to_lead": "到牵头医院车程(分钟)",
    "hard_to_reach_residents": "难以覆盖人口", "district_population": "区常住人口",
    "qualifies": "符合条件", "newly_within": "新增覆盖人口", "villages_newly_within": "新增覆盖村数",
    "minutes_saved": "平均节省(分钟)", "n_centres": "中心数", "centres": "中心",
    "committees_in_township": "居委会数", "stations_in_township": "社区卫生服务站数",
    "contiguous": "连片", "townships": "乡镇数", "lead": "牵头医院", "mode": "出行方式",
    "minutes": "分钟", "overall": "综合", "rule": "规则",
}
