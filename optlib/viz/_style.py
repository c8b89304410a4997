"""The book's look: one palette safe for colour-blind readers, one colour per optimizer, one
matplotlib style."""

from __future__ import annotations

import re

import matplotlib as mpl

# Okabe & Ito (2008), a palette that stays distinct under the common colour-vision deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
_C = OKABE_ITO
# One (colour, line style) per optimizer, for the whole book. Families share a colour.
COLORS = {
    "sgd": (_C["black"], "-"),
    "gd": (_C["black"], "-"),
    "momentum": (_C["blue"], "-"),
    "nesterov": (_C["sky blue"], "-"),
    "adagrad": (_C["bluish green"], "-"),
    "adadelta": (_C["bluish green"], "--"),
    "rmsprop": (_C["reddish purple"], "-"),
    "rprop": (_C["reddish purple"], "--"),
    "adam": (_C["vermillion"], "-"),
    "adamw": (_C["vermillion"], "--"),
    "amsgrad": (_C["vermillion"], ":"),
    "nadam": (_C["orange"], "-."),  # dash-dot: its orange is near Adam's vermillion
    "adamax": (_C["orange"], "--"),
    "newton": (_C["black"], "--"),
    "bfgs": (_C["blue"], "--"),
    "lbfgs": (_C["sky blue"], "--"),
}
_GREYS = mpl.colors.LinearSegmentedColormap.from_list("optlib_greys", ["0.82", "0.4"])
_SPARE = [_C[k] for k in ("blue", "vermillion", "bluish green", "orange", "reddish purple")]
_DASHES = ["-", "--", ":", "-."]

RC = {
    "figure.figsize": (6.0, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titley": 1.0,  # a fixed title position: placing it automatically is slow
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.framealpha": 0.85,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=[_C[k] for k in _C if k != "yellow"]),
    "image.cmap": "viridis",
    "lines.linewidth": 1.5,
    "lines.markersize": 5,
}


def style():
    """A context manager that applies the book's matplotlib style (``RC``) inside it."""
    return mpl.rc_context(RC)


def use_style():
    """Apply the book's style to every later figure of this session."""
    mpl.rcParams.update(RC)


def color_of(label):
    """``(colour, line style)`` of an optimizer named by the first word of ``label``, or None.

    >>> color_of("Adam (lr=0.1)") == COLORS["adam"]
    True
    """
    word = re.sub(r"[^a-z0-9]", "", label.split()[0].lower()) if label.strip() else ""
    return COLORS.get(word)


def styles(labels):
    """A ``dict(color=, linestyle=)`` per label: the optimizer's own colour where known.

    Each optimizer keeps its own colour and line style (RMSprop solid, Rprop dashed, in any
    order). Two labels with the same look (Adam with two learning rates) get different dashes;
    unknown labels take spare colours in order.
    """
    out, used, spare = {}, set(), iter(_SPARE * 4)
    for label in labels:
        known = color_of(label)
        color, ls = known if known else (next(spare), "-")
        if (color, ls) in used:  # the same look twice in one figure: another dash pattern
            ls = next((d for d in _DASHES if (color, d) not in used), ls)
        used.add((color, ls))
        out[label] = {"color": color, "linestyle": ls}
    return out
