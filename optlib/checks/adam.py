"""Checks for the exercises of the Adam chapter."""

from __future__ import annotations

import numpy as np

from optlib.adam import Adam
from optlib.checks._grading import check_function

__all__ = ["check_adam_step"]


def _adam_step(x, g, m, v, t, lr, b1, b2, eps):
    # optlib's Adam, started from the state (m, v) after t - 1 steps
    opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
    state = opt.init(x)._replace(t=np.asarray(t - 1), m=m, v=v)
    out = opt.terms(x, g, state)
    return out["x"], out["state"].m, out["state"].v


def check_adam_step(fn, reveal=True):
    """``fn(x, g, m, v, t, lr, b1, b2, eps)`` is Adam's step ``t`` (Algorithm 1 of Kingma and
    Ba, as ``torch.optim.Adam``) from the point ``x``, the gradient ``g`` and the moments
    ``m``, ``v`` of step ``t - 1``; it returns ``(x_new, m_new, v_new)``.

    Graded against ``optlib.Adam`` on a fresh state (zero moments) at ``t = 1``, on random
    moments (``v >= 0``) at ``t = 7``, on a ``(2, 3)`` batch with one learning rate per row
    and ``eps = 0``, and with a large ``eps = 0.1`` (so that ``eps`` inside the square root, or
    added to ``v`` before the correction, is caught). ``reveal=False`` leaves the values out
    of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(8)

    def case(shape, t, *hyper):  # random x, g and moments of step t - 1
        x, g, m = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
        v = rng.random(shape)
        if t == 1:  # a fresh state
            m, v = np.zeros(shape), np.zeros(shape)
        return (x, g, m, v, t, *hyper)

    cases = [
        case((2,), 1, 0.1, 0.9, 0.999, 1e-8),
        case((3,), 7, 0.01, 0.8, 0.99, 1e-6),
        case((2, 3), 3, np.array([[0.1], [0.001]]), 0.5, 0.9, 0.0),
        case((4,), 5, 0.1, 0.9, 0.999, 0.1),
    ]
    labels = [
        "the first step, t = 1, from zero moments",
        "step t = 7 from random moments",
        "a (2, 3) batch at t = 3, one learning rate per row, eps = 0",
        "step t = 5 with a large eps = 0.1",
    ]
    check_function(fn, _adam_step, cases, name="adam_step", reveal=reveal, labels=labels)
