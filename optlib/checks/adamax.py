"""Checks for the exercises of the AdaMax chapter."""

from __future__ import annotations

import numpy as np

from optlib.adam import Adamax
from optlib.checks._grading import check_function

__all__ = ["check_adamax_step"]


def _adamax_step(x, g, m, u, t, lr, b1, b2, eps):
    # optlib's Adamax (PyTorch's form), started from the state (m, u) after t - 1 steps
    opt = Adamax(lr=lr, betas=(b1, b2), eps=eps)
    state = opt.init(x)._replace(t=np.asarray(t - 1), m=m, u=u)
    out = opt.terms(x, g, state)
    return out["x"], out["state"].m, out["state"].u


def check_adamax_step(fn, reveal=True):
    """``fn(x, g, m, u, t, lr, b1, b2, eps)`` is AdaMax's step ``t`` in PyTorch's form
    (``u_t = max(b2 u_{t-1}, |g_t| + eps)``, then ``x_t = x_{t-1} - lr m_t / ((1 - b1^t) u_t)``)
    from the point ``x``, the gradient ``g`` and the state ``m``, ``u`` of step ``t - 1``; it
    returns ``(x_new, m_new, u_new)``.

    Graded against ``optlib.Adamax`` on a fresh state at ``t = 1``, on a random state at
    ``t = 7`` in which some coordinates keep their decayed ``u`` and others take the new
    ``|g|``, on a ``(2, 3)`` batch with one learning rate per row and ``eps = 0`` (the paper's
    form), and with a large ``eps = 0.1``. Negative gradients catch a missing absolute value;
    the large ``eps`` catches Keras's placement (added to ``u_t`` after the maximum); ``t = 1``
    catches ``t - 1`` in the bias correction; and a corrected ``u`` is caught everywhere.
    ``reveal=False`` leaves the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(9)

    def case(shape, t, *hyper):  # random x, g and state of step t - 1
        x, g, m = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
        u = np.abs(g) * rng.choice([0.5, 3.0], size=shape)  # both branches of the maximum
        if t == 1:  # a fresh state
            m, u = np.zeros(shape), np.zeros(shape)
        return (x, g, m, u, t, *hyper)

    cases = [
        case((3,), 1, 0.002, 0.9, 0.999, 1e-8),
        case((4,), 7, 0.01, 0.8, 0.99, 1e-6),
        case((2, 3), 3, np.array([[0.1], [0.001]]), 0.5, 0.9, 0.0),
        case((6,), 5, 0.1, 0.9, 0.999, 0.1),
    ]
    labels = [
        "the first step, t = 1, from a zero state",
        "step t = 7 from a random state",
        "a (2, 3) batch at t = 3, one learning rate per row, eps = 0",
        "step t = 5 with a large eps = 0.1",
    ]
    check_function(fn, _adamax_step, cases, name="adamax_step", reveal=reveal, labels=labels)
