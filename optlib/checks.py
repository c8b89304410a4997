"""Grading helpers for the exercises' ``check`` cells.

A chapter's coding exercise has a stub cell (tagged ``exercise``) that the student fills in,
solution cells (tagged ``solution``, removed from the student edition) and a ``check`` cell
that calls ONE function from this module on the student's answer::

    check_gd_step(gd_step)

Every check behaves the same way, so students learn it once:

- while the answer is still the stub (it raises ``NotImplementedError``, or a value is still
  ``...``), it raises ``AssertionError`` saying so;
- when the answer is wrong it raises ``AssertionError`` naming the first failing case: the call,
  what came back and what was expected (or, for a single value, only that it is wrong, so the
  message does not give the answer away);
- when the answer is right it prints one line that starts with ``Correct``.

Generic helpers (use them directly, or build a named check on them):

- ``check_value(answer, expected, tol=1e-8, name="answer")``: one number, array, tuple,
  string or bool.
- ``check_function(fn, reference, cases, name=None, tol=1e-8)``: call ``fn`` and ``reference``
  on each case (a tuple of positional arguments or a dict of keyword arguments; each call
  gets its own deep copy) and compare the results; tuples, lists, NamedTuples and dicts are
  compared element by element.

Named checks (one per exercise; the reference lives here, not in the student's notebook):

=============================  =======================================================
``check_gd_step(fn)``          ``fn(x, g, lr)`` returns the gradient-descent step
                               ``x - lr g`` (chapter 2)
``check_newton_step(fn)``      ``fn(x, g, H, delta=0.0)`` returns the point reached by
                               one damped Newton step, ``x - (H + delta I)^{-1} g``
                               (chapter 4)
``check_bfgs_update(fn)``      ``fn(M, s, y)`` returns the BFGS update of the
                               inverse-Hessian approximation ``M`` by the secant pair
                               ``(s, y)`` (chapter 4)
``check_adam_step(fn)``        ``fn(x, g, m, v, t, lr, b1, b2, eps)`` returns
                               ``(x_new, m_new, v_new)`` after Adam's step ``t``
                               (chapter 8)
=============================  =======================================================

To add one: write ``check_<what>(fn)`` below as a call of ``check_function`` whose reference
is computed by optlib or by a formula the chapter derives, with a few seeded cases that cover
the shapes the exercise allows (a scalar learning rate, a batch of points, ...), list it in
the table above, and call it from the chapter's ``check`` cell. The arguments of a check cell
are visible to the student, so never pass the answer itself there.
"""

from __future__ import annotations

import copy

import numpy as np

from optlib import problems
from optlib.adam import Adam
from optlib.newton import BFGS, BFGSState, Newton

__all__ = [
    "check_value",
    "check_function",
    "check_gd_step",
    "check_newton_step",
    "check_bfgs_update",
    "check_adam_step",
]


def _show(value):
    """A short, readable rendering of an argument or a result for a message."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, separator=", ", threshold=20)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple
        items = ", ".join(f"{k}={_show(v)}" for k, v in zip(value._fields, value, strict=True))
        return f"{type(value).__name__}({items})"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_show(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _mismatch(got, want, tol, where="result", detail=True):
    """Why ``got`` differs from ``want`` (a phrase), or None when they agree within ``tol``.

    ``detail=False`` leaves out by how much, so the phrase does not give ``want`` away.
    """
    if got is None and want is not None:
        return f"{where} is None (is a `return` missing?)"
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return f"{where} should be a dict with keys {sorted(want)}"
        for key in want:
            why = _mismatch(got[key], want[key], tol, f"{where}[{key!r}]", detail)
            if why:
                return why
        return None
    if isinstance(want, (tuple, list)) and not isinstance(got, np.ndarray):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"{where} should be a sequence of {len(want)} items"
        names = getattr(want, "_fields", range(len(want)))
        for key, g, w in zip(names, got, want, strict=True):
            label = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
            why = _mismatch(g, w, tol, label, detail)
            if why:
                return why
        return None
    if isinstance(want, (str, bool, np.bool_)):
        return None if got == want else f"{where} differs"
    try:
        g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return f"{where} is not a number or an array of numbers"
    if g.shape != w.shape:
        return f"{where} has shape {g.shape}, expected {w.shape}"
    if not np.allclose(g, w, rtol=tol, atol=tol, equal_nan=True):
        if not detail:
            return f"{where} differs"
        return f"{where} is off by up to {np.nanmax(np.abs(g - w)):.3g}"
    return None


def check_value(answer, expected, tol=1e-8, name="answer"):
    """Check one value against ``expected`` (relative and absolute tolerance ``tol``).

    The message of a wrong answer does not show ``expected``.
    """
    if answer is ... or answer is None:
        raise AssertionError(f"{name} has no value yet: replace the `...` with your answer.")
    why = _mismatch(answer, expected, tol, name, detail=False)
    if why:
        raise AssertionError(f"{name} = {_show(answer)} is not right: {why}.")
    print(f"Correct: {name} = {_show(answer)}.")


def _call(name, args, kwargs):
    shown = [_show(a) for a in args] + [f"{k}={_show(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def check_function(fn, reference, cases, name=None, tol=1e-8):
    """Check ``fn`` against ``reference`` on every case; stop at the first one that fails.

    ``cases`` is a list; each case is a tuple of positional arguments or a dict of keyword
    arguments. ``name`` (default ``fn.__name__``) is used in the messages.
    """
    cases = list(cases)
    if not cases:
        raise ValueError("check_function needs at least one case")
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        raise AssertionError(f"{name} should be a function, got {type(fn).__name__}.")
    for case in cases:
        args, kwargs = ((), case) if isinstance(case, dict) else (tuple(case), {})
        call = _call(name, args, kwargs)
        want = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        try:
            got = fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except NotImplementedError:
            raise AssertionError(
                f"{name} is not written yet: replace `raise NotImplementedError` with your code."
            ) from None
        except Exception as err:
            raise AssertionError(f"{call} raised {type(err).__name__}: {err}") from err
        why = _mismatch(got, want, tol)
        if why:
            raise AssertionError(f"{call} returned {_show(got)}, expected {_show(want)}: {why}.")
    print(f"Correct: {name} agrees with the reference on all {len(cases)} test cases.")


def _gd_step(x, g, lr):
    return np.asarray(x, dtype=float) - lr * np.asarray(g, dtype=float)


def check_gd_step(fn):
    """``fn(x, g, lr)`` is one gradient-descent step, ``x - lr * g``, for any shape of ``x``."""
    rng = np.random.default_rng(0)
    cases = [
        (np.array([1.0, -2.0]), np.array([0.5, 4.0]), 0.1),
        (rng.normal(size=3), rng.normal(size=3), 1.0),
        (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), np.array([[0.01], [0.1], [0.5], [1.0]])),
    ]
    check_function(fn, _gd_step, cases, name="gd_step")


def _newton_step(x, g, H, delta=0.0):
    opt = Newton(damping=delta)
    return opt.step(x, g, opt.init(x), hess=H)[0]


def check_newton_step(fn):
    r"""``fn(x, g, H, delta=0.0)`` is one damped Newton step from ``x``, shape ``(d,)``:
    :math:`x - (H + \delta I)^{-1} g`, given the gradient ``g`` and the Hessian ``H`` at ``x``.

    Graded against ``optlib.Newton(damping=delta)`` on Rosenbrock's function at its standard
    start, at a point of the saddle problem where ``H`` is indefinite (without and with
    damping), and on a random 3-dimensional positive definite ``H``.
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
    check_function(fn, _newton_step, cases, name="newton_step")


