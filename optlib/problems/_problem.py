"""What every test problem shares: the :class:`Problem` record and small helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Problem"]


@dataclass(frozen=True, eq=False)
class Problem:
    """A test problem: ``f`` with its derivatives, minimisers and a view for plots.

    ``minimizers`` has shape ``(k, d)`` (``k`` may be 0) and ``minimum`` is ``f`` there
    (nan if there is none); ``window = ((xlo, xhi), (ylo, yhi))`` for 2-D problems, else
    None; ``x0`` is a standard start; ``formula`` is LaTeX; ``log_scale`` says contours are
    best drawn on log levels.

    Data problems (``f`` is a mean over ``n`` training examples) also have
    ``batch_grad(x, idx)``, the gradient of the mean loss over the examples ``idx`` (shape
    ``(B,)``, shared by a batch of points, or ``(..., B)``, one mini-batch per point), the
    mini-batch size ``batch_size``, and ``stochastic_grad(x, rng)``, the gradient on
    ``batch_size`` examples drawn uniformly without replacement. ``optlib.run(...,
    stochastic=True)`` draws the indices itself and calls ``batch_grad``. Optional extras:
    ``evaluate(x, split)`` (held-out loss and accuracy), ``layers`` (the parameter blocks of a
    network, see :class:`optlib.problems.mlp.Layer`), ``fisher(x, idx=None)`` (the Fisher
    information matrix) and ``kfac(x, idx=None)`` (its Kronecker factors per layer); ``note``
    is appended to the repr.
    """

    name: str
    dim: int
    value: Callable
    grad: Callable
    hess: Callable
    minimizers: np.ndarray
    minimum: float
    window: tuple | None
    x0: np.ndarray
    formula: str
    log_scale: bool = False
    stochastic_grad: Callable | None = None
    n: int | None = None
    batch_size: int | None = None
    batch_grad: Callable | None = None
    evaluate: Callable | None = None
    layers: tuple | None = None
    fisher: Callable | None = None
    kfac: Callable | None = None
    note: str = ""

    def __repr__(self):
        note = f", {self.note}" if self.note else ""
        return f"<Problem {self.name!r}: {self.dim} parameters{note}>"


def _check_batch_size(batch_size, n):
    if not (isinstance(batch_size, int | np.integer) and 1 <= batch_size <= n):
        raise ValueError(f"batch_size must be an integer in [1, {n}], got {batch_size!r}")
    return int(batch_size)


def _sampler(batch_grad, n, batch_size):
    """``stochastic_grad(x, rng)``: ``batch_grad`` on ``batch_size`` of the ``n`` examples,
    drawn uniformly without replacement (a batch of points shares them)."""

    def stochastic_grad(x, rng):
        return batch_grad(x, rng.choice(n, size=batch_size, replace=False))

    return stochastic_grad


def _xy(p):
    p = np.asarray(p, dtype=float)
    return p[..., 0], p[..., 1]


def _hess2(fxx, fxy, fyy):
    fxx, fxy, fyy = np.broadcast_arrays(fxx, fxy, fyy)
    return np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)


def _newton_minimise(value, grad, hess, x, iters=100):
    """Newton's method with Armijo backtracking from one point ``x``: ``(x, converged)``.

    Converged means the last Newton step was negligible; a loss whose infimum is not attained
    (separable data without a penalty) keeps long steps and is reported as not converged.
    """
    for _ in range(iters):
        g = grad(x)
        p = np.linalg.solve(hess(x), -g)
        if np.max(np.abs(p)) < 1e-12 * (1 + np.max(np.abs(x))):
            return x + p, True
        t = 1.0
        while value(x + t * p) > value(x) + 1e-4 * t * (g @ p) and t > 1e-12:
            t /= 2
        x = x + t * p
    return x, False
