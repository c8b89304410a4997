"""Text alternatives: a figure described in words, read off the figure itself, and
matplotlib's mathtext turned into plain Unicode."""

from __future__ import annotations

import re

from matplotlib.collections import QuadMesh
from matplotlib.contour import ContourSet

_SYMBOLS = {
    **dict(
        zip(
            r"alpha beta gamma delta epsilon varepsilon zeta eta theta kappa lambda mu nu xi pi "
            r"rho sigma tau phi varphi chi psi omega Gamma Delta Theta Lambda Sigma Phi Psi "
            r"Omega".split(),
            "αβγδεεζηθκλμνξπρστφφχψωΓΔΘΛΣΦΨΩ",
            strict=True,
        )
    ),
    "star": "*",
    "ast": "*",
    "infty": "∞",
    "nabla": "∇",
    "partial": "∂",
    "cdot": "·",
    "times": "×",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "approx": "≈",
    "to": "→",
    "top": "ᵀ",
    "|": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "prime": "′",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "left": "",
    "right": "",
    "quad": " ",
}
_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUP = dict(zip("0123456789+-=()iknTt", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱᵏⁿᵀᵗ", strict=True))


def _script(text, table, mark):
    """``text`` in sub- or superscript letters if each has one, else ``mark + text``."""
    if text in ("*", "′"):
        return text
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return mark + (text if len(text) == 1 else f"({text})")


def _group(text):
    """``text``, in parentheses unless it is one symbol or number."""
    return text if re.fullmatch(r"\\?\w+", text.strip()) else f"({text})"


def _tex(math):
    """Plain Unicode text for a piece of mathtext (the contents of ``$...$``)."""
    s = re.sub(r"\\(?:mathrm|mathbf|mathit|text|operatorname)\{([^{}]*)\}", r"\1", math)
    s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: f"{_group(m[1])}/{_group(m[2])}", s)
    s = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", s)
    s = re.sub(r"\\(?:hat|widehat)\{?\s*([A-Za-z])\}?", "\\1\u0302", s)
    s = re.sub(r"\\(?:bar|overline)\{?\s*([A-Za-z])\}?", "\\1\u0304", s)
    s = re.sub(r"\\(?:tilde|widetilde)\{?\s*([A-Za-z])\}?", "\\1\u0303", s)
    s = re.sub(r"\\([A-Za-z]+|\|)", lambda m: _SYMBOLS.get(m[1], m[1]), s)
    s = re.sub(r"\\[,;:! ]", " ", s)
    for mark, table in (("_", _SUB), ("^", _SUP)):
        s = re.sub(
            re.escape(mark) + r"(?:\{([^{}]*)\}|(\S))",
            lambda m, t=table, k=mark: _script(m[1] if m[1] is not None else m[2], t, k),
            s,
        )
    s = s.replace("{", "").replace("}", "").replace(" - ", " − ")
    return re.sub(r"\s+", " ", s).strip()


def plain(text):
    """``text`` with each ``$...$`` (matplotlib's mathtext) turned into plain Unicode.

    >>> plain(r"$f(x_t) - f^\\star$ against step $t$")
    'f(xₜ) − f* against step t'
    """
    return re.sub(r"\$([^$]*)\$", lambda m: _tex(m[1]), text or "").strip()


def _join(items):
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def _entries(texts):
    """Legend entries as text, separated by semicolons if one holds a comma."""
    entries = [e for e in (plain(t.get_text()) for t in texts) if e]
    return ("; " if any("," in e for e in entries) else ", ").join(entries)


def _axis(ax, which):
    """An axis label as text, borrowed from an axes sharing it if this one has none."""
    shared = getattr(ax, f"get_shared_{which}_axes")().get_siblings(ax)
    labels = [getattr(a, f"get_{which}label")() for a in [ax, *shared]]
    label = plain(next((lab for lab in labels if lab), ""))
    log = getattr(ax, f"get_{which}scale")() == "log"
    return f"{label} (log scale)" if label and log else label


def _panel(ax, colorbars):
    """One phrase for one axes: kind, title, axes, legend."""
    contour = any(isinstance(c, ContourSet) for c in ax.collections)
    mesh = [c for c in ax.collections if isinstance(c, QuadMesh)] + list(ax.images)
    drawn = [ln for ln in ax.lines if len(ln.get_xdata())]
    kind = "contour plot" if contour else "heat map" if mesh else "line plot" if drawn else "plot"
    title = plain(ax.get_title() or ax.get_title("left") or ax.get_title("right"))
    x, y = _axis(ax, "x"), _axis(ax, "y")
    colour = _join(
        [
            plain(colorbars[m].ax.get_ylabel() or colorbars[m].ax.get_xlabel())
            for m in mesh
            if m in colorbars
        ]
    )
    if mesh and colour:
        what = f"{colour} over {x or 'x'} and {y or 'y'}"
    elif x and y:
        what = f"{y} against {x}"
    else:
        what = f"{'x' if x else 'y'} axis {x or y}" if x or y else ""
    text = f"{kind} of {title}" + (f", {what}" if what else "") if title else f"{kind} of {what}"
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        text += f"; legend: {_entries(legend.get_texts())}"
    return text.removesuffix(" of ")


def summary(fig):
    """A text alternative for a matplotlib figure, read off the figure itself: for each panel
    the kind of plot (contour plot, heat map, line plot), its title, what is plotted against
    what (and log scales), a colour bar's meaning and the legend entries.

    It is what a Drawing shows as alt text when its author gave none, e.g. "Contour plot of
    rosenbrock, x₂ against x₁; legend: SGD, Adam, minimiser, start".
    """
    colorbars = {}
    for ax in fig.axes:
        for m in [*ax.collections, *ax.images]:
            if getattr(m, "colorbar", None) is not None:
                colorbars[m] = m.colorbar
    bars = {cb.ax for cb in colorbars.values()}
    axes = [ax for ax in fig.axes if ax.get_visible() and ax not in bars]
    panels = [_panel(ax, colorbars) for ax in axes]
    if not panels:
        text = "An empty figure"
    elif len(panels) == 1:
        text = panels[0]
    else:
        text = f"Figure of {len(panels)} panels. " + " ".join(
            f"Panel {i}: {p}." for i, p in enumerate(panels, 1)
        )
    texts = [t for lg in fig.legends for t in lg.get_texts()]
    if texts:
        text = text.rstrip(".") + f". Legend: {_entries(texts)}"
    text = text.rstrip(".") + "."
    return text[0].upper() + text[1:]
