"""Light map elements: what keeps a city map small and fast to build.

folium's ``GeoJson`` writes every feature as a dict of properties (each key repeated per
feature, Chinese text as ``\\uXXXX`` escapes, a ``case`` of its style switch per feature)
and each ``Marker`` is one Jinja template compiled in Python. At city scale (5,617 villages
in three layers, 3,729 facilities, 299 township names) that made 14.5 MB of HTML and
seconds of templating. These elements write one **columnar table** per layer instead —
each column once, a column of few distinct values as a dictionary and codes, a column of
one value as that value, coordinates to 5 decimals (about 1 m) — and Leaflet builds the
markers in one loop:

- :class:`PointLayer`: circle markers (villages) or HTML icons (facilities, township
  names) from a table; tooltips and popups are built in the browser when asked for
  (a popup is an HTML table of ``fields``, as :class:`folium.GeoJsonPopup` draws it).
  Each marker keeps ``feature.properties`` (the row) as a GeoJSON layer's markers do.
- :class:`ImageLayer`: one PNG image overlay (the R3 reach and gap) in place of
  thousands of polygons.

Units: degrees (WGS84 or GCJ-02, the map's coordinates); pixels for sizes.
"""

from __future__ import annotations

import base64
import html
import json
from io import BytesIO

import numpy as np
import pandas as pd
from branca.element import Element, Template
from folium.map import Layer

#: decimals of a coordinate in a map's data (1e-5 degrees ≈ 1 m)
COORD_DECIMALS = 5


