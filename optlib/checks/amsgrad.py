"""Checks for the exercises of the AMSGrad chapter."""

from __future__ import annotations

import numpy as np

from optlib.adam import AdamState, AMSGrad
from optlib.checks._grading import check_function

__all__ = ["check_amsgrad_step"]


def _amsgrad_step(x, g, m, v, v_max, lr, b1, b2, eps):
    # optlib's AMSGrad (Reddi et al.'s Algorithm 2, constant lr), from the state (m, v, v_max)
    opt = AMSGrad(lr=lr, betas=(b1, b2), eps=eps)
    state = AdamState(
        t=0, m=np.asarray(m, float), v=np.asarray(v, float), v_max=np.asarray(v_max, float)
    )
    out = opt.terms(x, g, state)
    return out["x"], out["state"].m, out["state"].v, out["state"].v_max


def check_amsgrad_step(fn, reveal=True):
    r"""``fn(x, g, m, v, v_max, lr, b1, b2, eps)`` is one step of AMSGrad as Reddi, Kale and
    Kumar's Algorithm 2 writes it (no bias correction), with a constant learning rate and
    ``eps`` added outside the root, from the point ``x``, the gradient ``g`` and the state
    ``m``, ``v``, ``v_max`` of the previous step; it returns ``(x_new, m_new, v_new, v_max_new)``:

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
        v^{\max}_t = \max(v^{\max}_{t-1}, v_t), \quad
        x_t = x_{t-1} - \eta\, m_t / (\sqrt{v^{\max}_t} + \varepsilon).

    Graded against ``optlib.AMSGrad`` on a fresh state (zeros), on a state whose running
    maximum is far above the new ``v_t`` in half of the coordinates and far below it in the
    other half (so that dividing by ``v_t``, by the old maximum, or taking the maximum with
    ``g_t^2`` or with the old ``v`` is caught), on a ``(2, 3)`` batch with one learning rate
    per row and ``eps = 0``, and with a large ``eps = 0.1`` (``eps`` inside the root is caught).
    ``reveal=False`` leaves the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(11)

    def case(shape, *hyper, fresh=False):
        x, g, m = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
        v = rng.uniform(0.5, 1.5, size=shape)
        v_max = np.where(np.arange(shape[-1]) % 2 == 0, 10.0, 0.01) * np.ones(shape)
        if fresh:
            m, v, v_max = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        return (x, g, m, v, v_max, *hyper)

    cases = [
        case((2,), 0.1, 0.9, 0.999, 1e-8, fresh=True),
        case((6,), 0.05, 0.8, 0.5, 1e-8),
        case((2, 3), np.array([[0.1], [0.001]]), 0.5, 0.9, 0.0),
        case((4,), 0.1, 0.9, 0.99, 0.1),
    ]
    labels = [
        "the first step, from a zero state",
        "a running maximum far above the new v in some coordinates, far below in others",
        "a (2, 3) batch, one learning rate per row, eps = 0",
        "a large eps = 0.1",
    ]
    check_function(fn, _amsgrad_step, cases, name="amsgrad_step", reveal=reveal, labels=labels)
