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
    best drawn on log levels; ``stochastic_grad(x, rng)`` is a mini-batch gradient (data
    problems only).
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

    def __repr__(self):
        return f"<Problem {self.name!r}: {self.dim} parameters>"


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
