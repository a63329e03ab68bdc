"""The command line: ``python -m planning COMMAND``. A thin shell over the library.

Commands
--------
summary      the loaded region: layer counts, population, network size per mode
check        run the rules R1-R8, print a table, write gap layers and a summary JSON;
             with --regions, county by county on Dask (planning.scale.distributed)
suggest      suggest new clinic sites (maximal covering, set covering, p-median), or
             where N more GPs lift the most residents to R8's reference (--rule R8 --staff N)
report       the planning report (汇报材料) for a district or township, Word or PDF
export       run the rules and export every layer to GPKG/GeoJSON/SHP/KML/XLSX
bench        benchmarks (JSON lines): --task engine (the travel-time engine against the
             osmnx/networkx way), r8 (R8 on a region and through scenario edits),
             partitioned (Dask county tasks against one process) or surface (the
             travel-time surface against R3's display polygons)
fetch-roads  download an OSM road network for a boundary (needs internet)

Bad input ends with a message naming the file and what to do, and exit code 2 — never
a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from planning.errors import InputError
from planning.travel.access import access_for
from planning.travel.network import region_network

EXIT_INPUT = 2
#: a rule could not run (the others did; the summary says which and why)
EXIT_RULE = 1


#: notes (info) worth printing: what the tool decided about the planner's files
_SHOWN_NOTES = ("in.ids_generated", "in.file_crs_kept", "in.file_crs_declared", "in.district_filled")


def _level(level: str, lang: str) -> str:
    """``错误：`` / ``error: `` before a message."""
    return _t(f"level.{level}", lang)


def _load_region(args) -> object:
    from planning import inputs

    if not getattr(args, "region", None):
        return inputs.load_demo()
    lang = getattr(args, "lang", "zh")
    region = inputs.load_region(args.region, input_crs=args.input_crs, name=args.name)
    _print_problems(region.problems, lang)
    if region.roads_path is None:
        print(_t("cli.straight", lang), file=sys.stderr)
    return region


def _print_problems(problems: list, lang: str) -> None:
    """Rows set aside and warnings, grouped: at most 10 lines per input file (info notes
    stay quiet but for :data:`_SHOWN_NOTES`; ``check --problems FILE.csv`` writes every one)."""
    from planning.errors import problem_lines

    for line in problem_lines(problems, lang=lang, notes=_SHOWN_NOTES):
        print(line, file=sys.stderr)


def _t(key: str, lang: str, **fields) -> str:
    from planning.words import t

    return t(key, lang, **fields)


def _progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def cmd_summary(args) -> int:
    from planning.settings import MODES

    region = _load_region(args)
    for mode in MODES if region.roads_path is not None else ():  # none: straight-line estimates
        _progress(f"road network ({mode})")
        region_network(region, mode)
    s = region.summary()
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2, default=str))
        return 0
    print(f"Region: {s.get('name', region.name)}")
    for key, value in s.items():
        if key == "name":
            continue
        print(f"  {key}: {json.dumps(value, ensure_ascii=False, default=str)}")
    return 0


def _status_table(summary: dict, lang: str) -> str:
    head = _t("cli.columns", lang).split("|")
    lines = []
    if summary.get("distances") == "straight":  # every figure below is an estimate
        lines.append(f"{summary['label']}: " + _t("legend.estimate", lang,
                                                   factor=f"{summary['detour_factor']:g}"))
    lines.append("  ".join(f"{h:>8}" for h in head))
    for r in summary["rules"]:
        basis = _t(f"cli.basis.{r['basis']}", lang)
        rid = r["id"] + ("*" if r["figures"].get("estimate") else "")
        gap = r["population_in_gap"]
        gap = _t("people.unknown", lang) if gap is None else f"{gap:,}"
        if r.get("population_in_gap_unknown") and r["population_in_gap"] is not None:
            gap = f"≥{gap}"                        # some failing units have no figure
        cells = (rid, r["units"], r["passed"], r["failed"], r["warned"], r.get("unknown", 0),
                 r["not_applicable"], gap, basis, r["clause"])
        lines.append("  ".join(f"{c!s:>8}" for c in cells))
        lines.append(f"{'':>8}  {r['title'] if lang == 'zh' else r['title_en']}")
    for rid, why in summary.get("errors", {}).items():
        lines.append(f"{rid}: " + _t("cli.rule_failed", lang, why=why))
    return "\n".join(lines)


def cmd_check(args) -> int:
    from planning.rules.assess import assess
    from planning.rules.rulebook import load_rulebook

    rulebook = load_rulebook(args.rulebook)
    if args.regions:
        return _check_regions(args, rulebook)
    if args.scheduler or args.workers:
        raise InputError.at("--scheduler and --workers go with --regions (a partitioned run)")
    region = _load_region(args)
    seen = len(region.problems)
    t0 = time.perf_counter()
    access = access_for(region)
    result = assess(region, rulebook, access, progress=lambda r: _progress(f"rule {r}"),
                    errors="record")
    _print_problems(region.problems[seen:], args.lang)  # found on the way (a clipped road file …)
    summary = result.summary(args.lang)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    summary["timings"] = {k: round(v, 3) for k, v in result.timings.items()}
    print(_status_table(summary, args.lang))
    if args.out:
        from planning.outputs.export import ExportAbout, export_layers

        path = export_layers(result.layers(), Path(args.out), lang=args.lang,
                             about=ExportAbout.of(result))
        print(f"gap layers -> {path}")
    if args.surface:
        _write_surface(args, region, rulebook, access)
    if args.summary:
        _write_json(Path(args.summary), summary)
        print(f"summary -> {args.summary}")
    if args.problems:
        from planning.errors import write_problems

        write_problems(region.problems, Path(args.problems))
        print(f"problems ({len(region.problems):,}) -> {args.problems}")
    return EXIT_RULE if result.errors else 0


def _check_regions(args, rulebook) -> int:
    """``check --regions PATH --out DIR``: county by county on Dask."""
    from planning.scale.distributed import run

    if not args.out:
        raise InputError.at("--regions needs --out DIR: the folder for the merged layers, one "
                            "GeoPackage per county and summary.json")
    if args.region:
        raise InputError.at("give either --region (one process) or --regions (partitioned)")
    summary = run(args.regions, args.out, rulebook=rulebook, scheduler=args.scheduler,
                  workers=args.workers or 2, by=args.by, roads=args.roads,
                  input_crs=args.input_crs, lang=args.lang)
    print(_status_table(summary["total"], args.lang))
    print(f"{summary['counties_checked']} counties checked, {summary['counties_failed']} failed, "
          f"{summary['skipped_unchanged']} unchanged since the last run; "
          f"{summary['seconds']} s")
    for f in summary["failed"]:
        for p in f["error"]:
            print(f"error: county {f['county']}: " + ", ".join(
                f"{k} {p[k]}" for k in ("file", "layer", "row", "column") if p.get(k))
                + f": {p['message']}", file=sys.stderr)
    print(f"merged layers -> {Path(args.out) / 'merged.gpkg'}; one GeoPackage per county in "
          f"{Path(args.out) / 'counties'}; summary -> {Path(args.out) / 'summary.json'}")
    return EXIT_INPUT if summary["failed"] else 0


def cmd_export(args) -> int:
    from planning.rules.assess import assess
    from planning.outputs.export import ExportAbout, export_layers
    from planning.rules.rulebook import load_rulebook

    region, rulebook = _load_region(args), load_rulebook(args.rulebook)
    access = access_for(region)
    result = assess(region, rulebook, access, progress=lambda r: _progress(f"rule {r}"))
    path = export_layers(result.layers(), Path(args.out), fmt=args.format, crs=args.crs,
                         lang=args.lang, about=ExportAbout.of(result))
    print(f"exported -> {path}")
    if args.surface:
        _write_surface(args, region, rulebook, access)
    return 0


def _write_surface(args, region, rulebook, access) -> None:
    """``--surface FILE.tif``: R3's travel-time surface (minutes to the nearest
    primary-care facility, ``--surface-mode``) as a GeoTIFF in the region's metric CRS."""
    from planning.outputs.export import export_surface
    from planning.rules.r3_health_circle import surface

    _progress("travel-time surface")
    s = surface(region, rulebook, access, args.surface_mode)
    path = export_surface(s, Path(args.surface))
    print(f"travel-time surface ({s.mode}, {s.grid.cell_m:g} m cells, minutes) -> {path}")


