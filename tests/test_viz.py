"""optlib.viz: the book's style and figure functions, drawn headless with Agg."""

import base64
import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest
from bs4 import BeautifulSoup
from harness import HeavyBall  # the stand-in optimizer, independent of optlib's own
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D

from optlib import viz
from optlib.problems import himmelblau, quadratic, rosenbrock, saddle
from optlib.runner import _rate, run


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
    np.testing.assert_allclose(_rate(err), 0.7)
    assert _rate(np.array([[1.0], [0.0], [0.0]]))[0] == 0.0


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


# --- text alternatives: every figure says what it shows ---------------------------------------


def figure_markup(drawing):
    """The figure's text/html rendering, parsed: (<figure>, its <img>, the PNG it shows)."""
    bundle = drawing._repr_mimebundle_()
    doc = BeautifulSoup(bundle["text/html"], "html.parser")
    (fig,) = doc.find_all("figure")
    (img,) = fig.find_all("img")
    assert img["src"].startswith("data:image/png;base64,")
    shown = base64.b64decode(img["src"].split(",", 1)[1])
    assert shown == base64.b64decode(bundle["image/png"])  # the same PNG for Jupyter
    return fig, img, shown


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"$x_1$", "x₁"),
        (r"$f(x_t) - f^\star$", "f(xₜ) − f*"),
        (r"update $x_{t+1} - x_t$", "update xₜ₊₁ − xₜ"),
        (r"$\hat m_t$", "m\u0302ₜ"),
        (r"$\alpha / (\sqrt{\hat v_t} + \epsilon)$", "α / (√(v\u0302ₜ) + ε)"),
        (r"$\min_i \|x_t - x^\star_i\|$", "minᵢ ‖xₜ − x*ᵢ‖"),
        (r"$\left(1 - \frac{1}{\kappa}\right)^t$", "(1 − 1/κ)ᵗ"),
        (r"$\frac{L - \mu}{L + \mu}$", "(L − μ)/(L + μ)"),
        (r"$H^{-1}$ and $x_T$", "H⁻¹ and x_T"),  # no subscript T in Unicode
        ("η as a fraction of 2/L", "η as a fraction of 2/L"),  # no $: left alone
    ],
)
def test_plain_turns_mathtext_into_readable_unicode(tex, text):
    assert viz.plain(tex) == text


def test_each_figure_function_describes_its_figure():
    p = rosenbrock()
    runs = {
        "SGD": run(HeavyBall(lr=1e-3), p, p.x0, 50),
        "SGD lr=0.01": run(HeavyBall(lr=1e-2), p, p.x0, 50),
    }
    k = int(runs["SGD lr=0.01"].diverged_at)
    paths = viz.trajectories(p, runs).alt_text()
    assert paths.startswith(f"Contour plot of {p.name}, x₂ against x₁; legend: SGD, ")
    assert f"SGD lr=0.01 (diverged at step {k})" in paths
    curves = viz.losses(runs, problem=p).alt_text()
    assert curves.startswith("Line plot of f(xₜ) − f* (log scale) against step t; legend: SGD")
    q = quadratic(kappa=10)
    lrs, betas = np.geomspace(0.01, 0.5, 6), np.linspace(0.0, 0.9, 3)
    s = viz.sweep(lambda lr, momentum: HeavyBall(lr, momentum), q, 50, lr=lrs, momentum=betas)
    heat = viz.rate_map(s, boundary=([0.2, 0.38], [0.0, 0.9]), boundary_label=r"$\eta L$")
    assert heat.alt_text() == (
        "Heat map of measured rate r per step over lr (log scale) and momentum; "
        "legend: diverged, η L."
    )
    terms = viz.record(HeavyBall(0.1, 0.5), q, steps=10)
    panels = viz.inspector(terms).alt_text()
    assert panels.startswith("Figure of 3 panels. Panel 1: line plot of gₜ, g against step t.")
    assert "Panel 3: line plot of update xₜ − xₜ₋₁" in panels
    assert panels.endswith("Legend: coordinate 1, coordinate 2.")
    for text in (paths, curves, heat.alt_text(), panels):
        assert "$" not in text and "\\" not in text


