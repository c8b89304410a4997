"""How the tests drive an optimizer: the gradient sequence, the torch reference, a stand-in.

``iterates(opt, x0, steps)`` runs an optlib optimizer on a seeded sequence of gradients (and
gives second-order methods the Hessian and the objective they need); ``torch_iterates`` runs
the ``torch.optim`` class an ``Info`` of ``optimizers.py`` names on the same sequence, in
float64. ``HeavyBall`` is a stand-in optimizer written independently of optlib, on which the
tests of the runner, the figures and the experiments run (``conftest.py`` serves it as the
fixture ``stand_in``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest

# ---------------------------------------------------------------- the gradient sequence
# The gradient of f(x) = sum c/2 (x - x*)^2 - cos(3x)/6 at the current iterate, plus seeded
# noise, so the iterates keep moving and no gradient is 0. It acts on the last axis (4
# coordinates); rows of SHAPE start from different points. Second-order methods get the
# Hessian of f and f itself (the noise makes g a stochastic gradient of f).
SHAPE = (3, 4)
STEPS = 250
C = np.array([0.5, 1.5, 3.0, 5.0])
X_STAR = np.array([-1.0, 0.3, 1.2, 2.0])
X0 = np.array([[0.5, 0.5, 0.5, 0.5], [-2.0, 1.0, 0.0, 3.0], [1.5, -0.5, 2.5, -1.0]])
NOISE = 0.1 * np.random.default_rng(0).standard_normal((STEPS, 4))


def grad(x, k, maximize=False):
    g = C * (x - X_STAR) + 0.5 * np.sin(3 * x) + NOISE[k % STEPS]
    return -g if maximize else g  # maximising -f is minimising f: the run stays bounded


def value(x):
    return np.sum(C / 2 * (x - X_STAR) ** 2 - np.cos(3 * x) / 6, axis=-1)


def hess(x):
    return (C + 1.5 * np.cos(3 * x))[..., None] * np.eye(4)


def fisher(x):
    """A positive definite stand-in for a Fisher matrix (the curvature of f, kept positive)."""
    return (C + 1.5 * np.cos(3 * x) ** 2)[..., None] * np.eye(4)


def extras(opt, x):
    """The keyword arguments ``opt.step`` takes besides the gradient (``opt.needs``)."""
    kw = {"hess": hess(x)} if "hess" in opt.needs else {}
    kw |= {"fisher": fisher(x)} if "fisher" in opt.needs else {}
    return kw | ({"value": value} if "value" in opt.needs else {})


def iterates(opt, x0, steps, maximize=False, field=grad):
    """The iterates of ``opt`` from ``x0`` on the gradient sequence ``field`` (``grad``
    unless given), ``x0`` first."""
    x, state, xs = x0, opt.init(x0), [x0]
    for k in range(steps):
        x, state = opt.step(x, field(x, k, maximize), state, **extras(opt, x))
        xs.append(x)
    return np.array(xs)


# ---------------------------------------------------------------- a stand-in optimizer
class HeavyBallState(NamedTuple):
    t: np.ndarray  # steps taken
    buf: np.ndarray  # momentum buffer b


class HeavyBall:
    """A stand-in optimizer with optlib's contract (``needs``, ``init``, ``terms``, ``step``),
    written independently of optlib's own, so that the runner, the figures and the experiments
    are tested on their own: :math:`b_t = \\beta b_{t-1} + g_t`, :math:`x_t = x_{t-1} - \\eta
    b_t`. With ``momentum=0`` (the default) this is plain gradient descent,
    :math:`x_t = x_{t-1} - \\eta g_t`, bit for bit. ``lr`` and ``momentum`` may be arrays."""

    needs = ()

    def __init__(self, lr, momentum=0.0):
        self.lr, self.momentum = np.asarray(lr, dtype=float), np.asarray(momentum, dtype=float)

    def init(self, x):
        return HeavyBallState(np.zeros((), dtype=int), np.zeros_like(x, dtype=float))

    def terms(self, x, g, state):
        buf = self.momentum * state.buf + g if np.any(self.momentum) else g
        update = -self.lr * buf
        new = HeavyBallState(state.t + 1, buf)
        return {"g": g, "buf": buf, "update": update, "x": x + update, "state": new}

    def step(self, x, g, state):
        out = self.terms(x, g, state)
        return out["x"], out["state"]


# ---------------------------------------------------------------- the torch reference
def torch_mlp(problem, x):
    """``problem``'s network (an ``optlib.problems.mlp``) as ``nn.Sequential(Linear, Tanh, ...,
    Linear)`` in float64, holding the flat parameter vector ``x`` (optlib's layout is torch's)."""
    import torch

    mods = []
    for L in problem.layers:
        mods += [torch.nn.Linear(L.fan_in, L.fan_out, dtype=torch.float64), torch.nn.Tanh()]
    net = torch.nn.Sequential(*mods[:-1])
    torch.nn.utils.vector_to_parameters(torch.from_numpy(np.array(x)), net.parameters())
    return net


def torch_iterates(info, kwargs, x0, steps, maximize=False, field=grad):
    """The iterates of ``torch.optim.<info.torch>`` on the gradient sequence, in float64.

    One torch optimizer per trajectory (row of ``x0``), with one parameter per shape of
    ``shapes=`` (one vector if none); every optimizer takes its gradient in a closure.
    """
    torch = pytest.importorskip("torch")
    theirs = info.to_torch(dict(kwargs))
    assert theirs is not None, "this setting has no torch counterpart"
    shapes = kwargs.get("shapes") or [(x0.shape[-1],)]
    cuts = np.cumsum([0] + [math.prod(s) for s in shapes])
    split = lambda v: [v[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]  # noqa: E731
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # else torch keeps step counts (and NAdam's
    try:  # product of mu_t) in float32
        rows = np.reshape(x0, (-1, x0.shape[-1]))
        params = [[torch.nn.Parameter(torch.tensor(piece).reshape(s))
                   for piece, s in zip(split(row), shapes, strict=True)] for row in rows]  # fmt: skip
        opts = [getattr(torch.optim, info.torch)(ps, **theirs) for ps in params]

        def current():
            return np.array([np.concatenate([p.detach().numpy().ravel() for p in ps])
                             for ps in params]).reshape(x0.shape)  # fmt: skip

        xs = [x0]
        for k in range(steps):
            g = field(current(), k, maximize).reshape(rows.shape)
            for ps, opt, gi in zip(params, opts, g, strict=True):

                def closure(ps=ps, gi=gi):  # LBFGS(max_iter=1) calls it once, as the others
                    for p, piece in zip(ps, split(gi), strict=True):
                        p.grad = torch.tensor(piece).reshape(p.shape)
                    return torch.tensor(0.0)

                opt.step(closure)
            xs.append(current())
    finally:
        torch.set_default_dtype(default)
    return np.array(xs)
