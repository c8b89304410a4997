"""Controls: what a reader can set, as a finite list of values for the website and, for a
continuous quantity, any value of a range in Jupyter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Control", "slider", "float_slider", "log_slider", "dropdown", "steps", "as_control"]
__all__ += ["describe_controls", "first_state"]


def _fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.3g}"


@dataclass
class Control:
    """A control: the finite list of ``values`` (with their ``labels``) that the website's
    player offers, ``index`` the default among them.

    ``kind`` is ``"slider"`` or ``"dropdown"``; ``interval`` > 0 (milliseconds) adds a
    play/pause button that steps through the values (an animation). ``live = (low, high,
    scale)`` makes the control continuous in Jupyter: any value from ``low`` to ``high``
    (``scale`` is ``"linear"`` or ``"log"``), computed on demand, while the website samples
    ``values``. ``live=None``: the same finite list in both.
    """

    values: list
    labels: list
    index: int = 0
    kind: str = "slider"
    label: str = ""
    interval: int = 0
    live: tuple | None = None

    @property
    def default(self):
        return self.values[self.index]

    def accept(self, value):
        """``value`` if this control can take it, else ``ValueError`` naming the control."""
        if self.live is not None:
            low, high, _ = self.live
            if isinstance(value, str) or not low <= float(value) <= high:
                raise ValueError(f"{self.label} must be in [{low:g}, {high:g}], got {value!r}")
            return float(value)
        for v in self.values:
            if v is value or (isinstance(v, str) == isinstance(value, str) and _same(v, value)):
                return v
        raise ValueError(f"{self.label} must be one of {self.labels}, got {value!r}")


def _same(a, b):
    if isinstance(a, str):
        return a == b
    try:
        return bool(np.isclose(a, b))
    except TypeError:
        return a == b


def _index(values, value):
    if value is None:
        return (len(values) - 1) // 2
    for i, v in enumerate(values):
        if v is value or (not isinstance(v, str) and np.isclose(v, value)) or v == value:
            return i
    raise ValueError(f"default {value!r} is not one of the values {values}")


def slider(values, value=None, label=""):
    """A slider over a finite list of numbers (floats or integers), the same list in Jupyter
    and on the website; default: the middle one. For a quantity that varies continuously
    use :func:`float_slider` or :func:`log_slider`."""
    values = list(values)
    return Control(values, [_fmt(v) for v in values], _index(values, value), label=label)


def _check_range(low, high, label, scale):
    low, high = float(low), float(high)
    if not low < high or (scale == "log" and low <= 0):
        raise ValueError(f"{label or 'slider'}: need 0 < low < high on a log scale, or low < high")
    return low, high


def _continuous(low, high, grid, value, label, scale, values):
    grid = [float(v) for v in (grid if values is None else values)]
    if value is not None and not any(np.isclose(v, value) for v in grid):
        # the default is a state of the website too: it replaces the nearest inner value
        scale_of = np.log if scale == "log" else (lambda v: v)
        inner = np.arange(1, len(grid) - 1) if len(grid) > 2 else np.arange(len(grid))
        near = inner[np.argmin(np.abs(scale_of(np.array(grid)[inner]) - scale_of(value)))]
        grid[near] = float(value)
        grid = sorted(grid)
    if not all(low <= v <= high for v in grid):
        raise ValueError(f"{label or 'slider'}: static values must lie in [{low:g}, {high:g}]")
    c = slider(grid, value, label)
    c.live = (low, high, scale)
    return c


def float_slider(low, high, *, static=15, value=None, label="", values=None):
    """A continuous slider: any value in ``[low, high]`` in Jupyter; on the website ``static``
    evenly spaced values (or the given ``values``), plus the default ``value``."""
    low, high = _check_range(low, high, label, "linear")
    grid = [float(f"{v:.3g}") for v in np.linspace(low, high, static)]
    return _continuous(low, high, grid, value, label, "linear", values)


def log_slider(low, high, num=None, value=None, label="", *, static=15, values=None):
    """A continuous slider on a log scale (learning rates, rates): any value in ``[low,
    high]`` in Jupyter; on the website ``static`` (or ``num``) log-spaced values (or the given
    ``values``), plus the default ``value``."""
    low, high = _check_range(low, high, label, "log")
    grid = [float(f"{v:.3g}") for v in np.geomspace(low, high, num or static)]
    grid[0], grid[-1] = float(low), float(high)
    return _continuous(low, high, grid, value, label, "log", values)


def dropdown(options, value=None, label=""):
    """A selector: a list of strings, or a dict ``label -> value`` (e.g. problems).

    ``value`` names the default by its label; default: the first.
    """
    labels = list(options)
    values = list(options.values()) if isinstance(options, dict) else labels
    index = 0 if value is None else labels.index(value)
    return Control(values, [str(x) for x in labels], index, "dropdown", label)


def steps(values, value=None, interval=150, label="step"):
    """An animation axis: a slider over ``values`` with a play/pause button."""
    values = [int(v) for v in values]
    index = len(values) - 1 if value is None else _index(values, value)
    return Control(values, [str(v) for v in values], index, label=label, interval=interval)


def as_control(spec):
    if isinstance(spec, Control):
        return spec
    if isinstance(spec, dict):
        return dropdown(spec)
    spec = list(spec)
    return dropdown(spec) if all(isinstance(v, str) for v in spec) else slider(spec)


def _both(items):
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def _either(items):
    """``a``, ``a or b``, ``a, b or c`` (``a; b or c`` if an item holds a comma)."""
    sep = "; " if any("," in i for i in items) else ", "
    return " or ".join(items) if len(items) < 3 else sep.join(items[:-1]) + " or " + items[-1]


def first_state(controls):
    """The default state in words: "At first learning rate η = 0.05 and momentum β = 0.5."."""
    values = [f"{c.label} = {c.labels[c.index]}" for c in controls.values()]
    return f"At first {_both(values)}."


def describe_controls(controls, live=False):
    """What ``controls`` (name -> Control) set, in a sentence: each one's label and values
    (``live``: the ranges the Jupyter view offers for continuous ones)."""
    parts, play = [], []
    for c in controls.values():
        n = len(c.labels)
        if live and c.live is not None:
            values = f"any value from {c.live[0]:g} to {c.live[1]:g}"
        elif n > 4 and c.kind != "dropdown":
            values = f"{n} values from {c.labels[0]} to {c.labels[-1]}"
        else:
            values = _either(c.labels)
        parts.append(f"{c.label} ({values})")
        if c.interval:
            play.append(c.label)
    text = f"The {'control sets' if len(parts) == 1 else 'controls set'} {_both(parts)}"
    return text + (f"; Play steps through {_both(play)}." if play else ".")
