"""Read an uncompressed ``.npz`` (what ``numpy.savez`` writes) by mapping it into memory.

``numpy.load`` of an ``.npz`` reads every array it is asked for through ``zipfile``: a
copy of the bytes and a CRC-32 pass over them. The disk caches of the travel package
(networks, prepared engines, snapped points and cells: tens of MB per mode at city scale)
are written uncompressed and atomically (:mod:`planning._atomic`), so each array is
stored as a plain ``.npy`` member at a fixed place in the file: :func:`load_mapped` maps
the file once and gives each array as a view of its bytes. Nothing is read until an
array is used, and only the pages used are read (the OS's page cache serves them).

The views are copy-on-write: writing into one changes the process's copy, never the file.
A file replaced while mapped (a new cache written atomically) stays readable: the map
holds the old file's contents.
"""

from __future__ import annotations

import mmap
import warnings
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from planning._atomic import atomic_path

#: size of a zip local file header before its name and extra field, bytes
_LOCAL_HEADER = 30
#: the .npy header readers by format version (3.0 only differs for structured dtypes)
_HEADERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}


def load_mapped(file: str | Path) -> dict[str, np.ndarray]:
    """Every array of an uncompressed ``.npz`` by name (without ``.npy``), as views of
    the file mapped into memory.

    Parameters
    ----------
    file : str or Path
        Written by ``numpy.savez`` (not ``savez_compressed``) with ``allow_pickle=False``.

    Returns
    -------
    dict of str to numpy.ndarray

    Raises
    ------
    OSError, ValueError, zipfile.BadZipFile
        The file is missing, not a zip, has a compressed member or one that is not a
        plain array (object arrays are refused, as ``allow_pickle=False`` does), or is
        shorter than its members say.
    """
    with open(file, "rb") as fh:
        with zipfile.ZipFile(fh) as zf:
            members = zf.infolist()
        size = fh.seek(0, 2)
        buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY) if size else b""
        out = {}
        for info in members:
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{info.filename}: a compressed member cannot be mapped")
            fh.seek(info.header_offset)
            head = fh.read(_LOCAL_HEADER)
            if head[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"{info.filename}: no local header")
            start = (info.header_offset + _LOCAL_HEADER + int.from_bytes(head[26:28], "little")
                     + int.from_bytes(head[28:30], "little"))
            fh.seek(start)
            version = npy_format.read_magic(fh)
            if version not in _HEADERS:
                raise ValueError(f"{info.filename}: .npy format {version} is not read")
            shape, fortran, dtype = _HEADERS[version](fh)
            if dtype.hasobject:
                raise ValueError(f"{info.filename}: object arrays are not read")
            offset = fh.tell()
            if offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize > size:
                raise ValueError(f"{info.filename}: the file is shorter than its arrays")
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            out[name] = np.ndarray(shape, dtype, buffer=buf, offset=offset,
                                   order="F" if fortran else "C")
    return out


def save_keyed(file: str | Path, key: str, what: str, **arrays: np.ndarray) -> None:
    """Save ``arrays`` with ``key`` as an uncompressed .npz (no pickles) for
    :func:`load_keyed`, atomically; failing only warns (a cache that cannot be written
    is recomputed next time). ``what`` names the content in the warning."""
    file = Path(file)
    try:
        with atomic_path(file) as tmp, open(tmp, "wb") as out:
            np.savez(out, allow_pickle=False, key=np.array(key), **arrays)
    except OSError as err:
        warnings.warn(f"{what} not cached in {file.parent}: {err}", stacklevel=3)


def load_keyed(file: str | Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays :func:`save_keyed` saved under ``key`` (mapped, :func:`load_mapped`),
    or None when the file is absent, unreadable or holds another key."""
    try:
        arrays = load_mapped(file)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return arrays if "key" in arrays and str(arrays["key"]) == key else None
