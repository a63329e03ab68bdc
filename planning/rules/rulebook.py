"""The rulebook: every threshold and option the rules use, with its policy clause.

A rulebook is a TOML file (see ``planning/rules/rulebooks/tianjin.toml``, the default). Each
rule ``R1`` … ``R8`` is a table with its title, clause and basis, and one sub-table per
key holding ``value``, ``clause``, ``basis`` (requirement / reference / assumed) and a
one-line explanation in Chinese (``zh``) and English (``en``). The section ``travel``
holds keys of the travel layer rather than of one rule (the detour factor of the
straight-line estimate used without a road file).

A planner's own rulebook is a copy with other ``value``s. Keys and value types must
match the default; anything else is an :class:`~planning.errors.InputError` that names
the key. Keys a custom rulebook leaves out keep their default value.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning.errors import InputError
from planning.schema import FacilityKind

DEFAULT_PATH = Path(__file__).parent / "rulebooks" / "tianjin.toml"
RULE_IDS = ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8")
#: sections of keys that are not a rule's (the straight-line estimate without roads)
OTHER_SECTIONS = ("travel",)
SECTIONS = RULE_IDS + OTHER_SECTIONS
BASES = ("requirement", "reference", "assumed")

#: allowed values of string-valued keys
CHOICES = {
    ("R2", "measure"): ("road", "straight"),
    ("R3", "mode"): ("walk", "ebike", "drive"),
    ("R4", "qualify_if"): ("either", "both"),
    ("R8", "gp_mode"): ("walk", "ebike", "drive"),
    ("R8", "village_doctor_mode"): ("walk", "ebike", "drive"),
    ("R8", "decay"): ("bands", "gaussian", "none"),
}
#: keys holding lists of facility kinds
_KIND_LISTS = {("R3", "facility_kinds"), ("R7", "lead_kinds"), ("R8", "gp_kinds"),
               ("R8", "village_doctor_kinds")}


@dataclass(frozen=True)
class Key:
    """One rulebook key: its value and where it comes from."""

    rule: str
    name: str
    value: Any
    clause: str
    basis: str
    zh: str
    en: str
    default: Any


@dataclass
class Rulebook:
    """A loaded, validated rulebook.

    Use ``rulebook["R2"]["max_distance_m"]`` (or :meth:`value`) for values,
    :meth:`keys` for every key with its clause and basis, and :meth:`rule` for a rule's
    title, clause and basis.
    """

    path: str
    meta: dict
    rules: dict[str, dict]
    _keys: dict[tuple[str, str], Key] = field(repr=False)

    def __getitem__(self, rule: str) -> dict[str, Any]:
        return {name: k.value for (r, name), k in self._keys.items() if r == rule}

    def value(self, rule: str, name: str) -> Any:
        return self._keys[(rule, name)].value

    def key(self, rule: str, name: str) -> Key:
        return self._keys[(rule, name)]

    def keys(self) -> list[Key]:
        return list(self._keys.values())

    def rule(self, rule: str) -> dict:
        """A rule's ``title_zh``, ``title_en``, ``clause`` and ``basis``."""
        return self.rules[rule]

    def changed(self) -> list[Key]:
        """Keys whose value differs from the policy default."""
        return [k for k in self._keys.values() if k.value != k.default]

    def with_values(self, values: dict[str, Any]) -> "Rulebook":
        """A copy with some values changed, e.g. ``{"R2.max_distance_m": 1400}`` (validated)."""
        raw = {f"{r}.{n}": k.value for (r, n), k in self._keys.items()}
        for dotted, value in values.items():
            if dotted not in raw:
                raise InputError.at(f"unknown rulebook key {dotted!r}", file=self.path)
            raw[dotted] = value
        keys = {}
        for (r, n), k in self._keys.items():
            v = _check_value(r, n, raw[f"{r}.{n}"], k.default, self.path)
            keys[(r, n)] = Key(r, n, v, k.clause, k.basis, k.zh, k.en, k.default)
        return Rulebook(self.path, self.meta, self.rules, keys)

    def to_toml_values(self) -> dict:
        """``{rule: {key: value}}``, e.g. for the summary JSON and the report appendix."""
        out: dict[str, dict] = {}
        for (r, n), k in self._keys.items():
            out.setdefault(r, {})[n] = k.value
        return out


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError.at("rulebook file not found; give the path of a .toml rulebook",
                            file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError.at(f"not valid TOML ({exc}); compare with the default rulebook "
                            f"{DEFAULT_PATH.name}", file=str(path)) from None


def _check_value(rule: str, name: str, value: Any, default: Any, path: str) -> Any:
    where = f"{rule}.{name}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InputError.at(f"key {where} must be true or false, got {value!r}", file=path)
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError.at(f"key {where} must be a number, got {value!r}", file=path)
        if value < 0:
            raise InputError.at(f"key {where} must not be negative, got {value!r}", file=path)
        if isinstance(default, int) and not isinstance(default, bool):
            if float(value) != int(value):
                raise InputError.at(f"key {where} must be a whole number, got {value!r}",
                                    file=path)
            return int(value)
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise InputError.at(f"key {where} must be text, got {value!r}", file=path)
        choices = CHOICES.get((rule, name))
        if choices and value not in choices:
            raise InputError.at(f"key {where} must be one of {', '.join(choices)}, got {value!r}",
                                file=path)
        return value
    if isinstance(default, list) and default and all(isinstance(v, (int, float)) for v in default):
        if not isinstance(value, list) or not value or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value):
            raise InputError.at(f"key {where} must be a list of numbers >= 0, got {value!r}",
                                file=path)
        return [float(v) for v in value]
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError.at(f"key {where} must be a list of text values, got {value!r}",
                                file=path)
        if (rule, name) in _KIND_LISTS:
            known = {k.value for k in FacilityKind}
            bad = [v for v in value if v not in known]
            if bad:
                raise InputError.at(f"key {where} has unknown facility kinds {bad}; use "
                                    f"{', '.join(sorted(known))}", file=path)
        return list(value)
    return value  # pragma: no cover - the default rulebook only has the types above


