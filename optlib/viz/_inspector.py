"""The inspector: every named quantity of an optimizer's step against the step, one panel each."""

from __future__ import annotations

import numpy as np

from optlib.viz._common import _styled
from optlib.viz._drawing import Drawing
from optlib.viz._style import _C, RC

_TEX = {
    "g": "$g_t$",
    "m": "$m_t$",
    "v": "$v_t$",
    "m_hat": r"$\hat m_t$",
    "v_hat": r"$\hat v_t$",
    "step_size": "step size per unit gradient",
    "u": "$u_t$",
    "G": "$G_t$",
    "delta": r"$\Delta_t$",
    "acc_delta": "$u_t$ (average of $\\Delta^2$)",
    "update": r"update $x_t - x_{t-1}$",
    "buf": "momentum buffer $b_t$",
    "square_avg": "$v_t$ (square average)",
    "grad_avg": r"$\bar g_t$ (gradient average)",
    "m_bar": r"$\bar m_t$",
    "lr_t": r"$\eta_t$",
}


def _nice(span):
    """The round step (1, 2 or 5 times a power of ten) nearest a quarter of ``span``."""
    raw = span / 4
    power = 10 ** np.floor(np.log10(raw))
    return power * min((1, 2, 5, 10), key=lambda m: abs(np.log(m * power / raw)))


def limits(y):
    """The y-limits and scale for data ``y``: a function of the data alone, so that a state
    looks the same whichever state was drawn before it. Log scale for data that stay
    positive, widened to half decades; else widened to round steps. None if no data."""
    y = y[np.isfinite(y)]
    if not y.size:
        return None
    lo, hi = float(y.min()), float(y.max())
    if lo > 0:
        a, b = np.floor(2 * np.log10(lo)) / 2, np.ceil(2 * np.log10(hi)) / 2
        b = b + 0.5 if b <= a else b
        return "log", (10**a, 10**b)
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    step = _nice(span)
    a, b = np.floor(lo / step) * step, np.ceil(hi / step) * step
    a, b = a - step if a == lo != 0 else a, b + step if b == hi != 0 else b
    return "linear", ((a - step, b + step) if a == b else (a, b))


def _fit(ax, y):
    """Set the y-axis to :func:`limits` of ``y``; True if the scale or the limits changed."""
    new = limits(y)
    if new is None or (ax.get_yscale(), tuple(ax.get_ylim())) == (new[0], new[1]):
        return False
    ax.set_yscale(new[0])
    ax.set_ylim(*new[1])
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
