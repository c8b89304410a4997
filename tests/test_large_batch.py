"""optlib.large_batch: LAMB and LARS against their papers' algorithms, written out here.

LAMB (You et al. 2020, Algorithm 2) and LARS (You et al. 2017, Algorithm 1), with layers;
each layer's step as a fixed fraction of its norm; the zero-norm convention; the layers'
contract. Neither paper gives a number a small test can reproduce exactly. The generic tests
run over the optimizer table in ``test_optimizers.py``.
"""

import numpy as np
import pytest
from harness import STEPS, X0, grad, iterates

import optlib
from optlib import problems

LAYERS = [slice(0, 1), slice(1, 3), slice(3, 4)]


def you_2020_algorithm_2(lr, betas, eps, wd, layers, x0, steps):
    """You et al. (2020), Algorithm 2 (LAMB), with phi(z) = z."""
    b1, b2 = betas
    x, m, v, xs = x0, 0 * x0, 0 * x0, [x0]
    for t in range(1, steps + 1):
        g = grad(x, t - 1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        r = m_hat / (np.sqrt(v_hat) + eps)
        x = x.copy()
        for s in layers:  # each layer of each trajectory (row)
            u = r[..., s] + wd * x[..., s]
            ratio = np.linalg.norm(x[..., s], axis=-1, keepdims=True) / np.linalg.norm(
                u, axis=-1, keepdims=True
            )
            x[..., s] = x[..., s] - lr * ratio * u
        xs.append(x)
    return np.array(xs)


@pytest.mark.parametrize("layers", [None, LAYERS])
@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_lamb_is_you_2020_algorithm_2(layers, wd):
    ours = iterates(optlib.LAMB(lr=0.02, weight_decay=wd, layers=layers), X0, STEPS)
    paper = you_2020_algorithm_2(0.02, (0.9, 0.999), 1e-6, wd, layers or [slice(0, 4)], X0, STEPS)
    # rounding differences (norms summed in another order) grow to 7e-11 by step 250: every
    # step has the fixed length lr |x|, so an error in its direction is never damped
    np.testing.assert_allclose(ours, paper, rtol=1e-9, atol=1e-12)


def you_2017_algorithm_1(lr, momentum, wd, trust, layers, x0, steps):
    """You, Gitman and Ginsburg (2017), Algorithm 1 (LARS) with a constant global rate."""
    x, v, xs = x0, 0 * x0, [x0]
    for t in range(1, steps + 1):
        g = grad(x, t - 1)
        x, v = x.copy(), v.copy()
        for s in layers:
            w_norm = np.linalg.norm(x[..., s], axis=-1, keepdims=True)
            g_norm = np.linalg.norm(g[..., s], axis=-1, keepdims=True)
            local_lr = trust * w_norm / (g_norm + wd * w_norm)
            v[..., s] = momentum * v[..., s] + lr * local_lr * (g[..., s] + wd * x[..., s])
            x[..., s] = x[..., s] - v[..., s]
        xs.append(x)
    return np.array(xs)


@pytest.mark.parametrize("layers", [None, LAYERS])
@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_lars_is_you_2017_algorithm_1(layers, wd):
    opt = optlib.LARS(lr=1.0, momentum=0.9, weight_decay=wd, trust_coefficient=0.02, layers=layers)
    ours = iterates(opt, X0, STEPS)
    paper = you_2017_algorithm_1(1.0, 0.9, wd, 0.02, layers or [slice(0, 4)], X0, STEPS)
    np.testing.assert_allclose(ours, paper, rtol=1e-12, atol=1e-14)


def test_each_layer_moves_by_a_fixed_fraction_of_its_norm():
    x = X0 + np.array([0.0, 0.0, 0.0, 5.0])  # the last layer is much larger than the others
    g = grad(x, 0)
    lamb = optlib.LAMB(lr=0.01, layers=LAYERS)
    lars = optlib.LARS(lr=0.5, trust_coefficient=0.02, layers=LAYERS)
    for opt, fraction in ((lamb, 0.01), (lars, 0.5 * 0.02)):  # LAMB: lr; LARS: lr nu (b_0 = 0)
        update = opt.terms(x, g, opt.init(x))["update"]
        for s in LAYERS:
            np.testing.assert_allclose(
                np.linalg.norm(update[:, s], axis=1),
                fraction * np.linalg.norm(x[:, s], axis=1),
                rtol=1e-12,
            )


def test_a_layer_at_zero_still_moves():
    # the papers' ratio ||x|| / ||d|| is 0 there and would freeze the layer (a bias started at
    # zero); as optax, optlib takes the ratio 1 where a norm is zero
    x = np.array([0.0, 0.0, 1.0, 2.0])
    g = np.array([0.3, -0.4, 1.0, 1.0])
    lamb, lars = (
        optlib.LAMB(lr=0.01, layers=[slice(0, 2), slice(2, 4)]),
        optlib.LARS(lr=0.1, momentum=0.0, layers=[slice(0, 2), slice(2, 4)]),
    )
    out = lamb.terms(x, g, lamb.init(x))
    np.testing.assert_allclose(out["update"][:2], -0.01 * out["direction"][:2], rtol=1e-15)
    assert np.all(out["update"][:2] != 0)
    np.testing.assert_allclose(lars.terms(x, g, lars.init(x))["update"][:2], -0.1 * g[:2])
    zero_grad = lars.terms(x, 0 * g, lars.init(x))  # and a zero gradient gives no step
    np.testing.assert_array_equal(zero_grad["update"], 0.0)


def test_layers_must_partition_x():
    for layers in ([slice(0, 2)], [slice(0, 2), slice(1, 4)], [slice(0, 2), slice(2, 5)]):
        for cls in (optlib.LAMB, optlib.LARS):
            with pytest.raises(ValueError, match="partition"):
                cls(layers=layers).init(np.zeros(4))
    optlib.LAMB(layers=[slice(2, 4), slice(0, 2)]).init(np.zeros((3, 4)))  # any order


def test_layer_wise_optimizers_train_a_layered_problem_with_run():
    # a problem with one tiny and one large block, as layers of a network: layers=... works
    # with the runner, and the small block is not left behind
    p = problems.quadratic(eigenvalues=[1.0, 1.0, 1.0, 1.0])
    x0 = np.array([0.01, 0.01, 10.0, 10.0])
    for opt in (optlib.LAMB(lr=0.05, layers=[slice(0, 2), slice(2, 4)]),
                optlib.LARS(lr=1.0, trust_coefficient=0.05, layers=[slice(0, 2), slice(2, 4)])):  # fmt: skip
        traj = optlib.run(opt, p, x0, 200)
        assert np.all(np.abs(traj.final[:2]) < 0.01) and np.all(np.abs(traj.final[2:]) < 1.0)
