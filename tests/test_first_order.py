"""Tests of optlib's first-order optimizers beyond the generic ones (``test_optimizers.py``).

The identities the chapters teach, the paper forms (Reddi et al.'s Algorithm 2 for AMSGrad,
Nesterov as Sutskever et al. write it, Keras's epsilon, AdamW's lambda, Nadam's constant mu),
property tests of the invariants they claim, and two published results (Reddi et al.'s
counterexample to Adam; the linear rates of gradient descent and the heavy ball on a
quadratic). The gradient sequence ``grad`` and ``iterates`` come from ``harness.py``.
"""

import numpy as np
import pytest
from harness import SHAPE, STEPS, X0, grad, iterates
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import optlib

INF = np.inf


# ---------------------------------------------------------------- paper forms and validation
def reddi_algorithm_2(lr, betas, eps, sqrt_decay, x0, steps):
    """Reddi et al. (2018), Algorithm 2, written out independently of optlib.AMSGrad."""
    b1, b2 = betas
    x, m, v, v_hat, xs = x0, 0 * x0, 0 * x0, 0 * x0, [x0]
    for t in range(1, steps + 1):
        g = grad(x, t - 1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        v_hat = np.maximum(v_hat, v)
        alpha_t = lr / np.sqrt(t) if sqrt_decay else lr
        x = x - alpha_t * m / (np.sqrt(v_hat) + eps)
        xs.append(x)
    return np.array(xs)


@pytest.mark.parametrize("sqrt_decay", [False, True])
def test_amsgrad_is_reddi_algorithm_2(sqrt_decay):
    kwargs = dict(lr=0.1, betas=(0.8, 0.95), eps=1e-8, sqrt_decay=sqrt_decay)
    ours = iterates(optlib.AMSGrad(**kwargs), X0, STEPS)
    np.testing.assert_allclose(ours, reddi_algorithm_2(x0=X0, steps=STEPS, **kwargs), rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [dict(momentum=0.0), dict(momentum=0.9, dampening=0.1), dict(momentum=np.array([0.9, 0.0]))],
)
def test_nesterov_requires_momentum_and_no_dampening(kwargs):
    with pytest.raises(ValueError, match="nesterov requires momentum > 0 and zero dampening"):
        optlib.SGD(nesterov=True, **kwargs)
    optlib.SGD(nesterov=False, **kwargs)  # fine without nesterov


# ---------------------------------------------------------------- identities
def test_momentum_zero_is_plain_sgd():
    x_sgd = x_plain = X0
    opt = optlib.SGD(lr=0.05, momentum=0.0, dampening=0.7)  # dampening is then irrelevant
    state = opt.init(X0)
    for k in range(50):
        x_sgd, state = opt.step(x_sgd, grad(x_sgd, k), state)
        x_plain = x_plain - 0.05 * grad(x_plain, k)
    np.testing.assert_array_equal(x_sgd, x_plain)


def test_momentum_is_heavy_ball_and_nesterov_is_sutskever_at_the_look_ahead_point():
    lr, mu = 0.05, 0.8
    hb, nag = optlib.SGD(lr=lr, momentum=mu), optlib.SGD(lr=lr, momentum=mu, nesterov=True)
    x_hb, s_hb, x_nag, s_nag = X0, hb.init(X0), X0, nag.init(X0)
    x_prev, x_polyak = X0, X0  # Polyak: x_t = x_{t-1} - lr grad + mu (x_{t-1} - x_{t-2})
    theta, v = X0, 0 * X0  # Sutskever et al.: v = mu v - lr grad(theta + mu v), theta += v
    x_keras, v_keras = X0, 0 * X0  # Keras: v = mu v - lr g, x += mu v - lr g
    for k in range(100):
        x_hb, s_hb = hb.step(x_hb, grad(x_hb, k), s_hb)
        x_polyak, x_prev = x_polyak - lr * grad(x_polyak, k) + mu * (x_polyak - x_prev), x_polyak
        np.testing.assert_allclose(x_hb, x_polyak, rtol=1e-12)
        x_nag, s_nag = nag.step(x_nag, grad(x_nag, k), s_nag)
        v = mu * v - lr * grad(theta + mu * v, k)
        theta = theta + v
        np.testing.assert_allclose(x_nag, theta + mu * v, rtol=1e-12)
        np.testing.assert_allclose(-lr * s_nag.buf, v, rtol=1e-12, atol=1e-15)
        g = grad(x_keras, k)
        v_keras = mu * v_keras - lr * g
        x_keras = x_keras + mu * v_keras - lr * g
        np.testing.assert_allclose(x_nag, x_keras, rtol=1e-12)


def test_first_momentum_step_is_undamped():
    # torch's buffer starts at g itself, not (1 - dampening) g
    opt = optlib.SGD(lr=0.1, momentum=0.9, dampening=0.5)
    x, _ = opt.step(X0, grad(X0, 0), opt.init(X0))
    np.testing.assert_array_equal(x, X0 - 0.1 * grad(X0, 0))


@pytest.mark.parametrize("eps", [0.0, 1e-3])
def test_adam_with_b1_zero_is_rmsprop_with_bias_correction(eps):
    # Adam(b1=0):  x -= lr g / (sqrt(v / c_t) + eps),  c_t = 1 - b2^t. Multiply through by
    # sqrt(c_t): this is RMSprop(alpha=b2) with lr sqrt(c_t) and eps sqrt(c_t) (TF's eps-hat).
    lr, b2 = 0.05, 0.9
    adam = optlib.Adam(lr=lr, betas=(0.0, b2), eps=eps)
    xa, sa = X0 + 0.1, adam.init(X0)
    xr, sr = xa, optlib.RMSprop().init(X0)
    for t in range(1, 100):
        xa, sa = adam.step(xa, grad(xa, t), sa)
        c = np.sqrt(1 - b2**t)
        xr, sr = optlib.RMSprop(lr=lr * c, alpha=b2, eps=eps * c).step(xr, grad(xr, t), sr)
        np.testing.assert_allclose(xr, xa, rtol=1e-12)
        np.testing.assert_allclose(sr.square_avg, sa.v, rtol=1e-12)
    # without the correction the first steps differ: RMSprop's is larger by 1/sqrt(1 - b2)
    r = optlib.RMSprop(lr=lr, alpha=b2, eps=0.0)
    step_r = r.terms(X0, grad(X0, 0), r.init(X0))["update"]
    a = optlib.Adam(lr=lr, betas=(0.0, b2), eps=0.0)
    step_a = a.terms(X0, grad(X0, 0), a.init(X0))["update"]
    np.testing.assert_allclose(step_r, step_a / np.sqrt(1 - b2), rtol=1e-12)


def test_adamw_with_zero_decay_is_adam():
    np.testing.assert_array_equal(
        iterates(optlib.AdamW(lr=0.05, weight_decay=0.0), X0, 100),
        iterates(optlib.Adam(lr=0.05), X0, 100),
    )
    np.testing.assert_array_equal(
        iterates(optlib.AdamW(lr=0.05, weight_decay=0.3), X0, 100),
        iterates(optlib.Adam(lr=0.05, weight_decay=0.3, decoupled_weight_decay=True), X0, 100),
    )
    # and L2 decay is not decoupled decay
    l2 = iterates(optlib.Adam(lr=0.05, weight_decay=0.3), X0, 100)
    assert np.abs(l2 - iterates(optlib.AdamW(lr=0.05, weight_decay=0.3), X0, 100)).max() > 1e-3


def test_keras_epsilon_hat_is_a_step_dependent_epsilon():
    # Keras: x -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps_hat), the paper's
    # "efficient" form; it is Algorithm 1 (optlib.Adam) with eps = eps_hat / sqrt(1 - b2^t).
    lr, b1, b2, eps_hat = 0.05, 0.9, 0.999, 1e-3
    x_keras, m, v = X0, 0 * X0, 0 * X0
    x, state = X0, optlib.Adam().init(X0)
    for t in range(1, 50):
        g = grad(x_keras, t)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        x_keras = x_keras - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps_hat)
        adam_t = optlib.Adam(lr=lr, betas=(b1, b2), eps=eps_hat / np.sqrt(1 - b2**t))
        x, state = adam_t.step(x, grad(x, t), state)
        np.testing.assert_allclose(x, x_keras, rtol=1e-12)
    # with a constant eps the two differ, most in the first steps
    assert (
        np.abs(iterates(optlib.Adam(lr=lr, betas=(b1, b2), eps=eps_hat), X0, 49)[-1] - x).max()
        > 1e-6
    )


