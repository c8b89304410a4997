"""optlib.beyond against the papers' algorithms, written out here.

RAdam (Liu et al. 2020, Algorithm 2), Adafactor (Shazeer and Stern 2018, Algorithms 4 and
5, and the facts of their Section 3 about the factored second moment), Lion (Chen et al.
2023, Algorithm 2) and Lookahead (Zhang et al. 2019, Algorithm 1, and the steady-state
variance of their Proposition 1, the one published number of these papers that a test can
reproduce exactly). The generic tests (torch parity of RAdam and Adafactor, validation,
purity, ...) run over the optimizer table in ``test_optimizers.py``.
"""

import math

import numpy as np
import pytest
from harness import STEPS, X0, grad, iterates, torch_iterates
from optimizers import TABLE

import optlib
from optlib import problems


# ---------------------------------------------------------------- RAdam
def liu_algorithm_2(lr, betas, x0, steps, threshold=4.0):
    """Liu et al. (2020), Algorithm 2 (no epsilon, no weight decay), switching at
    ``rho_t > threshold`` (the paper's 4)."""
    b1, b2 = betas
    rho_inf = 2 / (1 - b2) - 1
    x, m, v, xs = x0, 0 * x0, 0 * x0, [x0]
    for t in range(1, steps + 1):
        g = grad(x, t - 1)
        v = b2 * v + (1 - b2) * g**2
        m = b1 * m + (1 - b1) * g
        m_hat = m / (1 - b1**t)
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho > threshold:
            ell = np.sqrt((1 - b2**t) / v)
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            x = x - lr * r * m_hat * ell
        else:
            x = x - lr * m_hat
        xs.append(x)
    return np.array(xs)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9)])
def test_radam_is_liu_algorithm_2_switching_at_5(betas):
    ours = iterates(optlib.RAdam(lr=0.05, betas=betas, eps=0.0), X0, STEPS)
    paper = liu_algorithm_2(0.05, betas, X0, STEPS, threshold=5.0)
    np.testing.assert_allclose(ours, paper, rtol=1e-12, atol=1e-12)  # atol: x passing 0


def test_radam_switches_one_step_later_than_the_paper():
    # beta2 = 0.999: rho_5 = 4.996 and rho_6 = 5.994, so the paper's rule (rho_t > 4) adapts
    # from step 5 and torch's (rho_t > 5) from step 6: the runs part at step 5 exactly
    b2, rho_inf = 0.999, 1999.0
    rho = {t: rho_inf - 2 * t * b2**t / (1 - b2**t) for t in range(1, 21)}
    assert 4 < rho[5] <= 5 < rho[6] and rho[4] <= 4
    assert all(abs(rho[t] - t) <= 0.005 * t for t in rho)  # the docstring's rho_t ~ t
    ours = iterates(optlib.RAdam(lr=0.05, eps=0.0), X0, 10)
    paper = liu_algorithm_2(0.05, (0.9, b2), X0, 10)
    np.testing.assert_allclose(ours[:5], paper[:5], rtol=1e-13)
    assert np.abs(ours[5] - paper[5]).min() > 1e-3


def test_radam_takes_momentum_steps_then_rectified_adam_steps():
    opt = optlib.RAdam(lr=0.05, eps=0.0)
    x, state, rects = X0, opt.init(X0), []
    for t in range(1, 60):
        out = opt.terms(x, grad(x, t), state)
        if t <= 5:  # bias-corrected momentum: x moves by lr * m_hat
            np.testing.assert_array_equal(out["update"], -0.05 * out["m_hat"])
        else:
            rects.append(float(out["rect"]))
        x, state = out["x"], out["state"]
    assert 0 < rects[0] and all(r < 1 for r in rects) and np.all(np.diff(rects) > 0)
    # r_t tends to 1: 0.22 at t = 100, 0.65 at 1000, within 1e-3 of 1 at 10^4
    rect = [optlib.RAdam().terms(X0, grad(X0, 0), state._replace(t=t - 1))["rect"] for t in
            (100, 1000, 10**4)]  # fmt: skip
    np.testing.assert_allclose(rect[:2], [0.2153, 0.6453], atol=1e-4)
    assert 1 - 1e-3 < rect[2] < 1


# ---------------------------------------------------------------- Adafactor
SHAPES = [(3, 4), (5,)]  # a weight matrix and a bias: 17 parameters
D = 17
C17 = np.linspace(0.5, 4.0, D)
X_STAR17 = np.linspace(-1.0, 1.5, D)
NOISE17 = 0.1 * np.random.default_rng(1).standard_normal((STEPS, D))


def grad17(x, k, maximize=False):
    g = C17 * (x - X_STAR17) + 0.5 * np.sin(3 * x) + NOISE17[k % STEPS]
    return -g if maximize else g


