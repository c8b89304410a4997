"""The static player in a real browser (headless Chromium, no network), without building the book.

Experiments of each figure kind are written into one page. For a state of each, the picture the
player shows (background image plus the canvas it draws from numbers, or a PNG overlay) must
agree with matplotlib's rendering of the same state, pixel by pixel up to a small displacement
(antialiasing differs between Agg and the canvas); moving each control must change the
picture, its alt text must name the state shown, the keyboard must move a focused slider, and
the console must stay free of errors.
"""

import io
import os

import numpy as np
import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, chromium_or_skip, js
from PIL import Image

import optlib
from optlib import interact, viz
from optlib.problems import beale, quadratic, rosenbrock

pytestmark = pytest.mark.browser

PICTURE = js("picture")
SET_VALUE = js("set_value")


def paths_experiment():
    problems = {"Rosenbrock": rosenbrock(), "Beale": beale()}

    def compute(problem, lr, beta):
        return {
            "problem": problem,
            "runs": {
                "Momentum": optlib.run(optlib.SGD(lr=lr, momentum=beta), problem, problem.x0, 150),
                "Adam": optlib.run(optlib.Adam(lr=10 * lr), problem, problem.x0, 150),
            },
        }

    return interact.experiment(
        compute,
        viz.trajectories,
        {
            "problem": interact.dropdown(problems),
            "lr": interact.log_slider(1e-4, 1e-2, static=5, value=1e-3, label="η"),
            "beta": interact.float_slider(0.0, 0.95, static=4, value=0.9, label="β"),
        },
        caption="Paths of momentum and Adam.",
    )


def curves_experiment():
    p = quadratic(kappa=30)

    def compute(lr):
        runs = {
            "SGD": optlib.run(optlib.SGD(lr=lr), p, p.x0, 100),
            "Momentum": optlib.run(optlib.SGD(lr=lr, momentum=0.8), p, p.x0, 100),
        }
        return {"runs": runs, "problem": p}

    def draw(fig, **data):  # the legend inside the axes: static, drawn over the curves
        return viz.losses(**data, fig=fig, legend_loc="upper right")

    return interact.experiment(
        compute,
        draw,
        {"lr": interact.log_slider(1e-3, 0.07, static=6, value=0.01, label="η")},
        caption="Loss gaps on a log scale (some runs diverge at the largest η).",
    )


def inspector_experiment():
    def compute(lr):
        return {"terms": optlib.record(optlib.Adam(lr=lr), rosenbrock(), steps=60)}

    def draw(fig, terms):
        return viz.inspector(terms, names=["g", "m_hat", "v_hat", "update"], fig=fig)

    return interact.experiment(
        compute, draw, {"lr": interact.log_slider(0.01, 0.3, static=4, value=0.1, label="η")}
    )


def map_experiment():
    p = quadratic(kappa=10)

    def compute(steps):
        result = viz.sweep(
            lambda lr, momentum: optlib.SGD(lr=lr, momentum=momentum),
            p,
            steps,
            lr=np.geomspace(0.01, 0.5, 12),
            momentum=np.linspace(0.0, 0.9, 8),
        )
        return {"result": result}

    def draw(fig, result):  # the boundary and the legend sit above the heat map
        b = np.linspace(0.0, 0.9, 20)
        return viz.rate_map(result, boundary=(2 * (1 + b) / 10, b), fig=fig)

    return interact.experiment(compute, draw, {"steps": interact.slider([10, 30, 100])})


def animation():
    p = rosenbrock()
    runs = {"Adam": optlib.run(optlib.Adam(lr=0.05), p, p.x0, 80)}
    return interact.animate(p, runs, frames=12, interval=60)


EXPERIMENTS = {
    "paths": paths_experiment,
    "curves": curves_experiment,
    "inspector": inspector_experiment,
    "map": map_experiment,
    "animation": animation,
}


@pytest.fixture(scope="module")
def experiments():
    return {name: make() for name, make in EXPERIMENTS.items()}


@pytest.fixture(scope="module")
def browser_page(experiments):
    """One page holding every experiment's static player, opened in Chromium; the console's
    errors are collected in ``page.errors``."""
    sync_playwright = chromium_or_skip()
    body = "".join(f'<section id="{name}">{e.html()}</section>' for name, e in experiments.items())
    page_html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1000, "height": 800}, device_scale_factor=1
        )
        context.route("**/*", lambda route: route.abort())  # nothing may come from a network
        page = context.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: page.errors.append(str(err)))
        page.set_content(page_html, wait_until="load")
        page.wait_for_function(
            "n => document.querySelectorAll('.optlib-player[data-ready]').length === n",
            arg=len(experiments),
            timeout=15000,
        )
        yield page
        browser.close()


def player(page, name):
    return page.locator(f"#{name} .optlib-player")


def set_state(page, name, indices):
    """Move the controls of experiment ``name`` to the given value indices, as a reader would."""
    root = player(page, name)
    for control, i in indices.items():
        el = root.locator(f'.optlib-input[name="{control}"]')
        if el.evaluate("el => el.tagName") == "SELECT":
            el.select_option(str(i))
        else:
            el.evaluate(SET_VALUE, str(i))