def cmd_suggest(args) -> int:
    from planning.outputs.export import export_layers
    from planning.plan.optimize import suggest
    from planning.rules.rulebook import load_rulebook

    if args.rule == "R8":
        return _suggest_staff(args)
    region = _load_region(args)
    _progress(f"suggesting sites for {args.rule}")
    result = suggest(region, rule=args.rule, k=args.k, target=args.target,
                     objective=args.objective, candidates=args.candidates,
                     rulebook=load_rulebook(args.rulebook), method=args.method,
                     model=args.model)
    summary = result.to_json()
    for site in summary["sites"]:
        print(f"  {site['id']:>14}  {site['name']:<12} {site['lon']:.6f} {site['lat']:.6f}  "
              f"+{site['newly_covered']:,.0f}  = {site['cumulative_covered']:,.0f}")
    print(f"solver: {summary['solver']}, {summary['seconds']} s, gap {summary['optimality_gap']}")
    path = export_layers({"suggested_sites": result.sites}, Path(args.out))
    print(f"sites -> {path}")
    if args.summary:
        _write_json(Path(args.summary), summary)
        print(f"summary -> {args.summary}")
    return 0


def _suggest_staff(args) -> int:
    """``suggest --rule R8 --staff N``: where N more GPs lift the most residents."""
    from planning.outputs.export import export_layers
    from planning.rules.rulebook import load_rulebook
    from planning.plan.staffing import suggest_staff

    if args.staff is None:
        raise InputError.at("--rule R8 needs --staff N: the number of GPs to place")
    region = _load_region(args)
    _progress(f"placing {args.staff} GPs for R8")
    result = suggest_staff(region, args.staff, where=args.where,
                           method="exact" if args.method == "exact" else "greedy",
                           rulebook=load_rulebook(args.rulebook))
    summary = result.to_json()
    for site in summary["sites"]:
        where = "existing" if site["existing"] else "new site"
        print(f"  {site['id']:>22}  {site['name']:<12} +{site['gps']} GPs ({where})  "
              f"{site['lon']:.6f} {site['lat']:.6f}  +{site['newly_covered']:,.0f}  "
              f"= {site['cumulative_covered']:,.0f}")
    last = result.curve.iloc[-1]
    print(f"residents at or above the reference: {result.covered_before:,.0f} -> "
          f"{last['covered']:,.0f} of {result.total:,.0f} ({last['share']:.1%}) with "
          f"{args.staff} more GPs; {summary['solver']}, {summary['seconds']} s"
          + (f", gap {summary['optimality_gap']}" if summary["optimality_gap"] is not None else ""))
    path = export_layers({"suggested_staff": result.sites, "coverage_curve": result.curve},
                         Path(args.out))
    print(f"sites -> {path}")
    if args.summary:
        _write_json(Path(args.summary), summary)
        print(f"summary -> {args.summary}")
    return 0


