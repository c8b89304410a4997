"""An experiment: what the controls set, how a state is computed, and its two views."""

from __future__ import annotations

import time

import numpy as np

from optlib import viz
from optlib.interact._controls import as_control, describe_controls, first_state, steps
from optlib.interact._render import Renderer
from optlib.interact._static import StaticPage

__all__ = ["Experiment", "experiment", "animate", "BUDGET"]

BUDGET = 1_000_000  # bytes of static HTML per experiment


class Experiment:
    """``compute(**values) -> data``, ``draw(fig=, **data) -> Drawing``, and the controls.

    ``figsize`` (inches, at 100 dpi) sizes the figure; ``max_frames`` caps the number of
    states of the static page. ``caption`` says what the figure shows (shown under it,
    followed by what the controls set) and ``alt`` is the picture's text alternative; each may
    be left out (or come from the Drawing that ``draw`` returns), and is then read off the
    figure (:meth:`alt_text`). Captions are plain text; ``$...$`` in them becomes Unicode.

    ``batch(states)``, optional, computes every state of the website at once: it gets the list
    of states (dicts of control values, as ``compute`` would get them) and returns the list of
    what ``compute`` would return for each, in the same order (typically from one batched
    ``optlib.run`` over all settings). ``compute`` still serves the live view, where any value
    of a continuous control may be asked for.

    The public surface: ``move(name, value)`` sets one control and redraws (what the live view
    calls), ``show(**indices)`` draws a state of the static grid, ``states()`` lists those
    states, ``current`` holds the values shown, ``rgba()``/``png()`` give the picture,
    ``html()`` the static player, ``widget`` the live view, ``check()`` draws every static
    state and fails on any warning.
    """

    def __init__(
        self, compute, draw, controls, *, figsize=None, alt=None, caption=None, max_frames=1024,
        batch=None,
    ):  # fmt: skip
        self.compute, self.batch, self.alt, self.caption = compute, batch, alt, caption
        self.controls = {name: as_control(c) for name, c in controls.items()}
        for name, c in self.controls.items():
            c.label = c.label or name
        self.shape = tuple(len(c.values) for c in self.controls.values())
        if int(np.prod(self.shape)) > max_frames:
            raise ValueError(
                f"{' x '.join(map(str, self.shape))} = {int(np.prod(self.shape))} states exceed "
                f"max_frames={max_frames}: use fewer static values"
            )
        self.renderer = Renderer(draw, figsize)
        self.current = self.values()
        self.timings, self.stats, self.warnings = {}, {}, []
        self._text = self._html = self._live = None

    @property
    def fig(self):
        return self.renderer.fig

    @property
    def drawing(self):
        return self.renderer.drawing

    # --- states -----------------------------------------------------------------------------

    def values(self, **indices):
        """Control values by name at the default state, or at the given value indices."""
        return {name: c.values[indices.get(name, c.index)] for name, c in self.controls.items()}

    def states(self):
        """Every state of the static page, as dicts of control values (the last control
        varies fastest)."""
        names = list(self.controls)
        return [self.values(**dict(zip(names, i, strict=True))) for i in np.ndindex(*self.shape)]

    def show(self, data=None, **indices):
        """Draw the static state at these value indices (default: the default state);
        ``data``, if given, is what ``compute`` returns for it (from ``batch``)."""
        values = self.values(**indices)
        self.renderer.show(self.compute(**values) if data is None else data)
        self.current = values

    def move(self, name, value):
        """Set control ``name`` to ``value`` (any value in a continuous control's range, one of
        the values of a discrete one), keep the others, then compute and draw."""
        if self.drawing is None:
            self.show()
        values = {**self.current, name: self.controls[name].accept(value)}
        t0 = time.perf_counter()
        data = self.compute(**values)
        t1 = time.perf_counter()
        self.renderer.show(data)
        self.current = values
        self.timings["compute_s"], self.timings["draw_s"] = t1 - t0, time.perf_counter() - t1

    def rgba(self):
        """The current state as an RGBA array."""
        if self.drawing is None:
            self.show()
        return self.renderer.rgba()

    def png(self):
        """PNG bytes of the current state (for the live view)."""
        return viz.png(self.rgba())

    # --- what it shows, in words ------------------------------------------------------------

    def _describe(self):
        """(alt, caption) at the default state, worked out once."""
        if self._text is None:
            if self.drawing is None or self.current != self.values():
                self.show()
            given = [t for t in (self.alt, self.drawing.alt) if t and t.strip()]
            alt = viz.plain(given[0]) if given else f"{viz.summary(self.fig)} {self._first()}"
            told = [t for t in (self.caption, self.drawing.caption) if t and t.strip()]
            self._text = alt, (viz.plain(told[0]) if told else alt).rstrip(".")
        return self._text

    def alt_text(self):
        """The picture's text alternative: ``alt`` if given (here or on the Drawing), else
        :func:`optlib.viz.summary` of the figure at the default state."""
        return self._describe()[0]

    def caption_text(self, live=False):
        """The visible caption: ``caption`` (else the alt text), then :meth:`controls_text`."""
        return f"{self._describe()[1]}. {self.controls_text(live)}"

    def _first(self):
        """The default state in words: "At first learning rate η = 0.05 and momentum β = 0.5."."""
        return first_state(self.controls)

    def controls_text(self, live=False):
        """What the controls set, in a sentence (``live``: the ranges the Jupyter view offers)."""
        return describe_controls(self.controls, live)

    # --- the two views ----------------------------------------------------------------------

    def html(self):
        """The static player: every state precomputed, no kernel, no network (cached)."""
        if self._html is None:
            page = StaticPage(self)
            self._html, self.warnings, self.timings["static_s"] = page.build_quietly(BUDGET)
            self.stats = page.stats
        return self._html

    def check(self):
        """Raise unless every state of the static page (all combinations of the controls'
        static values, the extremes among them) was computed and drawn without a warning;
        return the number of states. Once the static page is built this costs nothing."""
        self.html()
        if self.warnings:
            raise AssertionError(f"{len(self.warnings)} warnings, the first: {self.warnings[0]}")
        return self.stats["frames"]

    @property
    def live(self):
        """The live view (:class:`optlib.interact._live.LiveView`; built on first use, works
        without a frontend)."""
        if self._live is None:
            from optlib.interact._live import LiveView

            self._live = LiveView(self)
        return self._live

    @property
    def widget(self):
        """The live ipywidgets view."""
        return self.live.widget

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/html"] = self.html()
        return bundle


def experiment(compute, draw, sliders, **kwargs):
    """Build an :class:`Experiment` from ``compute``, a figure function and ``sliders``.

    ``sliders`` maps each argument of ``compute`` to a :class:`Control`, a list of numbers
    (a slider), a list of strings or a dict (a dropdown).
    """
    return Experiment(compute, draw, sliders, **kwargs)


def animate(problem, runs, *, frames=40, interval=120, **kwargs):
    """An animation of ``runs`` (label -> Trajectory or iterates) on ``problem``'s contours:
    an experiment whose one control is the step, with play/pause, at most ``frames`` states."""
    paths = {label: viz.params(run)[0] for label, run in runs.items()}
    last = max(len(xs) for xs in paths.values()) - 1
    ts = np.unique(np.linspace(0, last, min(frames, last + 1)).round().astype(int))

    def compute(step):
        return {"problem": problem, "runs": {k: xs[: step + 1] for k, xs in paths.items()}}

    return Experiment(compute, viz.trajectories, {"step": steps(ts, interval=interval)}, **kwargs)
