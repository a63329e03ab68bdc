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
  Drawn again into a map that offers the layer drawn before (``window.__liveReuse``:
  the app's scenario map, redrawn in place after each edit), it keeps the markers of
  the rows that did not change and replaces only the others.
- :class:`ShapeLayer`: lines and polygons (township outlines, roads) from one table, the
  coordinates of each ring as integer steps of 1e-5 degrees, drawn on a canvas (one
  element for all shapes, not one SVG path each) below the markers.
- :class:`ImageLayer`: one PNG image overlay (the R3 reach and gap) in place of
  thousands of polygons.

Units: degrees (WGS84 or GCJ-02, the map's coordinates); pixels for sizes.
"""

from __future__ import annotations

import base64
import html
import json
from functools import cached_property
from io import BytesIO

import numpy as np
import pandas as pd
from branca.element import Element, Template
from folium.map import Layer

#: decimals of a coordinate in a map's data (1e-5 degrees ≈ 1 m)
COORD_DECIMALS = 5


def columns(frame, names: list[str], *, escape: tuple[str, ...] = ()) -> dict:
    """A table as compact JSON-ready columns.

    Parameters
    ----------
    frame : pandas.DataFrame or mapping
        The columns by name (a mapping of sequences of one length, e.g. :class:`Table`).
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
    for name in names:
        column = frame[name]
        if not hasattr(column, "dtype"):
            column = pd.Series(column, dtype=object)
        n = len(column)
        # each distinct value made plain (and escaped) once, not once per row
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        plain = [_plain(u) for u in uniques.tolist()] + [None]      # code -1: missing
        if name in escape:
            plain = [html.escape(v) if isinstance(v, str) else v for v in plain]
        distinct: dict = {}                                         # NaN and inf are both None
        remap = np.array([distinct.setdefault(v, len(distinct)) for v in plain], dtype=np.int64)
        codes = remap[codes]
        values = list(distinct)
        used, codes = np.unique(codes, return_inverse=True)         # first seen, in order below
        order = np.argsort(np.unique(codes, return_index=True)[1], kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        codes, values = rank[codes], [values[used[i]] for i in order]
        if n and len(values) == 1:
            out[name] = {"c": values[0]}
        elif n and len(values) * 3 < n:
            out[name] = {"v": values, "i": codes.tolist()}
        else:
            out[name] = [values[c] for c in codes.tolist()]
    return out


class Table(dict):
    """A frame's columns with new ones beside them, for :func:`columns`: new columns are
    set as lists (``table["colour"] = [...]``, one value per row of the frame), the
    frame's own are read from it when asked for (adding a column to a GeoDataFrame
    copies and checks it: milliseconds each, dozens per map)."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__()
        self.frame = frame

    def __missing__(self, name: str):
        return self.frame[name]


def rows(table: dict, n: int) -> list[dict]:
    """The rows of a :func:`columns` table (``n`` of them) as dicts."""
    def value(c, i):
        return c[i] if isinstance(c, list) else c["c"] if "c" in c else c["v"][c["i"][i]]
    return [{k: value(c, i) for k, c in table.items()} for i in range(n)]


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
    """A layer whose script goes into the page without a second templating pass; its
    ``spec`` (how to draw) is written as ``spec_json``."""

    spec: dict = {}

    @property
    def spec_json(self) -> str:
        return _dumps(self.spec)

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
    aggregate : dict, optional
        Many points drawn as one marker per group until zoomed in (light at city zoom):
        ``{"by": column, "title": column, "below": zoom, "tooltip": "{title} {n} {flagged}",
        "max_radius": px}``, optionally ``"split"`` (a second column grouping apart, e.g. the
        kind), ``"only"`` + ``"only_by"`` (values of a column that are grouped; other
        rows stay single) and ``"flag"`` ([column, value]: rows counted as ``{flagged}``).
        Below zoom ``below`` the group's marker stands at its points' mean position,
        drawn as its last point (a circle grown with the count, or the icon with the
        count beside it; CSS class ``aggregate``); rows without a group stay single.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup();
{{ this.get_name() }} = (function (group) {
  var t = {{ this.table_json }}, spec = {{ this.spec_json }}, specText = JSON.stringify(spec);
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
  function make(i, p) {  // the marker of row i (its properties p)
    var opts = Object.assign({}, spec.marker || spec.icon), layer;
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
    return layer;
  }
  function same(a, b) {  // two rows' properties
    for (var k in b) { if (a[k] !== b[k]) { return false; } }
    return Object.keys(a).length === Object.keys(b).length;
  }
  var agg = spec.aggregate, name = {{ this.layer_name|tojson }};
  // a map that redraws its layers in place (the app's scenario map) offers the layer
  // drawn before under its name: its markers whose row is unchanged (matched by position)
  // are kept, the others replaced, so an edit redraws only the points it changed
  var old = !agg && window.__liveReuse ? window.__liveReuse[name] : null;
  if (old && old.__spec === specText && old.__markers) {
    var at = {}, markers = [], first = -1;
    old.__markers.forEach(function (l) {
      var c = l.feature.geometry.coordinates, k = c[0] + ',' + c[1];
      (at[k] = at[k] || []).push(l);
    });
    for (var i = 0; i < n; i++) {
      var p = row(i), mine = at[t.lon[i] + ',' + t.lat[i]], l = mine && mine.shift();
      if (l && same(l.feature.properties, p)) { markers.push(l); continue; }
      if (l) { old.removeLayer(l); }
      if (first < 0) { first = i; }
      markers.push(make(i, p));
      old.addLayer(markers[i]);
    }
    Object.keys(at).forEach(function (k) { at[k].forEach(function (l) { old.removeLayer(l); }); });
    if (!spec.icon && first >= 0) {  // drawing order: the rows' (failing villages on top)
      for (var j = first; j < n; j++) { if (markers[j]._map) { markers[j].bringToFront(); } }
    }
    old.__markers = markers;
    return old;
  }
  var markers = [];
  for (var i = 0; i < n; i++) { markers.push(make(i, row(i))); }
  group.__spec = specText;
  group.__name = name;
  if (!agg) {
    group.__markers = markers;
    markers.forEach(function (l) { group.addLayer(l); });
    return group;
  }
  // many points: one marker per group (e.g. township) until zoomed in to agg.below
  var groups = {}, single = [], merged = [];
  markers.forEach(function (l) {
    var p = l.feature.properties, key = p[agg.by];
    if (key === null || key === undefined || (agg.only && agg.only.indexOf(p[agg.only_by]) < 0)) {
      single.push(l); return;
    }
    key = key + '|' + (agg.split ? p[agg.split] : '');
    (groups[key] = groups[key] || []).push(l);
  });
  Object.keys(groups).forEach(function (key) {
    var members = groups[key], last = members[members.length - 1], p = last.feature.properties;
    var lat = 0, lon = 0, flagged = 0;
    members.forEach(function (l) {
      var q = l.feature.properties, c = l.feature.geometry.coordinates;
      lon += c[0]; lat += c[1];
      if (agg.flag && q[agg.flag[0]] === agg.flag[1]) { flagged += 1; }
    });
    var at = [lat / members.length, lon / members.length], n = members.length, layer;
    if (spec.icon) {
      var icon = last.options.icon.options;
      layer = L.marker(at, {icon: L.divIcon(Object.assign({}, icon, {
        html: icon.html + '<span class="aggregate-count">' + n + '</span>',
        className: icon.className + ' aggregate'})), keyboard: false, pane: spec.pane || 'markerPane'});
    } else {
      layer = L.circleMarker(at, Object.assign({}, last.options, {
        radius: Math.min(agg.max_radius, last.options.radius + Math.sqrt(n)),
        className: last.options.className + ' aggregate'}));
    }
    layer.feature = {type: 'Feature', properties: {n: n, flagged: flagged, title: p[agg.title]},
                     geometry: {type: 'Point', coordinates: [at[1], at[0]]}};
    layer.bindTooltip(agg.tooltip.replace('{title}', p[agg.title]).replace('{n}', n)
                      .replace('{flagged}', flagged), {sticky: true});
    merged.push(layer);
  });
  var shown = null;
  function draw() {
    var coarse = group._map.getZoom() < agg.below;
    if (coarse === shown) { return; }
    shown = coarse;
    group.clearLayers();
    (coarse ? single.concat(merged) : markers).forEach(function (l) { group.addLayer(l); });
  }
  group.on('add', function () { shown = null; group._map.on('zoomend', draw); draw(); });
  group.on('remove', function (e) { e.target._map && e.target._map.off('zoomend', draw); });
  return group;
})({{ this.get_name() }});
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, lon, lat, table: dict, name: str, *, marker: dict | None = None,
                 icon: dict | None = None, style: dict | None = None,
                 tooltip: list[str] | None = None, popup: dict | None = None,
                 interactive: bool = True, show: bool = True, pane: str | None = None,
                 aggregate: dict | None = None):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointLayer"
        self.lon = np.round(np.asarray(lon, dtype=float), COORD_DECIMALS)
        self.lat = np.round(np.asarray(lat, dtype=float), COORD_DECIMALS)
        self.table = table
        self.marker = marker
        self.spec = {"marker": marker, "icon": icon, "style": style or {}, "tooltip": tooltip,
                     "popup": popup, "interactive": interactive, "pane": pane, "aggregate": aggregate}

    @cached_property
    def table_json(self) -> str:
        return _dumps({"lon": self.lon.tolist(), "lat": self.lat.tolist(), "cols": self.table})

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def data(self) -> dict:
        """The points as a GeoJSON FeatureCollection: each marker's ``feature`` as the
        browser builds it (properties: its row of the table)."""
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": p,
             "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}}
            for p, x, y in zip(rows(self.table, len(self)), self.lon, self.lat)]}


def encode_rings(geoms) -> list:
    """Shapes as nested lists of rings, each ring a flat list of integers: the first point
    in 1e-5 degrees, then the steps from point to point (``[x0, y0, dx1, dy1, …]``).

    Polygons give ``[[exterior, hole, …], …]`` (one list per polygon part); lines give
    ``[line, …]``; a missing or empty geometry gives ``[]``.
    """
    import shapely

    geoms = np.asarray(list(geoms), dtype=object)
    out: list[list] = [[] for _ in range(len(geoms))]
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    rings, ring_part = shapely.get_rings(parts[polygon], return_index=True)
    lines = np.concatenate([rings, parts[~polygon]])
    # each line's owner: (geometry, polygon part or -1)
    owner_geom = np.concatenate([part_of[polygon][ring_part], part_of[~polygon]])
    owner_part = np.concatenate([np.flatnonzero(polygon)[ring_part], np.full((~polygon).sum(), -1)])
    xy, line_of = shapely.get_coordinates(lines, return_index=True)
    xy = np.rint(xy * 10 ** COORD_DECIMALS).astype(np.int64)
    steps = np.diff(xy, axis=0, prepend=np.zeros((1, 2), np.int64))
    first = np.r_[True, line_of[1:] != line_of[:-1]] if len(line_of) else np.zeros(0, bool)
    steps[first] = xy[first]                                  # each line starts absolute
    cuts = np.flatnonzero(first)[1:]
    last_part: dict[int, list] = {}
    for g, p, line in zip(owner_geom, owner_part, np.split(steps.ravel(), cuts * 2)):
        flat = line.tolist()
        if p < 0:
            out[g].append(flat)
        elif p in last_part:
            last_part[p].append(flat)
        else:
            last_part[p] = [flat]
            out[g].append(last_part[p])
    return out


class ShapeLayer(_Light):
    """Lines or polygons from one table, in the layer control like a GeoJSON layer.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        (Multi)polygons or (multi)linestrings, degrees in the map's coordinates.
    table : dict
        :func:`columns` of the rows (same order); each shape's ``feature.properties``.
    name : str
    style : dict
        Leaflet path options for every shape (``color``, ``weight``, ``fillOpacity`` …);
        ``columns`` maps an option to the column holding it per row.
    columns : dict, optional
    highlight : dict, optional
        Options set while the pointer is over a shape.
    tooltip : list of str, optional
        Columns shown on hover.
    popup : str, optional
        The column holding each shape's popup HTML.
    interactive : bool
    show : bool
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup();
(function (group) {
  var t = {{ this.table_json }}, spec = {{ this.spec_json }};
  var n = t.shapes.length, cols = Object.keys(t.cols), renderer = L.canvas({padding: 0.5});
  function value(col, i) {
    var c = t.cols[col];
    if (Array.isArray(c)) { return c[i]; }
    if ('c' in c) { return c.c; }
    return c.v[c.i[i]];
  }
  function ring(steps) {
    var out = [], x = 0, y = 0;
    for (var k = 0; k < steps.length; k += 2) {
      x += steps[k]; y += steps[k + 1];
      out.push([y / 1e5, x / 1e5]);
    }
    return out;
  }
  for (var i = 0; i < n; i++) {
    var p = {}, opts = Object.assign({renderer: renderer, interactive: spec.interactive}, spec.style);
    cols.forEach(function (k) { p[k] = value(k, i); });
    Object.keys(spec.columns).forEach(function (k) { opts[k] = p[spec.columns[k]]; });
    var shape = spec.polygon
      ? L.polygon(t.shapes[i].map(function (part) { return part.map(ring); }), opts)
      : L.polyline(t.shapes[i].map(ring), opts);
    shape.feature = {type: 'Feature', properties: p};
    if (spec.interactive && spec.tooltip) {
      shape.bindTooltip(spec.tooltip.map(function (f) { return p[f]; }).join(' '), {sticky: true});
    }
    if (spec.interactive && spec.popup) { shape.bindPopup(p[spec.popup], {maxWidth: 360}); }
    if (spec.interactive && spec.highlight) {
      shape.on('mouseover', function (e) { e.target.setStyle(spec.highlight); });
      shape.on('mouseout', (function (o) { return function (e) { e.target.setStyle(o); }; })(
        Object.assign({}, opts)));
    }
    group.addLayer(shape);
  }
})({{ this.get_name() }});
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, geoms, table: dict, name: str, *, style: dict, columns: dict | None = None,
                 highlight: dict | None = None, tooltip: list[str] | None = None,
                 popup: str | None = None, interactive: bool = True, show: bool = True):
        import shapely

        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ShapeLayer"
        geoms = list(geoms)
        kinds = {int(k) for k in shapely.get_type_id([g for g in geoms if g is not None]) if k >= 0}
        self.polygon = bool(kinds & {3, 6})
        self.geoms, self.table = geoms, table
        self.style_options = style
        self.spec = {"style": style, "columns": columns or {}, "highlight": highlight,
                     "tooltip": tooltip, "popup": popup, "interactive": interactive,
                     "polygon": self.polygon}

    @cached_property
    def table_json(self) -> str:
        return _dumps({"shapes": encode_rings(self.geoms), "cols": self.table})

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def data(self) -> dict:
        """The shapes as a GeoJSON FeatureCollection (properties: each row)."""
        import shapely

        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": p,
             "geometry": None if g is None else shapely.geometry.mapping(g)}
            for p, g in zip(rows(self.table, len(self)), self.geoms)]}


