"""A state's moving lines and markers as numbers, for the website's canvas.

Most figures of an experiment change only lines and markers over a fixed background (paths on
contours, loss curves, the inspector's panels). For those, the static page carries each
state's polylines in the figure's pixel coordinates and ``player.js`` draws them on a canvas
over the background PNG, with the colours, widths, dash patterns, markers and clip boxes
matplotlib would use. matplotlib's own transforms (linear or log axes alike) map data to
pixels here, so the player needs no knowledge of scales.

:func:`export` turns the dynamic artists of one state into a list of ``(style, points)``;
:class:`Packer` collects the states of an experiment into the compact form of the page:

- ``styles``: one dict per distinct look, ``{"c": colour, "w": width, "d": dashes, "do": dash
  offset, "cap", "join", "m": marker, "ms": marker size, "mf": face colour, "me": edge colour,
  "mw": edge width, "clip": [x, y, w, h]}`` (pixels; keys absent when unused);
- ``markers``: marker shapes, ``{"circle": r}`` or ``{"polys": [[closed, [x, y, ...]], ...]}``
  in units of the marker size, y pointing down as on the canvas;
- ``points``: every polyline's vertices in quarter pixels, each polyline's first vertex
  relative to (0, 0) and the others to the one before; these small integers are written as
  zigzag varints (``n`` becomes ``2n`` or ``-2n - 1``, then seven bits per byte, the high bit
  set on every byte but a number's last: most deltas take one byte), compressed with zlib
  (``DecompressionStream("deflate")`` in the browser) and base64-encoded;
- per state, ``{"o": offset into points (in numbers), "l": [[style, n_vertices], ...]}``.

An artist this module cannot draw (anything but a plain ``Line2D``: a mesh, text, path
effects, step drawing, ``markevery``) makes :func:`export` return None: that state keeps a PNG
overlay.
"""

from __future__ import annotations

import base64
import zlib

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Rectangle

__all__ = ["export", "Packer", "QUARTER", "varints", "from_varints"]

QUARTER = 4  # vertices are stored in units of 1/QUARTER pixel
THIN = 0.75  # pixels: consecutive vertices closer than this along the line are merged
_CAPS = {"butt": "butt", "round": "round", "projecting": "square"}
_NO = (None, "None", "none", "", " ")


def _css(rgba):
    r, g, b, a = rgba
    return f"rgba({round(r * 255)},{round(g * 255)},{round(b * 255)},{a:.3g})"


def _drawable(a):
    """True if the player can draw artist ``a`` exactly as matplotlib does (up to antialiasing)."""
    return (
        isinstance(a, Line2D)
        and not a.get_path_effects()
        and a.get_drawstyle() in ("default", None)
        and a.get_markevery() is None
        and a.get_fillstyle() == "full"
        and (not a.get_clip_on() or isinstance(getattr(a.axes, "patch", None), Rectangle))
    )


def _marker(a):
    """The shape of ``a``'s marker in units of its size (y down), or None."""
    if a.get_marker() in _NO:
        return None
    if a.get_marker() in ("o", "."):
        return {"circle": 0.5 if a.get_marker() == "o" else 0.25}
    m = MarkerStyle(a.get_marker(), a.get_fillstyle())
    polys = m.get_path().transformed(m.get_transform()).to_polygons(closed_only=False)
    out = []
    for p in polys:
        closed = len(p) > 2 and np.allclose(p[0], p[-1])
        flat = np.column_stack([p[:, 0], -p[:, 1]]).round(4).ravel().tolist()
        out.append([closed, flat])
    return {"polys": out}


_STYLES = {}  # the style of an artist's look, computed once


def _look(a):
    """What decides an artist's style dict: its colours, widths, dashes, marker and clip box."""
    box = a.get_clip_box() if a.get_clip_on() else None
    return (
        a.get_color(), a.get_alpha(), a.get_linestyle(), a.get_linewidth(),
        tuple(a._dash_pattern[1] or ()), a.get_dash_capstyle(), a.get_solid_capstyle(),
        a.get_dash_joinstyle(), a.get_solid_joinstyle(), str(a.get_marker()),
        a.get_markersize(), str(a.get_markerfacecolor()), str(a.get_markeredgecolor()),
        a.get_markeredgewidth(), None if box is None else tuple(box.bounds),
    )  # fmt: skip


def _style(a, dpi, height):
    """The look of ``a`` as the player's style dict (pixels), and its marker shape (cached)."""
    key = (_look(a), dpi, height)
    if key not in _STYLES:
        _STYLES[key] = _compute_style(a, dpi, height)
    style, marker = _STYLES[key]
    return dict(style), marker


