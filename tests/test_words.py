"""Every word in one place: rules write codes, ``planning.words`` writes the sentences.

The walk over every rule's every reason/action/note code fails on a code without words, on
words missing in one language, on an English sentence with Chinese in it (policy clause
references such as "001 §二(一)1" aside) and on words no rule uses. ``check --lang en`` is
then run as a planner runs it and its output and gap layers scanned for Chinese outside
proper names (the names in the input data).
"""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pyogrio

from planning import cli, words
from planning.errors import Msg
from planning.inputs import load_demo
from planning.rules import RULES

RULES_DIR = Path(words.__file__).parent / "rules"
RULE_FILES = sorted(RULES_DIR.glob("r[1-8]_*.py")) + [RULES_DIR / "assess.py", RULES_DIR / "base.py"]
#: Chinese ideographs and full-width punctuation: what must not be in an English sentence
CHINESE = re.compile(r"[\u3400-\u9fff，；：。（）“”]")
#: policy clause references: "001 §二(一)1", "000 §三(十五), 004 §三(二)", "002 §二(一)"
CLAUSE = re.compile(r"§[^\s,;]+")
CODE = re.compile(r"\bR[1-8]\.[a-z_]+\b")


def chinese_in(text: str, names: re.Pattern | None = None) -> str | None:
    """The first Chinese character of ``text`` outside clause references and ``names``."""
    text = CLAUSE.sub("", names.sub("", text) if names is not None else text)
    found = CHINESE.search(text)
    return None if found is None else text[max(0, found.start() - 20):found.end() + 20]


def _strings(path: Path) -> list[str]:
    """String constants of a module's code (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def emitted_codes() -> set[str]:
    """Every reason/action/note code written in the rules' code."""
    out: set[str] = set()
    for path in RULE_FILES:
        for s in _strings(path):
            out |= set(CODE.findall(s))
    return out


#: a sample for every field a rule sentence takes (names in ASCII, so that the English
#: sentence must be free of Chinese by itself)
SAMPLE = {"want_word": "kind.township_health_centre", "service_word": "service_mode.touring",
          "mode_word": "mode.walk", "place_word": "place.township", "level": "二级甲等",
          "centres": ["Centre A", "Centre B"], "candidates": ["Centre A"],
          "facilities": ["Centre A"], "clinic": "Clinic A", "village": "Village A",
          "township": "Town A", "group": "G1", "lead": "Hospital A", "label": "straight",
          "label_word": "label.straight",
          "decay": "no decay", "weights": "1/0.6", "share": 0.25, "minimum_share": 0.3}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _render(key: str, lang: str) -> str:
    pair = words.STRINGS[key]
    params = {f: SAMPLE.get(f, 1234.5) for f in _fields(pair[0]) | _fields(pair[1])}
    prefix, code = key.split(".", 1)
    if prefix in ("reason", "action"):
        return words.coded_text(prefix, code, params, lang)
    return Msg(key, params).text(lang)


def test_every_code_a_rule_writes_has_words_in_both_languages():
    codes = emitted_codes()
    assert len(codes) > 80                       # R1-R8's reasons, actions and notes
    for rid in RULES:
        assert any(c.startswith(rid + ".") for c in codes), rid
    for code in sorted(codes):
        keys = [k for k in (f"reason.{code}", f"action.{code}", f"note.{code}")
                if k in words.RULE_WORDS]
        assert keys, f"{code}: no words"
        for key in keys:
            zh, en = _render(key, "zh"), _render(key, "en")
            assert zh and en and zh != en, key
            assert CHINESE.search(zh), f"{key}: the Chinese words are not Chinese: {zh!r}"
            assert chinese_in(en) is None, f"{key}: Chinese in English: {chinese_in(en)!r}"
            assert "{" not in zh + en and "None" not in en, key


def test_every_rule_word_is_written_by_a_rule():
    codes = emitted_codes()
    unused = [k for k in words.RULE_WORDS if k.split(".")[0] in ("reason", "action")
              and k.split(".", 1)[1] not in codes]
    assert unused == []
    notes = [k for k in words.RULE_WORDS if k.startswith("note.R")]
    assert all(k.split(".", 1)[1] in codes for k in notes), notes


def test_rules_write_no_words():
    """No Chinese sentence is left in the rules' code: only codes and names' separators
    (``rules.base`` reads hospital levels written in Chinese: input, not words)."""
    for path in RULE_FILES:
        if path.name == "base.py":
            continue
        for s in _strings(path):
            assert not re.search(r"[\u3400-\u9fff]", s), f"{path.name}: {s!r}"


