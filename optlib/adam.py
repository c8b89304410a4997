"""The Adam family: Adam, AdamW, Adamax, NAdam (as ``torch.optim``) and the paper's AMSGrad."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optlib._base import FirstOrder, check_flag, check_pair, check_range, finish, prepare

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "AMSGrad"]


class AdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # first moment (running mean of g)
    v: np.ndarray  # second moment (running mean of g^2)
    v_max: np.ndarray  # max of v over all steps (used when amsgrad)


class Adam(FirstOrder):
    r"""Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``.

    With :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}` (an L2 penalty; for decoupled decay
    see ``AdamW``),

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad
        \hat v_t = v_t / (1 - \beta_2^t) \\
        x_t &= x_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \varepsilon)

    elementwise, from zero. ``amsgrad=True`` uses :math:`v^\max_t = \max(v^\max_{t-1}, v_t)`
    for :math:`v_t`; ``decoupled_weight_decay=True`` leaves :math:`g_t` alone and subtracts
    :math:`\eta\omega x_{t-1}` from :math:`x_t` instead (``AdamW``). Arguments (defaults):
    :math:`\eta` ``lr`` (``1e-3``), :math:`(\beta_1, \beta_2)` ``betas`` (``(0.9, 0.999)``,
    in [0, 1)), :math:`\varepsilon` ``eps`` (``1e-8``), :math:`\omega` ``weight_decay``
    (``0``; PyTorch's documentation writes :math:`\lambda`); flags ``amsgrad``,
    ``maximize``, ``decoupled_weight_decay`` (``False``). As :math:`\hat m_1 = g_1` and
    :math:`\hat v_1 = g_1^2`, the first step moves each coordinate by
    :math:`\eta |g_1| / (|g_1| + \varepsilon)`: by :math:`\eta`, up to :math:`\varepsilon`.

    Differences from the paper and from Keras:

    * torch's rule is the paper's Algorithm 1 (epsilon outside the root of :math:`\hat
      v_t`). Keras's is the paper's "efficient" form (end of its Section 2),
      :math:`x_t = x_{t-1} - \eta\sqrt{1 - \beta_2^t}\, m_t / ((1 - \beta_1^t)(\sqrt{v_t} +
      \hat\varepsilon))`: Algorithm 1 with :math:`\varepsilon = \hat\varepsilon / \sqrt{1 -
      \beta_2^t}`, larger in the first steps (default :math:`\hat\varepsilon = 10^{-7}`).
    * ``weight_decay`` is L2: :math:`\omega x_{t-1}` is divided by :math:`\sqrt{\hat v_t} +
      \varepsilon` like the gradient, so coordinates with large gradients are regularised
      less. ``AdamW`` decouples it (Loshchilov and Hutter).
    * ``amsgrad=True`` (torch's and Keras's) keeps both bias corrections and takes the
      maximum of the uncorrected :math:`v_t`; Reddi et al.'s form is ``AMSGrad``.

    Reference: D. P. Kingma, J. Ba (2015), Adam: a method for stochastic optimization,
    ICLR, arXiv:1412.6980.
    """

    def __init__(
        self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
        maximize=False, decoupled_weight_decay=False,
    ):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0, high_open=True)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.amsgrad = check_flag("amsgrad", amsgrad)
        self.maximize = check_flag("maximize", maximize)
        self.decoupled_weight_decay = check_flag("decoupled_weight_decay", decoupled_weight_decay)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return AdamState(t=0, m=zero, v=zero, v_max=zero)

    def terms(self, x, g, state):
        """``g`` (with L2), ``m``, ``v``, ``v_max``, ``m_hat``, ``v_hat``, ``step_size``, ..."""
        (b1, b2), lr, t = self.betas, self.lr, state.t + 1
        decoupled = self.decoupled_weight_decay
        x, g, decay = prepare(x, g, self.maximize, self.weight_decay, decoupled=decoupled, lr=lr)
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        v_max = np.maximum(state.v_max, v) if self.amsgrad else state.v_max
        m_hat = m / (1 - b1**t)
        v_hat = (v_max if self.amsgrad else v) / (1 - b2**t)
        step_size = lr / (np.sqrt(v_hat) + self.eps)
        update = decay - step_size * m_hat
        new = AdamState(t=t, m=m, v=v, v_max=v_max)
        return finish(
            x,
            update,
            new,
            g=g,
            m=m,
            v=v,
            v_max=v_max,
            m_hat=m_hat,
            v_hat=v_hat,
            step_size=step_size,
        )


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as ``torch.optim.AdamW``.

    With :math:`g_t = \nabla f(x_{t-1})`, the raw gradient (no decay term in it),

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad
        \hat v_t = v_t / (1 - \beta_2^t) \\
        x_t &= x_{t-1} - \eta\omega\, x_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \varepsilon)

    elementwise, from zero: ``Adam``'s rule with the decay taken out of the gradient. Same
    arguments, but ``weight_decay`` (:math:`\omega`; PyTorch's documentation writes
    :math:`\lambda`) defaults to ``1e-2``; ``weight_decay=0`` is Adam.

    Differences from the paper and from Keras:

    * The paper's Algorithm 2 is :math:`x_t = x_{t-1} - c_t(\alpha \hat m_t / (\sqrt{\hat
      v_t} + \varepsilon) + \lambda x_{t-1})`, with a schedule multiplier :math:`c_t` (the
      paper's :math:`\eta_t`) and its decay rate :math:`\lambda`: the decay :math:`c_t\lambda`
      does not scale with the learning rate :math:`\alpha`. torch's does
      (:math:`\eta = c_t\alpha`, :math:`\eta\omega = c_t\lambda`), so torch's :math:`\omega`
      is the paper's :math:`\lambda/\alpha`.
    * Keras's ``AdamW`` decays as torch does (default :math:`\omega = 0.004`).

    Reference: I. Loshchilov, F. Hutter (2019), Decoupled weight decay regularization,
    ICLR, arXiv:1711.05101.
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 *, maximize=False):  # fmt: skip
        super().__init__(lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)  # fmt: skip


class AdamaxState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # first moment
    u: np.ndarray  # exponentially weighted infinity norm


class Adamax(FirstOrder):
    r"""AdaMax, Adam in the infinity norm (Kingma and Ba, 2015, Sec. 7.1), as ``torch.optim.Adamax``.

    With :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}`,

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \varepsilon) \\
        x_t &= x_{t-1} - \frac{\eta}{1 - \beta_1^t}\, \frac{m_t}{u_t}

    from zero; :math:`u_t` (the paper's symbol, the state's ``u``; not Adadelta's average)
    needs no bias correction. Arguments (defaults): :math:`\eta` ``lr`` (``2e-3``),
    :math:`(\beta_1, \beta_2)` ``betas`` (``(0.9, 0.999)``), :math:`\varepsilon` ``eps``
    (``1e-8``), :math:`\omega` ``weight_decay`` (``0``; PyTorch's documentation writes
    :math:`\lambda`), ``maximize=False``. The paper has no epsilon; torch adds it inside the
    max, Keras outside, dividing by :math:`u_t + \varepsilon` (and defaulting to
    ``learning_rate=1e-3``).
    """

    def __init__(self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0, high_open=True)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.maximize = check_flag("maximize", maximize)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return AdamaxState(t=0, m=zero, u=zero)

    def terms(self, x, g, state):
        """``g`` (after weight decay), ``m``, ``u``, ``step_size``, ``update``, ``x``, ``state``."""
        (b1, b2), t = self.betas, state.t + 1
        x, g, _ = prepare(x, g, self.maximize, self.weight_decay)
        m = b1 * state.m + (1 - b1) * g
        u = np.maximum(b2 * state.u, np.abs(g) + self.eps)
        step_size = self.lr / (1 - b1**t) / u
        update = -step_size * m
        new = AdamaxState(t=t, m=m, u=u)
        return finish(x, update, new, g=g, m=m, u=u, step_size=step_size)


class NAdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    mu_product: np.ndarray  # mu_1 mu_2 ... mu_t


class NAdam(FirstOrder):
    r"""Nadam, Adam with Nesterov momentum (Dozat, 2016), as ``torch.optim.NAdam``.

    With :math:`g_t = \nabla f(x_{t-1}) + \omega x_{t-1}` (L2, as in ``Adam``) and the momenta
    :math:`\mu_t` (Dozat's and PyTorch's symbol, the method ``mu``; not the book's smallest
    eigenvalue :math:`\mu`) with their running product :math:`\Pi_t = \mu_1 \cdots \mu_t`,

    .. math::

        \mu_t &= \beta_1 \big(1 - \tfrac12\, 0.96^{t\psi}\big), \qquad \Pi_t = \Pi_{t-1}\,\mu_t \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
        \bar m_t &= \frac{1 - \mu_t}{1 - \Pi_t}\, g_t
                  + \frac{\mu_{t+1}}{1 - \Pi_t\,\mu_{t+1}}\, m_t \\
        x_t &= x_{t-1} - \eta\, \bar m_t / \big(\sqrt{\hat v_t} + \varepsilon\big)

    elementwise, from :math:`m_0 = v_0 = 0` and :math:`\Pi_0 = 1` (:math:`\bar m_t` is
    ``m_bar``, :math:`\Pi_t` the state's ``mu_product``). Arguments (defaults): :math:`\eta`
    ``lr`` (``2e-3``), ``betas``, :math:`\varepsilon` ``eps``, :math:`\omega` ``weight_decay``
    as in ``Adam``, :math:`\psi` ``momentum_decay`` (``4e-3``); flags
    ``decoupled_weight_decay=False`` (as ``AdamW``), ``maximize=False`` and
    ``momentum_schedule=True`` (optlib's own).

    **The paper's form**, Dozat's Algorithm 2 with a constant momentum :math:`\mu_t =
    \beta_1` (so :math:`\prod_{i \le t} \mu_i = \beta_1^t`), is ``momentum_schedule=False``.
    torch gives it with ``momentum_decay=inf`` (:math:`0.96^\infty = 0`);
    ``momentum_decay=0`` gives :math:`\mu_t = \beta_1/2` instead.

    Differences from the paper and from Keras:

    * Dozat's Algorithm 2 takes any sequence :math:`\mu_t`; torch fixes the schedule
      above, which starts near :math:`\beta_1/2` and rises slowly: :math:`\mu_t/\beta_1`
      is 0.52 at :math:`t\psi = 1` and 0.75 at :math:`t\psi = 17` (step 4250 by default).
    * Keras 3's ``Nadam`` has no ``momentum_decay``: its schedule is
      :math:`\beta_1(1 - \tfrac12\, 0.96^{t})`, torch's with :math:`\psi = 1`.

    Reference: T. Dozat (2016), Incorporating Nesterov momentum into Adam, ICLR workshop.
    """

    def __init__(
        self, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
        decoupled_weight_decay=False, *, maximize=False, momentum_schedule=True,
    ):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0, high_open=True)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.momentum_decay = check_range("momentum_decay", momentum_decay)
        self.decoupled_weight_decay = check_flag("decoupled_weight_decay", decoupled_weight_decay)
        self.maximize = check_flag("maximize", maximize)
        self.momentum_schedule = check_flag("momentum_schedule", momentum_schedule)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return NAdamState(t=0, m=zero, v=zero, mu_product=zero + 1.0)

    def mu(self, t):
        """The momentum coefficient :math:`\\mu_t` of step ``t``."""
        b1 = self.betas[0]
        return b1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay)) if self.momentum_schedule else b1

    def terms(self, x, g, state):
        """``g``, ``m``, ``v``, ``mu``, ``mu_next``, ``m_bar``, ``v_hat``, ``step_size``, ..."""
        (b1, b2), lr, t = self.betas, self.lr, state.t + 1
        decoupled = self.decoupled_weight_decay
        x, g, decay = prepare(x, g, self.maximize, self.weight_decay, decoupled=decoupled, lr=lr)
        mu, mu_next = self.mu(t), self.mu(t + 1)
        mu_product = state.mu_product * mu
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        m_bar = (1 - mu) / (1 - mu_product) * g + mu_next / (1 - mu_product * mu_next) * m
        v_hat = v / (1 - b2**t)
        step_size = lr / (np.sqrt(v_hat) + self.eps)
        update = decay - step_size * m_bar
        new = NAdamState(t=t, m=m, v=v, mu_product=mu_product)
        return finish(
            x,
            update,
            new,
            g=g,
            m=m,
            v=v,
            mu=mu,
            mu_next=mu_next,
            m_bar=m_bar,
            v_hat=v_hat,
            step_size=step_size,
        )


class AMSGrad(FirstOrder):
    r"""AMSGrad as in Reddi, Kale and Kumar (2018), Algorithm 2: no bias correction.

    With :math:`g_t = \nabla f(x_{t-1})`,

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        v^\max_t &= \max(v^\max_{t-1}, v_t) \\
        \eta_t &= \begin{cases} \eta / \sqrt t & \text{with square-root decay} \\
                  \eta & \text{otherwise} \end{cases} \\
        x_t &= x_{t-1} - \eta_t\, m_t / (\sqrt{v^\max_t} + \varepsilon)

    elementwise, from zero; ``sqrt_decay=True`` turns the square-root decay on
    (:math:`\eta/\sqrt t` is the step size of the paper's theorem).
    :math:`v^\max_t` (the paper's :math:`\hat v_t`) never decreases, so the effective step
    :math:`\eta_t/(\sqrt{v^\max_t} + \varepsilon)` never grows. Arguments (defaults):
    :math:`\eta` ``lr`` (``1e-3``), :math:`(\beta_1, \beta_2)` ``betas`` (``(0.9, 0.999)``),
    :math:`\varepsilon` ``eps`` (``1e-8``), ``sqrt_decay=False``. The state's ``v_max`` is
    :math:`v^\max_t`.

    Differences from the paper and from torch: the paper has no epsilon (``eps=0`` is
    its update, with 0/0 where all gradients so far were zero); it allows a varying
    :math:`\beta_{1t} \le \beta_1`; its projection onto a box is clipping, left to the
    caller. ``Adam(amsgrad=True)`` (torch's and optlib's) keeps both bias corrections:
    :math:`x_t = x_{t-1} - \eta \hat m_t / (\sqrt{v^\max_t / (1 - \beta_2^t)} + \varepsilon)`.

    Reference: S. J. Reddi, S. Kale, S. Kumar (2018), On the convergence of Adam and
    beyond, ICLR.
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, *, sqrt_decay=False):
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0, high_open=True)
        self.eps = check_range("eps", eps)
        self.sqrt_decay = check_flag("sqrt_decay", sqrt_decay)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return AdamState(t=0, m=zero, v=zero, v_max=zero)

    def terms(self, x, g, state):
        """``g``, ``m``, ``v``, ``v_hat``, ``lr_t``, ``step_size``, ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, maximize=False)
        (b1, b2), t = self.betas, state.t + 1
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        v_hat = np.maximum(state.v_max, v)
        lr_t = self.lr / np.sqrt(t) if self.sqrt_decay else self.lr
        step_size = lr_t / (np.sqrt(v_hat) + self.eps)
        update = -step_size * m
        new = AdamState(t=t, m=m, v=v, v_max=v_hat)
        return finish(x, update, new, g=g, m=m, v=v, v_hat=v_hat, lr_t=lr_t, step_size=step_size)
