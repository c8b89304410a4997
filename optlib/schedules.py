r"""Learning-rate schedules, as ``torch.optim.lr_scheduler`` names them.

A schedule is a small object; ``schedule.lrs(base_lr, steps)`` returns the learning rates that
steps :math:`t = 1, \dots, T` use, an array of shape ``(steps, *np.shape(base_lr))``. They are
the rates that PyTorch gives when ``scheduler.step()`` follows each ``optimizer.step()``: step
:math:`t` runs at the scheduler's epoch :math:`e = t - 1`, which is the symbol the formulas
below use, with :math:`\eta` the base rate (the optimizer's ``lr``). ``optlib.run(opt,
problem, x0, steps, schedule=...)`` applies one.

optlib computes each rate from its closed form; PyTorch computes most of them from the previous
rate (``lr * gamma`` each epoch, a ratio of cosines, ...). The two agree to rounding (about
:math:`10^{-12}` of :math:`\eta`, tested in ``tests/test_schedules.py``).
"""

from __future__ import annotations

import operator

import numpy as np

from optlib._base import _short, check_flag, check_range

__all__ = [
    "Schedule", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts", "LinearLR", "OneCycleLR", "LambdaLR", "SequentialLR",
    "RobbinsMonroLR",
]  # fmt: skip


def _integer(name, value, low=1):
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}") from None
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return value


class Schedule:
    """Base class: a subclass defines ``rate(base_lr, e)``, the rate at the epochs ``e``."""

    def rate(self, base_lr, e):
        raise NotImplementedError

    def lrs(self, base_lr, steps):
        """The learning rates of steps 1, ..., ``steps``: shape ``(steps, *np.shape(base_lr))``
        (or the shape of an array hyperparameter of the schedule, such as ``max_lr``)."""
        base_lr = np.asarray(base_lr, dtype=float)
        arrays = [v.ndim for v in vars(self).values() if isinstance(v, np.ndarray)]
        e = np.arange(_integer("steps", steps, 0)).reshape(
            (-1,) + (1,) * max([base_lr.ndim, *arrays])
        )
        out = self.rate(base_lr, e)
        shape = np.broadcast_shapes(np.shape(out), e.shape, base_lr.shape)
        return np.array(np.broadcast_to(out, shape), dtype=float)

    def momenta(self, steps):
        """The momentum (or :math:`\\beta_1`) of each step, for schedules that cycle it; None."""
        return None

    def __repr__(self):
        args = ", ".join(f"{k}={_short(v)}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class StepLR(Schedule):
    r""":math:`\eta_e = \eta\,\gamma^{\lfloor e / s\rfloor}`: decay by ``gamma`` (:math:`\gamma`,
    default 0.1) every ``step_size`` (:math:`s`) steps. As ``torch.optim.lr_scheduler.StepLR``."""

    def __init__(self, step_size, gamma=0.1):
        self.step_size = _integer("step_size", step_size)
        self.gamma = check_range("gamma", gamma, 0, low_open=True)

    def rate(self, base_lr, e):
        return base_lr * self.gamma ** (e // self.step_size)


class MultiStepLR(Schedule):
    r""":math:`\eta_e = \eta\,\gamma^{k(e)}`, :math:`k(e)` the number of ``milestones`` at or
    before :math:`e` (a milestone listed twice counts twice). As ``torch``'s ``MultiStepLR``."""

    def __init__(self, milestones, gamma=0.1):
        self.milestones = tuple(sorted(_integer("milestones", m, 0) for m in milestones))
        self.gamma = check_range("gamma", gamma, 0, low_open=True)

    def rate(self, base_lr, e):
        passed = np.searchsorted(np.array(self.milestones, dtype=int), e, side="right")
        return base_lr * self.gamma**passed


class ExponentialLR(Schedule):
    r""":math:`\eta_e = \eta\,\gamma^e`. As ``torch.optim.lr_scheduler.ExponentialLR``."""

    def __init__(self, gamma):
        self.gamma = check_range("gamma", gamma, 0, low_open=True)

    def rate(self, base_lr, e):
        return base_lr * self.gamma**e


def _cosine(base_lr, eta_min, e, period):
    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * e / period)) / 2


class CosineAnnealingLR(Schedule):
    r""":math:`\eta_e = \eta_{\min} + (\eta - \eta_{\min})\,(1 + \cos(\pi e / T_{\max}))/2`
    (Loshchilov & Hutter 2017, without restarts): from :math:`\eta` down to ``eta_min`` in
    ``T_max`` steps, and back up after that, as PyTorch's ``CosineAnnealingLR`` does (the cosine
    goes on). Reference: I. Loshchilov, F. Hutter (2017), SGDR: stochastic gradient descent
    with warm restarts, ICLR."""

    def __init__(self, T_max, eta_min=0.0):
        self.T_max = _integer("T_max", T_max)
        self.eta_min = check_range("eta_min", eta_min, 0)

    def rate(self, base_lr, e):
        return _cosine(base_lr, self.eta_min, e, self.T_max)


