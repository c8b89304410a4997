"""optlib.run: shapes, the recorded data, divergence, noise and mini-batches."""

import warnings
from typing import NamedTuple

import numpy as np
import pytest

import optlib
from optlib import problems


class Count(NamedTuple):
    t: np.ndarray


class GD(optlib.Optimizer):
    """Plain gradient descent, written here so the runner is tested on its own."""

    def __init__(self, lr):
        self.lr = np.asarray(lr, dtype=float)

    def init(self, x):
        return Count(np.zeros((), dtype=int))

    def step(self, x, g, state):
        return x - self.lr * g, Count(state.t + 1)


@pytest.mark.parametrize("shape", [(), (3,), (2, 4)])
def test_shapes_and_recorded_data(shape):
    p = problems.rosenbrock()
    x0 = p.x0 + np.random.default_rng(0).normal(scale=0.1, size=shape + (2,))
    x0_copy = x0.copy()
    tr = optlib.run(GD(1e-3), p, x0, 7)
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


def test_zero_steps():
    p = problems.saddle()
    tr = optlib.run(GD(0.1), p, p.x0, 0)
    assert tr.params.shape == (1, 2) and tr.grads.shape == (0, 2)
    np.testing.assert_array_equal(tr.final, p.x0)


def test_divergence_is_flagged_quietly_with_nans_after():
    p = problems.quadratic(kappa=10.0)  # L = 10: gradient descent diverges for lr > 2 / L
    lr = np.array([[0.05], [0.19], [0.21], [1.0], [1e200]])
    x0 = np.tile(p.x0, (5, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optlib.run(GD(lr), p, x0, 300)
        tr_inf = optlib.run(GD(lr), p, x0, 300, max_norm=np.inf)  # overflow to inf, then NaN
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


def test_bad_start_diverges_at_step_zero():
    p = problems.beale()
    x0 = np.array([[1.0, 1.0], [np.nan, 0.0], [1e7, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = optlib.run(GD(1e-3), p, x0, 5)
    np.testing.assert_array_equal(tr.diverged_at, [-1, 0, 0])
    assert np.isnan(tr.params[:, 1:]).all() and np.isnan(tr.final[1:]).all()


def test_record_false_keeps_losses_and_the_final_iterate():
    p = problems.quadratic(kappa=10.0)
    lr = np.array([[0.1], [0.3]])
    full = optlib.run(GD(lr), p, np.tile(p.x0, (2, 1)), 50)
    lean = optlib.run(GD(lr), p, np.tile(p.x0, (2, 1)), 50, record=False)
    assert lean.params.shape == (2, 2, 2) and lean.grads is None
    np.testing.assert_array_equal(lean.losses, full.losses)
    np.testing.assert_array_equal(lean.params[0], full.params[0])
    np.testing.assert_array_equal(lean.final, full.final)
    np.testing.assert_array_equal(lean.final_loss, full.final_loss)
    np.testing.assert_array_equal(lean.diverged_at, full.diverged_at)


def test_noise_is_seeded_and_has_the_stated_size():
    p = problems.quadratic()
    a = optlib.run(GD(0.05), p, p.x0, 400, noise=0.3, seed=1)
    b = optlib.run(GD(0.05), p, p.x0, 400, noise=0.3, seed=1)
    c = optlib.run(GD(0.05), p, p.x0, 400, noise=0.3, seed=2)
    clean = optlib.run(GD(0.05), p, p.x0, 400)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.params, c.params)
    np.testing.assert_array_equal(
        optlib.run(GD(0.05), p, p.x0, 400, noise=0.0).params, clean.params
    )
    residual = a.grads - p.grad(a.params[:-1])
    assert abs(residual.std() - 0.3) < 0.03 and abs(residual.mean()) < 0.03
    levels = np.array([[0.0], [1.0]])  # one noise level per trajectory
    tr = optlib.run(GD(0.05), p, np.tile(p.x0, (2, 1)), 50, noise=levels)
    np.testing.assert_array_equal(tr.params[:, 0], clean.params[:51])
    assert not np.allclose(tr.params[:, 1], clean.params[:51])


def test_stochastic_logistic_regression_reduces_the_loss():
    p = problems.logistic_regression(batch_size=32)
    a = optlib.run(GD(0.5), p, p.x0, 200, stochastic=True, seed=3)
    b = optlib.run(GD(0.5), p, p.x0, 200, stochastic=True, seed=3)
    np.testing.assert_array_equal(a.params, b.params)
    assert a.losses[0] == pytest.approx(np.log(2))
    assert a.final_loss < 0.15
    assert not np.allclose(a.grads, p.grad(a.params[:-1]))  # mini-batch, not full gradients


def test_hessian_and_value_are_supplied_when_needed():
    seen = []

    class Needy(GD):
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


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"x0": np.zeros(3)}, "x0"),
        ({"steps": -1}, "steps"),
        ({"noise": -0.1}, "noise"),
        ({"max_norm": 0.0}, "max_norm"),
        ({"stochastic": True}, "stochastic_grad"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    p = problems.rosenbrock()
    args = {"x0": p.x0, "steps": 3} | kwargs
    with pytest.raises(ValueError, match=match):
        optlib.run(GD(0.1), p, args.pop("x0"), args.pop("steps"), **args)
