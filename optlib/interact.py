"""Experiments: one figure, some sliders, a live view for Jupyter and a static one for the website.

::

    exp = interact.experiment(compute, viz.trajectories, {
        "lr": interact.log_slider(1e-3, 1e-1, 5),
        "problem": interact.dropdown({"Rosenbrock": rosenbrock(), "Beale": beale()}),
    })
    exp          # as the last expression of a cell

``compute(**values)`` gets one value per slider and returns a dict of keyword arguments
for ``draw`` (any :mod:`optlib.viz` figure function, or your own function that takes
``fig=`` and returns a :class:`optlib.viz.Drawing`). The figure is built once; later states
go through ``Drawing.update``, and only the dynamic artists are redrawn on a cached
background (Agg blitting), so a slider move costs milliseconds.

Displayed in a notebook, an experiment emits ONE output with two renderings
(``_repr_mimebundle_``):

- ``application/vnd.jupyter.widget-view+json``: the live ipywidgets view (controls and an
  ``ipywidgets.Image`` redrawn on every change), shown by Jupyter, Binder and Colab;
- ``text/html``: the same figure precomputed at every combination of slider values (the
  cartesian product, at most ``max_frames``), with a small self-contained player. The book
  shows this one, with ``nb_mime_priority_overrides: [["html", "text/html", 0]]``.

Each precomputed state is a pair of PNGs: a background (axes, contours; shared by all states
that leave it unchanged) and a transparent overlay holding the dynamic artists, cropped to
the pixels they cover; both are quantised with Pillow. The player stacks the two images.

Every experiment says what it shows, for readers who cannot see it: ``caption=`` (visible
under the figure: what it shows) and ``alt=`` (the picture's text alternative) are optional.
Without them both are read off the figure at the default state (:func:`optlib.viz.summary`:
kind of plot, title, axes, legend), and the caption always ends with what the controls set
(their labels and values), so no experiment is ever without text.

The static player's markup, for tests and browser checks (stable names)::

    figure.optlib-figure
      div.optlib-player[data-frame=K][data-nframes=N]   K = index of the frame shown
        div.optlib-stage > img.optlib-bg[alt] + img.optlib-frame[alt]
        div.optlib-controls
          label.optlib-control[data-name=NAME]
            input.optlib-input[type=range][name=NAME][min=0][max=n-1][data-stride][data-labels]
            output.optlib-value                     the current value, as text
          label.optlib-control > select.optlib-input[name=NAME][data-stride] > option[value=i]
          button.optlib-play[data-target=NAME][data-interval=ms]   Play / Pause
        script.optlib-data[type=application/json]   {"size": [width, height],
                                                     "frames": [[bg, overlay], ...],
                                                     "backgrounds": [png, ...],
                                                     "overlays": [[png, x, y, w, h], ...]}
        script                                      the player (optlib/static/player.js)
      figcaption                                    the caption, then what the controls set

The frame shown is ``K = sum(i_c * stride_c)`` over the controls, ``i_c`` the index of the
control's value; ``bg`` and ``overlay`` index the lists of base64 PNGs, and an overlay's
box (pixels) places it on the background. Everything is inline: no CDN, no fonts, no
network.
"""

from __future__ import annotations

import base64
import functools
import html
import itertools
import json
import time
import warnings
from dataclasses import dataclass
from importlib import resources

import numpy as np

from optlib import viz

__all__ = [
    "Control",
    "slider",
    "float_slider",
    "log_slider",
    "dropdown",
    "steps",
    "Experiment",
    "experiment",
    "animate",
]

BUDGET = 1_500_000  # bytes of static HTML per experiment


def _fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.3g}"