def test_adamw_decay_is_the_papers_lambda_over_lr():
    # Loshchilov and Hutter, Algorithm 2 with schedule multiplier s_t = 1:
    #   x -= alpha m_hat / (sqrt(v_hat) + eps) + lambda x,   i.e. torch's AdamW with lambda / alpha
    alpha, lam, b1, b2, eps = 0.05, 0.01, 0.9, 0.999, 1e-8
    x_paper, m, v = X0, 0 * X0, 0 * X0
    opt = optlib.AdamW(lr=alpha, betas=(b1, b2), eps=eps, weight_decay=lam / alpha)
    x, state = X0, opt.init(X0)
    for t in range(1, 100):
        g = grad(x_paper, t)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        x_paper = x_paper - (alpha * m_hat / (np.sqrt(v_hat) + eps) + lam * x_paper)
        x, state = opt.step(x, grad(x, t), state)
        np.testing.assert_allclose(x, x_paper, rtol=1e-12)


def test_nadam_paper_form_is_constant_mu_and_torch_at_infinite_decay():
    b1, b2, lr, eps = 0.9, 0.99, 0.05, 1e-8
    paper = optlib.NAdam(lr=lr, betas=(b1, b2), eps=eps, momentum_schedule=False)
    np.testing.assert_array_equal(
        iterates(paper, X0, 100),
        iterates(optlib.NAdam(lr=lr, betas=(b1, b2), momentum_decay=INF), X0, 100),
    )
    # the documented closed form, with beta1^t in place of the product of mu_i
    x, state, m, v = X0, paper.init(X0), 0 * X0, 0 * X0
    for t in range(1, 50):
        g = grad(x, t)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_bar = (1 - b1) / (1 - b1**t) * g + b1 / (1 - b1 ** (t + 1)) * m
        expected = x - lr * m_bar / (np.sqrt(v / (1 - b2**t)) + eps)
        x, state = paper.step(x, g, state)
        np.testing.assert_allclose(x, expected, rtol=1e-12)


