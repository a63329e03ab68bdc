"""Two planners at once: each app session keeps its own uploads, rulebook and results.

Two ``streamlit.testing.v1.AppTest`` instances of app.py run side by side in one
process (as two browser sessions share one server): what one uploads or edits must not
show in the other, and Streamlit's shared resource cache must hold no planner's data
(only the read-only demo, when it has been used).
"""

from __future__ import annotations

from pathlib import Path

from streamlit.runtime.caching.cache_resource_api import _resource_caches
from streamlit.testing.v1 import AppTest

from planning.travel.access import Access
from planning.region import Region
from test_app import go, handmade_region, score_row

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 300

CSV_A = "村代码,名称,经度,纬度,常住人口\n120115100201,甲村,117.30,39.70,800\n"
CSV_B = ("村代码,名称,经度,纬度,常住人口\n120115100301,乙村,117.31,39.71,500\n"
         "120115100302,丙村,117.32,39.72,600\n")


def session(page: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    return go(at, page) if page else at


def uploaded(at: AppTest) -> str:
    return " ".join(s.value for s in at.success)


def cached_regions() -> list[Region]:
    """Every Region reachable from Streamlit's shared resource cache."""
    found, seen = [], set()

    def walk(value, depth=0):
        if id(value) in seen or depth > 4:
            return
        seen.add(id(value))
        if isinstance(value, Region):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, depth + 1)
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            for v in vars(value).values():
                if isinstance(v, (Region, dict, list, tuple)) or hasattr(v, "region"):
                    walk(v, depth + 1)

    for caches in list(_resource_caches._function_caches.values()):
        for cache in list(caches.values()):
            for result in list(cache._mem_cache.values()):
                walk(result.value)
    return found


def test_uploads_stay_in_their_session():
    one = session(source="upload")
    two = session(source="upload")
    one.file_uploader(key="up_villages").set_value(("villages.csv", CSV_A.encode(), "text/csv")).run()
    assert not one.exception and "读入 1 行" in uploaded(one)
    two.run()  # the other planner's page refreshes: nothing of the first upload
    assert not two.exception and uploaded(two) == ""
    assert "upload_cache" not in two.session_state
    two.file_uploader(key="up_villages").set_value(("villages.csv", CSV_B.encode(), "text/csv")).run()
    one.run()
    assert "读入 2 行" in uploaded(two) and "读入 1 行" in uploaded(one)
    dir_one, dir_two = Path(one.session_state["upload_dir"]), Path(two.session_state["upload_dir"])
    assert dir_one != dir_two
    assert (dir_one / "villages" / "villages.csv").read_text(encoding="utf-8") == CSV_A
    assert (dir_two / "villages" / "villages.csv").read_text(encoding="utf-8") == CSV_B
    assert not any(r.name == "villages" for r in cached_regions())


def test_rulebook_edit_and_results_stay_in_their_session():
    region_one, region_two = handmade_region(), handmade_region()
    one = session(source="upload", page="rulebook",
                  upload_region={"region": region_one, "access": Access(region_one)})
    two = session(source="upload",
                  upload_region={"region": region_two, "access": Access(region_two)})
    assert score_row(two, "R2")["未达标"] == "1"
    one.number_input(key="rbw.R2.max_distance_m@zh").set_value(1000.0).run()
    go(one, "scorecard")
    assert not one.exception
    assert score_row(one, "R2")["未达标"] == "2"  # 1,200 m is too far now, in this session
    two.run()
    assert not two.exception
    assert score_row(two, "R2")["未达标"] == "1"  # the other planner still has 1,500 m
    assert "rb_values" not in two.session_state or two.session_state["rb_values"] == {}
    assert one.session_state["rb_values"] == {"R2.max_distance_m": 1000.0}
    # each session's results live in its own state, none in the shared cache
    assert len(one.session_state["upload_region"]["results"]) == 2
    assert len(two.session_state["upload_region"]["results"]) == 1
    regions = cached_regions()
    assert not any(r is region_one or r is region_two for r in regions)
    assert all(r.name == "宝坻区" for r in regions)  # only the demo may be shared
