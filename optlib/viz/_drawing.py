"""A figure and its text: :class:`Drawing` (what changes when data change, and how it shows in
a notebook and on the website), PNG output and the ``<figure>`` markup."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from optlib.viz._alt import plain, summary
from optlib.viz._style import RC, style


def png(rgba, colors=64):
    """PNG bytes of an RGBA image, quantised to ``colors`` colours (None: lossless RGB)."""
    im = Image.fromarray(np.asarray(rgba))
    buf = io.BytesIO()
    if colors is None:
        im.convert("RGB").save(buf, format="png", compress_level=1)
    else:
        im = im.quantize(colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        mode = im.palette.mode  # "RGBA" for an overlay with transparency
        palette = np.array(im.getpalette(rawmode=mode)).reshape(-1, len(mode))
        palette[(palette[:, :3] >= 248).all(axis=1), :3] = 255  # keep white exactly white
        im.putpalette(palette.astype(np.uint8).ravel().tolist(), rawmode=mode)
        im.save(buf, format="png", compress_level=6)
    return buf.getvalue()


def figure(figsize=None):
    """A new figure in the book's style, drawn by Agg and kept out of pyplot's state."""
    with style():
        fig = Figure(figsize=figsize or RC["figure.figsize"], layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_html(body, caption, width):
    """``<figure>`` around ``body`` (HTML), with ``caption`` (plain text) below it, if any,
    as wide as the picture (``width`` pixels). Left-aligned, like the book's code cells."""
    cap = (
        f'<figcaption style="text-align:left;margin:0.3em 0 0;max-width:{width}px">'
        f"{html.escape(caption)}</figcaption>"
        if caption
        else ""
    )
    style = "margin:0.5em 0 1em;text-align:left"
    return f'<figure class="optlib-figure" style="{style}">{body}{cap}</figure>'


def _unchanged(**_):
    return False


@dataclass
class Drawing:
    """A figure and what it takes to update it quickly, and to describe it.

    ``artists`` are the dynamic artists: everything else is static background.
    ``update(**data)`` sets new data on them and returns True if the background changed.
    ``caption`` is the visible caption, ``alt`` the image's text alternative (None: read off
    the figure by :func:`summary`). A figure assembled by hand needs only the figure:
    ``Drawing(fig, caption="...")`` (no dynamic artists; all its axes). As the last
    expression of a notebook cell it shows as a captioned figure (text/html) and a PNG.
    """

    fig: Any
    axes: Any = None
    artists: list = field(default_factory=list)
    update: Callable[..., bool] = _unchanged
    alt: str | None = field(default=None, kw_only=True)
    caption: str | None = field(default=None, kw_only=True)

    def __post_init__(self):
        if self.axes is None:
            self.axes = self.fig.axes

    def describe(self, caption=None, *, alt=None):
        """Set the visible ``caption`` and/or the text alternative ``alt``; returns self."""
        if caption is not None:
            self.caption = caption
        if alt is not None:
            self.alt = alt
        return self

    def alt_text(self):
        """The text alternative: ``alt`` if given, else :func:`summary` of the figure now."""
        return plain(self.alt) if self.alt and self.alt.strip() else summary(self.fig)

    def png(self, colors=64):
        """The figure as PNG bytes (quantised to ``colors`` colours, as on the website)."""
        self.fig.canvas.draw()
        return png(self.fig.canvas.buffer_rgba(), colors)

    def html(self, colors=64):
        """``<figure>`` with the PNG inline, its alt text and (if given) the caption."""
        return self._html(base64.b64encode(self.png(colors)).decode())

    def _html(self, b64):
        w, h = self.fig.canvas.get_width_height()
        caption = plain(self.caption) if self.caption and self.caption.strip() else None
        img = (
            f'<img src="data:image/png;base64,{b64}" width="{w}" height="{h}" '
            f'alt="{html.escape(self.alt_text())}" style="max-width:100%;height:auto">'
        )
        return figure_html(img, caption, w)

    def _repr_png_(self):
        return self.png()

    def _repr_mimebundle_(self, include=None, exclude=None):
        b64 = base64.b64encode(self.png()).decode()  # drawn once for both renderings
        return {"image/png": b64, "text/html": self._html(b64)}

    def __repr__(self):
        return f"<Drawing with {len(self.artists)} dynamic artists>"
