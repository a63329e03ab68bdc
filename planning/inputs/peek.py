"""A look at a layer file before reading it: its column headers as written.

For mapping a file's columns to the schema by hand (the app's upload page) before the
file is read and validated; reading the file (:func:`planning.inputs.read_layer`)
says what is wrong with it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyogrio

__all__ = ["file_headers"]

#: field separators a CSV line may use, tried by how often they occur
CSV_SEPARATORS = (",", "\t", ";", "|")


def file_headers(path: str | Path) -> list[str]:
    """The column headers of a layer file, as written.

    Parameters
    ----------
    path : str or Path
        CSV or TXT (first line, UTF-8 else GB18030, separated by the most frequent of
        :data:`CSV_SEPARATORS`); GeoPackage, GeoJSON, Excel or a zipped Shapefile (the
        fields GDAL reads; in a zip, its one ``.shp``).

    Returns
    -------
    list of str
        The headers in file order; ``[]`` when the file cannot be read (reading it
        says why).
    """
    path = Path(path)
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            with open(path, "rb") as f:
                line = f.readline()
            try:
                text = line.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = line.decode("gb18030", errors="replace")
            sep = max(CSV_SEPARATORS, key=text.count)
            return [h.strip() for h in text.strip().split(sep)]
        return [str(f) for f in pyogrio.read_info(_gdal_path(path))["fields"]]
    except Exception:  # noqa: BLE001 - no headers to offer; reading the file says why
        return []


def _gdal_path(path: Path) -> str:
    """The path GDAL opens: a zip's one Shapefile through ``/vsizip/``, else the file."""
    if path.suffix.lower() != ".zip":
        return str(path)
    with zipfile.ZipFile(path) as zf:
        shps = [n for n in zf.namelist() if n.lower().endswith(".shp") and "__MACOSX" not in n]
    if len(shps) != 1:
        raise ValueError(f"{path.name}: {len(shps)} .shp files")
    return f"/vsizip/{path.resolve()}/{shps[0]}"
