"""The region's data model: layers, their columns and aliases, and the kinds of things.

A region has the layers ``townships`` (polygons), ``villages`` (points), ``facilities``
(points) and optionally ``districts`` (polygons); see ``DESIGN.md``. This module says
what each layer holds and how planners' own headers and values (Chinese or English)
map onto it; :mod:`planning.inputs` applies it to files.

Identifiers are always text: a 12-digit statistical code such as ``120115101201`` must
never become a float.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum


class FacilityKind(str, Enum):
    """The kinds of health facility the rules know (one enum for the whole tool)."""

    DISTRICT_HOSPITAL = "district_hospital"  # 区人民医院 / 区医院
    TCM_HOSPITAL = "tcm_hospital"  # 中医医院
    GENERAL_HOSPITAL = "general_hospital"  # 综合医院 (other general hospitals)
    TOWNSHIP_HEALTH_CENTRE = "township_health_centre"  # 乡镇卫生院
    COMMUNITY_HEALTH_CENTRE = "community_health_centre"  # 社区卫生服务中心
    COMMUNITY_HEALTH_STATION = "community_health_station"  # 社区卫生服务站
    VILLAGE_CLINIC = "village_clinic"  # 村卫生室
    VILLAGE_SERVICE_POINT = "village_service_point"  # 村级医疗服务点

    @property
    def zh(self) -> str:
        return FACILITY_KIND_ZH[self]


FACILITY_KIND_ZH: dict[FacilityKind, str] = {
    FacilityKind.DISTRICT_HOSPITAL: "区级医院",
    FacilityKind.TCM_HOSPITAL: "中医医院",
    FacilityKind.GENERAL_HOSPITAL: "综合医院",
    FacilityKind.TOWNSHIP_HEALTH_CENTRE: "乡镇卫生院",
    FacilityKind.COMMUNITY_HEALTH_CENTRE: "社区卫生服务中心",
    FacilityKind.COMMUNITY_HEALTH_STATION: "社区卫生服务站",
    FacilityKind.VILLAGE_CLINIC: "村卫生室",
    FacilityKind.VILLAGE_SERVICE_POINT: "村级医疗服务点",
}

#: facility kind values as planners write them (compared after :func:`normalize_text`)
FACILITY_KIND_ALIASES: dict[str, FacilityKind] = {
    **{k.value: k for k in FacilityKind},
    **{v: k for k, v in FACILITY_KIND_ZH.items()},
    "区人民医院": FacilityKind.DISTRICT_HOSPITAL,
    "区医院": FacilityKind.DISTRICT_HOSPITAL,
    "县医院": FacilityKind.DISTRICT_HOSPITAL,
    "中医院": FacilityKind.TCM_HOSPITAL,
    "区中医医院": FacilityKind.TCM_HOSPITAL,
    "医院": FacilityKind.GENERAL_HOSPITAL,
    "综合医院": FacilityKind.GENERAL_HOSPITAL,
    "卫生院": FacilityKind.TOWNSHIP_HEALTH_CENTRE,
    "中心卫生院": FacilityKind.TOWNSHIP_HEALTH_CENTRE,
    "镇卫生院": FacilityKind.TOWNSHIP_HEALTH_CENTRE,
    "乡卫生院": FacilityKind.TOWNSHIP_HEALTH_CENTRE,
    "社区中心": FacilityKind.COMMUNITY_HEALTH_CENTRE,
    "社区卫生中心": FacilityKind.COMMUNITY_HEALTH_CENTRE,
    "社区站": FacilityKind.COMMUNITY_HEALTH_STATION,
    "社区卫生站": FacilityKind.COMMUNITY_HEALTH_STATION,
    "卫生室": FacilityKind.VILLAGE_CLINIC,
    "村卫生所": FacilityKind.VILLAGE_CLINIC,
    "医疗服务点": FacilityKind.VILLAGE_SERVICE_POINT,
    "村医疗服务点": FacilityKind.VILLAGE_SERVICE_POINT,
    "hospital": FacilityKind.GENERAL_HOSPITAL,
    "clinic": FacilityKind.VILLAGE_CLINIC,
}

#: (pattern in a facility's name, kind) tried in order when a file has no kind column
FACILITY_NAME_PATTERNS: tuple[tuple[str, FacilityKind], ...] = (
    ("社区卫生服务中心", FacilityKind.COMMUNITY_HEALTH_CENTRE),
    ("社区卫生服务站", FacilityKind.COMMUNITY_HEALTH_STATION),
    ("卫生院", FacilityKind.TOWNSHIP_HEALTH_CENTRE),
    ("卫生室", FacilityKind.VILLAGE_CLINIC),
    ("医疗服务点", FacilityKind.VILLAGE_SERVICE_POINT),
    ("中医", FacilityKind.TCM_HOSPITAL),
    ("区人民医院", FacilityKind.DISTRICT_HOSPITAL),
    ("区医院", FacilityKind.DISTRICT_HOSPITAL),
    ("医院", FacilityKind.GENERAL_HOSPITAL),
)

#: kinds that are "hospitals at district level or above" for R4 and R7
HOSPITAL_KINDS = frozenset(
    {FacilityKind.DISTRICT_HOSPITAL, FacilityKind.TCM_HOSPITAL, FacilityKind.GENERAL_HOSPITAL}
)
#: kinds that count as a village clinic for R2
CLINIC_KINDS = frozenset({FacilityKind.VILLAGE_CLINIC, FacilityKind.VILLAGE_SERVICE_POINT})


class VillageKind(str, Enum):
    """What a village-level unit is, from the last three digits of its 12-digit code."""

    RESIDENTS_COMMITTEE = "residents_committee"  # 居委会, 001-199
    VILLAGE_COMMITTEE = "village_committee"  # 村委会, 200-399
    SPECIAL = "special"  # 4xx/5xx: virtual communities, farm or industrial living quarters


VILLAGE_KIND_ZH = {
    VillageKind.RESIDENTS_COMMITTEE: "居委会",
    VillageKind.VILLAGE_COMMITTEE: "村委会",
    VillageKind.SPECIAL: "特殊区域",
}
VILLAGE_KIND_ALIASES: dict[str, VillageKind] = {
    **{k.value: k for k in VillageKind},
    **{v: k for k, v in VILLAGE_KIND_ZH.items()},
    "社区居委会": VillageKind.RESIDENTS_COMMITTEE,
    "社区": VillageKind.RESIDENTS_COMMITTEE,
    "村民委员会": VillageKind.VILLAGE_COMMITTEE,
    "村": VillageKind.VILLAGE_COMMITTEE,
    "行政村": VillageKind.VILLAGE_COMMITTEE,
    "村委": VillageKind.VILLAGE_COMMITTEE,
    "特殊": VillageKind.SPECIAL,
}


class TownshipKind(str, Enum):
    """A township-level unit: a town or township (乡镇), a street (街道), or another unit."""

    TOWNSHIP = "township"  # 镇 / 乡
    STREET = "street"  # 街道
    SPECIAL = "special"  # development zones and other pseudo-units


TOWNSHIP_KIND_ZH = {
    TownshipKind.TOWNSHIP: "乡镇",
    TownshipKind.STREET: "街道",
    TownshipKind.SPECIAL: "其他",
}
TOWNSHIP_KIND_ALIASES: dict[str, TownshipKind] = {
    **{k.value: k for k in TownshipKind},
    **{v: k for k, v in TOWNSHIP_KIND_ZH.items()},
    "镇": TownshipKind.TOWNSHIP,
    "乡": TownshipKind.TOWNSHIP,
    "town": TownshipKind.TOWNSHIP,
    "开发区": TownshipKind.SPECIAL,
}


class ServiceMode(str, Enum):
    """How a village without its own clinic is served (001 §二(一)3)."""

    TOURING = "touring"  # 巡回医疗
    DISPATCHED = "dispatched"  # 派驻
    NEIGHBOUR_EXTENSION = "neighbour_extension"  # 邻村延伸


SERVICE_MODE_ZH = {
    ServiceMode.TOURING: "巡回医疗",
    ServiceMode.DISPATCHED: "派驻",
    ServiceMode.NEIGHBOUR_EXTENSION: "邻村延伸",
}
SERVICE_MODE_ALIASES: dict[str, ServiceMode] = {
    **{k.value: k for k in ServiceMode},
    **{v: k for k, v in SERVICE_MODE_ZH.items()},
    "巡诊": ServiceMode.TOURING,
    "巡回": ServiceMode.TOURING,
    "派驻人员": ServiceMode.DISPATCHED,
    "邻村延伸服务": ServiceMode.NEIGHBOUR_EXTENSION,
    "neighbor_extension": ServiceMode.NEIGHBOUR_EXTENSION,
}

POPULATION_TYPES = {"resident": "常住", "registered": "户籍"}
POPULATION_TYPE_ALIASES = {"resident": "resident", "常住": "resident", "常住人口": "resident",
                           "registered": "registered", "户籍": "registered",
                           "户籍人口": "registered"}


@dataclass(frozen=True)
class Column:
    """One column of a layer: its canonical name, type, whether required, and its aliases.

    ``dtype`` is one of ``"id"`` (text, never a number), ``"text"``, ``"int"``,
    ``"float"``, ``"bool"`` or ``"kind"`` (an enum, parsed by :mod:`planning.inputs.validate`).
    """

    name: str
    dtype: str
    required: bool = False
    aliases: tuple[str, ...] = field(default_factory=tuple)


_LON = Column("lon", "float", aliases=("经度", "longitude", "lng", "x", "东经", "经度坐标"))
_LAT = Column("lat", "float", aliases=("纬度", "latitude", "y", "北纬", "纬度坐标"))
_SOURCE = Column("source", "text", aliases=("来源", "数据来源"))

LAYERS: dict[str, tuple[Column, ...]] = {
    "districts": (
        Column("district_id", "id", True, ("区代码", "区划代码", "代码", "code", "id", "adcode")),
        Column("name", "text", True, ("名称", "区名", "区名称", "district")),
        Column("agricultural", "bool", aliases=("涉农区", "农业区", "有农业")),
        Column("population", "int", aliases=("常住人口", "人口", "人口数", "pop")),
        Column("area_km2", "float", aliases=("面积", "面积_km2")),
        _SOURCE,
    ),
    "townships": (
        Column("township_id", "id", True, ("乡镇代码", "街道代码", "区划代码", "代码", "code", "id")),
        Column("name", "text", True, ("名称", "乡镇名称", "乡镇", "街道", "乡镇街道", "township")),
        Column("kind", "kind", aliases=("类型", "类别", "乡镇类型")),
        Column("district", "text", aliases=("所属区", "区", "区县", "district_name")),
        Column("population", "int", aliases=("常住人口", "人口", "人口数", "pop")),
        _SOURCE,
    ),
    "villages": (
        Column("village_id", "id", True,
               ("村代码", "统计用区划代码", "区划代码", "行政村代码", "村居代码", "代码", "code", "id")),
        Column("name", "text", True, ("名称", "村名", "村名称", "行政村", "村居名称", "village")),
        Column("township_id", "id", aliases=("所属乡镇代码", "乡镇代码", "街道代码")),
        Column("township", "text", aliases=("所属乡镇", "乡镇", "街道", "乡镇街道", "township_name")),
        Column("kind", "kind", aliases=("类型", "村居类型", "类别")),
        Column("population", "int", aliases=("常住人口", "人口", "人口数", "pop")),
        Column("population_type", "text", aliases=("人口类型", "人口口径")),
        Column("service_mode", "text", aliases=("服务方式", "服务模式")),
        _LON,
        _LAT,
        _SOURCE,
    ),
    "facilities": (
        Column("facility_id", "id", True, ("机构代码", "机构编码", "编号", "代码", "code", "id")),
        Column("name", "text", True, ("机构名称", "名称", "name_zh", "facility")),
        Column("kind", "kind", aliases=("机构类型", "类型", "类别", "type")),
        Column("township_id", "id", aliases=("所属乡镇代码", "乡镇代码")),
        Column("village_id", "id", aliases=("所属村代码", "村代码")),
        Column("central", "bool", aliases=("中心", "是否中心", "中心卫生院", "中心村卫生室")),
        Column("standardized", "bool", aliases=("达标", "是否达标", "标准化", "standard")),
        Column("group_id", "id", aliases=("医共体", "医疗集团", "所属医共体", "group")),
        Column("level", "text", aliases=("等级", "级别", "医院等级")),
        Column("beds", "int", aliases=("床位", "床位数", "编制床位")),
        Column("doctors", "int", aliases=("医生", "医师", "执业医师", "医师数")),
        Column("gps", "int", aliases=("全科医生", "全科医生数", "general_practitioners")),
        Column("nurses", "int", aliases=("护士", "注册护士", "护士数")),
        Column("public_health_staff", "int", aliases=("公共卫生人员", "公卫人员", "公共卫生医师")),
        Column("professional_staff", "int", aliases=("卫生技术人员", "专业技术人员", "卫技人员")),
        Column("village_doctors", "int", aliases=("乡村医生", "村医", "村医数")),
        Column("qualified_village_doctors", "int",
               aliases=("执业村医", "具备执业资格村医", "执业(助理)医师村医")),
        _LON,
        _LAT,
        _SOURCE,
    ),
}

#: layers that must be present in a region
REQUIRED_LAYERS = ("townships", "villages", "facilities")
#: geometry type each layer holds
GEOMETRY_TYPES = {"districts": "Polygon", "townships": "Polygon", "villages": "Point",
                  "facilities": "Point"}
#: the id column of each layer
ID_COLUMN = {"districts": "district_id", "townships": "township_id", "villages": "village_id",
             "facilities": "facility_id"}


def normalize_text(value: object) -> str:
    """Fold full-width characters (NFKC), strip spaces, lower-case Latin letters.

    Used to compare headers and kind values as planners type them: ``"名 称"``,
    ``"ＮＡＭＥ"`` and ``" name "`` all normalise alike.
    """
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", "", text).lower()


def village_kind_from_code(code: str | None) -> VillageKind | None:
    """The kind of a village-level unit from its 12-digit statistical code.

    The last three digits say what it is: 001-199 residents' committee (居委会), 200-399
    village committee (村委会), 4xx/5xx special units. Returns None when the code is not
    12 digits or its suffix is outside those ranges (the caller then needs a kind column).
    """
    if code is None:
        return None
    code = str(code).strip()
    if len(code) != 12 or not code.isdigit():
        return None
    suffix = int(code[-3:])
    if 1 <= suffix <= 199:
        return VillageKind.RESIDENTS_COMMITTEE
    if 200 <= suffix <= 399:
        return VillageKind.VILLAGE_COMMITTEE
    if 400 <= suffix <= 599:
        return VillageKind.SPECIAL
    return None


def township_kind_from_name(name: str) -> TownshipKind:
    """Town (镇/乡), street (街道) or other, from a township-level unit's name."""
    name = str(name).strip()
    if name.endswith("街道") or name.endswith("街道办事处"):
        return TownshipKind.STREET
    if name.endswith("镇") or name.endswith("乡"):
        return TownshipKind.TOWNSHIP
    return TownshipKind.SPECIAL


