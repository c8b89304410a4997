"""Time slider moves on experiments. ``notebooks.py`` sends this file's source into a chapter's
kernel after the chapter's last cell and calls ``probe(n_moves)``, which prints one JSON line
starting with ``PROBE``; ``run.py`` imports ``time_moves`` for bench_redraw.py's experiment.

Experiments are found through optlib.interact's API: every live ``interact.Experiment``
object (from the garbage collector's list; a chapter keeps its experiments in variables or in
``Out``). An experiment's name is the variable that holds it, if any.
"""

import gc
import json
import time

import numpy as np


def _new_value(c, current, rng):
    """A value a reader could set on control ``c``: anywhere in a continuous control's range
    (log-uniform on a log slider), else another of its values."""
    if c.live is not None:
        low, high, scale = c.live
        if scale == "log":
            return float(np.exp(rng.uniform(np.log(low), np.log(high))))
        return float(rng.uniform(low, high))
    return c.values[rng.choice([i for i, v in enumerate(c.values) if v is not current])]


def _timed(exp, name, value):
    """Wall and CPU milliseconds of one move through the live view (compute, draw, PNG)."""
    live, c = exp.live, exp.controls[name]
    box = live.inputs[name]
    t0, c0 = time.perf_counter(), time.process_time()
    box.value = value if c.live is not None else c.values.index(value)
    return 1e3 * (time.perf_counter() - t0), 1e3 * (time.process_time() - c0)


def moves(exp, n, rng):
    """Wall and CPU milliseconds of ``n`` random moves through the live view (``exp.live``),
    each setting one control (with more than one value) to a new value: for a continuous
    control any value of its range, not only the website's."""
    names = [name for name, c in exp.controls.items() if len(c.values) > 1]
    wall, cpu = [], []
    for _ in range(n):
        name = names[rng.integers(len(names))]
        value = _new_value(exp.controls[name], exp.current[name], rng)
        w, c = _timed(exp, name, value)
        wall.append(w)
        cpu.append(c)
    return np.array(wall), np.array(cpu)


def extremes(exp):
    """Wall milliseconds of moves to both ends of each continuous control's range (where a
    run may diverge or crawl: the worst points), from the default state each time."""
    out = []
    for name, c in exp.controls.items():
        if c.live is None:
            continue
        for end in c.live[:2]:
            out.append(_timed(exp, name, end))
            _timed(exp, name, c.default)
    return np.array(out).reshape(-1, 2)  # wall, CPU


def time_moves(exp, n_moves=30, warmup=2, seed=0):
    """Summary of ``n_moves`` random moves after ``warmup`` moves, of moves to the ends of the
    continuous ranges, and of ``compute`` alone at random states; ``{"error": ...}`` if the
    experiment cannot be moved or fails."""
    if not any(len(c.values) > 1 for c in exp.controls.values()):
        return {"error": "no control with more than one value"}
    rng = np.random.default_rng(seed)
    exp.widget  # noqa: B018  (the live view; built already if the chapter displayed it)
    moves(exp, warmup, rng)
    wall, cpu = moves(exp, n_moves, rng)
    ends = extremes(exp)
    compute = []
    for _ in range(min(n_moves, 10)):
        values = {n: _new_value(c, exp.current[n], rng) for n, c in exp.controls.items()}
        t0 = time.perf_counter()
        exp.compute(**values)
        compute.append(1e3 * (time.perf_counter() - t0))
    ends_wall, ends_cpu = ends[:, 0], ends[:, 1]
    out = {
        "move_ms": {"median": float(np.median(wall)), "max": float(wall.max()), "n": wall.size},
        "move_cpu_ms": {"median": float(np.median(cpu)), "max": float(cpu.max())},
        "extremes_ms": {"max": float(ends_wall.max()), "n": len(ends)} if len(ends) else None,
        # the worst move, random or to an end of a range: wall clock and the process's CPU
        "worst_ms": float(max(wall.max(), ends_wall.max(initial=0.0))),
        "worst_cpu_ms": float(max(cpu.max(), ends_cpu.max(initial=0.0))),
        "compute_ms": {"median": float(np.median(compute)), "max": max(compute)},
        "over_100ms": int((wall > 100).sum() + (ends_wall > 100).sum()),
        "continuous": [n for n, c in exp.controls.items() if c.live is not None],
    }
    if exp.live.error.value:  # the widget shows an exception under the figure
        out["error"] = exp.live.error.value
    return out


def probe(n_moves=30):
    """Time every experiment alive in this kernel; print the results as one JSON line."""
    from optlib.interact import Experiment

    gc.collect()
    experiments = [o for o in gc.get_objects() if isinstance(o, Experiment)]
    names = {}
    for key, value in globals().items():
        if not key.startswith("_") and isinstance(value, Experiment):
            names.setdefault(id(value), key)
    out = []
    for k, exp in enumerate(experiments):
        row = {
            "name": names.get(id(exp), f"#{k}"),
            "controls": {name: len(c.values) for name, c in exp.controls.items()},
        }
        try:
            row |= time_moves(exp, n_moves)
        except Exception as err:  # a broken experiment is reported, not fatal
            row["error"] = f"{type(err).__name__}: {err}"
        out.append(row)
    print("PROBE" + json.dumps(out))
