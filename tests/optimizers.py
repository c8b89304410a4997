"""The optimizer table: one record per optimizer, iterated by every generic test.

In the manner of torch's ``OptimizerInfo`` (``torch/testing/_internal/common_optimizers.py``),
an :class:`Info` holds an optimizer's class, its valid settings (every setting that changes a
code path), the allowed interval of every number its constructor checks, its boolean flags,
its other invalid inputs with the text the error must contain, its torch reference (a class
of ``torch.optim`` and the mapping of arguments), what its step needs besides the gradient,
and the problems it should make progress on. ``test_optimizers.py`` runs the generic tests
over ``TABLE``, driving each optimizer with ``harness.py``; the identities and papers of each
family are tested in ``test_first_order.py``, ``test_second_order.py``, ``test_beyond.py``
and ``test_large_batch.py``.

Adding an optimizer to optlib means adding one ``Info`` to ``TABLE``.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import optlib
from optlib import problems


# ---------------------------------------------------------------- the record
@dataclass(frozen=True)
class Interval:
    """The allowed values of a number: from ``low`` to ``high``, ends open or closed."""

    low: float = 0.0
    high: float = np.inf
    low_open: bool = False
    high_open: bool = False

    def ends(self):
        """The finite closed ends (each must be accepted)."""
        return [v for v, o in ((self.low, self.low_open), (self.high, self.high_open))
                if not o and np.isfinite(v)]  # fmt: skip

    def bad(self):
        """Values outside: below and above each finite end, NaN, and an array with one."""
        out = [self.low - 0.5] if np.isfinite(self.low) else []
        out += [self.low] if self.low_open else []
        out += [self.high + 0.5] if np.isfinite(self.high) else []
        out += [self.high] if self.high_open else []
        inside = self.low + 0.5 if np.isfinite(self.low) else self.high - 0.5  # widths >= 1
        return [*out, np.nan, np.array([[inside], [out[0]]])]

    def scale(self, v, f):
        """``v`` moved towards the interval's finite end by the factor ``f`` (stays inside)."""
        end = self.low if np.isfinite(self.low) else self.high
        return end + (v - end) * f


CLOSED = Interval()  # [0, inf)
POSITIVE = Interval(low_open=True)  # (0, inf)
UNIT = Interval(0.0, 1.0)  # [0, 1]
BETA = Interval(0.0, 1.0, high_open=True)  # [0, 1)


@dataclass(frozen=True)
class Progress:
    """A problem to make progress on: the final loss is below the first (and finite)."""

    make: Callable
    x0: tuple
    steps: int


QUADRATIC = Progress(lambda: problems.quadratic(eigenvalues=[1.0, 10.0]), (1.0, -2.0), 100)
QUADRATIC_4 = Progress(lambda: problems.quadratic(eigenvalues=[1.0, 3.0, 10.0, 30.0]),
                      (1.0, -2.0, 0.5, 1.0), 100)  # fmt: skip
ROSENBROCK = Progress(problems.rosenbrock, (-1.2, 1.0), 50)


def _same(kwargs):
    return {**kwargs, "foreach": False}  # torch's single-tensor path


@dataclass(frozen=True)
class Info:
    """One optimizer: what the generic tests need to know about it (see the module's docstring).

    ``make(**kwargs)`` constructs it (with ``base``, e.g. Lookahead's inner optimizer).
    """

    cls: type
    settings: dict  # id -> keyword arguments; every setting that changes a code path
    ranges: dict  # every number the constructor checks -> Interval ("betas[0]" for pairs)
    flags: tuple = ()  # every boolean argument
    invalid: tuple = ()  # (keyword arguments, regex the ValueError must match)
    torch: str | None = None  # the torch.optim class of the same algorithm
    to_torch: Callable = _same  # our arguments -> torch's, or None (no such setting in torch)
    torch_signature: bool = True  # the names, defaults and argument order are torch's
    needs: Callable = lambda kwargs: ()  # noqa: E731  what a step takes besides g
    problems: tuple = (QUADRATIC,)  # Progress records: the loss falls on each
    base: dict = field(default_factory=dict)  # arguments every construction gets
    pairs: dict = field(default_factory=dict)  # pairs validation changes an item of (else defaults)
    fixed: tuple = ()  # numbers kept as they are when the array test scales a setting
    batch_rtol: float = 1e-13  # a batched run equals its single runs to this tolerance
    driven: bool = True  # the harness's gradient sequence can drive it (K-FAC needs a network)

    @property
    def name(self):
        return self.cls.__name__

    def make(self, **kwargs):
        return self.cls(**(self.base | kwargs))

    def pair_default(self, name):
        """The pair a validation test changes one item of: ``pairs``, else the default."""
        return self.pairs.get(name, inspect.signature(self.cls).parameters[name].default)


