"""The map's symbols and legend: facility icons, colour swatches, the legend box and the
metric scale bar (HTML and Leaflet snippets for :mod:`planning.outputs.maps`), words from
:mod:`planning.words`."""

from __future__ import annotations

import html

import numpy as np
from branca.element import MacroElement, Template

from planning.words import R8_BINS, STATUS_COLOURS, kind_name, status_word, t

#: facility kind -> (symbol, colour, size in px) of its map icon
FACILITY_ICONS: dict[str, tuple[str, str, int]] = {
    "district_hospital": ("医", "#6a1b9a", 26),
    "tcm_hospital": ("中", "#4e342e", 26),
    "general_hospital": ("院", "#283593", 24),
    "township_health_centre": ("卫", "#00695c", 22),
    "community_health_centre": ("社", "#1565c0", 22),
    "community_health_station": ("站", "#0277bd", 18),
    "village_clinic": ("+", "#2e7d32", 12),
    "village_service_point": ("+", "#7cb342", 11),
}
ICON_CSS = ("display:flex;align-items:center;justify-content:center;border-radius:50%;"
             "color:#fff;font:bold {font}px sans-serif;border:{border}px solid #fff;box-sizing:border-box;"
             "box-shadow:0 0 2px rgba(0,0,0,.6);width:{size}px;height:{size}px;background:{colour}")


def icon_html(kind: str) -> str:
    """The HTML of a facility kind's round map icon (:data:`FACILITY_ICONS`)."""
    symbol, colour, size = FACILITY_ICONS.get(kind, ("?", "#555", 16))
    css = ICON_CSS.format(font=max(9, size // 2 + 1), size=size, colour=colour,
                           border=1 if size < 16 else 2)
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
    """A fixed legend box drawn over the map (plain HTML, no extra library)."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div class="map-legend" style="position:absolute;z-index:1000;bottom:24px;left:10px;
             background:rgba(255,255,255,.93);padding:8px 10px;border-radius:6px;
             box-shadow:0 1px 4px rgba(0,0,0,.35);font:12px sans-serif;max-width:260px">
        <details {{ "open" if this.open_ else "" }}><summary style="cursor:pointer;font-weight:bold">
        {{ this.title }}</summary>
        {{ this.body }}
        </details>
        </div>
        {% endmacro %}
    """)

    def __init__(self, body: str, open_: bool = True, title: str = ""):
        super().__init__()
        self._name = "Legend"
        self.body, self.open_, self.title = body, open_, html.escape(title)


def swatch(colour: str, label: str, round_: bool = True) -> str:
    """One legend line: a colour dot (``round_``) or square and its label (HTML-escaped)."""
    shape = "50%" if round_ else "2px"
    return (f"<div><span style='display:inline-block;width:11px;height:11px;margin-right:6px;"
            f"border-radius:{shape};background:{colour};border:1px solid #fff;"
            f"box-shadow:0 0 1px #000'></span>{html.escape(label)}</div>")


def legend_html(lang: str, limit: float, measure: str, region) -> str:
    """The main legend: villages by distance to a clinic (``limit`` in metres, ``measure``
    road or straight), townships by status, the region's facility kinds."""
    a, b, c = f"{limit * 2 / 3:,.0f}", f"{limit:,.0f}", f"{limit * 5 / 3:,.0f}"
    parts = [f"<b>{t('legend.villages', lang, measure=t('measure.' + measure, lang))}</b>",
             swatch("#1b5e20", t("legend.within", lang, d=a)),
             swatch("#66bb6a", t("legend.between", lang, a=a, b=b)),
             swatch("#ffa726", t("legend.between", lang, a=b, b=c)),
             swatch("#d32f2f", t("legend.beyond", lang, d=c)),
             swatch("#8e24aa", t("legend.served", lang)),
             swatch("#616161", t("legend.unreachable", lang)),
             f"<b>{t('legend.townships', lang)}</b>"]
    parts += [swatch(STATUS_COLOURS[s], status_word(s, lang), round_=False)
              for s in ("pass", "warn", "fail", "not_applicable")]
    kinds = [k for k in FACILITY_ICONS if (region.facilities["kind"] == k).any()]
    if kinds:
        parts.append(f"<b>{t('legend.facilities', lang)}</b>")
        parts += [f"<div style='display:flex;align-items:center;gap:6px;margin:1px 0'>"
                  f"{icon_html(k)}{html.escape(kind_name(k, lang))}</div>"
                  for k in kinds]
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
