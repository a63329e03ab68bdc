"""The map's symbols and legend: facility icons, colour swatches, the legend box and the
metric scale bar (HTML and Leaflet snippets for :mod:`planning.outputs.maps`), words from
:mod:`planning.words`.

The map speaks two channels, each legended on its own:

- **status** (达标 / 需关注 / 未达标 / 无法检查 / 不适用): the fill colour, from the one table
  :data:`planning.words.STATUS_COLOURS` that the tables and the report read too;
- **distance or minute bands** (a share of the rule's limit, :data:`BAND_EDGES`): the size
  of a village's marker (:data:`BAND_RADII`) or, where the fill is free, one sequential
  single-hue ramp (:data:`BAND_RAMP`, blues) — never a status colour.
"""

from __future__ import annotations

import html

import numpy as np
from branca.element import MacroElement, Template

from planning.words import R8_BINS, STATUS_COLOURS, kind_name, status_word, t

#: facility kind -> (symbol, colour, size in px) of its map icon; the symbol is the Chinese
#: one, :data:`FACILITY_SYMBOLS_EN` holds the English (a map in English has no Chinese
#: outside proper names). Colours are not status colours (a facility has no status).
FACILITY_ICONS: dict[str, tuple[str, str, int]] = {
    "district_hospital": ("医", "#4a148c", 26),
    "tcm_hospital": ("中", "#4e342e", 26),
    "general_hospital": ("院", "#283593", 24),
    "township_health_centre": ("卫", "#00695c", 22),
    "community_health_centre": ("社", "#1565c0", 22),
    "community_health_station": ("站", "#0277bd", 18),
    "village_clinic": ("+", "#37474f", 12),
    "village_service_point": ("+", "#78909c", 11),
}
#: facility kind -> its symbol on an English map
FACILITY_SYMBOLS_EN: dict[str, str] = {
    "district_hospital": "H", "tcm_hospital": "TCM", "general_hospital": "G",
    "township_health_centre": "TC", "community_health_centre": "CC",
    "community_health_station": "CS", "village_clinic": "+", "village_service_point": "+",
}

#: distance or minute bands as shares of the rule's limit: ≤ 2/3, ≤ 1, ≤ 5/3, beyond
BAND_EDGES: tuple[float, ...] = (2 / 3, 1.0, 5 / 3)
#: the bands' sequential single-hue ramp (light: near, dark: far or unreachable)
BAND_RAMP: tuple[str, ...] = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
#: the bands' village marker radius, px (R2 villages: size is the band, fill the status)
BAND_RADII: tuple[int, ...] = (4, 5, 7, 9)


def band(value: float | None, limit: float) -> int:
    """The band of a distance (metres) or a time (minutes) against the rule's ``limit``
    (same unit): 0 within 2/3 of it … 3 beyond 5/3 of it or unreachable (None, NaN, inf)."""
    if value is None or not np.isfinite(value):
        return len(BAND_EDGES)
    return next((i for i, edge in enumerate(BAND_EDGES) if value <= limit * edge), len(BAND_EDGES))


def band_colour(value: float | None, limit: float) -> str:
    """The ramp colour of a distance or time against ``limit`` (:func:`band`)."""
    return BAND_RAMP[band(value, limit)]
ICON_CSS = ("display:flex;align-items:center;justify-content:center;border-radius:50%;"
             "color:#fff;font:bold {font}px sans-serif;border:{border}px solid #fff;box-sizing:border-box;"
             "box-shadow:0 0 2px rgba(0,0,0,.6);width:{size}px;height:{size}px;background:{colour}")


def icon_html(kind: str, lang: str = "zh") -> str:
    """The HTML of a facility kind's round map icon (:data:`FACILITY_ICONS`), its symbol
    in ``lang``."""
    symbol, colour, size = FACILITY_ICONS.get(kind, ("?", "#555", 16))
    if lang == "en":
        symbol = FACILITY_SYMBOLS_EN.get(kind, "?")
    font = max(9, size // 2 + 1) if len(symbol) == 1 else max(7, int(size * (0.44 if len(symbol) == 2 else 0.34)))
    css = ICON_CSS.format(font=font, size=size, colour=colour, border=1 if size < 16 else 2)
    return f"<div style='{css}'>{symbol}</div>"


def r8_legend(lang: str, target: float) -> str:
    """The legend part of R8's colours: GPs per 10,000 within reach against ``target``."""
    edges = [0.0] + [top * target for top, _ in R8_BINS[:-1]]
    parts = [f"<b>{html.escape(t('legend.r8', lang, target=f'{target:g}'))}</b>"]
    for (top, colour), lo in zip(R8_BINS, edges):
        label = (f"≥ {lo:.1f}" if not np.isfinite(top) else f"{lo:.1f}–{top * target:.1f}")
        parts.append(swatch(colour, label, round_=False))
    parts.append(swatch(STATUS_COLOURS["unknown"], status_word("unknown", lang), round_=False))
    return "".join(parts)


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class Legend(MacroElement):
    """A fixed legend box drawn over the map (plain HTML, no extra library): a folded
    ``<details>`` (``open_`` False) shows only its title and ``banner``; opened, it
    scrolls within the map."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="map-legend" style="position:absolute;z-index:1000;bottom:24px;left:10px;
             background:rgba(255,255,255,.93);padding:8px 10px;border-radius:6px;
             box-shadow:0 1px 4px rgba(0,0,0,.35);font:12px sans-serif;max-width:260px;
             max-height:70%;overflow-y:auto">
        {{ this.banner }}
        <details {{ "open" if this.open_ else "" }}><summary style="cursor:pointer;font-weight:bold">
        {{ this.title }}</summary>
        {{ this.body }}
        </details>
        </div>
        {% endmacro %}
    """)

    def __init__(self, body: str, open_: bool = True, title: str = "", banner: str = ""):
        super().__init__()
        self._name = "Legend"
        self.body, self.open_, self.title = body, open_, html.escape(title)
        self.banner = banner  # HTML shown even when folded (a straight-line run says so)


