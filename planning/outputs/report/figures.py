"""Static maps for the report: matplotlib + geopandas, no browser, no tiles.

Every map is drawn in the region's metric CRS (metres), so the scale bar is exact;
each has a legend, a scale bar and a north arrow (grid north of the UTM zone, within a
degree of true north in a region this size). Maps come back as PNG bytes.
"""

from __future__ import annotations

import io
import math
import textwrap
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text

from planning.outputs.report.blocks import STATUS_COLOURS
from planning.outputs.report.fonts import CJKFont, cjk_font
from planning.words import MODES, R8_BINS, STATUS, field_text, r8_colour, status_word, t

#: map width in centimetres and default resolution
WIDTH_CM, DPI = 17.0, 150
#: the status colours of the villages (the one table, :data:`planning.words.STATUS_COLOURS`)
_PASS, _WARN, _FAIL = (STATUS_COLOURS[s][0] for s in ("pass", "warn", "fail"))
#: failing townships: the fail colour, light
_FAIL_ALPHA = 0.45

def _w(key: str, lang: str, **fields) -> str:
    """A word of the figures (:data:`planning.words.STRINGS` ``fig.*``), a status or a
    travel mode, in ``lang``."""
    if key in STATUS:
        return status_word(key, lang)
    if key in MODES:
        return field_text("mode_word", f"mode.{key}", lang)
    return t(f"fig.{key}", lang, **fields)


# ---------------------------------------------------------------------------- frame
def _render(draw: Callable[[Figure], None], height_cm: float, dpi: int) -> bytes:
    """Draw with the CJK font into a figure of WIDTH_CM x height_cm and return PNG bytes."""
    font = cjk_font()
    with rc_context({"axes.unicode_minus": False}):
        fig = Figure(figsize=(WIDTH_CM / 2.54, height_cm / 2.54), dpi=dpi)
        FigureCanvasAgg(fig)
        draw(fig)
        for ax in fig.axes:  # geopandas labels the axes "Easting [metre]": maps need none
            ax.set_xlabel("")
            ax.set_ylabel("")
        _in_font(fig, font)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _in_font(fig: Figure, font: CJKFont) -> None:
    """Set every text of ``fig`` in ``font``, by its file: bold text in the bold face (the
    regular one when the font has no bold face), size and style kept.

    Matplotlib then opens the file by its path and never looks a family up in its font
    manager, whose list forgets fonts registered with ``addfont`` whenever it is rebuilt
    (it rebuilds when a font it had cached has been uninstalled).
    """
    for text in fig.findobj(Text):
        prop = text.get_fontproperties().copy()
        prop.set_file(font.face(prop.get_weight()))
        text.set_fontproperties(prop)


def _frame(ax, towns: gpd.GeoDataFrame, selected: gpd.GeoDataFrame, lang: str,
           labels: bool = True) -> None:
    """Township outlines (the unselected ones greyed), extent of the selection, labels."""
    extent = selected.total_bounds
    w, h = extent[2] - extent[0], extent[3] - extent[1]
    pad = 0.04 * max(w, h)
    others = towns[~towns["township_id"].isin(selected["township_id"])]
    if len(others):
        others.plot(ax=ax, facecolor="#eeeeee", edgecolor="#bdbdbd", linewidth=0.4, zorder=0)
    selected.boundary.plot(ax=ax, color="#616161", linewidth=0.5, zorder=3)
    # a hair's buffer closes slivers between neighbouring polygons
    outline = shapely.union_all(shapely.buffer(selected.geometry.values, 1.0)).buffer(-1.0)
    gpd.GeoSeries([outline], crs=selected.crs).boundary.plot(ax=ax, color="#212121",
                                                             linewidth=1.0, zorder=3)
    ax.set_xlim(extent[0] - pad, extent[2] + pad)
    ax.set_ylim(extent[1] - pad, extent[3] + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#9e9e9e")
    if labels:
        for geom, name in zip(selected.geometry.representative_point(), selected["name"]):
            ax.annotate(str(name), (geom.x, geom.y), ha="center", va="center", fontsize=5.5,
                        color="#263238", zorder=6,
                        bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6))
    _scale_bar(ax, lang)
    _north_arrow(ax, lang)


def _nice_length(span_m: float) -> float:
    """A round length (1, 2 or 5 x 10^k metres) near a fifth of the span."""
    target = span_m / 5
    k = 10 ** math.floor(math.log10(target))
    return max(m * k for m in (1, 2, 5) if m * k <= target)


