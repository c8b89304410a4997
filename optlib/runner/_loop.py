"""``run``: one step loop for everything that steps an optimizer on a problem.

The loop (:func:`iterate`) is short; what varies is put together once, before it starts: where
the gradient comes from (:func:`gradients`: full, mini-batches, noise, clipping), what else a
step takes (:func:`extras`: the Hessian, the objective, the Fisher, ...), which optimizer takes
step ``t`` (:func:`scheduled`: the learning rate of a schedule) and what is kept
(:class:`~optlib.runner._recorder.Recorder`).
"""

from __future__ import annotations

import inspect

import numpy as np

from optlib.runner._batches import minibatches
from optlib.runner._checks import check_run
from optlib.runner._recorder import Recorder

__all__ = ["run", "iterate", "gradients", "extras", "scheduled", "clip_grad_norm"]


def run(opt, problem, x0, steps, *, noise=0.0, seed=0, stochastic=False, sampling="reshuffle",
        independent=False, schedule=None, clip_norm=None, max_norm=1e6, history=True,
        loss_every=1):  # fmt: skip
    """Run ``opt`` on ``problem`` from ``x0`` (shape ``(d,)`` or ``(..., d)``) for ``steps`` steps.

    Leading axes of ``x0`` are independent trajectories (pair them with array hyperparameters to
    sweep a grid in one call). Returns a :class:`~optlib.runner.Trajectory`.

    Gradients: ``problem.grad``, or with ``stochastic=True`` mini-batch gradients. Mini-batches
    come by epochs of random reshuffling (``sampling="reshuffle"``, the default, as a PyTorch
    ``DataLoader(shuffle=True)``: each example once per epoch, the last batch of an epoch smaller
    if the batch size does not divide ``n``), or ``sampling="replacement"``: each step draws a
    fresh batch of distinct examples (see :func:`~optlib.runner.minibatches`). By default all
    trajectories share each batch (a fair comparison of settings); ``independent=True`` gives
    each its own. ``noise``: standard deviation of Gaussian noise added to each gradient (may be
    an array broadcasting against ``x0``). Batches and noise draw from
    ``np.random.default_rng(seed)``, so a run is reproducible. ``clip_norm=c`` then rescales
    each trajectory's gradient as ``torch.nn.utils.clip_grad_norm_(params, c)`` does, by
    ``min(1, c / (norm + 1e-6))`` (``c`` may be an array broadcasting against ``x0``).

    ``schedule`` (from :mod:`optlib.schedules`): step ``t`` uses the optimizer rebuilt with
    ``lr = schedule.lrs(opt.lr, steps)[t - 1]`` (an array ``lr`` gives each trajectory its base
    rate), and with the momentum of ``OneCycleLR`` (``momentum``, or ``betas[0]`` for the Adam
    family), as a PyTorch scheduler stepped after each ``optimizer.step()``. Optimizers that
    list ``"hess"``, ``"value"``, ``"fisher"`` or ``"kfac"`` in ``opt.needs`` get them from the
    problem (``fisher`` and ``kfac`` on the step's mini-batch).

    A trajectory diverges at the first step whose loss is not finite or whose iterate is not
    finite or has norm above ``max_norm``; its entries are NaN from that step on (the batch is
    still computed as a whole, under ``np.errstate``, so no floating-point warnings escape; the
    loop stops once all have diverged). ``history=False`` keeps only the losses, the start and
    the last good iterate (``params`` of shape ``(2, *x0.shape)``) and no ``grads``: for sweeps
    too large to store every iterate. ``loss_every=k`` evaluates the loss only at steps
    ``0, k, 2k, ...`` and the last (``Trajectory.loss_steps``): for a network, whose full
    training loss costs far more than a mini-batch step.
    """
    x, steps, a = check_run(opt, problem, x0, steps, noise=noise, stochastic=stochastic,
                            sampling=sampling, independent=independent, schedule=schedule,
                            clip_norm=clip_norm, max_norm=max_norm, history=history,
                            loss_every=loss_every)  # fmt: skip
    rng = np.random.default_rng(seed)
    gradient = gradients(problem, x.shape, rng, stochastic=a["stochastic"], sampling=sampling,
                         independent=a["independent"], noise=a["noise"],
                         clip_norm=a["clip_norm"])  # fmt: skip
    every = a["loss_every"]
    loss_steps = np.unique(np.r_[np.arange(0, steps + 1, every), steps])
    recorder = Recorder(x, steps, history=a["history"], loss_steps=loss_steps,
                        max_norm=a["max_norm"])  # fmt: skip
    x = iterate(opt, problem, x, steps, recorder, gradient=gradient, extras=extras(opt, problem),
                optimizer_at=scheduled(opt, schedule, steps), loss_every=every)  # fmt: skip
    return recorder.trajectory(x)


