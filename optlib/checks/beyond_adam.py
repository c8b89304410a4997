"""Checks for the exercises of the chapter Beyond Adam."""

from __future__ import annotations

import numpy as np

from optlib.beyond import Lion
from optlib.checks._grading import check_function

__all__ = ["check_lion_step"]


def _lion_step(x, g, m, lr, b1, b2, wd):
    # optlib's Lion, started from the momentum m of the previous step
    opt = Lion(lr=lr, betas=(b1, b2), weight_decay=wd)
    out = opt.terms(x, g, opt.init(x)._replace(m=m))
    return out["x"], out["state"].m


def check_lion_step(fn, reveal=True):
    """``fn(x, g, m, lr, b1, b2, wd)`` is one step of Lion (Chen et al., 2023): with
    ``c = b1 m + (1 - b1) g`` it returns ``(x - lr (sign(c) + wd x), b2 m + (1 - b2) g)``.

    Graded against ``optlib.Lion`` on a fresh state (``m = 0``), on a random state with the
    default betas, on a ``(2, 3)`` batch with one learning rate per row and a weight decay, on a
    state where ``c`` is exactly zero in one coordinate (``sign(0) = 0``: no move there), and
    with ``b1 = 0.5, b2 = 0.99`` (far apart, so that swapping them shows). A sign taken of the new
    momentum instead of ``c``, swapped betas, a decay not multiplied by ``lr``, a decay applied
    to the updated ``x``, or the old momentum returned are caught. ``reveal=False`` leaves the
    values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(16)

    def case(shape, *hyper, fresh=False):
        x, g, m = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
        return (x, g, np.zeros(shape) if fresh else m, *hyper)

    zero_c = case((4,), 0.1, 0.9, 0.99, 0.0)
    zero_c[1][2], zero_c[2][2] = 0.0, 0.0  # c = 0 in coordinate 2
    cases = [
        case((3,), 0.01, 0.9, 0.99, 0.0, fresh=True),
        case((5,), 0.003, 0.9, 0.99, 0.0),
        case((2, 3), np.array([[0.1], [0.001]]), 0.9, 0.99, 0.5),
        zero_c,
        case((6,), 0.05, 0.5, 0.99, 0.1),
    ]
    labels = [
        "a fresh state, m = 0",
        "a random momentum, the default betas",
        "a (2, 3) batch, one learning rate per row, weight decay 0.5",
        "c = 0 in one coordinate",
        "b1 = 0.5, b2 = 0.99, weight decay 0.1",
    ]
    check_function(fn, _lion_step, cases, name="lion_step", reveal=reveal, labels=labels)
