"""Newton, BFGS, L-BFGS and the diagonal Newton step: identities, rates and references.

Validation, purity, state shapes, ``needs`` and batched hyperparameters on the gradient
sequence are tested for every optimizer over the table, in ``test_optimizers.py``.
"""

import warnings

import numpy as np
import pytest

import optlib
from optlib import problems
from optlib.newton import BFGS, LBFGS, DiagonalNewton, Newton, backtracking


def iterate(opt, problem, x, steps, **kw):
    """Run ``opt`` by hand and return the list of ``terms`` dicts (one per step)."""
    state, out = opt.init(x), []
    for _ in range(steps):
        extra = {"hess": problem.hess(x)} if "hess" in opt.needs else {}
        extra |= {"value": problem.value} if "value" in opt.needs else {}
        out.append(opt.terms(x, problem.grad(x), state, **extra))
        x, state = out[-1]["x"], out[-1]["state"]
    return out


@pytest.mark.parametrize(
    "problem",
    [
        problems.quadratic(kappa=100.0, angle=0.4),
        problems.quadratic(eigenvalues=[0.01, 0.3, 1.0, 7.0, 50.0]),
    ],
)
def test_newton_solves_a_quadratic_in_one_step(problem):
    x0 = np.random.default_rng(0).uniform(-10, 10, size=(50, problem.dim))
    tr = optlib.run(Newton(), problem, x0, 1)
    np.testing.assert_allclose(tr.params[1], 0.0, atol=1e-12)
    # damping lambda: x1 = x0 - (A + lambda I)^{-1} A x0; lr scales the step
    A, lam = problem.hess(x0[0]), 0.5
    x1 = optlib.run(Newton(lr=0.3, damping=lam), problem, x0, 1).params[1]
    expected = x0 - 0.3 * np.linalg.solve(A + lam * np.eye(problem.dim), A @ x0.T).T
    np.testing.assert_allclose(x1, expected, atol=1e-12)


@pytest.mark.parametrize("x0", [(1.2, 1.2), (0.9, 0.8), (0.8, 0.6)])
def test_newton_converges_quadratically_near_the_rosenbrock_minimum(x0):
    p = problems.rosenbrock()
    tr = optlib.run(Newton(), p, np.array(x0), 7)
    e = np.linalg.norm(tr.params - p.minimizers[0], axis=-1)
    assert e[-1] < 1e-12
    k = e[:-1] > 1e-7  # before rounding: e_{k+1} <= C e_k^2 (linear convergence: ratio ~ 1/e_k)
    assert np.all(e[1:][k] / e[:-1][k] ** 2 < 100)


def test_newton_is_attracted_by_a_saddle_and_saddle_free_newton_escapes():
    p = problems.saddle()
    x0 = np.array([0.5, 0.1])
    pure = optlib.run(Newton(), p, x0, 10)
    np.testing.assert_allclose(pure.final, [0.0, 0.0], atol=1e-12)  # the saddle
    assert pure.final_loss > p.minimum + 0.2
    free = optlib.run(Newton(saddle_free=True), p, x0, 10)
    np.testing.assert_allclose(free.final, [0.0, 1.0], atol=1e-12)
    assert np.all(np.diff(free.losses) <= 0)  # |H| is positive definite: always downhill
    np.testing.assert_allclose(free.final_loss, p.minimum)
    # |H| flips the sign of the step along negative curvature and keeps its length
    x, g, H = x0, p.grad(x0), p.hess(x0)
    newton = Newton().terms(x, g, (), hess=H)["direction"]
    free_dir = Newton(saddle_free=True).terms(x, g, (), hess=H)["direction"]
    np.testing.assert_allclose(free_dir, newton * [1.0, -1.0])
    assert g[1] * free_dir[1] < 0 < g[1] * newton[1]  # along y, Newton climbs towards the saddle


def test_newton_with_line_search_and_damping_reach_the_rosenbrock_minimum():
    p = problems.rosenbrock()
    for opt in [Newton(line_search=True), Newton(damping=1.0), Newton(saddle_free=True)]:
        tr = optlib.run(opt, p, p.x0, 200)
        np.testing.assert_allclose(tr.final, [1.0, 1.0], atol=1e-10)
    ls = optlib.run(Newton(line_search=True), p, p.x0, 50)
    assert np.all(np.diff(ls.losses) <= 0)  # Armijo: every step decreases f


def test_bfgs_secant_condition_and_positive_definite_inverse_hessian():
    p = problems.rosenbrock()
    steps = iterate(BFGS(), p, p.x0, 40)
    updated = 0
    for out in steps[1:]:
        H, s, y = out["M"], out["s"], out["y"]
        np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)
        assert np.all(np.linalg.eigvalsh(H) > 0)
        if y @ s > 0 and np.linalg.norm(s) > 1e-8:
            np.testing.assert_allclose(H @ y, s, rtol=1e-7, atol=1e-12 * np.abs(s).max())
            updated += 1
    assert updated >= 20


