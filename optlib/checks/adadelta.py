"""Checks for the exercises of the Adadelta chapter."""

from __future__ import annotations

import numpy as np

from optlib.adaptive import Adadelta
from optlib.checks._grading import check_function

__all__ = ["check_adadelta_step"]


def _adadelta_step(x, g, v, u, lr, rho, eps):
    # optlib's Adadelta, started from the averages (v, u) left by the previous step
    opt = Adadelta(lr=lr, rho=rho, eps=eps)
    state = opt.init(x)._replace(square_avg=v, acc_delta=u)
    out = opt.terms(x, g, state)
    return out["x"], out["state"].square_avg, out["state"].acc_delta


def check_adadelta_step(fn, reveal=True):
    r"""``fn(x, g, v, u, lr, rho, eps)`` is one step of Adadelta (Zeiler's Algorithm 1 with
    PyTorch's learning rate ``lr``) from the point ``x``, the gradient ``g`` and the running
    averages ``v`` (of :math:`g^2`) and ``u`` (of the squared updates) left by the previous
    step; it returns ``(x_new, v_new, u_new)``.

    Graded against ``optlib.Adadelta`` on a fresh state (``v = u = 0``, where the whole
    step comes from ``eps``, so ``eps`` outside the square roots gives a first step about
    ``1 / sqrt(eps)`` = 1000 times too short), on random averages with ``rho = 0.95``, on a ``(2, 3)`` batch with one learning rate
    per row (``u`` must accumulate the update before ``lr`` scales it) and with a large
    ``eps = 0.1``. ``reveal=False`` leaves the values out of the messages (see
    ``check_function``).
    """
    rng = np.random.default_rng(7)

    def case(shape, fresh, *hyper):  # random x and g; the averages of the previous step
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        v, u = rng.random(shape), 0.01 * rng.random(shape)
        if fresh:
            v, u = np.zeros(shape), np.zeros(shape)
        return (x, g, v, u, *hyper)

    cases = [
        case((2,), True, 1.0, 0.9, 1e-6),
        case((3,), False, 1.0, 0.95, 1e-6),
        case((2, 3), False, np.array([[1.0], [0.1]]), 0.9, 1e-4),
        case((4,), False, 0.5, 0.8, 0.1),
    ]
    labels = [
        "the first step, from zero averages",
        "random averages with rho = 0.95",
        "a (2, 3) batch, one learning rate per row",
        "a large eps = 0.1",
    ]
    check_function(fn, _adadelta_step, cases, name="adadelta_step", reveal=reveal, labels=labels)
