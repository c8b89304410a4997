"""Logistic regression on the breast-cancer data: a convex loss on real data."""

from __future__ import annotations

import functools

import numpy as np

from optlib._base import check_range
from optlib.problems._problem import Problem, _check_batch_size, _newton_minimise, _sampler
from optlib.problems.data import breast_cancer

__all__ = ["logistic_regression"]


def _logistic(A, y, reg):
    """Loss, gradient, Hessian of mean cross-entropy on design ``A`` plus ``sum(reg * x^2) / 2``."""

    def value(x):
        x = np.asarray(x, dtype=float)
        z = x @ A.T
        return np.mean(np.logaddexp(0, z) - y * z, axis=-1) + 0.5 * (x * x) @ reg

    def grad(x, A=A, y=y):  # A, y: the examples (..., B, d) and labels (..., B) to average over
        x = np.asarray(x, dtype=float)
        if A.ndim == 2:  # examples shared by every point: one matrix product
            sigma = np.exp(-np.logaddexp(0, -(x @ A.T)))  # 1 / (1 + e^-z) without overflow
            return (sigma - y) @ A / len(y) + reg * x
        sigma = np.exp(-np.logaddexp(0, -(A @ x[..., None])[..., 0]))  # one mini-batch per point
        return ((sigma - y)[..., None, :] @ A)[..., 0, :] / y.shape[-1] + reg * x

    def hess(x):
        z = np.asarray(x, dtype=float) @ A.T
        w = np.exp(-np.logaddexp(0, z) - np.logaddexp(0, -z))  # sigma (1 - sigma)
        H = (A.T * w[..., None, :]) @ A / len(y) + np.diag(reg)
        return (H + np.swapaxes(H, -1, -2)) / 2  # exactly symmetric

    return value, grad, hess


def _fisher(A):
    """``fisher(x, idx=None)``: the Fisher information of the model on the examples ``idx``."""

    def fisher(x, idx=None):
        a = A if idx is None else A[idx]  # (B, d), or (..., B, d): one mini-batch per point
        x = np.asarray(x, dtype=float)
        z = x @ a.T if a.ndim == 2 else (a @ x[..., None])[..., 0]
        w = np.exp(-np.logaddexp(0, z) - np.logaddexp(0, -z))  # sigma (1 - sigma)
        F = (np.swapaxes(a, -1, -2) * w[..., None, :]) @ a / a.shape[-2]
        return (F + np.swapaxes(F, -1, -2)) / 2  # exactly symmetric

    return fisher


@functools.lru_cache(maxsize=32)
def _model(l2, features):
    """Design matrix, penalty weights and minimiser (None if Newton does not converge)."""
    X, y = breast_cancer()
    if features is None:  # parameters (w_1, ..., w_30, b): weights, then the bias (not penalised)
        A, reg = np.hstack([X, np.ones((len(X), 1))]), np.r_[np.full(X.shape[1], l2), 0.0]
    else:
        A, reg = X[:, list(features)], np.full(2, l2)
    x, converged = _newton_minimise(*_logistic(A, y, reg), np.zeros(A.shape[1]))
    return A, reg, (x if converged else None)


def logistic_regression(batch_size=32, l2=1e-3, features=None):
    r"""Logistic regression on the breast-cancer data: a convex loss on real data.

    ``f(w, b) = mean_i [log(1 + e^{z_i}) - y_i z_i] + l2/2 |w|^2`` with ``z_i = w^T x_i + b``,
    the mean cross-entropy of ``P(benign) = sigmoid(z)``. Parameters are laid out as
    ``(w_1, ..., w_30, b)``: 31 numbers, the bias last and not penalised. ``features=(i, j)``
    keeps two features and no bias: a 2-parameter problem ``(w_i, w_j)`` for contour plots (see
    ``FEATURE_NAMES``).

    ``fisher(x, idx=None)`` is the Fisher information matrix of the model
    :math:`p(y = 1 | a) = \sigma(z)` on the examples ``idx`` (all if None),
    :math:`F(x) = \frac1B\sum_i \sigma(z_i)(1 - \sigma(z_i))\, a_i a_i^\top`, with :math:`a_i`
    the example's features (and a 1 for the bias): the expected outer product of the gradient of
    :math:`\log p(y | a_i)` over :math:`y \sim p(\cdot | a_i)`. For this model (a canonical link)
    it equals the Hessian of the cross-entropy, the L2 term left out. ``batch_grad(x, idx)`` is the gradient on the examples ``idx``
    (shape ``(B,)``, or ``(..., B)``: one mini-batch per point) and ``stochastic_grad(x, rng)``
    on ``batch_size`` examples drawn without replacement (a batch of points shares them). The minimiser is found once by
    Newton's method (none is listed if it does not converge, as with ``l2=0`` on separable data).
    """
    X, y = breast_cancer()
    n = len(y)
    batch_size = _check_batch_size(batch_size, n)
    l2 = float(check_range("l2", l2, 0))
    if features is not None:
        ok = len(features) == 2 and all(isinstance(i, int | np.integer) for i in features)
        if not ok or not all(0 <= i < X.shape[1] for i in features) or features[0] == features[1]:
            raise ValueError(f"features must be two distinct integers in [0, 30), got {features!r}")
        features = (int(features[0]), int(features[1]))
    A, reg, xstar = _model(l2, features)
    value, grad, hess = _logistic(A, y, reg)

    def batch_grad(x, idx):
        return grad(x, A[idx], y[idx])

    minimizers = np.empty((0, A.shape[1])) if xstar is None else xstar[None].copy()
    minimum = float(value(xstar)) if xstar is not None else np.nan
    formula = r"f(w, b) = \frac{1}{n}\sum_{i=1}^{n}"
    formula += r"\left[\log\left(1 + e^{z_i}\right) - y_i z_i\right]"
    formula += rf" + \frac{{{l2:g}}}{{2}}\lVert w\rVert^2,\quad z_i = w^\top x_i + b"
    name, window = "logistic_regression", None
    if features is not None:
        name = "logistic_regression_2d"
        formula = formula.replace("(w, b)", "(w)").replace(" + b", "")
        c = minimizers[0] if xstar is not None else np.zeros(2)
        h = 1.5 * max(1.0, np.max(np.abs(c)))  # centred on the minimiser, the origin inside
        window = tuple((float(m - h), float(m + h)) for m in c)
    x0 = np.zeros(A.shape[1])
    return Problem(name, A.shape[1], value, grad, hess, minimizers, minimum, window, x0, formula,
                   False, _sampler(batch_grad, n, batch_size), n, batch_size, batch_grad,
                   fisher=_fisher(A))  # fmt: skip
