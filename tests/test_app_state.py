"""The app's session keys are declared once, in ``ui/state.py``.

Every ``key=`` of a widget and every key read or written in ``st.session_state`` outside
``ui/state.py`` must be a name from :mod:`ui.state` (or made by one of its functions),
never a string typed in place; so one file lists all the app keeps for a session.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py"))]
STATE = ROOT / "ui" / "state.py"
ACCESS = {"get", "pop", "setdefault", "__contains__"}


def _is_session_state(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "session_state"


def literal_keys(path: Path) -> list[str]:
    """``file:line text`` of every session key written as a string literal in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        keys = []
        if isinstance(node, ast.Call):
            keys += [kw.value for kw in node.keywords if kw.arg == "key"]
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in ACCESS and _is_session_state(f.value):
                keys += node.args[:1]
        elif isinstance(node, ast.Subscript) and _is_session_state(node.value):
            keys.append(node.slice)
        elif isinstance(node, ast.Compare) and any(_is_session_state(c) for c in node.comparators):
            keys.append(node.left)
        found += [f"{path.name}:{k.lineno} {ast.unparse(k)}" for k in keys
                  if isinstance(k, (ast.Constant, ast.JoinedStr))]
    return found


def test_every_session_key_is_declared_in_ui_state():
    assert STATE in SOURCES and len(SOURCES) > 10
    typed_in_place = [hit for path in SOURCES if path != STATE for hit in literal_keys(path)]
    assert typed_in_place == []


def test_the_check_finds_a_literal_key(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('import streamlit as st\nst.button("x", key="b")\n'
                    'st.session_state["k"] = 1\nif "j" in st.session_state: pass\n'
                    'st.session_state.get(f"a{1}")\nst.button("y", key=KEY)\n')
    assert [h.split(" ", 1)[1] for h in literal_keys(page)] == ["'b'", "'k'", "'j'", "f'a{1}'"]
