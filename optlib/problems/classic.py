"""The classic test functions: quadratics, Rosenbrock, Beale, a saddle and Himmelblau."""

from __future__ import annotations

import numpy as np

from optlib._base import check_range
from optlib.problems._problem import Problem, _hess2, _newton_minimise, _xy

__all__ = ["quadratic", "rosenbrock", "beale", "saddle", "himmelblau"]


def quadratic(kappa=10.0, angle=0.0, mu=1.0, *, eigenvalues=None):
    """Convex quadratic ``f = x^T A x / 2`` with eigenvalues ``mu, kappa*mu`` rotated by ``angle``.

    ``kappa`` is the condition number. ``eigenvalues=[...]`` (positive) gives any dimension
    and overrides ``kappa`` and ``mu``; ``angle`` (radians) rotates the eigenvectors in 2-D only.
    The minimiser is the origin.

    ``kappa`` and ``mu`` may be arrays (broadcast together to a shape ``K``): a batch of
    quadratics, one per entry, for sweeps. Then ``value``, ``grad`` and ``hess`` take ``x`` of
    shape ``(..., *K, 2)`` and evaluate quadratic ``k`` at ``x[..., k, :]``: run one trajectory
    per quadratic with ``x0`` of shape ``(*K, 2)``, and pair it with hyperparameters of shape
    ``(*K, 1)`` to sweep both. The minimiser (the origin), the minimum (0), ``x0`` and the
    plotting window are shared by all.
    """
    if eigenvalues is None:
        kappa = check_range("kappa", kappa, 0, np.inf, low_open=True)
        mu = check_range("mu", mu, 0, np.inf, low_open=True)
        if np.ndim(kappa) or np.ndim(mu):
            return _quadratic_batch(*np.broadcast_arrays(kappa, mu), angle)
        lam = np.array([mu, kappa * mu])
    else:
        lam = check_range("eigenvalues", eigenvalues, 0, np.inf, low_open=True).ravel()
    d = lam.size
    angle = float(check_range("angle", angle, -np.inf, np.inf))
    if d != 2 and angle != 0:
        raise ValueError(f"angle is only defined for d = 2, got d = {d}")
    R = _rotation(angle) if d == 2 else np.eye(d)
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


def _rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def _quadratic_batch(kappa, mu, angle):
    """The quadratics of ``quadratic(kappa=array)``: ``A`` has shape ``(*K, 2, 2)``."""
    angle = float(check_range("angle", angle, -np.inf, np.inf))
    R = _rotation(angle)
    lam = np.stack([mu, kappa * mu], axis=-1)  # (*K, 2)
    A = (R * lam[..., None, :]) @ R.T  # R diag(lam) R^T for each entry
    A = (A + np.swapaxes(A, -1, -2)) / 2

    def grad(x):
        return (A @ np.asarray(x, dtype=float)[..., None])[..., 0]

    def value(x):
        x = np.asarray(x, dtype=float)
        return 0.5 * (x * grad(x)) @ np.ones(2)

    def hess(x):
        return np.zeros(np.shape(x)[:-1] + (2, 2)) + A

    formula = r"f(x) = \tfrac{1}{2} x^\top A x,\quad A = R_\theta\,"
    formula += (
        rf"\operatorname{{diag}}(\mu, \kappa\mu)\,R_\theta^\top,\ \kappa \in [{kappa.min():g}, "
    )
    formula += rf"{kappa.max():g}],\ \theta = {angle:g}"
    x0, window = R @ np.array([-1.0, 0.5]), ((-1.25, 1.25), (-1.25, 1.25))
    return Problem("quadratic", 2, value, grad, hess, np.zeros((1, 2)), 0.0, window, x0, formula,
                   note=f"a batch of {kappa.size} quadratics of shape {kappa.shape}")  # fmt: skip


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