class ImageLayer(_Light):
    """One image over a lon/lat box (Leaflet ``L.imageOverlay``), embedded as a palette PNG.

    Parameters
    ----------
    codes : numpy.ndarray of uint8, shape (rows, cols)
        A colour index per pixel, north-up, in Web Mercator rows (the map's projection:
        Leaflet stretches the image linearly between the box's corners on screen).
    palette : list of (r, g, b, a)
        The colour of each code (0-255 each; alpha 0: transparent).
    bounds : [[south, west], [north, east]]
        Degrees in the map's coordinates.
    name : str
    show : bool
    class_name : str
        The image's CSS class.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.imageOverlay({{ this.url|tojson }}, {{ this.bounds|tojson }},
  {interactive: false, className: {{ this.class_name|tojson }}});
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, codes: np.ndarray, palette, bounds, name: str, *, show: bool = True,
                 class_name: str = "image-layer"):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ImageLayer"
        self.codes = np.ascontiguousarray(codes, dtype=np.uint8)
        self.palette = [tuple(int(v) for v in c) for c in palette]
        self.bounds, self.class_name = bounds, class_name

    @property
    def rgba(self) -> np.ndarray:
        """The pixels' colours, shape (rows, cols, 4)."""
        pal = np.array(self.palette + [(0, 0, 0, 0)] * (256 - len(self.palette)), np.uint8)
        return pal[self.codes]

    @cached_property
    def png(self) -> bytes:
        from PIL import Image

        img = Image.fromarray(self.codes, "P")
        img.putpalette([v for c in self.palette for v in c[:3]])
        img.info["transparency"] = bytes(c[3] for c in self.palette)
        out = BytesIO()
        img.save(out, format="PNG", compress_level=1,
                 transparency=bytes(c[3] for c in self.palette))
        return out.getvalue()

    @cached_property
    def url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def popup_css() -> Element:
    """The look of :class:`PointLayer` popups (as folium's GeoJSON popups) and of the
    count beside an aggregated icon."""
    return Element("<style>.leaflet-popup-content table th{text-align:left;padding-right:8px;"
                   "white-space:nowrap;vertical-align:top}.leaflet-popup-content table{font-size:12px}"
                   ".aggregate-count{position:absolute;left:75%;top:-7px;background:#263238;color:#fff;"
                   "font:bold 10px/14px sans-serif;border-radius:7px;padding:0 4px;white-space:nowrap}"
                   "</style>")
