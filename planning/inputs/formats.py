"""Planners' files -> tables of text: the formats, their encodings and their quirks.

Formats: GeoPackage (a layer by name), Shapefile (also zipped; a ``.cpg`` is honoured,
and without one UTF-8 then GBK is tried), GeoJSON, CSV (UTF-8, UTF-8 with BOM, UTF-16
with BOM or GBK/GB18030; the separator is sniffed) and Excel ``.xlsx`` (first sheet, or
a named one; merged cells are filled). A file whose first bytes say it is not what its
name says (an ``.xls`` renamed ``.csv``, a password-protected workbook) is refused with
a message saying so.

Every cell becomes text here (:func:`cell_text`): spreadsheet numbers become
``"120115101201"``, never ``1.20115E+11`` or ``"...0.0"``, so identifiers survive; typing
and checking are :mod:`planning.inputs.validate`'s. The header row is found among the
first lines (a title or group heading may stand above it) by how many of the layer's
column names it holds (:mod:`planning.inputs.headers`).
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planning.errors import InputError, Msg, Problem
from planning.inputs import uploads
from planning.inputs.headers import header_key, known_keys
from planning.schema import normalize_text

__all__ = ["RawTable", "read_raw", "file_crs", "cell_text", "decode", "cpg_encoding",
           "VECTOR_SUFFIXES", "TABLE_SUFFIXES"]

#: suffixes read as GIS vector files, and as tables
VECTOR_SUFFIXES = (".gpkg", ".shp", ".zip", ".geojson", ".json")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls (and encrypted .xlsx)
#: rows looked at for the header (a title or group headings may stand above it)
_HEADER_SCAN = 10
#: Excel files up to this size are read in full (merged cells filled); larger ones streamed
_EXCEL_FULL_BYTES = 10 * 2**20


@dataclass
class RawTable:
    """A file's rows as text, with its geometries if it is a vector file."""

    file: str  # file name for messages
    label: str  # origin prefix: "file" or "file#layer"
    table: pd.DataFrame  # every cell as str ("" = empty), original headers
    geometry: np.ndarray | None = None  # shapely geometries (vector files)
    crs: object = None  # pyproj CRS of ``geometry``
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None  # Excel sheet read
    alternatives: list["RawTable"] = field(default_factory=list)  # other sheets to try


def read_raw(path: Path, layer: str, sheet: str | None = None,
             gpkg_layer: str | None = None) -> RawTable:
    """Read a file's rows as text (and its geometries, for a vector file).

    Parameters
    ----------
    path : Path
        A file of one of :data:`VECTOR_SUFFIXES` or :data:`TABLE_SUFFIXES`.
    layer : str
        The layer it should hold (for messages and for finding the header row).
    sheet : str, optional
        Excel sheet (default: the first with the layer's columns; the other sheets are
        kept in ``alternatives``).
    gpkg_layer : str, optional
        Layer inside a GeoPackage (default: ``layer``, or the only layer).

    Returns
    -------
    RawTable
        Cells as text with the file's own headers; geometries in the file's own CRS.

    Raises
    ------
    InputError
        A missing, empty, misnamed or unreadable file (naming it).
    """
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError.of("in.file_missing", file=path.name, layer=layer, path=path)
    if suffix not in VECTOR_SUFFIXES + TABLE_SUFFIXES:
        hint = Msg("in.bad_suffix_xls") if suffix == ".xls" else ""
        raise InputError.of("in.bad_suffix", file=path.name, layer=layer, suffix=suffix or "this",
                            hint=hint, formats=", ".join(VECTOR_SUFFIXES + TABLE_SUFFIXES))
    _sniff(path, suffix, layer)
    try:
        if suffix in (".csv", ".txt"):
            table, problems = _read_csv(path, layer)
            return RawTable(path.name, path.name, table, problems=problems)
        if suffix in (".xlsx", ".xlsm"):
            return _read_excel(path, sheet, layer)
        return _read_vector(path, layer, gpkg_layer)
    except InputError:
        raise
    except Exception as exc:  # a broken file: say which, never a traceback
        raise InputError.of("in.unreadable", file=path.name, layer=layer,
                            error=f"{type(exc).__name__}: {exc}") from None


