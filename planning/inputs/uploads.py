"""Safety checks for files a planner uploads: sizes, zip archives, extraction.

The app calls these before any loader sees a file. Each refusal is an
:class:`~planning.errors.InputError` that names the file (and the zip member) and says
what is wrong, in words a planner understands. Nothing here reads a file in full
before its size is known: :func:`check_size` works on the size the browser announced,
:func:`check_zip` only reads the zip's central directory, and :func:`safe_extract`
stops writing as soon as a member grows past what the directory declared.

Limits (see ``docs/limits.md``):

- a layer file at most :data:`MAX_LAYER_BYTES`, a road file at most :data:`MAX_ROADS_BYTES`;
- a zip: at most :data:`MAX_ZIP_MEMBERS` members, :data:`MAX_ZIP_BYTES` once expanded,
  no member compressed more than :data:`MAX_ZIP_RATIO` times (a zip bomb), no member
  with an absolute path, a drive letter or ``..``, no symbolic links, no encrypted member.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from planning.errors import InputError

__all__ = ["MAX_LAYER_BYTES", "MAX_ROADS_BYTES", "MAX_ZIP_MEMBERS", "MAX_ZIP_BYTES",
           "MAX_ZIP_RATIO", "check_size", "check_zip", "safe_extract", "safe_filename"]

#: largest layer file accepted (CSV, Excel, GeoJSON, GeoPackage, zipped Shapefile), bytes
MAX_LAYER_BYTES = 50 * 2**20
#: largest road file accepted (.osm, .osm.bz2, .osm.pbf), bytes
MAX_ROADS_BYTES = 200 * 2**20
#: most members a zip may hold
MAX_ZIP_MEMBERS = 200
#: most bytes a zip may expand to (sum of its members' declared sizes)
MAX_ZIP_BYTES = 500 * 2**20
#: highest compression ratio of one member (GIS files rarely exceed 20)
MAX_ZIP_RATIO = 100
#: members smaller than this are not held to the ratio (tiny files compress oddly)
_RATIO_FLOOR = 64 * 2**10
_CHUNK = 2**20


def check_size(nbytes: int, limit: int, name: str) -> None:
    """Refuse a file larger than ``limit`` bytes, before reading it.

    Parameters
    ----------
    nbytes : int
        The file's size in bytes (as announced by the upload, or ``Path.stat().st_size``).
    limit : int
        The largest size accepted, bytes.
    name : str
        The file's name, for the message.

    Raises
    ------
    InputError
        When ``nbytes`` exceeds ``limit`` (or is negative).
    """
    if nbytes < 0:
        raise InputError.of("in.zip.size_unknown", file=name)
    if nbytes > limit:
        raise InputError.of("in.zip.too_big", file=name, size=_mb(nbytes), limit=_mb(limit))


def check_zip(path: Path, limit_bytes: int = MAX_ZIP_BYTES) -> None:
    """Refuse a zip that is unsafe or too big to expand, reading only its directory.

    Refused: not a zip; more than :data:`MAX_ZIP_MEMBERS` members; a member whose path
    is absolute, has a drive letter or ``..`` (it would land outside the folder); a
    symbolic link; an encrypted member; a member compressed more than
    :data:`MAX_ZIP_RATIO` times; members adding up to more than ``limit_bytes``.

    Parameters
    ----------
    path : Path
        The zip file.
    limit_bytes : int
        The most bytes the members may add up to once expanded.

    Raises
    ------
    InputError
        Naming the member and what is wrong.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError.of("in.zip.invalid", file=path.name, error=exc) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError.of("in.zip.members", file=path.name, n=len(infos), most=MAX_ZIP_MEMBERS)
    total = 0
    for info in infos:
        _check_member(info, path.name)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
            raise InputError.of("in.zip.bomb", file=path.name, member=info.filename,
                                ratio=f"{ratio:.0f}", most=MAX_ZIP_RATIO)
    if total > limit_bytes:
        raise InputError.of("in.zip.expands", file=path.name, size=_mb(total), limit=_mb(limit_bytes))


def safe_extract(zip_path: Path, dest: Path, limit_bytes: int = MAX_ZIP_BYTES) -> list[Path]:
    """Extract a zip into ``dest`` after :func:`check_zip`, never writing outside it.

    Every member is written by this function (not ``ZipFile.extractall``): its path must
    resolve inside ``dest``, and writing stops with an error when a member yields more
    bytes than its header declared (a forged directory) or the total exceeds
    ``limit_bytes``. On any refusal the files written so far are removed.

    Parameters
    ----------
    zip_path : Path
        The zip file.
    dest : Path
        The folder to extract into (created if missing).
    limit_bytes : int
        The most bytes the members may add up to once expanded.

    Returns
    -------
    list of Path
        The files written, in the zip's order (folders are created, not listed).

    Raises
    ------
    InputError
        As :func:`check_zip`, or when a member is larger than declared or unreadable.
    """
    zip_path, dest = Path(zip_path), Path(dest)
    check_zip(zip_path, limit_bytes)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[Path] = []
    total = 0
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info in zf.infolist():
                target = (root / _member_path(info.filename)).resolve()
                if target != root and root not in target.parents:
                    raise InputError.of("in.zip.outside", file=zip_path.name, member=info.filename)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                with zf.open(info) as src, open(target, "xb") as out:
                    written.append(target)
                    while chunk := src.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > info.file_size or total > limit_bytes:
                            raise InputError.of("in.zip.forged", file=zip_path.name,
                                                member=info.filename)
                        out.write(chunk)
    except InputError:
        _remove(written)
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        _remove(written)
        raise InputError.of("in.zip.extract", file=zip_path.name,
                            error=f"{type(exc).__name__}: {exc}") from None
    return written


def safe_filename(name: str, fallback: str) -> str:
    """The planner's own file name, safe to write in a folder of ours.

    No folders (only the last part of the name), no control characters or characters
    Windows refuses (each becomes ``_``), no leading dot, at most 120 characters (the
    end kept: it holds the suffix); ``fallback`` when nothing is left.
    """
    name = re.sub(r'[\x00-\x1f/\\:*?"<>|]', "_", Path(str(name)).name).strip().lstrip(".")
    return name[-120:] or fallback


# --------------------------------------------------------------------------- helpers


def _check_member(info: zipfile.ZipInfo, file: str) -> None:
    name = info.filename.replace("\\", "/")
    parts = name.split("/")
    if name.startswith("/") or ".." in parts or ":" in parts[0] or "\0" in name:
        raise InputError.of("in.zip.outside", file=file, member=info.filename)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):  # the Unix mode in the high bits (0 when made on Windows)
        raise InputError.of("in.zip.symlink", file=file, member=info.filename)
    if info.flag_bits & 0x1:
        raise InputError.of("in.zip.encrypted", file=file, member=info.filename)


def _member_path(name: str) -> PurePosixPath:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _remove(files: list[Path]) -> None:
    for f in files:
        f.unlink(missing_ok=True)


def _mb(nbytes: int) -> str:
    return f"{nbytes / 2**20:.1f} MB" if nbytes < 10 * 2**20 else f"{nbytes / 2**20:.0f} MB"

