"""The walkthrough notebook runs top to bottom in a fresh kernel and shows the demo's numbers.

The notebook is executed with nbclient in a kernel started from this interpreter (the
project's venv: a kernel spec written to a temporary JUPYTER_PATH, so no installed kernel
is needed). The kernel makes no network request: the demo and its roads are local, and
folium maps only *reference* Leaflet's CDN addresses in their HTML.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from planning.rules.assess import assess  # noqa: E402
from planning.inputs import load_demo  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"
KERNEL = "planning-test-venv"


def _text(cell) -> str:
    """Everything a code cell printed or displayed, as text (HTML tables included)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        for mime in ("text/plain", "text/html"):
            data = out.get("data", {}).get(mime)
            if data:
                parts.append(data if isinstance(data, str) else "".join(data))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory, monkeypatch_module):
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "planning venv (tests)", "language": "python"}), encoding="utf-8")
    monkeypatch_module.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch_module.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=600,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return nb


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def live():
    return assess(load_demo()).summary()


def test_the_notebook_runs_without_errors(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    figures = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(figures) == 2  # the network and the coverage curve
    maps = [c for c in code if "leaflet" in _text(c).lower()]
    assert len(maps) == 2  # R2 and R3


def test_the_executed_notebook_shows_the_live_numbers(executed, live):
    text = "\n".join(_text(c) for c in executed.cells if c.cell_type == "code")
    rules = {r["id"]: r for r in live["rules"]}
    r2, r3 = rules["R2"], rules["R3"]
    assert (f"R2: {r2['failed']} of {r2['units']} village committees" in text
            and f"({r2['population_in_gap']:,} residents)" in text)
    assert f"{r3['failed']} villages do not" in text
    assert f"{rules['R4']['population_in_gap']:,} residents are more than 30 min by car" in text
    assert "baodi_gaps.gpkg" in text and "R2_villages" in text


def test_the_committed_notebook_is_small_and_its_outputs_are_current(live):
    """Committed with outputs (so readers see the numbers) that match a run of today's code."""
    assert NOTEBOOK.stat().st_size < 2_000_000
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    text = "\n".join(_text(c) for c in nb.cells if c.cell_type == "code")
    r2 = {r["id"]: r for r in live["rules"]}["R2"]
    found = re.search(r"R2: (\d+) of (\d+) village committees", text)
    assert found, "the committed outputs lack the R2 summary line"
    assert (int(found.group(1)), int(found.group(2))) == (r2["failed"], r2["units"]), \
        "re-run notebooks/walkthrough.ipynb: its outputs no longer match the demo"


def test_the_architecture_notes_toy_rule_example_runs():
    """docs/architecture.md's worked example of adding a rule (a hand-made region)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (example,) = [b for b in blocks if "check_toy" in b]
    from planning.rules import RULES

    before = dict(RULES)
    exec(compile(example, "docs/architecture.md", "exec"), {"__name__": "architecture_example"})
    assert RULES == before  # the example unregisters its toy rule
