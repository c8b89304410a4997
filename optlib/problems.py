"""Test problems: classic 2-D functions, quadratics and a small real logistic regression.

Each maker returns a :class:`Problem`, a record of plain functions in the manner of
``scipy.optimize.rosen`` / ``rosen_der`` / ``rosen_hess``. ``value``, ``grad`` and ``hess``
take points of shape ``(..., d)`` and return shapes ``(...)``, ``(..., d)`` and
``(..., d, d)``: one call evaluates a whole batch. Every gradient and Hessian is written out
by hand and checked against finite differences in ``tests/test_problems.py``.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optlib._base import check_range

__all__ = ["Problem", "quadratic", "rosenbrock", "beale", "saddle", "himmelblau"]
__all__ += ["logistic_regression", "breast_cancer", "FEATURE_NAMES", "PROBLEMS"]


@dataclass(frozen=True, eq=False)
class Problem:
    """A test problem: ``f`` with its derivatives, minimisers and a view for plots.

    ``minimizers`` has shape ``(k, d)`` (``k`` may be 0) and ``minimum`` is ``f`` there
    (nan if there is none); ``window = ((xlo, xhi), (ylo, yhi))`` for 2-D problems, else
    None; ``x0`` is a standard start; ``formula`` is LaTeX; ``log_scale`` says contours are
    best drawn on log levels; ``stochastic_grad(x, rng)`` is a mini-batch gradient (data
    problems only).
    """

    name: str
    dim: int
    value: Callable
    grad: Callable
    hess: Callable
    minimizers: np.ndarray
    minimum: float
    window: tuple | None
    x0: np.ndarray
    formula: str
    log_scale: bool = False
    stochastic_grad: Callable | None = None


def _xy(p):
    p = np.asarray(p, dtype=float)
    return p[..., 0], p[..., 1]


def _hess2(fxx, fxy, fyy):
    fxx, fxy, fyy = np.broadcast_arrays(fxx, fxy, fyy)
    return np.stack([np.stack([fxx, fxy], -1), np.stack([fxy, fyy], -1)], -2)


def _newton_minimise(value, grad, hess, x, iters=100):
    """Newton's method with Armijo backtracking from one point ``x``: ``(x, converged)``.

    Converged means the last Newton step was negligible; a loss whose infimum is not attained
    (separable data without a penalty) keeps long steps and is reported as not converged.
    """
    for _ in range(iters):
        g = grad(x)
        p = np.linalg.solve(hess(x), -g)
        if np.max(np.abs(p)) < 1e-12 * (1 + np.max(np.abs(x))):
            return x + p, True
        t = 1.0
        while value(x + t * p) > value(x) + 1e-4 * t * (g @ p) and t > 1e-12:
            t /= 2
        x = x + t * p
    return x, False


def quadratic(kappa=10.0, angle=0.0, mu=1.0, *, eigenvalues=None):
    """Convex quadratic ``f = x^T A x / 2`` with eigenvalues ``mu, kappa*mu`` rotated by ``angle``.

    ``kappa`` is the condition number. ``eigenvalues=[...]`` (positive) gives any dimension
    and overrides ``kappa`` and ``mu``; ``angle`` (radians) rotates the eigenvectors in 2-D only.
    The minimiser is the origin.
    """
    if eigenvalues is None:
        kappa = check_range("kappa", kappa, 0, np.inf, low_open=True)
        mu = check_range("mu", mu, 0, np.inf, low_open=True)
        lam = np.array([mu, kappa * mu])
    else:
        lam = check_range("eigenvalues", eigenvalues, 0, np.inf, low_open=True).ravel()
    d = lam.size
    angle = float(check_range("angle", angle, -np.inf, np.inf))
    if d != 2 and angle != 0:
        raise ValueError(f"angle is only defined for d = 2, got d = {d}")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]]) if d == 2 else np.eye(d)
    A = R @ np.diag(lam) @ R.T
    A = (A + A.T) / 2  # exactly symmetric

    def value(x):
        x = np.asarray(x, dtype=float)
        return 0.5 * (x * (x @ A)) @ np.ones(d)  # sum over the last axis, fast for small d

    def grad(x):
        return np.asarray(x, dtype=float) @ A

    def hess(x):
        return np.zeros(np.shape(x)[:-1] + (d, d)) + A

    if d == 2:
        formula = r"f(x) = \tfrac{1}{2} x^\top A x,\quad A = R_\theta\,"
        formula += rf"\operatorname{{diag}}({lam[0]:g}, {lam[1]:g})\,R_\theta^\top,"
        formula += rf"\ \theta = {angle:g}"
    else:
        formula = r"f(x) = \tfrac{1}{2} x^\top A x,\quad A = \operatorname{diag}(\lambda_1, \dots, \lambda_d)"
    x0 = R @ np.array([-1.0, 0.5]) if d == 2 else np.ones(d)
    window = ((-1.25, 1.25), (-1.25, 1.25)) if d == 2 else None
    return Problem("quadratic", d, value, grad, hess, np.zeros((1, d)), 0.0, window, x0, formula)


def rosenbrock(a=1.0, b=100.0):
    """Rosenbrock's curved valley ``(a - x)^2 + b (y - x^2)^2``: minimum 0 at ``(a, a^2)``."""
    a = float(check_range("a", a, -np.inf, np.inf))
    b = float(check_range("b", b, 0, np.inf, low_open=True))

    def value(p):
        x, y = _xy(p)
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def grad(p):
        x, y = _xy(p)
        return np.stack([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)], axis=-1)

    def hess(p):
        x, y = _xy(p)
        return _hess2(2 - 4 * b * (y - x**2) + 8 * b * x**2, -4 * b * x, 2 * b)

    s = max(1.0, abs(a))
    window = ((-2 * s, 2 * s), (-(s**2), 3 * s**2))
    formula = rf"f(x, y) = ({a:g} - x)^2 + {b:g}\,(y - x^2)^2"
    minimizers = np.array([[a, a**2]])
    x0 = np.array([-1.2 * s, s])
    return Problem("rosenbrock", 2, value, grad, hess, minimizers, 0.0, window, x0, formula, True)