def columns(frame: pd.DataFrame, names: list[str], *, escape: tuple[str, ...] = ()) -> dict:
    """A table as compact JSON-ready columns.

    Parameters
    ----------
    frame : pandas.DataFrame
    names : list of str
        The columns to keep.
    escape : tuple of str
        Columns whose text is HTML-escaped (inserted into tooltips and popups as HTML).

    Returns
    -------
    dict
        Column name -> a list (one value per row), ``{"c": value}`` (one value for every
        row) or ``{"v": [distinct values], "i": [code per row]}`` (few distinct values).
        Missing values are None; numpy scalars become Python numbers.
    """
    out = {}
    n = len(frame)
    for name in names:
        values = frame[name].astype(object).where(frame[name].notna(), None).tolist()
        values = [_plain(v) for v in values]
        if name in escape:
            values = [html.escape(v) if isinstance(v, str) else v for v in values]
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
        if n and len(uniques) == 1:
            out[name] = {"c": values[0]}
        elif n and len(uniques) * 3 < n:
            out[name] = {"v": [_plain(u) for u in uniques], "i": codes.tolist()}
        else:
            out[name] = values
    return out


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _dumps(data) -> str:
    """Compact JSON for a script: UTF-8 text as it is, ``</`` made safe in a <script>."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


class _Text(Element):
    """Text put into the page as it is (branca makes a macro's output a template of its
    own and compiles it: seconds of Jinja for megabytes of data, and ``{{`` in a name
    would be read as template code)."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class _Light(Layer):
    """A layer whose script goes into the page without a second templating pass."""

    def render(self, **kwargs):
        figure = self.get_root()
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Text(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class PointLayer(_Light):
    """Points from one columnar table, in the layer control like a GeoJSON layer.

    Parameters
    ----------
    lon, lat : array of float
        Degrees, in the map's coordinates.
    table : dict
        :func:`columns` of the rows (same order as ``lon``/``lat``); each marker's
        ``feature.properties`` is its row.
    name : str
        The name in the layer control.
    marker : dict, optional
        Circle markers: Leaflet ``L.circleMarker`` options (``pane``, ``className``,
        ``weight`` …); ``style`` maps an option to the column holding it per row
        (e.g. ``{"fillColor": "colour", "radius": "radius"}``).
    icon : dict, optional
        HTML icons instead: ``L.divIcon`` options; ``html`` and ``className`` may name
        columns through ``style`` too (``{"html": "icon"}``); ``%s`` in the html is
        replaced by the row's ``label`` column; a number ``iconSize`` is a square
        anchored at its centre.
    tooltip : list of str, optional
        Columns shown on hover (joined by a space, as :class:`folium.GeoJsonTooltip`
        without labels).
    popup : dict, optional
        ``{"fields": [...], "aliases": [...], "className": str, "maxWidth": int,
        "extra": [[alias, value], ...]}``: a table of the fields, then rows that are the
        same for every point (e.g. the policy clause), written once.
    interactive : bool
        False: no tooltip, popup or pointer events (e.g. labels).
    show : bool
        Shown at first.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup();
(function (group) {
  var t = {{ this.table_json }}, spec = {{ this.spec_json }};
  var n = t.lon.length, cols = Object.keys(t.cols);
  function value(col, i) {
    var c = t.cols[col];
    if (c === undefined) { return undefined; }
    if (Array.isArray(c)) { return c[i]; }
    if ('c' in c) { return c.c; }
    return c.v[c.i[i]];
  }
  function row(i) {
    var p = {};
    cols.forEach(function (k) { p[k] = value(k, i); });
    return p;
  }
  function popup(p) {
    var rows = spec.popup.fields.map(function (f, j) {
      var v = p[f];
      return '<tr><th>' + spec.popup.aliases[j] + '</th><td>' + (v === null || v === undefined ? '' : v) + '</td></tr>';
    }).concat((spec.popup.extra || []).map(function (r) {
      return '<tr><th>' + r[0] + '</th><td>' + r[1] + '</td></tr>';
    }));
    return '<table>' + rows.join('') + '</table>';
  }
  for (var i = 0; i < n; i++) {
    var p = row(i), opts = Object.assign({}, spec.marker || spec.icon), layer;
    Object.keys(spec.style).forEach(function (k) { opts[k] = p[spec.style[k]]; });
    if (typeof opts.iconSize === 'number') {
      var s = opts.iconSize;
      opts.iconSize = [s, s];
      opts.iconAnchor = opts.iconAnchor || [Math.floor(s / 2), Math.floor(s / 2)];
    }
    if (spec.icon) {
      if (opts.html && p.label !== undefined) { opts.html = opts.html.replace('%s', p.label); }
      layer = L.marker([t.lat[i], t.lon[i]], {icon: L.divIcon(opts), interactive: spec.interactive,
                                             keyboard: false, pane: spec.pane || 'markerPane'});
    } else {
      opts.interactive = spec.interactive;
      layer = L.circleMarker([t.lat[i], t.lon[i]], opts);
    }
    layer.feature = {type: 'Feature', properties: p,
                     geometry: {type: 'Point', coordinates: [t.lon[i], t.lat[i]]}};
    if (spec.interactive && spec.tooltip) {
      layer.bindTooltip(spec.tooltip.map(function (f) { return p[f]; }).join(' '), {sticky: true});
    }
    if (spec.interactive && spec.popup) {
      layer.bindPopup((function (p) { return function () { return popup(p); }; })(p),
                      {className: spec.popup.className || '', maxWidth: spec.popup.maxWidth || 300});
    }
    group.addLayer(layer);
  }
})({{ this.get_name() }});
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, lon, lat, table: dict, name: str, *, marker: dict | None = None,
                 icon: dict | None = None, style: dict | None = None,
                 tooltip: list[str] | None = None, popup: dict | None = None,
                 interactive: bool = True, show: bool = True, pane: str | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointLayer"
        self.lon = np.round(np.asarray(lon, dtype=float), COORD_DECIMALS)
        self.lat = np.round(np.asarray(lat, dtype=float), COORD_DECIMALS)
        self.table = table
        self.marker = marker
        self.spec = {"marker": marker, "icon": icon, "style": style or {}, "tooltip": tooltip,
                     "popup": popup, "interactive": interactive, "pane": pane}

    @property
    def table_json(self) -> str:
        return _dumps({"lon": self.lon.tolist(), "lat": self.lat.tolist(), "cols": self.table})

    @property
    def spec_json(self) -> str:
        return _dumps(self.spec)

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def data(self) -> dict:
        """The points as a GeoJSON FeatureCollection: each marker's ``feature`` as the
        browser builds it (properties: its row of the table)."""
        def value(col, i):
            c = self.table[col]
            return c[i] if isinstance(c, list) else c["c"] if "c" in c else c["v"][c["i"][i]]
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {k: value(k, i) for k in self.table},
             "geometry": {"type": "Point", "coordinates": [float(self.lon[i]), float(self.lat[i])]}}
            for i in range(len(self))]}


class ImageLayer(_Light):
    """One RGBA image over a lon/lat box (Leaflet ``L.imageOverlay``), embedded as a PNG.

    Parameters
    ----------
    rgba : numpy.ndarray of uint8, shape (rows, cols, 4)
        Pixels, north-up, in Web Mercator rows (the map's projection: Leaflet stretches
        the image linearly between the box's corners on screen).
    bounds : [[south, west], [north, east]]
        Degrees in the map's coordinates.
    name : str
    show : bool
    opacity : float
    class_name : str
        The image's CSS class.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.imageOverlay({{ this.url|tojson }}, {{ this.bounds|tojson }},
  {opacity: {{ this.opacity }}, interactive: false, className: {{ this.class_name|tojson }}});
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, rgba: np.ndarray, bounds, name: str, *, show: bool = True,
                 opacity: float = 1.0, class_name: str = "image-layer"):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ImageLayer"
        self.rgba, self.bounds, self.opacity, self.class_name = rgba, bounds, opacity, class_name

    @property
    def png(self) -> bytes:
        from PIL import Image

        out = BytesIO()
        Image.fromarray(self.rgba, "RGBA").save(out, format="PNG", optimize=False, compress_level=6)
        return out.getvalue()

    @property
    def url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def popup_css() -> Element:
    """The look of :class:`PointLayer` popups (as folium's GeoJSON popups)."""
    return Element("<style>.leaflet-popup-content table th{text-align:left;padding-right:8px;"
                   "white-space:nowrap;vertical-align:top}.leaflet-popup-content table{font-size:12px}"
                   "</style>")
