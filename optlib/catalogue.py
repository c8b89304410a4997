r"""The book's optimizers as one table: which chapter teaches each, and which ``torch.optim``
class computes the same update.

The appendix "Every update rule side by side" is generated from this table and from optlib
itself: the update rule is the ``.. math::`` block of the class's docstring
(:func:`math_blocks`, with the paragraph that introduces it), the state comes from
``opt.init(x)`` and the hyperparameters from the constructor's signature
(:func:`hyperparameters`). Only the table is written by hand, and ``tests/test_catalogue.py``
checks it against ``optlib.__all__`` and ``torch.optim``.

A row is an optimizer *as the book names it*: SGD with momentum and with Nesterov's momentum
are rows of their own, made by one class with different ``options``.
"""

from __future__ import annotations

import inspect
import re
from typing import NamedTuple

import optlib

__all__ = ["Entry", "CATALOGUE", "TORCH_DEFAULTS_DIFFER", "TORCH_ONE_SIDED", "TORCH_NOTES",
           "TORCH_IMPLEMENTATION", "build", "hyperparameters", "math_blocks", "row"]  # fmt: skip


class Entry(NamedTuple):
    name: str  # the row's name on the page (its first word picks the book's colour)
    cls: str  # the optlib class
    options: dict  # constructor arguments that make the row (a string names an inner optimizer)
    chapter: str  # the label of the chapter (or section) that teaches it
    torch: str | None  # the torch.optim class with the same update (None: torch has none)


CATALOGUE = (
    Entry("SGD", "SGD", {}, "sgd", "SGD"),
    Entry("Momentum", "SGD", {"momentum": 0.9}, "momentum", "SGD"),
    Entry("Nesterov", "SGD", {"momentum": 0.9, "nesterov": True}, "momentum-nesterov", "SGD"),
    Entry("Adagrad", "Adagrad", {}, "adagrad", "Adagrad"),
    Entry("RMSprop", "RMSprop", {}, "rmsprop", "RMSprop"),
    Entry("Rprop", "Rprop", {}, "rmsprop-rprop", "Rprop"),
    Entry("Adadelta", "Adadelta", {}, "adadelta", "Adadelta"),
    Entry("Adam", "Adam", {}, "adam", "Adam"),
    Entry("AdamW", "AdamW", {}, "adamw", "AdamW"),
    Entry("Adamax", "Adamax", {}, "adamax", "Adamax"),
    Entry("NAdam", "NAdam", {}, "nadam", "NAdam"),
    Entry("AMSGrad", "AMSGrad", {}, "amsgrad", None),  # torch's Adam(amsgrad=True) corrects bias
    Entry("RAdam", "RAdam", {}, "beyond-adam", "RAdam"),
    Entry("Adafactor", "Adafactor", {}, "beyond-adam", "Adafactor"),
    Entry("Lion", "Lion", {}, "beyond-adam", None),
    Entry("LAMB", "LAMB", {}, "beyond-adam", None),
    Entry("LARS", "LARS", {}, "beyond-adam", None),
    Entry("Lookahead", "Lookahead", {"inner": "SGD"}, "beyond-adam", None),
    Entry("Newton", "Newton", {}, "newton", None),
    Entry("BFGS", "BFGS", {}, "newton-bfgs", None),
    Entry("L-BFGS", "LBFGS", {}, "newton-lbfgs", "LBFGS"),
    Entry("Diagonal Newton", "DiagonalNewton", {}, "newton-diagonal", None),
    Entry("Natural gradient", "NaturalGradient", {}, "beyond-adam", None),
    Entry("K-FAC", "KFAC", {}, "beyond-adam", None),
)

# Defaults that differ from torch's, for arguments of the same name: {class: {argument: torch's}}.
# (torch's L-BFGS keeps 100 pairs; optlib's keeps 10, enough for the book's small problems.)
TORCH_DEFAULTS_DIFFER = {"LBFGS": {"history_size": 100}}

# torch.optim's arguments that choose an implementation, not an update (every class has some)
TORCH_IMPLEMENTATION = {"params", "foreach", "fused", "capturable", "differentiable"}