@dataclass
class Control:
    """A control: the finite list of ``values`` (with their ``labels``) that the website's
    player offers, ``index`` the default among them.

    ``kind`` is ``"slider"`` or ``"dropdown"``; ``interval`` > 0 (milliseconds) adds a
    play/pause button that steps through the values (an animation). ``live = (low, high,
    scale)`` makes the control continuous in Jupyter: any value from ``low`` to ``high``
    (``scale`` is ``"linear"`` or ``"log"``), computed on demand, while the website samples
    ``values``. ``live=None``: the same finite list in both.
    """

    values: list
    labels: list
    index: int = 0
    kind: str = "slider"
    label: str = ""
    interval: int = 0
    live: tuple | None = None

    @property
    def default(self):
        return self.values[self.index]

    def accept(self, value):
        """``value`` if this control can take it, else ``ValueError`` naming the control."""
        if self.live is not None:
            low, high, _ = self.live
            if isinstance(value, str) or not low <= float(value) <= high:
                raise ValueError(f"{self.label} must be in [{low:g}, {high:g}], got {value!r}")
            return float(value)
        for v in self.values:
            if v is value or (isinstance(v, str) == isinstance(value, str) and _same(v, value)):
                return v
        raise ValueError(f"{self.label} must be one of {self.labels}, got {value!r}")


def _same(a, b):
    if isinstance(a, str):
        return a == b
    try:
        return bool(np.isclose(a, b))
    except TypeError:
        return a == b


def _index(values, value):
    if value is None:
        return (len(values) - 1) // 2
    for i, v in enumerate(values):
        if v is value or (not isinstance(v, str) and np.isclose(v, value)) or v == value:
            return i
    raise ValueError(f"default {value!r} is not one of the values {values}")


def slider(values, value=None, label=""):
    """A slider over a finite list of numbers (floats or integers), the same list in Jupyter
    and on the website; default: the middle one. For a quantity that varies continuously
    use :func:`float_slider` or :func:`log_slider`."""
    values = list(values)
    return Control(values, [_fmt(v) for v in values], _index(values, value), label=label)


def _continuous(low, high, grid, value, label, scale, values):
    low, high = float(low), float(high)
    if not low < high or (scale == "log" and low <= 0):
        raise ValueError(f"{label or 'slider'}: need 0 < low < high on a log scale, or low < high")
    grid = [float(v) for v in (grid if values is None else values)]
    if value is not None and not any(np.isclose(v, value) for v in grid):
        grid = sorted([*grid, float(value)])  # the default is a state of the website too
    if not all(low <= v <= high for v in grid):
        raise ValueError(f"{label or 'slider'}: static values must lie in [{low:g}, {high:g}]")
    c = slider(grid, value, label)
    c.live = (low, high, scale)
    return c


def float_slider(low, high, *, static=15, value=None, label="", values=None):
    """A continuous slider: any value in ``[low, high]`` in Jupyter; on the website ``static``
    evenly spaced values (or the given ``values``), plus the default ``value``."""
    grid = [float(f"{v:.3g}") for v in np.linspace(low, high, static)]
    return _continuous(low, high, grid, value, label, "linear", values)


def log_slider(low, high, num=None, value=None, label="", *, static=15, values=None):
    """A continuous slider on a log scale (learning rates, rates): any value in ``[low,
    high]`` in Jupyter; on the website ``static`` (or ``num``) log-spaced values (or the given
    ``values``), plus the default ``value``."""
    grid = [float(f"{v:.3g}") for v in np.geomspace(low, high, num or static)]
    grid[0], grid[-1] = float(low), float(high)
    return _continuous(low, high, grid, value, label, "log", values)


def dropdown(options, value=None, label=""):
    """A selector: a list of strings, or a dict ``label -> value`` (e.g. problems).

    ``value`` names the default by its label; default: the first.
    """
    labels = list(options)
    values = list(options.values()) if isinstance(options, dict) else labels
    index = 0 if value is None else labels.index(value)
    return Control(values, [str(x) for x in labels], index, "dropdown", label)


def steps(values, value=None, interval=150, label="step"):
    """An animation axis: a slider over ``values`` with a play/pause button."""
    values = [int(v) for v in values]
    index = len(values) - 1 if value is None else _index(values, value)
    return Control(values, [str(v) for v in values], index, label=label, interval=interval)


def _control(spec):
    if isinstance(spec, Control):
        return spec
    if isinstance(spec, dict):
        return dropdown(spec)
    spec = list(spec)
    return dropdown(spec) if all(isinstance(v, str) for v in spec) else slider(spec)