def test_nadam_torch_form_differs_from_paper_only_through_mu():
    b1, psi = 0.9, 4e-3
    torch_form, paper = optlib.NAdam(betas=(b1, 0.999)), optlib.NAdam(momentum_schedule=False)
    mu = lambda t: b1 * (1 - 0.5 * 0.96 ** (t * psi))  # noqa: E731  the documented schedule
    np.testing.assert_allclose([torch_form.mu(t) for t in (1, 4250)], [mu(1), mu(4250)], rtol=1e-15)
    np.testing.assert_allclose([mu(1 / psi) / b1, mu(17 / psi) / b1], [0.52, 0.75], atol=2e-3)
    assert paper.mu(1) == paper.mu(10**6) == b1
    assert optlib.NAdam(momentum_decay=0.0).mu(7) == b1 / 2  # psi = 0 is not the paper form
    # first step from zero: m_1 = (1 - b1) g, so m_bar_1 = g (1 + mu_2 (1 - b1) / (1 - mu_1 mu_2))
    g = grad(X0, 0)
    ours = torch_form.terms(X0, g, torch_form.init(X0))["m_bar"]
    np.testing.assert_allclose(ours, g * (1 + mu(2) * (1 - b1) / (1 - mu(1) * mu(2))), rtol=1e-14)
    theirs = paper.terms(X0, g, paper.init(X0))["m_bar"]
    np.testing.assert_allclose(theirs, g * (1 + b1 / (1 + b1)), rtol=1e-14)


# ---------------------------------------------------------------- properties
def gradients(dim=3, min_abs=0.0):
    """Sequences of 1 to 30 gradients in R^dim, entries in [-1000, 1000], |entry| >= min_abs."""
    elements = st.floats(-1e3, 1e3).filter(lambda z: abs(z) >= min_abs)
    return st.integers(1, 30).flatmap(lambda n: hnp.arrays(np.float64, (n, dim), elements=elements))


PROPERTY = settings(max_examples=40, deadline=None)