X17 = np.stack([np.linspace(-1, 1, D), np.cos(np.arange(D)), 0.1 * np.ones(D)])


def rms(a):
    return np.sqrt(np.mean(a**2))


def shazeer_stern(x0, steps, eps1=1e-30, eps2=1e-3, d=1.0):
    """Shazeer and Stern (2018), Algorithm 4 (the 3 x 4 matrix, with sums over rows and
    columns) and Algorithm 5 (the bias vector), with their Section 9 settings:
    rho_t = min(1e-2, 1 / sqrt(t)), beta2_hat_t = 1 - t^-0.8, no first moment."""
    X, b = x0[:12].reshape(3, 4), x0[12:]
    R, Cc, V, xs = np.zeros(3), np.zeros(4), np.zeros(5), [x0]
    for t in range(1, steps + 1):
        rho, beta = min(1e-2, 1 / math.sqrt(t)), 1 - t**-0.8
        G = grad17(np.concatenate([X.ravel(), b]), t - 1)
        GX, Gb = G[:12].reshape(3, 4), G[12:]
        alpha_X, alpha_b = max(eps2, rms(X)) * rho, max(eps2, rms(b)) * rho
        R = beta * R + (1 - beta) * (GX**2 + eps1) @ np.ones(4)
        Cc = beta * Cc + (1 - beta) * np.ones(3) @ (GX**2 + eps1)
        V_hat = np.outer(R, Cc) / (np.ones(3) @ R)
        U = GX / np.sqrt(V_hat)
        X = X - alpha_X * U / max(1.0, rms(U) / d)
        V = beta * V + (1 - beta) * (Gb**2 + eps1)
        u = Gb / np.sqrt(V)
        b = b - alpha_b * u / max(1.0, rms(u) / d)
        xs.append(np.concatenate([X.ravel(), b]))
    return np.array(xs)


def test_adafactor_is_shazeer_and_stern_algorithms_4_and_5():
    # optlib (torch's form) with lr = 1e-2, the paper's cap on rho_t; the epsilons differ in
    # place but act only on gradients near 1e-16, which this sequence never has
    opt = optlib.Adafactor(shapes=SHAPES)
    for row in X17:
        ours = iterates(opt, row, STEPS, field=grad17)
        np.testing.assert_allclose(ours, shazeer_stern(row, STEPS), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "kwargs",
    [dict(shapes=SHAPES), dict(lr=0.05, weight_decay=0.1, d=1.5, shapes=[(3, 4), (5,)]),
     dict(lr=0.02, beta2_decay=-0.5, shapes=[(2, 3, 2), (5,)])],
)  # fmt: skip
def test_adafactor_matches_torch_on_a_matrix_and_a_vector(kwargs):
    info = next(i for i in TABLE if i.cls is optlib.Adafactor)
    ours = iterates(optlib.Adafactor(**kwargs), X17, STEPS, field=grad17)
    theirs = torch_iterates(info, kwargs, X17, STEPS, field=grad17)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_the_factored_moment_keeps_row_and_column_sums_and_is_exact_at_rank_one():
    # Shazeer and Stern, Section 3: R C / 1^T R (R the row sums, C the column sums of V) is
    # the rank-1 matrix closest to V in I-divergence; it has V's row and column sums, and it
    # is V itself when V has rank 1. At t = 1 (beta2_hat_1 = 0) V is G_1^2.
    opt = optlib.Adafactor(shapes=[(3, 4)])
    rng = np.random.default_rng(2)
    G = rng.standard_normal((3, 4))
    v_hat = opt.terms(np.ones(12), G.ravel(), opt.init(np.ones(12)))["v_hat"].reshape(3, 4)
    np.testing.assert_allclose(v_hat.sum(1), (G**2).sum(1), rtol=1e-14)
    np.testing.assert_allclose(v_hat.sum(0), (G**2).sum(0), rtol=1e-14)
    assert np.abs(v_hat - G**2).max() > 0.1  # G^2 has rank 3: not exact
    G1 = np.outer([1.0, -2.0, 0.5], [3.0, 1.0, -1.0, 0.2])  # G^2 of rank 1
    out = opt.terms(np.ones(12), G1.ravel(), opt.init(np.ones(12)))
    np.testing.assert_allclose(out["v_hat"], G1.ravel() ** 2, rtol=1e-14)
    np.testing.assert_allclose(np.abs(out["u"]), 1.0, rtol=1e-14)  # U = G / |G|
    # a parameter of 3 axes is factored over its last two, slice by slice
    G3 = rng.standard_normal((2, 3, 4))
    opt3 = optlib.Adafactor(shapes=[(2, 3, 4)])
    v3 = opt3.terms(np.ones(24), G3.ravel(), opt3.init(np.ones(24)))["v_hat"].reshape(2, 3, 4)
    for k in range(2):
        V = G3[k] ** 2
        np.testing.assert_allclose(v3[k], np.outer(V.sum(1), V.sum(0)) / V.sum(), rtol=1e-14)


