r"""Layer-wise trust ratios for large batches: LARS (You et al., 2017) and LAMB (You et al., 2020).

Both scale each *layer*'s step by the ratio of that layer's parameter norm to its update
norm, so that every layer moves by a similar fraction of its size, whatever the scale of its
gradient. optlib's parameters are one flat vector ``x`` (the last axis; leading axes are a
batch of trajectories), so a layer is a slice of it: ``layers=[slice(0, 640), slice(640,
672), ...]``, one per weight matrix and bias vector (a network problem reports its own as
``problem.layers``). With ``layers=None`` the whole vector is one layer. torch.optim has
neither; optax has ``lars`` and ``lamb``, Keras has ``Lamb``.

Where a layer's parameter norm or update norm is zero the trust ratio is 1 (plain steps for
that layer), as in optax's ``scale_by_trust_ratio``: the papers' formula would give 0 and
freeze a layer that starts at zero, such as a bias.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optlib._base import (
    FirstOrder,
    check_layers,
    check_pair,
    check_range,
    finish,
    layer_slices,
    per_layer,
    prepare,
)

__all__ = ["LARS", "LAMB"]


def _norm(a):
    return np.sqrt(np.sum(a * a, axis=-1, keepdims=True))


def _trust_ratio(x_norm, d_norm, coefficient=1.0):
    """``coefficient * x_norm / d_norm`` where both norms are positive, else 1."""
    num = coefficient * x_norm
    out = np.ones(np.broadcast(num, d_norm).shape)
    return np.divide(num, d_norm, out=out, where=(x_norm > 0) & (d_norm > 0))


class LARSState(NamedTuple):
    t: int  # steps taken
    buf: np.ndarray  # momentum buffer b (the paper's v), lr already applied


class LARS(FirstOrder):
    r"""LARS: SGD with momentum and a layer-wise learning rate (You, Gitman and Ginsburg, 2017).

    For each layer :math:`l` (its coordinates :math:`x^{(l)}`, a slice of ``x`` given by
    ``layers``), with
    :math:`g_t = \nabla f(x_{t-1})`,

    .. math::

        \gamma^{(l)}_t &= \nu\, \frac{\lVert x^{(l)}_{t-1}\rVert}
                        {\lVert g^{(l)}_t\rVert + \omega \lVert x^{(l)}_{t-1}\rVert} \\
        b^{(l)}_t &= \beta\, b^{(l)}_{t-1} + \eta\, \gamma^{(l)}_t
                     \big(g^{(l)}_t + \omega x^{(l)}_{t-1}\big) \\
        x^{(l)}_t &= x^{(l)}_{t-1} - b^{(l)}_t

    from :math:`b_0 = 0`, with :math:`\gamma^{(l)}_t = 1` where a norm in it is zero.
    Symbols and arguments (defaults): :math:`\eta` ``lr`` (``1.0``; the paper's global rate
    :math:`\gamma`), :math:`\beta` ``momentum`` (``0.9``; the paper's :math:`m`),
    :math:`\omega` ``weight_decay`` (``0``; the paper's :math:`\beta`), :math:`\nu`
    ``trust_coefficient`` (``1e-3``; the paper's :math:`\eta`, "LARS coefficient"),
    ``layers`` (``None``: one layer). :math:`\gamma^{(l)}_t` is the paper's local learning
    rate :math:`\lambda^l`. All numbers may be arrays that broadcast against
    ``x``. Each layer's step, before momentum, has norm :math:`\eta\nu\lVert x^{(l)}\rVert`
    when :math:`\omega = 0`: a fixed fraction of the layer's size.

    Differences from the paper and from other libraries:

    * The paper's Algorithm 1 decays :math:`\eta` by :math:`(1 - t/T)^2`; here ``lr`` is
      constant (give ``optlib.run`` a schedule).
    * The buffer holds steps with :math:`\eta` already applied, as in the paper and in
      optax's ``lars``; torch-style implementations (Lightning's) keep :math:`b` without
      :math:`\eta` and step by :math:`\eta b` (the same while :math:`\eta` is constant).
    * optax's ``lars`` divides by :math:`\lVert g + \omega x\rVert` (the norm of the decayed
      gradient) instead of :math:`\lVert g\rVert + \omega\lVert x\rVert`. Many
      implementations let biases and normalisation parameters skip the trust ratio (masks);
      optlib gives every layer its ratio.

    Reference: Y. You, I. Gitman, B. Ginsburg (2017), Large batch training of convolutional
    networks, arXiv:1708.03888.
    """

    def __init__(self, lr=1.0, momentum=0.9, weight_decay=0, trust_coefficient=1e-3, *,
                 layers=None):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.momentum = check_range("momentum", momentum)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.trust_coefficient = check_range("trust_coefficient", trust_coefficient)
        self.layers = check_layers(layers)

    def init(self, x):
        layer_slices(self.layers, x)  # fail early on layers that do not fit x
        return LARSState(t=0, buf=np.zeros_like(x, dtype=float))

    def terms(self, x, g, state):
        """``g``, ``x_norm``, ``g_norm`` (per coordinate, of its layer), ``trust_ratio``,
        ``buf``, ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, maximize=False)
        layers, wd = layer_slices(self.layers, x), self.weight_decay
        x_norm, g_norm = per_layer(_norm, x, layers), per_layer(_norm, g, layers)
        trust_ratio = _trust_ratio(x_norm, g_norm + wd * x_norm, self.trust_coefficient)
        buf = self.momentum * state.buf + self.lr * trust_ratio * (g + wd * x)
        new = LARSState(t=state.t + 1, buf=buf)
        return finish(x, -buf, new, g=g, x_norm=x_norm, g_norm=g_norm, trust_ratio=trust_ratio,
                      buf=buf)  # fmt: skip


