"""Lay the report's blocks out as a Word document (python-docx): real headings, real
tables, inline pictures — editable, as planners edit before submitting.

Chinese text uses the East-Asian fonts every Chinese Word has (宋体 for the body, 黑体
for headings); Word documents do not carry fonts, the reader's Word supplies them.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from planning.outputs.report.blocks import STATUS_COLOURS, Document, Figure, Heading, Para, Table

BODY_ZH, HEAD_ZH, LATIN = "宋体", "黑体", "Arial"
TEXT_WIDTH_CM = 16.0
_ALIGN = {"L": WD_ALIGN_PARAGRAPH.LEFT, "R": WD_ALIGN_PARAGRAPH.RIGHT, "C": WD_ALIGN_PARAGRAPH.CENTER}


def _fonts(style_or_run, east_asia: str, latin: str = LATIN) -> None:
    font = style_or_run.font
    font.name = latin
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_ZH)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 20), ("Heading 1", 15), ("Heading 2", 12.5)):
        st = doc.styles[name]
        _fonts(st, HEAD_ZH)
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor(0x1A, 0x23, 0x7E) if name != "Title" else RGBColor(0, 0, 0)
    for name in ("List Bullet", "Caption"):
        _fonts(doc.styles[name], BODY_ZH)
    doc.styles["Caption"].font.size = Pt(9)
    doc.styles["Caption"].font.color.rgb = RGBColor(0x42, 0x42, 0x42)
    doc.styles["Caption"].font.italic = False


def _shade(cell, hex_colour: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_colour.lstrip("#").upper())
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _table(doc, t: Table) -> None:
    if t.caption:
        cap = doc.add_paragraph(t.caption, style="Caption")
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(t.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(t.widths)
    widths = [Cm(TEXT_WIDTH_CM * w / total) for w in t.widths]
    align = t.align or ["L"] * len(t.header)
    for column, width in zip(table.columns, widths):  # the grid (LibreOffice reads this)
        column.width = width

    def fill(cells, values, bold=False):
        for j, (cell, value) in enumerate(zip(cells, values)):
            cell.width = widths[j]
            para = cell.paragraphs[0]
            para.paragraph_format.space_after = Pt(0)
            para.paragraph_format.line_spacing = 1.0
            para.alignment = _ALIGN["C" if bold else align[j]]
            run = para.add_run(str(value))
            run.font.size = Pt(8.5)
            run.bold = bold

    head = table.rows[0]
    fill(head.cells, t.header, bold=True)
    for cell in head.cells:
        _shade(cell, "#e8eaf6")
    _repeat_header(head)
    for i, values in enumerate(t.rows):
        cells = table.add_row().cells
        fill(cells, values)
        if t.status is not None and t.status_col is not None:
            fg, bg = STATUS_COLOURS.get(t.status[i], ("#000000", "#ffffff"))
            _shade(cells[t.status_col], bg)
            for run in cells[t.status_col].paragraphs[0].runs:
                run.font.color.rgb = RGBColor.from_string(fg.lstrip("#").upper())
                run.bold = True
    doc.add_paragraph()


def _notice(doc, text: str) -> None:
    table = doc.add_table(rows=1, cols=1)
    table.style = doc.styles["Table Grid"]
    cell = table.rows[0].cells[0]
    cell.width = Cm(TEXT_WIDTH_CM)
    _shade(cell, "#fff3e0")
    run = cell.paragraphs[0].add_run(text)
    run.bold = True
    run.font.color.rgb = RGBColor(0xB7, 0x1C, 0x1C)
    doc.add_paragraph()


def write_docx(document: Document, path: Path) -> Path:
    """Write ``document`` to ``path`` as .docx (A4, 2.5 cm margins)."""
    doc = new_docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin = section.bottom_margin = Cm(2.2)
    _styles(doc)
    doc.core_properties.title = document.title
    doc.core_properties.language = "zh-CN" if document.lang == "zh" else "en"
    _page_numbers(section)
    if document.footer:
        run = section.footer.add_paragraph().add_run(document.footer)
        run.bold = True
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x6A, 0x1B, 0x9A)
        section.footer.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for b in document.blocks:
        if isinstance(b, Heading):
            if b.level == 0:
                p = doc.add_heading(b.text, level=0)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                doc.add_heading(b.text, level=b.level)
        elif isinstance(b, Para):
            if b.style == "notice":
                _notice(doc, b.text)
            elif b.style == "bullet":
                doc.add_paragraph(b.text, style="List Bullet")
            else:
                p = doc.add_paragraph()
                run = p.add_run(b.text)
                if b.style == "subtitle":
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    run.font.size = Pt(9.5)
                    run.font.color.rgb = RGBColor(0x42, 0x42, 0x42)
                elif b.style == "note":
                    run.font.size = Pt(9)
                    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        elif isinstance(b, Table):
            _table(doc, b)
        elif isinstance(b, Figure):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.keep_with_next = True
            p.add_run().add_picture(io.BytesIO(b.png), width=Cm(TEXT_WIDTH_CM))
            cap = doc.add_paragraph(b.caption, style="Caption")
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.save(str(path))
    return path


def _page_numbers(section) -> None:
    """A centred PAGE field in the footer (Word fills it in)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