_BEALE_C = (1.5, 2.25, 2.625)


def beale():
    """Beale's function: plateaus and steep walls; minimum 0 at ``(3, 0.5)``, saddle at ``(0, 1)``."""

    def residuals(p):  # r_i = c_i - x + x y^i and its partial derivatives, i = 1, 2, 3
        x, y = _xy(p)
        for i, c in enumerate(_BEALE_C, start=1):
            r = c - x + x * y**i
            yield i, x, y, r, y**i - 1, i * x * y ** (i - 1)

    def value(p):
        return sum(r**2 for _, _, _, r, _, _ in residuals(p))

    def grad(p):
        return sum(np.stack([2 * r * rx, 2 * r * ry], -1) for _, _, _, r, rx, ry in residuals(p))

    def hess(p):  # 2 sum_i (grad r_i grad r_i^T + r_i hess r_i)
        H = 0.0
        for i, x, y, r, rx, ry in residuals(p):
            rxy, ryy = i * y ** (i - 1), i * (i - 1) * x * y ** max(i - 2, 0)
            H = H + 2 * _hess2(rx * rx, rx * ry + r * rxy, ry * ry + r * ryy)
        return H

    formula = r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"
    window = ((-4.5, 4.5), (-4.5, 4.5))
    x0, minimizers = np.array([1.0, 1.5]), np.array([[3.0, 0.5]])
    return Problem("beale", 2, value, grad, hess, minimizers, 0.0, window, x0, formula, True)


def saddle():
    """``x^2 + y^4/4 - y^2/2``: a saddle at the origin, minima ``-1/4`` at ``(0, +-1)``."""

    def value(p):
        x, y = _xy(p)
        return x**2 + y**4 / 4 - y**2 / 2

    def grad(p):
        x, y = _xy(p)
        return np.stack([2 * x, y**3 - y], axis=-1)

    def hess(p):
        x, y = _xy(p)
        return _hess2(2.0, 0.0, 3 * y**2 - 1)

    formula = r"f(x, y) = x^2 + \tfrac{1}{4}y^4 - \tfrac{1}{2}y^2"
    minimizers = np.array([[0.0, -1.0], [0.0, 1.0]])
    window = ((-1.5, 1.5), (-1.5, 1.5))
    x0 = np.array([1.0, 0.01])
    return Problem("saddle", 2, value, grad, hess, minimizers, -0.25, window, x0, formula)


def himmelblau():
    """Himmelblau's function ``(x^2 + y - 11)^2 + (x + y^2 - 7)^2``: four minima, all 0."""

    def value(p):
        x, y = _xy(p)
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def grad(p):
        x, y = _xy(p)
        u, v = x**2 + y - 11, x + y**2 - 7
        return np.stack([4 * x * u + 2 * v, 2 * u + 4 * y * v], axis=-1)

    def hess(p):
        x, y = _xy(p)
        u, v = x**2 + y - 11, x + y**2 - 7
        return _hess2(4 * u + 8 * x**2 + 2, 4 * (x + y), 4 * v + 8 * y**2 + 2)

    rough = [[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]]
    minimizers = np.array([_newton_minimise(value, grad, hess, np.array(p))[0] for p in rough])
    formula = r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    window = ((-5.0, 5.0), (-5.0, 5.0))
    x0 = np.array([0.0, 0.0])
    return Problem("himmelblau", 2, value, grad, hess, minimizers, 0.0, window, x0, formula, True)