def test_bfgs_skips_the_update_when_curvature_is_not_positive():
    opt = BFGS(line_search=False)
    x, g = np.array([0.0, 0.0]), np.array([1.0, 2.0])
    state = opt.init(x)
    _, state = opt.step(x, g, state)
    H0 = state.M.copy()
    out = opt.terms(x + np.array([1.0, 0.0]), g - np.array([1.0, 0.0]), state)  # y^T s = -1
    np.testing.assert_array_equal(out["M"], H0)


def test_lbfgs_two_loop_equals_bfgs_updates_of_gamma_identity():
    p = problems.rosenbrock()
    m = 4
    steps = iterate(LBFGS(history_size=m), p, p.x0, 12)
    out = steps[-1]
    st = out["state"]
    H = out["gamma"][0] * np.eye(2)  # H_0 = gamma I, then the stored pairs oldest to newest
    for s, y, rho in zip(st.S, st.Y, st.rho[:, 0], strict=True):
        if rho > 0:
            L = np.eye(2) - rho * np.outer(s, y)
            H = L @ H @ L.T + rho * np.outer(s, s)
    np.testing.assert_allclose(out["direction"], -H @ out["g"], rtol=1e-10)
    assert np.count_nonzero(st.rho) == m  # the history is full and has wrapped


@pytest.mark.parametrize("opt", [BFGS(), LBFGS(), LBFGS(history_size=3)])
def test_quasi_newton_with_line_search_reaches_scipys_rosenbrock_minimiser(opt):
    optimize = pytest.importorskip("scipy.optimize")
    p = problems.rosenbrock()
    ref = optimize.minimize(optimize.rosen, p.x0, jac=optimize.rosen_der, method="BFGS",
                            options={"gtol": 1e-12})  # fmt: skip
    np.testing.assert_allclose(p.grad(p.x0), optimize.rosen_der(p.x0))
    tr = optlib.run(opt, p, p.x0, 200)
    np.testing.assert_allclose(tr.final, ref.x, atol=1e-8)
    assert np.all(np.diff(tr.losses) <= 0)