@PROPERTY
@given(gradients(), st.floats(1e-4, 10), st.floats(0, 1), st.floats(0, 1), st.floats(1e-12, 1e-3))
def test_adagrad_step_size_never_grows(gs, lr, lr_decay, acc, eps):
    opt = optlib.Adagrad(lr=lr, lr_decay=lr_decay, initial_accumulator_value=acc, eps=eps)
    x, state, previous = np.zeros(3), opt.init(np.zeros(3)), np.full(3, np.inf)
    for g in gs:
        terms = opt.terms(x, g, state)
        assert np.all(terms["step_size"] <= previous)
        x, state, previous = terms["x"], terms["state"], terms["step_size"]


@PROPERTY
@given(gradients(), st.floats(0, 0.999), st.floats(0, 0.999), st.booleans())
def test_amsgrad_v_hat_never_decreases(gs, b1, b2, sqrt_decay):
    paper = optlib.AMSGrad(lr=0.1, betas=(b1, b2), sqrt_decay=sqrt_decay)
    torch_form = optlib.Adam(lr=0.1, betas=(b1, b2), amsgrad=True)
    for opt, key in ((paper, "v_hat"), (torch_form, "v_max")):
        x, state, previous_step = np.zeros(3), opt.init(np.zeros(3)), np.full(3, np.inf)
        for g in gs:
            new = opt.terms(x, g, state)
            assert np.all(new[key] >= state.v_max)  # both keep the maximum in v_max
            if opt is paper:  # so the paper's effective step never grows
                assert np.all(new["step_size"] <= previous_step)
                previous_step = new["step_size"]
            x, state = new["x"], new["state"]


@PROPERTY
@given(
    hnp.arrays(np.float64, 5, elements=st.floats(1e-100, 1e100) | st.floats(-1e100, -1e-100)),
    st.floats(1e-6, 1.0),
    st.floats(0, 0.999),
    st.floats(0, 0.999),
    st.floats(0, 1e-3),
)
def test_adam_first_step_has_size_lr(g, lr, b1, b2, eps):
    # m_hat_1 = g and v_hat_1 = g^2, so the step is lr |g| / (|g| + eps): lr up to eps
    opt = optlib.Adam(lr=lr, betas=(b1, b2), eps=eps)
    update = opt.terms(np.zeros(5), g, opt.init(np.zeros(5)))["update"]
    np.testing.assert_allclose(np.abs(update), lr * np.abs(g) / (np.abs(g) + eps), rtol=1e-12)
    assert np.all(np.sign(update) == -np.sign(g))
    assert np.all(lr - np.abs(update) <= lr * eps / np.abs(g) + 1e-12 * lr)


@PROPERTY
@given(gradients(min_abs=1e-3), st.floats(1e-3, 1e3), st.floats(0, 0.99), st.floats(0, 0.999))
def test_adam_is_invariant_to_gradient_scale(gs, c, b1, b2):
    # exactly so with eps = 0; with eps > 0 only where sqrt(v_hat) >> eps
    opt = optlib.Adam(lr=0.1, betas=(b1, b2), eps=0.0)
    x1 = x2 = np.zeros(3)
    s1 = s2 = opt.init(x1)
    for g in gs:
        x1, s1 = opt.step(x1, g, s1)
        x2, s2 = opt.step(x2, c * g, s2)
    np.testing.assert_allclose(x2, x1, rtol=1e-10, atol=1e-12)


ADAM_FAMILY = [
    optlib.Adam(lr=0.1),
    optlib.Adam(lr=0.1, amsgrad=True),
    optlib.AdamW(lr=0.1, weight_decay=0.0),
    optlib.Adamax(lr=0.1),
    optlib.NAdam(lr=0.1),
    optlib.AMSGrad(lr=0.1),
]


@pytest.mark.parametrize("opt", ADAM_FAMILY, ids=repr)
def test_zero_gradient_from_zero_moments_leaves_x_fixed(opt):
    # m = v = 0 and g = 0 give update = -lr * 0 / (0 + eps) = 0 exactly, step after step
    x, state = X0, opt.init(X0)
    for _ in range(20):
        x, state = opt.step(x, np.zeros(SHAPE), state)
    np.testing.assert_array_equal(x, X0)


