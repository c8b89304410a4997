"""optlib.interact: experiments with a live widget and a static HTML player, headless."""

import base64
import io
import json
import re
import warnings
import zlib
from html.parser import HTMLParser

import numpy as np
import pytest
from bs4 import BeautifulSoup
from harness import HeavyBall as GD  # the stand-in optimizer: gradient descent here
from PIL import Image

from optlib import interact, viz
from optlib.interact._vectors import from_varints, varints
from optlib.problems import beale, quadratic, saddle
from optlib.runner import run

PROBLEMS = {"quadratic": quadratic(kappa=10), "saddle": saddle()}


def paths(problem, lr):
    return {
        "problem": problem,
        "runs": {
            "SGD": run(GD(lr), problem, problem.x0, 30),
            "SGD/2": run(GD(lr / 2), problem, problem.x0, 30),
        },
    }


def make(**kwargs):
    sliders = {
        "problem": interact.dropdown(PROBLEMS),
        "lr": interact.log_slider(0.01, 0.4, 3),
    }
    return interact.experiment(paths, viz.trajectories, sliders, **kwargs)


class Markup(HTMLParser):
    """Every start tag as (tag, attrs), and the text of each script."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.scripts, self._script = [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def find(self, tag, cls):
        return [a for t, a in self.tags if t == tag and cls in a.get("class", "").split()]


def decode(b64):
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGBA"), dtype=float)


def first_background(e):
    """The default state's background: the static page's img.optlib-bg."""
    (bg,) = Markup(e.html()).find("img", "optlib-bg")
    return bg["src"].split(",", 1)[1]


def composite(e, data, b, o):
    """The picture the player shows for background b and a PNG overlay o (its box placed),
    with the foreground of b (static artists above the moving ones) on top."""
    out = decode(data["backgrounds"][b] or first_background(e))[..., :3]
    layers = [data["overlays"][o]["png"]]
    layers += [data["foregrounds"][b]] if data["foregrounds"][b] else []
    for png, x, y, w, h in layers:
        ov = decode(png)
        assert ov.shape[:2] == (h, w)
        alpha = ov[..., 3:] / 255
        out[y : y + h, x : x + w] = out[y : y + h, x : x + w] * (1 - alpha) + ov[..., :3] * alpha
    return out


def polylines(data, o):
    """A vector overlay decoded as the player decodes it: [(style dict, (n, 2) pixels)]."""
    points = from_varints(zlib.decompress(base64.b64decode(data["points"])))
    overlay, out = data["overlays"][o], []
    p = overlay["o"]
    for style, n in overlay["l"]:
        deltas = points[p : p + 2 * n].reshape(n, 2)
        out.append((data["styles"][style], np.cumsum(deltas, axis=0) / data["q"]))
        p += 2 * n
    return out


def player_data(e):
    m = Markup(e.html())
    return m, json.loads(next(s for a, s in m.scripts if a.get("class") == "optlib-data"))


@pytest.fixture(scope="module")
def exp():
    e = make(alt="two runs")
    e.html()
    return e


def test_controls_from_plain_lists_and_constructors():
    c = interact.log_slider(1e-3, 1e-1, 5)
    assert np.allclose(c.values, [1e-3, 3.16e-3, 1e-2, 3.16e-2, 1e-1])
    assert c.index == 2 and c.labels[0] == "0.001"
    assert interact.slider([0, 0.5, 0.9], value=0.9).index == 2
    assert interact.dropdown({"a": 1, "b": 2}, value="b").values == [1, 2]
    assert interact.steps(range(0, 50, 10)).index == 4  # an animation starts at its end
    with pytest.raises(ValueError, match="not one of the values"):
        interact.slider([1, 2], value=3)
    e = interact.experiment(lambda a, b: {}, viz.losses, {"a": [1, 2], "b": ["x", "y"]})
    assert e.controls["a"].kind == "slider" and e.controls["b"].kind == "dropdown"


def test_too_many_states_are_refused():
    with pytest.raises(ValueError, match="max_frames"):
        interact.experiment(paths, viz.trajectories, {"a": range(40), "b": range(40)})


def test_mimebundle_carries_the_widget_and_the_static_html(exp):
    bundle = exp._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == exp.widget.model_id
    assert bundle["text/html"].startswith('<figure class="optlib-figure"')
    assert "text/plain" in bundle


def test_static_html_holds_every_state_and_working_controls(exp):
    page = exp.html()
    m = Markup(page)
    (root,) = m.find("div", "optlib-player")
    assert int(root["data-nframes"]) == 2 * 3 == exp.stats["frames"]
    inputs = m.find("input", "optlib-input") + m.find("select", "optlib-input")
    assert [(a["name"], a["data-stride"]) for a in inputs] == [("lr", "1"), ("problem", "3")]
    (lr,) = m.find("input", "optlib-input")
    assert lr["type"] == "range" and (lr["min"], lr["max"], lr["value"]) == ("0", "2", "1")
    assert json.loads(lr["data-labels"]) == exp.controls["lr"].labels
    options = [a for t, a in m.tags if t == "option"]
    assert [o["value"] for o in options] == ["0", "1"] and "selected" in options[0]
    assert len(m.find("output", "optlib-value")) == 1
    data = json.loads(next(s for a, s in m.scripts if a.get("class") == "optlib-data"))
    assert len(data["frames"]) == 6
    assert {f[0] for f in data["frames"]} == set(range(len(data["backgrounds"])))
    assert {f[1] for f in data["frames"]} == set(range(len(data["overlays"])))
    default = data["frames"][int(root["data-frame"])]
    assert root["data-frame"] == "1"  # problem 0 (stride 3), lr 1 (stride 1)
    (bg,) = m.find("img", "optlib-bg")
    (fg,) = m.find("img", "optlib-frame")
    # the default background is in the page once, as the img's source
    assert data["backgrounds"][default[0]] == "" and bg["src"].startswith("data:image/png;base64,")
    assert all(data["backgrounds"][i] for i in range(len(data["backgrounds"])) if i != default[0])
    assert data["overlays"][default[1]]["l"]  # paths: lines drawn from numbers
    assert exp.stats["vector_overlays"] == len(data["overlays"]) and exp.stats["png_overlays"] == 0
    # before the script runs: the default state's overlay as a cropped PNG, in its place
    assert re.fullmatch(r"left:[\d.]+%;top:[\d.]+%;width:[\d.]+%", fg["style"])
    assert decode(fg["src"].split(",")[1])[..., 3].any()
    (canvas,) = m.find("canvas", "optlib-canvas")
    assert (canvas["width"], canvas["height"]) == ("600", "380")
    assert data["size"] == [600, 380]
    assert bg["alt"] == "two runs"
    player = [s for a, s in m.scripts if not a]
    assert len(player) == 1 and "optlib-player" in player[0] and "addEventListener" in player[0]
    code = re.sub(r"[A-Za-z0-9+/=]{200,}", "", page)  # without the base64 images
    assert not re.search(r"https?:|//[a-z]|require\(|@import|url\(", code)
    assert len(page) < interact.BUDGET


def test_each_static_frame_is_the_state_it_claims(exp):
    # the player shows frame sum(index * stride): its background must be that state's, and
    # its polylines those of matplotlib's lines at that state, within a quarter pixel
    _, data = player_data(exp)
    for k, (b, o) in enumerate(data["frames"]):
        state = {"problem": k // 3, "lr": k % 3}
        exp.show(**state)
        live = np.asarray(exp.rgba(), dtype=float)
        background = decode(data["backgrounds"][b] or first_background(exp))[..., :3]
        drawn = live[..., 3] > 0
        moving = exp.renderer.overlay()[..., 3] > 0
        still = drawn & ~moving  # pixels no moving artist covers: the background shows
        assert np.abs(background[still] - live[still][:, :3]).mean() < 2.0, state
        lines = [a for a in exp.renderer.dynamic() if a.get_visible()]
        height = exp.fig.bbox.height
        want = []
        for a in lines:
            xy = a.get_transform().transform(np.asarray(a.get_xydata(), dtype=float))
            xy = xy[np.isfinite(xy).all(axis=1)]
            if len(xy):
                want.append(np.column_stack([xy[:, 0], height - xy[:, 1]]))
        got = polylines(data, o)
        assert len(got) == len(want), state
        for (_, pts), ref in zip(got, want, strict=True):
            # every stored vertex lies on the path, and the path's ends are kept
            d = np.abs(pts[:, None, :] - ref[None]).max(axis=-1).min(axis=1)
            assert d.max() <= 0.125 + 1e-9, state
            assert (
                np.abs(pts[0] - ref[0]).max() <= 0.125 and np.abs(pts[-1] - ref[-1]).max() <= 0.125
            )
    exp.show()


def test_a_heat_map_keeps_png_overlays_and_they_compose_to_the_state():
    grid = {lr: {"result": None} for lr in (0.1, 0.2, 0.3)}
    p = quadratic(kappa=10)
    for lr in grid:
        grid[lr]["result"] = viz.sweep(
            lambda lr, momentum: __import__("optlib").SGD(lr=lr, momentum=momentum),
            p,
            30,
            lr=np.geomspace(0.01, 0.3, 5) * lr * 5,
            momentum=np.linspace(0, 0.9, 4),
        )
    e = interact.experiment(lambda lr: grid[lr], viz.rate_map, {"lr": list(grid)})
    _, data = player_data(e)
    assert e.stats["png_overlays"] == 3 and e.stats["vector_overlays"] == 0
    for k, (b, o) in enumerate(data["frames"]):
        e.show(lr=k)
        live = np.asarray(e.rgba(), dtype=float)[..., :3]
        assert np.abs(composite(e, data, b, o) - live).mean() < 2.0


def test_check_covers_every_state_and_reports_warnings_once():
    e = make()
    assert e.check() == 6 and e.warnings == []  # every state, the extremes among them

    def noisy(lr):
        warnings.warn("boom", RuntimeWarning, stacklevel=1)
        return {"runs": {"a": [1.0, lr]}}

    n = interact.experiment(noisy, viz.losses, {"lr": [0.1, 0.5, 1.0]})
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        n.html()
    assert len(shown) == 1 and "warnings while precomputing" in str(shown[0].message)  # no flood
    with pytest.raises(AssertionError, match="boom"):
        n.check()


def test_divergence_at_the_extreme_is_shown_not_raised():
    e = make()
    e.show(problem=0, lr=2)  # lr = 0.4 > 2 / L on the quadratic
    texts = [t.get_text() for t in e.drawing.axes.get_legend().get_texts()]
    assert "diverged at step" in texts[0]


def test_live_view_redraws_on_a_slider_move_and_reports_errors():
    e = make()
    w = e.widget  # builds headless
    live = e.live
    assert (live.image.width, live.image.height) == ("600", "380")  # shown at its pixel size
    before = live.image.value
    live.inputs["lr"].value = 0.01
    assert live.image.value != before and live.error.value == ""
    assert live.redraw_s > 0 and e.current["lr"] == 0.01

    def broken(x):
        raise RuntimeError("no such thing")

    b = interact.experiment(
        lambda x: {"runs": {"a": [1.0, 0.5]}} if x == 1 else broken(x), viz.losses, {"x": [1, 2]}
    )
    b.controls["x"].index = 0
    assert b.widget is not None
    b.live.inputs["x"].value = 1
    assert "no such thing" in b.live.error.value
    assert w.children[1] is live.image


def test_animation_plays_the_steps_of_a_run():
    p = beale()
    movie = interact.animate(p, {"SGD": run(GD(1e-3), p, p.x0, 100)}, frames=20, interval=80)
    m = Markup(movie.html())
    (root,) = m.find("div", "optlib-player")
    assert root["data-nframes"] == "20" and root["data-frame"] == "19"
    (button,) = m.find("button", "optlib-play")
    assert button["data-target"] == "step" and button["data-interval"] == "80"
    steps = json.loads(m.find("input", "optlib-input")[0]["data-labels"])
    assert steps[0] == "0" and steps[-1] == "100" and len(steps) == 20
    movie.show(step=0)
    assert len(movie.drawing.artists[0].get_xdata()) == 1  # the path so far: the start only


def test_oversized_static_html_warns(monkeypatch):
    monkeypatch.setattr(interact._experiment, "BUDGET", 1000)
    with pytest.warns(UserWarning, match="budget"):
        make().html()


# --- text alternatives ---------------------------------------------------------------------


def described(e):
    """The static page's <figure>: its images (by class) and the caption's text."""
    doc = BeautifulSoup(e.html(), "html.parser")
    (fig,) = doc.find_all("figure")
    assert fig.find("div", class_="optlib-player") is not None
    images = {img["class"][0]: img for img in fig.find_all("img")}
    assert set(images) == {"optlib-bg", "optlib-frame", "optlib-fg"}
    assert images.pop("optlib-fg")["alt"] == ""  # the static artists above the lines: decorative
    for img in images.values():  # a text alternative, not a file name or nothing
        assert img["alt"].strip() and not img["alt"].startswith("data:")
    return images, fig.figcaption.get_text()


def test_the_static_player_is_a_figure_with_alt_text_and_a_caption(exp):
    images, caption = described(exp)
    assert images["optlib-bg"]["alt"] == "two runs" == exp.alt_text()
    # the overlay names the state it shows (player.js rewrites it as the controls move)
    assert images["optlib-frame"]["alt"] == "Drawn for problem = quadratic, lr = 0.0632"
    # what it shows, then what the controls set
    assert caption == (
        "two runs. The controls set problem (quadratic or saddle) and lr (0.01, 0.0632 or 0.4)."
    )
    assert caption == exp.caption_text()


def test_an_experiment_without_a_description_reads_one_off_its_figure():
    for e in (make(), make(alt=""), make(alt="  ")):  # blank is no description
        images, caption = described(e)
        alt = images["optlib-bg"]["alt"]
        assert alt.startswith("Contour plot of quadratic, x₂ against x₁; legend: SGD, SGD/2")
        assert alt.endswith("At first problem = quadratic and lr = 0.0632.")
        assert caption.startswith(alt) and caption.endswith("lr (0.01, 0.0632 or 0.4).")


def test_a_caption_comes_from_the_experiment_or_from_its_drawing():
    e = make(caption=r"Two step sizes, $\eta$ and $\eta / 2$")
    images, caption = described(e)
    assert caption.startswith("Two step sizes, η and η / 2. The controls set problem")
    assert images["optlib-bg"]["alt"].startswith("Contour plot of quadratic")  # the picture

    def draw(fig, **data):
        return viz.trajectories(**data, fig=fig, caption="From the drawing", alt="Paths")

    sizes = interact.dropdown({"small": 0.01, "medium": 0.05, "large": 0.4}, label="lr")
    e = interact.experiment(lambda lr: paths(PROBLEMS["quadratic"], lr), draw, {"lr": sizes})
    images, caption = described(e)
    assert images["optlib-bg"]["alt"] == "Paths"
    assert caption == "From the drawing. The control sets lr (small, medium or large)."


def test_controls_text_names_each_control_its_values_and_play():
    e = interact.experiment(
        lambda a, b, step: {"runs": {"a": [1.0, a]}},
        viz.losses,
        {
            "a": interact.slider([0.1, 0.2, 0.3, 0.4, 0.5], label="rate ρ"),
            "b": interact.dropdown(["x", "y", "z", "u"]),
            "step": interact.steps([0, 5, 10]),
        },
    )
    assert e.controls_text() == (
        "The controls set rate ρ (5 values from 0.1 to 0.5), b (x, y, z or u) and "
        "step (0, 5 or 10); Play steps through step."
    )


def test_the_live_view_carries_the_caption_too():
    e = make(alt="two runs")
    (caption,) = [
        c for c in e.widget.children if getattr(c, "value", None) and "two runs" in c.value
    ]
    assert e.caption_text(live=True) in caption.value and e.widget.children[1] is e.live.image


def test_values_with_commas_are_kept_apart_in_the_caption():
    views = interact.dropdown(["measured, T = 10", "measured, T = 100", "derived"], label="rate")
    e = interact.experiment(lambda view: {"runs": {"a": [1.0, 0.5]}}, viz.losses, {"view": views})
    assert e.controls_text() == (
        "The control sets rate (measured, T = 10; measured, T = 100 or derived)."
    )


# --- continuous controls, off-grid values, batches ------------------------------------------


def test_continuous_controls_sample_the_range_for_the_website_and_keep_their_default():
    c = interact.log_slider(1e-3, 1e-1, static=15, value=0.05, label="η")
    assert c.live == (1e-3, 1e-1, "log") and len(c.values) == 15  # the default replaced one
    assert c.values[0] == 1e-3 and c.values[-1] == 1e-1 and c.default == 0.05
    assert np.all(np.diff(np.log(c.values)) > 0)
    f = interact.float_slider(0.0, 0.99, static=15, value=0.9, label="β")
    assert len(f.values) == 15 and f.default == 0.9 and f.values[-1] == 0.99 and f.values[0] == 0
    chosen = interact.float_slider(0.0, 1.0, values=[0.0, 0.5, 1.0], value=0.5)
    assert chosen.values == [0.0, 0.5, 1.0] and chosen.live == (0.0, 1.0, "linear")
    assert c.accept(0.0123) == 0.0123  # any value of the range, not snapped to the grid
    for bad in (0.5, 1e-4, "x"):
        with pytest.raises(ValueError, match="η must be in"):
            c.accept(bad)
    with pytest.raises(ValueError, match="must lie in"):
        interact.float_slider(0.0, 1.0, values=[0.5, 2.0])
    with pytest.raises(ValueError, match="low < high"):
        interact.log_slider(0.0, 1.0)
    s = interact.slider([1, 2, 3], value=2)
    assert s.live is None and s.accept(3) == 3
    with pytest.raises(ValueError, match="one of"):
        s.accept(2.5)


def test_move_computes_a_value_off_the_static_grid():
    seen = []

    def compute(lr):
        seen.append(lr)
        return paths(PROBLEMS["quadratic"], lr)

    e = interact.experiment(
        compute, viz.trajectories, {"lr": interact.log_slider(0.01, 0.4, static=15)}
    )
    assert 0.05 not in e.controls["lr"].values
    e.move("lr", 0.05)
    assert seen[-1] == 0.05 and e.current == {"lr": 0.05}
    path = e.drawing.artists[0].get_xydata()
    assert np.allclose(
        path, run(GD(0.05), PROBLEMS["quadratic"], PROBLEMS["quadratic"].x0, 30).params
    )
    import ipywidgets

    assert isinstance(e.live.inputs["lr"], ipywidgets.FloatLogSlider)
    e.live.inputs["lr"].value = 0.0731
    assert seen[-1] == pytest.approx(0.0731) and e.timings["compute_s"] >= 0


def test_batch_computes_every_static_state_in_one_call_and_agrees_with_compute():
    calls = []

    def batch(states):
        calls.append(len(states))
        return [paths(PROBLEMS[s["problem"]] if isinstance(s["problem"], str) else s["problem"],
                      s["lr"]) for s in states]  # fmt: skip

    a = make(batch=batch)
    b = make()
    assert a.html() == b.html()  # the same page, one call
    assert calls == [6] and len(a.states()) == 6
    assert a.states()[0] == {"problem": PROBLEMS["quadratic"], "lr": 0.01}


def test_varints_round_trip_and_are_short_for_small_numbers():
    rng = np.random.default_rng(0)
    a = np.concatenate(
        [rng.integers(-64, 64, 1000), [0, -1, 63, -64, 64, -65, 2**31 - 1, -(2**31)]]
    )
    raw = varints(a)
    assert np.array_equal(from_varints(raw), a)
    assert len(varints(rng.integers(-64, 64, 1000))) == 1000  # one byte each
    assert len(varints([64])) == len(varints([-65])) == 2 and varints([]) == b""
