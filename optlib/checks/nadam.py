"""Checks for the exercises of the Nadam chapter."""

from __future__ import annotations

import numpy as np

from optlib.adam import NAdam
from optlib.checks._grading import check_function

__all__ = ["check_nadam_step"]


def _nadam_step(x, g, m, v, t, lr, b1, b2, eps):
    # optlib's NAdam in the paper's form (constant momentum b1), from the state after t - 1 steps
    opt = NAdam(lr=lr, betas=(b1, b2), eps=eps, momentum_schedule=False)
    mu_product = np.asarray(b1, dtype=float) ** (t - 1) * np.ones_like(x, dtype=float)
    state = opt.init(x)._replace(t=np.asarray(t - 1), m=m, v=v, mu_product=mu_product)
    out = opt.terms(x, g, state)
    return out["x"], out["state"].m, out["state"].v


def check_nadam_step(fn, reveal=True):
    """``fn(x, g, m, v, t, lr, b1, b2, eps)`` is Nadam's step ``t`` in the paper's form
    (Dozat's Algorithm 2 with a constant momentum ``b1`` and Adam's ``v_hat``, as
    ``optlib.NAdam(momentum_schedule=False)``) from the point ``x``, the gradient ``g`` and the
    moments ``m``, ``v`` of step ``t - 1``; it returns ``(x_new, m_new, v_new)``.

    Graded against ``optlib.NAdam`` on a fresh state (zero moments) at ``t = 1`` (where Adam's
    step differs by the factor (1 + 2 b1) / (1 + b1)), on random moments (``v >= 0``) at
    ``t = 7``, on a ``(2, 3)`` batch with one learning rate per row and ``eps = 0``, and with a
    large ``eps = 0.1`` (so that ``eps`` inside the square root is caught). A wrong bias factor
    on the momentum term (``1 - b1**t`` for ``1 - b1**(t + 1)``), ``m_{t-1}`` in place of
    ``m_t`` there, and the extra factor ``b2`` printed in Algorithm 2's ``v_hat`` are caught too
    (``tests/test_checks_nadam.py``). ``reveal=False`` leaves the values out of the messages
    (see ``check_function``).
    """
    rng = np.random.default_rng(10)

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
    check_function(fn, _nadam_step, cases, name="nadam_step", reveal=reveal, labels=labels)
