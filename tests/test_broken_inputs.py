"""The corpus of broken inputs (tests/broken): every case says what a planner must read.

Each case of ``tests/broken/cases.json`` (written by ``tests/broken/make_corpus.py``) is
loaded through the library (planning.inputs, planning.travel.network, planning.inputs.offsets,
planning.inputs.uploads), through the app's upload path (the same functions in the same order
as app.py: size check, zip check, read_layer) and, for the refused ones, through the
command line (`python -m planning check --region DIR` exits 2 with the message and no
traceback). No case may crash, and no row may go missing without an ``error`` problem
naming it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planning.inputs.offsets import gcj02_suspicion, road_offset
from planning.errors import InputError
from planning.inputs import load_region, read_layer
from planning.travel.network import load_network
from planning.inputs.uploads import MAX_LAYER_BYTES, check_size, check_zip

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "broken"
FILES, BASE = BROKEN / "files", BROKEN / "base"
CASES = json.loads((BROKEN / "cases.json").read_text(encoding="utf-8"))
REGION_LAYERS = ("townships", "villages", "facilities")
UTM50 = "EPSG:32650"


def cases(*vias: str, expect: tuple[str, ...] | None = None) -> list:
    return [pytest.param(c, id=c["id"]) for c in CASES
            if c["via"] in vias and (expect is None or c["expect"] in expect)]


def region_folder(case: dict, tmp_path: Path) -> Path:
    """A copy of the clean base region with the case's file as its layer."""
    folder = tmp_path / case["id"]
    shutil.copytree(BASE, folder)
    for f in folder.iterdir():
        if f.stem == case["layer"]:
            f.unlink()
    shutil.copy(FILES / case["file"], folder / (case["layer"] + Path(case["file"]).suffix))
    return folder


def load(case: dict, tmp_path: Path):
    """(layer, problems) as the library gives them for the case."""
    if case["via"] == "region":
        region = load_region(region_folder(case, tmp_path), input_crs=case.get("input_crs", "wgs84"))
        return getattr(region, case["layer"]), region.problems
    return read_layer(FILES / case["file"], case["layer"], input_crs=case.get("input_crs", "wgs84"))


def upload(case: dict):
    """What app.py does with an uploaded layer file: size, zip safety, then read_layer."""
    path = FILES / case["file"]
    check_size(path.stat().st_size, MAX_LAYER_BYTES, path.name)
    if path.suffix == ".zip":
        check_zip(path)
    return read_layer(path, case["layer"], input_crs=case.get("input_crs", "wgs84"))


def assert_outcome(case: dict, call) -> None:
    """The case's expected message, level, row and row accounting."""
    if case["expect"] == "refused":
        with pytest.raises(InputError) as err:
            call()
        text = str(err.value)
        assert case["message"] in text, text
        assert "Traceback" not in text
        if case.get("rows"):  # every row set aside is named in the error
            named = {p.row for p in err.value.problems if p.row is not None}
            assert len(named) == case["rows"], text
        return
    gdf, problems = call()
    shown = "\n".join(str(p) for p in problems)
    if case["expect"] == "ok":
        assert not [p for p in problems if p.level in ("error", "warning")], shown
    else:
        hits = [p for p in problems if p.level == case["expect"] and case["message"] in p.message
                and (case.get("row") is None or p.row == case["row"])]
        assert hits, f"expected {case['expect']} {case['message']!r} at row {case.get('row')}:\n{shown}"
    if "kept" in case:
        assert len(gdf) == case["kept"], shown
    if "rows" in case:  # nothing dropped without saying which row and why
        aside = {p.row for p in problems if p.level == "error" and p.layer == case["layer"]
                 and p.row is not None}
        assert len(gdf) + len(aside) == case["rows"], shown
    for key, column in (("names", "name"), ("population", "population"), ("ids", "village_id"),
                        ("township", "township")):
        if key in case:
            assert list(gdf[column]) == case[key]
    if "lon" in case:
        assert list(gdf.geometry.x.round(6)) == pytest.approx(case["lon"], abs=1e-5)
    if "keeps_column" in case:
        assert case["keeps_column"] in gdf.columns


