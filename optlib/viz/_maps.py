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
    # log-spaced: equal ratios, up to the rounding of a slider's three-digit labels
    ratios = np.diff(np.log(v)) if np.all(v > 0) else np.zeros(1)
    log = len(v) > 2 and bool(np.all(v > 0)) and np.allclose(ratios, ratios.mean(), rtol=0.02)
    w = np.log(v) if log else v
    mid = (w[1:] + w[:-1]) / 2
    e = np.concatenate([[2 * w[0] - mid[0]], mid, [2 * w[-1] - mid[-1]]])
    return (np.exp(e) if log else e), log


MEASURES = {
    # name: (what is coloured, default norm, colour-bar label)
    "rate": (lambda r: r.rate, Normalize(0.0, 1.0), r"measured rate $r$ per step"),
    "decade": (
        lambda r: -1 / np.log10(np.clip(r.rate, 1e-300, 1 - 1e-16)),  # r = 0 gives 1/300
        LogNorm(1.0, 1e4, clip=True),
        r"steps per decade $-1/\log_{10} r$",
    ),
    "loss": (
        lambda r: np.clip(np.abs(r.loss), 1e-300, None),
        LogNorm(1e-12, 1e2, clip=True),
        r"final $f(x_T) - f^\star$",
    ),
}


@_styled
def rate_map(
    result, *, measure="rate", boundary=None, boundary_label="analytic boundary", norm=None,
    colorbar_label=None, xscale=None, yscale=None, legend_loc="upper right", ax=None, fig=None,
):  # fmt: skip
    r"""Heat map of a :class:`Sweep`: per cell the measured linear rate (``measure="rate"``, on
    a linear scale from 0 to 1), the steps it takes to gain a decade, :math:`-1/\log_{10} r`
    (``"decade"``, on a log scale: it tells rates near 1 apart, which a linear scale of ``r``
    shows as one colour), or the final loss gap (``"loss"``).

    Diverged cells are grey and named in the legend. ``boundary=(xs, ys)`` overlays an
    analytic curve (for instance the stability limit of the learning rate), above the mesh.
    ``norm`` (a matplotlib norm), ``colorbar_label``, ``xscale`` and ``yscale`` (``"log"`` or
    ``"linear"``; by default log where the grid is log-spaced) change the defaults.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, got {measure!r}")
    fig, ax = _axes(ax, fig)
    (xn, yn), (xv, yv) = result.names, result.values
    (ex, logx), (ey, logy) = _edges(xv), _edges(yv)
    cmap = mpl.colormaps["viridis"].with_extremes(bad="0.8")
    value, default_norm, clabel = MEASURES[measure]
    if measure == "decade":  # a slow but converging cell is dark, not grey
        cmap = cmap.with_extremes(over=cmap(1.0))

    def masked(r):
        z = value(r)
        return np.ma.masked_where(r.diverged | np.isnan(z), z)

    mesh = ax.pcolormesh(ex, ey, masked(result), cmap=cmap, norm=norm or default_norm,
                         shading="flat")  # fmt: skip
    fig.colorbar(mesh, ax=ax, label=colorbar_label or clabel)
    ax.set(xscale=xscale or ("log" if logx else "linear"))
    ax.set(yscale=yscale or ("log" if logy else "linear"))
    # increasing axes whatever the order of the grid's values
    ax.set(xlabel=xn, ylabel=yn, xlim=sorted((ex[0], ex[-1])), ylim=sorted((ey[0], ey[-1])))
    handles = [Patch(color="0.8", label="diverged")]
    if boundary is not None:
        halo = [patheffects.withStroke(linewidth=3.5, foreground="white")]
        handles += ax.plot(*boundary, "k--", lw=1.6, path_effects=halo, label=boundary_label,
                           zorder=3)  # fmt: skip
    ax.legend(handles=handles, loc=legend_loc)

    def update(result=result, **_):
        mesh.set_array(masked(result))
        return False

    return Drawing(fig, ax, [mesh], update)
