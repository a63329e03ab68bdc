"""Hostile uploads: sizes, zip bombs and escapes, XML entities, formula injection, atomic saves.

The functions are those app.py calls (planning.inputs.uploads, planning.inputs.read_layer) and the
exports behind its download buttons (planning.outputs.export).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely

from planning.outputs import export
from planning.inputs import uploads
from planning.errors import InputError
from planning.inputs import read_layer
from planning.travel.network import load_network
from planning.inputs.uploads import check_size, check_zip, safe_extract

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "broken" / "files"


def make_zip(path: Path, members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# --------------------------------------------------------------------------- sizes


def test_oversized_file_refused_from_its_size_alone(tmp_path):
    big = tmp_path / "villages.csv"
    with open(big, "wb") as fh:  # a sparse 60 MB file: nothing is written, nothing read
        fh.truncate(60 * 2**20)
    with pytest.raises(InputError, match=r"villages.csv.*60 MB \(at most 50 MB accepted\)"):
        check_size(big.stat().st_size, uploads.MAX_LAYER_BYTES, big.name)
    check_size(uploads.MAX_LAYER_BYTES, uploads.MAX_LAYER_BYTES, "edge.csv")  # the limit itself is fine


def test_upload_size_checked_before_the_content_is_touched():
    class Upload:  # what st.file_uploader hands the app: a size, and the bytes on demand
        name, size = "roads.osm.pbf", 300 * 2**20

        def getvalue(self):
            raise AssertionError("the content was read")

    up = Upload()
    with pytest.raises(InputError, match="300 MB"):
        check_size(up.size, uploads.MAX_ROADS_BYTES, up.name)


# --------------------------------------------------------------------------- zips


def test_zip_bomb_ratio_refused(tmp_path):
    path = make_zip(tmp_path / "towns.zip", {"towns.shp": b"\0" * 3_000_000})
    with pytest.raises(InputError, match=r"'towns.shp' expands \d+ times \(a zip bomb\?\)"):
        check_zip(path)


def test_small_members_are_not_held_to_the_ratio(tmp_path):
    # a .cpg or .prj of repeated bytes compresses hugely but is harmless
    path = make_zip(tmp_path / "towns.zip", {"towns.cpg": b"U" * 10_000, "towns.shp": os.urandom(2000)})
    check_zip(path)


def test_zip_total_size_refused(tmp_path):
    path = make_zip(tmp_path / "towns.zip", {f"part{i}.shp": os.urandom(400_000) for i in range(3)})
    check_zip(path)  # 1.2 MB: fine under the default limit
    with pytest.raises(InputError, match=r"expands to 1.1 MB \(at most 1.0 MB\)"):
        check_zip(path, limit_bytes=2**20)


def test_zip_too_many_members_refused(tmp_path):
    n = uploads.MAX_ZIP_MEMBERS + 1
    path = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(n)})
    with pytest.raises(InputError, match=f"holds {n} files"):
        check_zip(path)


@pytest.mark.parametrize("name", ["/etc/passwd", "../towns.shp", "a/../../towns.shp",
                                  "..\\..\\towns.shp", "C:/Windows/towns.shp"])
def test_zip_member_escaping_its_folder_refused(tmp_path, name):
    path = make_zip(tmp_path / "towns.zip", {name: b"x"})
    with pytest.raises(InputError, match="points outside the zip's folder"):
        check_zip(path)
    with pytest.raises(InputError):
        safe_extract(path, tmp_path / "out")
    assert not (tmp_path / "towns.shp").exists()


def test_zip_symlink_refused(tmp_path):
    info = zipfile.ZipInfo("towns.shp")
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InputError, match="'towns.shp' is a symbolic link"):
        check_zip(tmp_path / "link.zip")


def test_zip_regular_unix_file_accepted(tmp_path):
    info = zipfile.ZipInfo("towns.shp")
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    with zipfile.ZipFile(tmp_path / "ok.zip", "w") as zf:
        zf.writestr(info, "data")
    check_zip(tmp_path / "ok.zip")


def test_not_a_zip_refused(tmp_path):
    (tmp_path / "towns.zip").write_bytes(b"PK\x03\x04 but nothing else")
    with pytest.raises(InputError, match="towns.zip.*not a valid zip file"):
        check_zip(tmp_path / "towns.zip")


def test_safe_extract_nested_folders(tmp_path):
    path = make_zip(tmp_path / "towns.zip", {"宝坻/乡镇/towns.shp": b"shp", "宝坻/乡镇/towns.dbf": b"dbf",
                                             "宝坻/": b""})
    out = tmp_path / "out"
    files = safe_extract(path, out)
    assert sorted(f.relative_to(out.resolve()).as_posix() for f in files) == [
        "宝坻/乡镇/towns.dbf", "宝坻/乡镇/towns.shp"]
    assert (out / "宝坻/乡镇/towns.shp").read_bytes() == b"shp"


def test_safe_extract_forged_sizes_leave_nothing(tmp_path):
    """A central directory that under-declares a member: extraction stops, files removed."""
    path = make_zip(tmp_path / "forged.zip", {"a.txt": b"first", "b.txt": os.urandom(5000)})
    data = bytearray(path.read_bytes())
    cd = data.rindex(b"PK\x01\x02")  # the last member's central directory entry
    data[cd + 24: cd + 28] = (100).to_bytes(4, "little")  # uncompressed size: 5000 -> 100
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    with pytest.raises(InputError, match="forged.zip"):
        safe_extract(path, out)
    assert not [f for f in out.rglob("*") if f.is_file()]


def test_read_layer_refuses_unsafe_zip_itself(tmp_path):
    """The loader does not rely on the app: a zip bomb given to read_layer is refused too."""
    path = make_zip(tmp_path / "townships.zip", {"t.shp": b"\0" * 3_000_000})
    with pytest.raises(InputError, match="a zip bomb"):
        read_layer(path, "townships")


def test_xlsx_zip_bomb_refused(tmp_path):
    path = make_zip(tmp_path / "villages.xlsx", {"[Content_Types].xml": b"<a/>",
                                                 "xl/worksheets/sheet1.xml": b" " * 3_000_000})
    with pytest.raises(InputError, match="villages.xlsx.*a zip bomb"):
        read_layer(path, "villages")


# --------------------------------------------------------------------------- XML


XXE = ('<?xml version="1.0"?>\n<!DOCTYPE osm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       '<osm version="0.6"><node id="1" lat="39.7" lon="117.3"/>'
       '<way id="2"><nd ref="1"/><tag k="highway" v="&xxe;"/></way></osm>\n')


@pytest.mark.parametrize("name", ["roads.osm", "roads.xml"])
def test_osm_external_entity_refused(tmp_path, name):
    (tmp_path / name).write_text(XXE)
    with pytest.raises(InputError, match="declares a document type or entities"):
        load_network(tmp_path / name, "walk", "EPSG:32650", cache_dir=tmp_path)


def test_osm_bz2_external_entity_refused(tmp_path):
    import bz2

    (tmp_path / "roads.osm.bz2").write_bytes(bz2.compress(XXE.encode()))
    with pytest.raises(InputError, match="declares a document type"):
        load_network(tmp_path / "roads.osm.bz2", "walk", "EPSG:32650", cache_dir=tmp_path)


def test_osm_doctype_after_a_long_comment_refused(tmp_path):
    xml = XXE.replace("<!DOCTYPE", "<!-- " + "x" * 200_000 + " <osm> -->\n<!DOCTYPE")
    (tmp_path / "roads.osm").write_text(xml)
    with pytest.raises(InputError, match="declares a document type"):
        load_network(tmp_path / "roads.osm", "walk", "EPSG:32650", cache_dir=tmp_path)


def test_osm_utf16_refused(tmp_path):
    (tmp_path / "roads.osm").write_text(XXE, encoding="utf-16")
    with pytest.raises(InputError, match="UTF-16"):
        load_network(tmp_path / "roads.osm", "walk", "EPSG:32650", cache_dir=tmp_path)


def test_xlsx_with_xml_entities_refused(tmp_path):
    """openpyxl parses through defusedxml (installed): a workbook declaring entities fails."""
    good = tmp_path / "good.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["村代码", "名称", "经度", "纬度"])
    book.active.append(["120115100201", "一村", 117.31, 39.71])
    book.save(good)
    bad = tmp_path / "villages.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                        + data.replace("一村".encode(), b"&e;"))
            dst.writestr(item, data)
    assert read_layer(good, "villages")[0]["name"].tolist() == ["一村"]
    with pytest.raises(InputError, match="villages.xlsx.*cannot read the file") as err:
        read_layer(bad, "villages")
    assert "root:" not in str(err.value)


def test_kml_is_not_read(tmp_path):
    (tmp_path / "towns.kml").write_text('<?xml version="1.0"?><kml/>')
    with pytest.raises(InputError, match="cannot read .kml files"):
        read_layer(tmp_path / "towns.kml", "townships")


# --------------------------------------------------------------------------- formula injection

HOSTILE = ["=HYPERLINK(\"http://evil\",\"点我\")", "+86-22-1234", "-1+2", "@SUM(A1:A9)",
           "=cmd|' /C calc'!A0"]


@pytest.fixture
def hostile_layer():
    pts = [shapely.Point(117.31 + 0.01 * i, 39.71) for i in range(len(HOSTILE) + 1)]
    return gpd.GeoDataFrame({"village_id": [f"12011510020{i}" for i in range(len(pts))],
                             "name": HOSTILE + ["一村"], "population": [-5, 0, 1, 2, 3, 4]},
                            geometry=pts, crs=4326)


def test_excel_export_neutralises_formulas(tmp_path, hostile_layer):
    path = export.export_layers({"villages": hostile_layer}, tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(path)["villages"]
    header = [c.value for c in sheet[1]]
    names = [sheet.cell(r, header.index("Name") + 1) for r in range(2, 2 + len(HOSTILE) + 1)]
    assert [c.value for c in names] == ["'" + h for h in HOSTILE] + ["一村"]
    assert all(c.data_type == "s" for c in names)  # text, never a formula ("f")
    pops = [sheet.cell(r, header.index("Residents") + 1).value for r in range(2, 8)]
    assert pops == [-5, 0, 1, 2, 3, 4]  # numbers, even negative, stay numbers


def test_csv_export_neutralises_formulas(tmp_path, hostile_layer):
    path = export.export_table_csv(hostile_layer, tmp_path / "out.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Name"] for r in rows] == ["'" + h for h in HOSTILE] + ["一村"]
    assert [r["Residents"] for r in rows] == ["-5", "0", "1", "2", "3", "4"]


# --------------------------------------------------------------------------- atomic saves


def _layer(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"village_id": [f"V{i}" for i in range(n)], "name": ["村"] * n},
                            geometry=gpd.points_from_xy([117.3 + i * 1e-6 for i in range(n)],
                                                        [39.7] * n), crs=4326)


def test_export_killed_midway_leaves_the_previous_file(tmp_path):
    target = tmp_path / "result.gpkg"
    export.export_layers({"villages": _layer(3)}, target)
    before = target.read_bytes()
    code = ("import sys; sys.path.insert(0, sys.argv[2]); from test_uploads import _layer; "
            "from planning.outputs import export; "
            "export.export_layers({'villages': _layer(400_000)}, sys.argv[1])")
    proc = subprocess.Popen([sys.executable, "-c", code, str(target), str(Path(__file__).parent)],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            parts = [f for f in tmp_path.rglob("*") if ".part" in str(f) and f.is_file()]
            if parts and sum(f.stat().st_size for f in parts) > 0:
                break  # the temporary file is being written
            time.sleep(0.01)
        assert proc.poll() is None, "the export finished before it could be interrupted"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert target.read_bytes() == before
    assert read_layer(target, "villages")[0]["village_id"].tolist() == ["V0", "V1", "V2"]


def test_export_failing_writer_leaves_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "result.xlsx"
    export.export_layers({"villages": _layer(3)}, target)
    before = target.read_bytes()

    def half_write(layers, tmp, crs, lang, about):
        Path(tmp).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setitem(export._WRITERS, "xlsx", half_write)
    with pytest.raises(OSError, match="disk full"):
        export.export_layers({"villages": _layer(5)}, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.xlsx"]  # no temporary left
