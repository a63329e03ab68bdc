"""The rulebook (``/rulebook``): every threshold with its clause and basis, editable; a
change re-checks at once, and the values download as a rulebook file."""

from __future__ import annotations

import json
import re

import streamlit as st

from planning.errors import InputError
from planning.rules.rulebook import CHOICES, load_rulebook
from planning.schema import FacilityKind
from planning.words import BASIS, MODES, kind_name, pair_word, t
from ui import data, state


def render(view: state.View) -> None:
    """One input per key of the view's rulebook, rule by rule."""
    lang, current = view.lang, view.assessment.rulebook
    st.caption(t("rb.intro", lang))
    if st.session_state.get(state.RULEBOOK_ERROR):
        st.error(st.session_state[state.RULEBOOK_ERROR])
    st.button(t("rb.reset", lang), on_click=data.reset_rulebook, key=state.RULEBOOK_RESET)
    for rid in dict.fromkeys(k.rule for k in current.keys()):
        meta = current.rule(rid)
        st.markdown(f"#### {rid} {meta['title_en'] if lang == 'en' else meta['title_zh']}")
        st.caption(f"{pair_word(BASIS, meta['basis'], lang)} · {meta['clause']}")
        for key in [k for k in current.keys() if k.rule == rid]:
            _key_input(key, lang)
    st.download_button(t("rb.download", lang), data=lambda: _toml(current), file_name="rulebook.toml",
                       mime="application/toml", key=state.RULEBOOK_DOWNLOAD)


def _key_input(key, lang: str) -> None:
    """The input of one key, by its type; the travel mode is the sidebar's."""
    dotted = f"{key.rule}.{key.name}"
    if dotted == "R3.mode":
        st.markdown(f"- `{dotted}`: " + t("rb.mode_in_sidebar", lang,
                                             mode=pair_word(MODES, key.value, lang)))
        return
    label = f"{key.name} — {key.en if lang == 'en' else key.zh}"
    marker = t("rb.default", lang) if key.value == key.default else \
        t("rb.changed", lang, default=key.default)
    help_text = f"{key.clause} · {pair_word(BASIS, key.basis, lang)} · {marker}"
    wkey = state.rulebook_widget(dotted, lang)
    cb = {"key": wkey, "help": help_text, "on_change": _changed, "args": (dotted, wkey, lang)}
    if isinstance(key.default, bool):
        st.checkbox(label, value=key.value, **cb)
    elif isinstance(key.default, (int, float)):
        is_int = isinstance(key.default, int)
        st.number_input(label, value=key.value, min_value=0 if is_int else 0.0,
                        step=1 if is_int else _step(key.default), **cb)
    elif _is_number_list(key.default):
        st.text_input(label, value=", ".join(f"{v:g}" for v in key.value), **cb)
    elif isinstance(key.default, list):
        st.multiselect(label, [k.value for k in FacilityKind], default=key.value,
                       format_func=lambda k: kind_name(k, lang), placeholder=t("widget.choose", lang),
                       **cb)
    elif (key.rule, key.name) in CHOICES:
        options = list(CHOICES[(key.rule, key.name)])
        st.selectbox(label, options, index=options.index(key.value), **cb)
    else:
        st.text_input(label, value=str(key.value), **cb)
    st.caption(f"{key.clause} · {marker}")


def _changed(dotted: str, wkey: str, lang: str) -> None:
    """Take a key's new value when the rulebook accepts it, else keep the message."""
    value = st.session_state[wkey]
    if isinstance(value, str) and _is_number_list(load_rulebook().key(*dotted.split(".", 1)).default):
        try:  # a list of numbers typed as "1, 0.68, 0.22"
            value = [float(v) for v in re.split(r"[,，;；\s]+", value.strip()) if v]
        except ValueError:
            st.session_state[state.RULEBOOK_ERROR] = f"{t('err.rulebook', lang)} {dotted}: {value!r}"
            return
    values = dict(st.session_state.get(state.RULEBOOK_VALUES, {}))
    values[dotted] = value
    try:
        load_rulebook().with_values(values)
    except InputError as exc:
        st.session_state[state.RULEBOOK_ERROR] = f"{t('err.rulebook', lang)} {exc}"
        return
    st.session_state[state.RULEBOOK_VALUES] = values
    st.session_state.pop(state.RULEBOOK_ERROR, None)


def _toml(rulebook) -> str:
    """The rulebook's values as a file that ``load_rulebook`` reads back (bare values,
    one table per rule)."""
    lines = ["# rulebook values (load with --rulebook or upload in the app)"]
    for rid, values in rulebook.to_toml_values().items():
        lines.append(f"\n[{rid}]")
        lines += [f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def _is_number_list(default) -> bool:
    """Whether a key holds a list of numbers (typed as text, comma-separated)."""
    return isinstance(default, list) and bool(default) and not isinstance(default[0], str)


def _step(default: float) -> float:
    """The step of a decimal key's input, by its size."""
    return 0.05 if default < 1 else 1.0 if default < 100 else 100.0


if __name__ == "__main__":  # run by st.navigation (app.py)
    render(state.view())