def _scale_bar(ax, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by, bh = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0), 0.012 * (y1 - y0)
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((bx + i * length / 2, by), length / 2, bh, facecolor=colour,
                               edgecolor="black", linewidth=0.6, zorder=7))
    unit, div = (_w("km", lang), 1000) if length >= 1000 else (_w("m", lang), 1)
    for frac in (0, 0.5, 1):
        value = length * frac / div
        text = f"{value:g}" + (f" {unit}" if frac == 1 else "")
        ax.text(bx + frac * length, by + 1.8 * bh, text, ha="center", va="bottom", fontsize=6,
                zorder=7, bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none", alpha=0.7))


def _north_arrow(ax, lang: str) -> None:
    ax.annotate("", xy=(0.95, 0.95), xytext=(0.95, 0.85), xycoords="axes fraction",
                arrowprops=dict(facecolor="black", edgecolor="black", width=3, headwidth=9,
                                headlength=8), zorder=8)
    ax.text(0.95, 0.83, _w("north", lang), transform=ax.transAxes, ha="center", va="top",
            fontsize=8, fontweight="bold", zorder=8)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _legend(fig, handles: list, ncol: int = 1) -> None:
    for h in handles:
        label = h.get_label()
        h.set_label(_wrap(label, 14 if any(ord(c) > 0x2E80 for c in label) else 28))
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.745, 0.5), fontsize=6.5,
               frameon=True, framealpha=0.95, edgecolor="#bdbdbd", ncol=ncol,
               borderaxespad=0.2, handlelength=1.6)


def _axes(fig):
    return fig.add_axes((0.01, 0.02, 0.72, 0.96))


def _dot(label, colour, size=5, marker="o", edge="none"):
    return Line2D([], [], marker=marker, linestyle="none", markersize=size,
                  markerfacecolor=colour, markeredgecolor=edge, label=label)


def _patch(label, face, edge="#616161", alpha=1.0):
    return Patch(facecolor=face, edgecolor=edge, alpha=alpha, label=label)


def _height(selected: gpd.GeoDataFrame) -> float:
    """Figure height (cm) so the map keeps its aspect in 72 % of the width."""
    b = selected.total_bounds
    aspect = (b[3] - b[1]) / max(b[2] - b[0], 1.0)
    return float(np.clip(WIDTH_CM * 0.72 * aspect, 8.0, 20.0))


def _sizes(pop, lo=4.0, hi=40.0):
    pop = np.asarray(pop, dtype=float)
    pop = np.nan_to_num(pop, nan=0.0)
    top = max(float(pop.max()) if len(pop) else 1.0, 1.0)
    return lo + (hi - lo) * np.sqrt(pop / top)


# ---------------------------------------------------------------------------- maps
def map_r1(towns, selected, units, centres, lang: str, dpi: int = DPI) -> bytes:
    """Townships coloured by R1 status, with the health centres."""
    def draw(fig):
        ax = _axes(fig)
        sel = selected.merge(units[["unit_id", "status"]], left_on="township_id",
                             right_on="unit_id", how="left")
        for status, (edge, face) in STATUS_COLOURS.items():
            part = sel[sel["status"] == status]
            if len(part):
                part.plot(ax=ax, facecolor=face if status != "fail" else edge, alpha=_FAIL_ALPHA
                          if status == "fail" else 1.0, edgecolor="none", zorder=1)
        _frame(ax, towns, selected, lang)
        if len(centres):
            ax.scatter(centres.geometry.x, centres.geometry.y, s=34, marker="P", c="#1565c0",
                       edgecolors="white", linewidths=0.5, zorder=5)
        present = [s for s in STATUS_COLOURS if (sel["status"] == s).any()]
        handles = [_patch(_w(s, lang), STATUS_COLOURS[s][1]) if s != "fail" else
                   _patch(_w(s, lang), STATUS_COLOURS[s][0], "none", alpha=_FAIL_ALPHA)
                   for s in present]
        handles.append(_dot(_w("centre", lang), "#1565c0", 8, "P", "white"))
        _legend(fig, handles)
    return _render(draw, _height(selected), dpi)


