"""Stochastic gradient descent, with heavy-ball or Nesterov momentum (``torch.optim.SGD``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optlib._base import FirstOrder, check_flag, check_range, finish, prepare

__all__ = ["SGD", "SGDState"]


class SGDState(NamedTuple):
    t: int  # steps taken
    buf: np.ndarray  # momentum buffer b


class SGD(FirstOrder):
    r"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    With gradient :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}` (negated first when
    ``maximize``), one step is

    .. math::

        b_t &= \begin{cases} g_t & t = 1 \\
                \beta\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases} \\
        d_t &= \begin{cases} g_t + \beta\, b_t & \text{nesterov} \\
                g_t & \beta = 0 \ \text{(plain gradient descent)} \\
                b_t & \text{otherwise} \end{cases} \\
        x_t &= x_{t-1} - \eta\, d_t

    Symbols and arguments (defaults): :math:`\eta` is ``lr`` (``1e-3``), :math:`\beta` is
    ``momentum`` (``0``; PyTorch's documentation writes :math:`\mu`), :math:`\tau` is ``dampening`` (``0``, in [0, 1]) and :math:`\omega` is
    ``weight_decay`` (``0``; PyTorch's documentation writes :math:`\lambda`); all may be
    arrays that broadcast against ``x``. The state holds the step count ``t`` and the buffer
    ``buf`` (:math:`b_t`).

    ``nesterov=False`` and ``maximize=False`` are flags. ``nesterov`` requires
    :math:`\beta > 0` and :math:`\tau = 0` (in every element, when they are arrays).

    Differences from the papers and from Keras:

    * **First step.** torch sets :math:`b_1 = g_1` without the factor
      :math:`1 - \tau`; dampening acts from the second step on. So does optlib.
    * **Heavy ball.** Polyak's method,
      :math:`x_{t} = x_{t-1} - \alpha \nabla f(x_{t-1}) + \beta (x_{t-1} - x_{t-2})`, is this
      update with :math:`\eta = \alpha`, the same :math:`\beta` and :math:`\tau = 0`:
      :math:`x_t - x_{t-1} = -\eta b_t = \beta (x_{t-1} - x_{t-2}) - \eta g_t`. Keras keeps
      the velocity :math:`w_t = \beta w_{t-1} - \eta g_t` (so :math:`w_t = -\eta b_t`); the
      two agree while :math:`\eta` is constant and differ when it changes, because torch
      multiplies the whole buffer by the current :math:`\eta`.
    * **Nesterov.** Sutskever et al.'s form of Nesterov's method evaluates the gradient
      at a look-ahead point: :math:`w_t = \beta w_{t-1} - \eta\nabla f(\theta_{t-1} + \beta
      w_{t-1})`, :math:`\theta_t = \theta_{t-1} + w_t` (the paper writes :math:`v_t` and
      :math:`\mu` for the velocity :math:`w_t` and :math:`\beta`). With ``nesterov=True``,
      :math:`x_t` is that look-ahead point, :math:`x_t = \theta_t + \beta w_t` (and
      :math:`w_t = -\eta b_t`), so the gradient is taken at the iterate itself. Keras's
      ``nesterov=True``, :math:`x_t = x_{t-1} + \beta w_t - \eta g_t`, is the same rule.
    * **Weight decay** is an L2 penalty added to the gradient (it enters the momentum
      buffer). Keras's ``weight_decay`` instead shrinks the variable,
      :math:`x \leftarrow x - \eta\omega x`, outside the update (decoupled, as AdamW).

    References: B. T. Polyak (1964), Some methods of speeding up the convergence of
    iteration methods; I. Sutskever, J. Martens, G. Dahl, G. Hinton (2013), On the
    importance of initialization and momentum in deep learning, ICML.
    """

    def __init__(
        self, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False
    ):
        self.lr = check_range("lr", lr)
        self.momentum = check_range("momentum", momentum)
        self.dampening = check_range("dampening", dampening, 0.0, 1.0)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.nesterov = check_flag("nesterov", nesterov)
        self.maximize = check_flag("maximize", maximize)
        if self.nesterov and np.any((self.momentum <= 0) | (self.dampening != 0)):
            raise ValueError("nesterov requires momentum > 0 and zero dampening")

    def init(self, x):
        return SGDState(t=0, buf=np.zeros_like(x, dtype=float))

    def terms(self, x, g, state):
        """The quantities of one step: ``g`` (after weight decay), ``buf``, ``update``,
        ``x`` (the new parameters) and ``state``."""
        x, g, _ = prepare(x, g, self.maximize, self.weight_decay)
        beta, tau, lr = self.momentum, self.dampening, self.lr
        buf = g if state.t == 0 else beta * state.buf + (1 - tau) * g
        d = g + beta * buf if self.nesterov else np.where(beta == 0, g, buf)
        new = SGDState(t=state.t + 1, buf=buf)
        return finish(x, -lr * d, new, g=g, buf=buf)
