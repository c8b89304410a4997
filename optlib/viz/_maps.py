"""Maps: the heat map of a hyperparameter grid (a :class:`optlib.runner.Sweep`)."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LogNorm, Normalize
from matplotlib.patches import Patch

from optlib.viz._common import _axes, _styled
from optlib.viz._drawing import Drawing


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