def test_adafactor_memory_step_size_and_clipping():
    opt = optlib.Adafactor(lr=0.05, shapes=SHAPES)
    state, n_clipped = opt.init(X17), 0
    assert (state.v.shape, state.row.shape, state.col.shape) == ((3, 5), (3, 3), (3, 4))
    for k in range(30):
        out = opt.terms(X17, grad17(X17, k), state)
        state = out["state"]
        for s in (slice(0, 12), slice(12, 17)):
            alpha = out["alpha"][:, s]
            scale = np.maximum(1e-3, np.sqrt(np.mean(X17[:, s] ** 2, axis=1, keepdims=True)))
            expected = np.broadcast_to(scale * min(0.05, 1 / math.sqrt(k + 1)), alpha.shape)
            np.testing.assert_allclose(alpha, expected, rtol=1e-14)
            step_rms = np.sqrt(np.mean(out["update"][:, s] ** 2, axis=1))
            assert np.all(step_rms <= alpha[:, 0] * (1 + 1e-12))  # clipping: RMS <= d alpha
            clipped = out["clip"][:, s][:, 0] > 1
            np.testing.assert_allclose(step_rms[clipped], alpha[clipped, 0], rtol=1e-12)
            n_clipped += clipped.sum()
    assert 0 < n_clipped < 30 * 2 * 3  # both branches were seen


def test_adafactor_epsilon_differs_from_the_papers_only_for_tiny_gradients():
    # paper: V = G^2 + eps1 (1e-30); torch: max(G^2, eps1^2) with eps1 = 2.2e-16
    g = np.array([1e-20, 1.0])
    out = optlib.Adafactor().terms(np.ones(2), g, optlib.Adafactor().init(np.ones(2)))
    machine = np.finfo(float).eps
    assert out["u"][0] == pytest.approx(1e-20 / machine, rel=1e-14)  # 4.5e-5
    paper = g / np.sqrt(g**2 + 1e-30)
    assert paper[0] == pytest.approx(1e-5, rel=1e-9) and out["u"][0] > 4 * paper[0]
    assert out["u"][1] == pytest.approx(paper[1], rel=1e-14)  # ordinary gradients: the same


def test_adafactor_shapes_must_fit_x():
    for shapes in ([(3, 4)], [(3, 4), (6,)]):
        with pytest.raises(ValueError, match="shapes"):
            optlib.Adafactor(shapes=shapes).init(np.zeros(17))
    with pytest.raises(ValueError, match="axis"):
        optlib.Adafactor().init(np.float64(1.0))


# ---------------------------------------------------------------- Lion
def chen_algorithm_2(lr, betas, wd, x0, steps):
    """Chen et al. (2023), Algorithm 2 (Lion), with decoupled weight decay lambda = wd."""
    b1, b2 = betas
    x, m, xs = x0, 0 * x0, [x0]
    for t in range(1, steps + 1):
        g = grad(x, t - 1)
        c = b1 * m + (1 - b1) * g
        x = x - lr * (np.sign(c) + wd * x)
        m = b2 * m + (1 - b2) * g
        xs.append(x)
    return np.array(xs)


@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.02, betas=(0.5, 0.95), wd=0.3)])
def test_lion_is_chen_algorithm_2(kwargs):
    lr, betas, wd = kwargs["lr"], kwargs.get("betas", (0.9, 0.99)), kwargs.get("wd", 0.0)
    ours = iterates(optlib.Lion(lr=lr, betas=betas, weight_decay=wd), X0, STEPS)
    np.testing.assert_allclose(ours, chen_algorithm_2(lr, betas, wd, X0, STEPS), rtol=1e-12)


def test_lion_moves_every_coordinate_by_lr():
    opt = optlib.Lion(lr=0.01)
    x, state = X0, opt.init(X0)
    for k in range(50):
        out = opt.terms(x, grad(x, k), state)
        np.testing.assert_array_equal(np.abs(out["update"]), 0.01)  # sign(c) is never 0 here
        x, state = out["x"], out["state"]
    assert optlib.Lion().lr == 1e-4 and optlib.Lion().betas == (0.9, 0.99)  # the paper's


