"""Checks for the exercises of the chapter on parallel and distributed SGD (chapter 15)."""

from __future__ import annotations

import numpy as np

from optlib.checks._grading import check_function
from optlib.sgd import SGD

__all__ = ["check_easgd_step"]


def _easgd_step(workers, center, grads, lr, alpha):
    # the workers' SGD steps by optlib, then the elastic terms of (parallel-easgd), both computed
    # from the copies before the step
    workers, center = np.asarray(workers, dtype=float), np.asarray(center, dtype=float)
    sgd = SGD(lr=lr)
    stepped, _ = sgd.step(workers, np.asarray(grads, dtype=float), sgd.init(workers))
    pull = alpha * (workers - center[..., None, :])
    return stepped - pull, center + pull.sum(axis=-2)


def check_easgd_step(fn, reveal=True):
    """``fn(workers, center, grads, lr, alpha)`` is one synchronous step of elastic averaging
    SGD (Zhang, Choromanska and LeCun, 2015): ``workers`` of shape ``(..., K, d)`` (one row per
    worker), the center of shape ``(..., d)``, the workers' gradients shaped like ``workers``;
    it returns ``(workers_new, center_new)``, with
    ``workers_new = workers - lr * grads - alpha * (workers - center)`` and
    ``center_new = center + alpha * sum_k (workers_k - center)``.

    Graded against optlib's SGD step plus the elastic terms on: two workers in 3 dimensions;
    four workers with a strong spring (``alpha = 0.2``, so that updating the center from the
    new workers, or with the mean instead of the sum, is caught); a batch of two systems of
    three workers with one learning rate per system; and zero gradients with the workers far
    from the center (only the elastic terms act). ``reveal=False`` leaves the values out of the
    messages (see ``check_function``).
    """
    rng = np.random.default_rng(15)

    def case(shape, lr, alpha, zero_grads=False):
        workers, center = rng.normal(size=shape), rng.normal(size=shape[:-2] + shape[-1:])
        grads = np.zeros(shape) if zero_grads else rng.normal(size=shape)
        return (workers, center, grads, lr, alpha)

    cases = [
        case((2, 3), 0.1, 0.05),
        case((4, 2), 0.5, 0.2),
        case((2, 3, 2), np.array([[[0.1]], [[0.01]]]), 0.1),
        case((3, 4), 0.3, 0.25, zero_grads=True),
    ]
    labels = [
        "two workers in 3 dimensions",
        "four workers with a strong spring, alpha = 0.2",
        "a batch of two systems of three workers, one learning rate per system",
        "zero gradients: only the elastic forces act",
    ]
    check_function(fn, _easgd_step, cases, name="easgd_step", reveal=reveal, labels=labels)
