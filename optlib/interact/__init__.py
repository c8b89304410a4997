"""Experiments: one figure, some controls, a live view for Jupyter and a static one for the website.

::

    exp = interact.experiment(compute, viz.trajectories, {
        "lr": interact.log_slider(1e-3, 1e-1, static=15, value=1e-2, label="learning rate η"),
        "problem": interact.dropdown({"Rosenbrock": rosenbrock(), "Beale": beale()}),
    }, batch=compute_all)
    exp          # as the last expression of a cell

``compute(**values)`` gets one value per control and returns a dict of keyword arguments
for ``draw`` (any :mod:`optlib.viz` figure function, or your own function that takes
``fig=`` and returns a :class:`optlib.viz.Drawing`). The figure is built once; later states
go through ``Drawing.update``, and only the dynamic artists are redrawn on a cached
background (Agg blitting), so a move costs milliseconds. ``batch(states)``, optional,
computes all the website's states in one call.

Controls: a continuous quantity is a :func:`float_slider` or :func:`log_slider`: any value of
its range in Jupyter, ``static`` values (at least 15 by default) on the website. Discrete
choices are :func:`slider` (a list of numbers), :func:`dropdown` (strings, or a dict label ->
value); :func:`steps` is an animation axis with a play button.

Displayed in a notebook, an experiment emits ONE output with two renderings
(``_repr_mimebundle_``):

- ``application/vnd.jupyter.widget-view+json``: the live ipywidgets view (controls and an
  ``ipywidgets.Image`` redrawn on every change), shown by Jupyter, Binder and Colab;
- ``text/html``: the same figure precomputed at every combination of the controls' static
  values, with a small self-contained player. The book shows this one, with
  ``nb_mime_priority_overrides: [["html", "text/html", 0]]``.

On the website a state is a background PNG (axes, contours, legends; shared by all states
that leave it unchanged) and an overlay: where the moving artists are lines and markers, the
overlay is numbers (their polylines in pixels, compressed; :mod:`optlib.interact._vectors`) that
the player draws on a canvas in matplotlib's colours, widths and dashes; otherwise (a heat map,
say) it is a transparent PNG cropped to the pixels it covers.

Every experiment says what it shows, for readers who cannot see it: ``caption=`` (visible
under the figure: what it shows) and ``alt=`` (the picture's text alternative) are optional.
Without them both are read off the figure at the default state (:func:`optlib.viz.summary`:
kind of plot, title, axes, legend), and the caption always ends with what the controls set
(their labels and values), so no experiment is ever without text.

The static player's markup, for tests and browser checks (stable names)::

    figure.optlib-figure
      div.optlib-player[data-frame=K][data-nframes=N][data-ready=1 once the script ran]
        div.optlib-stage
          img.optlib-bg[alt]          the background of the state shown
          img.optlib-frame[alt]       a PNG overlay (the default state's until the script runs);
                                      its alt names the state shown ("Drawn for lr = 0.01")
          canvas.optlib-canvas        the vector overlay (hidden while a PNG overlay shows)
        div.optlib-controls
          label.optlib-control[data-name=NAME]
            input.optlib-input[type=range][name=NAME][min=0][max=n-1][data-stride][data-labels]
            output.optlib-value                     the current value, as text
          label.optlib-control > select.optlib-input[name=NAME][data-stride] > option[value=i]
          button.optlib-play[data-target=NAME][data-interval=ms]   Play / Pause
        script.optlib-data[type=application/json]   {"size": [w, h], "q": 4,
                                                     "frames": [[bg, overlay], ...],
                                                     "backgrounds": [png, ...],
                                                     "overlays": [{"png": [png, x, y, w, h]}
                                                                  | {"o": offset, "l": [[style, n], ...]}],
                                                     "styles": [...], "markers": [...],
                                                     "points": zlib+base64 int32}
        script                                      the player (optlib/static/player.js)
      figcaption                                    the caption, then what the controls set

The frame shown is ``K = sum(i_c * stride_c)`` over the controls, ``i_c`` the index of the
control's value. Everything is inline: no CDN, no fonts, no network.

Layout: ``_controls`` (what a reader sets), ``_render`` (one figure, updated, blitted),
``_vectors`` (moving lines as numbers), ``_static`` (the website's player), ``_live`` (the
ipywidgets view), ``_experiment`` (:class:`Experiment`, which composes them).
"""

from __future__ import annotations

from optlib.interact._controls import (
    Control,
    dropdown,
    float_slider,
    log_slider,
    slider,
    steps,
)
from optlib.interact._experiment import BUDGET, Experiment, animate, experiment

__all__ = [
    "Control",
    "slider",
    "float_slider",
    "log_slider",
    "dropdown",
    "steps",
    "Experiment",
    "experiment",
    "animate",
    "BUDGET",
]
