"""Studies built on runs: a hyperparameter grid (:func:`sweep`), the named terms of each step
(:func:`record`). Both step the optimizer with the one loop of :func:`optlib.runner.run`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optlib._base import Optimizer
from optlib.runner._loop import extras, iterate, run
from optlib.runner._recorder import Recorder

__all__ = ["Sweep", "sweep", "record"]


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

    Works for every optimizer with ``terms``: the step loop is :func:`optlib.run`'s, so a
    Newton or BFGS step gets its ``hess=`` and ``value=``. ``x`` and ``state`` are not kept (they
    are the next step's inputs). A run stops at the first step whose iterate or loss is not
    finite (that step's terms are kept); the rows after it are NaN.
    """
    if type(opt).terms is Optimizer.terms:
        raise TypeError(f"record needs the named terms of each step; {type(opt).__name__} has none")
    x = np.array(problem.x0 if x0 is None else x0, dtype=float)
    rows = []
    recorder = Recorder(x, steps, history=False, max_norm=np.inf)
    iterate(opt, problem, x, steps, recorder, extras=extras(opt, problem), keep=rows)
    rows = [{k: np.asarray(v, dtype=float) for k, v in r.items() if k not in ("x", "state")}
            for r in rows]  # fmt: skip
    names = list(rows[0]) if rows else []
    out = {k: np.full((steps, *np.shape(rows[0][k])), np.nan) for k in names}
    for i, row in enumerate(rows):
        for k in names:
            out[k][i] = row[k]
    return out
