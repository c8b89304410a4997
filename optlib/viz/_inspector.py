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
