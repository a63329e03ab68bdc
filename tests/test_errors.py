"""Problems grouped by file, layer, column and kind; the full list as CSV."""

from __future__ import annotations

import csv

from planning.errors import Problem, group_problems, problem_lines, write_problems


def swapped(row: int) -> Problem:
    return Problem("warning", f"longitude 39.{row} and latitude 117.{row} look swapped; they "
                   "were swapped back — check the columns", "villages.csv", "villages", row, "纬度")


def test_groups_count_every_problem_and_keep_every_row():
    problems = [swapped(r) for r in range(1, 823)]
    problems += [Problem("warning", f"{name}卫生室 lies outside the region's townships; kept",
                         "facilities.csv", "facilities", r, "geometry")
                 for r, name in ((4, "太平庄村"), (9, "镇东村"))]
    problems.append(Problem("error", "row set aside: duplicate id '1201': the same id is on row 3",
                            "villages.csv", "villages", 900, "村代码"))
    groups = group_problems(problems)
    assert [g.count for g in groups] == [822, 2, 1]
    assert sum(g.count for g in groups) == len(problems)
    assert groups[0].rows == tuple(range(1, 823)) and groups[1].rows == (4, 9)
    text = str(groups[0])
    assert text.startswith("file villages.csv, layer villages, column '纬度': 822 rows: longitude 39.1")
    assert text.endswith("rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 … and 812 more")
    assert groups[0].to_dict()["first_rows"] == list(range(1, 11))


def test_at_most_ten_lines_per_file():
    problems = [Problem("warning", f"column {c} looks odd", "villages.csv", "villages", 1, f"c{c}")
                for c in range(25)] + [swapped(1)]
    lines = problem_lines(problems)
    assert len(lines) == 10
    assert lines[-1] == "… villages.csv: 17 more kinds of problem (17 in all): see --problems FILE.csv"
    assert problem_lines([Problem("info", "a kind inferred", "v.csv")]) == []


def test_full_list_as_csv(tmp_path):
    problems = [swapped(r) for r in range(1, 41)] + [Problem("warning", "=HYPERLINK(1)", "x.csv")]
    out = tmp_path / "problems.csv"
    write_problems(problems, out)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 41 and [int(r["row"]) for r in rows[:40]] == list(range(1, 41))
    assert rows[0]["column"] == "纬度" and rows[-1]["message"] == "'=HYPERLINK(1)"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no leftovers
