"""What every optimizer shares: hyperparameter validation and the step contract.

An optimizer is a small object that holds hyperparameters and two pure functions::

    state = opt.init(x)                  # x: ndarray of any shape
    x, state = opt.step(x, g, state)     # new parameters, new state; inputs untouched

The state is a ``NamedTuple`` of arrays, returned and never mutated, so it can be
printed, compared and stacked. Hyperparameters may be arrays that broadcast against
``x``: ``x`` of shape ``(1000, 2)`` with ``lr`` of shape ``(1000, 1)`` runs 1000
independent trajectories in one call.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Optimizer", "check_range", "check_grad"]


def _fmt(value):
    a = np.asarray(value)
    return repr(float(a)) if a.ndim == 0 else f"array with values in [{a.min()}, {a.max()}]"


def check_range(name, value, low=0.0, high=np.inf, *, low_open=False, high_open=False):
    """Return ``value`` as a float (or a float array), or raise ``ValueError`` naming ``name``.

    Every element must lie in the interval from ``low`` to ``high``; ``low_open`` and
    ``high_open`` exclude the end points. NaN is always rejected. A scalar comes back as a
    Python float: arithmetic on it is several times cheaper than on a 0-d array, which matters
    for a 2-D problem, where a step is a few dozen tiny operations.
    """
    a = np.asarray(value, dtype=float)
    ok_low = a > low if low_open else a >= low
    ok_high = a < high if high_open else a <= high
    if a.size == 0 or not np.all(ok_low & ok_high):  # NaN fails both comparisons
        left = "(" if low_open or low == -np.inf else "["
        right = ")" if high_open or high == np.inf else "]"
        interval = f"{left}{low:g}, {high:g}{right}"
        raise ValueError(f"{name} must be in {interval}, got {_fmt(value)}")
    return float(a) if a.ndim == 0 else a


def check_grad(x, g):
    """Return ``g`` as a float array, or raise ``ValueError`` if its shape differs from ``x``."""
    g = np.asarray(g, dtype=float)
    if g.shape != np.shape(x):
        raise ValueError(f"gradient shape {g.shape} differs from parameter shape {np.shape(x)}")
    return g


class Optimizer:
    """Base class: subclasses define ``init(x)`` and ``step(x, g, state, **kw)``.

    ``needs`` names what a step takes from the problem besides the gradient
    (``"hess"`` for Newton, ``"value"`` for a line search); ``optlib.run`` supplies it.
    """

    needs: tuple[str, ...] = ()

    def init(self, x):
        raise NotImplementedError

    def step(self, x, g, state, **kw):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={_short(v)}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def _short(v):
    """A short repr of a hyperparameter: scalars as numbers, arrays by shape, tuples item-wise."""
    if isinstance(v, tuple):
        return "(" + ", ".join(_short(item) for item in v) + ")"
    if isinstance(v, (str, bool, type(None))):
        return repr(v)
    a = np.asarray(v)
    if a.ndim > 0:
        return f"<array {a.shape}>"
    return repr(a.item()) if a.dtype.kind in "fiub" else repr(v)
