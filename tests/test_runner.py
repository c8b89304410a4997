"""optlib.run: shapes, the recorded data, divergence, noise and mini-batches."""

import dataclasses
import warnings

import numpy as np
import pytest
from harness import HeavyBall as GD  # the stand-in: momentum 0 is gradient descent, bit for bit

import optlib
from optlib import problems
from optlib.runner import minibatches


@pytest.mark.parametrize("shape", [(), (3,), (2, 4)])
def test_shapes_and_recorded_data(shape, stand_in):
    p = problems.rosenbrock()
    x0 = p.x0 + np.random.default_rng(0).normal(scale=0.1, size=shape + (2,))
    x0_copy = x0.copy()
    tr = optlib.run(stand_in(1e-3), p, x0, 7)
    assert tr.params.shape == (8, *shape, 2)
    assert tr.losses.shape == (8, *shape)
    assert tr.grads.shape == (7, *shape, 2)
    assert tr.diverged.shape == shape and tr.diverged.dtype == bool and not tr.diverged.any()
    assert tr.diverged_at.shape == shape and np.all(tr.diverged_at == -1)
    np.testing.assert_array_equal(x0, x0_copy)  # x0 untouched
    np.testing.assert_array_equal(tr.params[0], x0)
    np.testing.assert_allclose(tr.grads, p.grad(tr.params[:-1]), rtol=1e-15)
    np.testing.assert_allclose(tr.params[1:], tr.params[:-1] - 1e-3 * tr.grads, rtol=1e-15)
    np.testing.assert_allclose(tr.losses, p.value(tr.params), rtol=1e-15)
    np.testing.assert_array_equal(tr.final, tr.params[-1])
    np.testing.assert_array_equal(tr.final_loss, tr.losses[-1])


def test_zero_steps(stand_in):
    p = problems.saddle()
    tr = optlib.run(stand_in(0.1), p, p.x0, 0)
    assert tr.params.shape == (1, 2) and tr.grads.shape == (0, 2)
    np.testing.assert_array_equal(tr.final, p.x0)


