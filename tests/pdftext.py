"""Text of a PDF, page by page, for tests.

pypdf misreads the ToUnicode map of fpdf2's CJK subsets once a report uses more than 256
glyphs of one font (it takes the two-byte codes one byte at a time), so text is read with
PDFium (pypdfium2), which reads them as poppler's pdftotext does; pypdf still serves for
the PDF's structure (images, fonts).
"""

from __future__ import annotations

from pathlib import Path


def pages_text(path: str | Path) -> list[str]:
    """Each page's text with line breaks removed (the PDF breaks lines itself)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range().replace("\r", "").replace("\n", "")
                for page in pdf]
    finally:
        pdf.close()
