"""Checks for the exercises of the momentum chapter."""

from __future__ import annotations

import numpy as np

from optlib.checks._grading import check_function
from optlib.sgd import SGD, SGDState

__all__ = ["check_momentum_step"]


def _momentum_step(x, g, buf, t, lr, beta, tau=0.0, nesterov=False):
    # optlib's SGD (torch.optim.SGD), started from the buffer b_{t-1} after t - 1 steps
    opt = SGD(lr=lr, momentum=beta, dampening=tau, nesterov=nesterov)
    out = opt.terms(x, g, SGDState(t=t - 1, buf=np.asarray(buf, dtype=float)))
    return out["x"], out["buf"]


def check_momentum_step(fn, reveal=True):
    r"""``fn(x, g, buf, t, lr, beta, tau=0.0, nesterov=False)`` is step ``t`` of SGD with
    momentum as ``torch.optim.SGD`` takes it, from the point ``x`` (:math:`x_{t-1}`), the
    gradient ``g`` (:math:`g_t`) and the buffer ``buf`` (:math:`b_{t-1}`, not used at
    :math:`t = 1`); it returns ``(x_new, buf_new)`` :math:`= (x_t, b_t)`.

    Graded against ``optlib.SGD`` on: a first step (``t = 1``) with dampening, where the
    buffer must be the gradient itself (catches :math:`b_1 = (1 - \tau) g_1`); later steps
    with and without dampening (catches a dampening left out, and Keras's velocity
    :math:`\beta w - \eta g` returned as the buffer); Nesterov's step (catches
    :math:`x - \eta b_t` for it); and a ``(3, 2)`` batch with one learning rate per row.
    ``reveal=False`` leaves the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(3)

    def case(shape, t, *hyper):  # random x, g and buffer b_{t-1}; a zero buffer at t = 1
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        buf = np.zeros(shape) if t == 1 else rng.normal(size=shape)
        return (x, g, buf, t, *hyper)

    cases = [
        case((2,), 1, 0.1, 0.9),
        case((3,), 4, 0.05, 0.9),
        case((2,), 1, 0.1, 0.8, 0.5),
        case((3,), 3, 0.1, 0.8, 0.3),
        case((3,), 6, 0.02, 0.8, 0.0, True),
        case((2,), 1, 0.5, 0.9, 0.0, True),
        case((3, 2), 5, np.array([[0.1], [0.01], [1.0]]), 0.5),
    ]
    labels = [
        "the first step, t = 1",
        "step t = 4",
        "the first step with dampening 0.5",
        "step t = 3 with dampening 0.3",
        "Nesterov's step at t = 6",
        "Nesterov's first step",
        "a (3, 2) batch at t = 5, one learning rate per row",
    ]
    check_function(fn, _momentum_step, cases, name="momentum_step", reveal=reveal, labels=labels)
