"""The arguments of ``run``, checked once: ``ValueError`` names the argument and what it may be."""

from __future__ import annotations

import operator

import numpy as np

from optlib._base import check_flag, check_range
from optlib.runner._batches import SAMPLINGS

__all__ = ["check_run", "EXTRAS"]

EXTRAS = {
    "hess": "the Hessian hess(x)",
    "value": "the objective value (a function)",
    "fisher": "the Fisher information matrix fisher(x, idx)",
    "kfac": "K-FAC's Kronecker factors kfac(x, idx)",
}
"""What an optimizer may list in ``needs``, and what ``run`` passes for it (by that keyword)."""


def check_run(opt, problem, x0, steps, *, noise, stochastic, sampling, independent, schedule,
              clip_norm, max_norm, history, loss_every):  # fmt: skip
    """Return ``x0`` as a float array and the checked arguments, or raise ``ValueError``."""
    x = np.array(x0, dtype=float)
    if x.ndim == 0 or x.shape[-1] != problem.dim:
        raise ValueError(f"x0 must have shape (..., {problem.dim}), got {x.shape}")
    steps = _count("steps", steps, 0)
    out = {
        "noise": check_range("noise", noise, 0),
        "max_norm": check_range("max_norm", max_norm, 0, low_open=True),
        "stochastic": check_flag("stochastic", stochastic),
        "independent": check_flag("independent", independent),
        "history": check_flag("history", history),
        "loss_every": _count("loss_every", loss_every, 1),
        "clip_norm": None if clip_norm is None else check_range("clip_norm", clip_norm, 0),
    }
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if out["stochastic"] and problem.stochastic_grad is None and problem.batch_grad is None:
        raise ValueError(f"stochastic=True: problem {problem.name!r} has no stochastic_grad")
    if out["stochastic"] and out["independent"] and problem.batch_grad is None:
        raise ValueError(f"independent=True: problem {problem.name!r} has no batch_grad")
    unknown = set(opt.needs) - set(EXTRAS)
    if unknown:
        raise ValueError(f"run cannot supply {sorted(unknown)} (only {sorted(EXTRAS)})")
    missing = [name for name in opt.needs if getattr(problem, name, None) is None]
    if missing:
        raise ValueError(f"{type(opt).__name__} needs {missing}; problem {problem.name!r} has none")
    if schedule is not None and not hasattr(schedule, "lrs"):
        raise ValueError(f"schedule must be an optlib.schedules schedule, got {schedule!r}")
    if schedule is not None and not hasattr(opt, "lr"):
        raise ValueError(f"schedule: {type(opt).__name__} has no lr to schedule")
    return x, steps, out


def _count(name, value, low):
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}") from None
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return value