def cmd_report(args) -> int:
    from planning.outputs.report import build_report

    region = _load_region(args)
    _progress("rules and maps")
    path = build_report(region, district=args.district, township=args.township,
                        scenario=args.scenario, lang=args.lang, rulebook=args.rulebook,
                        out=Path(args.out))
    print(f"report -> {path}")
    return 0


def cmd_bench(args) -> int:
    import importlib

    module, _ = BENCH_TASKS[args.task]
    bench = importlib.import_module(module)
    options = ({"workers": [int(w) for w in args.workers.split(",")], "counties": args.counties}
               if args.task == "partitioned" else {"task": args.task}
               if args.task in ("assess", "scenario", "map") else {})
    bench.run(args.scale, **options)
    return 0


#: ``bench --task NAME`` -> (module with ``run``, the scales it accepts)
BENCH_TASKS = {
    "engine": ("benchmarks.bench_engine", ("demo", "city")),
    "r8": ("benchmarks.bench_r8", ("demo", "city")),
    "partitioned": ("benchmarks.bench_partitioned", ("demo", "city", "province")),
    "surface": ("benchmarks.bench_surface", ("demo", "city")),
    "assess": ("benchmarks.bench_interactive", ("demo", "city")),
    "scenario": ("benchmarks.bench_interactive", ("demo", "city")),
    "map": ("benchmarks.bench_interactive", ("demo", "city")),
}


def cmd_fetch_roads(args) -> int:
    import geopandas as gpd
    import shapely

    from planning.travel.network import fetch_osm

    boundary = gpd.read_file(args.boundary).to_crs(4326)
    fetch_osm(shapely.union_all(boundary.geometry.values), Path(args.out))
    print(f"roads -> {args.out}")
    return 0


