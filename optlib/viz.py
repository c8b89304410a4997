"""The book's figures: one style, one colour per optimizer, and figures built for fast updates.

Every figure function draws into ``ax=`` (or a new axes of ``fig=``, or a new pyplot figure)
and returns a :class:`Drawing`: the figure, its axes, the *dynamic* artists (the ones that
change when the data change) and ``update(**data)``, which moves those artists with
``set_data``/``set_array`` instead of drawing again. ``update`` takes the same keyword
arguments as the figure function and returns True when the static part of the figure (the
contours, the axis limits) had to change too; :mod:`optlib.interact` uses that to redraw only
what moved. Options that shape the static figure (``levels``, ``ylim``, ...) are fixed when it
is built.

- :func:`trajectories`: contours of a 2-D problem with the paths of several optimizers.
- :func:`losses`: loss gap (or distance to the minimiser) against step, on a log scale.
- :func:`rate_map`: the heat map of a hyperparameter grid run as ONE batch by :func:`sweep`.
- :func:`inspector`: the named parts of each step of a stateful optimizer, from :func:`record`.

``sweep``, ``Sweep`` and ``record`` compute (they live in :mod:`optlib.runner`, next to
``run``) and are re-exported here for the figures that draw them.

Runs are given as a dict ``label -> Trajectory`` (or an array of iterates / losses). The
label's first word picks the optimizer's colour (:func:`color_of`), so Adam has one colour
throughout the book.

Every figure has a text alternative. As the last expression of a cell a Drawing shows as
``<figure><img alt=...><figcaption>...</figcaption></figure>`` (text/html, the website's
rendering) and as a PNG (image/png). Every figure function takes ``caption=`` (a visible
caption: what the figure shows) and ``alt=`` (the image's text alternative); without
``alt`` one is read off the figure by :func:`summary` (kind of plot, title, axes, legend),
so no figure is ever without text. A figure assembled by hand displays the same way:
``viz.Drawing(fig, caption="...")``, and ``drawing.describe(caption=...)`` sets either
afterwards. Captions are plain text; ``$...$`` in them becomes Unicode (``$\\eta$``: η).
"""

from __future__ import annotations

import base64
import functools
import html
import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from matplotlib.colors import LogNorm, Normalize
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from optlib.runner import Sweep, record, sweep  # computations, re-exported: figures draw them

__all__ = [
    "OKABE_ITO",
    "COLORS",
    "RC",
    "Drawing",
    "summary",
    "plain",
    "figure",
    "png",
    "color_of",
    "styles",
    "style",
    "use_style",
    "trajectories",
    "losses",
    "Sweep",
    "sweep",
    "rate_map",
    "record",
    "inspector",
]

# Okabe & Ito (2008), a palette that stays distinct under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
_C = OKABE_ITO
# One (colour, line style) per optimizer, for the whole book. Families share a colour.
COLORS = {
    "sgd": (_C["black"], "-"),
    "gd": (_C["black"], "-"),
    "momentum": (_C["blue"], "-"),
    "nesterov": (_C["sky blue"], "-"),
    "adagrad": (_C["bluish green"], "-"),
    "adadelta": (_C["bluish green"], "--"),
    "rmsprop": (_C["reddish purple"], "-"),
    "rprop": (_C["reddish purple"], "--"),
    "adam": (_C["vermillion"], "-"),
    "adamw": (_C["vermillion"], "--"),
    "amsgrad": (_C["vermillion"], ":"),
    "nadam": (_C["orange"], "-"),
    "adamax": (_C["orange"], "--"),
    "newton": (_C["black"], "--"),
    "bfgs": (_C["blue"], "--"),
    "lbfgs": (_C["sky blue"], "--"),
}
_GREYS = mpl.colors.LinearSegmentedColormap.from_list("optlib_greys", ["0.82", "0.4"])
_SPARE = [_C[k] for k in ("blue", "vermillion", "bluish green", "orange", "reddish purple")]
_DASHES = ["-", "--", ":", "-."]

