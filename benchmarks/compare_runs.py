"""Do two runs of ``planning check`` give the same answers?

Compares two summary JSONs (timings, seconds, paths and wording aside) and two GeoPackages of
gap layers (``check --out``): every layer, every row, every column of codes and numbers;
columns of free text (reasons, actions, notes) are compared only when ``--text`` is given,
since their wording may change while their codes stay.

    python -m benchmarks.compare_runs before.json after.json before.gpkg after.gpkg

Prints one line per difference (at most 20 per layer) and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np
import pandas as pd
import pyogrio

#: summary keys that differ between runs by nature
SKIP_KEYS = {"timings", "seconds", "rulebook", "notes", "title", "title_en", "population_reason",
             "share_reason", "example", "label"}
#: columns of free text in the gap layers
TEXT_COLUMNS = {"reason", "action", "notes", "note", "reasons", "explain", "说明"}


def _walk(a, b, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in SKIP_KEYS:
                continue
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'after' if k in b else 'before'}")
                continue
            _walk(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items before, {len(b)} after")
        for i, (x, y) in enumerate(zip(a, b)):
            key = x.get("id", i) if isinstance(x, dict) else i
            _walk(x, y, f"{path}[{key}]", out)
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or not (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
                                          or (math.isnan(a) and math.isnan(b))):
            out.append(f"{path}: {a!r} before, {b!r} after")
    elif a != b:
        out.append(f"{path}: {a!r} before, {b!r} after")


def compare_summaries(before: dict, after: dict) -> list[str]:
    """Differences between two summary JSONs, codes and numbers only."""
    out: list[str] = []
    _walk(before, after, "summary", out)
    return out


def compare_layers(before: str, after: str, text: bool = False) -> list[str]:
    """Differences between two GeoPackages of gap layers: codes, numbers, geometry."""
    out: list[str] = []
    la = {name for name, _ in pyogrio.list_layers(before)}
    lb = {name for name, _ in pyogrio.list_layers(after)}
    for name in sorted(la ^ lb):
        out.append(f"layer {name}: only in {'after' if name in lb else 'before'}")
    for name in sorted(la & lb):
        a = pyogrio.read_dataframe(before, layer=name)
        b = pyogrio.read_dataframe(after, layer=name)
        diffs: list[str] = []
        if len(a) != len(b):
            diffs.append(f"{len(a)} rows before, {len(b)} after")
        else:
            for col in sorted(set(a.columns) | set(b.columns)):
                if col in TEXT_COLUMNS and not text:
                    continue
                if col not in a or col not in b:
                    diffs.append(f"column {col}: only in {'after' if col in b else 'before'}")
                    continue
                diffs += _column(col, a[col], b[col])
        out += [f"layer {name}: {d}" for d in diffs[:20]]
    return out


def _column(col: str, a: pd.Series, b: pd.Series) -> list[str]:
    if col == "geometry":
        same = a.geom_equals_exact(b, tolerance=1e-7) | (a.is_empty & b.is_empty) \
            | (a.isna() & b.isna())
        return [f"geometry differs on {int((~same).sum())} rows"] if not same.all() else []
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        x, y = a.to_numpy(float), b.to_numpy(float)
        ok = np.isclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True)
        bad = np.flatnonzero(~ok)
        return [f"column {col}, row {i}: {x[i]!r} before, {y[i]!r} after" for i in bad[:5]]
    x = a.astype(object).where(a.notna(), None).tolist()
    y = b.astype(object).where(b.notna(), None).tolist()
    bad = [i for i, (p, q) in enumerate(zip(x, y)) if p != q]
    return [f"column {col}, row {i}: {x[i]!r} before, {y[i]!r} after" for i in bad[:5]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before_json")
    p.add_argument("after_json")
    p.add_argument("before_gpkg")
    p.add_argument("after_gpkg")
    p.add_argument("--text", action="store_true", help="compare text columns too")
    args = p.parse_args(argv)
    with open(args.before_json, encoding="utf-8") as fa, open(args.after_json, encoding="utf-8") as fb:
        diffs = compare_summaries(json.load(fa), json.load(fb))
    diffs += compare_layers(args.before_gpkg, args.after_gpkg, args.text)
    for d in diffs:
        print(d)
    print(f"{len(diffs)} differences" if diffs else "same answers")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
