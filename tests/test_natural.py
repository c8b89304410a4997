"""Natural gradient and K-FAC: the Fishers against torch.autograd, K-FAC's Kronecker factors
against the exact Fisher blocks of a tiny network, the steps against their formulas."""

import dataclasses

import numpy as np
import pytest
from harness import torch_mlp

import optlib
from optlib import problems
from optlib.problems.mlp import digit_splits

torch = pytest.importorskip("torch")


# --- logistic regression: the exact Fisher -------------------------------------------------------


def logistic_fisher_by_autograd(p, x, rows):
    """(1/B) sum_i sum_{y in 0, 1} p(y | a_i) s s^T, s = grad_x log p(y | a_i), by torch."""
    X, _ = problems.breast_cancer()
    a = np.hstack([X, np.ones((len(X), 1))]) if p.dim == 31 else X[:, :2]
    w = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    F = np.zeros((p.dim, p.dim))
    for i in rows:
        z = torch.from_numpy(a[i]) @ w
        for y in (0.0, 1.0):
            logp = -torch.nn.functional.binary_cross_entropy_with_logits(
                z, torch.tensor(y, dtype=torch.float64)
            )
            (s,) = torch.autograd.grad(logp, w, retain_graph=True)
            F += np.exp(logp.item()) * np.outer(s.numpy(), s.numpy())
    return F / len(rows)


def test_logistic_fisher_is_the_expected_outer_product_of_the_score():
    p = problems.logistic_regression(l2=0.1)
    x = 0.2 * np.random.default_rng(0).normal(size=(2, p.dim))
    rows = np.array([3, 17, 100, 568, 250])
    for k in range(2):
        ref = logistic_fisher_by_autograd(p, x[k], rows)
        np.testing.assert_allclose(p.fisher(x, rows)[k], ref, rtol=1e-10, atol=1e-14)
    F = p.fisher(x)
    assert F.shape == (2, 31, 31)
    reg = np.r_[np.full(30, 0.1), 0.0]
    np.testing.assert_allclose(
        F, p.hess(x) - np.diag(reg), rtol=1e-12, atol=1e-15
    )  # canonical link
    own = p.fisher(x, np.array([[1, 2, 3], [4, 5, 6]]))  # one mini-batch per point
    np.testing.assert_allclose(own[1], p.fisher(x[1], np.array([4, 5, 6])), rtol=1e-13)


def test_natural_gradient_is_the_damped_fisher_solve():
    p = problems.logistic_regression()
    x = 0.1 * np.random.default_rng(1).normal(size=p.dim)
    opt = optlib.NaturalGradient(lr=0.7, damping=1e-2)
    out = opt.terms(x, p.grad(x), opt.init(x), fisher=p.fisher(x))
    expected = -np.linalg.solve(p.fisher(x) + 1e-2 * np.eye(31), p.grad(x))
    np.testing.assert_allclose(out["direction"], expected, rtol=1e-10)
    np.testing.assert_allclose(out["x"], x + 0.7 * expected, rtol=1e-12)
    with pytest.raises(ValueError, match="fisher"):
        opt.step(x, p.grad(x), opt.init(x), fisher=np.eye(3))


def test_with_damping_l2_natural_gradient_is_newton_on_the_2d_logistic_regression():
    p = problems.logistic_regression(l2=0.05, features=(0, 1))  # H = F + 0.05 I exactly
    x0 = np.array([[2.0, -1.0], [0.0, 0.0]])
    natural = optlib.run(optlib.NaturalGradient(damping=0.05), p, x0, 8)
    newton = optlib.run(optlib.Newton(), p, x0, 8)
    np.testing.assert_allclose(natural.params, newton.params, rtol=1e-10, atol=1e-14)
    assert np.abs(natural.final - p.minimizers[0]).max() < 1e-12  # quadratic convergence


def test_natural_gradient_is_invariant_under_a_linear_reparameterisation():
    p = problems.logistic_regression(l2=1e-2)
    M = np.eye(31) + 0.3 * np.random.default_rng(2).normal(size=(31, 31))  # x = M z
    Minv = np.linalg.inv(M)
    q = dataclasses.replace(
        p,
        value=lambda z: p.value(z @ M.T),
        grad=lambda z: p.grad(z @ M.T) @ M,
        fisher=lambda z, idx=None: M.T @ p.fisher(z @ M.T, idx) @ M,
    )
    x0 = 0.1 * np.ones(31)
    in_x = optlib.run(optlib.NaturalGradient(lr=0.5, damping=0.0), p, x0, 5)
    in_z = optlib.run(optlib.NaturalGradient(lr=0.5, damping=0.0), q, Minv @ x0, 5)
    np.testing.assert_allclose(in_z.params @ M.T, in_x.params, rtol=1e-8, atol=1e-10)
    plain = optlib.run(optlib.SGD(lr=0.5), q, Minv @ x0, 5)  # gradient descent is not invariant
    assert (
        np.abs(plain.params[-1] @ M.T - optlib.run(optlib.SGD(lr=0.5), p, x0, 5).final).max() > 1e-2
    )