def map_r2(towns, selected, units, clinics, limit_m: float, lang: str, dpi: int = DPI) -> bytes:
    """Village committees by R2 status (gaps sized by residents) and standardized clinics."""
    def draw(fig):
        ax = _axes(fig)
        _frame(ax, towns, selected, lang, labels=False)
        if len(clinics):
            ax.scatter(clinics.geometry.x, clinics.geometry.y, s=5, marker="+", c="#1565c0",
                       linewidths=0.5, zorder=4)
        ok = units[units["status"] == "pass"]
        ax.scatter(ok.geometry.x, ok.geometry.y, s=3, c=_PASS, edgecolors="none", zorder=4)
        warn = units[units["status"] == "warn"]
        ax.scatter(warn.geometry.x, warn.geometry.y, s=12, c=_WARN, edgecolors="white",
                   linewidths=0.3, zorder=5)
        gap = units[units["status"] == "fail"]
        ax.scatter(gap.geometry.x, gap.geometry.y, s=_sizes(gap["population"], 8, 60),
                   c=_FAIL, edgecolors="white", linewidths=0.4, zorder=6)
        limit = f"{limit_m:,.0f}"
        _legend(fig, [_dot(_w("village_gap", lang, limit=limit), _FAIL, 7, edge="white"),
                      _dot(_w("village_warn", lang), _WARN, 5, edge="white"),
                      _dot(_w("village_ok", lang), _PASS, 3),
                      _dot(_w("clinic", lang), "#1565c0", 6, "+", "#1565c0")])
    return _render(draw, _height(selected), dpi)


def map_r3(towns, selected, units, covered, uncovered, facilities, minutes: float, mode: str,
           lang: str, dpi: int = DPI) -> bytes:
    """The 15-minute circle: reached and unreached areas, villages, facilities."""
    def draw(fig):
        ax = _axes(fig)
        area = shapely.union_all(selected.geometry.values)
        for geom, face in ((uncovered, "#fde3e1"), (covered, "#a5d6a7")):
            if geom is not None and not geom.is_empty:
                part = shapely.intersection(geom, area)
                if not part.is_empty:
                    gpd.GeoSeries([part], crs=selected.crs).plot(ax=ax, facecolor=face,
                                                                 edgecolor="none", zorder=1)
        _frame(ax, towns, selected, lang, labels=False)
        if len(facilities):
            ax.scatter(facilities.geometry.x, facilities.geometry.y, s=4, marker="s",
                       c="#1565c0", edgecolors="none", zorder=4)
        ok = units[units["status"] == "pass"]
        ax.scatter(ok.geometry.x, ok.geometry.y, s=3, c=_PASS, edgecolors="none", zorder=5)
        out = units[units["status"] == "fail"]
        ax.scatter(out.geometry.x, out.geometry.y, s=_sizes(out["population"], 8, 60),
                   c=_FAIL, edgecolors="white", linewidths=0.4, zorder=6)
        m = _w(mode, lang) if mode in MODES else mode
        _legend(fig, [_patch(_w("covered", lang, minutes=f"{minutes:g}", mode=m), "#a5d6a7", "none"),
                      _patch(_w("uncovered", lang), "#fde3e1", "none"),
                      _dot(_w("village_out", lang), _FAIL, 7, edge="white"),
                      _dot(_w("village_in", lang), _PASS, 3),
                      _dot(_w("facility", lang), "#1565c0", 4, "s")])
    return _render(draw, _height(selected), dpi)


def map_r4(towns, selected, villages, hospitals, candidates, minutes: float, lang: str,
           dpi: int = DPI) -> bytes:
    """Hard-to-reach villages (drive time to a hospital), hospitals and ranked candidates."""
    def draw(fig):
        ax = _axes(fig)
        _frame(ax, towns, selected, lang, labels=False)
        easy = villages[villages["status"] != "fail"]
        ax.scatter(easy.geometry.x, easy.geometry.y, s=3, c="#b0bec5", edgecolors="none", zorder=4)
        hard = villages[villages["status"] == "fail"]
        ax.scatter(hard.geometry.x, hard.geometry.y, s=_sizes(hard["population"], 5, 40),
                   c="#ef6c00", edgecolors="white", linewidths=0.3, zorder=5)
        if len(hospitals):
            ax.scatter(hospitals.geometry.x, hospitals.geometry.y, s=40, marker="s", c="#6a1b9a",
                       edgecolors="white", linewidths=0.6, zorder=6)
        for c in candidates.itertuples():
            ax.scatter([c.geometry.x], [c.geometry.y], s=140, marker="*", c="#c62828",
                       edgecolors="white", linewidths=0.6, zorder=7)
            ax.annotate(str(c.rank), (c.geometry.x, c.geometry.y), xytext=(5, 4),
                        textcoords="offset points", fontsize=8, fontweight="bold",
                        color="#c62828", zorder=8)
        _legend(fig, [_dot(_w("hard", lang, minutes=f"{minutes:g}"), "#ef6c00", 6, edge="white"),
                      _dot(_w("easy", lang), "#b0bec5", 3),
                      _dot(_w("hospital", lang), "#6a1b9a", 7, "s", "white"),
                      _dot(_w("candidate", lang), "#c62828", 11, "*", "white")])
    return _render(draw, _height(selected), dpi)


