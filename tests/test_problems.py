"""optlib.problems: derivatives against finite differences, minimisers, data, metadata."""

import subprocess
import sys

import numpy as np
import pytest

from optlib import problems

MAKERS = {
    "quadratic": problems.quadratic,
    "quadratic_rotated": lambda: problems.quadratic(kappa=100.0, angle=0.7, mu=0.5),
    "quadratic_5d": lambda: problems.quadratic(eigenvalues=[0.1, 1.0, 2.0, 5.0, 30.0]),
    "rosenbrock": problems.rosenbrock,
    "rosenbrock_ab": lambda: problems.rosenbrock(a=-0.5, b=10.0),
    "beale": problems.beale,
    "saddle": problems.saddle,
    "himmelblau": problems.himmelblau,
    "logistic": problems.logistic_regression,
    "logistic_2d": lambda: problems.logistic_regression(features=(0, 1)),
    "logistic_2d_no_l2": lambda: problems.logistic_regression(features=(3, 7), l2=0.0),
}


@pytest.fixture(params=list(MAKERS), scope="module")
def problem(request):
    return MAKERS[request.param]()


def sample(problem, shape, seed=0):
    """Random points of shape ``shape + (d,)``: inside the window in 2-D, else around x0."""
    rng = np.random.default_rng(seed)
    if problem.window is None:
        return problem.x0 + rng.normal(size=shape + (problem.dim,))
    lo, hi = np.array(problem.window).T
    return rng.uniform(lo, hi, size=shape + (2,))


def central_difference(f, x, h):
    """d f / d x_i by central differences, stacked along a new axis at position ``-1`` of f."""
    E = np.eye(x.shape[-1]) * h
    return np.stack([(f(x + e) - f(x - e)) / (2 * h) for e in E], axis=-1)


@pytest.mark.parametrize("shape", [(), (7,), (3, 4)])
def test_grad_and_hess_match_finite_differences(problem, shape):
    x = sample(problem, shape, seed=len(shape))
    h = 1e-6
    g, H = problem.grad(x), problem.hess(x)
    assert problem.value(x).shape == shape
    assert g.shape == shape + (problem.dim,)
    assert H.shape == shape + (problem.dim, problem.dim)
    fd_g = central_difference(problem.value, x, h)
    fd_H = np.swapaxes(central_difference(problem.grad, x, h), -1, -2)  # row i: d grad / d x_i
    scale_g = 1 + np.abs(g).max()
    scale_H = 1 + np.abs(H).max()
    np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-6 * scale_g)
    np.testing.assert_allclose(H, fd_H, rtol=1e-6, atol=1e-6 * scale_H)
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))