RC = {
    "figure.figsize": (6.0, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titley": 1.0,  # a fixed title position: placing it automatically is slow
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.framealpha": 0.85,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=[_C[k] for k in _C if k != "yellow"]),
    "image.cmap": "viridis",
    "lines.linewidth": 1.5,
    "lines.markersize": 5,
}


def style():
    """A context manager that applies the book's matplotlib style (``RC``) inside it."""
    return mpl.rc_context(RC)


def use_style():
    """Apply the book's style to every later figure of this session."""
    mpl.rcParams.update(RC)


def color_of(label):
    """``(colour, line style)`` of an optimizer named by the first word of ``label``, or None.

    >>> color_of("Adam (lr=0.1)") == COLORS["adam"]
    True
    """
    word = re.sub(r"[^a-z0-9]", "", label.split()[0].lower()) if label.strip() else ""
    return COLORS.get(word)


def styles(labels):
    """A ``dict(color=, linestyle=)`` per label: the optimizer's own colour where known.

    Labels that share a colour (Adam with two learning rates) get different dashes; unknown
    labels take spare colours in order.
    """
    out, used, spare = {}, {}, iter(_SPARE * 4)
    for label in labels:
        known = color_of(label)
        color, ls = known if known else (next(spare), "-")
        if color in used:  # same colour twice in one figure: tell them apart by dashes
            ls = _DASHES[used[color] % len(_DASHES)]
        used[color] = used.get(color, 0) + 1
        out[label] = {"color": color, "linestyle": ls}
    return out


def png(rgba, colors=64):
    """PNG bytes of an RGBA image, quantised to ``colors`` colours (None: lossless RGB)."""
    im = Image.fromarray(np.asarray(rgba))
    buf = io.BytesIO()
    if colors is None:
        im.convert("RGB").save(buf, format="png", compress_level=1)
    else:
        im = im.quantize(colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        mode = im.palette.mode  # "RGBA" for an overlay with transparency
        palette = np.array(im.getpalette(rawmode=mode)).reshape(-1, len(mode))
        palette[(palette[:, :3] >= 248).all(axis=1), :3] = 255  # keep white exactly white
        im.putpalette(palette.astype(np.uint8).ravel().tolist(), rawmode=mode)
        im.save(buf, format="png", compress_level=6)
    return buf.getvalue()


def figure(figsize=None):
    """A new figure in the book's style, drawn by Agg and kept out of pyplot's state."""
    with style():
        fig = Figure(figsize=figsize or RC["figure.figsize"], layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _figure_html(body, caption, width):
    """``<figure>`` around ``body`` (HTML), with ``caption`` (plain text) below it, if any,
    as wide as the picture (``width`` pixels). Left-aligned, like the book's code cells."""
    cap = (
        f'<figcaption style="text-align:left;margin:0.3em 0 0;max-width:{width}px">'
        f"{html.escape(caption)}</figcaption>"
        if caption
        else ""
    )
    style = "margin:0.5em 0 1em;text-align:left"
    return f'<figure class="optlib-figure" style="{style}">{body}{cap}</figure>'


def _unchanged(**_):
    return False


@dataclass
class Drawing:
    """A figure and what it takes to update it quickly, and to describe it.

    ``artists`` are the dynamic artists: everything else is static background.
    ``update(**data)`` sets new data on them and returns True if the background changed.
    ``caption`` is the visible caption, ``alt`` the image's text alternative (None: read off
    the figure by :func:`summary`). A figure assembled by hand needs only the figure:
    ``Drawing(fig, caption="...")`` (no dynamic artists; all its axes). As the last
    expression of a notebook cell it shows as a captioned figure (text/html) and a PNG.
    """

    fig: Any
    axes: Any = None
    artists: list = field(default_factory=list)
    update: Callable[..., bool] = _unchanged
    alt: str | None = field(default=None, kw_only=True)
    caption: str | None = field(default=None, kw_only=True)

    def __post_init__(self):
        if self.axes is None:
            self.axes = self.fig.axes

    def describe(self, caption=None, *, alt=None):
        """Set the visible ``caption`` and/or the text alternative ``alt``; returns self."""
        if caption is not None:
            self.caption = caption
        if alt is not None:
            self.alt = alt
        return self

    def alt_text(self):
        """The text alternative: ``alt`` if given, else :func:`summary` of the figure now."""
        return plain(self.alt) if self.alt and self.alt.strip() else summary(self.fig)

    def png(self, colors=64):
        """The figure as PNG bytes (quantised to ``colors`` colours, as on the website)."""
        self.fig.canvas.draw()
        return png(self.fig.canvas.buffer_rgba(), colors)

    def html(self, colors=64):
        """``<figure>`` with the PNG inline, its alt text and (if given) the caption."""
        return self._html(base64.b64encode(self.png(colors)).decode())

    def _html(self, b64):
        w, h = self.fig.canvas.get_width_height()
        caption = plain(self.caption) if self.caption and self.caption.strip() else None
        img = (
            f'<img src="data:image/png;base64,{b64}" width="{w}" height="{h}" '
            f'alt="{html.escape(self.alt_text())}" style="max-width:100%;height:auto">'
        )
        return _figure_html(img, caption, w)

    def _repr_png_(self):
        return self.png()

    def _repr_mimebundle_(self, include=None, exclude=None):
        b64 = base64.b64encode(self.png()).decode()  # drawn once for both renderings
        return {"image/png": b64, "text/html": self._html(b64)}

    def __repr__(self):
        return f"<Drawing with {len(self.artists)} dynamic artists>"


# --- text alternatives -------------------------------------------------------------------------

_SYMBOLS = {
    **dict(
        zip(
            r"alpha beta gamma delta epsilon varepsilon zeta eta theta kappa lambda mu nu xi pi "
            r"rho sigma tau phi varphi chi psi omega Gamma Delta Theta Lambda Sigma Phi Psi "
            r"Omega".split(),
            "αβγδεεζηθκλμνξπρστφφχψωΓΔΘΛΣΦΨΩ",
            strict=True,
        )
    ),
    "star": "*",
    "ast": "*",
    "infty": "∞",
    "nabla": "∇",
    "partial": "∂",
    "cdot": "·",
    "times": "×",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "to": "→",
    "top": "ᵀ",
    "|": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "prime": "′",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "left": "",
    "right": "",
    "quad": " ",
}
_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUP = dict(zip("0123456789+-=()iknTt", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱᵏⁿᵀᵗ", strict=True))


def _script(text, table, mark):
    """``text`` in sub- or superscript letters if each has one, else ``mark + text``."""
    if text in ("*", "′"):
        return text
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return mark + (text if len(text) == 1 else f"({text})")


def _group(text):
    """``text``, in parentheses unless it is one symbol or number."""
    return text if re.fullmatch(r"\\?\w+", text.strip()) else f"({text})"


def _tex(math):
    """Plain Unicode text for a piece of mathtext (the contents of ``$...$``)."""
    s = re.sub(r"\\(?:mathrm|mathbf|mathit|text|operatorname)\{([^{}]*)\}", r"\1", math)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: f"{_group(m[1])}/{_group(m[2])}", s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", s)
    s = re.sub(r"\\(?:hat|widehat)\{?\s*([A-Za-z])\}?", "\\1\u0302", s)
    s = re.sub(r"\\(?:bar|overline)\{?\s*([A-Za-z])\}?", "\\1\u0304", s)
    s = re.sub(r"\\(?:tilde|widetilde)\{?\s*([A-Za-z])\}?", "\\1\u0303", s)
    s = re.sub(r"\\([A-Za-z]+|\|)", lambda m: _SYMBOLS.get(m[1], m[1]), s)
    s = re.sub(r"\\[,;:! ]", " ", s)
    for mark, table in (("_", _SUB), ("^", _SUP)):
        s = re.sub(
            re.escape(mark) + r"(?:\{([^{}]*)\}|(\S))",
            lambda m, t=table, k=mark: _script(m[1] if m[1] is not None else m[2], t, k),
            s,
        )
    s = s.replace("{", "").replace("}", "").replace(" - ", " − ")
    return re.sub(r"\s+", " ", s).strip()


def plain(text):
    """``text`` with each ``$...$`` (matplotlib's mathtext) turned into plain Unicode.

    >>> plain(r"$f(x_t) - f^\\star$ against step $t$")
    'f(xₜ) − f* against step t'
    """
    return re.sub(r"\$([^$]*)\$", lambda m: _tex(m[1]), text or "").strip()


def _join(items):
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def _entries(texts):
    """Legend entries as text, separated by semicolons if one holds a comma."""
    entries = [e for e in (plain(t.get_text()) for t in texts) if e]
    return ("; " if any("," in e for e in entries) else ", ").join(entries)


def _axis(ax, which):
    """An axis label as text, borrowed from an axes sharing it if this one has none."""
    shared = getattr(ax, f"get_shared_{which}_axes")().get_siblings(ax)
    labels = [getattr(a, f"get_{which}label")() for a in [ax, *shared]]
    label = plain(next((lab for lab in labels if lab), ""))
    log = getattr(ax, f"get_{which}scale")() == "log"
    return f"{label} (log scale)" if label and log else label


def _panel(ax, colorbars):
    """One phrase for one axes: kind, title, axes, legend."""
    contour = any(isinstance(c, ContourSet) for c in ax.collections)
    mesh = [c for c in ax.collections if isinstance(c, QuadMesh)] + list(ax.images)
    drawn = [ln for ln in ax.lines if len(ln.get_xdata())]
    kind = "contour plot" if contour else "heat map" if mesh else "line plot" if drawn else "plot"
    title = plain(ax.get_title() or ax.get_title("left") or ax.get_title("right"))
    x, y = _axis(ax, "x"), _axis(ax, "y")
    colour = _join(
        [
            plain(colorbars[m].ax.get_ylabel() or colorbars[m].ax.get_xlabel())
            for m in mesh
            if m in colorbars
        ]
    )
    if mesh and colour:
        what = f"{colour} over {x or 'x'} and {y or 'y'}"
    elif x and y:
        what = f"{y} against {x}"
    else:
        what = f"{'x' if x else 'y'} axis {x or y}" if x or y else ""
    text = f"{kind} of {title}" + (f", {what}" if what else "") if title else f"{kind} of {what}"
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        text += f"; legend: {_entries(legend.get_texts())}"
    return text.removesuffix(" of ")


def summary(fig):
    """A text alternative for a matplotlib figure, read off the figure itself: for each panel
    the kind of plot (contour plot, heat map, line plot), its title, what is plotted against
    what (and log scales), a colour bar's meaning and the legend entries.

    It is what a Drawing shows as alt text when its author gave none, e.g. "Contour plot of
    rosenbrock, x₂ against x₁; legend: SGD, Adam, minimiser, start".
    """
    colorbars = {}
    for ax in fig.axes:
        for m in [*ax.collections, *ax.images]:
            if getattr(m, "colorbar", None) is not None:
                colorbars[m] = m.colorbar
    bars = {cb.ax for cb in colorbars.values()}
    axes = [ax for ax in fig.axes if ax.get_visible() and ax not in bars]
    panels = [_panel(ax, colorbars) for ax in axes]
    if not panels:
        text = "An empty figure"
    elif len(panels) == 1:
        text = panels[0]
    else:
        text = f"Figure of {len(panels)} panels. " + " ".join(
            f"Panel {i}: {p}." for i, p in enumerate(panels, 1)
        )
    texts = [t for lg in fig.legends for t in lg.get_texts()]
    if texts:
        text = text.rstrip(".") + f". Legend: {_entries(texts)}"
    text = text.rstrip(".") + "."
    return text[0].upper() + text[1:]


def _styled(draw):
    """Run a figure function inside the book's style, on a new figure unless given one; it
    also takes ``caption=`` and ``alt=`` for the Drawing it returns."""

    @functools.wraps(draw)
    def styled(*args, ax=None, fig=None, caption=None, alt=None, **kwargs):
        if ax is None and fig is None:
            fig = figure()
        with style():
            drawing = draw(*args, ax=ax, fig=fig, **kwargs)
        return drawing.describe(caption, alt=alt)

    sig = inspect.signature(draw)
    extra = [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None)
        for n in ("caption", "alt")
    ]
    styled.__signature__ = sig.replace(parameters=[*sig.parameters.values(), *extra])
    return styled


def _axes(ax, fig):
    """The axes to draw on: ``ax``, else a new one in ``fig``."""
    return (ax.figure, ax) if ax is not None else (fig, fig.subplots())


# --- runs: Trajectory or arrays ------------------------------------------------------------


def _first_bad(a):
    """Index of the first row of ``a`` holding a non-finite value, or -1."""
    bad = ~np.isfinite(np.asarray(a, dtype=float).reshape(len(a), -1)).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else -1


def _params(run):
    """Iterates ``(T, d)`` and the step at which the run diverged (-1 if it did not)."""
    xs = np.asarray(getattr(run, "params", run), dtype=float)
    if xs.ndim != 2:
        raise ValueError(f"expected one trajectory of shape (steps + 1, d), got {xs.shape}")
    return xs, _diverged_at(run, xs)


def _diverged_at(run, a):
    if hasattr(run, "diverged_at"):
        return int(np.asarray(run.diverged_at)) if bool(np.asarray(run.diverged)) else -1
    return _first_bad(a)


def _label(label, k):
    return label if k < 0 else f"{label} (diverged at step {k})"


def longest_label(label):
    """``label`` as long as a run's legend entry can get (to reserve room in a layout)."""
    return _label(label.split(" (diverged at step")[0], 10000)


def _key(problem):
    """What identifies a problem's landscape, for redrawing contours only when it changes."""
    probe = np.array([[0.1, 0.2], [-0.3, 0.7], [1.1, -0.4]])
    with np.errstate(all="ignore"):
        return problem.name, problem.window, np.asarray(problem.value(probe)).tobytes()


# --- contours and trajectories -------------------------------------------------------------


def _contour(ax, problem, levels, n=120):
    """Contour lines of ``problem`` over its window: ``levels`` values of f, or a count of
    levels spaced evenly, or logarithmically in f - f* when ``problem.log_scale``."""
    (xlo, xhi), (ylo, yhi) = problem.window
    X, Y = np.meshgrid(np.linspace(xlo, xhi, n), np.linspace(ylo, yhi, n))
    with np.errstate(all="ignore"):
        Z = np.asarray(problem.value(np.stack([X, Y], axis=-1)), dtype=float)
    if levels is None or np.isscalar(levels):
        count, finite = 20 if levels is None else int(levels), Z[np.isfinite(Z)]
        if problem.log_scale:
            base = problem.minimum if np.isfinite(problem.minimum) else finite.min()
            top = max(finite.max() - base, 1e-12)
            low = max(np.percentile(finite - base, 0.5), top * 1e-8, 1e-12)
            levels = base + np.geomspace(low, top, count)
        else:
            levels = np.linspace(finite.min(), np.percentile(finite, 95), count + 1)[1:]
    colors = _GREYS(np.linspace(0, 1, len(levels)))  # darker for higher levels
    cs = ax.contour(X, Y, Z, levels=levels, colors=colors, linewidths=0.7)
    ax.set(xlim=(xlo, xhi), ylim=(ylo, yhi), xlabel="$x_1$", ylabel="$x_2$", title=problem.name)
    return cs


def _legend(ax, handles, loc):
    """A legend, outside the axes on the right unless ``loc`` says otherwise."""
    if loc == "outside":
        return ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0
        )
    return ax.legend(handles=handles, loc=loc)


def _relabel(legend, labels):
    """Set the legend's first texts to ``labels``; True if any changed (a static redraw)."""
    texts = legend.get_texts()
    changed = [t.get_text() for t in texts[: len(labels)]] != labels
    for t, label in zip(texts, labels, strict=False):
        t.set_text(label)
    return changed


@_styled
def trajectories(problem, runs, *, levels=None, legend_loc="outside", ax=None, fig=None):
    """Contours of a 2-D ``problem`` with the path of every run in ``runs`` (label -> run).

    Marks the start (hollow circle), the end (filled circle) and the minimisers (stars). A
    diverged run ends in an ``x`` at its last finite point, clamped to the window, and its
    label says at which step it diverged. ``levels``: a count or explicit levels; log-spaced
    when ``problem.log_scale``.
    """
    fig, ax = _axes(ax, fig)
    state = {"cs": _contour(ax, problem, levels), "key": _key(problem)}
    stars = ax.plot(
        *np.asarray(problem.minimizers).reshape(-1, 2).T,
        "*",
        ms=11,
        color="white",
        mec="black",
        mew=0.8,
        ls="none",
        label="minimiser",
        zorder=4,
    )[0]
    paths, starts, ends = {}, {}, {}
    for label, st in styles(runs).items():
        paths[label] = ax.plot([], [], lw=1.6, zorder=3, **st)[0]
        starts[label] = ax.plot([], [], "o", mfc="white", mec=st["color"], zorder=5)[0]
        ends[label] = ax.plot([], [], "o", color=st["color"], zorder=5, ls="none", clip_on=False)[0]
        ends[label].set_in_layout(False)  # unclipped: keep it out of the layout
    handles = [
        *paths.values(),
        stars,
        Line2D([], [], marker="o", mfc="white", mec="0.3", ls="none", label="start"),
    ]
    legend = _legend(ax, handles, legend_loc)

    def update(problem=problem, runs=runs, **_):
        changed = _key(problem) != state["key"]
        if changed:  # a new landscape: the only case that redraws contours
            state["cs"].remove()
            state["cs"], state["key"] = _contour(ax, problem, levels), _key(problem)
            stars.set_data(*np.asarray(problem.minimizers).reshape(-1, 2).T)
        (xlo, xhi), (ylo, yhi) = problem.window
        lo, hi = np.array([xlo, ylo]), np.array([xhi, yhi])
        labels = []
        for label, run in runs.items():
            xs, k = _params(run)
            xs = xs[np.isfinite(xs).all(axis=1)]
            span = hi - lo  # clip far-away points so huge iterates draw without overflow
            xs = np.clip(xs, lo - 10 * span, hi + 10 * span)
            paths[label].set_data(xs[:, 0], xs[:, 1])
            starts[label].set_data(xs[:1, 0], xs[:1, 1])
            end = np.clip(xs[-1:], lo, hi)
            ends[label].set_data(end[:, 0], end[:, 1])
            ends[label].set_marker("x" if k >= 0 else "o")
            ends[label].set_markersize(9 if k >= 0 else 5)
            ends[label].set_markeredgewidth(2.2 if k >= 0 else 1.0)
            labels.append(_label(label, k))
        return _relabel(legend, labels) or changed

    update(problem, runs)
    artists = [*paths.values(), *starts.values(), *ends.values()]
    return Drawing(fig, ax, artists, update)


# --- loss against step -----------------------------------------------------------------------


def _curve(run, problem, distance):
    """Per-step values to plot (loss gap, or distance to the nearest minimiser)."""
    if distance:
        xs = np.asarray(getattr(run, "params", run), dtype=float)
        mins = np.asarray(problem.minimizers, dtype=float).reshape(-1, xs.shape[-1])
        with np.errstate(all="ignore"):
            y = np.linalg.norm(xs[:, None, :] - mins[None], axis=-1).min(axis=1)
        return y, _diverged_at(run, y)
    y = np.asarray(getattr(run, "losses", run), dtype=float)
    if problem is not None and np.isfinite(problem.minimum):
        y = y - problem.minimum
    return y, _diverged_at(run, y)


@_styled
def losses(
    runs, *, problem=None, distance=False, ylim=None, legend_loc="outside", ax=None, fig=None
):
    """Loss against step on a log scale, one line per run (label -> Trajectory or 1-D losses).

    With ``problem`` the gap $f(x_t) - f^\\star$ is plotted; with ``distance=True`` the distance
    to the nearest minimiser. A diverged run ends in an ``x`` (at the top edge if it left the
    plot). The limits are fixed from the first data (or ``ylim``) so updates stay cheap.
    """
    fig, ax = _axes(ax, fig)
    ylabel = (
        r"$\min_i \|x_t - x^\star_i\|$"
        if distance
        else (
            r"$f(x_t) - f^\star$"
            if problem is not None and np.isfinite(problem.minimum)
            else r"$f(x_t)$"
        )
    )
    ax.set(yscale="log", xlabel="step $t$", ylabel=ylabel)
    lines, ends = {}, {}
    for label, st in styles(runs).items():
        lines[label] = ax.plot([], [], **st)[0]
        ends[label] = ax.plot(
            [], [], "x", ms=9, mew=2.2, color=st["color"], ls="none", clip_on=False
        )[0]
        # unclipped and often empty: an empty marker line counts as a box at the figure's
        # corner, which would squeeze a panel drawn elsewhere to nothing
        ends[label].set_in_layout(False)
    legend = _legend(ax, list(lines.values()), legend_loc)
    curves = {label: _curve(run, problem, distance)[0] for label, run in runs.items()}
    if ylim is None:
        first = [c[0] for c in curves.values() if np.isfinite(c[0]) and c[0] > 0]
        top = 10 * max(first, default=1.0)
        pos = [c[(c > 0) & np.isfinite(c)].min() for c in curves.values() if (c > 0).any()]
        ylim = (max(min(pos, default=top * 1e-12) / 2, top * 1e-14), top)
    steps = max(len(c) for c in curves.values()) - 1
    ax.set(ylim=ylim, xlim=(0, max(steps, 1)))

    def update(runs=runs, problem=problem, **_):
        lo, hi = ax.get_ylim()
        labels = []
        for label, run in runs.items():
            y, k = _curve(run, problem, distance)
            t = np.flatnonzero(np.isfinite(y))
            y = np.clip(y[t], lo / 10, hi * 10)  # keep off-scale values finite and drawable
            lines[label].set_data(t, y)
            last = (t[-1:], np.minimum(y[-1:], hi)) if k >= 0 and len(t) else ([], [])
            ends[label].set_data(*last)
            labels.append(_label(label, k))
        return _relabel(legend, labels)

    update(runs, problem)
    return Drawing(fig, ax, [*lines.values(), *ends.values()], update)


# --- stability / rate maps -------------------------------------------------------------------


def _edges(v):
    """Cell edges around grid values, and whether the grid is log-spaced (then the edges are
    geometric midpoints)."""
    v = np.asarray(v, dtype=float)
    if len(v) == 1:
        return (np.array([v[0] * 0.9, v[0] * 1.1]) if v[0] else np.array([-0.5, 0.5])), False
    log = (
        bool(np.all(v > 0)) and len(v) > 2 and np.allclose(np.diff(np.log(v)), np.log(v[1] / v[0]))
    )
    w = np.log(v) if log else v
    mid = (w[1:] + w[:-1]) / 2
    e = np.concatenate([[2 * w[0] - mid[0]], mid, [2 * w[-1] - mid[-1]]])
    return (np.exp(e) if log else e), log


@_styled
def rate_map(
    result, *, measure="rate", boundary=None, boundary_label="analytic boundary", ax=None, fig=None
):
    """Heat map of a :class:`Sweep`: the measured linear ``rate`` (or the final ``loss`` gap).

    Diverged cells are grey and named in the legend. ``boundary=(xs, ys)`` overlays an
    analytic curve (for instance the stability limit of the learning rate).
    """
    fig, ax = _axes(ax, fig)
    (xn, yn), (xv, yv) = result.names, result.values
    (ex, logx), (ey, logy) = _edges(xv), _edges(yv)
    cmap = mpl.colormaps["viridis"].with_extremes(bad="0.8")
    if measure == "rate":
        norm, clabel = Normalize(0.0, 1.0), r"measured rate $r$ per step"
    else:
        norm, clabel = LogNorm(1e-12, 1e2, clip=True), r"final $f(x_T) - f^\star$"

    def masked(r):
        z = r.rate if measure == "rate" else np.clip(np.abs(r.loss), 1e-300, None)
        return np.ma.masked_where(r.diverged | ~np.isfinite(z), z)

    mesh = ax.pcolormesh(ex, ey, masked(result), cmap=cmap, norm=norm, shading="flat")
    fig.colorbar(mesh, ax=ax, label=clabel)
    ax.set(xscale="log" if logx else "linear", yscale="log" if logy else "linear")
    ax.set(xlabel=xn, ylabel=yn, xlim=(ex[0], ex[-1]), ylim=(ey[0], ey[-1]))
    handles = [Patch(color="0.8", label="diverged")]
    if boundary is not None:
        halo = [patheffects.withStroke(linewidth=3.5, foreground="white")]
        handles += ax.plot(*boundary, "k--", lw=1.6, path_effects=halo, label=boundary_label)
    ax.legend(handles=handles, loc="upper right")

    def update(result=result, **_):
        mesh.set_array(masked(result))
        return False

    return Drawing(fig, ax, [mesh], update)


# --- step-state inspector --------------------------------------------------------------------

_TEX = {
    "g": "$g_t$",
    "m": "$m_t$",
    "v": "$v_t$",
    "m_hat": r"$\hat m_t$",
    "v_hat": r"$\hat v_t$",
    "step_size": r"step size $\eta / (\sqrt{\hat v_t} + \varepsilon)$",
    "update": r"update $x_t - x_{t-1}$",
    "buf": "momentum buffer $b_t$",
    "square_avg": "$v_t$ (square average)",
}


def _fit(ax, y):
    """Refit the y-axis to ``y`` if the data left it or fill less than a tenth of it.

    Log scale for data that stay positive. Returns True if the limits changed.
    """
    y = y[np.isfinite(y)]
    if not y.size:
        return False
    lo, hi = y.min(), y.max()
    log = lo > 0
    w = (lambda v: np.log10(v)) if log else (lambda v: v)
    (a, b), span = ax.get_ylim(), max(w(hi) - w(lo), 1e-12)
    same = ax.get_yscale() == ("log" if log else "linear")
    if same and a <= lo and hi <= b and span >= 0.1 * (w(b) - w(a)):
        return False
    pad = 0.08 * span if hi > lo else (0.5 if log else max(abs(hi) * 0.1, 1.0))
    lim = (w(lo) - pad, w(hi) + pad)
    ax.set_yscale("log" if log else "linear")
    ax.set_ylim(*(10 ** np.array(lim) if log else lim))
    return True


@_styled
def inspector(terms, *, names=None, max_coords=4, ax=None, fig=None):
    """One panel per named term of :func:`record` against step, one line per coordinate.

    Terms that stay positive (second moments, step sizes) get a log scale.
    """
    names = [n for n in (names or terms) if n in terms and np.isfinite(terms[n]).any()]
    if ax is not None:
        raise ValueError("inspector draws several panels: pass fig=, not ax=")
    cols = 2 if len(names) > 3 else 1
    rows = -(-len(names) // cols)
    height = 1.6 * rows + 0.7
    if not fig.axes:  # a figure of our own: as tall as the panels need
        fig.set_size_inches(RC["figure.figsize"][0], height)
    # a fixed layout: constrained layout would cost most of the drawing time of many panels
    fig.set_layout_engine("none")
    box = dict(left=0.12, right=0.97, top=1 - 0.3 / height, bottom=0.75 / height)
    grid = dict(hspace=0.6, wspace=0.4, **box)
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False, gridspec_kw=grid).ravel()
    for extra in axes[len(names) :]:
        extra.set_visible(False)
    coords = [_C["blue"], _C["vermillion"], _C["bluish green"], _C["orange"]]
    lines = {}
    for a, name in zip(axes, names, strict=False):
        a.set_title(_TEX.get(name, name), loc="left")
        a.set_ylabel(name)
        k = min(int(np.prod(terms[name].shape[1:])), max_coords)
        lines[name] = [
            a.plot([], [], color=coords[i], label=f"coordinate {i + 1}")[0] for i in range(k)
        ]
        a.set_xlim(0, len(terms[name]) + 1)
    for a in axes[max(len(names) - cols, 0) : len(names)]:
        a.set_xlabel("step $t$")
    if names:
        fig.legend(handles=lines[names[0]], loc="lower center", ncols=max_coords, frameon=False)

    def update(terms=terms, **_):
        changed = False
        for a, name in zip(axes, names, strict=False):
            y = terms[name].reshape(len(terms[name]), -1)
            t = np.arange(1, len(y) + 1)
            for i, line in enumerate(lines[name]):
                line.set_data(t, y[:, i])
            changed |= _fit(a, y[:, : len(lines[name])])
        return changed

    update(terms)
    return Drawing(fig, axes[: len(names)], [ln for ls in lines.values() for ln in ls], update)
