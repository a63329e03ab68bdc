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
    "not_applicable": ("不适用", "N/A"),
}
STATUS_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "warn": "#ef8f00",
                  "not_applicable": "#9e9e9e"}
#: light backgrounds for table cells
STATUS_BACKGROUNDS = {"pass": "#e8f5e9", "fail": "#ffebee", "warn": "#fff3e0",
                      "not_applicable": "#f5f5f5"}

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
                     "常住人口 {population} 人", "{townships} townships/streets, {villages} "
                     "villages, {facilities} facilities, {population} residents"),
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
    # plain-language sentences: fail / all-pass variants
    "say.R1.fail": ("{n} 个乡镇/街道（{pop} 人）没有乡镇卫生院或社区卫生服务中心",
                    "{n} townships/streets ({pop} residents) have no health centre"),
    "say.R1.ok": ("全部 {units} 个乡镇/街道都有卫生院或社区卫生服务中心",
                  "All {units} townships/streets have a health centre"),
    "say.R2.fail": ("{n} 个行政村（{pop} 人）{km} 公里内没有标准化村卫生室",
                    "{n} villages ({pop} residents) have no standardized clinic within {km} km"),
    "say.R2.ok": ("全部 {units} 个行政村 {km} 公里内都有标准化村卫生室",
                  "All {units} villages have a standardized clinic within {km} km"),
    "say.R3": ("{share} 的居民{mode} {minutes} 分钟内可达基层医疗卫生机构；{n} 个村居（{pop} 人）不能",
               "{share} of residents reach primary care within {minutes} min ({mode}); "
               "{n} villages ({pop} residents) do not"),
    "say.R4.fail": ("{n} 个涉农区有 {pop} 名居民驾车超过 {minutes} 分钟才能到达区级医院，建议设区域医疗次中心",
                    "{n} agricultural districts have {pop} residents more than {minutes} min by car "
                    "from a district hospital: consider a regional sub-centre"),
    "say.R4.ok": ("没有需要设置区域医疗次中心的区（{na} 个区不适用）",
                  "No district needs a regional sub-centre ({na} not applicable)"),
    "say.R5.fail": ("{n} 个区缺少三级能力区级医院、二甲中医医院或相关人员配置",
                    "{n} districts lack a tertiary-capable district hospital, a level-2A TCM "
                    "hospital or staff"),
    "say.R5.ok": ("没有区缺少三级能力区级医院或二甲中医医院（{na} 个区不适用）",
                  "No district lacks a tertiary-capable district hospital or a level-2A TCM hospital "
                  "({na} N/A)"),
    "say.R6.fail": ("{n} 个居委会（{pop} 人）所在乡镇/街道社区卫生服务站不足（每 {per} 个居委会 1 所）",
                    "{n} residents' committees ({pop} residents) are in townships with too few "
                    "community stations (one per {per} committees)"),
    "say.R6.ok": ("全部 {units} 个居委会所在乡镇/街道社区卫生服务站数量达标",
                  "All {units} residents' committees have enough community stations"),
    "say.R7.fail": ("{n} 个卫生院/社区卫生服务中心未纳入有二级以上牵头医院的医共体",
                    "{n} health centres are not in a medical community led by a level-2+ hospital"),
    "say.R7.ok": ("全部 {units} 个卫生院/社区卫生服务中心都在医共体内",
                  "All {units} health centres belong to a medical community"),
    "say.warn": ("另有 {n} 个需关注", "{n} more need attention"),
    "say.none": ("没有可检查的单元", "Nothing to check"),
    # applicability
    "applies.R1": ("适用：{towns} 个乡镇、{streets} 个街道", "Applies: {towns} towns, {streets} streets"),
    "applies.R2": ("适用：{n} 个行政村（村委会）", "Applies: {n} village committees"),
    "applies.R2.none": ("不适用：没有行政村（村委会）", "Does not apply: no village committees"),
    "applies.R3": ("适用：全部 {n} 个村居", "Applies: all {n} villages"),
    "applies.R6": ("适用：{n} 个居委会", "Applies: {n} residents' committees"),
    "applies.R6.none": ("不适用：没有居委会", "Does not apply: no residents' committees"),
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
