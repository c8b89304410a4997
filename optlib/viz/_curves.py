"""Curves: the loss gap (or the distance to a minimiser) against the step, on a log scale."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from optlib.viz._common import _axes, _diverged_at, _label, _legend, _relabel, _styled
from optlib.viz._drawing import Drawing
from optlib.viz._style import styles


def _curve(run, problem, distance):
    """The steps and the values to plot there (loss gap, or distance to the nearest
    minimiser), and the step at which the run diverged (-1 if it did not). A Trajectory run
    with ``loss_every`` has losses at ``loss_steps`` only."""
    if distance:
        xs = np.asarray(getattr(run, "params", run), dtype=float)
        mins = np.asarray(problem.minimizers, dtype=float).reshape(-1, xs.shape[-1])
        with np.errstate(all="ignore"):
            y = np.linalg.norm(xs[:, None, :] - mins[None], axis=-1).min(axis=1)
        return np.arange(len(y)), y, _diverged_at(run, y)
    y = np.asarray(getattr(run, "losses", run), dtype=float)
    t = np.asarray(getattr(run, "loss_steps", np.arange(len(y))))
    if problem is not None and np.isfinite(problem.minimum):
        y = y - problem.minimum
    return t, y, _diverged_at(run, y)


def _lean_log_axis(axis, lim):
    """Over many decades, no minor ticks and at most about eight labelled decades: matplotlib
    would lay out every minor tick of every decade, which makes a first draw slow (half a
    second for 15 decades) and the axis unreadable."""
    decades = np.log10(lim[1] / lim[0])
    if decades > 6:
        axis.set_minor_locator(NullLocator())
        axis.set_major_locator(LogLocator(base=10, numticks=9))


@_styled
def losses(
    runs, *, problem=None, distance=False, ylim=None, legend_loc="outside", ylabel=None, ax=None,
    fig=None,
):  # fmt: skip
    """Loss against step on a log scale, one line per run (label -> Trajectory or 1-D losses).

    With ``problem`` the gap $f(x_t) - f^\\star$ is plotted; with ``distance=True`` the distance
    to the nearest minimiser. A diverged run ends in an ``x`` (at the top edge if it left the
    plot). The limits are fixed from the first data (or ``ylim``) so updates stay cheap.
    ``ylabel`` replaces the default label of the y axis.
    """
    fig, ax = _axes(ax, fig)
    ylabel = ylabel or (
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
    curves = {label: _curve(run, problem, distance)[1] for label, run in runs.items()}
    if ylim is None:
        first = [c[0] for c in curves.values() if np.isfinite(c[0]) and c[0] > 0]
        top = 10 * max(first, default=1.0)
        pos = [c[(c > 0) & np.isfinite(c)].min() for c in curves.values() if (c > 0).any()]
        ylim = (max(min(pos, default=top * 1e-12) / 2, top * 1e-14), top)
    steps = max(int(_curve(run, problem, distance)[0][-1]) for run in runs.values())
    ax.set(ylim=ylim, xlim=(0, max(steps, 1)))
    _lean_log_axis(ax.yaxis, ylim)

    def update(runs=runs, problem=problem, **_):
        lo, hi = ax.get_ylim()
        labels = []
        for label, run in runs.items():
            steps, y, k = _curve(run, problem, distance)
            ok = np.isfinite(y)
            t, y = steps[ok], np.clip(y[ok], lo / 10, hi * 10)  # off-scale: finite, drawable
            lines[label].set_data(t, y)
            last = (t[-1:], np.minimum(y[-1:], hi)) if k >= 0 and len(t) else ([], [])
            ends[label].set_data(*last)
            labels.append(_label(label, k))
        return _relabel(legend, labels)

    update(runs, problem)
    return Drawing(fig, ax, [*lines.values(), *ends.values()], update)
