"""The renderer: one figure, drawn once and then updated, with its static part cached.

A figure function (``draw(fig=, **data) -> Drawing``) builds the figure at the first state.
Later states go through ``Drawing.update``; only the *dynamic* artists change, and they are
drawn over a cached background (Agg blitting), so a new state costs milliseconds. When
``update`` reports that the static part changed (new contours, new axis limits, a legend that
now says a run diverged), the background is drawn again and ``version`` counts up.

Static artists that matplotlib draws *above* the dynamic ones (a legend inside the axes, a
boundary line over a heat map, the spines over a curve) are the *foreground*: kept apart from
the background and drawn after the dynamic artists, so that every state looks exactly as
matplotlib draws it.
"""

from __future__ import annotations

import numpy as np

from optlib import viz
from optlib.interact import _vectors

__all__ = ["Renderer"]


class Renderer:
    """Draws the states of one figure: ``show(data)``, then ``rgba()``, ``overlay()``,
    ``vectors()``; ``background`` is the RGBA of the static part and ``version`` counts its
    redraws."""

    def __init__(self, draw, figsize=None):
        self.draw = draw
        self.fig = viz.figure(figsize)
        self.drawing = None
        self.background = None
        self.foreground = None  # RGBA of the static artists above the dynamic ones, or None
        self.version = 0
        self._saved = None
        self._above = []

    def show(self, data):
        """Draw the state whose figure data (``draw``'s keyword arguments) is ``data``."""
        if self.drawing is None:
            with viz.style():
                self.drawing = self.draw(fig=self.fig, **data)
            self._redraw_background(first=True)
        elif self.drawing.update(**data):
            self._redraw_background()

    @property
    def size(self):
        """(width, height) in pixels."""
        return self.fig.canvas.get_width_height()

    def dynamic(self):
        """The dynamic artists, in the order matplotlib draws them."""
        return sorted(self.drawing.artists, key=lambda a: a.get_zorder())

    def above(self):
        """The static artists matplotlib draws after some dynamic artist of the same axes."""
        dynamic = set(self.drawing.artists)
        lowest = {}
        for a in dynamic:
            if a.axes is not None:
                lowest[a.axes] = min(lowest.get(a.axes, np.inf), a.get_zorder())
        return [
            child
            for ax, z in lowest.items()
            for child in ax.get_children()
            if child not in dynamic and child is not ax.patch and child.get_zorder() > z
        ]

    def _redraw_background(self, first=False):
        """Draw everything but the dynamic artists and the foreground, and keep both."""
        canvas = self.fig.canvas
        for a in self._above:
            a.set_animated(False)
        self._above = self.above()
        for a in [*self.drawing.artists, *self._above]:
            a.set_animated(True)
        if first:
            self._layout()
        canvas.draw()
        if self._spills():  # a legend outgrew the room kept for it
            self._layout()
            canvas.draw()
        self._saved = canvas.copy_from_bbox(self.fig.bbox)
        self.background = np.array(canvas.buffer_rgba())
        self.foreground = self._alone(self._above) if self._above else None
        self.version += 1

    def _layout(self):
        """Lay out (constrained) with room for every legend label to say its run diverged,
        then freeze the layout: states stay aligned, and a redraw skips the layout."""
        texts = [t for ax in self.fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        labels = [t.get_text() for t in texts]
        for t, label in zip(texts, labels, strict=True):
            t.set_text(viz.longest_label(label))
        self.fig.set_layout_engine("constrained")
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")
        for t, label in zip(texts, labels, strict=True):
            t.set_text(label)

    def _spills(self):
        """True if a legend reaches past the right edge of the figure."""
        renderer = self.fig.canvas.get_renderer()
        legends = [ax.get_legend() for ax in self.fig.axes if ax.get_legend()]
        return any(lg.get_window_extent(renderer).x1 > self.fig.bbox.x1 for lg in legends)

    def rgba(self):
        """The current state as an RGBA array: background, dynamic artists, foreground."""
        canvas = self.fig.canvas
        canvas.restore_region(self._saved)
        for a in sorted([*self.drawing.artists, *self._above], key=lambda a: a.get_zorder()):
            self.fig.draw_artist(a)
        return np.asarray(canvas.buffer_rgba())

    def _alone(self, artists):
        """``artists`` alone, on a transparent canvas (RGBA)."""
        self.fig.canvas.get_renderer().clear()
        for a in sorted(artists, key=lambda a: a.get_zorder()):
            self.fig.draw_artist(a)
        return np.array(self.fig.canvas.buffer_rgba())

    def overlay(self):
        """The dynamic artists alone, on a transparent canvas (RGBA)."""
        return self._alone(self.drawing.artists)

    def vectors(self):
        """The dynamic artists as polylines and markers (:func:`_vectors.export`), or None if
        one of them cannot be drawn that way."""
        return _vectors.export(self.dynamic(), self.fig)