# --- the MLP: K-FAC's factors against the exact Fisher -------------------------------------------


def mlp_fisher_by_autograd(p, x, rows):
    """The exact Fisher (1/B) sum_j sum_k p_k s_k s_k^T, s_k = grad log softmax_k(a_j)."""
    net = torch_mlp(p, x)
    params = list(net.parameters())
    inputs = digit_splits()["train"][0]
    F = np.zeros((p.dim, p.dim))
    for j in rows:
        logp = torch.log_softmax(net(torch.from_numpy(inputs[j].copy())), dim=-1)
        for k in range(10):
            s = torch.autograd.grad(logp[k], params, retain_graph=True)
            s = torch.cat([t.reshape(-1) for t in s]).numpy()
            F += np.exp(logp[k].item()) * np.outer(s, s)
    return F / len(rows)


def block_indices(layer):
    """Indices of (W | c) of a layer in the row-by-row order of the matrix V = [W | c]."""
    W = np.arange(layer.weight.start, layer.weight.stop).reshape(layer.fan_out, layer.fan_in)
    c = np.arange(layer.bias.start, layer.bias.stop)[:, None]
    return np.hstack([W, c]).reshape(-1)


TINY = {"hidden": (4, 3)}  # 64 -> 4 -> 3 -> 10: 313 parameters, three layers


def test_kfac_blocks_are_exact_for_one_example():
    p = problems.mlp(**TINY, seed=1)
    x = p.x0 + 0.3 * np.random.default_rng(0).normal(size=p.dim)
    F = mlp_fisher_by_autograd(p, x, [7])
    factors = p.kfac(x, np.array([7]))
    assert [f.layer for f in factors] == list(p.layers)
    for f in factors:
        i = block_indices(f.layer)
        assert f.A.shape == (f.layer.fan_in + 1,) * 2 and f.G.shape == (f.layer.fan_out,) * 2
        np.testing.assert_allclose(np.kron(f.G, f.A), F[np.ix_(i, i)], rtol=1e-9, atol=1e-14)


def test_kfac_blocks_approximate_the_mean_of_kronecker_products():
    p = problems.mlp(**TINY, seed=2)
    x = p.x0 + 0.3 * np.random.default_rng(1).normal(size=p.dim)
    rows = np.array([0, 50, 900])
    F = mlp_fisher_by_autograd(p, x, rows)
    factors = p.kfac(x, rows)
    for n, f in enumerate(factors):
        i = block_indices(f.layer)
        exact = F[np.ix_(i, i)]
        alone = [p.kfac(x, np.array([r]))[n] for r in rows]
        # the exact block is the mean of each example's Kronecker product ...
        mean_of_krons = np.mean([np.kron(a.G, a.A) for a in alone], axis=0)
        np.testing.assert_allclose(mean_of_krons, exact, rtol=1e-9, atol=1e-14)
        # ... and K-FAC's factors are the means of the factors: its approximation
        np.testing.assert_allclose(f.A, np.mean([a.A for a in alone], axis=0), rtol=1e-12)
        np.testing.assert_allclose(f.G, np.mean([a.G for a in alone], axis=0), rtol=1e-12)
        gap = np.linalg.norm(np.kron(f.G, f.A) - exact) / np.linalg.norm(exact)
        assert 1e-3 < gap < 1, gap  # an approximation, not the block itself
    # the off-diagonal blocks that K-FAC drops are not zero
    i, j = block_indices(p.layers[0]), block_indices(p.layers[1])
    assert np.abs(F[np.ix_(i, j)]).max() > 1e-3 * np.abs(F[np.ix_(i, i)]).max()


def test_kfac_factors_of_a_batch_of_networks():
    p = problems.mlp(**TINY)
    x = p.x0 + 0.2 * np.random.default_rng(3).normal(size=(2, p.dim))
    idx = np.array([[1, 2, 3], [4, 5, 6]])
    both = p.kfac(x, idx)
    for n, f in enumerate(p.kfac(x[1], idx[1])):
        np.testing.assert_allclose(both[n].A[1], f.A, rtol=1e-13)
        np.testing.assert_allclose(both[n].G[1], f.G, rtol=1e-13)
    shared = p.kfac(x)  # every training example
    assert shared[0].A.shape == (2, 65, 65) and shared[-1].G.shape == (2, 10, 10)