def torch_lbfgs(x0, f, steps, lr, m):
    """Iterates of torch.optim.LBFGS, one iteration per ``step`` call, in float64."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=lr, history_size=m, max_iter=1, line_search_fn=None,
                            tolerance_grad=0.0, tolerance_change=0.0)  # fmt: skip

    def closure():
        opt.zero_grad()
        loss = f(torch, x)
        loss.backward()
        return loss

    out = [x0]
    for _ in range(steps):
        opt.step(closure)
        out.append(x.detach().numpy().copy())
    return np.array(out)


def test_lbfgs_matches_torch_on_rosenbrock():
    p = problems.rosenbrock()
    f = lambda torch, x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2  # noqa: E731
    for lr, m in [(0.5, 5), (1.0, 3), (0.1, 10)]:
        ref = torch_lbfgs(p.x0, f, 25, lr, m)
        ours = optlib.run(LBFGS(lr=lr, history_size=m, line_search=False), p, p.x0, 25)
        # why 25 steps: unit-step L-BFGS on Rosenbrock amplifies rounding (torch adds t * d
        # with a fused kernel), to ~1e-9 by step 40; up to 25 it stays below 1e-10
        np.testing.assert_allclose(ours.params, ref, rtol=1e-10, atol=1e-12)


def test_lbfgs_matches_torch_on_logistic_regression():
    p = problems.logistic_regression()
    X, y = problems.breast_cancer()
    A = np.hstack([X, np.ones((len(X), 1))])

    def f(torch, w):
        z = torch.tensor(A) @ w
        loss = torch.logaddexp(torch.zeros_like(z), z) - torch.tensor(y) * z  # (softplus cuts off)
        return loss.mean() + 0.5e-3 * (w[:-1] ** 2).sum()

    ref = torch_lbfgs(p.x0, f, 40, 1.0, 4)  # 40 steps: the 4-pair history wraps many times
    ours = optlib.run(LBFGS(lr=1.0, history_size=4, line_search=False), p, p.x0, 40)
    np.testing.assert_allclose(ours.params, ref, rtol=1e-9, atol=1e-11)


def test_diagonal_newton():
    p = problems.quadratic(eigenvalues=[0.1, 2.0, 30.0])
    x0 = np.array([1.0, -2.0, 3.0])
    tr = optlib.run(DiagonalNewton(damping=0.0), p, x0, 1)  # diagonal Hessian: one exact step
    np.testing.assert_allclose(tr.params[1], 0.0, atol=1e-15)
    q = problems.quadratic(kappa=10.0, angle=0.6)
    x, g, H = q.x0, q.grad(q.x0), q.hess(q.x0)
    out = DiagonalNewton(lr=0.5, damping=0.1).terms(x, g, (), hess=H)
    np.testing.assert_allclose(out["x"], x - 0.5 * g / (np.abs(np.diag(H)) + 0.1))
    s = problems.saddle()
    x = np.array([0.5, 0.1])  # negative curvature in y: |h| keeps the step downhill
    out = DiagonalNewton(damping=0.1).terms(x, s.grad(x), (), hess=s.hess(x))
    assert s.value(out["x"]) < s.value(x) and abs(out["x"][1]) > abs(x[1])


def test_batched_hyperparameters_match_separate_runs():
    p = problems.rosenbrock()
    x0 = np.array([[-1.2, 1.0], [0.5, -0.5], [2.0, 2.0]])
    lr, damping = np.array([[1.0], [0.5], [0.8]]), np.array([[0.0], [1.0], [3.0]])
    opts = [
        (Newton(lr=lr, damping=damping, line_search=True), lambda i: Newton(lr=lr[i, 0],
         damping=damping[i, 0], line_search=True)),
        (BFGS(lr=lr), lambda i: BFGS(lr=lr[i, 0])),
        (LBFGS(lr=lr, history_size=3), lambda i: LBFGS(lr=lr[i, 0], history_size=3)),
        (DiagonalNewton(lr=lr * 0.1), lambda i: DiagonalNewton(lr=lr[i, 0] * 0.1)),
    ]  # fmt: skip
    for batched, single in opts:
        tr = optlib.run(batched, p, x0, 30)
        for i in range(3):
            np.testing.assert_allclose(tr.params[:, i], optlib.run(single(i), p, x0[i], 30).params,
                                       rtol=1e-12, atol=1e-14)  # fmt: skip


def test_backtracking():
    p = problems.rosenbrock()
    x = np.array([[-1.2, 1.0], [0.0, 0.0]])
    g = p.grad(x)
    alpha = backtracking(p.value, x, g, -g, 1.0)
    assert alpha.shape == x.shape
    slope = np.sum(g * -g, axis=-1)
    assert np.all(p.value(x - alpha * g) <= p.value(x) + 1e-4 * alpha[:, 0] * slope)
    assert np.all(p.value(x - 2 * alpha * g) > p.value(x) + 2e-4 * alpha[:, 0] * slope)
    np.testing.assert_array_equal(np.log2(alpha), np.round(np.log2(alpha)))  # halvings of 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(backtracking(p.value, x, g, g, 1.0), 0.0)  # uphill: stay


def test_missing_or_malformed_extras_raise():
    # that every step leaves its inputs alone, keeps its state's shapes and reports what it
    # needs is tested over the optimizer table, in test_optimizers.py
    p = problems.himmelblau()
    x, g = p.x0 + 1.0, p.grad(p.x0 + 1.0)
    with pytest.raises(TypeError, match="value"):
        BFGS().step(x, g, BFGS().init(x))
    with pytest.raises(ValueError, match="shape"):
        BFGS(line_search=False).step(x, g[:1], BFGS().init(x))
    with pytest.raises(ValueError, match="hess"):
        Newton().step(x, g, Newton().init(x), hess=np.eye(3))


def test_run_with_newton_diverging_is_quiet():
    p = problems.saddle()
    x0 = np.array([[0.5, 0.1], [0.3, 1 / np.sqrt(3)]])  # second: fyy = 3y^2 - 1 ~ 2e-16
    quartic = problems.Problem("quartic", 2, lambda x: np.sum(x**4, -1), lambda x: 4 * x**3,
                               lambda x: 12 * x[..., None] ** 2 * np.eye(2), np.zeros((1, 2)), 0.0,
                               None, np.array([0.0, 1.0]), "f = x^4 + y^4")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for opt in [Newton(), DiagonalNewton(damping=0.0)]:
            tr = optlib.run(opt, p, x0, 5)
            np.testing.assert_array_equal(tr.diverged_at, [-1, 1])  # a huge step: |x| > 1e6
        tr = optlib.run(Newton(), quartic, quartic.x0, 3)  # H = diag(0, 12): 0 / 0 at step 1
        assert tr.diverged_at == 1


def test_bfgs_survives_convergence():
    # at convergence y^T s underflows towards 0; 1 / y^T s must not overflow into NaN
    problem = problems.quadratic(eigenvalues=np.geomspace(1, 1000, 50))
    traj = optlib.run(BFGS(), problem, np.ones(50), 300)
    assert not traj.diverged
    assert traj.final_loss < 1e-20
