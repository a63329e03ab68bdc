"""The Chinese (CJK) font the report's maps and PDF are drawn with.

The regular face comes first from the PyPI package ``noto-cjk-sans-otc`` (pinned in
requirements.txt): Google's Noto Sans CJK collection, ``NotoSansCJK-Regular.ttc``, under
the SIL Open Font License 1.1 (OFL allows embedding in documents) — byte for byte the
file Debian's ``fonts-noto-cjk`` installs. It is taken by its path inside the package
(:data:`REGISTRY_FONT`) before any system font folder is searched, so a machine set up
from the package registries alone draws the report with the same font as any other.
(``mplfonts`` was considered and not used: beside Noto it ships SimHei, which is not
free to redistribute, and weighs 85 MB.) A bold face of the same family installed on
the system (Debian's ``NotoSansCJK-Bold.ttc``) is used for headings when matplotlib
knows it; else headings use the regular face.

The maps set every text in the font by its file (:meth:`CJKFont.face`), never by family
name: matplotlib rebuilds its list of fonts in place when a lookup lands on a file that
has gone (a font uninstalled after matplotlib cached it), and the rebuilt list no longer
holds the package font registered here with ``addfont``, so a family name would then be
drawn in DejaVu Sans, as empty boxes.

Without the package, fonts are found through matplotlib's font manager (which reads
TrueType/OpenType collections, ``.ttc``, and knows each face's index in them); a font
installed after matplotlib built its cache is found by a rescan of the system font
folders. Without any CJK font the report stops with an
:class:`~planning.errors.InputError` saying what to install, rather than drawing empty
boxes (tofu).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from planning.errors import InputError

if TYPE_CHECKING:
    from matplotlib.font_manager import FontPath

#: preferred families, best first (Simplified Chinese faces of common fonts)
FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",
            "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei",
            "PingFang SC", "Noto Serif CJK SC", "Source Han Serif SC", "SimSun",
            "Noto Sans CJK JP", "Noto Sans CJK TC")
#: fallbacks: any family whose name contains one of these
_HINTS = ("CJK", "Han Sans", "WenQuanYi", "Hei", "Song", "Kai", "Ming")

INSTALL_HINT = ("no Chinese (CJK) font found for the report: run `make test` or "
                "`pip install -r requirements.txt` (it installs the font package "
                "noto-cjk-sans-otc), or install a system font, e.g. on Debian/Ubuntu "
                "`apt-get install fonts-noto-cjk`, then run again")

#: the one file taken from the font package (Noto Sans CJK Regular collection, OFL-1.1)
REGISTRY_FILE = "NotoSansCJK-Regular.ttc"


def registry_font() -> Path | None:
    """Path of the Noto Sans CJK collection from the ``noto-cjk-sans-otc`` package.

    Returns None when the package is not installed. Only this one file is taken from
    the package, by its name: nothing else a font package ships is ever picked up.
    """
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.name == REGISTRY_FILE and path.is_file() else None


@dataclass(frozen=True)
class CJKFont:
    """A CJK font face: ``family`` name, ``path`` of the file and the face ``index`` in a
    collection (0 for a single font); ``bold_path``/``bold_index`` when a bold face of
    the same family exists, else the regular face."""

    family: str
    path: str
    index: int
    bold_path: str
    bold_index: int

    def face(self, weight: str | float = "normal") -> FontPath:
        """The file and face index to draw text of ``weight`` with, for matplotlib.

        Parameters
        ----------
        weight : str or float
            A matplotlib font weight ("normal", "bold", 700 …).

        Returns
        -------
        matplotlib.font_manager.FontPath
            The bold face for weights of 600 and more, else the regular face. Set on a
            text's ``FontProperties`` (``set_file``), matplotlib opens this file by its
            path and never looks the family up in its font manager.
        """
        from matplotlib.font_manager import FontPath

        if _weight(weight) >= 600:
            return FontPath(self.bold_path, self.bold_index)
        return FontPath(self.path, self.index)


def _entries():
    from matplotlib import font_manager as fm

    return fm.fontManager.ttflist


def _pick(entries) -> CJKFont | None:
    by_family: dict[str, list] = {}
    for e in entries:
        if not os.path.exists(e.fname):  # a font removed since matplotlib cached it
            continue
        by_family.setdefault(e.name, []).append(e)
    names = [f for f in FAMILIES if f in by_family]
    names += sorted(f for f in by_family if f not in names and any(h in f for h in _HINTS)
                    and "Mono" not in f)
    for family in names:
        faces = by_family[family]
        regular = min(faces, key=lambda e: (e.style != "normal", abs(_weight(e.weight) - 400)))
        bolds = [e for e in faces if e.style == "normal" and _weight(e.weight) >= 600]
        bold = min(bolds, key=lambda e: abs(_weight(e.weight) - 700)) if bolds else regular
        return CJKFont(family, regular.fname, int(getattr(regular, "index", 0) or 0),
                       bold.fname, int(getattr(bold, "index", 0) or 0))
    return None


def _weight(w) -> int:
    named = {"light": 300, "normal": 400, "regular": 400, "medium": 500, "semibold": 600,
             "demibold": 600, "bold": 700, "heavy": 800, "black": 900}
    return int(w) if isinstance(w, (int, float)) else named.get(str(w).lower(), 400)


@lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """The CJK font to draw Chinese text with.

    Returns
    -------
    CJKFont

    Raises
    ------
    InputError
        When no CJK font is installed (the message says what to install).
    """
    from matplotlib import font_manager as fm

    path = registry_font()
    if path is not None:
        known = {e.fname for e in _entries()}
        if str(path) not in known:
            fm.fontManager.addfont(str(path))  # every face of the collection, by index
        own = _pick([e for e in _entries() if e.fname == str(path)])
        if own is not None:
            bold = _pick([e for e in _entries() if e.name == own.family])
            if bold is not None and bold.bold_path != bold.path:  # a system bold face
                return replace(own, bold_path=bold.bold_path, bold_index=bold.bold_index)
            return own
    found = _pick(_entries())
    if found is None:  # installed after matplotlib built its cache: add the new files
        known = {e.fname for e in _entries()}
        for path in fm.findSystemFonts():
            if path not in known:
                try:
                    fm.fontManager.addfont(path)
                except Exception:  # noqa: BLE001 - an unreadable font file is skipped
                    continue
        found = _pick(_entries())
    if found is None:
        raise InputError.at(INSTALL_HINT)
    return found
