"""Paths on a landscape: contours of a 2-D problem with the iterates of several runs."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from optlib.viz._common import _axes, _key, _label, _legend, _relabel, _styled, params
from optlib.viz._drawing import Drawing
from optlib.viz._style import _GREYS, styles


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
            xs, k = params(run)
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