def test_divergence_is_flagged_quietly_with_nans_after(stand_in):
    p = problems.quadratic(kappa=10.0)  # L = 10: gradient descent diverges for lr > 2 / L
    lr = np.array([[0.05], [0.19], [0.21], [1.0], [1e200]])
    x0 = np.tile(p.x0, (5, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optlib.run(stand_in(lr), p, x0, 300)
        tr_inf = optlib.run(stand_in(lr), p, x0, 300, max_norm=np.inf)  # overflow to inf, then NaN
    np.testing.assert_array_equal(tr.diverged, [False, False, True, True, True])
    # without the norm bound lr = 0.21 grows like 1.1^k, still finite after 300 steps
    np.testing.assert_array_equal(tr_inf.diverged, [False, False, False, True, True])
    for t in (tr, tr_inf):
        for i, k in enumerate(t.diverged_at):
            stop = k if k >= 0 else len(t.losses)
            assert np.isfinite(t.params[:stop, i]).all() and np.isfinite(t.losses[:stop, i]).all()
            assert np.isnan(t.params[stop:, i]).all() and np.isnan(t.losses[stop:, i]).all()
            assert np.isnan(t.grads[stop:, i]).all()
            np.testing.assert_array_equal(t.final[i], t.params[stop - 1, i])
            assert np.isfinite(t.final_loss[i])
    assert tr.diverged_at[4] == 1
    assert 1 < tr.diverged_at[3] < tr_inf.diverged_at[3]  # |x| > 1e6 comes before overflow
    assert np.all(np.linalg.norm(tr.final, axis=-1) <= 1e6)
    assert tr.final_loss[0] < 1e-10


def test_bad_start_diverges_at_step_zero(stand_in):
    p = problems.beale()
    x0 = np.array([[1.0, 1.0], [np.nan, 0.0], [1e7, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optlib.run(stand_in(1e-3), p, x0, 5)
    np.testing.assert_array_equal(tr.diverged_at, [-1, 0, 0])
    assert np.isnan(tr.params[:, 1:]).all() and np.isnan(tr.final[1:]).all()


def test_history_false_keeps_losses_and_the_final_iterate():
    p = problems.quadratic(kappa=10.0)
    lr = np.array([[0.1], [0.3]])
    full = optlib.run(GD(lr), p, np.tile(p.x0, (2, 1)), 50)
    lean = optlib.run(GD(lr), p, np.tile(p.x0, (2, 1)), 50, history=False)
    assert lean.params.shape == (2, 2, 2) and lean.grads is None
    np.testing.assert_array_equal(lean.losses, full.losses)
    np.testing.assert_array_equal(lean.params[0], full.params[0])
    np.testing.assert_array_equal(lean.final, full.final)
    np.testing.assert_array_equal(lean.final_loss, full.final_loss)
    np.testing.assert_array_equal(lean.diverged_at, full.diverged_at)


def test_noise_is_seeded_and_has_the_stated_size(stand_in):
    p = problems.quadratic()
    a = optlib.run(stand_in(0.05), p, p.x0, 400, noise=0.3, seed=1)
    b = optlib.run(stand_in(0.05), p, p.x0, 400, noise=0.3, seed=1)
    c = optlib.run(stand_in(0.05), p, p.x0, 400, noise=0.3, seed=2)
    clean = optlib.run(stand_in(0.05), p, p.x0, 400)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.params, c.params)
    np.testing.assert_array_equal(
        optlib.run(stand_in(0.05), p, p.x0, 400, noise=0.0).params, clean.params
    )
    residual = a.grads - p.grad(a.params[:-1])
    assert abs(residual.std() - 0.3) < 0.03 and abs(residual.mean()) < 0.03
    levels = np.array([[0.0], [1.0]])  # one noise level per trajectory
    tr = optlib.run(stand_in(0.05), p, np.tile(p.x0, (2, 1)), 50, noise=levels)
    np.testing.assert_array_equal(tr.params[:, 0], clean.params[:51])
    assert not np.allclose(tr.params[:, 1], clean.params[:51])


def test_stochastic_logistic_regression_reduces_the_loss(stand_in):
    p = problems.logistic_regression(batch_size=32)
    a = optlib.run(stand_in(0.5), p, p.x0, 200, stochastic=True, seed=3)
    b = optlib.run(stand_in(0.5), p, p.x0, 200, stochastic=True, seed=3)
    np.testing.assert_array_equal(a.params, b.params)
    assert a.losses[0] == pytest.approx(np.log(2))
    assert a.final_loss < 0.15
    assert not np.allclose(a.grads, p.grad(a.params[:-1]))  # mini-batch, not full gradients


def test_hessian_and_value_are_supplied_when_needed(stand_in):
    seen = []

    class Needy(stand_in):
        needs = ("hess", "value")

        def step(self, x, g, state, *, hess, value):
            seen.append((x.copy(), hess, value))
            return super().step(x, g, state)

    p = problems.himmelblau()
    x0 = np.array([[1.0, 1.0], [-1.0, 2.0]])
    optlib.run(Needy(1e-3), p, x0, 2)
    x, hess, value = seen[1]
    np.testing.assert_array_equal(hess, p.hess(x))
    assert value is p.value


def test_loss_every_evaluates_the_loss_at_fewer_steps():
    p = problems.quadratic(kappa=10.0)
    lr = np.array([[0.1], [0.25]])  # the second diverges at some step
    x0 = np.tile(p.x0, (2, 1))
    full = optlib.run(GD(lr), p, x0, 50)
    sparse = optlib.run(GD(lr), p, x0, 50, loss_every=7)
    np.testing.assert_array_equal(sparse.loss_steps, [0, 7, 14, 21, 28, 35, 42, 49, 50])
    np.testing.assert_array_equal(full.loss_steps, np.arange(51))
    np.testing.assert_array_equal(sparse.losses, full.losses[sparse.loss_steps])
    np.testing.assert_array_equal(sparse.params, full.params)  # |x| > max_norm is seen anyway
    np.testing.assert_array_equal(sparse.diverged_at, full.diverged_at)
    assert full.diverged.tolist() == [False, True]


def test_a_run_stops_when_every_trajectory_has_diverged():
    calls = []
    p = problems.quadratic(kappa=10.0)
    counting = dataclasses.replace(p, grad=lambda x: calls.append(1) or p.grad(x))
    tr = optlib.run(GD(1.0), counting, p.x0, 1000)
    k = int(tr.diverged_at)
    assert 1 < k < 20 and len(calls) == k  # no gradient after the step that diverged
    assert tr.params.shape == (1001, 2) and np.isnan(tr.params[k:]).all()
    assert np.isnan(tr.losses[k:]).all() and np.isnan(tr.grads[k:]).all()
    assert np.isfinite(tr.grads[:k]).all()


# --- mini-batches ------------------------------------------------------------------------------


def epochs_of(draws, n, B, epochs):
    """The batches of ``epochs`` epochs, and each epoch's concatenation (along the last axis)."""
    per_epoch = -(-n // B)
    batches = [next(draws) for _ in range(per_epoch * epochs)]
    joined = [np.concatenate(batches[e * per_epoch : (e + 1) * per_epoch], axis=-1)
              for e in range(epochs)]  # fmt: skip
    return batches, joined


@pytest.mark.parametrize("shape", [(), (3,), (2, 2)])
def test_reshuffling_uses_each_example_once_per_epoch(shape):
    n, B = 10, 4
    draws = minibatches(n, B, np.random.default_rng(0), "reshuffle", shape)
    batches, joined = epochs_of(draws, n, B, 3)
    assert [b.shape[-1] for b in batches] == [4, 4, 2] * 3  # the last batch is smaller
    for epoch in joined:
        assert epoch.shape == (*shape, n)
        np.testing.assert_array_equal(
            np.sort(epoch, axis=-1), np.broadcast_to(np.arange(n), epoch.shape)
        )
    assert not np.array_equal(joined[0], joined[1])  # a new order every epoch
    if shape:  # each trajectory its own order
        flat = joined[0].reshape(-1, n)
        assert len({tuple(r) for r in flat}) == len(flat)


@pytest.mark.parametrize("shape", [(), (4,)])
def test_replacement_draws_distinct_examples_afresh_each_step(shape):
    n, B = 10, 4
    draws = minibatches(n, B, np.random.default_rng(0), "replacement", shape)
    batches = [next(draws) for _ in range(200)]
    for b in batches:
        assert b.shape == (*shape, B)
        assert (np.sort(b, axis=-1)[..., 1:] != np.sort(b, axis=-1)[..., :-1]).all()  # distinct
    counts = np.bincount(np.concatenate([b.ravel() for b in batches]), minlength=n)
    expected = 200 * B * max(1, int(np.prod(shape))) / n
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))  # uniform
    # across a would-be epoch an example can come back: not a permutation
    first = np.concatenate(batches[:3], axis=-1)[..., :n]
    assert any(len(set(r)) < n for r in first.reshape(-1, n))
    if shape == ():  # the draws of rng.choice, as problem.stochastic_grad makes them
        rng = np.random.default_rng(0)
        for b in batches[:5]:
            np.testing.assert_array_equal(b, rng.choice(n, size=B, replace=False))


@pytest.mark.parametrize("sampling", ["reshuffle", "replacement"])
@pytest.mark.parametrize("independent", [False, True])
def test_a_stochastic_run_is_a_training_loop_over_those_minibatches(sampling, independent):
    p = problems.logistic_regression(batch_size=50)
    lr = np.array([[0.1], [0.5], [1.0]])
    x0 = np.zeros((3, p.dim))
    tr = optlib.run(GD(lr), p, x0, 40, stochastic=True, seed=4, sampling=sampling,
                    independent=independent)  # fmt: skip
    draws = minibatches(p.n, 50, np.random.default_rng(4), sampling, (3,) if independent else ())
    x = x0
    for k in range(40):
        g = p.batch_grad(x, next(draws))
        np.testing.assert_array_equal(tr.grads[k], g)
        x = x - lr * g
        np.testing.assert_array_equal(tr.params[k + 1], x)
    if sampling == "replacement" and not independent:  # = the old run: stochastic_grad's draws
        rng, x = np.random.default_rng(4), x0
        for _ in range(40):
            x = x - lr * p.stochastic_grad(x, rng)
        np.testing.assert_array_equal(tr.final, x)


def test_an_epoch_of_reshuffled_batches_averages_to_the_full_gradient():
    p = problems.logistic_regression(batch_size=100)  # 569 = 5 x 100 + 69
    x = np.random.default_rng(0).normal(size=(2, p.dim))
    for sampling, exact in (("reshuffle", True), ("replacement", False)):
        tr = optlib.run(GD(0.0), p, x, 6, stochastic=True, sampling=sampling, seed=1)
        sizes = np.array([100] * 5 + [69])[:, None, None]
        epoch_mean = (tr.grads * sizes).sum(axis=0) / p.n
        gap = np.abs(epoch_mean - p.grad(x)).max()
        assert (gap < 1e-15) == exact, (sampling, gap)


def test_independent_minibatches_differ_between_trajectories():
    p = problems.logistic_regression(batch_size=16)
    x0 = np.zeros((2, p.dim))
    shared = optlib.run(GD(0.5), p, x0, 30, stochastic=True, seed=0)
    own = optlib.run(GD(0.5), p, x0, 30, stochastic=True, seed=0, independent=True)
    np.testing.assert_array_equal(shared.params[:, 0], shared.params[:, 1])
    assert not np.allclose(own.params[-1, 0], own.params[-1, 1])


# --- record: the terms of each step, by the same loop ------------------------------------------


STEPPERS = {
    "SGD momentum": lambda: optlib.SGD(lr=1e-3, momentum=0.9),
    "Adam": lambda: optlib.Adam(lr=0.05),
    "Newton": optlib.Newton,
    "Newton line search": lambda: optlib.Newton(line_search=True),
    "BFGS": optlib.BFGS,
    "LBFGS": optlib.LBFGS,
    "DiagonalNewton": optlib.DiagonalNewton,
}


@pytest.mark.parametrize("name", list(STEPPERS))
def test_record_works_for_every_optimizer_and_matches_run(name):
    p = problems.rosenbrock()
    terms = optlib.record(STEPPERS[name](), p, steps=12)
    tr = optlib.run(STEPPERS[name](), p, p.x0, 12)
    assert "update" in terms and "x" not in terms and "state" not in terms
    np.testing.assert_allclose(terms["update"], np.diff(tr.params, axis=0), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(terms["g"][0], p.grad(p.x0))


def test_viz_record_is_the_runner_record():
    viz = pytest.importorskip("optlib.viz")
    assert viz.record is optlib.runner.record is optlib.record
    assert viz.sweep is optlib.runner.sweep and viz.Sweep is optlib.runner.Sweep


def test_record_stops_where_the_run_leaves_the_finite_numbers():
    p = problems.quadratic(kappa=10.0)
    terms = optlib.record(optlib.SGD(lr=1e100), p, steps=10)  # f overflows at step 2
    tr = optlib.run(optlib.SGD(lr=1e100), p, p.x0, 10, max_norm=np.inf)
    k = int(tr.diverged_at)
    assert k == 2
    assert np.isfinite(terms["g"][:k]).all() and np.isnan(terms["g"][k:]).all()


def test_record_needs_the_terms_of_a_step():
    class StepOnly(optlib.Optimizer):  # an optimizer that writes its step without terms
        def init(self, x):
            return ()

        def step(self, x, g, state):
            return x - 0.1 * g, state

    with pytest.raises(TypeError, match="terms"):
        optlib.record(StepOnly(), problems.quadratic(), steps=3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"x0": np.zeros(3)}, "x0"),
        ({"steps": -1}, "steps"),
        ({"noise": -0.1}, "noise"),
        ({"max_norm": 0.0}, "max_norm"),
        ({"stochastic": True}, "stochastic_grad"),
        ({"stochastic": "yes"}, "stochastic"),
        ({"sampling": "shuffle"}, "sampling"),
        ({"independent": 1}, "independent"),
        ({"history": None}, "history"),
        ({"loss_every": 0}, "loss_every"),
        ({"loss_every": 2.0}, "loss_every"),
        ({"steps": 2.5}, "steps"),
        ({"clip_norm": -1.0}, "clip_norm"),
        ({"schedule": 0.1}, "schedule"),
    ],
)
def test_bad_arguments_raise(kwargs, match, stand_in):
    p = problems.rosenbrock()
    args = {"x0": p.x0, "steps": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        optlib.run(GD(0.1), p, args.pop("x0"), args.pop("steps"), **args)


def test_what_an_optimizer_needs_must_be_there():
    class NeedsFisher(GD):
        needs = ("fisher",)

    class NeedsMagic(GD):
        needs = ("magic",)

    p = problems.quadratic()
    with pytest.raises(ValueError, match="fisher"):
        optlib.run(NeedsFisher(0.1), p, p.x0, 3)
    with pytest.raises(ValueError, match="magic"):
        optlib.run(NeedsMagic(0.1), p, p.x0, 3)
    with pytest.raises(ValueError, match="independent"):
        custom = dataclasses.replace(p, stochastic_grad=lambda x, rng: p.grad(x))
        optlib.run(GD(0.1), custom, p.x0, 3, stochastic=True, independent=True)


def test_a_problem_with_its_own_sampler_is_used_as_it_is():
    p = problems.quadratic()
    noisy = dataclasses.replace(p, stochastic_grad=lambda x, rng: p.grad(x) + rng.normal(size=2))
    tr = optlib.run(GD(0.1), noisy, p.x0, 5, stochastic=True, seed=2)
    rng, x = np.random.default_rng(2), p.x0
    for _ in range(5):
        x = x - 0.1 * (p.grad(x) + rng.normal(size=2))
    np.testing.assert_array_equal(tr.final, x)


def test_a_batched_run_indexes_into_its_trajectories(stand_in):
    p = problems.quadratic(kappa=10.0)
    lr = np.array([[0.05], [0.3], [0.1]])  # the second diverges (L = 10)
    tr = optlib.run(stand_in(lr), p, np.tile(p.x0, (3, 1)), 40)
    for i in range(3):
        one = optlib.run(stand_in(lr[i, 0]), p, p.x0, 40)
        np.testing.assert_array_equal(tr[i].params, one.params)
        np.testing.assert_array_equal(tr[i].losses, one.losses)
        assert tr[i].diverged == one.diverged and tr[i].diverged_at == one.diverged_at
    two = tr[[0, 2]]
    assert two.params.shape == (41, 2, 2) and not two.diverged.any()
    assert tr[1].diverged and tr[1].params.shape == (41, 2)
    with pytest.raises(IndexError):
        tr[0, 0]