_TRAITS = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity"]
_TRAITS += ["concave points", "symmetry", "fractal dimension"]
FEATURE_NAMES = tuple(f"{a}{q}{b}" for a, b in [("mean ", ""), ("", " error"), ("worst ", "")]
                      for q in _TRAITS)  # fmt: skip
"""The 30 breast-cancer feature names, in column order (as scikit-learn names them)."""


@functools.lru_cache(maxsize=1)
def breast_cancer():
    """``(X, y)``: the 569 x 30 Wisconsin breast-cancer features, standardised, labels 1 = benign.

    Read from the CSV that scikit-learn ships (without importing scikit-learn). Its first line
    is ``n_samples,n_features,target names``; each row is 30 features and the class (0 =
    malignant, 1 = benign). Features are scaled to mean 0 and (population) standard deviation 1.
    The arrays are cached and read-only.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError("logistic_regression reads a data file that scikit-learn ships")
    path = Path(spec.origin).parent / "datasets" / "data" / "breast_cancer.csv"
    with open(path) as f:
        n, d = (int(k) for k in f.readline().split(",")[:2])
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    if data.shape != (n, d + 1):
        raise ValueError(f"{path}: expected {n} rows of {d} features and a label")
    X, y = data[:, :d], data[:, d]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _logistic(A, y, reg):
    """Loss, gradient, Hessian of mean cross-entropy on design ``A`` plus ``sum(reg * x^2) / 2``."""

    def value(x):
        x = np.asarray(x, dtype=float)
        z = x @ A.T
        return np.mean(np.logaddexp(0, z) - y * z, axis=-1) + 0.5 * (x * x) @ reg

    def grad(x, A=A, y=y):
        x = np.asarray(x, dtype=float)
        sigma = np.exp(-np.logaddexp(0, -(x @ A.T)))  # 1 / (1 + e^-z) without overflow
        return (sigma - y) @ A / len(y) + reg * x

    def hess(x):
        z = np.asarray(x, dtype=float) @ A.T
        w = np.exp(-np.logaddexp(0, z) - np.logaddexp(0, -z))  # sigma (1 - sigma)
        H = (A.T * w[..., None, :]) @ A / len(y) + np.diag(reg)
        return (H + np.swapaxes(H, -1, -2)) / 2  # exactly symmetric

    return value, grad, hess


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
    """Logistic regression on the breast-cancer data: a convex loss on real data.

    ``f(w, b) = mean_i [log(1 + e^{z_i}) - y_i z_i] + l2/2 |w|^2`` with ``z_i = w^T x_i + b``,
    the mean cross-entropy of ``P(benign) = sigmoid(z)``. Parameters are laid out as
    ``(w_1, ..., w_30, b)``: 31 numbers, the bias last and not penalised. ``features=(i, j)``
    keeps two features and no bias: a 2-parameter problem ``(w_i, w_j)`` for contour plots (see
    ``FEATURE_NAMES``). ``stochastic_grad(x, rng)`` draws ``batch_size`` examples without
    replacement; a batch of points shares one mini-batch. The minimiser is found once by
    Newton's method (none is listed if it does not converge, as with ``l2=0`` on separable data).
    """
    X, y = breast_cancer()
    n = len(y)
    if not (isinstance(batch_size, int | np.integer) and 1 <= batch_size <= n):
        raise ValueError(f"batch_size must be an integer in [1, {n}], got {batch_size!r}")
    l2 = float(check_range("l2", l2, 0))
    if features is not None:
        ok = len(features) == 2 and all(isinstance(i, int | np.integer) for i in features)
        if not ok or not all(0 <= i < X.shape[1] for i in features) or features[0] == features[1]:
            raise ValueError(f"features must be two distinct integers in [0, 30), got {features!r}")
        features = (int(features[0]), int(features[1]))
    A, reg, xstar = _model(l2, features)
    value, grad, hess = _logistic(A, y, reg)

    def stochastic_grad(x, rng):
        i = rng.choice(n, size=batch_size, replace=False)
        return grad(x, A[i], y[i])

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
                   False, stochastic_grad)  # fmt: skip


PROBLEMS = {
    "quadratic": quadratic,
    "rosenbrock": rosenbrock,
    "beale": beale,
    "saddle": saddle,
    "himmelblau": himmelblau,
    "logistic_regression_2d": functools.partial(logistic_regression, features=(0, 1)),
}
"""Makers of the 2-D problems by name, for problem selectors (``logistic_regression_2d``:
features 0 and 1, mean radius and mean texture)."""
