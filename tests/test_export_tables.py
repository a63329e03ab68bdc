"""The spreadsheets and GeoPackages of the demo as a planner opens them (openpyxl, sqlite3,
GDAL through pyogrio): headers in the chosen language with units, numbers rounded to what
they mean, no column twice, R4's district residents, the About sheet, GeoPackage aliases."""

from __future__ import annotations

import re
import sqlite3

import openpyxl
import pyogrio
import pytest
from test_words import chinese_in

from planning.inputs import load_demo
from planning.outputs import tables
from planning.outputs.export import ExportAbout, export_layers
from planning.rules.assess import assess
from planning.words import COLUMNS, STATUS, STATUS_MEANINGS, column, status_word


@pytest.fixture(scope="module")
def demo():
    return assess(load_demo())


@pytest.fixture(scope="module")
def books(demo, tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsx")
    about = ExportAbout.of(demo)
    return {lang: openpyxl.load_workbook(export_layers(demo.layers(), folder / f"{lang}.xlsx",
                                                       lang=lang, about=about))
            for lang in ("zh", "en")}


def _sheets(book):
    """Data sheets (all but the last, About): title -> (headers, rows)."""
    out = {}
    for sheet in book.worksheets[:-1]:
        rows = list(sheet.iter_rows(values_only=True))
        out[sheet.title] = (list(rows[0]), rows[1:])
    return out


def _names(lang: str) -> dict[str, str]:
    """Header -> column name, for every known column."""
    return {column(c, lang): c for c in COLUMNS}


def test_chinese_headers_have_no_english_and_carry_units(books):
    sheets = _sheets(books["zh"])
    assert len(sheets) == 20
    for title, (headers, _) in sheets.items():
        latin = [h for h in headers if re.search(r"[A-Za-z]", h)]
        assert not latin, (title, latin)
        assert len(set(headers)) == len(headers), title
    headers = sheets["R2_villages"][0]
    assert "到卫生室道路距离(米)" in headers and "到卫生室直线距离(米)" in headers
    assert "到卫生室判定距离(米)" not in headers  # the road distance, not twice
    assert "到机构时间(分钟)" in sheets["R3_villages"][0]
    assert "时限内人口比例(%)" in sheets["R3_townships"][0]
    assert {"出行方式", "时限(分钟)"} <= set(sheets["R3_covered"][0])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_float_with_more_decimals_than_its_column_keeps(books, lang):
    names = _names(lang)
    checked = 0
    for title, (headers, rows) in _sheets(books[lang]).items():
        for j, h in enumerate(headers):
            assert h in names, (title, h)  # every header is a known column
            places = tables.decimals(names[h])
            places = tables.OTHER_DECIMALS if places is None else places
            for row in rows:
                v = row[j]
                if isinstance(v, float):
                    assert round(v, places) == v, (title, h, v)
                    checked += 1
                if places == 0 and isinstance(v, (int, float)) and not isinstance(v, bool):
                    assert float(v).is_integer(), (title, h, v)
    assert checked > 1000


def test_residents_are_whole_and_shares_are_percent(books, demo):
    headers, rows = _sheets(books["zh"])["R3_townships"]
    share = [r[headers.index("时限内人口比例(%)")] for r in rows]
    raw = demo.results["R3"].layers["R3_townships"]["share_within"]
    assert share == pytest.approx(list((raw * 100).round(1)), abs=1e-9)
    assert max(share) == 100 and 95.4 in share  # percent, not a 0-1 fraction
    pop = [r[headers.index("常住人口(人)")] for r in rows]
    assert all(isinstance(p, int) for p in pop)


def test_r4_districts_name_the_hard_to_reach_and_carry_the_district_residents(books, demo):
    region = demo.region
    headers, rows = _sheets(books["zh"])["R4_districts"]
    assert "常住人口(人)" not in headers  # it held the hard-to-reach count
    by_name = {r[headers.index("名称")]: r for r in rows}
    for d in region.districts.itertuples():
        row = by_name[d.name]
        assert row[headers.index("区常住人口(人)")] == int(d.population)
        # the hard-to-reach residents, computed here from the villages' drive times
        v = demo.results["R4"].layers["R4_villages"]
        limit = demo.rulebook.value("R4", "hard_to_reach_minutes")
        hard = v.loc[v["drive_minutes_to_hospital"] > limit, "population"].sum()
        assert row[headers.index("难以到达医院的人口(人)")] == int(hard)
    assert by_name["宝坻区"][headers.index("区常住人口(人)")] == 722367


def test_about_sheet_says_sources_rulebook_date_statuses_and_columns(books, demo):
    for lang, book in books.items():
        about = book.worksheets[-1]
        assert about.title == ("说明" if lang == "zh" else "About")
        rows = [[c for c in r if c is not None] for r in about.iter_rows(values_only=True)]
        text = "\n".join(" ".join(map(str, r)) for r in rows)
        assert "EPSG:4326" in text and ExportAbout().date in text
        assert demo.rulebook.meta["version"] in text
        assert "/work" not in text and "region.gpkg#villages" in text  # the file, not the server path
        for s in STATUS:
            assert f"{status_word(s, lang)}{'：' if lang == 'zh' else ': '}" \
                   f"{STATUS_MEANINGS[s][lang == 'en']}" in text
        # every column of every sheet has its meaning beside its header
        described = {r[0]: r[1] for r in rows if len(r) == 2}
        for title, (headers, _) in _sheets(book).items():
            assert (f"表 {title}" if lang == "zh" else f"Sheet {title}") in text
            assert all(described.get(h) for h in headers), title


def test_english_spreadsheet_headers_are_english(books, demo_names):
    for title, (headers, _) in _sheets(books["en"]).items():
        assert all(chinese_in(h, demo_names) is None for h in headers), (title, headers)
    headers = _sheets(books["en"])["R2_villages"][0]
    assert "Road distance to clinic (m)" in headers and "Residents" in headers


def test_geopackage_carries_titles_as_aliases(demo, tmp_path):
    path = export_layers(demo.layers(), tmp_path / "gaps.gpkg", lang="zh")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT table_name, column_name, name, title, description "
                          "FROM gpkg_data_columns").fetchall()
        ext = db.execute("SELECT extension_name FROM gpkg_extensions WHERE table_name = "
                         "'gpkg_data_columns'").fetchall()
    assert ext == [("gpkg_schema",)]
    got = {(t, c): (n, ti, d) for t, c, n, ti, d in rows}
    assert got[("R2_villages", "clinic_road_m")][:2] == ("到卫生室道路距离(米)",) * 2
    assert got[("R4_districts", "district_population")][0] == "区常住人口(人)"
    assert got[("R3_villages", "minutes_to_care")][0] == "到机构时间(分钟)"
    # one row per known column of every layer; field names stay short ASCII
    for name, layer in demo.layers().items():
        fields = pyogrio.read_info(path, layer=name)["fields"]
        assert all(f.isascii() for f in fields)
        assert {c for (t, c) in got if t == name} == {f for f in fields if f in COLUMNS}
    # GDAL (as QGIS reads it) sees them as the fields' alternative names
    _, table = pyogrio.read_arrow(path, layer="R2_villages", max_features=1)
    meta = table.schema.field("clinic_road_m").metadata
    assert meta[b"GDAL:OGR:alternative_name"].decode() == "到卫生室道路距离(米)"
    english = export_layers(demo.layers(), tmp_path / "en.gpkg", lang="en")
    with sqlite3.connect(english) as db:
        (title,), = db.execute("SELECT name FROM gpkg_data_columns WHERE table_name = "
                               "'R2_villages' AND column_name = 'clinic_road_m'").fetchall()
    assert title == "Road distance to clinic (m)"


def test_excel_displays_the_decimals_it_keeps(books):
    """Excel shows 19.0 min as 19.0 and 127064 residents as 127,064 (number formats)."""
    sheet = books["zh"]["R3_villages"]
    headers = [c.value for c in sheet[1]]
    minutes = sheet.cell(2, headers.index("到机构时间(分钟)") + 1)
    people = sheet.cell(2, headers.index("常住人口(人)") + 1)
    assert (minutes.number_format, people.number_format) == ("0.0", "#,##0")