def shown(page, name):
    """The stage as the reader sees it: an RGB array of the figure's pixel size."""
    box = player(page, name).locator("img.optlib-bg").bounding_box()
    clip = {k: round(box[k]) for k in ("x", "y", "width", "height")}
    png = page.screenshot(clip=clip, full_page=True)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def mismatch(a, b, reach=1, tol=60.0):
    """The fraction of pixels of ``a`` and of ``b`` (RGB arrays) with no pixel of similar colour
    (every channel within ``tol``) in the other image within ``reach`` pixels: lines drawn in
    the same place in the same colour match, whatever their antialiasing."""
    assert a.shape == b.shape, (a.shape, b.shape)

    def unmatched(x, y):
        h, w, _ = x.shape
        pad = np.pad(y, ((reach, reach), (reach, reach), (0, 0)), mode="edge")
        best = np.full((h, w), np.inf)
        for dy in range(2 * reach + 1):
            for dx in range(2 * reach + 1):
                diff = np.abs(x - pad[dy : dy + h, dx : dx + w]).max(axis=-1)
                best = np.minimum(best, diff)
        return best > tol

    return max(unmatched(a, b).mean(), unmatched(b, a).mean())


# every kind of figure, at a state that is not the default (where the player draws it itself)
STATES = {
    "paths": {"problem": 1, "lr": 4, "beta": 3},  # Beale, largest η: Adam's path diverges
    "curves": {"lr": 5},  # the largest η: diverged runs end in a cross at the top edge
    "inspector": {"lr": 0},  # other axis limits: another background
    "map": {"steps": 2},  # a heat map: PNG overlays
    "animation": {"step": 5},
}


@pytest.mark.parametrize("name", list(STATES))
def test_the_player_draws_what_matplotlib_draws(browser_page, experiments, name):
    exp = experiments[name]
    set_state(browser_page, name, STATES[name])
    picture = shown(browser_page, name)
    set_state(browser_page, name, {n: c.index for n, c in exp.controls.items()})  # back
    exp.show(**STATES[name])
    reference = np.asarray(exp.rgba(), dtype=float)[..., :3]
    exp.show()
    if os.environ.get("OPTLIB_SAVE_PICTURES"):
        for kind, img in (("browser", picture), ("matplotlib", reference)):
            Image.fromarray(img.astype(np.uint8)).save(f"/tmp/player-{name}-{kind}.png")
    # at most 1 pixel in 10 000 (23 of the 600 x 380) differs: seen are 0 to 6
    assert mismatch(picture, reference) < 1e-4, name
    # the comparison can fail: the same picture moved by two pixels does
    assert mismatch(np.roll(picture, 2, axis=1), reference) > 1e-4


def test_static_artists_above_the_moving_ones_are_a_foreground(experiments):
    for name in ("curves", "map"):  # an inner legend; a boundary line and a legend
        exp = experiments[name]
        exp.show()
        assert exp.renderer.above(), name
        assert exp.renderer.foreground[..., 3].any(), name
    experiments["paths"].show()
    # the paths' legend is outside the axes: nothing static is drawn above them
    assert all(a.get_zorder() > 2 for a in experiments["paths"].renderer.above())


def test_vector_overlays_are_used_where_the_figure_is_lines(experiments):
    for name in ("paths", "curves", "inspector", "animation"):
        experiments[name].html()
        assert experiments[name].stats["png_overlays"] == 0, name
    assert experiments["map"].stats["vector_overlays"] == 0


def test_each_control_changes_the_picture_and_the_alt_text(browser_page, experiments):
    for name, exp in experiments.items():
        root = player(browser_page, name)
        for control, c in exp.controls.items():
            before = root.evaluate(PICTURE)
            set_state(browser_page, name, {control: (c.index + 1) % len(c.values)})
            after = root.evaluate(PICTURE)
            assert after["frame"] != before["frame"], (name, control)
            assert after["src"] != before["src"], (name, control)
            assert after["alt"] != before["alt"] and c.label in after["alt"], (name, control)
            set_state(browser_page, name, {control: c.index})
    assert not browser_page.errors, browser_page.errors


def test_arrow_keys_move_a_focused_slider(browser_page, experiments):
    c = experiments["curves"].controls["lr"]
    root = player(browser_page, "curves")
    slider = root.locator('.optlib-input[name="lr"]')
    slider.focus()
    before = root.evaluate(PICTURE)
    browser_page.keyboard.press("ArrowRight")
    after = root.evaluate(PICTURE)
    assert int(slider.input_value()) == c.index + 1 and after["frame"] != before["frame"]
    assert root.locator("output.optlib-value").text_content() == c.labels[c.index + 1]
    browser_page.keyboard.press("ArrowLeft")
    assert root.evaluate(PICTURE)["src"] == before["src"]


def test_play_steps_through_the_animation(browser_page):
    root = player(browser_page, "animation")
    button = root.locator("button.optlib-play")
    start = root.get_attribute("data-frame")
    button.click()
    browser_page.wait_for_function(
        "([r, f]) => r.getAttribute('data-frame') !== f",
        arg=[root.element_handle(), start],
        timeout=3000,
    )
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert not browser_page.errors, browser_page.errors
