"""What the figure functions share: the style wrapper, the axes to draw on, runs given as
Trajectories or arrays, legends whose labels say where a run diverged."""

from __future__ import annotations

import functools
import inspect

import numpy as np

from optlib.viz._drawing import figure
from optlib.viz._style import style


def _styled(draw):
    """Run a figure function inside the book's style, on a new figure unless given one; it
    also takes ``caption=`` and ``alt=`` for the Drawing it returns."""

    @functools.wraps(draw)
    def styled(*args, ax=None, fig=None, caption=None, alt=None, **kwargs):
        if ax is None and fig is None:
            fig = figure()
        with style():
            drawing = draw(*args, ax=ax, fig=fig, **kwargs)
        return drawing.describe(caption, alt=alt)

    sig = inspect.signature(draw)
    extra = [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None)
        for n in ("caption", "alt")
    ]
    styled.__signature__ = sig.replace(parameters=[*sig.parameters.values(), *extra])
    return styled


def _axes(ax, fig):
    """The axes to draw on: ``ax``, else a new one in ``fig``."""
    return (ax.figure, ax) if ax is not None else (fig, fig.subplots())


def _first_bad(a):
    """Index of the first row of ``a`` holding a non-finite value, or -1."""
    bad = ~np.isfinite(np.asarray(a, dtype=float).reshape(len(a), -1)).all(axis=1)
    return int(np.argmax(bad)) if bad.any() else -1


def params(run):
    """Iterates ``(T, d)`` and the step at which the run diverged (-1 if it did not)."""
    xs = np.asarray(getattr(run, "params", run), dtype=float)
    if xs.ndim != 2:
        raise ValueError(f"expected one trajectory of shape (steps + 1, d), got {xs.shape}")
    return xs, _diverged_at(run, xs)


def _diverged_at(run, a):
    if hasattr(run, "diverged_at"):
        return int(np.asarray(run.diverged_at)) if bool(np.asarray(run.diverged)) else -1
    return _first_bad(a)


def _label(label, k):
    return label if k < 0 else f"{label} (diverged at step {k})"


def longest_label(label):
    """``label`` as long as a run's legend entry can get (to reserve room in a layout)."""
    return _label(label.split(" (diverged at step")[0], 10000)


def _key(problem):
    """What identifies a problem's landscape, for redrawing contours only when it changes."""
    probe = np.array([[0.1, 0.2], [-0.3, 0.7], [1.1, -0.4]])
    with np.errstate(all="ignore"):
        return problem.name, problem.window, np.asarray(problem.value(probe)).tobytes()


def _legend(ax, handles, loc):
    """A legend, outside the axes on the right unless ``loc`` says otherwise."""
    if loc == "outside":
        return ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0
        )
    return ax.legend(handles=handles, loc=loc)


def _relabel(legend, labels):
    """Set the legend's first texts to ``labels``; True if any changed (a static redraw)."""
    texts = legend.get_texts()
    changed = [t.get_text() for t in texts[: len(labels)]] != labels
    for t, label in zip(texts, labels, strict=False):
        t.set_text(label)
    return changed
