"""optlib.schedules against torch.optim.lr_scheduler, and run(..., schedule=, clip_norm=)."""

import warnings

import numpy as np
import pytest

import optlib
from optlib import problems
from optlib import schedules as S

torch = pytest.importorskip("torch")
T = torch.optim.lr_scheduler


def torch_rates(make, base_lr, steps, opt_cls=torch.optim.SGD, **opt_kw):
    """The lr (and momentum or beta1) of each of ``steps`` optimizer steps, with
    ``scheduler.step()`` after each ``optimizer.step()``, in float64."""
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = opt_cls([p], lr=base_lr, **opt_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about lambdas and about reading lr
        scheduler = make(opt)
        lrs, momenta = [], []
        for _ in range(steps):
            group = opt.param_groups[0]
            lrs.append(group["lr"])
            momenta.append(group["betas"][0] if "betas" in group else group.get("momentum"))
            p.grad = torch.zeros(2, dtype=torch.float64)
            opt.step()
            scheduler.step()
    return np.array(lrs), np.array(momenta, dtype=float)


CASES = {  # optlib's schedule, torch's, steps
    "StepLR": (S.StepLR(7, 0.5), lambda o: T.StepLR(o, 7, 0.5), 60),
    "StepLR default": (S.StepLR(10), lambda o: T.StepLR(o, 10), 45),
    "MultiStepLR": (
        S.MultiStepLR([30, 9, 5, 9], 0.3),
        lambda o: T.MultiStepLR(o, [5, 9, 9, 30], 0.3),
        50,
    ),
    "ExponentialLR": (S.ExponentialLR(0.97), lambda o: T.ExponentialLR(o, 0.97), 300),
    "CosineAnnealingLR": (
        S.CosineAnnealingLR(40, 1e-3),
        lambda o: T.CosineAnnealingLR(o, 40, 1e-3),
        130,  # past T_max, the cosine goes on: back up, and down again
    ),
    "CosineAnnealingLR eta_min 0": (
        S.CosineAnnealingLR(25),
        lambda o: T.CosineAnnealingLR(o, 25),
        60,
    ),
    "WarmRestarts T_mult 2": (
        S.CosineAnnealingWarmRestarts(10, 2, 1e-4),
        lambda o: T.CosineAnnealingWarmRestarts(o, 10, 2, 1e-4),
        150,
    ),
    "WarmRestarts": (
        S.CosineAnnealingWarmRestarts(7),
        lambda o: T.CosineAnnealingWarmRestarts(o, 7),
        50,
    ),
    "LinearLR default": (S.LinearLR(), lambda o: T.LinearLR(o), 12),
    "LinearLR": (S.LinearLR(0.1, 0.5, 30), lambda o: T.LinearLR(o, 0.1, 0.5, 30), 40),
    "LambdaLR": (
        S.LambdaLR(lambda e: 0.9 ** (e % 5)),
        lambda o: T.LambdaLR(o, lambda e: 0.9 ** (e % 5)),
        30,
    ),
    "RobbinsMonroLR": (
        S.RobbinsMonroLR(20),
        lambda o: T.LambdaLR(o, lambda e: 1 / (1 + e / 20)),
        200,
    ),
    "SequentialLR warm-up, cosine": (
        S.SequentialLR([S.LinearLR(0.1, total_iters=10), S.CosineAnnealingLR(50)], [10]),
        lambda o: T.SequentialLR(
            o, [T.LinearLR(o, 0.1, total_iters=10), T.CosineAnnealingLR(o, 50)], [10]
        ),
        80,
    ),
    "SequentialLR three": (
        S.SequentialLR(
            [S.ExponentialLR(0.9), S.StepLR(3), S.CosineAnnealingWarmRestarts(4, 2)], [6, 20]
        ),
        lambda o: T.SequentialLR(
            o,
            [T.ExponentialLR(o, 0.9), T.StepLR(o, 3), T.CosineAnnealingWarmRestarts(o, 4, 2)],
            [6, 20],
        ),
        60,
    ),
    "OneCycleLR": (S.OneCycleLR(0.5, 100), lambda o: T.OneCycleLR(o, 0.5, 100), 100),
    "OneCycleLR linear three-phase": (
        S.OneCycleLR(0.5, 90, anneal_strategy="linear", three_phase=True),
        lambda o: T.OneCycleLR(o, 0.5, 90, anneal_strategy="linear", three_phase=True),
        90,
    ),
    "OneCycleLR short warm-up": (
        S.OneCycleLR(0.2, total_steps=None, epochs=4, steps_per_epoch=10, pct_start=0.02),
        lambda o: T.OneCycleLR(o, 0.2, epochs=4, steps_per_epoch=10, pct_start=0.02),
        37,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lrs_equal_torch_schedulers(name):
    ours, make, steps = CASES[name]
    for base in (0.3, 1e-3):
        ref, momenta = torch_rates(make, base, steps, momentum=0.9)
        got = ours.lrs(base, steps)
        assert got.shape == (steps,)
        scale = base if "OneCycle" not in name else ours.max_lr
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-13 * scale)
        if ours.momenta(steps) is not None:
            np.testing.assert_allclose(ours.momenta(steps), momenta, rtol=0, atol=1e-15)
    if "OneCycle" not in name:  # a base rate per trajectory: one column each
        bases = np.array([[0.3], [0.01]])
        table = ours.lrs(bases, steps)
        assert table.shape == (steps, 2, 1)
        np.testing.assert_allclose(table[:, 1, 0], ours.lrs(0.01, steps), rtol=1e-15, atol=0)
    assert ours.lrs(0.3, 0).shape == (0,)


def test_onecycle_cycles_adams_beta1_as_torch():
    ours = S.OneCycleLR(0.01, 50, base_momentum=0.8, max_momentum=0.9)
    lrs, beta1 = torch_rates(lambda o: T.OneCycleLR(o, 0.01, 50, base_momentum=0.8,
                                                    max_momentum=0.9),
                             1.0, 50, torch.optim.Adam)  # fmt: skip
    np.testing.assert_allclose(ours.lrs(1.0, 50), lrs, rtol=0, atol=1e-15)
    np.testing.assert_allclose(ours.momenta(50), beta1, rtol=0, atol=1e-15)
    assert beta1[0] == 0.9 and beta1.min() == pytest.approx(0.8)


def test_robbins_monro_is_the_decay_of_chapter_two():
    t = np.arange(1, 101)
    np.testing.assert_allclose(S.RobbinsMonroLR(30).lrs(0.5, 100), 0.5 / (1 + (t - 1) / 30))


# --- run(..., schedule=...) --------------------------------------------------------------------


def by_hand(make, problem, x0, lrs, momenta=None, clip=None):
    """Step ``make(lr=..., [momentum or betas])`` by hand, a new optimizer at every step."""
    opt = make(lr=lrs[0])
    x, state, xs = x0, opt.init(x0), [x0]
    for t, lr in enumerate(lrs):
        kw = {}
        if momenta is not None:
            kw = (
                {"betas": (momenta[t], 0.999)} if "betas" in vars(opt) else {"momentum": momenta[t]}
            )
        g = problem.grad(x)
        if clip is not None:
            g = optlib.runner.clip_grad_norm(g, clip)
        x, state = make(lr=lr, **kw).step(x, g, state)
        xs.append(x)
    return np.array(xs)


RUNS = {
    "SGD momentum, cosine": (
        lambda **kw: optlib.SGD(**({"momentum": 0.9} | kw)),
        S.CosineAnnealingLR(30, 1e-4),
    ),
    "Adam, warm-up then step": (
        lambda **kw: optlib.Adam(**kw),
        S.SequentialLR([S.LinearLR(0.2, total_iters=5), S.StepLR(10, 0.5)], [5]),
    ),
    "Adagrad (lr_decay), exponential": (
        lambda **kw: optlib.Adagrad(**({"lr_decay": 0.01} | kw)),
        S.ExponentialLR(0.95),
    ),
    "RMSprop, one cycle with momentum": (
        lambda **kw: optlib.RMSprop(**({"momentum": 0.5} | kw)),
        S.OneCycleLR(0.01, 40),
    ),
    "Adam, one cycle with beta1": (lambda **kw: optlib.Adam(**kw), S.OneCycleLR(0.05, 40)),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_a_scheduled_run_is_stepping_by_hand_with_the_changed_lr(name):
    make, schedule = RUNS[name]
    p = problems.rosenbrock()
    base = np.array([[1e-3], [3e-3]])  # a base rate per trajectory
    x0 = np.tile(p.x0, (2, 1))
    tr = optlib.run(make(lr=base), p, x0, 40, schedule=schedule)
    lrs, momenta = schedule.lrs(base, 40), schedule.momenta(40)
    np.testing.assert_array_equal(tr.params, by_hand(make, p, x0, lrs, momenta))
    plain = optlib.run(make(lr=base), p, x0, 40)
    assert not np.allclose(plain.params[-1], tr.params[-1])  # the schedule changed something


def test_a_scheduled_run_follows_torch():
    p = problems.rosenbrock()
    tr = optlib.run(optlib.Adam(lr=0.02), p, p.x0, 60, schedule=S.OneCycleLR(0.05, 60))
    w = torch.tensor(p.x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.02)
    scheduler = T.OneCycleLR(opt, 0.05, 60)
    for k in range(60):
        w.grad = torch.from_numpy(tr.grads[k])
        opt.step()
        scheduler.step()
        np.testing.assert_allclose(w.detach().numpy(), tr.params[k + 1], rtol=1e-12, atol=1e-14)


def test_schedules_need_an_lr_and_a_momentum_to_cycle():
    p = problems.quadratic()
    with pytest.raises(ValueError, match="momentum"):
        optlib.run(optlib.Adagrad(), p, p.x0, 10, schedule=S.OneCycleLR(0.1, 10))
    quiet = S.OneCycleLR(0.1, 10, cycle_momentum=False)
    assert optlib.run(optlib.Adagrad(), p, p.x0, 10, schedule=quiet).params.shape == (11, 2)
    with pytest.raises(ValueError, match="total_steps"):
        optlib.run(optlib.SGD(), p, p.x0, 11, schedule=S.OneCycleLR(0.1, 10))


# --- run(..., clip_norm=c) ------------------------------------------------------------------


@pytest.mark.parametrize("clip", [1.0, np.array([[0.5], [5.0], [50.0], [np.inf]])])
def test_clip_norm_clips_each_trajectory_as_torch(clip):
    p = problems.rosenbrock()
    x0 = p.x0 + np.random.default_rng(0).normal(scale=0.5, size=(4, 2))
    tr = optlib.run(optlib.SGD(lr=1e-3), p, x0, 30, clip_norm=clip)
    raw = p.grad(tr.params[:-1])
    limit = np.broadcast_to(clip, (4, 1))[:, 0]
    for k in range(30):
        for i in range(4):
            g = torch.from_numpy(raw[k, i].copy()).requires_grad_(False)
            w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
            w.grad = g
            torch.nn.utils.clip_grad_norm_([w], float(limit[i]))
            np.testing.assert_allclose(tr.grads[k, i], w.grad.numpy(), rtol=1e-15, atol=0)
    norms = np.linalg.norm(tr.grads, axis=-1)
    assert np.all(norms <= limit + 1e-12)
    assert np.any(norms > 0.99 * np.minimum(limit, 1e300))  # some gradients were clipped to c
    np.testing.assert_array_equal(tr.params[1:], tr.params[:-1] - 1e-3 * tr.grads)


def test_clipping_leaves_small_gradients_alone():
    p = problems.quadratic()
    a = optlib.run(optlib.SGD(lr=0.1), p, p.x0, 20)
    b = optlib.run(optlib.SGD(lr=0.1), p, p.x0, 20, clip_norm=100.0)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: S.StepLR(0), "step_size"),
        (lambda: S.StepLR(2.5), "step_size"),
        (lambda: S.StepLR(3, gamma=-0.1), "gamma"),
        (lambda: S.MultiStepLR([3, -1]), "milestones"),
        (lambda: S.ExponentialLR(0.0), "gamma"),
        (lambda: S.CosineAnnealingLR(0), "T_max"),
        (lambda: S.CosineAnnealingLR(10, eta_min=-1.0), "eta_min"),
        (lambda: S.CosineAnnealingWarmRestarts(0), "T_0"),
        (lambda: S.CosineAnnealingWarmRestarts(5, T_mult=0), "T_mult"),
        (lambda: S.LinearLR(start_factor=0.0), "start_factor"),
        (lambda: S.LinearLR(end_factor=1.5), "end_factor"),
        (lambda: S.LinearLR(total_iters=0), "total_iters"),
        (lambda: S.LambdaLR(0.5), "lr_lambda"),
        (lambda: S.RobbinsMonroLR(0.0), "t_0"),
        (lambda: S.SequentialLR([S.StepLR(2)], [3]), "milestones"),
        (lambda: S.SequentialLR([S.StepLR(2), S.StepLR(3), S.StepLR(4)], [5, 5]), "milestones"),
        (lambda: S.SequentialLR([0.1], []), "schedules"),
        (lambda: S.OneCycleLR(0.0, 10), "max_lr"),
        (lambda: S.OneCycleLR(0.1), "total_steps"),
        (lambda: S.OneCycleLR(0.1, 0), "total_steps"),
        (lambda: S.OneCycleLR(0.1, 10, pct_start=1.5), "pct_start"),
        (lambda: S.OneCycleLR(0.1, 10, pct_start=0.1), "pct_start"),
        (lambda: S.OneCycleLR(0.1, 10, anneal_strategy="exp"), "anneal_strategy"),
        (lambda: S.OneCycleLR(0.1, 10, max_momentum=1.0), "max_momentum"),
        (lambda: S.OneCycleLR(0.1, 10, three_phase="yes"), "three_phase"),
        (lambda: S.StepLR(3).lrs(0.1, -1), "steps"),
    ],
)
def test_bad_arguments_raise(make, name):
    with pytest.raises(ValueError, match=name):
        make()