def _write_json(path: Path, data: dict) -> None:
    from planning._atomic import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planning", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def region_args(p):
        p.add_argument("--region", help="GeoPackage with the layers, or a folder with one file "
                       "per layer plus roads.osm/.osm.pbf (default: the embedded Baodi demo)")
        p.add_argument("--input-crs", default="wgs84", metavar="CRS",
                       help="coordinate system of the input files' lon/lat: wgs84 (default), "
                       "gcj02, bd09 or cgcs2000 for every file without one of its own, or per "
                       "layer, e.g. villages=gcj02,facilities=gcj02 (applies even to a file "
                       "labelled EPSG:4326)")
        p.add_argument("--name", help="the region's name (default: the district named by the "
                       "township and village codes)")

    def surface_args(p):
        p.add_argument("--surface", metavar="FILE.tif", help="also write the travel-time "
                       "surface (minutes to the nearest primary-care facility R3 counts, "
                       "100 m cells, up to 60 min) as a GeoTIFF in the region's metric CRS")
        p.add_argument("--surface-mode", choices=["walk", "ebike", "drive"],
                       help="travel mode of the surface (default: R3's, walking)")

    p = sub.add_parser("summary", help="summarise the loaded region")
    region_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("check", help="run the coverage rules R1-R8")
    region_args(p)
    p.add_argument("--rulebook", help="a TOML rulebook (default: Tianjin)")
    p.add_argument("--out", help="write the gap layers to this file (.gpkg, .zip, .kml, .xlsx …)")
    p.add_argument("--summary", help="write the summary JSON here")
    p.add_argument("--problems", help="write every input problem to this CSV (the terminal "
                   "shows them grouped, at most 10 lines per file)")
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    p.add_argument("--regions", help="partitioned run on Dask: a folder of regions (one per "
                   "county, with one road file beside them) or one region split by --by; "
                   "--out is then a folder")
    p.add_argument("--by", default="district",
                   help="townships' column to split one region by (default district)")
    p.add_argument("--roads", help="the road file of a folder of regions (default: beside them)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a Dask scheduler, e.g. tcp://host:8786 "
                       "(default: a local cluster)")
    where.add_argument("--workers", type=int, help="worker processes of the local cluster "
                       "(default 2)")
    surface_args(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("export", help="export every rule layer")
    region_args(p)
    p.add_argument("--rulebook")
    p.add_argument("--out", required=True)
    p.add_argument("--format", help="gpkg, geojson, shp, kml or xlsx (default: from --out)")
    p.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "cgcs2000"])
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    surface_args(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("suggest", help="suggest new clinic sites (R2 or R3), or where more "
                       "GPs lift the most residents (R8)")
    region_args(p)
    p.add_argument("--rule", default="R2", choices=["R2", "R3", "R8"])
    p.add_argument("--staff", type=int, help="R8: the number of GPs to place")
    p.add_argument("--where", default="both", choices=["existing", "new", "both"],
                   help="R8: at existing health centres, new sites at villages, or both")
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    p.add_argument("--k", type=int, default=5, help="number of new sites")
    p.add_argument("--target", type=float, help="coverage share to reach with the fewest sites, "
                   "e.g. 0.95 (then --k is ignored)")
    p.add_argument("--objective", default="residents", choices=["residents", "villages"])
    p.add_argument("--candidates", default="villages",
                   help="villages (default), grid, or a file of candidate points")
    p.add_argument("--model", default="mclp", choices=["mclp", "pmedian"])
    p.add_argument("--method", default="auto", choices=["auto", "greedy", "exact"])
    p.add_argument("--rulebook")
    p.add_argument("--out", required=True, help="the sites (.gpkg, .xlsx, .geojson …)")
    p.add_argument("--summary", help="write the JSON summary here")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("report", help="the planning report (汇报材料) as Word or PDF")
    region_args(p)
    p.add_argument("--district", help="only this district (name)")
    p.add_argument("--township", help="only this township (name or 9-digit code)")
    p.add_argument("--scenario", help="a scenario file (.gpkg) saved by the app")
    p.add_argument("--rulebook", help="a TOML rulebook (default: Tianjin)")
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    p.add_argument("--out", required=True, help="report.docx (Word) or report.pdf")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("bench", help="benchmarks: the engine, R8, partitioned runs on Dask, "
                       "the travel-time surface, a whole check, a what-if click, a map")
    p.add_argument("--task", default="engine", choices=list(BENCH_TASKS))
    p.add_argument("--scale", default="demo", choices=["demo", "city", "province"])
    p.add_argument("--workers", default="1,2", help="partitioned: worker counts to time, "
                   "e.g. 1,2")
    p.add_argument("--counties", type=int, help="partitioned: only the first N counties "
                   "(districts) of the region, with all its roads")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("fetch-roads", help="download OSM roads for a boundary (internet)")
    p.add_argument("--boundary", required=True, help="a polygon file (GeoPackage, GeoJSON, SHP)")
    p.add_argument("--out", required=True, help="the .osm file to write")
    p.set_defaults(func=cmd_fetch_roads)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = getattr(args, "lang", "zh")
    if args.command == "bench" and args.scale not in BENCH_TASKS[args.task][1]:
        parser.error(f"bench --task {args.task} takes --scale "
                     f"{'|'.join(BENCH_TASKS[args.task][1])}")
    try:
        return args.func(args)
    except InputError as exc:
        print(f"{_level('error', lang)}{exc.render(lang)}", file=sys.stderr)
        return EXIT_INPUT
