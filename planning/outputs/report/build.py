"""The planning report as a file: :func:`build_report` (Word or PDF, atomic),
:func:`report_bytes` (for a download button) and :func:`report_filename`."""

from __future__ import annotations

import datetime as _dt
import tempfile
from pathlib import Path

from planning._atomic import atomic_path
from planning.errors import InputError
from planning.outputs.report import figures as maps
from planning.outputs.report.compose import compose
from planning.rules.assess import Assessment
from planning.rules.rulebook import Rulebook
from planning.words import t

#: the report's formats, by file suffix
FORMATS = (".docx", ".pdf")


def build_report(region, *, district: str | None = None, township: str | None = None,
                 scenario=None, lang: str = "zh", rulebook: Rulebook | str | Path | None = None,
                 out: Path, assessment: Assessment | None = None, dpi: int = maps.DPI) -> Path:
    """Write the planning report for a region, or one of its districts or townships.

    Parameters
    ----------
    region : Region
        The region as loaded (metric CRS, with its road network).
    district, township : str, optional
        Restrict the report to one district (by name) or one township (by name or
        9-digit code); both may be given to pick a township whose name repeats.
    scenario : Scenario, str or Path, optional
        A :class:`~planning.plan.scenario.Scenario` on ``region`` or a scenario file saved by
        :meth:`~planning.plan.scenario.Scenario.save`: adds before/after figures and the
        proposed sites with WGS84 and GCJ-02 coordinates.
    lang : {"zh", "en"}
        Language of the whole report: its own words and the rules' reasons and actions.
    rulebook : Rulebook, str or Path, optional
        The rulebook (default: Tianjin); ignored when ``assessment`` is given.
    out : Path
        The file to write; its suffix picks the format: ``.docx`` (Word) or ``.pdf``.
    assessment : Assessment, optional
        The region's assessment, when already computed (the app passes its own).
    dpi : int
        Resolution of the maps (dots per inch at 17 cm wide).

    Returns
    -------
    Path
        ``out``, written atomically (a temporary file renamed over it).

    Raises
    ------
    InputError
        Unknown format, language, district or township (the message lists the valid
        names), an unusable scenario file, or no CJK font installed.
    """
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in FORMATS:
        raise InputError.at(f"the report is written as Word (.docx) or PDF (.pdf); "
                            f"got {out.name!r}", file=out.name)
    doc = compose(region, district=district, township=township, scenario=scenario, lang=lang,
                  rulebook=rulebook, assessment=assessment, dpi=dpi)
    with atomic_path(out) as tmp:
        if fmt == ".docx":
            from planning.outputs.report.docx import write_docx

            write_docx(doc, tmp)
        else:
            from planning.outputs.report.pdf import write_pdf

            write_pdf(doc, tmp)
    return out


def report_bytes(region, fmt: str = "docx", **kwargs) -> bytes:
    """The report as bytes, e.g. for a download button (``st.download_button(data=…)``).

    Parameters
    ----------
    region : Region
    fmt : {"docx", "pdf"}
    **kwargs
        As :func:`build_report` (``district``, ``township``, ``scenario``, ``lang``,
        ``rulebook``, ``assessment``, ``dpi``), without ``out``.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = build_report(region, out=Path(folder) / f"report.{fmt.lstrip('.').lower()}", **kwargs)
        return path.read_bytes()


def report_filename(region, *, district: str | None = None, township: str | None = None,
                    lang: str = "zh", fmt: str = "docx") -> str:
    """A file name for the report, e.g. ``宝坻区_评估报告_20250301.docx``."""
    place = "_".join(p for p in (district or (None if township else str(region.name)), township) if p)
    return f"{place}_{t('report.filename', lang)}_{_dt.date.today():%Y%m%d}.{fmt.lstrip('.')}"