class Experiment:
    """An experiment: ``compute(**values) -> data``, ``draw(fig=, **data) -> Drawing``, controls.

    ``figsize`` (inches, at 100 dpi) sizes the figure; ``max_frames`` caps the static grid.
    ``caption`` says what the figure shows (shown under it, followed by what the controls
    set) and ``alt`` is the picture's text alternative; each may be left out (or come from
    the Drawing that ``draw`` returns), and is then read off the figure (:meth:`alt_text`).
    Captions are plain text; ``$...$`` in them becomes Unicode.

    ``batch(states)``, optional, computes every state of the website at once: it gets the list
    of states (dicts of control values, as ``compute`` would get them) and returns the list of
    what ``compute`` would return for each, in the same order (typically from one batched
    ``optlib.run`` over all settings). ``compute`` still serves the live view, where any value
    of a continuous control may be asked for.
    """

    def __init__(
        self, compute, draw, controls, *, figsize=None, alt=None, caption=None, max_frames=64,
        batch=None,
    ):  # fmt: skip
        self.compute, self.draw, self.alt, self.caption = compute, draw, alt, caption
        self.batch = batch
        self.controls = {name: _control(c) for name, c in controls.items()}
        for name, c in self.controls.items():
            c.label = c.label or name
        self.shape = tuple(len(c.values) for c in self.controls.values())
        if int(np.prod(self.shape)) > max_frames:
            raise ValueError(
                f"{' x '.join(map(str, self.shape))} = {int(np.prod(self.shape))} states exceed "
                f"max_frames={max_frames}: use fewer slider values for the static page"
            )
        self.fig = viz.figure(figsize)
        self.drawing = self._bg = self._state = None
        self._current = self.values()
        self._html = self._widget = self._text = None
        self.timings, self.stats, self.warnings = {}, {}, []

    # --- state --------------------------------------------------------------------------

    def values(self, **indices):
        """Slider values by name at the default state, or at the given value indices."""
        return {name: c.values[indices.get(name, c.index)] for name, c in self.controls.items()}

    def show(self, **indices):
        """Compute and draw the state at these value indices (default: the default state)."""
        self._state = tuple(indices.get(n, c.index) for n, c in self.controls.items())
        self._draw(self.values(**indices))

    def move(self, name, value):
        """Set control ``name`` to ``value`` (any value in a continuous control's range, one of
        the values of a discrete one), keep the others, then compute and draw."""
        if self.drawing is None:
            self.show()
        self._current[name] = self.controls[name].accept(value)
        self._state = None
        self._draw(dict(self._current))

    def _draw(self, values, data=None):
        data = self.compute(**values) if data is None else data
        self._current = dict(values)
        if self.drawing is None:
            with viz.style():
                self.drawing = self.draw(fig=self.fig, **data)
            self._background()
        elif self.drawing.update(**data):
            self._background()

    # --- what it shows, in words ----------------------------------------------------------

    def _describe(self):
        """(alt, caption) at the default state, worked out once."""
        if self._text is None:
            if self._state != tuple(c.index for c in self.controls.values()):
                self.show()
            given = [t for t in (self.alt, self.drawing.alt) if t and t.strip()]
            alt = viz.plain(given[0]) if given else f"{viz.summary(self.fig)} {self._first()}"
            told = [t for t in (self.caption, self.drawing.caption) if t and t.strip()]
            what = viz.plain(told[0]) if told else alt
            self._text = alt, f"{what.rstrip('.')}. {self.controls_text()}"
        return self._text

    def alt_text(self):
        """The picture's text alternative: ``alt`` if given (here or on the Drawing), else
        :func:`optlib.viz.summary` of the figure at the default state."""
        return self._describe()[0]

    def caption_text(self):
        """The visible caption: ``caption`` (else the alt text), then :meth:`controls_text`."""
        return self._describe()[1]

    def _first(self):
        """The default state in words: "At first learning rate α = 0.05 and momentum β = 0.5."."""
        values = [f"{c.label} = {c.labels[c.index]}" for c in self.controls.values()]
        return f"At first {_both(values)}."

    def controls_text(self):
        """What the controls set, in a sentence: each one's label and values."""
        parts, play = [], []
        for c in self.controls.values():
            n = len(c.labels)
            values = (
                f"{n} values from {c.labels[0]} to {c.labels[-1]}"
                if n > 4 and c.kind != "dropdown"
                else _either(c.labels)
            )
            parts.append(f"{c.label} ({values})")
            if c.interval:
                play.append(c.label)
        text = f"The {'control sets' if len(parts) == 1 else 'controls set'} {_both(parts)}"
        return text + (f"; Play steps through {_both(play)}." if play else ".")

    def _dynamic(self):
        return sorted(self.drawing.artists, key=lambda a: a.get_zorder())

    def _background(self):
        """Draw everything but the dynamic artists once, and keep it (Agg blitting)."""
        canvas = self.fig.canvas
        for a in self.drawing.artists:
            a.set_animated(True)
        if self._bg is None:
            self._layout()
        canvas.draw()
        if self._spills():  # a legend outgrew the room kept for it
            self._layout()
            canvas.draw()
        self._bg = canvas.copy_from_bbox(self.fig.bbox)  # a new object for each background
        self._bg_rgba = np.array(canvas.buffer_rgba())

    def _layout(self):
        """Lay out (constrained) with room for every legend label to say its run diverged,
        then freeze the layout: frames stay aligned, and a redraw skips the layout."""
        texts = [t for ax in self.fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        labels = [t.get_text() for t in texts]
        for t, label in zip(texts, labels, strict=True):
            t.set_text(viz.longest_label(label))
        self.fig.set_layout_engine("constrained")
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")
        for t, label in zip(texts, labels, strict=True):
            t.set_text(label)

    def _spills(self):
        """True if a legend reaches past the right edge of the figure."""
        renderer = self.fig.canvas.get_renderer()
        legends = [ax.get_legend() for ax in self.fig.axes if ax.get_legend()]
        return any(lg.get_window_extent(renderer).x1 > self.fig.bbox.x1 for lg in legends)

    def rgba(self):
        """The current state as an RGBA array: background plus dynamic artists."""
        canvas = self.fig.canvas
        canvas.restore_region(self._bg)
        for a in self._dynamic():
            self.fig.draw_artist(a)
        return np.asarray(canvas.buffer_rgba())

    def _overlay(self):
        """The dynamic artists alone on a transparent canvas."""
        self.fig.canvas.get_renderer().clear()
        for a in self._dynamic():
            self.fig.draw_artist(a)
        return np.array(self.fig.canvas.buffer_rgba())

    def png(self):
        """PNG bytes of the current state (for the live view)."""
        return viz.png(self.rgba())

    def check(self):
        """Raise unless every state (all combinations of slider values, the extremes among
        them) was computed and drawn without a warning; return the number of states.

        The states are those of the static page, so once it is built this costs nothing.
        """
        self.html()
        if self.warnings:
            raise AssertionError(f"{len(self.warnings)} warnings, the first: {self.warnings[0]}")
        return self.stats["frames"]

    # --- static HTML ---------------------------------------------------------------------

    def html(self):
        """The static player: every state precomputed, no kernel, no network (cached)."""
        if self._html is not None:
            return self._html
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self._html = self._precompute()
        self.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
        if self.warnings:  # one summary, not a flood
            warnings.warn(
                f"{len(caught)} warnings while precomputing, the first: {self.warnings[0]}",
                stacklevel=2,
            )
        self.timings["static_s"] = time.perf_counter() - t0
        if len(self._html) > BUDGET:
            warnings.warn(
                f"static experiment is {len(self._html) / 1e6:.2f} MB (budget "
                f"{BUDGET / 1e6:.1f} MB): use fewer slider values",
                stacklevel=2,
            )
        return self._html

    def _precompute(self):
        """Compute and draw every state; the player's HTML."""
        strides = self._strides()
        # dropdowns vary slowest: each of their values redraws the background once
        names = sorted(self.controls, key=lambda n: self.controls[n].kind != "dropdown")
        backgrounds, overlays, frames = {}, {}, [None] * int(np.prod(self.shape))
        bg = None
        grid = list(itertools.product(*(range(len(self.controls[n].values)) for n in names)))
        datas = [None] * len(grid)
        if self.batch is not None:  # every state of the website in one call
            datas = self.batch([self.values(**dict(zip(names, idx, strict=True))) for idx in grid])
        for idx, data in zip(grid, datas, strict=True):
            old = self._bg
            indices = dict(zip(names, idx, strict=True))
            self._state = tuple(indices.get(n, c.index) for n, c in self.controls.items())
            self._draw(self.values(**indices), data)
            if bg is None or self._bg is not old:
                bg = viz.png(self._bg_rgba, colors=64)
            ov, box = _crop(self._overlay())
            ov = (viz.png(ov, colors=32), *box)
            k = sum(i * strides[n] for n, i in zip(names, idx, strict=True))
            frames[k] = [
                backgrounds.setdefault(bg, len(backgrounds)),
                overlays.setdefault(ov, len(overlays)),
            ]
        self.show()
        page = viz.figure_html(
            self._player(list(backgrounds), list(overlays), frames),
            self.caption_text(),
            self.fig.canvas.get_width_height()[0],
        )
        self.stats = {
            "frames": len(frames),
            "backgrounds": len(backgrounds),
            "overlays": len(overlays),
            "bytes": len(page),
        }
        return page

    def _strides(self):
        """Frame index = sum of value index times stride (the last control varies fastest)."""
        strides = np.cumprod((1,) + self.shape[::-1])[:-1][::-1]
        return {name: int(s) for name, s in zip(self.controls, strides, strict=True)}

    def _player(self, backgrounds, overlays, frames):
        def b64(png):
            return base64.b64encode(png).decode()

        w, h = self.fig.canvas.get_width_height()
        data = {
            "size": [w, h],
            "frames": frames,
            "backgrounds": [b64(png) for png in backgrounds],
            "overlays": [[b64(png), *box] for png, *box in overlays],
        }
        strides = self._strides()
        k = sum(c.index * strides[n] for n, c in self.controls.items())
        controls = []
        for name, c in self.controls.items():
            attrs = f'class="optlib-input" name="{html.escape(name)}" data-stride="{strides[name]}"'
            if c.kind == "dropdown":
                opts = "".join(
                    f'<option value="{i}"{" selected" if i == c.index else ""}>'
                    f"{html.escape(lab)}</option>"
                    for i, lab in enumerate(c.labels)
                )
                field = f"<select {attrs}>{opts}</select>"
            else:
                labels = html.escape(json.dumps(c.labels))
                field = (
                    f'<input type="range" {attrs} min="0" max="{len(c.values) - 1}" '
                    f'step="1" value="{c.index}" data-labels="{labels}" '
                    f'aria-label="{html.escape(c.label)}">'
                    f'<output class="optlib-value">{html.escape(c.labels[c.index])}</output>'
                )
            if c.interval:
                field = (
                    f'<button type="button" class="optlib-play" aria-pressed="false" '
                    f'data-target="{html.escape(name)}" data-interval="{c.interval}">'
                    f"Play</button>{field}"
                )
            controls.append(
                f'<label class="optlib-control" data-name="{html.escape(name)}">'
                f"<span>{html.escape(c.label)}</span>{field}</label>"
            )
        bg, (ov, x, y, ow, _) = data["backgrounds"][frames[k][0]], data["overlays"][frames[k][1]]
        place = f"left:{100 * x / w:.4f}%;top:{100 * y / h:.4f}%;width:{100 * ow / w:.4f}%"
        moving = "Drawn for " + ", ".join(  # player.js rewrites it as the controls move
            f"{c.label} = {c.labels[c.index]}" for c in self.controls.values()
        )
        static = resources.files("optlib") / "static"
        return (
            f'<div class="optlib-player" data-frame="{k}" data-nframes="{len(frames)}">'
            f"<style>{(static / 'player.css').read_text()}</style>"
            f'<div class="optlib-stage">'
            f'<img class="optlib-bg" width="{w}" height="{h}" '
            f'alt="{html.escape(self.alt_text())}" src="data:image/png;base64,{bg}">'
            f'<img class="optlib-frame" alt="{html.escape(moving)}" style="{place}" '
            f'src="data:image/png;base64,{ov}"></div>'
            f'<div class="optlib-controls">{"".join(controls)}</div>'
            f'<script type="application/json" class="optlib-data">{json.dumps(data)}</script>'
            f"<script>{(static / 'player.js').read_text()}</script></div>"
        )

    # --- live widget ---------------------------------------------------------------------

    @property
    def widget(self):
        """The live ipywidgets view (built on first use; works without a frontend)."""
        if self._widget is None:
            import ipywidgets as W

            caption = W.HTML(f"<p>{html.escape(self.caption_text())}</p>")  # at the default
            w, h = self.fig.canvas.get_width_height()
            self._image = W.Image(value=self.png(), format="png", width=w, height=h)
            self._error = W.HTML()
            self._inputs, rows = {}, []
            for name, c in self.controls.items():
                box = _live_control(W, c)
                box.observe(functools.partial(self._changed, name), names="value")
                self._inputs[name] = box
                if c.interval:
                    play = W.Play(min=0, max=len(c.values) - 1, value=c.index, interval=c.interval)
                    W.jslink((play, "value"), (box, "index"))
                    box = W.HBox([play, box])
                rows.append(box)
            controls = W.Box(rows, layout=W.Layout(flex_flow="row wrap"))
            caption.layout.max_width = f"{w}px"
            self._widget = W.VBox([controls, self._image, caption, self._error])
        return self._widget

    def _changed(self, name, change):
        t0 = time.perf_counter()
        try:
            box, c = self._inputs[name], self.controls[name]
            value = box.value if c.live is not None else c.values[box.index]
            self.move(name, value)
            self._image.value = self.png()
            self._error.value = ""
        except Exception as err:  # shown under the figure, not lost in a log
            self._error.value = f"<pre>{html.escape(f'{type(err).__name__}: {err}')}</pre>"
        self.timings["redraw_s"] = time.perf_counter() - t0

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/html"] = self.html()
        return bundle


def _live_control(W, c):
    """The ipywidgets control of ``c``: a float slider (linear or log) over its whole range
    if it is continuous, else a selection of its values."""
    kw = dict(description=c.label, style={"description_width": "initial"})
    if c.live is not None:
        low, high, scale = c.live
        if scale == "log":
            lo, hi = np.log10(low), np.log10(high)
            return W.FloatLogSlider(value=c.default, base=10, min=lo, max=hi,
                                    step=(hi - lo) / 200, readout_format=".3g",
                                    continuous_update=True, **kw)  # fmt: skip
        return W.FloatSlider(value=c.default, min=low, max=high, step=(high - low) / 200,
                             readout_format=".3g", continuous_update=True, **kw)  # fmt: skip
    options = [(lab, i) for i, lab in enumerate(c.labels)]
    if c.kind == "dropdown":
        return W.Dropdown(options=options, value=c.index, **kw)
    return W.SelectionSlider(options=options, value=c.index, continuous_update=True, **kw)


def _both(items):
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def _either(items):
    """``a``, ``a or b``, ``a, b or c`` (``a; b or c`` if an item holds a comma)."""
    sep = "; " if any("," in i for i in items) else ", "
    return " or ".join(items) if len(items) < 3 else sep.join(items[:-1]) + " or " + items[-1]


def _crop(rgba):
    """The part of an RGBA image that is not fully transparent, and its box (x, y, w, h)."""
    ys, xs = np.nonzero(rgba[..., 3])
    if not len(xs):
        return rgba[:1, :1], (0, 0, 1, 1)
    x, y = xs.min(), ys.min()
    w, h = xs.max() + 1 - x, ys.max() + 1 - y
    return rgba[y : y + h, x : x + w], (int(x), int(y), int(w), int(h))


def experiment(compute, draw, sliders, **kwargs):
    """Build an :class:`Experiment` from ``compute``, a figure function and ``sliders``.

    ``sliders`` maps each argument of ``compute`` to a :class:`Control`, a list of numbers
    (a slider), a list of strings or a dict (a dropdown).
    """
    return Experiment(compute, draw, sliders, **kwargs)


def animate(problem, runs, *, frames=40, interval=120, **kwargs):
    """An animation of ``runs`` (label -> Trajectory or iterates) on ``problem``'s contours:
    an experiment whose one control is the step, with play/pause, at most ``frames`` states."""
    paths = {label: viz.params(run)[0] for label, run in runs.items()}
    last = max(len(xs) for xs in paths.values()) - 1
    ts = np.unique(np.linspace(0, last, min(frames, last + 1)).round().astype(int))

    def compute(step):
        return {"problem": problem, "runs": {k: xs[: step + 1] for k, xs in paths.items()}}

    return Experiment(compute, viz.trajectories, {"step": steps(ts, interval=interval)}, **kwargs)