# ---------------------------------------------------------------- Lookahead
def zhang_algorithm_1(lr, momentum, k, alpha, x0, outer):
    """Zhang et al. (2019), Algorithm 1, with SGD with momentum (b = mu b + g, theta -= lr b,
    its buffer kept across synchronisations) as the inner optimizer A. Returns the fast
    weights after every inner step."""
    phi, b, step, xs = x0, 0 * x0, 0, [x0]
    for _ in range(outer):
        theta = phi  # synchronise
        for _ in range(k):
            b = momentum * b + grad(theta, step)
            theta = theta - lr * b
            step += 1
            xs.append(theta)
        phi = phi + alpha * (theta - phi)
        xs[-1] = phi  # after the k-th step the reported weights are the slow ones
    return np.array(xs)


@pytest.mark.parametrize("k, alpha", [(5, 0.5), (3, 0.8), (1, 0.3)])
def test_lookahead_is_zhang_algorithm_1(k, alpha):
    opt = optlib.Lookahead(optlib.SGD(lr=0.05, momentum=0.9), k=k, alpha=alpha)
    steps = k * (STEPS // k)
    ours = iterates(opt, X0, steps)
    np.testing.assert_allclose(ours, zhang_algorithm_1(0.05, 0.9, k, alpha, X0, steps // k),
                               rtol=1e-12)  # fmt: skip


def test_lookahead_with_alpha_1_is_the_inner_optimizer_and_with_k_1_a_shorter_step():
    inner = optlib.Adam(lr=0.05)
    np.testing.assert_allclose(
        iterates(optlib.Lookahead(inner, k=3, alpha=1.0), X0, 100),
        iterates(inner, X0, 100),
        rtol=1e-13,
    )
    shorter = iterates(optlib.Lookahead(optlib.SGD(lr=0.05), k=1, alpha=0.3), X0, 100)
    np.testing.assert_allclose(shorter, iterates(optlib.SGD(lr=0.05 * 0.3), X0, 100), rtol=1e-12)


def test_lookahead_passes_what_the_inner_optimizer_needs():
    p = problems.rosenbrock()
    traj = optlib.run(optlib.Lookahead(optlib.Newton(damping=1.0), k=2), p, p.x0, 100)
    assert optlib.Lookahead(optlib.Newton(line_search=True)).needs == ("hess", "value")
    assert traj.final_loss < 1e-10


def test_lookahead_steady_state_variance_is_zhang_proposition_1():
    # Zhang et al. (2019), Proposition 1: on the noisy quadratic f = h/2 (x - c)^2, c ~ N(0,
    # s^2) at every step, inner SGD with rate lr has a = 1 - lr h and the fixed point
    # V_SGD = lr^2 h^2 s^2 / (1 - a^2); Lookahead's slow weights have the variance
    #   V_LA = alpha^2 (1 - a^2k) / (alpha^2 (1 - a^2k) + 2 alpha (1 - alpha)(1 - a^k)) V_SGD.
    # (Derivation: k inner steps give theta_k = a^k phi + noise of variance (1 - a^2k) V_SGD,
    # so phi' = (1 - alpha + alpha a^k) phi + alpha noise; its variance's fixed point is this.)
    # optlib.run adds the noise h c to the gradient: noise = h s.
    h, s, lr, k, alpha = 1.0, 1.0, 0.5, 5, 0.5
    a = 1 - lr * h
    v_sgd = lr**2 * h**2 * s**2 / (1 - a**2)
    v_la = alpha**2 * (1 - a ** (2 * k)) / (
        alpha**2 * (1 - a ** (2 * k)) + 2 * alpha * (1 - alpha) * (1 - a**k)
    ) * v_sgd  # fmt: skip
    assert v_la < 0.35 * v_sgd  # about a third
    p, x0 = problems.quadratic(eigenvalues=[h]), np.zeros((2000, 1))
    burn, samples = 20 * k, 100 * k  # the slow weights forget at 0.27 per synchronisation
    assert (1 - alpha + alpha * a**k) ** 2 < 0.27  # (the variance's factor per period)
    la, sgd = [], []
    for seed in range(8):
        traj = optlib.run(optlib.Lookahead(optlib.SGD(lr=lr), k=k, alpha=alpha), p, x0,
                          burn + samples, noise=h * s, seed=seed, history=True)  # fmt: skip
        la.append(traj.params[burn + k :: k].var())  # at the synchronisations: the slow weights
        sgd.append(optlib.run(optlib.SGD(lr=lr), p, x0, burn + samples, noise=h * s,
                              seed=seed).params[burn:].var())  # fmt: skip
    for measured, expected in ((la, v_la), (sgd, v_sgd)):
        mean, se = np.mean(measured), np.std(measured, ddof=1) / np.sqrt(len(measured))
        assert se < 0.01 * expected  # precise enough to tell
        assert abs(mean - expected) < 4 * se, (mean, expected, se)
    assert max(la) < min(sgd)
