"""Checks for the exercises of the AdamW chapter."""

from __future__ import annotations

import numpy as np

from optlib.adam import AdamW
from optlib.checks._grading import check_function

__all__ = ["check_adamw_step"]


def _adamw_step(x, g, m, v, t, lr, b1, b2, eps, weight_decay):
    # optlib's AdamW (PyTorch's form), started from the state (m, v) after t - 1 steps
    opt = AdamW(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    state = opt.init(x)._replace(t=np.asarray(t - 1), m=m, v=v)
    out = opt.terms(x, g, state)
    return out["x"], out["state"].m, out["state"].v


def check_adamw_step(fn, reveal=True):
    """``fn(x, g, m, v, t, lr, b1, b2, eps, weight_decay)`` is AdamW's step ``t`` in PyTorch's
    form (``torch.optim.AdamW``): the moments of the raw gradient ``g``, and the decay
    ``lr * weight_decay * x`` of the point ``x`` before the step; it returns
    ``(x_new, m_new, v_new)``.

    Graded against ``optlib.AdamW`` on a fresh state at ``t = 1``, on random moments at
    ``t = 7`` with a learning rate far from 1 (so that a decay not multiplied by ``lr``, the
    paper's form, is caught), on a ``(2, 3)`` batch with one learning rate and one decay per
    row, with a large learning rate and decay (so that decaying the point after Adam's step
    instead of before, or adding the decay to the gradient, is caught), and on gradients of
    order ``1e-3`` with ``eps = 1e-3`` (so that ``eps`` inside the square root,
    ``sqrt(v_hat + eps)``, is caught). ``reveal=False`` leaves
    the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(12)

    def case(shape, t, lr, wd, *hyper, scale=1.0):  # random x, g and moments of step t - 1
        x, g, m = (
            rng.normal(size=shape),
            scale * rng.normal(size=shape),
            scale * rng.normal(size=shape),
        )
        v = scale**2 * rng.random(shape)
        if t == 1:  # a fresh state
            m, v = np.zeros(shape), np.zeros(shape)
        return (x, g, m, v, t, lr, *hyper, wd)

    cases = [
        case((2,), 1, 0.1, 0.01, 0.9, 0.999, 1e-8),
        case((3,), 7, 0.01, 0.5, 0.8, 0.99, 1e-6),
        case((2, 3), 3, np.array([[0.1], [0.001]]), np.array([[0.2], [2.0]]), 0.5, 0.9, 0.0),
        case((4,), 5, 0.5, 0.8, 0.9, 0.999, 1e-8),
        case((3,), 4, 0.05, 0.1, 0.9, 0.999, 1e-3, scale=1e-3),
    ]
    labels = [
        "the first step, t = 1, from zero moments",
        "step t = 7 from random moments, lr = 0.01 and weight_decay = 0.5",
        "a (2, 3) batch at t = 3, one learning rate and one decay per row, eps = 0",
        "step t = 5 with a large lr = 0.5 and weight_decay = 0.8",
        "step t = 4 on gradients of order 1e-3 with eps = 1e-3 (where eps sits matters)",
    ]
    check_function(fn, _adamw_step, cases, name="adamw_step", reveal=reveal, labels=labels)