def iterate(opt, problem, x, steps, recorder, *, gradient=None, extras=None, optimizer_at=None,
            loss_every=1, keep=None):  # fmt: skip
    """The step loop: ``steps`` steps of ``opt`` from ``x``, each told to ``recorder``.

    ``gradient(x) -> (g, idx)`` (default: ``problem.grad``, no mini-batch); ``extras(x, idx)``
    the keywords a step takes besides ``(x, g, state)``; ``optimizer_at(t)`` the optimizer of
    step ``t`` (default ``opt``). With a list ``keep``, each step calls ``terms`` instead of
    ``step`` and appends its dict. Stops early when ``recorder.step`` says every trajectory has
    diverged. Returns the last iterate.
    """
    value = problem.value
    if gradient is None:
        gradient = lambda x: (problem.grad(x), None)  # noqa: E731
    with np.errstate(all="ignore"):
        if not recorder.start(x, value(x)):
            return x
        state = opt.init(x)
        for t in range(1, steps + 1):
            g, idx = gradient(x)
            o = opt if optimizer_at is None else optimizer_at(t)
            kw = {} if extras is None else extras(x, idx)
            if keep is None:
                x_new, state = o.step(x, g, state, **kw)
            else:
                out = o.terms(x, g, state, **kw)
                x_new, state = out["x"], out["state"]
                keep.append(out)
            f = value(x_new) if loss_every == 1 or t % loss_every == 0 or t == steps else None
            going = recorder.step(t, x, x_new, g, f)
            x = x_new
            if not going:
                break
    return x


def gradients(problem, shape, rng, *, stochastic=False, sampling="reshuffle", independent=False,
              noise=0.0, clip_norm=None):  # fmt: skip
    """``gradient(x) -> (g, idx)``: the gradient a step uses, and its mini-batch (or None)."""
    if not stochastic:
        base = lambda x: (problem.grad(x), None)  # noqa: E731
    elif problem.batch_grad is None:  # a problem that draws its own mini-batches
        base = lambda x: (problem.stochastic_grad(x, rng), None)  # noqa: E731
    else:
        draws = minibatches(problem.n, problem.batch_size, rng, sampling,
                            shape[:-1] if independent else ())  # fmt: skip

        def base(x):
            idx = next(draws)
            return problem.batch_grad(x, idx), idx

    if np.ndim(noise) == 0 and noise == 0 and clip_norm is None:
        return base

    def gradient(x):
        g, idx = base(x)
        if np.any(noise):
            g = g + noise * rng.standard_normal(shape)
        if clip_norm is not None:
            g = clip_grad_norm(g, clip_norm)
        return g, idx

    return gradient


def clip_grad_norm(g, max_norm):
    """``g`` rescaled as ``torch.nn.utils.clip_grad_norm_`` does, each trajectory (row of the
    last axis) by ``min(1, max_norm / (|g| + 1e-6))``."""
    norm = np.sqrt((g * g).sum(axis=-1, keepdims=True))
    return g * np.minimum(max_norm / (norm + 1e-6), 1.0)


def extras(opt, problem):
    """``extras(x, idx)``: the keywords ``opt.needs`` asks for, from ``problem`` (None if none)."""
    needs = tuple(opt.needs)
    if not needs:
        return None
    supply = {
        "hess": lambda x, idx: problem.hess(x),
        "value": lambda x, idx: problem.value,
        "fisher": lambda x, idx: problem.fisher(x, idx),
        "kfac": lambda x, idx: problem.kfac(x, idx),
    }
    return lambda x, idx: {name: supply[name](x, idx) for name in needs}


def scheduled(opt, schedule, steps):
    """``optimizer_at(t)``: ``opt`` rebuilt with step ``t``'s learning rate (None: no schedule).

    The optimizer is rebuilt by its constructor from its attributes of the same names (every
    optlib optimizer keeps its arguments so), so a scheduled run equals stepping by hand with
    ``type(opt)(..., lr=lr_t)``, bit for bit.
    """
    if schedule is None:
        return None
    lrs = schedule.lrs(opt.lr, steps)
    momenta = schedule.momenta(steps) if hasattr(schedule, "momenta") else None
    name = None
    if momenta is not None:
        name = (
            "betas" if hasattr(opt, "betas") else "momentum" if hasattr(opt, "momentum") else None
        )
        if name is None:
            raise ValueError(f"schedule cycles momentum: {type(opt).__name__} has no momentum")
    args = inspect.signature(type(opt)).parameters
    missing = [a for a in args if not hasattr(opt, a)]
    if missing:
        raise ValueError(f"schedule: cannot rebuild {type(opt).__name__} (no attribute {missing})")
    fixed = {a: getattr(opt, a) for a in args if a not in ("lr", name)}

    def optimizer_at(t):
        kw = {"lr": lrs[t - 1]}
        if name == "betas":
            kw["betas"] = (momenta[t - 1], opt.betas[1])
        elif name == "momentum":
            kw["momentum"] = momenta[t - 1]
        return type(opt)(**fixed, **kw)

    return optimizer_at