def test_the_text_follows_the_figure_as_it_updates():
    p = quadratic()
    path = np.array([[-1.0, 0.5], [-0.5, 0.2], [0.0, 0.0]])
    d = viz.trajectories(p, {"GD": path})
    assert "diverged" not in d.alt_text()
    d.update(problem=p, runs={"GD": np.vstack([path[:2], [[np.nan, np.nan]]])})
    assert "GD (diverged at step 2)" in d.alt_text()
    d.update(problem=himmelblau(), runs={"GD": path})
    assert d.alt_text().startswith("Contour plot of himmelblau")


def test_a_drawing_shows_as_a_figure_with_alt_text_and_its_caption():
    runs = {"SGD": 0.5 ** np.arange(20)}
    plain_figure = viz.losses(runs)
    fig, img, shown = figure_markup(plain_figure)
    assert shown[:8] == b"\x89PNG\r\n\x1a\n"
    assert img["alt"] == plain_figure.alt_text() and "SGD" in img["alt"]
    assert fig.find("figcaption") is None  # no caption unless the author writes one
    (w, h) = plain_figure.fig.canvas.get_width_height()
    assert (img["width"], img["height"]) == (str(w), str(h))

    told = viz.losses(runs, caption=r'SGD halves the "gap" <each> step: rate $\rho = 1/2$')
    fig, img, _ = figure_markup(told)
    assert fig.figcaption.get_text() == 'SGD halves the "gap" <each> step: rate ρ = 1/2'
    assert img["alt"] == told.alt_text()  # still describes the picture
    assert told.describe(alt="Loss gap halving at every step") is told
    _, img, _ = figure_markup(told)
    assert img["alt"] == "Loss gap halving at every step"
    blank = viz.losses(runs, alt="  ")  # blank is not a text alternative
    assert figure_markup(blank)[1]["alt"] == blank.alt_text() != ""


def test_every_figure_function_takes_caption_and_alt():
    for draw in (viz.trajectories, viz.losses, viz.rate_map, viz.inspector):
        params = inspect.signature(draw).parameters
        assert params["caption"].default is None and params["alt"].default is None, draw
    d = viz.trajectories(quadratic(), {"GD": np.zeros((2, 2))}, caption="c", alt="a")
    assert (d.caption, d.alt) == ("c", "a")


def test_a_figure_assembled_by_hand_is_a_drawing_too():
    fig = viz.figure((9.0, 3.6))
    left, right = fig.subplots(1, 2)
    viz.trajectories(quadratic(), {"GD": np.zeros((2, 2))}, ax=left, legend_loc="lower right")
    viz.losses({"GD": 0.5 ** np.arange(20)}, ax=right, legend_loc="upper right")
    d = viz.Drawing(fig, caption="Left: a path; right: its loss")
    assert d.axes == [left, right] and d.artists == [] and d.update() is False
    assert d.alt_text().startswith("Figure of 2 panels. Panel 1: contour plot of quadratic")
    assert "Panel 2: line plot of f(xₜ) (log scale) against step t" in d.alt_text()
    assert figure_markup(d)[0].figcaption.get_text() == "Left: a path; right: its loss"
    old_style = viz.Drawing(fig, fig.axes, [], lambda **_: False)  # the four-argument form
    assert figure_markup(old_style)[1]["alt"].startswith("Figure of 2 panels")


def test_a_panel_beside_another_keeps_its_width():
    # the end markers of runs that did not diverge are empty and unclipped: they must not
    # count in the layout (an empty marker line sits at the figure's corner)
    fig = viz.figure((9.0, 3.6))
    left, right = fig.subplots(1, 2)
    viz.trajectories(quadratic(), {"GD": np.zeros((2, 2))}, ax=left, legend_loc="lower right")
    viz.losses({"GD": 0.5 ** np.arange(20)}, ax=right, legend_loc="upper right")
    fig.canvas.draw()
    assert left.get_position().width > 0.3 and right.get_position().width > 0.3


def test_legend_entries_with_commas_are_kept_apart():
    d = viz.losses(
        {"SGD, constant lr": 0.5 ** np.arange(9), "SGD, decaying lr": 0.7 ** np.arange(9)}
    )
    assert d.alt_text().endswith("legend: SGD, constant lr; SGD, decaying lr.")
