"""Checks for the exercises of the chapter on schedules and other tricks."""

from __future__ import annotations

import numpy as np

from optlib.checks._grading import check_function
from optlib.runner import clip_grad_norm

__all__ = ["check_clip_grad_norm"]


def check_clip_grad_norm(fn, reveal=True):
    """``fn(g, max_norm)`` clips each row of ``g`` (the last axis) to norm ``max_norm`` as
    ``torch.nn.utils.clip_grad_norm_`` does: ``g * min(1, max_norm / (|g| + 1e-6))``.

    Graded against ``optlib.runner.clip_grad_norm`` on one gradient that is clipped, one that is
    shorter than ``max_norm`` (it must come back unchanged, not scaled up), a ``(3, 4)`` batch
    whose rows have different norms with one ``max_norm`` per row (so one norm for the whole
    batch is caught), a batch of shape ``(2, 2, 3)``, and a tiny gradient of norm ``2e-6`` with
    ``max_norm = 1e-6``, where PyTorch's ``1e-6`` changes the factor from 1/2 to 1/3 (so leaving
    it out is caught). Clipping each coordinate to ``max_norm`` (by value) fails the first case
    (``tests/test_checks_schedules.py``). ``reveal=False`` leaves the values out of the
    messages (see ``check_function``).
    """
    rng = np.random.default_rng(14)
    batch = rng.normal(size=(3, 4)) * np.array([[0.1], [1.0], [10.0]])
    cases = [
        (np.array([3.0, -4.0, 0.5]), 1.0),
        (np.array([0.3, -0.2]), 1.0),
        (batch, np.array([[1.0], [0.5], [2.0]])),
        (rng.normal(size=(2, 2, 3)), 0.7),
        (np.array([[1.2e-6, 1.6e-6]]), 1e-6),
    ]
    labels = [
        "one gradient longer than max_norm",
        "one gradient shorter than max_norm",
        "a (3, 4) batch, one max_norm per row",
        "a (2, 2, 3) batch, one max_norm",
        "a tiny gradient of norm 2e-6 with max_norm = 1e-6",
    ]
    check_function(
        fn, clip_grad_norm, cases, name="clip_grad_norm", tol=1e-12, reveal=reveal, labels=labels
    )
