"""optlib.viz: the book's style and figure functions, drawn headless with Agg."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

from optlib import viz
from optlib.problems import himmelblau, quadratic, rosenbrock, saddle
from optlib.runner import run


class HeavyBall:
    """A stand-in optimizer with the api.md contract (init, step, terms), independent of
    optlib's own optimizers: b_t = momentum * b_{t-1} + g_t, x_{t+1} = x_t - lr * b_t."""

    needs = ()

    def __init__(self, lr, momentum=0.0):
        self.lr, self.momentum = lr, momentum

    def init(self, x):
        return (np.zeros_like(x),)

    def terms(self, x, g, state):
        buf = self.momentum * state[0] + g
        update = -self.lr * buf
        return {"g": g, "buf": buf, "update": update, "x": x + update, "state": (buf,)}

    def step(self, x, g, state):
        t = self.terms(x, g, state)
        return t["x"], t["state"]


@pytest.fixture(autouse=True)
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def labelled(ax):
    return ax.get_xlabel() and ax.get_ylabel()


def test_import_optlib_does_not_import_matplotlib():
    code = "import sys, optlib; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_optimizer_keeps_its_colour_whatever_the_label_says():
    assert viz.color_of("Adam") == viz.color_of("Adam (lr=0.1)") == viz.color_of("adam")
    assert viz.color_of("L-BFGS") == viz.COLORS["lbfgs"]
    assert viz.color_of("my method") is None
    s = viz.styles(["Adam lr=0.1", "Adam lr=0.01", "SGD", "mine", "yours"])
    assert s["Adam lr=0.1"]["color"] == s["Adam lr=0.01"]["color"] == viz.COLORS["adam"][0]
    assert s["Adam lr=0.1"]["linestyle"] != s["Adam lr=0.01"]["linestyle"]
    assert s["mine"]["color"] != s["yours"]["color"]


def test_palette_is_okabe_ito():
    okabe_ito = {to_hex(c) for c in viz.OKABE_ITO.values()}
    assert {to_hex(c) for c, _ in viz.COLORS.values()} <= okabe_ito


def test_trajectories_marks_start_end_minimisers_and_divergence():
    p = rosenbrock()
    runs = {
        "SGD": run(HeavyBall(lr=1e-3), p, p.x0, 50),
        "Momentum": run(HeavyBall(lr=1e-3, momentum=0.9), p, p.x0, 50),
        "SGD lr=0.01": run(HeavyBall(lr=1e-2), p, p.x0, 50),
    }
    assert runs["SGD lr=0.01"].diverged and not runs["SGD"].diverged
    d = viz.trajectories(p, runs)
    ax = d.axes
    assert labelled(ax) and ax.get_title() == p.name
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    k = int(runs["SGD lr=0.01"].diverged_at)
    assert texts == ["SGD", "Momentum", f"SGD lr=0.01 (diverged at step {k})", "minimiser", "start"]
    lines = [a for a in d.artists if isinstance(a, Line2D)]
    assert len(lines) == 3 * len(runs)  # path, start and end of each run
    path = lines[0]
    np.testing.assert_allclose(np.c_[path.get_xdata(), path.get_ydata()], runs["SGD"].params)
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    np.testing.assert_allclose(np.column_stack(stars[0].get_data()), p.minimizers)
    ends = lines[2 * len(runs) :]
    assert [e.get_marker() for e in ends] == ["o", "o", "x"]
    (xlo, xhi), (ylo, yhi) = p.window
    x, y = ends[2].get_data()
    assert xlo <= x[0] <= xhi and ylo <= y[0] <= yhi  # clamped into view
    assert ax.collections, "no contours"
    assert d.png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_contour_levels_are_log_spaced_on_log_scale_problems():
    d = viz.trajectories(rosenbrock(), {"SGD": np.zeros((2, 2))})
    levels = d.axes.collections[0].levels
    assert np.allclose(levels[1:] / levels[:-1], levels[1] / levels[0])
    d = viz.trajectories(saddle(), {"SGD": np.zeros((2, 2))})
    levels = d.axes.collections[0].levels
    assert np.allclose(np.diff(levels), levels[1] - levels[0])


def test_trajectories_update_moves_artists_and_redraws_contours_only_for_a_new_problem():
    p = quadratic(kappa=10)
    path = np.array([[-1.0, 0.5], [-0.5, 0.2], [0.0, 0.0]])
    d = viz.trajectories(p, {"GD": path})
    contours = d.axes.collections[0]
    assert d.update(problem=p, runs={"GD": path[:2]}) is False
    assert d.axes.collections[0] is contours
    assert len(d.artists[0].get_xdata()) == 2
    bad = np.vstack([path[:2], [[np.nan, np.nan]]])
    assert d.update(problem=p, runs={"GD": bad}) is True  # the legend text changed
    assert "diverged at step 2" in d.axes.get_legend().get_texts()[0].get_text()
    assert d.update(problem=himmelblau(), runs={"GD": path}) is True
    assert d.axes.collections[0] is not contours and d.axes.get_title() == "himmelblau"
    stars = [ln for ln in d.axes.lines if ln.get_marker() == "*"][0]
    assert len(stars.get_xdata()) == 4


def test_trajectories_draws_huge_iterates_without_warnings():
    p = quadratic()
    path = np.array([[-1.0, 0.5], [1e200, -1e200], [np.inf, np.nan]])
    d = viz.trajectories(p, {"GD": path})
    d.png()
    assert "diverged at step 2" in d.axes.get_legend().get_texts()[0].get_text()


