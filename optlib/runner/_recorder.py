"""What a run leaves: the :class:`Trajectory`, and the recorder that fills it step by step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Trajectory", "Recorder"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """What a run leaves: iterates, losses, gradients and where each trajectory diverged.

    ``params`` has shape ``(steps + 1, *x0.shape)`` with ``x0`` first (``(2, *x0.shape)``,
    the start and the last finite iterate, for ``run(..., history=False)``). ``losses[i]``
    (shape ``(len(loss_steps), *batch)``) is the loss at step ``loss_steps[i]``: every step
    (``loss_steps = 0, 1, ..., steps``) unless ``run(..., loss_every=k)``. ``grads[k]`` (shape
    ``(steps, *x0.shape)``, None without history) is the gradient the optimizer was given at
    step ``k + 1``, noise and clipping included. ``diverged`` and ``diverged_at`` (the step
    whose iterate or loss was bad, -1 if none) have the batch shape; entries of a diverged
    trajectory are NaN from ``diverged_at`` on.
    """

    params: np.ndarray
    losses: np.ndarray
    grads: np.ndarray | None
    diverged: np.ndarray
    diverged_at: np.ndarray
    loss_steps: np.ndarray

    @property
    def final(self):
        """The last finite iterate of each trajectory, shape ``x0.shape``."""
        return _last_finite(self.params, np.isfinite(self.params).all(axis=-1))

    @property
    def final_loss(self):
        """The loss at the last finite iterate of each trajectory, shape ``batch``."""
        return _last_finite(self.losses, np.isfinite(self.losses))

    def __getitem__(self, index):
        """The trajectories at ``index`` of the batch (an int, a slice, an index array), as a
        Trajectory of their own: ``run[3]`` is the fourth trajectory of a batched run."""
        index = index if isinstance(index, tuple) else (index,)
        if len(index) > self.diverged.ndim:
            raise IndexError(f"a batch of shape {self.diverged.shape} has no index {index}")
        pick = (slice(None), *index)
        return Trajectory(
            self.params[pick],
            self.losses[pick],
            None if self.grads is None else self.grads[pick],
            self.diverged[index],
            self.diverged_at[index],
            self.loss_steps,
        )


def _last_finite(a, ok):
    """Row of ``a`` (along axis 0) at the last index where ``ok`` holds; the last row if none."""
    k = ok.shape[0] - 1 - np.argmax(ok[::-1], axis=0)
    k = k.reshape((1,) + k.shape + (1,) * (a.ndim - ok.ndim))
    return np.take_along_axis(a, k, axis=0)[0]


class Recorder:
    """Stores each step of a run (every iterate, or only the first and the last) and notices
    divergence: a loss that is not finite, or an iterate that is not finite or has norm above
    ``max_norm``. It marks NaN once, at the end, what follows a divergence."""

    def __init__(self, x0, steps, *, history=True, loss_steps=None, max_norm=1e6):
        self.history = history
        self.loss_steps = np.arange(steps + 1) if loss_steps is None else np.asarray(loss_steps)
        self.params = np.empty((steps + 1 if history else 2, *x0.shape))
        self.grads = np.empty((steps, *x0.shape)) if history else None
        self.losses = np.empty((len(self.loss_steps), *x0.shape[:-1]))
        self.diverged_at = np.full(x0.shape[:-1], -1)
        self.x_last = np.empty(x0.shape)  # without history: the last good iterate of the dead
        self._max_sq, self._ones = max_norm**2, np.ones(x0.shape[-1])
        self._row, self._all_alive = 1, True

    def start(self, x, f):
        """Record the start ``x`` and its loss ``f``; False if every trajectory is already bad."""
        self.params[0], self.losses[0] = x, f
        return self._bookkeep(0, x, self._healthy(x, f))

    def step(self, k, x_prev, x, g, f=None):
        """Record step ``k``: the gradient ``g`` used at ``x_prev``, the new iterate ``x`` and its
        loss ``f`` (None where not evaluated). False once every trajectory has diverged."""
        if self.history:
            self.params[k], self.grads[k - 1] = x, g
        if f is not None:
            self.losses[self._row] = f
            self._row += 1
        ok = self._healthy(x, f)
        if self._all_alive and (bool(ok) if ok.ndim == 0 else ok.all()):
            return True
        return self._bookkeep(k, x_prev, ok)

    def _healthy(self, x, f):
        """True where ``|x|^2 <= max_norm^2`` and ``f`` is finite (or None): ``0 * f`` is NaN for
        an infinite or NaN ``f``, and NaN fails the comparison, as a non-finite ``x`` does."""
        sq = (x * x) @ self._ones  # |x|^2: a matrix product is fast for a short last axis
        return (sq if f is None else sq + 0.0 * f) <= self._max_sq

    def _bookkeep(self, k, x_prev, ok):
        at = self.diverged_at
        newly = (at < 0) & ~ok
        if newly.any():
            at[newly] = k
            self.x_last[newly] = x_prev[newly]
            self._all_alive = False
        return bool((at < 0).any())

    def trajectory(self, x):
        """The :class:`Trajectory`, given the last iterate ``x`` computed."""
        at = self.diverged_at
        if not self.history:
            self.params[1] = x
        if (at >= 0).any():  # NaN from the step of divergence on, trajectory by trajectory
            dead = at.reshape(-1)
            rows = np.arange(len(self.params))[:, None]
            P = self.params.reshape(len(self.params), dead.size, -1)
            if self.history:
                P[(rows >= dead) & (dead >= 0)] = np.nan
                G = self.grads.reshape(len(self.grads), dead.size, -1)
                G[(rows[: len(G)] >= dead) & (dead >= 0)] = np.nan
            else:
                last = self.x_last.reshape(dead.size, -1)
                P[1, dead >= 0] = last[dead >= 0]
                P[:, dead == 0] = np.nan
            L = self.losses.reshape(len(self.losses), dead.size)
            L[(self.loss_steps[:, None] >= dead) & (dead >= 0)] = np.nan
        return Trajectory(self.params, self.losses, self.grads, at >= 0, at, self.loss_steps)