def file_crs(path: str | Path) -> str | None:
    """The coordinate system a GIS file carries (``"EPSG:4326"`` …), or None.

    Tables (CSV, Excel) and Shapefiles without ``.prj`` carry none: their coordinates are
    declared. GeoJSON always carries EPSG:4326 (the format says so). An unreadable file
    gives None (reading it later says why).

    Parameters
    ----------
    path : str or Path
        A ``.gpkg``, ``.shp``, ``.zip`` (zipped Shapefile) or ``.geojson``/``.json``
        file; any other suffix gives None.

    Returns
    -------
    str or None
        ``"EPSG:<code>"`` when the CRS has an EPSG code, else its name.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        return None
    try:
        source = _zipped_shapefile(path, "")[0] if suffix == ".zip" else str(path)
        crs = pyogrio.read_info(source)["crs"]
    except Exception:  # noqa: BLE001 - reported when the file is read
        return None
    if not crs:
        return None
    import pyproj

    crs = pyproj.CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _sniff(path: Path, suffix: str, layer: str) -> None:
    """Refuse an empty file, or one whose first bytes say it is not what its name says."""
    size = path.stat().st_size
    if size == 0:
        raise InputError.of("in.empty_file", file=path.name, layer=layer)
    with open(path, "rb") as fh:
        head = fh.read(512)

    def refuse(what: str) -> None:
        raise InputError.of("in.misnamed", file=path.name, layer=layer, suffix=suffix,
                            what=Msg(f"in.what.{what}"))

    if suffix in (".csv", ".txt"):
        if head.startswith(_ZIP_MAGIC):
            refuse("zip_not_text")
        if head.startswith(_OLE_MAGIC):
            refuse("xls_as_csv")
    elif suffix in (".xlsx", ".xlsm", ".zip"):
        if head.startswith(_OLE_MAGIC):
            refuse("xls_or_password")
        if not head.startswith(_ZIP_MAGIC):
            refuse("not_zip")
        uploads.check_zip(path)  # an .xlsx is a zip too: no bombs, no escaping members
    elif suffix == ".gpkg" and not head.startswith(b"SQLite format 3\0"):
        refuse("not_gpkg")
    elif suffix in (".geojson", ".json"):
        text = head.lstrip(codecs.BOM_UTF8).lstrip()
        if not text.startswith(b"{"):
            refuse("not_geojson")


def decode(data: bytes) -> tuple[str, Problem | None]:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    GB18030 is a superset of GBK and GB2312. A file mixing lines of UTF-8 and GBK (two
    exports pasted together) is decoded line by line, with a warning naming the GBK
    lines; bytes that are neither become U+FFFD, with a warning.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    lines, gbk, utf8, bad = [], [], 0, []
    for i, line in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            try:
                lines.append(line.decode("gb18030"))
                gbk.append(i)
            except UnicodeDecodeError:
                lines.append(line.decode("gb18030", errors="replace"))
                bad.append(i)
    text = "\n".join(lines)
    if bad:
        return text, Problem.of("warning", "in.bad_bytes", lines=_some(bad))
    if utf8 and gbk:
        return text, Problem.of("warning", "in.mixed_encoding", lines=_some(gbk))
    return text, None


def _some(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" … ({len(numbers)} in all)" if len(numbers) > limit else "")


def _read_csv(path: Path, layer: str) -> tuple[pd.DataFrame, list[Problem]]:
    text, note = decode(path.read_bytes())
    problems = [] if note is None else [replace(note, file=path.name, layer=layer)]
    first = [ln for ln in text.splitlines()[:_HEADER_SCAN] if ln.strip()]
    sep = max((",", "\t", ";", "|"), key=lambda s: max((ln.count(s) for ln in first), default=0))
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(StringIO(text, newline=""),
                                                               delimiter=sep)]
    except csv.Error as exc:
        raise InputError.of("in.csv_quotes", file=path.name, layer=layer, error=exc) from None
    table, found = _table_from_rows(rows, layer, path.name, ragged="set aside")
    return table, problems + found


def _read_excel(path: Path, sheet: str | None, layer: str) -> RawTable:
    """The named sheet, or the first sheet with the layer's columns (others as alternatives)."""
    import openpyxl

    small = path.stat().st_size <= _EXCEL_FULL_BYTES  # merged cells need the full reader
    book = openpyxl.load_workbook(path, read_only=not small, data_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError.of("in.no_sheet", file=path.name, layer=layer, sheet=sheet,
                                sheets=", ".join(book.sheetnames))
        sheets = [book[sheet]] if sheet is not None else list(book.worksheets)
        raws = []
        for ws in sheets:
            if not hasattr(ws, "iter_rows"):  # a chart sheet
                continue
            rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            merged = [] if not small else [
                (r.min_row, r.max_row, r.min_col, r.max_col, str(r)) for r in ws.merged_cells.ranges]
            for r0, r1, c0, c1, _ in merged:  # every cell of a merged range gets its value
                value = rows[r0 - 1][c0 - 1] if r0 <= len(rows) and c0 <= len(rows[r0 - 1]) else ""
                for r in range(r0 - 1, min(r1, len(rows))):
                    rows[r] += [""] * (c1 - len(rows[r]))
                    for c in range(c0 - 1, c1):
                        rows[r][c] = value
            table, problems = _table_from_rows(rows, layer, path.name, merged=merged)
            label = path.name if len(book.sheetnames) == 1 else f"{path.name}#{ws.title}"
            raws.append(RawTable(path.name, label, table, problems=problems, sheet=ws.title))
    finally:
        book.close()
    if not raws:
        raise InputError.of("in.no_worksheet", file=path.name, layer=layer)
    raws[0].alternatives = raws[1:]
    return raws[0]


def _table_from_rows(rows: list[list[str]], layer: str, file: str, *, ragged: str = "keep",
                     merged: list | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """A text table from rows of cells: find the header, name every column once.

    The header is the row, among the first :data:`_HEADER_SCAN` non-blank ones, that
    names the most of the layer's columns (a title or a merged group heading above it
    is skipped, with a note). Rows longer than the header: with ``ragged="set aside"``
    (CSV) a row whose extra cells are not empty is emptied and reported (an unquoted
    comma in a name); with ``"keep"`` (Excel) extra columns are kept as "column N".
    Data rows are numbered from 1 after the header.
    """
    problems: list[Problem] = []
    start = 0
    while start < len(rows) and not any(rows[start]):
        start += 1
    rows = rows[start:]
    if not rows:
        return pd.DataFrame(), problems
    known = known_keys(layer)
    scores = [sum(header_key(c) in known for c in row) if any(row) else -1
              for row in rows[:_HEADER_SCAN]]
    h = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[h] <= 0:
        h = 0
    if h:
        problems.append(Problem.of("info", "in.header_line", file, layer, line=start + h + 1))
    header, data = rows[h], rows[h + 1:]
    width = len(header)
    if ragged == "set aside":
        for i, row in enumerate(data):
            if len(row) > width and any(row[width:]):
                problems.append(Problem.of("error", "in.ragged_row", file, layer, i + 1,
                                           cells=len(row), width=width))
                data[i] = [""] * width
    else:
        width = max([width] + [len(r) for r in data])
    data = [(r + [""] * (width - len(r)))[:width] for r in data]
    header = header + [""] * (width - len(header))
    keep = [i for i, name in enumerate(header) if name or any(r[i] for r in data)]
    names, seen = [], {}
    for i in keep:
        name = header[i] or f"column {i + 1}"
        key = normalize_text(name)
        if key in seen:
            new = f"{name} ({seen[key] + 1})"
            problems.append(Problem.of("warning", "in.duplicate_header", file, layer,
                                       column=name, name=name, new=new))
            seen[key] += 1
            name = new
        else:
            seen[key] = 1
        names.append(name)
    top = start + h + 1  # 1-based sheet line of the header
    for r0, r1, c0, c1, ref in merged or ():
        if r1 > top and r1 > r0:  # merged down across data rows
            problems.append(Problem.of("info", "in.merged_filled", file, layer, max(r0 - top, 1),
                                       header[c0 - 1] or None if c0 - 1 < len(header) else None,
                                       ref=ref))
    return pd.DataFrame([[r[i] for i in keep] for r in data], columns=names, dtype=str), problems



def cell_text(value: object) -> str:
    """A cell or attribute as text: integral numbers without ``.0``, never scientific."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
        text = repr(v)
        return format(v, "f").rstrip("0") if "e" in text else text
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _read_vector(path: Path, layer: str, gpkg_layer: str | None) -> RawTable:
    suffix = path.suffix.lower()
    problems: list[Problem] = []
    source, encoding, label = str(path), None, path.name
    if suffix == ".gpkg":
        names = [n for n, _ in pyogrio.list_layers(path)]
        wanted = gpkg_layer or layer
        if wanted not in names:
            if gpkg_layer is None and len(names) == 1:
                wanted = names[0]
            else:
                raise InputError.of("in.no_gpkg_layer", file=path.name, layer=layer,
                                    wanted=wanted, names=", ".join(names) or "—")
        gdf = gpd.read_file(path, layer=wanted, engine="pyogrio")
        label = f"{path.name}#{wanted}"
    else:
        if suffix == ".zip":
            source, cpg = _zipped_shapefile(path, layer)
        elif suffix == ".shp":
            cpg_file = path.with_suffix(".cpg")
            cpg = cpg_file.read_bytes().decode("ascii", "ignore") if cpg_file.exists() else None
        else:  # GeoJSON is UTF-8 by definition
            cpg = "UTF-8"
        encoding = cpg_encoding(cpg)
        if encoding is None and cpg:
            problems.append(Problem.of("warning", "in.cpg_unknown", path.name, layer,
                                       cpg=cpg.strip()))
        if encoding:
            gdf = gpd.read_file(source, engine="pyogrio", encoding=encoding)
        else:
            try:
                gdf = gpd.read_file(source, engine="pyogrio", encoding="utf-8")
            except UnicodeDecodeError:
                gdf = gpd.read_file(source, engine="pyogrio", encoding="gb18030")
                problems.append(Problem.of("info", "in.read_as_gbk", path.name, layer))
    geometry = gdf.geometry.values
    table = pd.DataFrame({c: [cell_text(v) for v in gdf[c]] for c in gdf.columns
                          if c != gdf.geometry.name}, index=range(len(gdf)), dtype=str)
    return RawTable(path.name, label, table, np.asarray(geometry, dtype=object), gdf.crs, problems)


def _zipped_shapefile(path: Path, layer: str) -> tuple[str, str | None]:
    with zipfile.ZipFile(path) as zf:
        shps = [n for n in zf.namelist() if n.lower().endswith(".shp") and "__MACOSX" not in n]
        if len(shps) != 1:
            found = ", ".join(shps) or "none"
            raise InputError.of("in.zip_shp_count", file=path.name, layer=layer, found=found)
        cpgs = [n for n in zf.namelist() if n.lower() == shps[0][:-4].lower() + ".cpg"]
        cpg = zf.read(cpgs[0]).decode("ascii", "ignore") if cpgs else None
    return f"/vsizip/{path.resolve()}/{shps[0]}", cpg


def cpg_encoding(cpg: str | None) -> str | None:
    """The Python codec a ``.cpg`` names ("GBK", "936", "UTF-8", "65001", "88591" …), or None."""
    text = (cpg or "").strip().lower()
    if not text:
        return None
    if m := re.fullmatch(r"(?:ansi|cp|codepage)?\s*(\d+)", text):
        code = m.group(1)
        text = {"65001": "utf-8"}.get(code) or (f"iso8859-{code[4:]}" if code.startswith("8859")
                                                else f"cp{code}")
    try:
        codec = codecs.lookup(text).name
    except LookupError:
        return None
    return "gb18030" if codec in ("gbk", "gb2312", "cp936") else codec