def _parse_default() -> tuple[dict, dict, dict[tuple[str, str], Key]]:
    data = _read_toml(DEFAULT_PATH)
    rules, keys = {}, {}
    for rule in SECTIONS:
        table = data[rule]
        rules[rule] = {k: table[k] for k in ("title_zh", "title_en", "clause", "basis")}
        for name, spec in table.items():
            if isinstance(spec, dict):
                keys[(rule, name)] = Key(rule, name, spec["value"], spec["clause"],
                                         spec["basis"], spec["zh"], spec["en"], spec["value"])
    return data["meta"], rules, keys


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load the default rulebook, or a planner's copy validated against it.

    Parameters
    ----------
    path : str or Path, optional
        A TOML rulebook. Its keys must be keys of the default; each may be given as a
        table with ``value`` (like the default) or as a bare value (``max_distance_m = 1400``).

    Returns
    -------
    Rulebook

    Raises
    ------
    InputError
        The file is missing or not TOML, or a key is unknown or has a wrong type; the
        message names the key.
    """
    meta, rules, keys = _parse_default()
    if path is None:
        return Rulebook(str(DEFAULT_PATH), meta, rules, keys)
    path = Path(path)
    data = _read_toml(path)
    values = {}
    for rule, table in data.items():
        if rule == "meta":
            continue
        if rule not in SECTIONS or not isinstance(table, dict):
            raise InputError.at(f"unknown rulebook section [{rule}]; sections are "
                                f"{', '.join(SECTIONS)}", file=str(path))
        for name, spec in table.items():
            if name in ("title_zh", "title_en", "clause", "basis"):
                continue
            if (rule, name) not in keys:
                known = ", ".join(n for r, n in keys if r == rule)
                raise InputError.at(f"unknown rulebook key {rule}.{name}; {rule} has {known}",
                                    file=str(path))
            if isinstance(spec, dict):
                if "value" not in spec:
                    raise InputError.at(f"key {rule}.{name} has no 'value'", file=str(path))
                spec = spec["value"]
            values[f"{rule}.{name}"] = spec
    base = Rulebook(str(path), copy.deepcopy(meta), rules, keys)
    return base.with_values(values)
