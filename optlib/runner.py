"""Run an optimizer on a problem: a whole batch of trajectories in one vectorised loop.

``run(opt, problem, x0, steps)`` returns a :class:`Trajectory` of plain arrays. Leading axes
of ``x0`` are independent trajectories (pair them with array hyperparameters to sweep a grid
in one call). A trajectory that diverges is flagged and stops: NaN from then on.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from optlib._base import check_range

__all__ = ["run", "Trajectory", "Sweep", "sweep", "record"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """What a run leaves: iterates, losses, gradients and where each trajectory diverged.

    ``params`` has shape ``(steps + 1, *x0.shape)`` with ``x0`` first (``(2, *x0.shape)``,
    the start and the last finite iterate, for ``run(..., record=False)``); ``losses`` has shape
    ``(steps + 1, *batch)``; ``grads[k]`` (shape ``(steps, *x0.shape)``, None if not recorded)
    is the gradient the optimizer was given at step ``k``, noise included. ``diverged`` and
    ``diverged_at`` (the step whose iterate was bad, -1 if none) have the batch shape; entries
    of a diverged trajectory are NaN from ``diverged_at`` on.
    """

    params: np.ndarray
    losses: np.ndarray
    grads: np.ndarray | None
    diverged: np.ndarray
    diverged_at: np.ndarray

    @property
    def final(self):
        """The last finite iterate of each trajectory, shape ``x0.shape``."""
        return _last_finite(self.params, np.isfinite(self.params).all(axis=-1))

    @property
    def final_loss(self):
        """The loss at the last finite iterate of each trajectory, shape ``batch``."""
        return _last_finite(self.losses, np.isfinite(self.losses))


def _last_finite(a, ok):
    """Row of ``a`` (along axis 0) at the last index where ``ok`` holds; the last row if none."""
    k = ok.shape[0] - 1 - np.argmax(ok[::-1], axis=0)
    k = k.reshape((1,) + k.shape + (1,) * (a.ndim - ok.ndim))
    return np.take_along_axis(a, k, axis=0)[0]


def _healthy(x, f, max_norm):
    """True where the loss is finite and ``|x| <= max_norm`` (False for NaN or inf anywhere)."""
    sq = (x * x) @ np.ones(x.shape[-1])  # |x|^2; much faster than np.sum over a short axis
    return np.isfinite(f) & (sq <= max_norm**2)


def run(opt, problem, x0, steps, *, noise=0.0, seed=0, stochastic=False, max_norm=1e6, record=True):
    """Run ``opt`` on ``problem`` from ``x0`` (shape ``(d,)`` or ``(..., d)``) for ``steps`` steps.

    ``noise``: standard deviation of Gaussian noise added to each gradient (may be an array
    broadcasting against ``x0``, one level per trajectory). ``stochastic=True`` uses
    ``problem.stochastic_grad`` (mini-batches). Both draw from ``np.random.default_rng(seed)``,
    so a run is reproducible. The Hessian and the objective are passed to optimizers that list
    ``"hess"`` or ``"value"`` in ``opt.needs``.

    A trajectory diverges at the first step whose loss is not finite or whose iterate is not
    finite or has norm above ``max_norm``; its entries are NaN from that step on (the batch is
    still computed as a whole, under ``np.errstate``, so no floating-point warnings escape).

    ``record=False`` keeps only ``losses``, the start and the final iterates (``params`` of
    shape ``(2, *x0.shape)``) and no ``grads``: for sweeps too large to store every iterate.
    """
    x = np.array(x0, dtype=float)
    if x.ndim == 0 or x.shape[-1] != problem.dim:
        raise ValueError(f"x0 must have shape (..., {problem.dim}), got {x.shape}")
    steps = operator.index(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    noise = check_range("noise", noise, 0)
    max_norm = check_range("max_norm", max_norm, 0, low_open=True)
    if stochastic and problem.stochastic_grad is None:
        raise ValueError(f"problem {problem.name!r} has no stochastic_grad")
    unknown = set(opt.needs) - {"hess", "value"}
    if unknown:
        raise ValueError(f"run cannot supply {sorted(unknown)} (only 'hess' and 'value')")
    rng = np.random.default_rng(seed)
    batch, d = x.shape[:-1], x.shape[-1]
    params = np.empty((steps + 1 if record else 2, *x.shape))  # every row is written below
    losses = np.empty((steps + 1, *batch))
    grads = np.empty((steps, *x.shape)) if record else None
    diverged_at = np.full(batch, -1)
    # flat views: trajectory i of the batch is row i
    n = diverged_at.size
    P, L, at = (
        params.reshape(len(params), n, d),
        losses.reshape(steps + 1, n),
        diverged_at.reshape(n),
    )
    G = grads.reshape(steps, n, d) if record else None
    x_last = x.reshape(-1, d).copy()  # last good iterate of each trajectory

    with np.errstate(all="ignore"):
        f = problem.value(x)
        alive = _healthy(x, f, max_norm).reshape(-1)
        dead = np.flatnonzero(~alive)
        at[dead] = 0
        params[0], losses[0] = x, f
        P[0, dead], L[0, dead] = np.nan, np.nan
        state = opt.init(x)
        for k in range(1, steps + 1):
            g = problem.stochastic_grad(x, rng) if stochastic else problem.grad(x)
            if np.any(noise):
                g = g + noise * rng.standard_normal(x.shape)
            kw = {"value": problem.value} if "value" in opt.needs else {}
            if "hess" in opt.needs:
                kw["hess"] = problem.hess(x)
            x_new, state = opt.step(x, g, state, **kw)
            f = problem.value(x_new)
            ok = _healthy(x_new, f, max_norm).reshape(-1)
            if record:
                grads[k - 1] = g
                G[k - 1, dead] = np.nan
            newly = np.flatnonzero(alive & ~ok) if not ok.all() else dead[:0]
            if newly.size:
                at[newly] = k
                alive[newly] = False
                x_last[newly] = x.reshape(-1, d)[newly]
                dead = np.flatnonzero(~alive)
            x = x_new
            losses[k] = f
            L[k, dead] = np.nan
            if record:
                params[k] = x
                P[k, dead] = np.nan
    if not record:
        params[1] = x
        P[1, dead] = x_last[dead]
        P[1, at == 0] = np.nan
    return Trajectory(params, losses, grads, diverged_at >= 0, diverged_at)


# --- studies built on runs: a hyperparameter grid, the named terms of each step ---------


@dataclass(frozen=True)
class Sweep:
    """A grid of runs: ``names`` of the two hyperparameters, their ``values`` (x axis first),
    and per cell (shape ``(len(y), len(x))``) the final loss gap ``loss``, the measured linear
    ``rate`` and whether the run ``diverged``."""

    names: tuple
    values: tuple
    loss: np.ndarray
    rate: np.ndarray
    diverged: np.ndarray


def _rate(err, tol=1e-10):
    """Measured linear rate per column of ``err`` (steps + 1, N): ``(e_t / e_0) ** (1 / t)``.

    ``t`` is the last step where the error is still above ``tol * e_0`` (before it reaches
    the floating-point floor), so the estimate tends to the asymptotic rate as ``t`` grows.
    """
    with np.errstate(all="ignore"):
        ratio = err / err[:1]
        above = np.isfinite(ratio) & (ratio > tol)
        t = np.maximum(len(err) - 1 - np.argmax(above[::-1], axis=0), 1)
        t = np.where(above.any(axis=0), t, 1)
        r = np.take_along_axis(ratio, t[None], axis=0)[0] ** (1.0 / t)
    return np.where(np.isfinite(r), r, np.nan)


def sweep(make_opt, problem, steps, *, x0=None, **grid):
    """Run ``make_opt(**hyperparameters)`` over a 2-D grid of hyperparameters in ONE batch.

    ``grid`` has exactly two entries, x axis first: ``sweep(lambda lr, momentum:
    SGD(lr=lr, momentum=momentum), problem, 100, lr=lrs, momentum=betas)``. Each
    hyperparameter is passed as a column ``(N, 1)`` that broadcasts against the batch of
    starting points ``(N, d)``. The rate is measured on the distance to the nearest minimiser
    (or on the loss gap when the problem has none).
    """
    if len(grid) != 2:
        raise ValueError(f"sweep takes exactly two hyperparameter grids, got {list(grid)}")
    (xn, xv), (yn, yv) = ((k, np.asarray(v, dtype=float)) for k, v in grid.items())
    X, Y = np.meshgrid(xv, yv)
    opt = make_opt(**{xn: X.reshape(-1, 1), yn: Y.reshape(-1, 1)})
    x0 = np.asarray(problem.x0 if x0 is None else x0, dtype=float)
    traj = run(opt, problem, np.broadcast_to(x0, (X.size, x0.shape[-1])).copy(), steps)
    gap = np.asarray(traj.losses, dtype=float)
    if np.isfinite(problem.minimum):
        gap = gap - problem.minimum
    mins = np.asarray(problem.minimizers, dtype=float).reshape(-1, x0.shape[-1])
    if len(mins):
        with np.errstate(all="ignore"):
            diff = np.asarray(traj.params)[:, :, None, :] - mins
            err = np.linalg.norm(diff, axis=-1).min(axis=-1)
    else:
        err = np.abs(gap)
    diverged = np.asarray(traj.diverged, dtype=bool)
    with np.errstate(all="ignore"):
        final = np.asarray(traj.final_loss, dtype=float) - (
            problem.minimum if np.isfinite(problem.minimum) else 0.0
        )
    shape = X.shape
    return Sweep(
        (xn, yn), (xv, yv), final.reshape(shape), _rate(err).reshape(shape), diverged.reshape(shape)
    )


def record(opt, problem, x0=None, steps=50):
    """Run ``opt`` for ``steps`` and stack ``opt.terms`` of each step: name -> ``(steps, ...)``.

    ``x`` and ``state`` are not kept (they are the next step's inputs). A run that leaves
    the finite numbers stops there; later rows are NaN.
    """
    x = np.asarray(problem.x0 if x0 is None else x0, dtype=float)
    state, rows = opt.init(x), []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            if not np.all(np.isfinite(x)):
                break
            terms = opt.terms(x, problem.grad(x), state)
            x, state = terms["x"], terms["state"]
            rows.append(
                {k: np.asarray(v, dtype=float) for k, v in terms.items() if k not in ("x", "state")}
            )
    names = list(rows[0]) if rows else []
    out = {k: np.full((steps, *np.shape(rows[0][k])), np.nan) for k in names}
    for i, row in enumerate(rows):
        for k in names:
            out[k][i] = row[k]
    return out
