"""Checks for the exercises of the SGD chapter."""

from __future__ import annotations

import numpy as np

from optlib.checks._grading import check_function

__all__ = ["check_gd_step"]


def _gd_step(x, g, lr):
    return np.asarray(x, dtype=float) - lr * np.asarray(g, dtype=float)


def check_gd_step(fn, reveal=True):
    """``fn(x, g, lr)`` is one gradient-descent step, ``x - lr * g``, for any shape of ``x``.

    ``reveal=False`` leaves the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(0)
    cases = [
        (np.array([1.0, -2.0]), np.array([0.5, 4.0]), 0.1),
        (rng.normal(size=3), rng.normal(size=3), 1.0),
        (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), np.array([[0.01], [0.1], [0.5], [1.0]])),
    ]
    labels = [
        "a point in 2-D",
        "a random point in 3-D with learning rate 1",
        "a batch of 4 points in 2-D, one learning rate per row",
    ]
    check_function(fn, _gd_step, cases, name="gd_step", reveal=reveal, labels=labels)
