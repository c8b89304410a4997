r"""A small neural network on the handwritten digits: the book's deep-learning problem.

The network is a multilayer perceptron with tanh hidden units and a softmax output, trained by
the mean cross-entropy. Its parameters are ONE flat vector, laid out layer by layer as
``torch.nn.utils.parameters_to_vector`` lays out ``nn.Sequential(nn.Linear, nn.Tanh, ...,
nn.Linear)``: each layer's weight matrix row by row, then its bias. Every function takes a batch
of such vectors along leading axes, so one ``optlib.run`` trains many networks at once; the
forward and backward passes are written out by hand below (about 40 lines).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from optlib._base import check_range
from optlib.problems._problem import Problem, _check_batch_size, _sampler
from optlib.problems.data import digits

__all__ = ["mlp", "Layer", "Kronecker", "SPLIT_SIZES"]

SPLIT_SIZES = {"train": 1257, "validation": 270, "test": 270}
"""The digits are split once, the same way for every seed: 70% train, 15% validation, 15% test."""


class Layer(NamedTuple):
    """One dense layer :math:`s = W a + b` inside the flat vector ``x``.

    ``x[..., weight]`` is :math:`W` row by row (shape ``(fan_out, fan_in)``, as
    ``torch.nn.Linear.weight``) and ``x[..., bias]`` is :math:`b`.
    """

    weight: slice
    bias: slice
    fan_in: int
    fan_out: int


class Kronecker(NamedTuple):
    r"""K-FAC's factors of one layer: the Fisher block of :math:`(W, b)` is about ``G`` :math:`\otimes` ``A``.

    ``A`` = :math:`\frac1B\sum_j \bar a_j \bar a_j^\top`, shape ``(..., fan_in + 1, fan_in + 1)``,
    with :math:`\bar a_j = (a_j, 1)` the layer's input on example :math:`j` (and a 1 for the
    bias); ``G`` = :math:`\frac1B\sum_j \mathbb{E}_{y\sim p(\cdot|a_j)}[\delta_j\delta_j^\top]`,
    shape ``(..., fan_out, fan_out)``, with :math:`\delta_j = \partial(-\log p(y|a_j))/\partial s`
    (the expectation taken exactly over the 10 classes).
    """

    layer: Layer
    A: np.ndarray
    G: np.ndarray


@functools.lru_cache(maxsize=1)
def digit_splits():
    """The digits of :func:`mlp`, split once: ``{split: (inputs, one-hot labels, labels, rows
    of the digits)}`` for ``"train"``, ``"validation"`` and ``"test"`` (1257, 270 and 270 images),
    read-only; a fixed permutation decides which rows go where, the same for every seed."""
    X, y = digits()
    # the legacy generator's stream is frozen by NumPy's policy: the split never changes
    order = np.random.RandomState(0).permutation(len(y))
    out, start = {}, 0
    for name, size in SPLIT_SIZES.items():
        i = order[start : start + size]
        start += size
        arrays = (X[i], np.eye(10)[y[i]], y[i], i)
        for a in arrays:
            a.flags.writeable = False
        out[name] = arrays
    return out


def _params(x, layers):
    """The views ``(W, b)`` of each layer: ``W`` of shape ``(..., fan_out, fan_in)``."""
    lead = x.shape[:-1]
    return [
        (x[..., L.weight].reshape(lead + (L.fan_out, L.fan_in)), x[..., L.bias]) for L in layers
    ]


def _forward(params, a):
    """Inputs of every layer ``[a_0, ..., a_{L-1}]`` and the logits, from inputs ``a`` (..., B, 64)."""
    acts = [a]
    for W, b in params:
        s = acts[-1] @ np.swapaxes(W, -1, -2) + b[..., None, :]
        acts.append(np.tanh(s))
    return acts[:-1], s  # the last layer is linear: its tanh is not used


def _log_softmax(s):
    z = s - s.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _backward(params, acts, delta):
    """Gradient blocks ``[(dW, db), ...]`` (in layer order) from ``delta`` = d loss / d logits."""
    blocks = []
    for (W, _), a in zip(params[::-1], acts[::-1], strict=True):
        blocks.append((np.swapaxes(delta, -1, -2) @ a, delta.sum(axis=-2)))
        delta = (delta @ W) * (1 - a * a)  # through W, then through tanh: tanh' = 1 - tanh^2
    return blocks[::-1]  # (the last delta, on the pixels, is not used)


def _flat(blocks):
    lead = blocks[0][1].shape[:-1]
    return np.concatenate([p for W, b in blocks for p in (W.reshape(lead + (-1,)), b)], axis=-1)


def _model(x, layers, reg, a, onehot, grad=True):
    """Mean cross-entropy on inputs ``a`` with labels ``onehot`` plus the L2 term; and its gradient."""
    x = np.asarray(x, dtype=float)
    params = _params(x, layers)
    acts, s = _forward(params, a)
    logp = _log_softmax(s)
    loss = -(logp * onehot).sum(axis=-1).mean(axis=-1) + 0.5 * (x * x) @ reg
    if not grad:
        return loss
    delta = (np.exp(logp) - onehot) / onehot.shape[-2]  # softmax - one-hot, for the mean
    return loss, _flat(_backward(params, acts, delta)) + reg * x


def _kfac(x, layers, a):
    """:class:`Kronecker` factors of every layer on inputs ``a`` (the labels play no part)."""
    x = np.asarray(x, dtype=float)
    params = _params(x, layers)
    acts, s = _forward(params, a)
    p = np.exp(_log_softmax(s))
    # E_y[(p - e_y)(p - e_y)^T] = diag(p) - p p^T = sum_k c_k c_k^T, c_k = sqrt(p_k) (e_k - p):
    # back-propagate the 10 columns c_k instead of sampling y
    delta = np.sqrt(p)[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])  # (..., B, k, 10)
    lead, B = x.shape[:-1], a.shape[-2]
    out = []
    for (W, _), act, L in zip(params[::-1], acts[::-1], layers[::-1], strict=True):
        abar = np.concatenate([act, np.ones(act.shape[:-1] + (1,))], axis=-1)
        A = np.broadcast_to(np.swapaxes(abar, -1, -2) @ abar / B, lead + (L.fan_in + 1,) * 2)
        D = delta.reshape(delta.shape[:-3] + (-1, delta.shape[-1]))  # every (example, column)
        G = np.swapaxes(D, -1, -2) @ D / B
        out.append(Kronecker(L, A, G))
        delta = (delta @ W[..., None, :, :]) * (1 - act * act)[..., :, None, :]
    return tuple(out[::-1])


def _layers(sizes):
    """The :class:`Layer` slices for the widths ``sizes`` (inputs first), and the total size."""
    layers, start = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=False):
        w = slice(start, start + fan_in * fan_out)
        b = slice(w.stop, w.stop + fan_out)
        layers.append(Layer(w, b, fan_in, fan_out))
        start = b.stop
    return tuple(layers), start


def _glorot(layers, dim, seed):
    """Glorot-uniform weights, :math:`W_{ik} \\sim U(-r, r)`, :math:`r = \\sqrt{6/(\\text{fan_in} +
    \\text{fan_out})}`, layer after layer from ``default_rng(seed)``; zero biases."""
    rng, x0 = np.random.default_rng(seed), np.zeros(dim)
    for L in layers:
        r = np.sqrt(6.0 / (L.fan_in + L.fan_out))
        x0[L.weight] = rng.uniform(-r, r, size=L.fan_in * L.fan_out)
    return x0


def _is_int(v):
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def mlp(hidden=32, batch_size=32, l2=0.0, seed=0):
    r"""A tanh network that classifies the handwritten digits: ``64 -> hidden -> 10``.

    The 1797 digits of scikit-learn (8 x 8 pixels scaled to [0, 1], see
    :func:`optlib.problems.digits`) are split once, the same for every seed, into 1257 training,
    270 validation and 270 test examples (``SPLIT_SIZES``). With :math:`a_0 = a_j` the pixels of
    example :math:`j` and :math:`b_j` its digit, the network and the loss are

    .. math::
        a_l = \tanh(W_l a_{l-1} + c_l)\ (l < L),\qquad s = W_L a_{L-1} + c_L,\qquad
        f(x) = \frac1n\sum_{j=1}^n -\log\operatorname{softmax}(s(a_j))_{b_j}
               + \frac{\text{l2}}{2}\sum_l \lVert W_l\rVert^2

    over the :math:`n = 1257` training examples (the biases :math:`c_l` are not penalised).
    ``hidden`` is the width of the hidden layer, or a tuple of widths for several. **tanh**,
    not ReLU: it is smooth, so the gradient passes a finite-difference check everywhere and the
    curvature (Fisher, K-FAC) is defined everywhere, and it is the unit that the
    Glorot-uniform initialisation was derived for. ``x0`` is that **Glorot (Xavier) uniform**
    initialisation (Glorot & Bengio 2010) drawn from ``np.random.default_rng(seed)``:
    :math:`W_l` uniform on :math:`\pm\sqrt{6/(\text{fan_in} + \text{fan_out})}`, zero biases
    (``torch.nn.Linear``'s default, Kaiming-uniform with a uniform bias, differs). Stack
    ``mlp(seed=s).x0`` for several seeds to train several initialisations in one run.

    ``value``/``grad`` (hand-written back-propagation) take ``x`` of shape ``(..., dim)``;
    ``batch_grad(x, idx)`` is the gradient on the training examples ``idx`` (shape ``(B,)`` or
    ``(..., B)``), ``stochastic_grad(x, rng)`` on ``batch_size`` examples drawn without
    replacement. ``evaluate(x, split="test")`` (or ``"validation"``, ``"train"``) returns
    ``{"test_loss": ..., "test_accuracy": ...}``: the mean cross-entropy (no L2 term) and the
    fraction classified right, arrays of shape ``x.shape[:-1]``. ``layers`` lists the
    :class:`Layer` slices of the flat vector; ``kfac(x, idx=None)`` gives K-FAC's
    :class:`Kronecker` factors of each layer on the examples ``idx`` (all if None). There is no
    Hessian (``hess`` raises ``NotImplementedError``).

    Adam at its defaults (``lr=1e-3``, betas ``(0.9, 0.999)``) with batches of 32 trains the
    default network (2410 parameters) to 98% test accuracy in 2000 steps (51 epochs; mean of
    seeds 0-7, each between 97% and 99%; about 0.3 s per network on one core); SGD with
    ``lr=0.05, momentum=0.9`` to 98% too. ``tests/test_mlp.py`` asserts both figures. A chapter
    trains many networks in one run, e.g. a learning-rate sweep of 20 networks for 500 steps in
    about a second: ``optlib.run(opt, net, x0s, 500, stochastic=True, history=False,
    loss_every=50)`` (the full training loss costs as much as 40 mini-batch steps, and 500
    iterates of 20 networks would take 190 MB).

    Reference: X. Glorot, Y. Bengio (2010), Understanding the difficulty of training deep
    feedforward neural networks, AISTATS.
    """
    widths = (hidden,) if np.ndim(hidden) == 0 else tuple(hidden)
    if not widths or not all(_is_int(h) and h >= 1 for h in widths):
        raise ValueError(f"hidden must be an integer >= 1 or a tuple of them, got {hidden!r}")
    data = digit_splits()
    a, onehot, _, _ = data["train"]
    n = len(a)
    batch_size = _check_batch_size(batch_size, n)
    l2 = float(check_range("l2", l2, 0))
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    sizes = (64, *map(int, widths), 10)
    layers, dim = _layers(sizes)
    reg = np.zeros(dim)
    for L in layers:
        reg[L.weight] = l2

    def value(x):
        return _model(x, layers, reg, a, onehot, grad=False)

    def grad(x):
        return _model(x, layers, reg, a, onehot)[1]

    def batch_grad(x, idx):
        return _model(x, layers, reg, a[idx], onehot[idx])[1]

    def hess(x):
        raise NotImplementedError(
            f"mlp has no Hessian ({dim} parameters); use a first-order method or optlib.KFAC"
        )

    def evaluate(x, split="test"):
        if split not in data:
            raise ValueError(f"split must be one of {sorted(data)}, got {split!r}")
        inputs, hot, labels, _ = data[split]
        s = _forward(_params(np.asarray(x, dtype=float), layers), inputs)[1]
        loss = -(_log_softmax(s) * hot).sum(axis=-1).mean(axis=-1)
        return {f"{split}_loss": loss, f"{split}_accuracy": (s.argmax(-1) == labels).mean(-1)}

    def kfac(x, idx=None):
        return _kfac(x, layers, a if idx is None else a[idx])

    formula = r"f(x) = \frac{1}{n}\sum_{j=1}^{n} -\log\operatorname{softmax}(s(a_j))_{b_j}"
    formula += rf" + \frac{{{l2:g}}}{{2}}\sum_l \lVert W_l\rVert^2"
    shape = "-".join(map(str, sizes))
    note = f"{shape} tanh network, {n} training examples in batches of {batch_size}"
    return Problem("mlp", dim, value, grad, hess, np.empty((0, dim)), np.nan, None,
                   _glorot(layers, dim, seed), formula, False, _sampler(batch_grad, n, batch_size),
                   n, batch_size, batch_grad, evaluate, layers, None, kfac, note)  # fmt: skip
