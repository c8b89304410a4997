"""Checks for the exercises of the Newton chapter."""

from __future__ import annotations

import numpy as np

from optlib import problems
from optlib.checks._grading import check_function
from optlib.newton import BFGS, BFGSState, Newton

__all__ = ["check_newton_step", "check_bfgs_update"]


def _newton_step(x, g, H, delta=0.0):
    opt = Newton(damping=delta)
    return opt.step(x, g, opt.init(x), hess=H)[0]


def check_newton_step(fn, reveal=True):
    r"""``fn(x, g, H, delta=0.0)`` is one damped Newton step from ``x``, shape ``(d,)``:
    :math:`x - (H + \delta I)^{-1} g`, given the gradient ``g`` and the Hessian ``H`` at ``x``.

    Graded against ``optlib.Newton(damping=delta)`` on Rosenbrock's function at its standard
    start, at a point of the saddle problem where ``H`` is indefinite (without and with
    damping), and on a random 3-dimensional positive definite ``H``. ``reveal=False`` leaves
    the values out of the messages (see ``check_function``).
    """
    rosen, saddle = problems.rosenbrock(), problems.saddle()
    x_r, x_s = np.array([-1.2, 1.0]), np.array([0.5, 0.2])
    rng = np.random.default_rng(4)
    A = rng.normal(size=(3, 3))
    cases = [
        (x_r, rosen.grad(x_r), rosen.hess(x_r)),
        (x_s, saddle.grad(x_s), saddle.hess(x_s)),
        (x_s, saddle.grad(x_s), saddle.hess(x_s), 2.0),
        (rng.normal(size=3), rng.normal(size=3), A @ A.T + np.eye(3), 0.1),
    ]
    labels = [
        "Rosenbrock's function at its standard start",
        "the saddle problem, where H is indefinite",
        "the saddle problem with damping delta = 2",
        "a random 3-D positive definite H with damping delta = 0.1",
    ]
    check_function(fn, _newton_step, cases, name="newton_step", reveal=reveal, labels=labels)


def _bfgs_update(M, s, y):
    # optlib.BFGS's update of M by the pair (s, y): previous point and gradient 0, then (s, y)
    state = BFGSState(np.asarray(M, dtype=float), np.zeros_like(s), np.zeros_like(y), np.array(1))
    return BFGS(line_search=False).terms(s, y, state)["M"]


def check_bfgs_update(fn, reveal=True):
    r"""``fn(M, s, y)`` is the BFGS update of the inverse-Hessian approximation ``M``, shape
    ``(d, d)``, by the secant pair ``s``, ``y`` (shape ``(d,)``, with :math:`y^\top s > 0`):

    .. math::
        \Bigl(I - \frac{s y^\top}{y^\top s}\Bigr) M \Bigl(I - \frac{y s^\top}{y^\top s}\Bigr)
        + \frac{s s^\top}{y^\top s}.

    Graded against ``optlib.BFGS``'s update on :math:`M = I`, on a symmetric positive
    definite :math:`2 \times 2` matrix, and on a random :math:`4 \times 4` one with
    :math:`y = A s` for a positive definite :math:`A` (every case has :math:`y^\top s` well
    above the threshold below which ``optlib.BFGS`` skips its update). ``reveal=False`` leaves
    the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(5)
    B = rng.normal(size=(4, 4))
    s4 = rng.normal(size=4)
    cases = [
        (np.eye(2), np.array([1.0, 0.5]), np.array([2.0, 3.0])),
        (np.array([[2.0, 0.3], [0.3, 0.5]]), np.array([-0.2, 0.1]), np.array([-1.0, 0.4])),
        (B @ B.T + np.eye(4), s4, (np.diag([1.0, 2.0, 3.0, 4.0]) + 0.1) @ s4),
    ]
    labels = [
        "M = I in 2-D",
        "a symmetric positive definite 2 x 2 matrix M",
        "a random 4 x 4 matrix M with y = A s",
    ]
    check_function(fn, _bfgs_update, cases, name="bfgs_update", reveal=reveal, labels=labels)