def facility_kind_from_name(name: str) -> FacilityKind | None:
    """Infer a facility's kind from its name ("XX镇卫生院" -> township health centre)."""
    text = normalize_text(name)
    for pattern, kind in FACILITY_NAME_PATTERNS:
        if pattern in text:
            return kind
    return None


def parse_facility_kind(value: object) -> FacilityKind | None:
    """A facility kind from a planner's value (English or Chinese), or None if unknown."""
    key = normalize_text(value)
    return next((k for a, k in FACILITY_KIND_ALIASES.items() if normalize_text(a) == key), None)


def facility_name_for_village(village: str, suffix: str = "卫生室") -> str:
    """A facility's name after its village's: 八间村委会 -> 八间村卫生室, 李三元村村委会 ->
    李三元村卫生室, 石幢南社区居委会 -> 石幢南社区卫生服务站 (with that suffix)."""
    for end in ("村民委员会", "村委会"):
        if village.endswith(end):
            base = village[: -len(end)]
            return base + ("" if base.endswith("村") else "村") + suffix
    for end in ("社区居民委员会", "社区居委会", "居民委员会", "居委会"):
        if village.endswith(end):
            return village[: -len(end)] + suffix
    return village + suffix


def accepted_facility_kinds() -> str:
    """The accepted facility kind values, for error messages."""
    return ", ".join(f"{k.value} ({k.zh})" for k in FacilityKind)
