"""Blank templates for a planner's own layers: CSV and Excel, with Chinese headers.

Each template is generated from :data:`planning.schema.LAYERS` and the schema's enums,
so it never drifts from what :mod:`planning.inputs` reads: one column per schema column,
headed by a Chinese alias the loader recognises (``村代码``, ``常住人口``, ``经度`` …),
and one example row. Polygon layers (townships, districts) get a ``边界`` column for
the outline as WKT; point layers get ``经度``/``纬度``. The facilities template also has
``所属村``/``所属乡镇`` for registers without coordinates (see :mod:`planning.inputs.registers`).

The Excel workbook has three sheets: the data (first, which is what the loader reads),
``说明`` (every column: header, canonical name, required or not, what to enter, plus the
coordinate system cell, a drop-down) and the hidden ``选项`` holding the drop-down lists.
Drop-downs (data validation) cover kinds, service modes, population types, yes/no
columns and the coordinate system; code columns are formatted as text (``@``) so a
12-digit code never becomes ``1.20115E+11``. CSV templates are UTF-8 with a BOM so Excel
shows the Chinese headers; prefer the Excel template, since Excel turns codes in a CSV
into numbers when it opens one.

Write a folder of templates that :func:`planning.inputs.load_region` can read as it is
(``townships.xlsx``, ``villages.xlsx``, ``facilities.xlsx``) with :func:`write_templates`.
"""

from __future__ import annotations

from io import BytesIO
import re
from pathlib import Path

import pandas as pd

from planning.inputs.registers import TOWNSHIP_NAME_HEADERS, VILLAGE_NAME_HEADERS
from planning.schema import (FACILITY_KIND_ZH, GEOMETRY_TYPES, LAYERS, POPULATION_TYPES,
                             SERVICE_MODE_ZH, TOWNSHIP_KIND_ZH, VILLAGE_KIND_ZH, Column)

__all__ = ["TEMPLATE_LAYERS", "CRS_CHOICES", "template_columns", "template_frame",
           "write_template", "write_templates", "template_bytes", "declared_crs"]

#: the layers a planner prepares (districts are optional and come from the boundary)
TEMPLATE_LAYERS = ("townships", "villages", "facilities")
#: coordinate system drop-down: label -> the ``input_crs`` value of the loader
CRS_CHOICES: dict[str, str] = {
    "WGS84（GPS、OpenStreetMap、天地图）": "wgs84",
    "GCJ-02（高德、腾讯地图拾取）": "gcj02",
    "BD-09（百度地图拾取）": "bd09",
    "CGCS2000（国家2000坐标系经纬度）": "cgcs2000",
}
DATA_SHEET, README_SHEET, LISTS_SHEET = "数据", "说明", "选项"
#: where the coordinate system is chosen on the ``说明`` sheet
CRS_CELL = "B2"
#: rows given drop-downs in the Excel template
_ROWS = 5000
#: the header of a polygon layer's WKT column (an alias :mod:`planning.inputs.headers` knows)
WKT_HEADER = "边界"
#: headers nicer than the first Chinese alias; each must be an alias of its column
_PREFERRED = {
    ("facilities", "central"): "是否中心",
    ("facilities", "standardized"): "是否达标",
    ("facilities", "beds"): "床位数",
    ("facilities", "doctors"): "执业医师",
    ("facilities", "gps"): "全科医生数",
    ("facilities", "nurses"): "注册护士",
    ("districts", "agricultural"): "涉农区",
    ("districts", "district_id"): "区划代码",
    ("districts", "area_km2"): "面积_km2",
}
_YES_NO = ("是", "否")
_BOX = "POLYGON ((117.20 39.52, 117.28 39.52, 117.28 39.60, 117.20 39.60, 117.20 39.52))"

