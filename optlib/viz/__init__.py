"""The book's figures: one style, one colour per optimizer, and figures built for fast updates.

Every figure function draws into ``ax=`` (or a new axes of ``fig=``, or a new pyplot figure)
and returns a :class:`Drawing`: the figure, its axes, the *dynamic* artists (the ones that
change when the data change) and ``update(**data)``, which moves those artists with
``set_data``/``set_array`` instead of drawing again. ``update`` takes the same keyword
arguments as the figure function and returns True when the static part of the figure (the
contours, the axis limits) had to change too; :mod:`optlib.interact` uses that to redraw only
what moved. Options that shape the static figure (``levels``, ``ylim``, ...) are fixed when it
is built.

- :func:`trajectories`: contours of a 2-D problem with the paths of several optimizers.
- :func:`losses`: loss gap (or distance to the minimiser) against step, on a log scale.
- :func:`rate_map`: the heat map of a hyperparameter grid run as ONE batch by :func:`sweep`.
- :func:`inspector`: the named parts of each step of a stateful optimizer, from :func:`record`.
- :func:`panels`: several of these side by side in one figure (one experiment, two views).

``sweep``, ``Sweep`` and ``record`` compute (they live in :mod:`optlib.runner`, next to
``run``) and are re-exported here for the figures that draw them.

Runs are given as a dict ``label -> Trajectory`` (or an array of iterates / losses). The
label's first word picks the optimizer's colour (:func:`color_of`), so Adam has one colour
throughout the book.

Every figure has a text alternative. As the last expression of a cell a Drawing shows as
``<figure><img alt=...><figcaption>...</figcaption></figure>`` (text/html, the website's
rendering) and as a PNG (image/png). Every figure function takes ``caption=`` (a visible
caption: what the figure shows) and ``alt=`` (the image's text alternative); without
``alt`` one is read off the figure by :func:`summary` (kind of plot, title, axes, legend),
so no figure is ever without text. A figure assembled by hand displays the same way:
``viz.Drawing(fig, caption="...")``, and ``drawing.describe(caption=...)`` sets either
afterwards. Captions are plain text; ``$...$`` in them becomes Unicode (``$\\eta$``: η).

One private module per job, all names public here: ``_style`` (palette, colours, matplotlib
style), ``_drawing`` (:class:`Drawing`, PNG and ``<figure>`` output), ``_alt`` (text
alternatives), ``_common`` (what the figure functions share), ``_paths``, ``_curves``, ``_maps``
and ``_inspector`` (one figure kind each), ``_panels`` (figure functions side by side).
"""

from __future__ import annotations

from optlib.runner import Sweep, record, sweep  # computations, re-exported: figures draw them
from optlib.viz._alt import plain, summary
from optlib.viz._common import longest_label, params
from optlib.viz._curves import losses
from optlib.viz._drawing import Drawing, figure, figure_html, png
from optlib.viz._inspector import inspector
from optlib.viz._maps import rate_map
from optlib.viz._panels import panels
from optlib.viz._paths import trajectories
from optlib.viz._style import COLORS, OKABE_ITO, RC, color_of, style, styles, use_style

__all__ = [
    "OKABE_ITO",
    "COLORS",
    "RC",
    "Drawing",
    "figure_html",
    "longest_label",
    "params",
    "summary",
    "plain",
    "figure",
    "png",
    "color_of",
    "styles",
    "style",
    "use_style",
    "trajectories",
    "losses",
    "Sweep",
    "sweep",
    "rate_map",
    "panels",
    "record",
    "inspector",
]
