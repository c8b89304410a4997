"""Checks for the exercises of the Adagrad chapter."""

from __future__ import annotations

import numpy as np

from optlib.adaptive import Adagrad
from optlib.checks._grading import check_function

__all__ = ["check_adagrad_step"]


def _adagrad_step(x, g, G, t, lr, lr_decay, eps):
    # optlib's Adagrad (torch's form), started from the accumulator G after t - 1 steps
    opt = Adagrad(lr=lr, lr_decay=lr_decay, eps=eps)
    state = opt.init(x)._replace(t=t - 1, G=np.asarray(G, dtype=float))
    out = opt.terms(x, g, state)
    return out["x"], out["state"].G


def check_adagrad_step(fn, reveal=True):
    r"""``fn(x, g, G, t, lr, lr_decay, eps)`` is Adagrad's step ``t`` (as ``torch.optim.Adagrad``)
    from the point ``x``, the gradient ``g`` and the accumulator ``G`` of step ``t - 1``; it
    returns ``(x_new, G_new)``:

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        x_t = x_{t-1} - \frac{\eta / (1 + (t - 1)\zeta)}{\sqrt{G_t} + \varepsilon}\, g_t .

    Graded against ``optlib.Adagrad`` on a fresh accumulator at ``t = 1`` (one coordinate with
    a zero gradient, which must not move), on a random accumulator at ``t = 5`` with
    ``lr_decay = 0.5`` (so that ``t`` in place of ``t - 1`` is caught), on a ``(2, 3)`` batch
    with one learning rate per row and ``eps = 0``, and with a large ``eps = 0.5`` (so that
    ``eps`` inside the square root, or the accumulator of step ``t - 1`` in the denominator, is
    caught). Finally the inputs must come back unchanged: a step that updates ``x`` or ``G`` in
    place (``G += g * g``) fails, since every step of optlib is pure. ``reveal=False`` leaves
    the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(5)

    def case(shape, t, *hyper):  # random x, g and an accumulator of step t - 1
        x, g = rng.normal(size=shape), rng.normal(size=shape)
        G = np.zeros(shape) if t == 1 else (t - 1) * rng.random(shape)
        return (x, g, G, t, *hyper)

    first = case((3,), 1, 0.1, 0.0, 1e-10)
    first[1][2] = 0.0  # a coordinate without gradient: its G stays 0 and it must not move
    cases = [
        first,
        case((3,), 5, 0.1, 0.5, 1e-10),
        case((2, 3), 3, np.array([[0.1], [0.01]]), 0.0, 0.0),
        case((4,), 2, 1.0, 0.0, 0.5),
    ]
    labels = [
        "the first step, t = 1, one coordinate without gradient",
        "step t = 5 with lr_decay = 0.5",
        "a (2, 3) batch at t = 3, one learning rate per row, eps = 0",
        "step t = 2 with a large eps = 0.5",
    ]
    check_function(fn, _adagrad_step, cases, name="adagrad_step", reveal=reveal, labels=labels)
    x, g, G, *rest = case((3,), 2, 0.1, 0.0, 1e-10)
    before = [a.copy() for a in (x, g, G)]
    fn(x, g, G, *rest)
    changed = [
        n for n, a, b in zip("xgG", (x, g, G), before, strict=True) if not np.array_equal(a, b)
    ]
    if changed:
        raise AssertionError(
            f"adagrad_step changed its argument(s) {', '.join(changed)} in place: return new arrays "
            "(G_new = G + g * g, not G += g * g), as optlib's steps do."
        )