def _compute_style(a, dpi, height):
    px = dpi / 72
    s = {}
    if a.get_linestyle() not in _NO and a.get_linewidth() > 0:
        s["c"] = _css(to_rgba(a.get_color(), a.get_alpha()))
        s["w"] = round(a.get_linewidth() * px, 3)
        offset, dashes = a._dash_pattern  # in points, already scaled by the line width
        if dashes:
            s["d"] = [round(v * px, 3) for v in dashes]
            s["do"] = round(offset * px, 3)
        s["cap"] = _CAPS[a.get_dash_capstyle() if dashes else a.get_solid_capstyle()]
        s["join"] = a.get_dash_joinstyle() if dashes else a.get_solid_joinstyle()
    marker = _marker(a)
    if marker is not None:
        filled = MarkerStyle(a.get_marker()).is_filled()
        face, edge = a.get_markerfacecolor(), a.get_markeredgecolor()
        if filled and face not in _NO:
            s["mf"] = _css(to_rgba(face, a.get_alpha()))
        if edge not in _NO and a.get_markeredgewidth() > 0:
            s["me"] = _css(to_rgba(edge, a.get_alpha()))
            s["mw"] = round(a.get_markeredgewidth() * px, 3)
        s["ms"] = round(a.get_markersize() * px, 3)
    if a.get_clip_on() and a.get_clip_box() is not None:
        b = a.get_clip_box()
        s["clip"] = [round(v, 2) for v in (b.x0, height - b.y1, b.width, b.height)]
    return s, marker


def _thin(q):
    """Drop vertices closer than ``THIN`` pixels (along the line) to the last one kept."""
    if len(q) < 3:
        return q
    step = np.hypot(*np.diff(q, axis=0).T) / QUARTER
    bucket = np.floor(np.concatenate([[0.0], np.cumsum(step)]) / THIN)
    keep = np.concatenate([[True], bucket[1:] != bucket[:-1]])
    keep[-1] = True
    return q[keep]


def _polylines(a, height, thin):
    """The finite runs of ``a``'s vertices in quarter pixels (NaN breaks a line, as in
    matplotlib), with repeated vertices removed."""
    xy = np.asarray(a.get_xydata(), dtype=float)
    if not len(xy):
        return []
    with np.errstate(all="ignore"):
        pix = a.get_transform().transform(xy)
    pix[:, 1] = height - pix[:, 1]
    ok = np.isfinite(pix).all(axis=1) & (np.abs(pix) < 1e8).all(axis=1)
    out = []
    for run in np.split(np.arange(len(pix)), np.flatnonzero(np.diff(ok.astype(int))) + 1):
        if not ok[run[0]]:
            continue
        q = np.round(pix[run] * QUARTER).astype(np.int64)
        q = q[np.concatenate([[True], (np.diff(q, axis=0) != 0).any(axis=1)])]
        out.append(_thin(q) if thin else q)
    return out


def export(artists, fig):
    """The drawable content of ``artists`` (in drawing order): ``[(style, marker, vertices)]``,
    vertices an int array ``(n, 2)`` in quarter pixels; None if one of them is not drawable."""
    if not all(_drawable(a) for a in artists):
        return None
    dpi, height = fig.dpi, fig.bbox.height
    out = []
    for a in artists:
        if not a.get_visible() or not len(a.get_xydata()):
            continue
        style, marker = _style(a, dpi, height)
        if "w" not in style and marker is None:
            continue
        for q in _polylines(a, height, thin=marker is None):
            if len(q) > 1 or marker is not None:
                out.append((style, marker, q))
    return out


def varints(a):
    """The integers ``a`` as zigzag LEB128 varints (bytes): one byte for -64 <= n < 64, two up
    to 8192, ... (the vertices' deltas are mostly one byte, against four as int32)."""
    a = np.asarray(a, dtype=np.int64).ravel()
    z = np.where(a >= 0, 2 * a, -2 * a - 1).astype(np.uint64)
    size = 1 + sum((z >= np.uint64(1 << (7 * k))).astype(np.int64) for k in range(1, 10))
    start = np.cumsum(size) - size
    out = np.zeros(int(size.sum()), dtype=np.uint8)
    for k in range(int(size.max(initial=0))):
        has = size > k
        byte = (z[has] >> np.uint64(7 * k)) & np.uint64(127)
        more = (size[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[start[has] + k] = (byte | more).astype(np.uint8)
    return out.tobytes()


def from_varints(raw):
    """The inverse of :func:`varints` (the player does the same in JavaScript)."""
    b = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(b < 128)
    starts = np.concatenate([[0], ends[:-1] + 1])
    z = np.zeros(len(ends), dtype=np.uint64)
    for k in range(int((ends - starts).max(initial=-1)) + 1):
        has = starts + k <= ends
        z[has] |= (b[starts[has] + k].astype(np.uint64) & np.uint64(127)) << np.uint64(7 * k)
    z = z.astype(np.int64)
    return np.where(z % 2 == 0, z // 2, -(z + 1) // 2)


class Packer:
    """Collects the vector overlays of an experiment's states into the page's compact form."""

    def __init__(self):
        self.styles, self.markers, self._keys = [], [], {}
        self._chunks, self._size = [], 0

    def _index(self, table, item):
        key = (id(table), repr(sorted(item.items())))
        if key not in self._keys:
            self._keys[key] = len(table)
            table.append(item)
        return self._keys[key]

    def add(self, content):
        """Store one state's :func:`export`; returns its overlay entry ``{"o", "l"}``."""
        entry = {"o": self._size, "l": []}
        for style, marker, q in content:
            style = dict(style)
            if marker is not None:
                style["m"] = self._index(self.markers, marker)
            deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=q.dtype))
            self._chunks.append(deltas.ravel())
            self._size += 2 * len(q)
            entry["l"].append([self._index(self.styles, style), len(q)])
        return entry

    def points(self):
        """Every vertex stored so far, compressed and base64-encoded."""
        raw = varints(np.concatenate(self._chunks)) if self._chunks else b""
        return base64.b64encode(zlib.compress(raw, 9)).decode()