#: (what to enter, example) per column; a schema column missing here fails the tests
_HELP: dict[str, dict[str, tuple[str, str]]] = {
    "districts": {
        "district_id": ("区划代码（6位），按文本填写", "120115"),
        "name": ("区名称", "宝坻区"),
        "agricultural": ("是否涉农区：是/否", "是"),
        "population": ("常住人口（人）", "722367"),
        "area_km2": ("面积（平方公里），可留空，由边界计算", "1508.4"),
        "source": ("数据来源，可留空", "统计年鉴2023"),
    },
    "townships": {
        "township_id": ("乡镇/街道代码（统计用区划代码前9位），按文本填写", "120115101"),
        "name": ("乡镇或街道名称", "大口屯镇"),
        "kind": ("类型：乡镇 / 街道 / 其他；留空时按名称判断", "乡镇"),
        "district": ("所属区", "宝坻区"),
        "population": ("常住人口（人）", "38000"),
        "source": ("数据来源，可留空", "统计年鉴2023"),
    },
    "villages": {
        "village_id": ("村/居委会12位统计用区划代码，按文本填写；末三位 001-199 为居委会、"
                       "200-399 为村委会", "120115101201"),
        "name": ("村委会或居委会名称", "镇东村委会"),
        "township_id": ("所属乡镇代码（9位）；与“所属乡镇”填一个即可，都空时按位置判断",
                        "120115101"),
        "township": ("所属乡镇名称", "大口屯镇"),
        "kind": ("类型：村委会 / 居委会 / 特殊区域；留空时按代码判断", "村委会"),
        "population": ("常住人口（人）；可写 1.2万", "980"),
        "population_type": ("人口口径：常住 / 户籍；留空为常住", "常住"),
        "service_mode": ("无卫生室时的服务方式：巡回医疗 / 派驻 / 邻村延伸；有卫生室留空", ""),
        "lon": ("村委会驻地经度（十进制度）", "117.242830"),
        "lat": ("村委会驻地纬度（十进制度）", "39.545580"),
        "source": ("数据来源，可留空", "村委会驻地调查"),
    },
    "facilities": {
        "facility_id": ("机构代码或编号，按文本填写，不可重复", "F0180"),
        "name": ("机构名称", "镇东村卫生室"),
        "kind": ("机构类型（下拉选择）；留空时按名称判断", "村卫生室"),
        "township_id": ("所属乡镇代码（9位）", "120115101"),
        "village_id": ("所属村代码（12位）；无经纬度时据此放在村委会驻地", "120115101201"),
        "central": ("是否中心卫生院/中心村卫生室：是/否", ""),
        "standardized": ("村卫生室是否达标（标准化）：是/否；留空视为达标", "是"),
        "group_id": ("所属医共体/医疗集团编号", "G1"),
        "level": ("医院等级，如 三级、二甲", ""),
        "beds": ("床位数", ""),
        "doctors": ("执业（助理）医师数", "1"),
        "gps": ("全科医生数", ""),
        "nurses": ("注册护士数", ""),
        "public_health_staff": ("公共卫生人员数", ""),
        "professional_staff": ("卫生技术人员数", ""),
        "village_doctors": ("乡村医生数", "2"),
        "qualified_village_doctors": ("具备执业（助理）医师资格的乡村医生数", "1"),
        "lon": ("经度（十进制度）；不知道时留空，填所属村或所属乡镇", "117.242900"),
        "lat": ("纬度（十进制度）；不知道时留空，填所属村或所属乡镇", "39.545700"),
        "source": ("数据来源，可留空", "卫生健康委机构名册"),
    },
}
#: extra columns of a template (not schema columns): (layer, header, after column, help, example)
_EXTRA = {
    "facilities": [
        (VILLAGE_NAME_HEADERS[1], "village_id",
         "所属村名称；无经纬度且无村代码时按名称查找（村/村委会等后缀可省略）", "镇东村"),
        (TOWNSHIP_NAME_HEADERS[1], "township_id",
         "所属乡镇名称；找不到村时放在乡镇驻地（乡镇范围内的代表点）", "大口屯镇"),
    ],
}