# --- the K-FAC step -------------------------------------------------------------------------------


def test_kfac_step_solves_with_the_damped_kronecker_product():
    p = problems.mlp(**TINY)
    x = p.x0 + 0.2 * np.random.default_rng(4).normal(size=p.dim)
    idx = np.arange(20)
    g, factors = p.batch_grad(x, idx), p.kfac(x, idx)
    opt = optlib.KFAC(lr=0.3, damping=1e-2)
    out = opt.terms(x, g, opt.init(x), kfac=factors)
    for f in factors:
        i = block_indices(f.layer)
        pi = np.sqrt((np.trace(f.A) / len(f.A)) / (np.trace(f.G) / len(f.G)))
        Ad = f.A + pi * 0.1 * np.eye(len(f.A))  # sqrt(damping) = 0.1
        Gd = f.G + 0.1 / pi * np.eye(len(f.G))
        expected = -np.linalg.solve(np.kron(Gd, Ad), g[i])
        np.testing.assert_allclose(out["direction"][i], expected, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(out["update"], 0.3 * out["direction"], rtol=1e-15)


def test_kfac_keeps_running_averages_of_the_factors():
    p = problems.mlp(**TINY)
    x = p.x0
    opt = optlib.KFAC(stat_decay=0.3)
    first, second = p.kfac(x, np.arange(5)), p.kfac(x, np.arange(5, 10))
    state = opt.step(x, p.grad(x), opt.init(x), kfac=first)[1]
    np.testing.assert_array_equal(state.A[0], first[0].A)  # epsilon_1 = 0: the first estimate
    state = opt.step(x, p.grad(x), state, kfac=second)[1]
    eps = min(1 - 1 / 2, 0.3)
    np.testing.assert_allclose(state.G[2], eps * first[2].G + (1 - eps) * second[2].G, rtol=1e-15)
    assert state.t == 2


def test_run_gives_kfac_the_factors_of_the_steps_minibatch():
    seen = []

    class Spy(optlib.KFAC):
        def terms(self, x, g, state, *, kfac):
            seen.append((x.copy(), g, kfac))
            return super().terms(x, g, state, kfac=kfac)

    p = problems.mlp(**TINY, batch_size=8)
    optlib.run(Spy(), p, p.x0, 3, stochastic=True, seed=5)
    draws = optlib.runner.minibatches(p.n, 8, np.random.default_rng(5))
    for x, g, kfac in seen:
        idx = next(draws)
        np.testing.assert_array_equal(g, p.batch_grad(x, idx))
        np.testing.assert_array_equal(kfac[1].G, p.kfac(x, idx)[1].G)


def test_kfac_trains_the_network_in_fewer_steps_than_adam():
    p = problems.mlp()
    x0 = np.stack([problems.mlp(seed=s).x0 for s in range(8)])
    run = {
        name: optlib.run(opt, p, x0, 100, stochastic=True, seed=0, history=False, loss_every=100)
        for name, opt in {"KFAC": optlib.KFAC(lr=0.05), "Adam": optlib.Adam()}.items()
    }
    acc = {name: p.evaluate(tr.final)["test_accuracy"] for name, tr in run.items()}
    assert acc["KFAC"].min() > 0.95 and acc["Adam"].max() < 0.9, acc  # after 100 steps
    assert np.all(run["KFAC"].losses[-1] < 0.2 * run["Adam"].losses[-1])


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: optlib.NaturalGradient(lr=-1.0), "lr"),
        (lambda: optlib.NaturalGradient(damping=-1e-3), "damping"),
        (lambda: optlib.KFAC(lr=-0.1), "lr"),
        (lambda: optlib.KFAC(damping=0.0), "damping"),
        (lambda: optlib.KFAC(stat_decay=1.0), "stat_decay"),
    ],
)
def test_bad_arguments_raise(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_problems_without_the_curvature_cannot_be_run():
    with pytest.raises(ValueError, match="kfac"):
        optlib.run(optlib.KFAC(), problems.logistic_regression(), np.zeros(31), 2)
    with pytest.raises(ValueError, match="fisher"):
        optlib.run(optlib.NaturalGradient(), problems.mlp(), problems.mlp().x0, 2)
