r"""Natural gradient descent and K-FAC: steps preconditioned by the Fisher information.

For a model :math:`p(y | a; x)` trained by the mean of :math:`-\log p(b_j | a_j; x)`, the Fisher
information matrix is

.. math::
    F(x) = \frac1n\sum_{j=1}^n \mathbb{E}_{y \sim p(\cdot | a_j; x)}\bigl[
           \nabla_x \log p(y | a_j; x)\, \nabla_x \log p(y | a_j; x)^\top\bigr],

the metric that measures a step by how much it changes the model's predictions (the KL
divergence, to second order). ``NaturalGradient`` solves with :math:`F` itself (the problem
supplies it: ``needs = ("fisher",)``); ``KFAC`` with the block-diagonal, Kronecker-factored
approximation of Martens & Grosse (2015) for a network (``needs = ("kfac",)``: the problem
supplies each layer's factors on the step's mini-batch). ``optlib.run`` passes both.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optlib._base import Optimizer, check_grad, check_range, finish

__all__ = ["NaturalGradient", "KFAC"]


class NaturalGradientState(NamedTuple):
    """Natural gradient descent keeps no state between steps."""


class NaturalGradient(Optimizer):
    r"""Natural gradient descent with damping (Amari 1998):

    .. math::
        x_t = x_{t-1} - \eta\, (F(x_{t-1}) + \delta I)^{-1} g_t

    with :math:`F` the Fisher information matrix at :math:`x_{t-1}` (passed as ``fisher=``,
    shape ``(..., d, d)``; ``optlib.run`` takes it from ``problem.fisher``, on the step's
    mini-batch when the run is stochastic) and :math:`g_t` the gradient. Symbols and arguments
    (defaults): :math:`\eta` ``lr`` (``1.0``), :math:`\delta` ``damping`` (``1e-3``), the
    Levenberg-Marquardt term that keeps the solve well posed where :math:`F` is (nearly)
    singular. Without damping the step is invariant under any invertible linear
    reparameterisation :math:`x = Mz`; for a model with a canonical link (logistic regression)
    :math:`F` is the Hessian of the cross-entropy, so the natural gradient is Newton's step on
    the unpenalised loss. Amari's method has no damping; Martens (2010) and the K-FAC papers add
    it. Cost: a :math:`d \times d` solve per step.

    References: S. Amari (1998), Natural gradient works efficiently in learning, Neural
    Computation 10; J. Martens (2020), New insights and perspectives on the natural gradient
    method, JMLR 21.
    """

    needs = ("fisher",)

    def __init__(self, lr=1.0, damping=1e-3):
        self.lr = check_range("lr", lr)
        self.damping = check_range("damping", damping)

    def init(self, x):
        return NaturalGradientState()

    def terms(self, x, g, state, *, fisher):
        """``g``, ``direction`` :math:`-(F + \\delta I)^{-1} g`, ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        g = check_grad(x, g)
        F = np.asarray(fisher, dtype=float)
        d = x.shape[-1]
        if F.shape[-2:] != (d, d):
            raise ValueError(f"fisher must have shape (..., {d}, {d}), got {F.shape}")
        damped = F + np.asarray(self.damping)[..., None] * np.eye(d)
        p = -np.linalg.solve(damped, g[..., None])[..., 0]
        return finish(x, self.lr * p, state, g=g, direction=p)


class KFACState(NamedTuple):
    t: int  # steps taken
    A: tuple  # running average of each layer's input factor A (empty before the first step)
    G: tuple  # running average of each layer's output-gradient factor G