def test_a_rule_result_holds_codes_and_names_not_words(demo_names):
    """Before any output renders it, a result's units and layers carry no words: no
    ``reason``/``action`` column, and no Chinese in any text cell or param but the input's
    names (and hospital levels such as 二甲, which are input values); rendering writes the
    words, in either language, from the codes alone."""
    from planning.rules.assess import assess

    region = load_demo()
    assessment = assess(region)
    level = re.compile(r"^[一二三甲乙丙级等]+$")
    coded = 0
    for rid, result in assessment.results.items():
        frames = {"units": result.units, **{k: v for k, v in result.layers.items() if v is not None}}
        for name, frame in frames.items():
            assert not {"reason", "action"} & set(frame.columns), (rid, name)
            for col in frame.columns:
                if frame[col].dtype != object or col == "geometry":
                    continue
                for value in frame[col].dropna():
                    values = value.values() if isinstance(value, dict) else [value]
                    for v in values:
                        for x in (v if isinstance(v, list) else [v]):
                            if isinstance(x, str) and not level.match(x):
                                assert chinese_in(x, demo_names) is None, (rid, name, col, x)
            if "reason_code" in frame:
                coded += len(frame)
                for lang in ("zh", "en"):
                    text = words.render_units(frame, lang)
                    assert text["reason"].str.len().gt(0).all(), (rid, name, lang)
    assert coded > 5000


def test_kind_names_agree_everywhere():
    assert words.kind_name("special", "en") == "Special unit"
    assert words.kind_name("special", "en", sentence=True) == "special unit"
    assert words.kind_name("tcm_hospital", "en", sentence=True) == "TCM hospital"
    assert words.kind_name("village_clinic", "zh") == "村卫生室"
    assert words.column("population", "zh") == "常住人口(人)"
    assert words.column("clinic_road_m", "en") == "Road distance to clinic (m)"


def test_several_codes_are_one_sentence_and_names_stay_as_written():
    params = {"clinic": "东村卫生室", "village": "东村", "distance_m": 1234.0}
    en = words.coded_text("reason", "R2.shared;R2.not_adjacent", params, "en")
    zh = words.coded_text("reason", "R2.shared;R2.not_adjacent", params, "zh")
    assert en == "Shares 东村卫生室 with 东村, 1,234 m; its village is not a neighbour"
    assert zh == "与东村共用东村卫生室，1,234米；所属村与本村不相邻"
    assert words.coded_text("action", "", params, "en") == ""


def test_check_in_english_writes_no_chinese_outside_names(tmp_path, capsys, demo_names):
    gpkg, summary = tmp_path / "gaps.gpkg", tmp_path / "summary.json"
    assert cli.main(["check", "--lang", "en", "--out", str(gpkg), "--summary", str(summary)]) == 0
    out = capsys.readouterr()
    for line in (out.out + out.err).splitlines():
        assert chinese_in(line, demo_names) is None, line
    assert "residents in gap" in out.out

    seen_reasons = 0
    for layer, _ in pyogrio.list_layers(gpkg):
        frame = pyogrio.read_dataframe(gpkg, layer=layer)
        assert "params" not in frame
        for col in frame.columns:
            if frame[col].dtype != object or col == "geometry":
                continue
            for value in frame[col].dropna().astype(str).unique():
                assert chinese_in(value, demo_names) is None, (layer, col, value)
        if "reason" in frame:
            seen_reasons += frame["reason"].fillna("").str.len().gt(0).sum()
            assert "reason_code" in frame
    assert seen_reasons > 1000

    data = json.loads(summary.read_text(encoding="utf-8"))

    def walk(x, path):
        if isinstance(x, dict):
            for k, v in x.items():
                if k != "title":                 # the Chinese title beside title_en, by design
                    walk(v, f"{path}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")
        elif isinstance(x, str):
            assert chinese_in(x, demo_names) is None, (path, x)

    walk(data, "summary")
    notes = [n for r in data["rules"] for n in r["notes"]]
    assert any("E2SFCA" in n for n in notes) and any("Patient flow" in n for n in notes)