def _nadam_to_torch(kwargs):
    kwargs = dict(kwargs)
    if not kwargs.pop("momentum_schedule", True):
        kwargs["momentum_decay"] = math.inf  # 0.96**inf = 0, so mu_t = beta1 for every t
    return _same(kwargs)


def _lbfgs_to_torch(kwargs):
    # one torch step per optlib step: max_iter=1, no line search, no early exits
    if kwargs.get("line_search", True) or kwargs.get("first_step", "torch") != "torch":
        return None
    return dict(lr=kwargs.get("lr", 1.0), history_size=kwargs.get("history_size", 10),
                max_iter=1, line_search_fn=None, tolerance_grad=0.0, tolerance_change=0.0)  # fmt: skip


ADAM_RANGES = {"lr": CLOSED, "betas[0]": BETA, "betas[1]": BETA, "eps": CLOSED}
BAD_LAYERS = tuple(
    ({"layers": bad}, "layers")
    for bad in ([slice(0, 4, 2)], slice(0, 4), [slice(2, 1)], [], [(0, 4)], [slice(None, 4)])
)

TABLE = [
    Info(optlib.SGD, {
        "sgd": dict(lr=0.05),
        "sgd-momentum": dict(lr=0.05, momentum=0.9),
        "sgd-dampening": dict(lr=0.05, momentum=0.9, dampening=0.3),
        "sgd-nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
        "sgd-weight-decay": dict(lr=0.05, momentum=0.5, weight_decay=0.1),
        "sgd-maximize": dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True),
    }, dict(lr=CLOSED, momentum=CLOSED, dampening=UNIT, weight_decay=CLOSED),
        flags=("nesterov", "maximize"), torch="SGD", invalid=tuple(
            (dict(nesterov=True, **kw), "nesterov requires momentum > 0 and zero dampening")
            for kw in [dict(momentum=0.0), dict(momentum=0.9, dampening=0.1),
                       dict(momentum=np.array([0.9, 0.0]))])),
    Info(optlib.Adagrad, {
        "adagrad": dict(lr=0.5),
        "adagrad-lr-decay": dict(lr=0.5, lr_decay=0.05),
        "adagrad-acc-wd": dict(lr=0.5, initial_accumulator_value=0.3, weight_decay=0.1),
        "adagrad-maximize": dict(lr=0.5, eps=1e-3, maximize=True),
    }, dict(lr=CLOSED, lr_decay=CLOSED, weight_decay=CLOSED, initial_accumulator_value=CLOSED,
            eps=CLOSED), flags=("maximize",), torch="Adagrad"),
    Info(optlib.RMSprop, {
        "rmsprop": dict(lr=0.01),
        "rmsprop-centered": dict(lr=0.01, alpha=0.9, centered=True),
        "rmsprop-momentum": dict(lr=0.01, momentum=0.8),
        "rmsprop-all": dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
        "rmsprop-maximize": dict(lr=0.01, eps=1e-3, maximize=True),
    }, dict(lr=CLOSED, alpha=UNIT, eps=CLOSED, weight_decay=CLOSED, momentum=CLOSED),
        flags=("centered", "maximize"), torch="RMSprop"),
    Info(optlib.Adadelta, {
        "adadelta": dict(lr=1.0),
        "adadelta-lr-wd": dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
        "adadelta-maximize": dict(lr=1.0, maximize=True),
    }, dict(lr=CLOSED, rho=UNIT, eps=CLOSED, weight_decay=CLOSED), flags=("maximize",),
        torch="Adadelta"),
    Info(optlib.Rprop, {
        "rprop": dict(lr=0.01),
        "rprop-etas-sizes": dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2)),
        "rprop-maximize": dict(lr=0.01, maximize=True),
    }, {"lr": CLOSED, "etas[0]": Interval(0.0, 1.0, True, True), "etas[1]": Interval(1.0,
        low_open=True), "step_sizes[0]": CLOSED, "step_sizes[1]": CLOSED},
        flags=("maximize",), torch="Rprop", pairs={"step_sizes": (0.0, 50.0)},  # kept ordered
        invalid=(({"step_sizes": (1.0, np.array([2.0, 0.5]))},
                  re.escape("step_sizes[0] <= step_sizes[1]")),)),
    Info(optlib.Adam, {
        "adam": dict(lr=0.05),
        "adam-betas": dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3),
        "adam-amsgrad": dict(lr=0.05, amsgrad=True),
        "adam-weight-decay": dict(lr=0.05, weight_decay=0.1),
        "adam-decoupled": dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
        "adam-maximize": dict(lr=0.05, amsgrad=True, maximize=True),
    }, ADAM_RANGES | {"weight_decay": CLOSED},
        flags=("amsgrad", "maximize", "decoupled_weight_decay"), torch="Adam"),
    Info(optlib.AdamW, {
        "adamw": dict(lr=0.05),
        "adamw-amsgrad": dict(lr=0.05, weight_decay=0.2, amsgrad=True),
        "adamw-maximize": dict(lr=0.05, weight_decay=0.2, maximize=True),
    }, ADAM_RANGES | {"weight_decay": CLOSED}, flags=("amsgrad", "maximize"), torch="AdamW"),
    Info(optlib.Adamax, {
        "adamax": dict(lr=0.05),
        "adamax-wd": dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1),
        "adamax-maximize": dict(lr=0.05, maximize=True),
    }, ADAM_RANGES | {"weight_decay": CLOSED}, flags=("maximize",), torch="Adamax"),
    Info(optlib.NAdam, {
        "nadam": dict(lr=0.05),
        "nadam-momentum-decay": dict(lr=0.05, momentum_decay=0.1),
        "nadam-momentum-decay-0": dict(lr=0.05, momentum_decay=0.0),
        "nadam-weight-decay": dict(lr=0.05, weight_decay=0.1),
        "nadam-decoupled": dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
        "nadam-paper": dict(lr=0.05, momentum_schedule=False),  # torch: momentum_decay=inf
        "nadam-maximize": dict(lr=0.05, maximize=True),
    }, ADAM_RANGES | {"weight_decay": CLOSED, "momentum_decay": CLOSED},
        flags=("decoupled_weight_decay", "maximize", "momentum_schedule"), torch="NAdam",
        to_torch=_nadam_to_torch),
    Info(optlib.AMSGrad, {  # the paper's form: torch has none
        "amsgrad-paper": dict(lr=0.05),
        "amsgrad-paper-sqrt-decay": dict(lr=0.2, betas=(0.5, 0.9), sqrt_decay=True),
    }, ADAM_RANGES, flags=("sqrt_decay",)),
    Info(optlib.RAdam, {
        "radam": dict(lr=0.05),  # momentum steps while rho_t <= 5 (t <= 5), then rectified
        "radam-betas": dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3),
        "radam-never-rectified": dict(lr=0.05, betas=(0.8, 0.6)),  # rho_inf = 4: never > 5
        "radam-weight-decay": dict(lr=0.05, weight_decay=0.1),
        "radam-decoupled": dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
        "radam-maximize": dict(lr=0.05, maximize=True),
    }, ADAM_RANGES | {"weight_decay": CLOSED}, flags=("decoupled_weight_decay", "maximize"),
        torch="RAdam"),
    Info(optlib.Adafactor, {
        "adafactor": dict(lr=0.05),
        # why lr=0.02 on a matrix: at 0.05 the iteration turns chaotic after step 100, and
        # rounding differences of 1e-16 grow to 1e-4 by step 200
        "adafactor-matrix": dict(lr=0.02, shapes=[(2, 2)]),
        "adafactor-mixed": dict(lr=0.05, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=2.0,
                                weight_decay=0.1, shapes=[(1, 2), (2,)]),
        "adafactor-3d": dict(lr=0.2, d=1.5, shapes=[(2, 1, 2)]),
        "adafactor-maximize": dict(lr=0.02, maximize=True, shapes=[(2, 2)]),
    }, {"lr": CLOSED, "beta2_decay": Interval(-np.inf, 0.0), "eps[0]": CLOSED,
        "eps[1]": CLOSED, "d": Interval(1.0), "weight_decay": CLOSED},
        flags=("maximize",), torch="Adafactor", problems=(QUADRATIC_4,),
        to_torch=lambda kw: _same({k: v for k, v in kw.items() if k != "shapes"}),
        invalid=(({"shapes": [(2, 0)]}, "shapes"), ({"shapes": "2x2"}, "shapes"),
                 ({"shapes": []}, "shapes"), ({"shapes": (2, 2)}, "shapes"),
                 ({"shapes": [(2, 2.5)]}, "shapes"),
                 ({"shapes": [(2, 2)], "beta2_decay": np.full(4, -0.8)}, "per trajectory"))),
    Info(optlib.Lion, {
        "lion": dict(lr=0.05),
        "lion-betas-wd": dict(lr=0.02, betas=(0.5, 0.9), weight_decay=0.3),
    }, {"lr": CLOSED, "betas[0]": UNIT, "betas[1]": UNIT, "weight_decay": CLOSED}),
    Info(optlib.LAMB, {
        "lamb": dict(lr=0.05),
        "lamb-layers": dict(lr=0.05, betas=(0.5, 0.9), eps=1e-3,
                            layers=[slice(1, 4), slice(0, 1)]),
        "lamb-weight-decay": dict(lr=0.05, weight_decay=0.1, layers=[slice(0, 2), slice(2, 4)]),
    }, ADAM_RANGES | {"weight_decay": CLOSED}, problems=(QUADRATIC_4,), invalid=BAD_LAYERS),
    Info(optlib.LARS, {
        "lars": dict(lr=1.0, trust_coefficient=0.02),
        "lars-layers": dict(lr=0.5, momentum=0.5, trust_coefficient=0.05,
                            layers=[slice(0, 1), slice(1, 3), slice(3, 4)]),
        "lars-weight-decay": dict(lr=1.0, weight_decay=0.1, trust_coefficient=0.02,
                                  layers=[slice(0, 2), slice(2, 4)]),
    }, dict(lr=CLOSED, momentum=CLOSED, weight_decay=CLOSED, trust_coefficient=CLOSED),
        problems=(QUADRATIC_4,), invalid=BAD_LAYERS),
    Info(optlib.Lookahead, {
        "lookahead-sgd": dict(inner=optlib.SGD(lr=0.05, momentum=0.9)),
        "lookahead-adam": dict(inner=optlib.Adam(lr=0.05), k=3, alpha=0.8),
        "lookahead-k1": dict(inner=optlib.SGD(lr=0.05), k=1, alpha=0.3),
        "lookahead-newton": dict(inner=optlib.Newton(damping=1.0), k=2),
    }, dict(k=Interval(1.0), alpha=UNIT), base={"inner": optlib.SGD(lr=0.05)}, fixed=("k",),
        invalid=(({"k": 2.5}, "k must be an integer"), ({"k": np.array([[2], [1.5]])}, "k must"),
                 ({"inner": "sgd"}, "inner must be an optimizer")),
        needs=lambda kw: tuple(kw.get("inner", optlib.SGD()).needs)),
    Info(optlib.Newton, {
        "newton": dict(damping=1.0),
        "newton-lr": dict(lr=0.5, damping=2.0),
        "newton-saddle-free": dict(damping=0.5, saddle_free=True),
        "newton-line-search": dict(damping=1.0, line_search=True),
    }, dict(lr=POSITIVE, damping=CLOSED), flags=("saddle_free", "line_search"),
        needs=lambda kw: ("hess", "value") if kw.get("line_search") else ("hess",),
        problems=(QUADRATIC, ROSENBROCK)),
    Info(optlib.BFGS, {
        "bfgs": dict(),
        "bfgs-fixed": dict(lr=0.2, line_search=False),
    }, dict(lr=POSITIVE), flags=("line_search",),  # Rosenbrock: test_second_order.py
        needs=lambda kw: ("value",) if kw.get("line_search", True) else (),
        # newton._dot sums a batch (gemv) in another order than one vector (dot): last-bit
        # differences, which 1 / y^T s magnifies to 9e-12 in 30 steps (2e-10 at lr=0.5)
        batch_rtol=1e-10),
    Info(optlib.LBFGS, {
        "lbfgs": dict(),
        # torch's LBFGS(max_iter=1); why lr=0.1: at 0.5 the pairs of noisy gradients make the
        # iteration chaotic, and rounding differences reach 1e-2 by step 100
        "lbfgs-fixed": dict(lr=0.1, line_search=False),
        "lbfgs-lr-first": dict(lr=0.5, history_size=3, line_search=False, first_step="lr"),
    }, dict(lr=POSITIVE), flags=("line_search",),
        invalid=(({"history_size": 0}, "history_size"), ({"history_size": 2.5}, "history_size"),
                 ({"first_step": "unit"}, "first_step")),
        torch="LBFGS", to_torch=_lbfgs_to_torch, torch_signature=False,  # other defaults
        needs=lambda kw: ("value",) if kw.get("line_search", True) else (),
        batch_rtol=1e-10),  # as BFGS (newton._dot): 6e-12 in 30 steps
    Info(optlib.DiagonalNewton, {
        "diagonal-newton": dict(lr=0.5, damping=1.0),
        "diagonal-newton-lr": dict(lr=0.2, damping=0.5),
    }, dict(lr=POSITIVE, damping=CLOSED), needs=lambda kw: ("hess",),
        problems=(QUADRATIC, ROSENBROCK)),
    Info(optlib.NaturalGradient, {  # the harness supplies a positive definite Fisher
        "natural-gradient": dict(lr=0.5, damping=1e-3),
        "natural-gradient-damped": dict(lr=0.2, damping=2.0),
    }, dict(lr=CLOSED, damping=CLOSED), needs=lambda kw: ("fisher",), problems=()),
    # K-FAC takes Kronecker factors of a network's layers (tests/test_natural.py runs it on the
    # mlp problem); here only its arguments are checked
    Info(optlib.KFAC, {"kfac": dict(lr=0.1, damping=1e-2, stat_decay=0.9)},
        dict(lr=CLOSED, damping=POSITIVE, stat_decay=BETA), needs=lambda kw: ("kfac",),
        problems=(), driven=False),
]  # fmt: skip

CASES = [
    (info, name, kwargs) for info in TABLE if info.driven for name, kwargs in info.settings.items()
]
IDS = [name for _, name, _ in CASES]


def scaled(info, kwargs, f):
    """``kwargs`` with every number moved towards the end of its interval by ``f``."""
    out = {}
    for key, v in kwargs.items():
        if key in info.ranges and key not in info.fixed:
            out[key] = info.ranges[key].scale(v, f)
        elif isinstance(v, tuple) and f"{key}[0]" in info.ranges:
            out[key] = tuple(
                x if x is None else info.ranges[f"{key}[{i}]"].scale(x, f) for i, x in enumerate(v)
            )
        else:
            out[key] = v
    return out


def with_value(info, name, value):
    """Constructor arguments with ``name`` (``"betas[1]"`` for an item of a pair) set."""
    m = re.fullmatch(r"(\w+)\[(\d)\]", name)
    if m is None:
        return {name: value}
    pair = list(info.pair_default(m[1]))
    pair[int(m[2])] = value
    return {m[1]: tuple(pair)}


TORCH_CASES = [c for c in CASES if c[0].torch and c[0].to_torch(dict(c[2])) is not None]