# Arguments that only one side has, with what they mean: {class: {argument: text}}. The tests
# fail on any other argument that only optlib or only torch.optim has.
TORCH_ONE_SIDED = {
    "NAdam": {
        "momentum_schedule": "optlib only; `False` is torch's `momentum_decay=float('inf')`",
    },
    "Adafactor": {
        "shapes": "optlib only: how the one vector `x` is cut into torch's parameter tensors",
    },
    "LBFGS": {
        "max_iter": "torch only, default 20 iterations per `step()`; optlib takes one",
        "max_eval": "torch only (function evaluations per `step()`)",
        "tolerance_grad": "torch only (an early exit on a small gradient)",
        "tolerance_change": "torch only (an early exit on a small change)",
        "line_search_fn": "torch only, default `None` (no line search) or `'strong_wolfe'`",
        "line_search": "optlib only, default `True`: a backtracking search, which torch lacks",
        "first_step": "optlib only; `'torch'` scales the first step as torch does",
    },
}

# Where the torch class computes the same update only at some settings, or differs at one.
TORCH_NOTES = {
    "RMSprop": "The same update, except with `centered=True`: optlib clips $v_t - \\bar g_t^2$ at 0 "
    "and torch does not (it takes the root of a rounded negative number and returns NaN; "
    "{ref}`ledger-centered`).",
    "LBFGS": "The same iterates only for `LBFGS(lr, history_size=m, line_search=False)` against "
    "`torch.optim.LBFGS(lr=lr, history_size=m, max_iter=1)`; at their defaults the two compute "
    "different steps.",
}


def row(name):
    """The :class:`Entry` called ``name``."""
    for entry in CATALOGUE:
        if entry.name == name:
            return entry
    raise KeyError(f"no catalogue row {name!r}")


def build(entry, **overrides):
    """An instance of ``entry``'s class with its ``options`` (then ``overrides``); a string
    option names an optimizer class built with its defaults (Lookahead's ``inner``)."""
    kwargs = {**entry.options, **overrides}
    kwargs = {k: getattr(optlib, v)() if isinstance(v, str) else v for k, v in kwargs.items()}
    return getattr(optlib, entry.cls)(**kwargs)


def hyperparameters(cls):
    """``{argument: default}`` of ``cls``'s constructor, in order (``inspect.Parameter.empty``
    for an argument without a default)."""
    return {name: p.default for name, p in inspect.signature(cls).parameters.items()}


def _paragraphs(lines):
    """Consecutive non-blank lines, joined by spaces."""
    out, block = [], []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line.strip())
        elif block:
            out.append(" ".join(block))
            block = []
    return out


# a paragraph after a math block that starts one of these ends what the page shows of it
_STOP = ("Differences", "Reference", "* ", ".. math::")


def math_blocks(cls):
    """``[(lead_in, latex, after), ...]``: each ``.. math::`` block of ``cls``'s docstring
    (dedented, blank lines dropped), the paragraph just before it (empty where that paragraph is
    the docstring's summary line) and the paragraphs after it that define its symbols and
    options (up to the differences from other sources, the references or the next block's
    lead-in; joined by blank lines), reStructuredText as written."""
    lines = inspect.getdoc(cls).splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == ".. math::"]
    out = []
    for i, line in enumerate(lines):
        if line.strip() != ".. math::":
            continue
        indent, body = len(line) - len(line.lstrip()), []
        for nxt in lines[i + 1 :]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            body.append(nxt)
        body = [b for b in body if b.strip()]
        cut = min(len(b) - len(b.lstrip()) for b in body)
        before = _paragraphs(lines[:i])
        lead = before[-1] if len(before) > 1 else ""
        nxt = [j for j in starts if j > i]
        tail = _paragraphs(lines[i + 1 + _block_length(lines, i) : nxt[0] if nxt else len(lines)])
        if nxt:
            tail = tail[:-1]  # the next block's lead-in
        after = []
        for paragraph in tail:
            if paragraph.startswith(_STOP):
                break
            after.append(paragraph)
        out.append((lead, "\n".join(b[cut:].rstrip() for b in body), "\n\n".join(after)))
    return out


def _block_length(lines, i):
    """How many lines after line ``i`` (a ``.. math::``) belong to its block."""
    indent = len(lines[i]) - len(lines[i].lstrip())
    n = 0
    for nxt in lines[i + 1 :]:
        if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
            break
        n += 1
    return n


def rst_to_myst(text):
    """Inline reStructuredText of a docstring as MyST Markdown: ``:math:`x``` becomes ``$x$``,
    double backquotes single ones, and ``:class:``/``:func:`` references code."""
    text = re.sub(r":math:`([^`]*)`", r"$\1$", text)
    text = re.sub(r":(?:class|func|meth|mod|attr):`~?([^`]*)`", r"`\1`", text)
    return re.sub(r"``([^`]*)``", r"`\1`", text)
