"""The app in English shows no Chinese outside proper names and policy clause references.

Every page of the demo is run in English (Streamlit's AppTest) and every text element and
table it draws is scanned for Chinese characters, as :mod:`test_words` scans the CLI,
the exports and the report (:func:`test_words.chinese_in`; names from the input data and
clause references such as ``001 §二(一)1`` are allowed). A Chinese sentence a rule or a
page writes fails the test, with the page and the words.
"""

from __future__ import annotations

from test_app import app_with, go
from test_words import chinese_in

from planning.inputs import load_demo

PAGES = ("scorecard", "tables", "rulebook", "downloads", "suggest", "scenario")
TEXT_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "text", "info",
                 "warning", "success", "error", "metric")


def _chinese(texts: list[str], names) -> list[str]:
    """Each text's first Chinese outside names and clause references (with context)."""
    return [hit for s in texts if (hit := chinese_in(s, names)) is not None]


def _page_texts(at) -> list[str]:
    texts = [str(getattr(e, "value", "")) for kind in TEXT_ELEMENTS for e in getattr(at, kind, [])]
    texts += [str(getattr(e, "label", "")) for e in at.button]
    texts += [t.value.to_string() for t in at.table]
    texts += [d.value.to_string() for d in at.dataframe]
    return texts


def test_every_page_in_english_has_no_chinese_outside_names(demo_names):
    at = app_with(None, lang="en")
    assert not at.exception
    seen = {}
    for page in PAGES:
        if page != "scorecard":
            go(at, page)
        assert not at.exception, page
        texts = _page_texts(at)
        assert texts, f"page {page} drew no text"
        bad = _chinese(texts, demo_names)
        if bad:
            seen[page] = bad[:10]
    assert not seen, seen


def test_the_scan_finds_a_chinese_sentence(demo_names):
    """The check itself: a Chinese sentence is found, a name and a clause are not."""
    town = load_demo().townships["name"].iloc[0]
    assert _chinese([f"{town} fails (001 §二(一)1)"], demo_names) == []
    assert _chinese(["按增强两步移动搜索法计算"], demo_names) == ["按增强两步移动搜索法计算"]


def test_the_english_spreadsheet_has_no_chinese_outside_names(tmp_path, demo_names):
    """The XLSX a planner downloads in English: every sheet's headers and cells."""
    from openpyxl import load_workbook

    from planning.outputs.export import export_layers
    from planning.rules.assess import assess

    path = export_layers(assess(load_demo()).layers(), tmp_path / "gaps.xlsx", lang="en")
    book = load_workbook(path, read_only=True)
    seen = {}
    for sheet in book.worksheets:
        texts = [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
        bad = _chinese(texts, demo_names)
        if bad:
            seen[sheet.title] = bad[:10]
    assert len(book.worksheets) > 10
    assert not seen, seen
