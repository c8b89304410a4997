"""The renderer: one figure, drawn once and then updated, with its static part cached.

A figure function (``draw(fig=, **data) -> Drawing``) builds the figure at the first state.
Later states go through ``Drawing.update``; only the *dynamic* artists change, and they are
drawn over a cached background (Agg blitting), so a new state costs milliseconds. When
``update`` reports that the static part changed (new contours, new axis limits, a legend that
now says a run diverged), the background is drawn again and ``version`` counts up.
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
        self.version = 0
        self._saved = None

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

    def _redraw_background(self, first=False):
        """Draw everything but the dynamic artists, and keep it."""
        canvas = self.fig.canvas
        for a in self.drawing.artists:
            a.set_animated(True)
        if first:
            self._layout()
        canvas.draw()
        if self._spills():  # a legend outgrew the room kept for it
            self._layout()
            canvas.draw()
        self._saved = canvas.copy_from_bbox(self.fig.bbox)
        self.background = np.array(canvas.buffer_rgba())
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
        """The current state as an RGBA array: background plus dynamic artists."""
        canvas = self.fig.canvas
        canvas.restore_region(self._saved)
        for a in self.dynamic():
            self.fig.draw_artist(a)
        return np.asarray(canvas.buffer_rgba())

    def overlay(self):
        """The dynamic artists alone, on a transparent canvas (RGBA)."""
        self.fig.canvas.get_renderer().clear()
        for a in self.dynamic():
            self.fig.draw_artist(a)
        return np.array(self.fig.canvas.buffer_rgba())

    def vectors(self):
        """The dynamic artists as polylines and markers (:func:`_vectors.export`), or None if
        one of them cannot be drawn that way."""
        return _vectors.export(self.dynamic(), self.fig)