def test_zero_gradient_after_motion_keeps_adam_moving():
    # After t steps with moments m, v, zero gradients give m_k = b1^k m and v_k = b2^k v, so
    # x keeps moving by lr m_hat / (sqrt(v_hat) + eps) with the closed forms below: the
    # steps never vanish, and shrink by about b1 / sqrt(b2) per step.
    lr, b1, b2, eps, t = 0.05, 0.9, 0.99, 1e-8, 10
    opt = optlib.Adam(lr=lr, betas=(b1, b2), eps=eps)
    x, state = X0, opt.init(X0)
    for k in range(t):
        x, state = opt.step(x, grad(x, k), state)
    m, v = state.m, state.v
    for k in range(1, 60):
        x_new, state = opt.step(x, np.zeros(SHAPE), state)
        m_hat = b1**k * m / (1 - b1 ** (t + k))
        v_hat = b2**k * v / (1 - b2 ** (t + k))
        np.testing.assert_allclose(x_new - x, -lr * m_hat / (np.sqrt(v_hat) + eps), rtol=1e-9)
        assert np.all(x_new != x)
        x = x_new


# ---------------------------------------------------------------- published results
@pytest.mark.parametrize("cst", [3.0, 10.0])
def test_reddi_counterexample_adam_goes_wrong_amsgrad_right(cst):
    # Reddi, Kale, Kumar (2018), Theorem 1: f_t(x) = C x if t mod 3 == 1 else -x on [-1, 1],
    # C > 2, beta1 = 0, beta2 = 1 / (1 + C^2), lr_t = alpha / sqrt(t), alpha < sqrt(1 - beta2).
    # The optimum of the average loss (C - 2) x / 3 is x = -1. (optlib.Adam also
    # bias-corrects v; with beta2 this small 1 - beta2^t = 1 after a few steps.)
    b2, alpha, steps = 1 / (1 + cst**2), 0.5, 1500
    assert alpha < np.sqrt(1 - b2)

    def play(make):
        x, state, regret = np.zeros(1), make(1).init(np.zeros(1)), 0.0
        for t in range(1, steps + 1):
            g = np.array([cst if t % 3 == 1 else -1.0])
            regret += g[0] * (x[0] + 1)  # f_t(x_t) - f_t(-1)
            x, state = make(t).step(x, g, state)
            x = np.clip(x, -1.0, 1.0)  # the projection onto F = [-1, 1]
        return x[0], regret / steps

    x_adam, regret_adam = play(lambda t: optlib.Adam(lr=alpha / np.sqrt(t), betas=(0.0, b2)))
    x_ams, regret_ams = play(lambda t: optlib.AMSGrad(lr=alpha, betas=(0.0, b2), sqrt_decay=True))
    per_step = 2 * (cst - 2) / 3  # the average regret of sitting at +1
    assert x_adam > 0.99 and regret_adam > 0.8 * per_step
    assert x_ams < -0.95 and regret_ams < 0.1 * per_step


def measured_rate(opt, mu, L, steps, window):
    """Rate of ||x_k|| on f = x^T diag(mu, L) x / 2, fitted over the steps ``window``."""
    h = np.array([mu, L])
    x, state, norms = np.array([1.0, 1.0]), opt.init(np.zeros(2)), []
    for _ in range(steps):
        x, state = opt.step(x, h * x, state)
        norms.append(np.linalg.norm(x))
    k0, k1 = window
    return (norms[k1] / norms[k0]) ** (1 / (k1 - k0))


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_gradient_descent_rate(kappa):
    mu, L = 1.0, kappa
    rate = measured_rate(optlib.SGD(lr=2 / (L + mu)), mu, L, 200, (100, 199))
    assert rate == pytest.approx((kappa - 1) / (kappa + 1), rel=0.02)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_heavy_ball_rate(kappa):
    # Polyak's choice: lr = 4 / (sqrt(L) + sqrt(mu))^2, momentum = rho^2 with
    # rho = (sqrt(kappa) - 1) / (sqrt(kappa) + 1).
    # Both eigenvalues of the iteration are double, so ||x_k|| ~ k rho^k: fit late.
    mu, L = 1.0, kappa
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    opt = optlib.SGD(lr=4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, momentum=rho**2)
    rate = measured_rate(opt, mu, L, 300, (150, 299))
    assert rate == pytest.approx(rho, rel=0.02)
    assert rate < measured_rate(optlib.SGD(lr=2 / (L + mu)), mu, L, 300, (150, 299))