class CosineAnnealingWarmRestarts(Schedule):
    r"""SGDR: the cosine of :class:`CosineAnnealingLR` over a period :math:`T_i`, then a
    restart at :math:`\eta`: :math:`\eta_e = \eta_{\min} + (\eta - \eta_{\min})(1 + \cos(\pi
    T_{cur} / T_i))/2` with :math:`T_{cur}` the steps since the last restart. The first period
    is ``T_0`` and each is ``T_mult`` times the one before. As PyTorch's
    ``CosineAnnealingWarmRestarts`` (Loshchilov & Hutter 2017)."""

    def __init__(self, T_0, T_mult=1, eta_min=0.0):
        self.T_0 = _integer("T_0", T_0)
        self.T_mult = _integer("T_mult", T_mult)
        self.eta_min = check_range("eta_min", eta_min, 0)

    def rate(self, base_lr, e):
        starts, period = [0], self.T_0  # the epochs of the restarts, exactly (integers)
        while starts[-1] <= e.max(initial=0):
            starts.append(starts[-1] + period)
            period *= self.T_mult
        k = np.searchsorted(np.array(starts), e, side="right") - 1
        return _cosine(base_lr, self.eta_min, e - np.array(starts)[k], self.T_0 * self.T_mult**k)


class LinearLR(Schedule):
    r""":math:`\eta_e = \eta\,(a + (b - a)\min(e, n)/n)`: the factor goes linearly from
    ``start_factor`` :math:`a` (default 1/3) to ``end_factor`` :math:`b` (default 1) over
    ``total_iters`` :math:`n` (default 5) steps, then stays: a warm-up. As ``torch``'s
    ``LinearLR``."""

    def __init__(self, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        self.start_factor = check_range("start_factor", start_factor, 0, 1, low_open=True)
        self.end_factor = check_range("end_factor", end_factor, 0, 1)
        self.total_iters = _integer("total_iters", total_iters)

    def rate(self, base_lr, e):
        a, b, n = self.start_factor, self.end_factor, self.total_iters
        return base_lr * (a + (b - a) * np.minimum(e, n) / n)


class LambdaLR(Schedule):
    r""":math:`\eta_e = \eta\,\lambda(e)` for a function ``lr_lambda`` :math:`\lambda` of the
    integer :math:`e` that returns a number. As ``torch.optim.lr_scheduler.LambdaLR``."""

    def __init__(self, lr_lambda):
        if not callable(lr_lambda):
            raise ValueError(f"lr_lambda must be a function of the epoch, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda

    def rate(self, base_lr, e):
        factors = np.array([float(self.lr_lambda(int(k))) for k in e.reshape(-1)])
        return base_lr * factors.reshape(e.shape)


class RobbinsMonroLR(Schedule):
    r""":math:`\eta_e = \eta / (1 + e / t_0)`, that is :math:`\eta_t = \eta / (1 + (t - 1)/t_0)`:
    the decay of Robbins & Monro (1951), whose sums satisfy :math:`\sum_t \eta_t = \infty` and
    :math:`\sum_t \eta_t^2 < \infty`. PyTorch has no class for it: it is ``LambdaLR(lambda e:
    1 / (1 + e / t_0))``; Keras's ``InverseTimeDecay(eta, decay_steps=t_0, decay_rate=1)``."""

    def __init__(self, t_0):
        self.t_0 = check_range("t_0", t_0, 0, low_open=True)

    def rate(self, base_lr, e):
        return base_lr / (1 + e / self.t_0)


class SequentialLR(Schedule):
    r"""``schedules[0]`` until ``milestones[0]``, then ``schedules[1]`` started afresh (its own
    epoch 0 at the milestone), and so on: warm-up then decay, ``SequentialLR([LinearLR(0.1,
    total_iters=m), CosineAnnealingLR(T)], milestones=[m])``. Every schedule starts from the same
    base rate :math:`\eta`. As ``torch.optim.lr_scheduler.SequentialLR``."""

    def __init__(self, schedules, milestones):
        self.schedules = tuple(schedules)
        self.milestones = tuple(_integer("milestones", m, 1) for m in milestones)
        if not self.schedules or not all(isinstance(s, Schedule) for s in self.schedules):
            raise ValueError(f"schedules must be a non-empty list of schedules, got {schedules!r}")
        if len(self.milestones) != len(self.schedules) - 1:
            raise ValueError("milestones must be one fewer than schedules")
        if any(b <= a for a, b in zip(self.milestones, self.milestones[1:], strict=False)):
            raise ValueError(f"milestones must increase, got {self.milestones}")

    def rate(self, base_lr, e):
        starts = (0, *self.milestones)
        out = np.empty(np.broadcast_shapes(e.shape, np.shape(base_lr)))
        for i, schedule in enumerate(self.schedules):
            here = (e >= starts[i]) & (e < (starts[i + 1] if i + 1 < len(starts) else np.inf))
            rows = np.flatnonzero(here.reshape(-1))  # e has shape (steps, 1, ..., 1)
            if rows.size:
                out[rows] = schedule.rate(base_lr, e[rows] - starts[i])
        return out


class OneCycleLR(Schedule):
    r"""The 1cycle policy (Smith & Topin 2019): up from ``max_lr / div_factor`` to ``max_lr``
    in the first ``pct_start`` of ``total_steps``, then down to ``max_lr / (div_factor *
    final_div_factor)``, along half cosines (``anneal_strategy="cos"``) or lines (``"linear"``).
    ``three_phase=True`` comes back to the start rate at ``2 pct_start`` and only then decays to
    the minimum. With ``cycle_momentum`` the momentum (``momentum``, or :math:`\beta_1` of the
    Adam family) moves the other way, from ``max_momentum`` to ``base_momentum`` and back.

    As ``torch.optim.lr_scheduler.OneCycleLR``: the optimizer's own ``lr`` is ignored, and the
    phases end at the (fractional) epochs ``pct_start * total_steps - 1``, (``2 pct_start *
    total_steps - 2``) and ``total_steps - 1``. ``total_steps`` may be given as ``epochs *
    steps_per_epoch``. A run may not take more than ``total_steps`` steps. Reference: L. N.
    Smith, N. Topin (2019), Super-convergence: very fast training of neural networks using
    large learning rates, SPIE.
    """

    def __init__(self, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4,
                 three_phase=False):  # fmt: skip
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("total_steps, or epochs and steps_per_epoch, must be given")
            total_steps = _integer("epochs", epochs) * _integer("steps_per_epoch", steps_per_epoch)
        self.max_lr = check_range("max_lr", max_lr, 0, low_open=True)
        self.total_steps = _integer("total_steps", total_steps)
        self.pct_start = check_range("pct_start", pct_start, 0, 1)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = check_flag("cycle_momentum", cycle_momentum)
        self.base_momentum = check_range("base_momentum", base_momentum, 0, 1, high_open=True)
        self.max_momentum = check_range("max_momentum", max_momentum, 0, 1, high_open=True)
        self.div_factor = check_range("div_factor", div_factor, 0, low_open=True)
        self.final_div_factor = check_range("final_div_factor", final_div_factor, 0, low_open=True)
        self.three_phase = check_flag("three_phase", three_phase)
        ends = [float(self.pct_start * self.total_steps) - 1]
        ends += [float(2 * self.pct_start * self.total_steps) - 2] if self.three_phase else []
        self._ends = [*ends, self.total_steps - 1]
        if self._ends[0] == 0.0:  # torch divides 0 by 0 at the first step
            raise ValueError("pct_start * total_steps must not be 1: the warm-up would be one step")

    def _phases(self, start, peak, low):
        """(end epoch, value at its start, value at its end) of each phase."""
        if self.three_phase:
            values = [(start, peak), (peak, start), (start, low)]
        else:
            values = [(start, peak), (peak, low)]
        return [(end, a, b) for end, (a, b) in zip(self._ends, values, strict=True)]

    def _anneal(self, e, phases):
        """Each epoch in the first phase whose end it has not passed (the last phase after)."""
        out, begin = 0.0, 0.0
        for i, (end, a, b) in enumerate(phases):
            here = e > begin if i else e >= 0
            if i < len(phases) - 1:
                here = here & (e <= end)
            with np.errstate(divide="ignore", invalid="ignore"):  # a phase no epoch falls in
                pct = (e - begin) / (end - begin)
            if self.anneal_strategy == "cos":
                value = b + (a - b) / 2.0 * (np.cos(np.pi * pct) + 1)
            else:
                value = (b - a) * pct + a
            out = np.where(here, value, out)
            begin = end
        return out

    def _check(self, steps):
        if steps > self.total_steps:
            raise ValueError(f"OneCycleLR(total_steps={self.total_steps}) cannot run {steps} steps")

    def rate(self, base_lr, e):
        self._check(len(e))
        start = self.max_lr / self.div_factor
        return self._anneal(e, self._phases(start, self.max_lr, start / self.final_div_factor))

    def momenta(self, steps):
        if not self.cycle_momentum:
            return None
        self._check(steps)
        e = np.arange(steps).reshape((-1,) + (1,) * np.ndim(self.max_momentum))
        hi, lo = self.max_momentum, self.base_momentum
        return np.broadcast_to(self._anneal(e, self._phases(hi, lo, hi)), (steps, *np.shape(hi)))
