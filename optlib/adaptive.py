"""Per-coordinate step sizes: Adagrad, RMSprop, Adadelta and Rprop (as ``torch.optim``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optlib._base import FirstOrder, check_flag, check_pair, check_range, finish, prepare

__all__ = ["Adagrad", "RMSprop", "Adadelta", "Rprop"]


class AdagradState(NamedTuple):
    t: int  # steps taken
    G: np.ndarray  # sum of squared gradients


class Adagrad(FirstOrder):
    r"""Adagrad (Duchi, Hazan and Singer, 2011), as ``torch.optim.Adagrad``.

    With :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}`,

    .. math::

        G_t &= G_{t-1} + g_t^2, \qquad G_0 = G_\text{init} \\
        \eta_t &= \eta / (1 + (t - 1)\,\zeta) \\
        x_t &= x_{t-1} - \frac{\eta_t}{\sqrt{G_t} + \varepsilon}\, g_t

    elementwise. Symbols and arguments (defaults): :math:`\eta` ``lr`` (``1e-2``),
    :math:`\zeta` ``lr_decay`` (``0``), :math:`\omega` ``weight_decay`` (``0``; PyTorch's
    documentation writes :math:`\lambda`), :math:`G_\text{init}` ``initial_accumulator_value``
    (``0``), :math:`\varepsilon` ``eps`` (``1e-10``); flag ``maximize=False``. Because
    :math:`G_t` only grows and :math:`\eta_t` only shrinks, each coordinate's step size
    :math:`\eta_t/(\sqrt{G_t} + \varepsilon)` never increases.

    Differences from the paper and from Keras:

    * The paper's diagonal update is :math:`x_{t} = x_{t-1} - \eta\, g_t / (\delta +
      \sqrt{G_t})`, with its :math:`\delta \ge 0` (this :math:`\varepsilon`, not the book's
      damping) outside the square root, as here; it has no ``lr_decay`` (a torch addition)
      and no weight decay.
    * Keras's ``Adagrad`` puts epsilon inside the root, :math:`g_t / \sqrt{G_t + \varepsilon}`,
      and defaults to ``learning_rate=1e-3``, ``initial_accumulator_value=0.1``,
      ``epsilon=1e-7``.

    Reference: J. Duchi, E. Hazan, Y. Singer (2011), Adaptive subgradient methods for
    online learning and stochastic optimization, JMLR 12.
    """

    def __init__(
        self, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
        maximize=False,
    ):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.lr_decay = check_range("lr_decay", lr_decay)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.initial_accumulator_value = check_range(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = check_range("eps", eps)
        self.maximize = check_flag("maximize", maximize)

    def init(self, x):
        G = np.zeros_like(x, dtype=float) + self.initial_accumulator_value
        return AdagradState(t=0, G=G)

    def terms(self, x, g, state):
        """``g`` (with L2), ``G``, ``lr_t``, ``step_size``, ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, self.maximize, self.weight_decay)
        t = state.t + 1
        G = state.G + g * g
        lr_t = self.lr / (1 + (t - 1) * self.lr_decay)
        step_size = lr_t / (np.sqrt(G) + self.eps)
        update = -step_size * g
        new = AdagradState(t=t, G=G)
        return finish(x, update, new, g=g, G=G, lr_t=lr_t, step_size=step_size)


class RMSpropState(NamedTuple):
    t: int  # steps taken
    square_avg: np.ndarray  # v: running mean of g^2
    grad_avg: np.ndarray  # running mean of g (used when centered)
    buf: np.ndarray  # momentum buffer b


class RMSprop(FirstOrder):
    r"""RMSprop (Hinton, 2012), optionally centered (Graves, 2013), as ``torch.optim.RMSprop``.

    With :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}`,

    .. math::

        v_t &= \rho v_{t-1} + (1 - \rho)\, g_t^2 \\
        \bar g_t &= \rho \bar g_{t-1} + (1 - \rho)\, g_t \\
        \tilde v_t &= \max(v_t - \bar g_t^2, 0) \ \text{if centered, else } v_t \\
        b_t &= \beta b_{t-1} + g_t / (\sqrt{\tilde v_t} + \varepsilon) \\
        x_t &= x_{t-1} - \eta\, b_t

    elementwise, from :math:`v_0 = \bar g_0 = b_0 = 0`; with :math:`\beta = 0` the last two
    lines are :math:`x_t = x_{t-1} - \eta g_t / (\sqrt{\tilde v_t} + \varepsilon)`. Symbols
    and arguments (defaults): :math:`\eta` ``lr`` (``1e-2``), :math:`\rho` ``alpha``
    (``0.99``, in [0, 1]; PyTorch's documentation writes :math:`\alpha`), :math:`\varepsilon`
    ``eps`` (``1e-8``), :math:`\omega` ``weight_decay`` (``0``; PyTorch's :math:`\lambda`),
    :math:`\beta` ``momentum`` (``0``; PyTorch's :math:`\mu`); flags ``centered=False``,
    ``maximize=False``. The state calls :math:`v_t` ``square_avg``, :math:`\bar g_t`
    ``grad_avg`` (updated only when ``centered``; zero otherwise) and :math:`b_t` ``buf``.

    Differences from the sources and from Keras:

    * Hinton's lecture divides by :math:`\sqrt{v_t}` with decay 0.9 and no epsilon; torch
      adds :math:`\varepsilon` outside the root and defaults to :math:`\rho = 0.99`.
    * The centered form, with momentum, is from Graves (2013), who divides by
      :math:`\sqrt{v_t - \bar g_t^2 + \varepsilon}` (epsilon inside the root).
    * There is no bias correction: :math:`v_1 = (1 - \rho) g_1^2`, so the first steps
      are larger by about :math:`1/\sqrt{1 - \rho^t}` than Adam's with
      :math:`\beta_1 = 0, \beta_2 = \rho`.
    * Keras's ``RMSprop`` puts epsilon inside the root, :math:`g_t / \sqrt{v_t + \varepsilon}`,
      keeps the momentum buffer already multiplied by the learning rate, and defaults to
      ``learning_rate=1e-3``, ``rho=0.9``, ``epsilon=1e-7``.

    References: G. Hinton, N. Srivastava, K. Swersky (2012), Neural networks for machine
    learning, lecture 6e; A. Graves (2013), Generating sequences with recurrent neural
    networks, arXiv:1308.0850.
    """

    def __init__(
        self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
        maximize=False,
    ):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.alpha = check_range("alpha", alpha, 0.0, 1.0)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.momentum = check_range("momentum", momentum)
        self._no_momentum = np.ndim(self.momentum) == 0 and self.momentum == 0
        self.centered = check_flag("centered", centered)
        self.maximize = check_flag("maximize", maximize)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return RMSpropState(t=0, square_avg=zero, grad_avg=zero, buf=zero)

    def terms(self, x, g, state):
        """``g`` (after weight decay), ``square_avg``, ``grad_avg``, ``step_size``, ``buf``,
        ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, self.maximize, self.weight_decay)
        a = self.alpha
        square_avg = a * state.square_avg + (1 - a) * g * g
        if self.centered:
            grad_avg = a * state.grad_avg + (1 - a) * g
            var = np.maximum(square_avg - grad_avg**2, 0)  # >= 0 despite rounding
        else:
            grad_avg, var = state.grad_avg, square_avg
        denom = np.sqrt(var) + self.eps
        step_size = self.lr / denom
        buf = g / denom if self._no_momentum else self.momentum * state.buf + g / denom
        update = -self.lr * buf
        new = RMSpropState(t=state.t + 1, square_avg=square_avg, grad_avg=grad_avg, buf=buf)
        return finish(
            x,
            update,
            new,
            g=g,
            square_avg=square_avg,
            grad_avg=grad_avg,
            step_size=step_size,
            buf=buf,
        )


class AdadeltaState(NamedTuple):
    t: int  # steps taken
    square_avg: np.ndarray  # E[g^2]
    acc_delta: np.ndarray  # E[dx^2]


class Adadelta(FirstOrder):
    r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``.

    With :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}`,

    .. math::

        v_t &= \rho v_{t-1} + (1 - \rho)\, g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \varepsilon}}{\sqrt{v_t + \varepsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1 - \rho)\, \Delta_t^2 \\
        x_t &= x_{t-1} - \eta\, \Delta_t

    elementwise, from :math:`v_0 = u_0 = 0`. Zeiler writes :math:`E[g^2]_t` for :math:`v_t`
    and :math:`E[\Delta x^2]_t` for :math:`u_t`; the state calls them ``square_avg`` and
    ``acc_delta``. Symbols and arguments (defaults): :math:`\eta` ``lr`` (``1.0``),
    :math:`\rho` ``rho`` (``0.9``, in [0, 1]), :math:`\varepsilon` ``eps`` (``1e-6``),
    :math:`\omega` ``weight_decay`` (``0``; PyTorch's documentation writes :math:`\lambda`);
    flag ``maximize=False``.

    Differences from the paper and from Keras:

    * Zeiler's update has no learning rate: it is :math:`\eta = 1`, torch's default.
      With :math:`\eta \ne 1`, :math:`u_t` still accumulates the unscaled
      :math:`\Delta_t`, not the actual move :math:`x_t - x_{t-1} = -\eta\Delta_t` (torch
      and Keras both do this).
    * Keras's ``Adadelta`` has the same form but defaults to ``learning_rate=1e-3`` (its
      documentation says to use 1.0 to match the paper), ``rho=0.95``, ``epsilon=1e-7``.

    Reference: M. D. Zeiler (2012), ADADELTA: an adaptive learning rate method,
    arXiv:1212.5701.
    """

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        self.lr = check_range("lr", lr)
        self.rho = check_range("rho", rho, 0.0, 1.0)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.maximize = check_flag("maximize", maximize)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return AdadeltaState(t=0, square_avg=zero, acc_delta=zero)

    def terms(self, x, g, state):
        """``g`` (after weight decay), ``square_avg``, ``step_size`` (per unit gradient),
        ``delta``, ``acc_delta``, ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, self.maximize, self.weight_decay)
        rho, eps = self.rho, self.eps
        square_avg = rho * state.square_avg + (1 - rho) * g * g
        ratio = np.sqrt(state.acc_delta + eps) / np.sqrt(square_avg + eps)
        delta = ratio * g
        acc_delta = rho * state.acc_delta + (1 - rho) * delta * delta
        update = -self.lr * delta
        new = AdadeltaState(t=state.t + 1, square_avg=square_avg, acc_delta=acc_delta)
        return finish(
            x,
            update,
            new,
            g=g,
            square_avg=square_avg,
            step_size=self.lr * ratio,
            delta=delta,
            acc_delta=acc_delta,
        )


class RpropState(NamedTuple):
    t: int  # steps taken
    prev: np.ndarray  # tilde g: the previous step's gradient (zeroed where its sign flipped)
    step_size: np.ndarray  # per-coordinate step size Delta


class Rprop(FirstOrder):
    r"""Resilient backpropagation, as ``torch.optim.Rprop`` (the iRprop- variant).

    Only the sign of the gradient is used. Elementwise, with :math:`g_t = \nabla f(x_{t-1})`
    and :math:`\tilde g_{t-1}` the gradient stored by the previous step (zero where its sign
    flipped),

    .. math::

        \Delta_t &= \operatorname{clip}\Big(\Delta_{t-1} \cdot \begin{cases}
                \eta^+ & g_t \tilde g_{t-1} > 0 \\ \eta^- & g_t \tilde g_{t-1} < 0 \\
                1 & \text{otherwise} \end{cases},\ \Delta_\min,\ \Delta_\max\Big) \\
        \tilde g_t &= \begin{cases} 0 & g_t \tilde g_{t-1} < 0 \\
                g_t & \text{otherwise} \end{cases} \\
        x_t &= x_{t-1} - \Delta_t \operatorname{sign}(\tilde g_t)

    from :math:`\Delta_0 = \eta` and :math:`\tilde g_0 = 0`. Symbols and arguments (defaults):
    :math:`\eta` ``lr`` (``1e-2``, only the initial step size), :math:`(\eta^-, \eta^+)`
    ``etas`` (``(0.5, 1.2)``, :math:`0 < \eta^- < 1 < \eta^+`), :math:`(\Delta_\min,
    \Delta_\max)` ``step_sizes`` (``(1e-6, 50)``, :math:`0 \le \Delta_\min \le \Delta_\max`);
    flag ``maximize=False``.

    Differences from the paper:

    * Riedmiller and Braun's Rprop (1993) undoes the previous step where the sign flips
      (weight backtracking, :math:`x_t = x_{t-1} + \Delta_{t-1}\operatorname{sign}(g_{t-1})`)
      before zeroing the gradient. torch, and optlib, do not backtrack: a sign flip only
      shrinks :math:`\Delta` and skips that coordinate's move, which is the variant Igel
      and Huesken (2000) call iRprop-.
    * The paper starts from :math:`\Delta_0 = 0.1`; torch from ``lr``.
    * Keras has no Rprop.

    References: M. Riedmiller, H. Braun (1993), A direct adaptive method for faster
    backpropagation learning: the RPROP algorithm, IEEE ICNN; C. Igel, M. Huesken (2000),
    Improving the Rprop learning algorithm, NC 2000.
    """

    def __init__(self, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        self.lr = check_range("lr", lr)
        eta_minus = check_range("etas[0]", etas[0], 0.0, 1.0, low_open=True, high_open=True)
        eta_plus = check_range("etas[1]", etas[1], 1.0, np.inf, low_open=True)
        self.etas = tuple(np.broadcast_arrays(eta_minus, eta_plus))
        self.step_sizes = check_pair("step_sizes", step_sizes, 0.0, np.inf)
        if np.any(self.step_sizes[0] > self.step_sizes[1]):
            raise ValueError("step_sizes must satisfy step_sizes[0] <= step_sizes[1]")
        self.maximize = check_flag("maximize", maximize)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return RpropState(t=0, prev=zero, step_size=zero + self.lr)

    def terms(self, x, g, state):
        """``g`` (zeroed where the sign flipped), ``sign``, ``step_size``, ``update``, ``x``,
        ``state``."""
        x, g, _ = prepare(x, g, self.maximize)
        (eta_minus, eta_plus), (lo, hi) = self.etas, self.step_sizes
        sign = np.sign(g * state.prev)
        factor = np.where(sign > 0, eta_plus, np.where(sign < 0, eta_minus, 1.0))
        step_size = np.clip(state.step_size * factor, lo, hi)
        g = np.where(sign < 0, 0.0, g)
        update = -step_size * np.sign(g)
        new = RpropState(t=state.t + 1, prev=g, step_size=step_size)
        return finish(x, update, new, g=g, sign=sign, step_size=step_size)