def test_corpus_is_large_and_complete():
    assert len(CASES) >= 30
    for c in CASES:
        assert (FILES / c["file"]).exists(), c["id"]
        assert c["expect"] == "ok" or c["message"], c["id"]


@pytest.mark.parametrize("case", cases("layer", "region"))
def test_library(case, tmp_path):
    assert_outcome(case, lambda: load(case, tmp_path))


@pytest.mark.parametrize("case", cases("layer"))
def test_app_upload_path(case):
    assert_outcome(case, lambda: upload(case))


@pytest.mark.parametrize("case", cases("upload"))
def test_upload_refused(case):
    with pytest.raises(InputError, match=case["message"]):
        check_zip(FILES / case["file"])


@pytest.mark.parametrize("case", cases("roads"))
def test_roads(case, tmp_path):
    def call():
        net = load_network(FILES / case["file"], case["mode"], UTM50, cache_dir=tmp_path)
        return net, []

    if case["expect"] == "refused":
        assert_outcome(case, call)
    else:
        net, _ = call()
        assert net.n_edges > 0


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return load_network(FILES / "roads_grid.osm", "drive", UTM50,
                        cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("case", cases("gcj02"))
def test_gcj02_suspicion(case, grid):
    gdf, _ = read_layer(FILES / case["file"], case["layer"], input_crs=case.get("input_crs", "wgs84"))
    problem = gcj02_suspicion(gdf, grid, file=case["file"])
    if case["expect"] == "ok":
        assert problem is None
        # declared right, the points lie on the north-south roads (within 1 m)
        assert road_offset(gdf, grid)["median_m"] < 1.0
    else:
        assert problem is not None and problem.level == case["expect"]
        assert case["message"] in problem.message and problem.file == case["file"]
        r = road_offset(gdf, grid)
        # the roads run north-south, 1.7 km apart: the GCJ-02 shift near Tianjin is
        # ~557 m east and ~147 m north, so the points sit ~557 m east of their road
        assert 500 < r["median_m"] < 620 and r["median_converted_m"] < 1.0
        assert 500 < r["offset_m"] < 650


def test_gcj02_needs_three_points_and_roads(grid):
    gdf, _ = read_layer(FILES / "facilities_gcj02.csv", "facilities")
    assert gcj02_suspicion(gdf.iloc[:2], grid) is None


# --------------------------------------------------------------------------- command line

_DRIVER = """
import contextlib, io, json, sys
from planning.cli import main
out = {}
for d in sys.argv[1:]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(["check", "--region", d, "--lang", "en"])
        except BaseException as exc:
            import traceback
            rc, _ = f"{type(exc).__name__}", traceback.print_exc(file=err)
    out[d] = [rc, err.getvalue()]
print(json.dumps(out, ensure_ascii=False))
"""


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "PLANNING_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}


def test_cli_check_refuses_each_broken_layer(tmp_path):
    """Every refused layer case, as a region folder, through `check` in one process."""
    picked = [c for c in CASES if c["expect"] == "refused" and c["via"] in ("layer", "region")
              and c["layer"] in REGION_LAYERS]
    assert len(picked) >= 12
    folders = {str(region_folder(c, tmp_path)): c for c in picked}
    run = subprocess.run([sys.executable, "-c", _DRIVER, *folders], cwd=ROOT, env=_env(tmp_path),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    for folder, case in folders.items():
        rc, err = results[folder]
        assert rc == 2, (case["id"], rc, err)
        assert "Traceback" not in err, (case["id"], err)
        assert case["message"] in err, (case["id"], err)


def test_cli_exit_code_and_no_traceback(tmp_path):
    """The real entry point: `python -m planning check --region DIR` exits 2."""
    case = next(c for c in CASES if c["id"] == "misspelt_column")
    folder = region_folder(case, tmp_path)
    run = subprocess.run([sys.executable, "-m", "planning", "check", "--region", str(folder),
                          "--lang", "en"], cwd=ROOT, env=_env(tmp_path),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "villages.csv" in run.stderr and "Is 'longtitude' meant to be 'lon'?" in run.stderr
    run = subprocess.run([sys.executable, "-m", "planning", "check", "--region", str(folder)],
                         cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert run.returncode == 2  # the default language is Chinese: the same message in Chinese
    assert "错误：文件 villages.csv" in run.stderr and "“longtitude”是不是“lon”" in run.stderr


# --------------------------------------------------------------------------- many rows, grouped


@pytest.mark.parametrize("case_id", ["lonlat_swapped_all", "population_column_missing",
                                     "missing_population"])
def test_cli_groups_problems_and_writes_them_all(case_id, tmp_path):
    """`check` prints at most 10 problem lines per input file; --problems writes every
    one (atomically, as CSV); the summary JSON holds them grouped with their counts."""
    import csv

    case = next(c for c in CASES if c["id"] == case_id)
    folder = region_folder(case, tmp_path)
    out_csv, out_json = tmp_path / "problems.csv", tmp_path / "summary.json"
    run = subprocess.run([sys.executable, "-m", "planning", "check", "--region", str(folder),
                          "--problems", str(out_csv), "--summary", str(out_json), "--lang", "en"],
                         cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith(("error:", "warning:", "…"))]
    per_file: dict[str, int] = {}
    for ln in lines:
        name = ln.split("file ", 1)[1].split(",")[0] if "file " in ln else "?"
        per_file[name] = per_file.get(name, 0) + 1
    assert lines and max(per_file.values()) <= 10, run.stderr
    with open(out_csv, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    summary = json.loads(out_json.read_text(encoding="utf-8"))
    village_rows = [r for r in rows if r["file"] == "villages.csv" and r["level"] == "warning"]
    groups = [g for g in summary["problems"] if g["file"] == "villages.csv"
              and g["level"] == "warning"]
    assert sum(g["count"] for g in groups) == len(village_rows)       # nothing dropped
    assert sum(g["count"] for g in summary["problems"]) == len(rows)
    if case_id == "lonlat_swapped_all":
        assert len(village_rows) == 40 and len(groups) == 1
        assert groups[0]["count"] == 40 and groups[0]["first_rows"] == list(range(1, 11))
        assert sum("look swapped" in ln for ln in lines) == 1          # one line, not 40
        assert "40 rows" in next(ln for ln in lines if "look swapped" in ln)
    else:
        assert any("population" in g["example"] for g in groups)


def test_missing_population_column_is_never_rosy(tmp_path):
    """The corpus's villages without a population column: no population-based verdict
    passes, R3 and R4 cannot be judged, the summary carries nulls with reasons."""
    from planning.rules.assess import assess

    case = next(c for c in CASES if c["id"] == "population_column_missing")
    region = load_region(region_folder(case, tmp_path))
    summary = assess(region).summary()
    rules = {r["id"]: r for r in summary["rules"]}
    assert region.summary()["population"] is None
    assert region.summary()["population_unknown"] == 40
    for rid in ("R3", "R4"):
        assert rules[rid]["unknown"] > 0 and rules[rid]["passed"] == 0, rules[rid]
        assert rules[rid]["population_in_gap"] is None and rules[rid]["population_reason"]
    assert rules["R3"]["unknown"] == 40 and rules["R3"]["failed"] == 0
    assert rules["R3"]["figures"]["share_within"] is None
    assert rules["R3"]["figures"]["share_reason"].startswith("常住人口未知")
    assert rules["R2"]["population_in_gap"] is None                     # R2 fails some, residents unknown
    assert rules["R5"]["figures"]["residents"] is None
    assert rules["R5"]["figures"]["gps_per_10000"] is None
    r2 = assess(region).results["R2"].in_language("zh").units
    assert not r2["action"].str.startswith("人口较少").any()            # no touring on unknown size
    assert r2["action"].str.contains("先核实常住人口").any()
    groups = [g for g in summary["problems"] if "no population column" in g["example"]]
    assert len(groups) == 1 and groups[0]["count"] == 1
