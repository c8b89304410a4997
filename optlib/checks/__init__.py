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

Every check takes ``reveal=True``. With ``reveal=False`` the message of a wrong answer names
the failing case in words (``adam_step is wrong on test case 2 of 4 (step t = 7 from random
moments): result[0] differs.``) but shows neither the arguments, nor the value returned, nor
the value expected: the course kit (``tools/course_kit.py``) gives students that self-check
and keeps the full call for its hidden tests.

Generic helpers (use them directly, or build a named check on them):

- ``check_value(answer, expected, tol=1e-8, name="answer", reveal=True)``: one number,
  array, tuple, string or bool (its message never shows ``expected``).
- ``check_function(fn, reference, cases, name=None, tol=1e-8, reveal=True, labels=None)``:
  call ``fn`` and ``reference`` on each case (a tuple of positional arguments or a dict of
  keyword arguments; each call gets its own deep copy) and compare the results; tuples,
  lists, NamedTuples and dicts are compared element by element. ``labels`` describe the
  cases in words for the messages of ``reveal=False``.

Named checks (one per exercise; the reference lives here, not in the student's notebook):

=============================  =======================================================
``check_fd_grad(fn)``          ``fn(f, x, h=1e-5)`` returns the central-difference
                               gradient of ``f`` at ``x`` (chapter 1)
``check_gd_step(fn)``          ``fn(x, g, lr)`` returns the gradient-descent step
                               ``x - lr g`` and leaves ``x`` unchanged (the example
                               of ``instructors.md``; ``tests/data/exercises.ipynb``)
``check_epoch_batches(fn)``    ``fn(n, B, rng)`` returns one epoch of random
                               reshuffling: a permutation of ``range(n)`` drawn from
                               ``rng``, cut into batches of ``B`` (chapter 2)
``check_momentum_step(fn)``    ``fn(x, g, buf, t, lr, beta, tau=0.0,
                               nesterov=False)`` returns ``(x_new, buf_new)`` after
                               step ``t`` of SGD with momentum, as
                               ``torch.optim.SGD`` (chapter 3)
``check_newton_step(fn)``      ``fn(x, g, H, delta=0.0)`` returns the point reached by
                               one damped Newton step, ``x - (H + delta I)^{-1} g``
                               (chapter 4)
``check_bfgs_update(fn)``      ``fn(M, s, y)`` returns the BFGS update of the
                               inverse-Hessian approximation ``M`` by the secant pair
                               ``(s, y)`` (chapter 4)
``check_adagrad_step(fn)``     ``fn(x, g, G, t, lr, lr_decay, eps)`` returns
                               ``(x_new, G_new)`` after Adagrad's step ``t``
                               (chapter 5)
``check_rmsprop_step(fn)``     ``fn(x, g, v, lr, rho, eps)`` returns ``(x_new, v_new)``
                               after one step of RMSprop in PyTorch's form (chapter 6)
``check_rprop_step(fn)``       ``fn(x, g, prev, delta, etas, step_sizes)`` returns
                               ``(x_new, prev_new, delta_new)`` after one step of Rprop
                               in PyTorch's form, iRprop- (chapter 6)
``check_adadelta_step(fn)``    ``fn(x, g, v, u, lr, rho, eps)`` returns
                               ``(x_new, v_new, u_new)`` after one step of Adadelta
                               from the averages ``v``, ``u`` (chapter 7)
``check_adam_step(fn)``        ``fn(x, g, m, v, t, lr, b1, b2, eps)`` returns
                               ``(x_new, m_new, v_new)`` after Adam's step ``t``
                               (chapter 8)
``check_adamax_step(fn)``      ``fn(x, g, m, u, t, lr, b1, b2, eps)`` returns
                               ``(x_new, m_new, u_new)`` after AdaMax's step ``t``
                               in PyTorch's form (chapter 9)
``check_nadam_step(fn)``       ``fn(x, g, m, v, t, lr, b1, b2, eps)`` returns
                               ``(x_new, m_new, v_new)`` after Nadam's step ``t`` in
                               the paper's form, constant momentum (chapter 10)
``check_easgd_step(fn)``       ``fn(workers, center, grads, lr, alpha)`` returns
                               ``(workers_new, center_new)`` after one synchronous
                               step of elastic averaging SGD (chapter 15)
``check_adamw_step(fn)``       ``fn(x, g, m, v, t, lr, b1, b2, eps, weight_decay)``
                               returns ``(x_new, m_new, v_new)`` after AdamW's step
                               ``t`` in PyTorch's form (chapter 12)
``check_amsgrad_step(fn)``     ``fn(x, g, m, v, v_max, lr, b1, b2, eps)`` returns
                               ``(x_new, m_new, v_new, v_max_new)`` after one step
                               of AMSGrad, Reddi et al.'s Algorithm 2 (chapter 11)
``check_best_of_k(fn)``        ``fn(val, test, k)`` returns the expected test score of
                               the validation winner among ``k`` configurations drawn
                               with replacement (chapter 13)
``check_clip_grad_norm(fn)``   ``fn(g, max_norm)`` clips each row of ``g`` to norm
                               ``max_norm`` as ``torch.nn.utils.clip_grad_norm_``
                               does (chapter 14)
``check_lion_step(fn)``        ``fn(x, g, m, lr, b1, b2, wd)`` returns ``(x_new, m_new)``
                               after one step of Lion from the momentum ``m``
                               (chapter 16)
=============================  =======================================================

To add one: write ``check_<what>(fn, reveal=True)`` in this package's module for the chapter
(``sgd``, ``newton``, ``adam``, ...; a new chapter gets a new module) as a call of
``check_function`` whose reference is computed by optlib or by a formula the chapter derives,
with a few seeded cases that cover the shapes the exercise allows (a scalar learning rate, a
batch of points, ...) and one label in words per case, passing ``reveal`` and ``labels`` on
to ``check_function``; list it in the table above, and call it from the chapter's ``check``
cell. The arguments of a check cell are visible to the student, so never pass the answer
itself there.
"""

from __future__ import annotations

from optlib.checks._grading import check_function, check_value
from optlib.checks.adadelta import check_adadelta_step
from optlib.checks.adagrad import check_adagrad_step
from optlib.checks.adam import check_adam_step
from optlib.checks.adamax import check_adamax_step
from optlib.checks.adamw import check_adamw_step
from optlib.checks.amsgrad import check_amsgrad_step
from optlib.checks.arena import check_best_of_k
from optlib.checks.beyond_adam import check_lion_step
from optlib.checks.foundations import check_fd_grad
from optlib.checks.momentum import check_momentum_step
from optlib.checks.nadam import check_nadam_step
from optlib.checks.newton import check_bfgs_update, check_newton_step
from optlib.checks.parallel import check_easgd_step
from optlib.checks.rmsprop import check_rmsprop_step, check_rprop_step
from optlib.checks.schedules import check_clip_grad_norm
from optlib.checks.sgd import check_epoch_batches, check_gd_step

__all__ = [
    "check_value",
    "check_function",
    "check_fd_grad",
    "check_gd_step",
    "check_epoch_batches",
    "check_momentum_step",
    "check_newton_step",
    "check_bfgs_update",
    "check_adagrad_step",
    "check_rmsprop_step",
    "check_rprop_step",
    "check_adadelta_step",
    "check_adam_step",
    "check_adamax_step",
    "check_nadam_step",
    "check_easgd_step",
    "check_adamw_step",
    "check_lion_step",
    "check_amsgrad_step",
    "check_best_of_k",
    "check_clip_grad_norm",
]