class KFAC(Optimizer):
    r"""K-FAC (Martens & Grosse 2015): natural gradient with a block-diagonal, Kronecker-factored
    Fisher, one block per layer.

    For a dense layer :math:`s = W a + c`, write :math:`\bar a = (a, 1)` and :math:`V = [\nabla_W f
    \mid \nabla_c f]`, the layer's gradient as a ``fan_out x (fan_in + 1)`` matrix. Its block of
    the Fisher, :math:`\frac1B\sum_j (\delta_j\delta_j^\top) \otimes (\bar a_j \bar a_j^\top)` (in
    the row-by-row layout of ``V``, :math:`\delta_j` the gradient of :math:`\log p` with respect
    to :math:`s`, averaged over :math:`y \sim p`), is approximated by the Kronecker product of
    two averages, :math:`G \otimes A` with :math:`A = \frac1B\sum_j \bar a_j \bar a_j^\top` and
    :math:`G = \frac1B\sum_j \mathbb{E}[\delta_j \delta_j^\top]` (exact for one example). The
    problem supplies them (``kfac=``, see :class:`optlib.problems.mlp.Kronecker`). Then, per step
    and layer,

    .. math::
        \hat A_t &= \epsilon_t \hat A_{t-1} + (1 - \epsilon_t) A, \qquad
        \hat G_t = \epsilon_t \hat G_{t-1} + (1 - \epsilon_t) G, \qquad
        \epsilon_t = \min(1 - 1/t,\ \rho) \\
        \pi &= \sqrt{\frac{\operatorname{tr}(\hat A_t) / \dim \hat A_t}
                          {\operatorname{tr}(\hat G_t) / \dim \hat G_t}}, \qquad
        U = (\hat G_t + \tfrac{\sqrt\delta}{\pi} I)^{-1}\, V\, (\hat A_t + \pi\sqrt\delta\, I)^{-1} \\
        [W \mid c] &\leftarrow [W \mid c] - \eta\, U

    since :math:`(G \otimes A)^{-1} \operatorname{vec}(V) = \operatorname{vec}(G^{-1} V A^{-1})`.
    Symbols and arguments (defaults): :math:`\eta` ``lr`` (``1e-2``), :math:`\delta` ``damping``
    (``1e-3``), :math:`\rho` ``stat_decay`` (``0.95``). The running averages and the
    factored Tikhonov damping with its :math:`\pi` are the paper's (its sections 5 and 6.3, with
    :math:`\epsilon_t` as in section 5); left out: its adaptive damping, the step length and
    momentum chosen from a quadratic model (section 7), and inverses refreshed only every few
    steps (section 8; the layers here are small enough to solve each step). Parameters outside
    every layer are not moved. Cost per layer: two solves with the factors.

    Reference: J. Martens, R. Grosse (2015), Optimizing neural networks with
    Kronecker-factored approximate curvature, ICML.
    """

    needs = ("kfac",)

    def __init__(self, lr=1e-2, damping=1e-3, stat_decay=0.95):
        self.lr = check_range("lr", lr)
        self.damping = check_range("damping", damping, 0, low_open=True)
        self.stat_decay = check_range("stat_decay", stat_decay, 0, 1, high_open=True)

    def init(self, x):
        return KFACState(t=0, A=(), G=())

    def terms(self, x, g, state, *, kfac):
        """``g``, ``direction`` (the flat :math:`-U` of every layer), ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        g = check_grad(x, g)
        t = state.t + 1
        keep = np.minimum(1 - 1 / t, self.stat_decay)[..., None]  # epsilon_t, against (..., n, n)
        root = np.sqrt(self.damping)[..., None]
        lead, p = x.shape[:-1], np.zeros_like(g)
        As, Gs = [], []
        for i, (layer, A, G) in enumerate(kfac):
            if state.A:
                A, G = keep * state.A[i] + (1 - keep) * A, keep * state.G[i] + (1 - keep) * G
            As.append(A)
            Gs.append(G)
            a, b = _mean_diag(A), _mean_diag(G)
            with np.errstate(divide="ignore", invalid="ignore"):
                pi = np.where(b > 0, np.sqrt(a / b), 1.0)[..., None, None]  # 1 if G vanishes
            V = np.concatenate([g[..., layer.weight].reshape(lead + (layer.fan_out, layer.fan_in)),
                                g[..., layer.bias][..., None]], axis=-1)  # fmt: skip
            U = np.linalg.solve(G + root / pi * np.eye(G.shape[-1]), V)  # G^-1 V
            U = np.linalg.solve(A + pi * root * np.eye(A.shape[-1]), np.swapaxes(U, -1, -2))
            U = np.swapaxes(U, -1, -2)  # G^-1 V A^-1 (A is symmetric)
            p[..., layer.weight] = -U[..., :-1].reshape(lead + (-1,))
            p[..., layer.bias] = -U[..., -1]
        new = KFACState(t=t, A=tuple(As), G=tuple(Gs))
        return finish(x, self.lr * p, new, g=g, direction=p)


def _mean_diag(M):
    return np.trace(M, axis1=-2, axis2=-1) / M.shape[-1]
