"""The app in English shows no Chinese outside proper names and policy clause references.

Every page of the demo is run in English (Streamlit's AppTest) and every text element and
table it draws is scanned for Chinese characters. Allowed: names that come from the input
data (district, townships, villages, facilities) and the clause references of the policy
texts (``001 §二(一)1``). A Chinese sentence a rule or a page writes fails the test, with
the page and the words.
"""

from __future__ import annotations

import re

import pytest
from test_app import app_with, go

from planning.inputs import load_demo

CJK = re.compile(r"[\u3400-\u9fff]+")
CLAUSE = re.compile(r"§[\s一二三四五六七八九十百()（）\d.、]+")
PAGES = ("scorecard", "tables", "rulebook", "downloads", "suggest", "scenario")
TEXT_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "text", "info",
                 "warning", "success", "error", "metric")


@pytest.fixture(scope="module")
def names() -> set[str]:
    region = load_demo()
    out = {region.name}
    for layer, cols in ((region.townships, ("name",)), (region.villages, ("name", "township")),
                        (region.facilities, ("name",)), (region.districts, ("name",))):
        if layer is None:
            continue
        for c in cols:
            if c in layer:
                out |= {str(v) for v in layer[c].dropna()}
    return out


def _chinese_outside_names(texts: list[str], names: set[str]) -> set[str]:
    """The runs of Chinese characters in ``texts`` that are not (part of) a name."""
    found = set()
    for s in texts:
        s = CLAUSE.sub(" ", s)
        for name in sorted(names, key=len, reverse=True):
            s = s.replace(name, " ")
        found |= set(CJK.findall(s))
    return found


def _page_texts(at) -> list[str]:
    texts = [str(getattr(e, "value", "")) for kind in TEXT_ELEMENTS for e in getattr(at, kind, [])]
    texts += [str(getattr(e, "label", "")) for e in at.button]
    texts += [t.value.to_string() for t in at.table]
    texts += [d.value.to_string() for d in at.dataframe]
    return texts


def test_every_page_in_english_has_no_chinese_outside_names(names):
    at = app_with(None, lang="en")
    assert not at.exception
    seen = {}
    for page in PAGES:
        if page != "scorecard":
            go(at, page)
        assert not at.exception, page
        texts = _page_texts(at)
        assert texts, f"page {page} drew no text"
        bad = _chinese_outside_names(texts, names)
        if bad:
            seen[page] = sorted(bad)[:10]
    assert not seen, seen


def test_the_scan_finds_a_chinese_sentence(names):
    """The check itself: a Chinese sentence is found, a name and a clause are not."""
    town = next(n for n in names if n.endswith("镇"))
    assert _chinese_outside_names([f"{town} fails (001 §二(一)1)"], names) == set()
    assert _chinese_outside_names(["按增强两步移动搜索法计算"], names) == {"按增强两步移动搜索法计算"}


def test_the_english_spreadsheet_has_no_chinese_outside_names(tmp_path, names):
    """The XLSX a planner downloads in English: every sheet's headers and cells."""
    from openpyxl import load_workbook

    from planning.outputs.export import export_layers
    from planning.rules.assess import assess

    path = export_layers(assess(load_demo()).layers(), tmp_path / "gaps.xlsx", lang="en")
    book = load_workbook(path, read_only=True)
    seen = {}
    for sheet in book.worksheets:
        texts = [str(v) for row in sheet.iter_rows(values_only=True) for v in row
                 if isinstance(v, str)]
        bad = _chinese_outside_names(texts, names)
        if bad:
            seen[sheet.title] = sorted(bad)[:10]
    assert len(book.worksheets) > 10
    assert not seen, seen