def test_batched_evaluation_equals_pointwise(problem):
    x = sample(problem, (5,), seed=3)
    for i in range(5):
        np.testing.assert_allclose(problem.value(x)[i], problem.value(x[i]), rtol=1e-14)
        np.testing.assert_allclose(problem.grad(x)[i], problem.grad(x[i]), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(problem.hess(x)[i], problem.hess(x[i]), rtol=1e-13, atol=1e-15)


def test_minimizers_are_minima_with_the_stated_value(problem):
    xs = problem.minimizers
    assert xs.ndim == 2 and xs.shape[1] == problem.dim and len(xs) >= 1
    np.testing.assert_allclose(problem.grad(xs), 0.0, atol=1e-10)
    np.testing.assert_allclose(problem.value(xs), problem.minimum, rtol=1e-12, atol=1e-14)
    assert np.all(np.linalg.eigvalsh(problem.hess(xs)) > 0)  # strict local minima
    # no sampled point is lower: the listed minima are global (for these problems)
    assert problem.value(sample(problem, (4000,), seed=9)).min() >= problem.minimum - 1e-12


def test_metadata(problem):
    assert problem.x0.shape == (problem.dim,)
    assert np.isfinite(problem.value(problem.x0))
    assert problem.formula.startswith("f(") and "=" in problem.formula
    assert isinstance(problem.log_scale, bool)
    if problem.dim == 2:
        (xlo, xhi), (ylo, yhi) = problem.window
        inside = lambda p: xlo <= p[0] <= xhi and ylo <= p[1] <= yhi  # noqa: E731
        assert inside(problem.x0) and all(inside(p) for p in problem.minimizers)
    else:
        assert problem.window is None


def test_known_values():
    np.testing.assert_allclose(problems.rosenbrock().value(np.array([-1.2, 1.0])), 24.2)
    np.testing.assert_allclose(problems.beale().value(np.array([1.0, 1.5])), 41.25)
    beale_saddle = np.array([0.0, 1.0])
    np.testing.assert_allclose(problems.beale().grad(beale_saddle), 0.0)
    assert np.prod(np.linalg.eigvalsh(problems.beale().hess(beale_saddle))) < 0
    np.testing.assert_allclose(problems.himmelblau().value(np.array([0.0, 0.0])), 170.0)
    p = problems.saddle()
    np.testing.assert_array_equal(p.grad(np.zeros(2)), 0.0)
    assert np.prod(np.linalg.eigvalsh(p.hess(np.zeros(2)))) < 0  # the origin is a saddle
    assert len(problems.himmelblau().minimizers) == 4


def test_quadratic_eigenvalues_and_eigenvectors():
    angle, kappa, mu = 0.3, 25.0, 0.2
    p = problems.quadratic(kappa=kappa, angle=angle, mu=mu)
    w, V = np.linalg.eigh(p.hess(np.zeros(2)))
    np.testing.assert_allclose(w, [mu, kappa * mu])
    np.testing.assert_allclose(np.abs(V[:, 0] @ [np.cos(angle), np.sin(angle)]), 1.0)
    x = np.array([0.3, -2.0])
    np.testing.assert_allclose(p.value(x), 0.5 * x @ p.hess(x) @ x)
    q = problems.quadratic(eigenvalues=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(q.hess(np.zeros(3)), np.diag([1.0, 2.0, 3.0]))


def test_problems_registry():
    for name, make in problems.PROBLEMS.items():
        p = make()
        assert p.name == name and p.dim == 2 and p.window is not None


def test_breast_cancer_data_matches_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = problems.breast_cancer()
    ref = sklearn_datasets.load_breast_cancer()
    np.testing.assert_array_equal(y, ref.target)
    np.testing.assert_allclose(X, (ref.data - ref.data.mean(0)) / ref.data.std(0), rtol=1e-12)
    assert problems.FEATURE_NAMES == tuple(ref.feature_names)
    assert set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_allclose(X.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(0), 1, rtol=1e-12)
    assert not X.flags.writeable


def test_logistic_minimizer_matches_scikit_learn():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = problems.breast_cancer()
    l2 = 1e-2
    p = problems.logistic_regression(l2=l2)
    # sklearn minimises C sum(loss) + |w|^2 / 2 (intercept not penalised): C = 1 / (n l2)
    clf = linear_model.LogisticRegression(C=1 / (len(y) * l2), tol=1e-12, max_iter=10_000)
    clf.fit(X, y)
    np.testing.assert_allclose(p.minimizers[0], np.r_[clf.coef_[0], clf.intercept_], atol=1e-4)
    assert p.value(p.minimizers[0]) <= p.value(np.r_[clf.coef_[0], clf.intercept_])


def test_logistic_layout_and_2d_version():
    X, y = problems.breast_cancer()
    p = problems.logistic_regression(l2=0.0)
    w, b = np.linspace(-1, 1, 30), 0.4
    z = X @ w + b
    np.testing.assert_allclose(p.value(np.r_[w, b]), np.mean(np.log1p(np.exp(z)) - y * z))
    assert len(p.minimizers) == 0 and np.isnan(p.minimum)  # separable: no minimiser
    q = problems.logistic_regression(l2=0.5, features=(2, 5))
    z = X[:, [2, 5]] @ [0.3, -0.7]
    expected = np.mean(np.log1p(np.exp(z)) - y * z) + 0.25 * (0.3**2 + 0.7**2)
    np.testing.assert_allclose(q.value(np.array([0.3, -0.7])), expected)


def test_stochastic_grad_is_an_unbiased_minibatch_gradient():
    n = 569
    p = problems.logistic_regression(batch_size=n)
    x = np.random.default_rng(1).normal(size=(3, 31))
    np.testing.assert_allclose(
        p.stochastic_grad(x, np.random.default_rng(0)), p.grad(x), atol=1e-13
    )
    q = problems.logistic_regression(batch_size=16)
    rng = np.random.default_rng(0)
    draws = np.stack([q.stochastic_grad(x, rng) for _ in range(4000)])
    spread = draws.std(axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - q.grad(x)) < 5 * spread + 1e-12)
    assert np.all(draws.std(axis=0)[..., :30] > 0)  # the mini-batches do differ
    a = q.stochastic_grad(x, np.random.default_rng(5))
    np.testing.assert_array_equal(a, q.stochastic_grad(x, np.random.default_rng(5)))


def test_minibatches_are_drawn_without_replacement():
    class Recorder:
        def choice(self, n, size, replace):
            self.args = (n, size, replace)
            return np.arange(size)

    rng = Recorder()
    problems.logistic_regression(batch_size=8).stochastic_grad(np.zeros(31), rng)
    assert rng.args == (569, 8, False)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: problems.quadratic(kappa=0.0), "kappa"),
        (lambda: problems.quadratic(mu=-1.0), "mu"),
        (lambda: problems.quadratic(eigenvalues=[1.0, -1.0]), "eigenvalues"),
        (lambda: problems.quadratic(eigenvalues=[1.0, 2.0, 3.0], angle=0.1), "angle"),
        (lambda: problems.rosenbrock(b=0.0), "b"),
        (lambda: problems.logistic_regression(batch_size=0), "batch_size"),
        (lambda: problems.logistic_regression(batch_size=1000), "batch_size"),
        (lambda: problems.logistic_regression(batch_size=2.5), "batch_size"),
        (lambda: problems.logistic_regression(l2=-1.0), "l2"),
        (lambda: problems.logistic_regression(features=(0, 0)), "features"),
        (lambda: problems.logistic_regression(features=(0, 30)), "features"),
        (lambda: problems.logistic_regression(features=(1,)), "features"),
    ],
)
def test_bad_arguments_raise(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_import_optlib_stays_light():
    code = (
        "import sys, optlib; optlib.problems.logistic_regression(); optlib.problems.mlp(); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_quadratic_with_an_array_of_kappas_is_a_batch_of_quadratics():
    kappas = np.array([[1.0, 10.0, 100.0], [2.0, 3.0, 1e4]])
    q = problems.quadratic(kappa=kappas, angle=0.3, mu=0.5)
    x = np.random.default_rng(0).normal(size=(5, 2, 3, 2))  # 5 points for each quadratic
    assert q.value(x).shape == (5, 2, 3) and q.hess(x).shape == (5, 2, 3, 2, 2)
    for i, j in np.ndindex(kappas.shape):
        p = problems.quadratic(kappa=kappas[i, j], angle=0.3, mu=0.5)
        np.testing.assert_allclose(q.value(x)[:, i, j], p.value(x[:, i, j]), rtol=1e-13)
        np.testing.assert_allclose(q.grad(x)[:, i, j], p.grad(x[:, i, j]), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(q.hess(x)[:, i, j], p.hess(x[:, i, j]), rtol=1e-13, atol=1e-15)
    fd = central_difference(q.value, x, 1e-6)
    np.testing.assert_allclose(q.grad(x), fd, rtol=1e-6, atol=1e-6 * np.abs(q.grad(x)).max())
    np.testing.assert_array_equal(q.x0, problems.quadratic(angle=0.3).x0)
    assert q.minimum == 0.0 and q.minimizers.shape == (1, 2) and "6 quadratics" in repr(q)
    with pytest.raises(ValueError, match="kappa"):
        problems.quadratic(kappa=np.array([1.0, 0.0]))


def test_one_run_over_a_batch_of_quadratics_measures_each_rate():
    import optlib

    kappas = np.geomspace(1.0, 100.0, 5)
    q = problems.quadratic(kappa=kappas, angle=0.4)  # mu = 1, L = kappa
    lr = 2 / (1 + kappas)[:, None]  # the best constant learning rate of each
    tr = optlib.run(optlib.SGD(lr=lr), q, np.tile(q.x0, (5, 1)), 60)
    err = np.linalg.norm(tr.params, axis=-1)
    measured = (err[60, 1:] / err[50, 1:]) ** (1 / 10)
    expected = (kappas[1:] - 1) / (kappas[1:] + 1)
    np.testing.assert_allclose(measured, expected, rtol=1e-6)
    assert err[1, 0] < 1e-15  # kappa = 1: one step to the minimum
    for k in (1, 3):  # the same as running each quadratic alone
        alone = optlib.run(optlib.SGD(lr=lr[k, 0]), problems.quadratic(kappa=kappas[k], angle=0.4),
                           q.x0, 60)  # fmt: skip
        np.testing.assert_allclose(tr.params[:, k], alone.params, rtol=1e-12, atol=1e-300)
