"""Test problems: classic 2-D functions, quadratics and a small real logistic regression.

Each maker returns a :class:`Problem`, a record of plain functions in the manner of
``scipy.optimize.rosen`` / ``rosen_der`` / ``rosen_hess``. ``value``, ``grad`` and ``hess``
take points of shape ``(..., d)`` and return shapes ``(...)``, ``(..., d)`` and
``(..., d, d)``: one call evaluates a whole batch. Every gradient and Hessian is written out
by hand and checked against finite differences in ``tests/test_problems.py``.

One module per kind: ``classic`` (the 2-D test functions and quadratics), ``logistic`` (logistic
regression on real data), ``mlp`` (a small neural network on the handwritten digits), ``data`` (the data sets, read from the files scikit-learn ships);
``_problem`` holds the :class:`Problem` record they share.
"""

from __future__ import annotations

import functools

from optlib.problems._problem import Problem
from optlib.problems.classic import beale, himmelblau, quadratic, rosenbrock, saddle
from optlib.problems.data import FEATURE_NAMES, breast_cancer, digits
from optlib.problems.logistic import logistic_regression
from optlib.problems.mlp import digit_splits, mlp

__all__ = ["Problem", "quadratic", "rosenbrock", "beale", "saddle", "himmelblau"]
__all__ += [
    "logistic_regression",
    "mlp",
    "digit_splits",
    "breast_cancer",
    "digits",
    "FEATURE_NAMES",
    "PROBLEMS",
]

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
