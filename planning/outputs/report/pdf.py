"""Lay the report's blocks out as PDF with fpdf2, the CJK font embedded (subset).

fpdf2 reads TrueType and OpenType/CFF fonts and collections (``.ttc``, by face index)
through fontTools and embeds only the glyphs used, so Noto Sans CJK from Debian's
``fonts-noto-cjk`` works as it is installed. Headings become PDF bookmarks.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from planning.outputs.report.blocks import STATUS_COLOURS, Document, Figure, Heading, Para, Table
from planning.outputs.report.fonts import cjk_font

FONT = "cjk"
MARGIN_MM = 20.0
_SIZES = {0: 18.0, 1: 14.0, 2: 11.5}


#: a line may break between CJK characters but not inside a run of Latin letters/digits
#: ("48,589", "R2", "§二(一)3" keeps "(" with what follows), nor before closing
#: punctuation or after opening punctuation
_TOKEN = re.compile(r"[（(《“‘\[]*(?:[A-Za-z0-9][A-Za-z0-9.,:%/'_\-+]*|\s+|.)[，。；：、,.;:!?！？）)》”’\]…]*",
                    re.S)


def _lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` mm in the current font."""
    out = []
    for para in text.split("\n"):
        line = ""
        for tok in _TOKEN.findall(para):
            if pdf.get_string_width(line + tok) <= width:
                line += tok
                continue
            if line.strip():
                out.append(line.rstrip())
            line = tok.lstrip()
            while pdf.get_string_width(line) > width and len(line) > 1:  # a too-long token
                cut = max(1, next(i for i in range(len(line), 0, -1)
                                  if pdf.get_string_width(line[:i]) <= width))
                out.append(line[:cut])
                line = line[cut:]
        out.append(line.rstrip())
    return out


def _wrapped(pdf: FPDF, text: str, width: float) -> str:
    return "\n".join(_lines(pdf, text, width - 0.4))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class _PDF(FPDF):
    footer_text = ""
    footer_note = ""

    def footer(self):
        if self.footer_note:
            self.set_y(-16)
            self.set_font(FONT, "B", size=8)
            self.set_text_color(106, 27, 154)
            self.cell(0, 4, self.footer_note, align="C")
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}", align="C")


def write_pdf(document: Document, path: Path) -> Path:
    """Write ``document`` to ``path`` as an A4 PDF with the CJK font embedded."""
    font = cjk_font()
    pdf = _PDF(format="A4", unit="mm")
    pdf.footer_text = document.title
    pdf.footer_note = document.footer
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FONT, "", font.path, collection_font_number=font.index)
    pdf.add_font(FONT, "B", font.bold_path, collection_font_number=font.bold_index)
    pdf.set_title(document.title)
    pdf.set_lang("zh-CN" if document.lang == "zh" else "en")
    pdf.set_creator("planning (python -m planning report)")
    pdf.add_page()
    for b in document.blocks:
        if isinstance(b, Heading):
            _heading(pdf, b)
        elif isinstance(b, Para):
            _para(pdf, b)
        elif isinstance(b, Table):
            _table(pdf, b)
        elif isinstance(b, Figure):
            _figure(pdf, b)
    pdf.output(str(path))
    return path


def _text(pdf: _PDF, text: str, height: float, width: float | None = None, align=Align.L,
          **kwargs) -> None:
    """A paragraph broken into lines by :func:`_lines` (CJK-aware), then written."""
    width = width or pdf.epw
    inner = width - 2 * kwargs.get("padding", 0) - 2 * pdf.c_margin
    pdf.multi_cell(width, height, _wrapped(pdf, text, inner),
                   align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR,
                   **kwargs)


def _heading(pdf: _PDF, h: Heading) -> None:
    size = _SIZES.get(h.level, 11.0)
    if h.level >= 1 and pdf.get_y() > pdf.h - 60:  # no heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2 if h.level else 0)
    if h.level >= 1:
        pdf.start_section(h.text, level=h.level - 1, strict=False)
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(0, 0, 0) if h.level == 0 else pdf.set_text_color(26, 35, 126)
    _text(pdf, h.text, size * 0.5, align=Align.C if h.level == 0 else Align.L)
    pdf.ln(1.5)
    pdf.set_text_color(0, 0, 0)


def _para(pdf: _PDF, p: Para) -> None:
    if p.style == "notice":
        pdf.set_font(FONT, "B", 10)
        pdf.set_fill_color(*_rgb("#fff3e0"))
        pdf.set_draw_color(*_rgb("#ef8f00"))
        pdf.set_text_color(*_rgb("#b71c1c"))
        _text(pdf, p.text, 5.5, border=1, fill=True, padding=2)
        pdf.set_fill_color(255, 255, 255)
        pdf.ln(2)
    elif p.style == "bullet":
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(5, 5.5, "•")
        _text(pdf, p.text, 5.5, width=pdf.epw - 5)
        pdf.ln(0.8)
    else:
        size = {"subtitle": 9, "note": 8.5}.get(p.style, 10)
        colour = (66, 66, 66) if p.style in ("subtitle", "note") else (0, 0, 0)
        pdf.set_font(FONT, "", size)
        pdf.set_text_color(*colour)
        _text(pdf, p.text, size * 0.55, align=Align.C if p.style == "subtitle" else Align.L)
        pdf.ln(1.5)
    pdf.set_text_color(0, 0, 0)


def _table(pdf: _PDF, t: Table) -> None:
    if pdf.get_y() > pdf.h - 50:  # caption, header and a row or two, else a new page
        pdf.add_page()
    if t.caption:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(66, 66, 66)
        _text(pdf, t.caption, 5, align=Align.C)
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 8)
    pdf.set_draw_color(158, 158, 158)
    align = t.align or ["L"] * len(t.header)
    pad_h = 1.0
    widths = [pdf.epw * w / sum(t.widths) - 2 * pad_h for w in t.widths]
    head_style = FontFace(family=FONT, emphasis="BOLD", fill_color="#e8eaf6")
    with pdf.table(col_widths=t.widths, width=pdf.epw, line_height=4.2, wrapmode=WrapMode.CHAR,
                   headings_style=head_style, text_align="LEFT", padding=(0.8, pad_h),
                   repeat_headings=1, v_align="MIDDLE") as table:
        row = table.row()
        pdf.set_font(FONT, "B", 8)
        for h, w in zip(t.header, widths):
            row.cell(_wrapped(pdf, h, w), align="CENTER")
        pdf.set_font(FONT, "", 8)
        for i, values in enumerate(t.rows):
            row = table.row()
            for j, v in enumerate(values):
                style = None
                if t.status is not None and j == t.status_col:
                    fg, bg = STATUS_COLOURS.get(t.status[i], ("#000000", "#ffffff"))
                    style = FontFace(family=FONT, emphasis="BOLD", color=fg, fill_color=bg)
                row.cell(_wrapped(pdf, str(v), widths[j]), align={"L": "LEFT", "R": "RIGHT", "C": "CENTER"}[align[j]],
                         style=style)
    pdf.ln(3)


def _figure(pdf: _PDF, f: Figure) -> None:
    width = pdf.epw
    h = width * f.aspect
    if pdf.get_y() + h + 8 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(io.BytesIO(f.png), x=pdf.l_margin, w=width, h=h)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(66, 66, 66)
    _text(pdf, f.caption, 5, align=Align.C)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