def swatch(colour: str, label: str, round_: bool = True) -> str:
    """One legend line: a colour dot (``round_``) or square and its label (HTML-escaped)."""
    shape = "50%" if round_ else "2px"
    return (f"<div><span style='display:inline-block;width:11px;height:11px;margin-right:6px;"
            f"border-radius:{shape};background:{colour};border:1px solid #fff;"
            f"box-shadow:0 0 1px #000'></span>{html.escape(label)}</div>")


def band_labels(limit: float, unit: str, lang: str) -> list[str]:
    """The four bands' labels for ``limit`` in ``unit`` ("m" or "min")."""
    fmt = (lambda v: f"{v:,.0f}") if unit == "m" else (lambda v: f"{v:g}")
    a, b, c = (fmt(limit * e) for e in BAND_EDGES)
    sfx = "" if unit == "m" else "_min"
    return [t("legend.within" + sfx, lang, d=a), t("legend.between" + sfx, lang, a=a, b=b),
            t("legend.between" + sfx, lang, a=b, b=c), t("legend.beyond_unreachable" + sfx, lang, d=c)]


def size_swatch(radius: int, label: str) -> str:
    """One legend line of the size channel: a hollow circle of ``radius`` px and its label."""
    d = 2 * radius
    return (f"<div style='display:flex;align-items:center;gap:6px;margin:1px 0'>"
            f"<span style='display:inline-block;width:18px;text-align:center'>"
            f"<span style='display:inline-block;width:{d}px;height:{d}px;border-radius:50%;"
            f"border:1.5px solid #455a64;box-sizing:border-box;vertical-align:middle'></span></span>"
            f"{html.escape(label)}</div>")


def legend_html(lang: str, limit: float, measure: str, region) -> str:
    """The main legend: the status colours (villages and townships), villages' distance to
    a clinic as marker size (``limit`` in metres, ``measure`` road or straight), the
    region's facility kinds."""
    parts = [f"<b>{html.escape(t('legend.status', lang))}</b>"]
    parts += [swatch(STATUS_COLOURS[s], status_word(s, lang))
              for s in ("pass", "warn", "fail", "unknown", "not_applicable")]
    parts.append(f"<b>{html.escape(t('legend.villages_size', lang, measure=t('measure.' + measure, lang)))}</b>")
    parts += [size_swatch(r, label) for r, label in zip(BAND_RADII, band_labels(limit, "m", lang))]
    kinds = [k for k in FACILITY_ICONS if (region.facilities["kind"] == k).any()]
    if kinds:
        parts.append(f"<b>{html.escape(t('legend.facilities', lang))}</b>")
        parts += [f"<div style='display:flex;align-items:center;gap:6px;margin:1px 0'>"
                  f"{icon_html(k, lang)}{html.escape(kind_name(k, lang))}</div>"
                  for k in kinds]
    return "".join(parts)


def minutes_legend(lang: str, limit: float) -> str:
    """The legend part of the villages by minutes to care: the band ramp (``limit`` in
    minutes)."""
    parts = [f"<b>{html.escape(t('legend.villages_minutes', lang))}</b>"]
    parts += [swatch(c, label) for c, label in zip(BAND_RAMP, band_labels(limit, "min", lang))]
    return "".join(parts)


def ring_html(inner: str, colour: str) -> str:
    """``inner`` HTML inside a coloured ring (a scenario's proposed site)."""
    return (f"<div style='display:flex;align-items:center;justify-content:center;width:30px;"
            f"height:30px;border-radius:50%;border:3px solid {colour};box-sizing:border-box;"
            f"background:rgba(255,255,255,.7)'>{inner}</div>")


def scenario_legend(lang: str) -> str:
    """The legend part of a scenario drawn over the map."""
    ring = ("<div><span style='display:inline-block;width:11px;height:11px;margin-right:6px;"
            "border-radius:50%;border:3px solid {c};box-sizing:border-box'></span>{label}</div>")
    return (f"<b>{html.escape(t('legend.scenario', lang))}</b>"
            + ring.format(c="#00c853", label=html.escape(t("layer.sc_newly_covered", lang)))
            + ring.format(c="#d50000", label=html.escape(t("layer.sc_newly_uncovered", lang)))
            + ring.format(c="#ffab00", label=html.escape(t("legend.sc_proposed", lang)))
            + swatch("#ff6f00", t("legend.sc_suggested", lang)))
