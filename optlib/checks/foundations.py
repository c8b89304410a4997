"""Checks for the exercises of the foundations chapter."""

from __future__ import annotations

from optlib import problems
from optlib.checks._grading import check_function

__all__ = ["check_fd_grad"]


def check_fd_grad(fn, reveal=True):
    r"""``fn(f, x, h=1e-5)`` is the central-difference gradient of ``f`` at ``x``, shape ``(d,)``:
    component :math:`i` is :math:`\bigl(f(x + h e_i) - f(x - h e_i)\bigr) / (2h)`.

    Graded against the exact gradients (``grad``) of Rosenbrock's, Beale's and Himmelblau's
    functions and of the 31-parameter logistic regression, at two points near each standard
    start, to a relative and absolute tolerance of :math:`10^{-6}`: the central difference's
    error is of order :math:`h^2`, while a forward difference (error of order :math:`h`, about
    :math:`10^{-2}` on Rosenbrock's function) or a difference divided by :math:`h` instead of
    :math:`2h` fails. ``reveal=False`` leaves the values out of the messages (see
    ``check_function``).
    """
    tests = [problems.rosenbrock(), problems.beale(), problems.himmelblau()]
    tests.append(problems.logistic_regression())
    exact = {p.value: p.grad for p in tests}  # the reference: the exact gradient of f

    def reference(f, x, h=1e-5):
        return exact[f](x)

    cases = [(p.value, p.x0 + shift) for p in tests for shift in (0.3, -0.2)]
    names = ["Rosenbrock's function", "Beale's function", "Himmelblau's function"]
    names.append("the logistic regression")
    labels = [f"{name}, its start shifted by {s:+}" for name in names for s in (0.3, -0.2)]
    check_function(fn, reference, cases, name="fd_grad", tol=1e-6, reveal=reveal, labels=labels)
