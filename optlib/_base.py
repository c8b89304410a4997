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

__all__ = [
    "Optimizer", "FirstOrder", "check_range", "check_pair", "check_flag", "check_grad",
    "check_layers", "layer_slices", "per_layer", "prepare", "finish",
]  # fmt: skip


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


def check_pair(name, values, low, high, *, high_open=False):
    """Validate a pair such as ``betas`` (each item may be an array) and return it."""
    a, b = values
    a = check_range(f"{name}[0]", a, low, high, high_open=high_open)
    b = check_range(f"{name}[1]", b, low, high, high_open=high_open)
    return (a, b) if np.ndim(a) == np.ndim(b) == 0 else tuple(np.broadcast_arrays(a, b))


def check_flag(name, value):
    """Return ``value`` as a bool, or raise ``ValueError`` naming ``name`` unless it is one.

    ``SGD(nesterov="no")`` must not silently mean True: only ``True``, ``False`` and NumPy's
    booleans are accepted.
    """
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_grad(x, g):
    """Return ``g`` as a float array, or raise ``ValueError`` if its shape differs from ``x``."""
    g = np.asarray(g, dtype=float)
    if g.shape != np.shape(x):
        raise ValueError(f"gradient shape {g.shape} differs from parameter shape {np.shape(x)}")
    return g


def check_layers(layers):
    """Return ``layers`` as a tuple of slices (``None`` stays ``None``), or raise ``ValueError``.

    A *layer* is a block of consecutive coordinates of the last axis of ``x``, given as
    ``slice(start, stop)`` with ``0 <= start < stop`` (``problem.layers`` of a network holds
    one per weight matrix and bias vector); ``None`` makes the whole vector one layer.
    :func:`layer_slices` checks, once ``x`` is known, that they partition its coordinates.
    """
    if layers is None:
        return None
    if isinstance(layers, slice) or not hasattr(layers, "__iter__"):
        raise ValueError(f"layers must be a sequence of slices, got {layers!r}")
    layers = tuple(layers)
    for s in layers:
        ok = isinstance(s, slice) and s.step in (None, 1)
        ok = ok and all(isinstance(i, int | np.integer) for i in (s.start, s.stop))
        if not (ok and 0 <= s.start < s.stop):
            raise ValueError(
                f"layers must be slices slice(start, stop), 0 <= start < stop, got {s!r}"
            )
    if not layers:
        raise ValueError("layers must hold at least one slice, got an empty sequence")
    return layers


def layer_slices(layers, x):
    """The layers of ``x`` (checked by :func:`check_layers`) as slices of its last axis.

    ``None`` gives one layer, the whole vector; otherwise the slices must cover every
    coordinate exactly once (in any order), else ``ValueError``.
    """
    if np.ndim(x) == 0:
        raise ValueError("a layer-wise optimizer needs x with at least one axis")
    d = np.shape(x)[-1]
    if layers is None:
        return (slice(0, d),)
    ends = [0]
    for s in sorted(layers, key=lambda s: s.start):
        if s.start != ends[-1]:
            break
        ends.append(s.stop)
    if ends[-1] != d or len(ends) != len(layers) + 1:
        raise ValueError(f"layers must partition the {d} coordinates of x, got {list(layers)}")
    return layers


def per_layer(reduce, a, layers):
    """``a`` with every coordinate replaced by ``reduce`` of its layer.

    ``reduce`` maps an array ``(..., n)`` (one layer of each trajectory) to ``(..., 1)``, e.g.
    ``lambda a: np.linalg.norm(a, axis=-1, keepdims=True)``; the result has ``a``'s shape.
    """
    out = np.empty(np.shape(a))
    for s in layers:
        out[..., s] = reduce(a[..., s])
    return out


class Optimizer:
    """Base class: subclasses define ``init(x)`` and ``terms(x, g, state, **kw)``.

    ``terms`` spells out one step as an ordered dict of named quantities that ends with the
    update ``"update"``, the new parameters ``"x"`` and the new ``"state"`` (see
    :func:`finish`); ``step`` returns the last two, so each update rule is written once, and
    :func:`optlib.record` can show every intermediate quantity. A subclass may override
    ``step`` instead (then it has no ``terms``).

    ``needs`` names what a step takes from the problem besides the gradient, by keyword:
    ``"hess"`` (Newton), ``"value"`` (a line search: the objective itself), ``"fisher"``
    (natural gradient: ``problem.fisher(x, idx)``) and ``"kfac"`` (K-FAC:
    ``problem.kfac(x, idx)``), the last two on the step's mini-batch ``idx``; ``optlib.run``
    supplies them.

    A subclass keeps each constructor argument as an attribute of the same name (``lr`` as
    ``self.lr``, ...): ``optlib.run(..., schedule=...)`` rebuilds the optimizer with the
    scheduled ``lr`` from them.
    """

    needs: tuple[str, ...] = ()

    def init(self, x):
        raise NotImplementedError

    def terms(self, x, g, state, **kw):
        raise NotImplementedError

    def step(self, x, g, state, **kw):
        """Return ``(x_new, state_new)``; ``x``, ``g`` and ``state`` are not modified."""
        out = self.terms(x, g, state, **kw)
        return out["x"], out["state"]

    def __repr__(self):
        args = ", ".join(f"{k}={_short(v)}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class FirstOrder(Optimizer):
    """An optimizer that needs only the gradient: ``step(x, g, state)``."""


def prepare(x, g, maximize, weight_decay=0.0, *, decoupled=False, lr=0.0):
    """Return ``x`` as floats, the gradient a step uses, and the decoupled weight-decay move.

    The gradient is checked, negated if ``maximize``, and gets the L2 term
    ``weight_decay * x`` unless ``decoupled``; then the move is ``-lr * weight_decay * x``.
    """
    x, g = np.asarray(x, dtype=float), check_grad(x, g)
    g = -g if maximize else g
    if np.ndim(weight_decay) == 0 and weight_decay == 0:  # no decay: skip the arithmetic
        return x, g, 0.0
    if decoupled:
        return x, g, -lr * weight_decay * x
    return x, g + weight_decay * x, 0.0


def finish(x, update, state, **terms):
    """The tail of every ``terms``: the named quantities, then ``update``, ``x + update`` as
    the new ``x``, and the new ``state`` (in that order)."""
    return {**terms, "update": update, "x": x + update, "state": state}


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
