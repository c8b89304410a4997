"""Checks for the exercises of the RMSprop chapter (RMSprop, from Rprop)."""

from __future__ import annotations

import numpy as np

from optlib.adaptive import RMSprop, Rprop, RpropState
from optlib.checks._grading import check_function

__all__ = ["check_rmsprop_step", "check_rprop_step"]


def _rmsprop_step(x, g, v, lr, rho, eps):
    # optlib's RMSprop (torch's form), started from the average v of the previous step
    opt = RMSprop(lr=lr, alpha=rho, eps=eps)
    out = opt.terms(x, g, opt.init(x)._replace(square_avg=np.asarray(v, dtype=float)))
    return out["x"], out["state"].square_avg


def check_rmsprop_step(fn, reveal=True):
    r"""``fn(x, g, v, lr, rho, eps)`` is one step of RMSprop in PyTorch's form from the point
    ``x``, the gradient ``g`` and the running average ``v`` of the previous step; it returns
    ``(x_new, v_new)``:

    .. math::
        v_t = \rho v_{t-1} + (1 - \rho) g_t^2, \qquad
        x_t = x_{t-1} - \eta\, g_t / (\sqrt{v_t} + \varepsilon).

    Graded against ``optlib.RMSprop`` on a fresh average (``v = 0``), on a random ``v >= 0``,
    on a ``(2, 3)`` batch with one learning rate per row and ``eps = 0``, with one ``rho``
    per row (``rho = 0`` in one of them), and with a large ``eps = 0.1``, so that ``eps``
    inside the square root (Keras's and optax's default form), the old ``v`` in the
    denominator, or the weights ``rho`` and ``1 - rho`` swapped are caught. ``reveal=False``
    leaves the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(6)

    def case(shape, fresh, *hyper):
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        v = np.zeros(shape) if fresh else rng.random(shape)
        return (x, g, v, *hyper)

    cases = [
        case((2,), True, 0.01, 0.99, 1e-8),
        case((3,), False, 0.1, 0.9, 1e-6),
        case((2, 3), False, np.array([[0.1], [0.001]]), 0.5, 0.0),
        case((2, 2), False, 0.05, np.array([[0.9], [0.0]]), 1e-8),
        case((4,), False, 0.1, 0.9, 0.1),
    ]
    labels = [
        "the first step, from a zero average",
        "a random average v",
        "a (2, 3) batch, one learning rate per row, eps = 0",
        "one rho per row, rho = 0 in the second",
        "a large eps = 0.1",
    ]
    check_function(fn, _rmsprop_step, cases, name="rmsprop_step", reveal=reveal, labels=labels)


def _rprop_step(x, g, prev, delta, etas, step_sizes):
    # optlib's Rprop (torch's form, iRprop-) from the stored gradient and the step sizes
    opt = Rprop(etas=etas, step_sizes=step_sizes)
    state = RpropState(t=1, prev=np.asarray(prev, dtype=float), step_size=np.asarray(delta))
    out = opt.terms(x, g, state)
    return out["x"], out["state"].prev, out["state"].step_size


def check_rprop_step(fn, reveal=True):
    r"""``fn(x, g, prev, delta, etas, step_sizes)`` is one step of Rprop in PyTorch's form
    (iRprop-) from the point ``x``, the gradient ``g``, the stored gradient ``prev`` of the
    previous step (zero where it was zeroed, and at the start) and the step sizes ``delta``;
    ``etas = (eta_minus, eta_plus)`` and ``step_sizes = (delta_min, delta_max)``. It returns
    ``(x_new, prev_new, delta_new)``: each step size is multiplied by ``eta_plus`` where
    ``g * prev > 0``, by ``eta_minus`` where ``g * prev < 0`` (and there the gradient is set to
    zero: no move, and zero is stored), by 1 elsewhere, then clipped to ``step_sizes``; the
    point moves by ``-delta_new * sign(g)``.

    Graded against ``optlib.Rprop`` on a first step (``prev = 0``), on a random mix of sign
    agreements and flips, on step sizes that leave the bounds (so a missing clip is caught),
    on step sizes outside the bounds where nothing is stored (``prev = 0``: not adapted, but
    clipped all the same, so optax's "clip only adapted step sizes" is caught), on gradients
    with zero entries, and on a ``(2, 3)`` batch with other ``etas``. ``reveal=False`` leaves
    the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(7)

    def case(shape, *hyper, agree=None, delta=None, zeros=False):
        # agree: +1 where g and prev have the same sign, -1 where they differ, 0: prev = 0
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        if zeros:
            g[..., ::2] = 0.0
        agree = rng.choice([-1.0, 1.0], size=shape) if agree is None else agree
        prev = agree * np.sign(g) * rng.uniform(0.5, 2.0, size=shape)
        prev = np.where(g == 0, rng.normal(size=shape), prev)
        delta = rng.uniform(0.01, 0.5, size=shape) if delta is None else delta
        return (x, g, prev, delta, *hyper)

    flips = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    cases = [
        case((3,), (0.5, 1.2), (1e-6, 50.0), agree=np.zeros(3), delta=np.full(3, 0.1)),
        case((6,), (0.5, 1.2), (1e-6, 50.0), agree=flips),
        case((6,), (0.5, 1.2), (0.1, 0.2), agree=flips, delta=np.tile([0.19, 0.11], 3)),
        case(
            (4,),
            (0.5, 1.2),
            (0.1, 0.2),
            agree=np.array([0.0, 0.0, 1.0, -1.0]),
            delta=np.array([0.05, 0.3, 0.15, 0.15]),
        ),  # not adapted (prev = 0), outside the bounds: clipped all the same
        case((5,), (0.5, 1.2), (1e-6, 50.0), zeros=True),
        case((2, 3), (0.3, 1.5), (1e-3, 1.0)),
    ]
    labels = [
        "the first step, nothing stored yet (prev = 0)",
        "signs that agree and flip in turn",
        "step sizes that leave the bounds",
        "step sizes outside the bounds where nothing is stored",
        "gradients with zero entries",
        "a (2, 3) batch with other etas",
    ]
    check_function(fn, _rprop_step, cases, name="rprop_step", reveal=reveal, labels=labels)