def _bfgs_update(M, s, y):
    # optlib.BFGS's update of M by the pair (s, y): previous point and gradient 0, then (s, y)
    state = BFGSState(np.asarray(M, dtype=float), np.zeros_like(s), np.zeros_like(y), np.array(1))
    return BFGS(line_search=False).terms(s, y, state)["M"]


def check_bfgs_update(fn):
    r"""``fn(M, s, y)`` is the BFGS update of the inverse-Hessian approximation ``M``, shape
    ``(d, d)``, by the secant pair ``s``, ``y`` (shape ``(d,)``, with :math:`y^\top s > 0`):

    .. math::
        \Bigl(I - \frac{s y^\top}{y^\top s}\Bigr) M \Bigl(I - \frac{y s^\top}{y^\top s}\Bigr)
        + \frac{s s^\top}{y^\top s}.

    Graded against ``optlib.BFGS``'s update on :math:`M = I`, on a symmetric positive
    definite :math:`2 \times 2` matrix, and on a random :math:`4 \times 4` one with
    :math:`y = A s` for a positive definite :math:`A` (every case has :math:`y^\top s` well
    above the threshold below which ``optlib.BFGS`` skips its update).
    """
    rng = np.random.default_rng(5)
    B = rng.normal(size=(4, 4))
    s4 = rng.normal(size=4)
    cases = [
        (np.eye(2), np.array([1.0, 0.5]), np.array([2.0, 3.0])),
        (np.array([[2.0, 0.3], [0.3, 0.5]]), np.array([-0.2, 0.1]), np.array([-1.0, 0.4])),
        (B @ B.T + np.eye(4), s4, (np.diag([1.0, 2.0, 3.0, 4.0]) + 0.1) @ s4),
    ]
    check_function(fn, _bfgs_update, cases, name="bfgs_update")


def _adam_step(x, g, m, v, t, lr, b1, b2, eps):
    # optlib's Adam, started from the state (m, v) after t - 1 steps
    opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
    state = opt.init(x)._replace(t=np.asarray(t - 1), m=m, v=v)
    out = opt.terms(x, g, state)
    return out["x"], out["state"].m, out["state"].v


def check_adam_step(fn):
    """``fn(x, g, m, v, t, lr, b1, b2, eps)`` is Adam's step ``t`` (Algorithm 1 of Kingma and
    Ba, as ``torch.optim.Adam``) from the point ``x``, the gradient ``g`` and the moments
    ``m``, ``v`` of step ``t - 1``; it returns ``(x_new, m_new, v_new)``.

    Graded against ``optlib.Adam`` on a fresh state (zero moments) at ``t = 1``, on random
    moments (``v >= 0``) at ``t = 7``, on a ``(2, 3)`` batch with one learning rate per row
    and ``eps = 0``, and with a large ``eps = 0.1`` (so that ``eps`` inside the square root, or
    added to ``v`` before the correction, is caught).
    """
    rng = np.random.default_rng(8)

    def case(shape, t, *hyper):  # random x, g and moments of step t - 1
        x, g, m = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
        v = rng.random(shape)
        if t == 1:  # a fresh state
            m, v = np.zeros(shape), np.zeros(shape)
        return (x, g, m, v, t, *hyper)

    cases = [
        case((2,), 1, 0.1, 0.9, 0.999, 1e-8),
        case((3,), 7, 0.01, 0.8, 0.99, 1e-6),
        case((2, 3), 3, np.array([[0.1], [0.001]]), 0.5, 0.9, 0.0),
        case((4,), 5, 0.1, 0.9, 0.999, 0.1),
    ]
    check_function(fn, _adam_step, cases, name="adam_step")