def map_r8(towns, selected, r8_towns, villages, facilities, target: float, lang: str,
           dpi: int = DPI) -> bytes:
    """Townships coloured by GPs per 10,000 within reach (R8) against the reference,
    villages below it sized by residents, and the facilities with GPs."""
    def draw(fig):
        ax = _axes(fig)
        sel = selected[["township_id", "geometry"]].merge(
            r8_towns[["township_id", "gps_per_10000"]], on="township_id", how="left")
        sel.plot(ax=ax, color=[r8_colour(v, target) for v in sel["gps_per_10000"].astype(float)],
                 edgecolor="none", zorder=1)
        _frame(ax, towns, selected, lang)
        low = villages[villages["status"] == "warn"]
        ax.scatter(low.geometry.x, low.geometry.y, s=_sizes(low["population"], 2, 18), c="#424242",
                   edgecolors="white", linewidths=0.2, zorder=4)
        if len(facilities):
            ax.scatter(facilities.geometry.x, facilities.geometry.y, s=22, marker="P", c="#1b5e20",
                       edgecolors="white", linewidths=0.5, zorder=5)
        edges = [0.0] + [top * target for top, _ in R8_BINS[:-1]]
        handles = [_patch(f"≥ {lo:.1f}" if not np.isfinite(top) else f"{lo:.1f}–{top * target:.1f}",
                          colour, "none") for (top, colour), lo in zip(R8_BINS, edges)]
        handles.append(_patch(_w("r8_none", lang), r8_colour(None, target), "none"))
        handles += [_dot(_w("r8_village", lang), "#424242", 4, edge="white"),
                    _dot(_w("r8_centre", lang), "#1b5e20", 7, "P", "white")]
        _legend(fig, handles)
    return _render(draw, _height(selected), dpi)


def map_scenario(towns, selected, gaps_before, newly_covered, still, newly_uncovered, sites,
                 lang: str, dpi: int = DPI) -> bytes:
    """Two panels: villages in gap now, and with the scenario (newly covered, still in gap,
    newly in gap) with the proposed sites."""
    def draw(fig):
        axes = (fig.add_axes((0.005, 0.2, 0.49, 0.74)), fig.add_axes((0.505, 0.2, 0.49, 0.74)))
        for ax, key in zip(axes, ("before", "after")):
            _frame(ax, towns, selected, lang, labels=False)
            ax.set_title(_w(key, lang), fontsize=9)
        a, b = axes
        a.scatter(gaps_before.geometry.x, gaps_before.geometry.y,
                  s=_sizes(gaps_before["population"], 5, 40), c="#c62828", edgecolors="white",
                  linewidths=0.3, zorder=5)
        b.scatter(still.geometry.x, still.geometry.y, s=_sizes(still["population"], 5, 40),
                  c="#c62828", edgecolors="white", linewidths=0.3, zorder=5)
        b.scatter(newly_covered.geometry.x, newly_covered.geometry.y,
                  s=_sizes(newly_covered["population"], 5, 40), c="#2e7d32", edgecolors="white",
                  linewidths=0.3, zorder=5)
        b.scatter(newly_uncovered.geometry.x, newly_uncovered.geometry.y,
                  s=_sizes(newly_uncovered["population"], 5, 40), c="#6a1b9a", edgecolors="white",
                  linewidths=0.3, zorder=5)
        if len(sites):
            b.scatter(sites.geometry.x, sites.geometry.y, s=110, marker="*", c="#1565c0",
                      edgecolors="white", linewidths=0.5, zorder=7)
        fig.legend(handles=[_dot(_w("gap_before", lang), "#c62828", 6, edge="white"),
                            _dot(_w("newly_covered", lang), "#2e7d32", 6, edge="white"),
                            _dot(_w("newly_uncovered", lang), "#6a1b9a", 6, edge="white"),
                            _dot(_w("site", lang), "#1565c0", 10, "*", "white")],
                   loc="lower center", ncol=2, fontsize=6.5, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
    b = selected.total_bounds
    aspect = (b[3] - b[1]) / max(b[2] - b[0], 1.0)
    return _render(draw, float(np.clip(WIDTH_CM * 0.49 * aspect / 0.74, 7.0, 16.0)), dpi)
