"""The planning report (汇报材料): Word and PDF on the demo, numbers as ``check`` prints
them, one map per map section, embedded CJK font, filters, scenarios, errors.

One assessment of the demo is shared by the module; maps render at a low resolution.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import eviltransform
import pytest
from pdftext import pages_text
from pypdf import PdfReader

from planning.outputs.report import fonts as _report_fonts
from planning.rules.assess import assess
from planning.errors import InputError
from planning.inputs import load_demo
from planning.outputs.report import build_report, report_bytes, report_filename
from planning.plan.scenario import Scenario

pytestmark = pytest.mark.slow
DPI = 60
MAP_RULES = ("R1", "R2", "R3", "R4", "R8")


@pytest.fixture(scope="module")
def region():
    return load_demo()


@pytest.fixture(scope="module")
def assessment(region):
    return assess(region)


@pytest.fixture(scope="module")
def summary(assessment):
    return {r["id"]: r for r in assessment.summary()["rules"]}


@pytest.fixture(scope="module")
def word(region, assessment, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "r.docx"
    build_report(region, district="宝坻区", out=out, assessment=assessment, dpi=DPI)
    return docx.Document(str(out))


@pytest.fixture(scope="module")
def pdf(region, assessment, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "r.pdf"
    build_report(region, district="宝坻区", out=out, assessment=assessment, dpi=DPI)
    reader = PdfReader(str(out))
    reader.path = out  # for pdf_text
    return reader


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def pdf_text(reader) -> str:
    """The whole text, lines joined so sentences can be searched whole (tests/pdftext.py)."""
    return "".join(pages_text(reader.path))


def scorecard(document) -> dict[str, list[str]]:
    """Rows of the scorecard table (the one headed 规则 | 内容 …), by rule id."""
    for table in document.tables:
        head = [c.text for c in table.rows[0].cells]
        if head[:2] in (["规则", "内容"], ["rule", "requirement"]):
            return {row.cells[0].text: [c.text for c in row.cells] for row in table.rows[1:]}
    raise AssertionError("no scorecard table")


# ---------------------------------------------------------------------------- Word
def test_word_scorecard_has_the_numbers_check_prints(word, summary):
    rows = scorecard(word)
    assert list(rows) == list(summary)
    for rid, s in summary.items():
        units, passed, failed, warned, unknown, na, gap = rows[rid][3:10]
        assert (units, passed, failed, warned, unknown, na) == tuple(
            f"{s[k]:,}" for k in ("units", "passed", "failed", "warned", "unknown",
                                  "not_applicable"))
        assert gap == f"{s['population_in_gap']:,}"  # as check prints it: 44,524


def test_word_sentences_state_failed_and_residents_with_clause(word, summary):
    text = docx_text(word)
    for rid, s in summary.items():
        sentence = next(p.text for p in word.paragraphs if p.text.startswith(f"{rid} {s['title']}："))
        if rid == "R8":  # never fails: residents below the reference instead
            below = s["figures"]["residents_below_reference"]
            assert f"{s['warned']:,}个低于这一参考值（涉及常住人口{below:,}人）" in sentence
            assert s["clause"] in sentence and "参考基准" in sentence
            continue
        assert f"{s['failed']:,}" in sentence
        if s["population_in_gap"]:
            assert f"未达标单元涉及常住人口{s['population_in_gap']:,}人" in sentence
        else:                        # R5 on the demo: nobody, said as a sentence, not "0人"
            assert s["population_in_gap"] == 0 and "没有常住人口生活在未达标单元" in sentence
        assert s["clause"] in sentence
        assert ("政策要求" if s["basis"] == "requirement" else "参考基准") in sentence
    assert "宝坻区基层医疗卫生服务网络评估报告" in text


def test_word_has_one_map_per_map_section(word):
    assert len(word.inline_shapes) == len(MAP_RULES)
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]
    assert len(captions) == len(MAP_RULES)
    for rid, caption in zip(MAP_RULES, captions):
        assert f"（{rid}" in caption


def test_word_says_demo_data_are_synthetic_with_provenance_counts(word, region):
    text = docx_text(word)
    assert "演示数据" in text and "合成（synthetic）" in text
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "图层")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    villages = region.villages["source"]
    assert rows["村（居）委会"][2:5] == [f"{len(villages):,}", "0", f"{(villages == 'synthetic').sum():,}"]
    towns = region.townships["source"]
    assert rows["乡镇（街道）"][3] == str(towns.str.startswith("real").sum())


def test_word_gap_sections_per_township_and_appendix(word, assessment, region):
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    r2 = assessment.results["R2"].units
    fail_towns = set(r2.loc[r2["status"] == "fail", "township_id"])
    names = region.townships.set_index("township_id")["name"]
    for tid in fail_towns:  # every township with an R2 gap has its own section
        assert any(h.startswith(f"{names[tid]}（") for h in headings)
    appendix = next(t for t in word.tables if t.rows[0].cells[0].text == "参数")
    keys = [r.cells[0].text for r in appendix.rows[1:]]
    assert "R2.max_distance_m" in keys and len(keys) == len(assessment.rulebook.keys())
    row = appendix.rows[1 + keys.index("R2.max_distance_m")].cells
    assert row[1].text == "1500" and row[4].text == assessment.rulebook.key("R2", "max_distance_m").clause


# ---------------------------------------------------------------------------- PDF
def test_pdf_has_the_numbers_and_chinese_text(pdf, summary):
    text = pdf_text(pdf)
    assert "宝坻区基层医疗卫生服务网络评估报告" in text
    for rid, s in summary.items():
        if rid != "R8" and s["population_in_gap"]:
            assert f"未达标单元涉及常住人口{s['population_in_gap']:,}人" in text, rid
    assert "没有常住人口生活在未达标单元" in text and "常住人口0人" not in text   # R5: nobody
    assert "004 §三(二)" in text


def test_pdf_names_the_rulebook_not_the_server_path(pdf, assessment):
    """The appendix and the subtitle name the rulebook, its file and version; no folder of
    the server that made the report."""
    text = pdf_text(pdf)
    rb = assessment.rulebook
    assert str(Path(rb.path).parent) not in text and "/" + Path(rb.path).name not in text
    assert f"天津市基层医疗卫生服务网络（{Path(rb.path).name}，版本 {rb.meta['version']}）" in text
    assert "Tianjin primary health-care network" not in text          # the Chinese half only


def test_english_pdf_reads_well_for_one_and_none(region, assessment, tmp_path):
    """The demo has one district (R4 fails it, R5 only warns), townships with one gap, no
    row set aside: the English PDF says so in English, singular and zero alike."""
    out = build_report(region, out=tmp_path / "r.pdf", lang="en", assessment=assessment, dpi=DPI)
    text = re.sub(r"\s+", "", "".join(pages_text(out)))    # the PDF breaks lines where it likes
    for good in ("of 1 district, 0 pass, 1 fails", "1 needs attention",
                 "no resident lives in a failing unit", "(1 gap)", "no row set aside",
                 "636 village clinics", "Rulebook: Tianjin primary health-care network (tianjin.toml"):
        assert re.sub(r"\s+", "", good) in text, good
    for bad in ("of 1 districts", "1 need attention", "(1 gaps)", "0 rows set aside",
                "636 village clinic,", str(Path(assessment.rulebook.path).parent)):
        assert re.sub(r"\s+", "", bad) not in text, bad


def test_pdf_has_one_image_per_map_section(pdf):
    assert sum(len(page.images) for page in pdf.pages) == len(MAP_RULES)


def test_pdf_embeds_a_cjk_font(pdf):
    want = _report_fonts.cjk_font().family.replace(" ", "")
    embedded = set()
    for page in pdf.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for desc in font.get("/DescendantFonts", []):
                fd = desc.get_object()["/FontDescriptor"].get_object()
                if any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert any(name.startswith(want) for name in embedded), embedded


# ---------------------------------------------------------------------------- filters
def test_township_filter_counts_only_its_units(region, assessment, tmp_path):
    out = build_report(region, township="大白庄镇", out=tmp_path / "t.docx",
                       assessment=assessment, dpi=DPI)
    document = docx.Document(str(out))
    tid = region.townships.loc[region.townships["name"] == "大白庄镇", "township_id"].iloc[0]
    v = region.villages
    committees = v[(v["township_id"] == tid) & (v["kind"] == "village_committee")]
    r2 = assessment.results["R2"].units
    failed = r2[(r2["township_id"] == tid) & (r2["status"] == "fail")]
    rows = scorecard(document)
    assert rows["R1"][3] == "1"
    assert rows["R2"][3] == f"{len(committees):,}"
    assert rows["R2"][5] == f"{len(failed):,}"
    assert rows["R2"][9] == f"{int(failed['population'].sum()):,}"
    gap_headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"
                    and re.search(r"（\d+项缺口）$", p.text)]
    assert [h.split("（")[0] for h in gap_headings] == ["大白庄镇"]
    assert document.paragraphs[0].text == "宝坻区大白庄镇基层医疗卫生服务网络评估报告"


@pytest.mark.parametrize("kwargs, valid", [({"township": "火星镇"}, "大白庄镇"),
                                           ({"district": "河西区"}, "宝坻区")])
def test_unknown_name_lists_the_valid_ones(region, assessment, tmp_path, kwargs, valid):
    with pytest.raises(InputError, match=valid) as info:
        build_report(region, out=tmp_path / "x.docx", assessment=assessment, **kwargs)
    assert next(iter(kwargs.values())) in str(info.value)
    assert not (tmp_path / "x.docx").exists()


def test_unknown_format_is_an_input_error(region, assessment, tmp_path):
    with pytest.raises(InputError, match=r"\.docx.*\.pdf"):
        build_report(region, out=tmp_path / "x.txt", assessment=assessment)


# ---------------------------------------------------------------------------- scenario
def test_scenario_report_has_before_after_and_sites_in_both_systems(region, assessment, summary,
                                                                    tmp_path):
    r2 = assessment.results["R2"].units
    gap = r2[r2["status"] == "fail"].sort_values("population").iloc[-1]
    sc = Scenario(region, name="补点方案", rulebook=assessment.rulebook, base_assessment=assessment)
    sc.add_facility("village_clinic", x=gap.geometry.x, y=gap.geometry.y, name="测试新村卫生室")
    path = sc.save(tmp_path / "scenario.gpkg")
    out = build_report(region, scenario=path, lang="en", out=tmp_path / "s.docx",
                       assessment=assessment, dpi=DPI)
    document = docx.Document(str(out))
    assert len(document.inline_shapes) == len(MAP_RULES) + 1  # + before/after map

    sites = next(t for t in document.tables if t.rows[0].cells[0].text == "name")
    assert [c.text for c in sites.rows[0].cells][3:] == ["lon WGS84", "lat WGS84", "lon GCJ-02",
                                                         "lat GCJ-02"]
    (row,) = [[c.text for c in r.cells] for r in sites.rows[1:]]
    assert row[0] == "测试新村卫生室"
    lon, lat = region.to_wgs84("villages").set_index("village_id").loc[gap["unit_id"], "geometry"].coords[0]
    assert float(row[3]) == pytest.approx(lon, abs=2e-6)
    assert float(row[4]) == pytest.approx(lat, abs=2e-6)
    glat, glon = eviltransform.wgs2gcj(float(row[4]), float(row[3]))  # an independent GCJ-02
    assert float(row[5]) == pytest.approx(glon, abs=2e-6)
    assert float(row[6]) == pytest.approx(glat, abs=2e-6)

    before_after = next(t for t in document.tables
                        if len(t.columns) > 1 and t.rows[0].cells[1].text == "failing units")
    r2_row = next([c.text for c in r.cells] for r in before_after.rows[1:] if r.cells[0].text == "R2")
    before, after = (int(x.replace(",", "")) for x in r2_row[1].split(" → "))
    assert before == summary["R2"]["failed"]
    assert after <= before - 1  # a clinic on the village seat itself closes that gap
    assert "Findings" in docx_text(document)
    assert "Edits: Add village clinic: 测试新村卫生室" in docx_text(document)   # the edit in English


# ---------------------------------------------------------------------------- bytes, fonts
def test_report_bytes_for_a_download_button(region, assessment):
    data = report_bytes(region, "pdf", township="朝霞街道", assessment=assessment, dpi=DPI)
    assert data[:5] == b"%PDF-"
    assert report_filename(region, township="朝霞街道", fmt="pdf").startswith("朝霞街道_评估报告_")


def test_no_cjk_font_is_a_clear_error(monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(_report_fonts, "registry_font", lambda: None)
    monkeypatch.setattr(_report_fonts, "_entries", lambda: [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    _report_fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(InputError, match="fonts-noto-cjk"):
            _report_fonts.cjk_font()
    finally:
        _report_fonts.cjk_font.cache_clear()


def test_registry_font_comes_first():
    """The regular face is the OFL Noto collection from the PyPI package, by its path."""
    font = _report_fonts.cjk_font()
    assert font.path == str(_report_fonts.registry_font())
    assert (font.family, font.index) == ("Noto Sans CJK SC", 2)  # the SC face of the .ttc



def test_font_face_by_weight():
    """Bold text (weight 600 and more) is drawn in the bold face, the rest in the regular."""
    font = _report_fonts.CJKFont("F", "regular.ttc", 2, "bold.ttc", 3)
    faces = (font.face(), font.face(400), font.face("semibold"), font.face("bold"),
             font.face(900))
    assert [(f.path, f.face_index) for f in faces] == [
        ("regular.ttc", 2), ("regular.ttc", 2), ("bold.ttc", 3), ("bold.ttc", 3), ("bold.ttc", 3)]

_BARE = r"""
import sys
from matplotlib import font_manager as fm
from pypdf import PdfReader
from planning.outputs.report import fonts as _report_fonts
from planning.inputs import load_demo
from planning.outputs.report import build_report
system_cjk = [e.fname for e in fm.fontManager.ttflist if "CJK" in e.name]
build_report(load_demo(), township="朝霞街道", out=sys.argv[1], dpi=40)
import io
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont
names = set()  # the PDF's name of each font, and the name inside its embedded program
for page in PdfReader(sys.argv[1]).pages:
    for ref in page.get("/Resources", {}).get("/Font", {}).values():
        names.add(str(ref.get_object()["/BaseFont"]).split("+")[-1])
        for desc in ref.get_object().get("/DescendantFonts", []):
            fd = desc.get_object()["/FontDescriptor"].get_object()
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in fd:
                    data = fd[key].get_object().get_data()
                    if data[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
                        names.add(TTFont(io.BytesIO(data))["name"].getDebugName(6))
                    else:  # a bare CFF font program (OpenType/CFF subset)
                        cff = CFFFontSet()
                        cff.decompile(io.BytesIO(data), None)
                        names.update(cff.fontNames)
print(len(system_cjk), _report_fonts.cjk_font().path, sorted(names), sep="|")
"""


def test_report_on_a_machine_without_system_fonts(tmp_path):
    """The system font folders hidden (a private mount namespace with an empty folder
    bound over them) and a fresh matplotlib cache: the PDF embeds the registry font."""
    import os
    import shutil
    import subprocess
    import sys

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to hide the system fonts")
    empty = tmp_path / "empty"
    empty.mkdir()
    hide = " && ".join(f"mount --bind {empty} {d}" for d in
                       ("/usr/share/fonts", "/usr/local/share/fonts") if os.path.isdir(d))
    out = tmp_path / "bare.pdf"
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "HOME": str(tmp_path)}
    cmd = f'{hide} && exec "$0" -c "$1" "$2"'
    run = subprocess.run(["unshare", "-m", "sh", "-c", cmd, sys.executable, _BARE, str(out)],
                         capture_output=True, text=True, env=env, timeout=600)
    if run.returncode != 0 and "unshare" in run.stderr and "Operation not permitted" in run.stderr:
        pytest.skip("mount namespaces are not permitted here")
    assert run.returncode == 0, run.stderr[-3000:]
    system_cjk, path, names = run.stdout.strip().splitlines()[-1].split("|")
    assert system_cjk == "0"                                  # the system fonts were hidden
    assert path == str(_report_fonts.registry_font())
    # the SC face of the collection; its glyph program (shared by the collection's faces)
    # is named after the JP face inside the .ttc
    assert names == "['NotoSansCJKSC', 'NotoSansCJKjp-Regular']", names


def test_maps_keep_the_cjk_font_when_matplotlib_rebuilds_its_font_list(region, assessment,
                                                                      monkeypatch, tmp_path):
    """A font uninstalled after matplotlib cached it (a stale ``fontlist-*.json``): the
    first lookup that lands on the missing file makes matplotlib rebuild its font list in
    place, which forgets the registry font and any CJK font gone from the system. The
    maps must still be drawn with the CJK font, not DejaVu Sans (tofu boxes)."""
    import dataclasses
    import warnings

    from matplotlib import font_manager as fm

    manager = fm.fontManager
    _report_fonts.cjk_font()                                  # found (and registered) first
    gone = str(tmp_path / "uninstalled.ttc")                   # every family's first entry
    stale = [dataclasses.replace(e, fname=gone) for e in manager.ttflist] + manager.ttflist
    rebuilt = [e for e in manager.ttflist if "CJK" not in e.name]  # no CJK font left
    rebuilds = []

    def rebuild(*, try_read_cache=True):                      # no rescan, no cache written
        rebuilds.append(try_read_cache)
        new = fm.FontManager.__new__(fm.FontManager)
        vars(new).update(vars(manager), ttflist=list(rebuilt))
        return new

    monkeypatch.setattr(fm, "_load_fontmanager", rebuild)
    monkeypatch.setattr(manager, "ttflist", stale)
    manager._findfont_cached.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = report_bytes(region, "pdf", township="朝霞街道", assessment=assessment, dpi=40)
    finally:
        manager._findfont_cached.cache_clear()
    assert data[:5] == b"%PDF-"
    assert rebuilds == [False]              # the stale entry was hit and the list rebuilt
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