def test_losses_plots_the_gap_on_a_log_axis_and_shows_divergence():
    p = saddle()  # minimum -0.25: the gap is f - f*
    runs = {
        "SGD": run(HeavyBall(lr=0.1), p, p.x0, 100),
        "big": run(HeavyBall(lr=5.0), p, p.x0, 100),
    }
    assert runs["big"].diverged
    d = viz.losses(runs, problem=p)
    ax = d.axes
    assert ax.get_yscale() == "log" and labelled(ax)
    line = d.artists[0]
    np.testing.assert_allclose(line.get_ydata()[:5], runs["SGD"].losses[:5] + 0.25)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[1] == f"big (diverged at step {int(runs['big'].diverged_at)})"
    x_marks = d.artists[2:]
    assert len(x_marks[0].get_xdata()) == 0 and len(x_marks[1].get_xdata()) == 1
    assert x_marks[1].get_ydata()[0] <= ax.get_ylim()[1]
    dist = viz.losses(runs, problem=p, distance=True)
    xs = runs["SGD"].params
    nearest = np.linalg.norm(xs[:, None] - p.minimizers, axis=-1).min(axis=1)
    np.testing.assert_allclose(dist.artists[0].get_ydata()[:10], nearest[:10])


def test_losses_accepts_plain_arrays_and_updates_without_redrawing():
    d = viz.losses({"a": 0.5 ** np.arange(20)})
    assert d.axes.get_ylabel() == "$f(x_t)$"
    assert d.update(runs={"a": 0.9 ** np.arange(20)}) is False
    np.testing.assert_allclose(d.artists[0].get_ydata(), 0.9 ** np.arange(20))


def test_measured_rate_of_a_geometric_sequence_is_its_ratio():
    err = 0.7 ** np.arange(40)[:, None] * np.array([1.0, 2.0])
    np.testing.assert_allclose(viz._rate(err), 0.7)
    assert viz._rate(np.array([[1.0], [0.0], [0.0]]))[0] == 0.0


def test_sweep_measures_the_rate_of_gradient_descent_on_a_quadratic():
    # on f = x^T A x / 2 gradient descent contracts by max_i |1 - lr * lambda_i| per step
    p = quadratic(kappa=10)  # eigenvalues 1 and 10
    lrs, betas = np.linspace(0.01, 0.19, 7), np.array([0.0, 0.5])
    s = viz.sweep(lambda lr, momentum: HeavyBall(lr, momentum), p, 300, lr=lrs, momentum=betas)
    assert s.rate.shape == s.loss.shape == s.diverged.shape == (2, 7)
    expected = np.maximum(np.abs(1 - lrs), np.abs(1 - 10 * lrs))
    np.testing.assert_allclose(s.rate[0], expected, rtol=0.02)
    assert not s.diverged.any()


def test_rate_map_has_colourbar_grey_diverged_cells_and_boundary():
    p = quadratic(kappa=10)
    lrs, betas = np.geomspace(0.01, 0.5, 12), np.linspace(0.0, 0.9, 5)
    s = viz.sweep(lambda lr, momentum: HeavyBall(lr, momentum), p, 200, lr=lrs, momentum=betas)
    LR, B = np.meshgrid(lrs, betas)
    # heavy ball on a quadratic with largest curvature L is stable iff lr * L < 2 (1 + beta)
    assert (s.diverged == (LR * 10 > 2 * (1 + B))).mean() > 0.9
    b = np.linspace(0, 0.9, 10)
    d = viz.rate_map(s, boundary=(2 * (1 + b) / 10, b))
    ax, cax = d.fig.axes
    assert labelled(ax) and ax.get_xscale() == "log" and cax.get_ylabel()
    mesh = d.artists[0]
    assert np.array_equal(
        np.ma.getmaskarray(mesh.get_array()).reshape(s.diverged.shape), s.diverged
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["diverged", "analytic boundary"]
    loss = viz.rate_map(s, measure="loss")
    assert "f" in loss.fig.axes[1].get_ylabel()


def test_record_stacks_the_terms_of_each_step():
    p = quadratic()
    terms = viz.record(HeavyBall(0.1, 0.5), p, steps=30)
    assert list(terms) == ["g", "buf", "update"]
    assert terms["g"].shape == (30, 2)
    traj = run(HeavyBall(0.1, 0.5), p, p.x0, 30)
    np.testing.assert_allclose(terms["update"], np.diff(traj.params, axis=0))


def test_inspector_draws_a_panel_per_term_and_log_scales_positive_ones():
    p = quadratic()
    terms = viz.record(HeavyBall(0.1, 0.5), p, steps=30)
    terms["size"] = np.abs(terms["buf"]) + 1.0
    d = viz.inspector(terms)
    assert len(d.axes) == 4 and len(d.artists) == 8
    assert all(a.get_ylabel() for a in d.axes) and d.axes[-1].get_xlabel()
    assert [a.get_yscale() for a in d.axes] == ["linear", "linear", "linear", "log"]
    np.testing.assert_allclose(d.artists[0].get_ydata(), terms["g"][:, 0])
    assert d.update(terms=terms) is False  # same data: limits kept
    big = {k: 1e3 * v for k, v in terms.items()}
    assert d.update(terms=big) is True


def test_figures_draw_into_given_axes():
    fig = viz.figure()
    ax = fig.subplots()
    d = viz.losses({"a": [1.0, 0.1]}, ax=ax)
    assert d.axes is ax and d.fig is fig