def _header(layer: str, col: Column) -> str:
    """The Chinese header of a column: a preferred alias, else its first Chinese alias."""
    if (layer, col.name) in _PREFERRED:
        return _PREFERRED[(layer, col.name)]
    return next((a for a in col.aliases if re.search(r"[\u4e00-\u9fff]", a)), col.name)


def _choices(layer: str, col: Column) -> tuple[str, ...] | None:
    """The drop-down values of a column, from the schema's enums, or None."""
    if col.dtype == "bool":
        return _YES_NO
    if col.dtype == "kind":
        table = {"townships": TOWNSHIP_KIND_ZH, "villages": VILLAGE_KIND_ZH,
                 "facilities": FACILITY_KIND_ZH}[layer]
        return tuple(table.values())
    if col.name == "service_mode":
        return tuple(SERVICE_MODE_ZH.values())
    if col.name == "population_type":
        return tuple(POPULATION_TYPES.values())
    return None


def template_columns(layer: str) -> list[dict]:
    """The columns of a layer's template, in order.

    Returns
    -------
    list of dict
        ``header`` (Chinese), ``column`` (canonical name, or the header for extra
        columns), ``required``, ``dtype`` (``"id"`` columns are text), ``help``,
        ``example`` and ``choices`` (drop-down values or None).
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; use one of {', '.join(LAYERS)}")
    out = []
    extras = {after: (h, helptext, ex) for h, after, helptext, ex in _EXTRA.get(layer, [])}
    for col in LAYERS[layer]:
        helptext, example = _HELP[layer][col.name]
        out.append({"header": _header(layer, col), "column": col.name, "required": col.required,
                    "dtype": col.dtype, "help": helptext, "example": example,
                    "choices": _choices(layer, col)})
        if col.name in extras:
            h, helptext, ex = extras[col.name]
            out.append({"header": h, "column": h, "required": False, "dtype": "text",
                        "help": helptext, "example": ex, "choices": None})
    if GEOMETRY_TYPES[layer] != "Point":
        out.append({"header": WKT_HEADER, "column": "wkt", "required": True, "dtype": "text",
                    "help": "边界（WKT 文本，经纬度）；也可以直接提供 Shapefile/GeoPackage/GeoJSON",
                    "example": _BOX, "choices": None})
    return out


def template_frame(layer: str, *, example: bool = True) -> pd.DataFrame:
    """The template as a table of text: Chinese headers and (by default) one example row."""
    cols = template_columns(layer)
    rows = [[c["example"] for c in cols]] if example else []
    return pd.DataFrame(rows, columns=[c["header"] for c in cols], dtype=str)


def write_template(layer: str, path: str | Path, *, example: bool = True,
                   input_crs: str = "wgs84") -> Path:
    """Write one layer's template as ``.csv`` (UTF-8 with BOM) or ``.xlsx``.

    Parameters
    ----------
    layer : {"townships", "villages", "facilities", "districts"}
    path : str or Path
        The file; the format follows its suffix.
    example : bool
        Include the example row (delete it before use).
    input_crs : {"wgs84", "gcj02", "bd09", "cgcs2000"}
        The coordinate system pre-selected on the Excel ``说明`` sheet.

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_bytes(layer, path.suffix.lstrip(".").lower(), example=example,
                                    input_crs=input_crs))
    return path


def write_templates(folder: str | Path, fmt: str = "xlsx", *, example: bool = True,
                    input_crs: str = "wgs84") -> dict[str, Path]:
    """Write ``townships``, ``villages`` and ``facilities`` templates into ``folder``.

    The file names are those :func:`planning.inputs.load_region` looks for, so the folder
    (once filled, plus a road file) is a region.

    Returns
    -------
    dict of str to Path
        Layer -> file written.
    """
    folder = Path(folder)
    return {layer: write_template(layer, folder / f"{layer}.{fmt}", example=example,
                                  input_crs=input_crs) for layer in TEMPLATE_LAYERS}