def test_check_in_chinese_writes_chinese_reasons(tmp_path, capsys):
    gpkg = tmp_path / "gaps.xlsx"
    assert cli.main(["check", "--lang", "zh", "--out", str(gpkg)]) == 0
    capsys.readouterr()
    import openpyxl

    sheet = openpyxl.load_workbook(gpkg, read_only=True)["R2_villages"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert "原因" in header and "建议措施" in header and "状态" in header
    reasons = [r[header.index("原因")] for r in rows[1:] if r[header.index("原因")]]
    assert reasons and all(re.search(r"[\u3400-\u9fff]", x) for x in reasons)
    assert not any(re.search(r"\b(?:Own|Shares|No standardized)\b", x) for x in reasons)


def test_english_report_has_no_chinese_outside_names(demo_names):
    """The composed English report: the rules' reasons and actions, kind, status and mode
    words in English; Chinese only in names, clause references, the policy documents'
    titles and the rulebook's glosses of policy terms, e.g. "(中心乡镇卫生院)"."""
    from planning.outputs.report.compose import compose

    doc = compose(load_demo(), lang="en")
    gloss = re.compile(r"\([\u3400-\u9fff]+(?: or above)?\)")
    policy_title = re.compile(r"^\d{3}: ")
    checked = 0
    for block in doc.blocks:
        cells = [getattr(block, k, None) for k in ("text", "caption")]
        cells += [c for row in (getattr(block, "rows", None) or []) for c in row]
        for cell in cells:
            if not isinstance(cell, str) or policy_title.match(cell):
                continue
            checked += 1
            assert chinese_in(gloss.sub("", cell), demo_names) is None, cell
    assert checked > 200


def test_readable_is_one_call_per_table_in_either_language():
    """What the app calls for a rule's table: words for codes, headers in the language."""
    import geopandas as gpd
    from shapely.geometry import Point

    units = gpd.GeoDataFrame({
        "unit_id": ["120115101201", "120115101202"], "name": ["东村", "西村"],
        "status": ["pass", "fail"], "coverage": ["own", "gap"], "population": [800.0, 1200.0],
        "reason_code": ["R2.own", "R2.gap"], "action_code": ["", "R2.new"],
        "params": [{"clinic": "东村卫生室", "distance_m": 320.0, "limit_m": 1500.0},
                   {"clinic": "东村卫生室", "distance_m": 2300.0, "limit_m": 1500.0}]},
        geometry=[Point(0, 0), Point(1, 1)], crs=32650)
    from planning.outputs.tables import readable

    en = readable(units, "en")
    assert list(en.columns) == ["Unit code", "Name", "Status", "Coverage", "Residents", "Reason",
                                "Suggested action"]
    assert en["Status"].tolist() == ["Pass", "Fail"] and en["Coverage"].tolist() == ["Own clinic", "Gap"]
    assert en["Reason"].tolist() == ["Own clinic (东村卫生室), 320 m",
                                     "No standardized clinic within 1,500 m (the nearest is 2,300 m)"]
    assert en["Suggested action"].iloc[0] == ""
    assert en["Suggested action"].iloc[1].startswith("Build a standardized clinic")
    zh = readable(units, "zh")
    assert list(zh.columns) == ["单元代码", "名称", "状态", "覆盖方式", "常住人口(人)", "原因", "建议措施"]
    assert zh["原因"].tolist() == ["本村卫生室（东村卫生室）320米", "1,500米内无标准化村卫生室（最近2,300米）"]
    assert zh["状态"].tolist() == ["达标", "未达标"]


def test_counts_of_none_one_and_two_read_well_in_both_languages():
    """Crafted counts (0, 1, 2) through :func:`words.counted`: singular, plural and zero."""
    c = words.counted
    assert [c("rep.units.R4", n, "en") for n in (1, 2)] == ["1 district", "2 districts"]
    assert [c("rep.hl.gap", n, "en") for n in (0, 1, 2)] == [
        "no resident lives in a failing unit", "1 resident lives in a failing unit",
        "2 residents live in failing units"]
    assert [c("rep.hl.gap", n, "zh") for n in (0, 1, 2500)] == [
        "没有常住人口生活在未达标单元", "未达标单元涉及常住人口1人", "未达标单元涉及常住人口2,500人"]
    assert [c("rep.h.town", n, "en", name="East") for n in (1, 2)] == ["East (1 gap)", "East (2 gaps)"]
    assert [c("rep.checks.errors", n, "en") for n in (0, 1, 2)] == [
        "no row set aside", "1 row set aside", "2 rows set aside"]
    assert [c("rep.hl.warned", n, "en", mw="") for n in (1, 2)] == ["1 needs attention",
                                                                     "2 need attention"]
    # the scorecard's sentences: R5's all-clear without "(0 N/A)", R4's failure for one district
    assert [c("say.R5.ok", n, "zh", na=n) for n in (0, 1, 2)] == [
        "没有区缺少三级能力区级医院或二甲中医医院", "没有区缺少三级能力区级医院或二甲中医医院（1 个区不适用）",
        "没有区缺少三级能力区级医院或二甲中医医院（2 个区不适用）"]
    fields = {"pop": "5 residents", "minutes": "30"}
    assert c("say.R4.fail", 1, "en", **fields).startswith("1 agricultural district has residents")
    assert c("say.R4.fail", 2, "en", **fields).startswith("2 agricultural districts have residents")
    # every one/zero variant has its plain key, and the same fields
    # a rule's sentence turns on the count its COUNT_FIELDS entry names
    assert words.coded_text("reason", "R4.hard_villages", {"hard_villages": 1, "minutes": 30}, "en") \
        == "1 village is more than 30 min by car from a district or level-2+ general hospital"
    assert words.coded_text("reason", "R4.hard_villages", {"hard_villages": 2, "minutes": 30}, "en") \
        .startswith("2 villages are more than 30 min")
    assert Msg("note.R8.gps_unknown", {"n": 1, "facilities": ["A"]}).text("en").startswith(
        "1 facility lacks a GP count (A)")
    for key, field in words.COUNT_FIELDS.items():
        assert key + ".one" in words.STRINGS and field in _fields(words.STRINGS[key][1]), key
    for key in [k for k in words.STRINGS if k.endswith((".one", ".zero"))
                and k.startswith(("rep.", "say.", "edit.", "reason.", "note."))]:
        plain = key.rsplit(".", 1)[0]
        assert plain in words.STRINGS, key
        for lang in (0, 1):
            assert _fields(words.STRINGS[key][lang]) <= _fields(words.STRINGS[plain][lang]) | {"n"}, key


def test_scenario_edits_and_their_warning_are_written_in_either_language():
    from planning.plan.edits import Edit

    add = Edit("add", kind="village_clinic", name="东村卫生室", value={"gps": 1})
    assert add.describe("zh") == "新增村卫生室：东村卫生室（全科医生1名）"
    assert add.describe("en") == "Add village clinic: 东村卫生室 (1 GP)"
    staff = Edit("staff", facility_id="F1", value={"gps": 2, "nurses": -1})
    assert staff.describe("en") == "Facility F1: add 2 GPs, -1 nurse"
    assert staff.describe("zh") == "机构 F1 增加全科医生2名、护士-1名"
    assert Edit("service_mode", village_id="V1", value="touring").describe("en") == \
        "Village V1: service mode Touring"
    assert Edit("service_mode", village_id="V1").describe("zh") == "村 V1 服务方式设为（无）"
    for e in (add, staff, Edit("move", facility_id="F1"), Edit("close", facility_id="F1"),
              Edit("population", village_id="V1", value=300)):
        assert chinese_in(e.describe("en").replace("东村卫生室", "")) is None, e
    warning = Msg("edit.keep_existing", {"kind_word": "kind.township_health_centre",
                                         "name": "Town A centre", "clause": "001 §二(一)1"})
    assert chinese_in(warning.text("en")) is None
    assert warning.text("zh").startswith("关闭现有乡镇卫生院“Town A centre”")


def test_lists_of_names_are_joined_in_the_reader_s_language():
    from planning.words import listing

    files = ["村.csv", "facilities.xlsx", "乡镇.geojson"]
    assert listing(files, "zh") == "村.csv、facilities.xlsx、乡镇.geojson"
    assert listing(files, "en") == "村.csv, facilities.xlsx, 乡镇.geojson"
    assert listing(files, "en", most=2) == "村.csv, facilities.xlsx…"
    assert listing(files, "zh", most=3) == "村.csv、facilities.xlsx、乡镇.geojson"   # all shown: no "…"
    assert listing((f for f in files[:1]), "en") == "村.csv"                         # any iterable
    assert listing([], "en") == ""


def test_remembered_sentences_tell_apart_values_written_differently():
    """coded_text remembers each (code, params, language) once: a value that reads
    differently (1 and 1.0 and True; 0.0 and -0.0; a list of names) gets its own sentence,
    the same as rendered afresh; params that cannot be a key are rendered without it."""
    cases = [("reason", "R8.below", {"mode_word": "mode.ebike", "minutes": m, "gps": g, "target": 4})
             for m in (30, 30.0, True) for g in (0.0, -0.0, 2.5)]
    cases += [("reason", "R2.gap", {"limit_m": 1500, "distance_m": d}) for d in (-0.0, 0.0, 2300.4)]
    cases += [("reason", "R8.below", {"mode_word": "mode.walk", "minutes": 15, "gps": 1, "target": 4,
                                      "names": ["甲", "乙"]}),
              ("reason", "R8.below", {"mode_word": "mode.walk", "minutes": 15, "gps": 1, "target": 4,
                                      "names": {"unhashable": [1]}})]
    for lang in ("zh", "en"):
        for _ in range(2):                      # the second time from the memo
            for prefix, code, params in cases:
                assert words.coded_text(prefix, code, params, lang) == \
                    words._coded_text(prefix, code, params, lang)
    zh = [words.coded_text(p, c, params, "zh") for p, c, params in cases[:9]]
    assert zh[0].startswith("电动自行车30分钟") and zh[6].startswith("电动自行车1分钟")  # True is 1
    assert "-0.00名" in zh[1] and "每万人0.00名" in zh[0]
    assert words.coded_text("reason", "R2.gap", {"limit_m": 1500, "distance_m": -0.0}, "en") == \
        "No standardized clinic within 1,500 m (the nearest is -0 m)"