class LAMBState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment


class LAMB(FirstOrder):
    r"""LAMB: Adam's direction with a layer-wise trust ratio (You et al., 2020, Algorithm 2).

    With :math:`g_t = \nabla f(x_{t-1})` and :math:`m_t, v_t, \hat m_t, \hat v_t` as in
    ``Adam``, for each layer :math:`l` (its coordinates :math:`x^{(l)}`, a slice of ``x``
    given by ``layers``)

    .. math::

        d_t &= \hat m_t / (\sqrt{\hat v_t} + \varepsilon) + \omega\, x_{t-1} \\
        \gamma^{(l)}_t &= \lVert x^{(l)}_{t-1}\rVert \,/\, \lVert d^{(l)}_t\rVert \\
        x^{(l)}_t &= x^{(l)}_{t-1} - \eta\, \gamma^{(l)}_t\, d^{(l)}_t

    with :math:`\gamma^{(l)}_t = 1` where a norm in it is zero. So every layer moves by
    exactly :math:`\eta\lVert x^{(l)}_{t-1}\rVert` per step (where its norm is not zero):
    the step's length is set by the layer's size, its direction by Adam. Symbols and
    arguments (defaults): :math:`\eta` ``lr`` (``1e-3``), :math:`(\beta_1, \beta_2)`
    ``betas`` (``(0.9, 0.999)``), :math:`\varepsilon` ``eps`` (``1e-6``, as optax's),
    :math:`\omega` ``weight_decay`` (``0``; the paper's :math:`\lambda`, decoupled as in
    AdamW but inside the trust ratio), ``layers`` (``None``: one layer). The paper's
    :math:`r_t` is :math:`\hat m_t/(\sqrt{\hat v_t}+\varepsilon)` and its trust ratio is
    :math:`\phi(\lVert x\rVert)/\lVert d\rVert`.

    Differences from the paper and from other libraries:

    * The paper allows a scaling function :math:`\phi(z) = \min(\max(z, \gamma_l),
      \gamma_u)`; optlib uses :math:`\phi(z) = z`, as optax's ``lamb`` does.
    * torch.optim has no LAMB; optax's ``lamb`` is this rule, and Keras's ``Lamb`` defaults
      to ``epsilon=1e-7``.

    Reference: Y. You, J. Li, S. Reddi, J. Hseu, S. Kumar, S. Bhojanapalli, X. Song,
    J. Demmel, K. Keutzer, C.-J. Hsieh (2020), Large batch optimization for deep learning:
    training BERT in 76 minutes, ICLR, arXiv:1904.00962.
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0, *, layers=None):
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0, high_open=True)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.layers = check_layers(layers)

    def init(self, x):
        layer_slices(self.layers, x)  # fail early on layers that do not fit x
        zero = np.zeros_like(x, dtype=float)
        return LAMBState(t=0, m=zero, v=zero)

    def terms(self, x, g, state):
        """``g``, ``m``, ``v``, ``m_hat``, ``v_hat``, ``direction`` (:math:`d_t`),
        ``trust_ratio`` (per coordinate, of its layer), ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, maximize=False)
        layers = layer_slices(self.layers, x)
        (b1, b2), t = self.betas, state.t + 1
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        d = m_hat / (np.sqrt(v_hat) + self.eps) + self.weight_decay * x
        trust_ratio = _trust_ratio(per_layer(_norm, x, layers), per_layer(_norm, d, layers))
        update = -self.lr * trust_ratio * d
        new = LAMBState(t=t, m=m, v=v)
        return finish(x, update, new, g=g, m=m, v=v, m_hat=m_hat, v_hat=v_hat, direction=d,
                      trust_ratio=trust_ratio)  # fmt: skip