def template_bytes(layer: str, fmt: str = "xlsx", *, example: bool = True,
                   input_crs: str = "wgs84") -> bytes:
    """A template's file content (``fmt`` ``"csv"`` or ``"xlsx"``), e.g. for a download."""
    frame = template_frame(layer, example=example)
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"templates are csv or xlsx, not {fmt!r}")
    return _xlsx(layer, frame, input_crs)


def declared_crs(path: str | Path) -> str | None:
    """The coordinate system chosen on an Excel template's ``说明`` sheet, as an
    ``input_crs`` value (``"gcj02"`` …), or None when the file has no such choice."""
    import openpyxl

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        if README_SHEET not in book.sheetnames:
            return None
        value = book[README_SHEET][CRS_CELL].value
    finally:
        book.close()
    return CRS_CHOICES.get(str(value).strip()) if value else None


# --------------------------------------------------------------------------- Excel


def _xlsx(layer: str, frame: pd.DataFrame, input_crs: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = template_columns(layer)
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    readme = book.create_sheet(README_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FFE0B2")
    optional = PatternFill("solid", fgColor="E3F2FD")
    grey = Font(italic=True, color="808080")

    list_col = 0
    for j, c in enumerate(cols, start=1):
        letter = get_column_letter(j)
        head = data.cell(row=1, column=j, value=c["header"])
        head.font, head.fill = bold, required if c["required"] else optional
        data.column_dimensions[letter].width = max(10, 2 * len(c["header"]) + 4)
        if c["dtype"] == "id":  # codes as text: the column's style applies to new cells
            data.column_dimensions[letter].number_format = "@"
        if len(frame):
            cell = data.cell(row=2, column=j, value=frame.iloc[0, j - 1] or None)
            cell.font = grey
            if c["dtype"] == "id":
                cell.number_format = "@"
        if c["choices"]:
            list_col += 1
            lcol = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=c["header"])
            for i, v in enumerate(c["choices"], start=2):
                lists.cell(row=i, column=list_col, value=v)
            end = len(c["choices"]) + 1
            dv = DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!${lcol}$2:${lcol}${end}",
                                allow_blank=True, showErrorMessage=True,
                                errorTitle="请从下拉列表选择", error="请从下拉列表中选择一个值")
            dv.add(f"{letter}2:{letter}{_ROWS + 1}")
            data.add_data_validation(dv)
    data.freeze_panes = "A2"

    readme["A1"] = "坐标系 / coordinate system"
    readme["A1"].font = bold
    readme["A2"] = "本表经纬度的坐标系（下拉选择）："
    label = next(k for k, v in CRS_CHOICES.items() if v == input_crs)
    readme[CRS_CELL] = label
    start = list_col + 1
    lcol = get_column_letter(start)
    for i, v in enumerate(CRS_CHOICES, start=1):
        lists.cell(row=i, column=start, value=v)
    dv = DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!${lcol}$1:${lcol}${len(CRS_CHOICES)}",
                        allow_blank=False, showErrorMessage=True)
    dv.add(CRS_CELL)
    readme.add_data_validation(dv)
    readme["A3"] = ("加载时请声明同一坐标系，例如 --input-crs gcj02。第2行是示例，使用前请删除。"
                    "Declare the same system when loading (--input-crs). Row 2 of the data "
                    "sheet is an example: delete it.")
    readme.append([])
    readme.append(["列名 header", "字段 column", "必填 required", "填写说明 what to enter",
                   "可选值 choices"])
    for cell in readme[readme.max_row]:
        cell.font = bold
    for c in cols:
        readme.append([c["header"], c["column"], "是" if c["required"] else "否", c["help"],
                       " / ".join(c["choices"] or ())])
    for letter, width in zip("ABCDE", (22, 26, 10, 70, 40)):
        readme.column_dimensions[letter].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
