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


def moves(exp, n, rng):
    """Wall and CPU milliseconds of ``n`` slider moves through the live widget, each setting
    one control (with more than one value) to another value: compute, draw and PNG."""
    names = [name for name, c in exp.controls.items() if len(c.values) > 1]
    wall, cpu = [], []
    for _ in range(n):
        name = names[rng.integers(len(names))]
        box = exp._inputs[name]
        new = rng.choice([i for i in range(len(exp.controls[name].values)) if i != box.value])
        t0, c0 = time.perf_counter(), time.process_time()
        box.value = int(new)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1e3 * np.array(wall), 1e3 * np.array(cpu)


def time_moves(exp, n_moves=30, warmup=2, seed=0):
    """Summary of ``n_moves`` random moves after ``warmup`` moves, and of ``compute`` alone at
    random states; ``{"error": ...}`` if the experiment cannot be moved or fails."""
    if not any(len(c.values) > 1 for c in exp.controls.values()):
        return {"error": "no control with more than one value"}
    rng = np.random.default_rng(seed)
    exp.widget  # noqa: B018  (the live view; built already if the chapter displayed it)
    moves(exp, warmup, rng)
    wall, cpu = moves(exp, n_moves, rng)
    compute = []
    for _ in range(min(n_moves, 10)):
        state = {name: int(rng.integers(len(c.values))) for name, c in exp.controls.items()}
        values = exp.values(**state)
        t0 = time.perf_counter()
        exp.compute(**values)
        compute.append(1e3 * (time.perf_counter() - t0))
    out = {
        "move_ms": {"median": float(np.median(wall)), "max": float(wall.max()), "n": wall.size},
        "move_cpu_ms": {"median": float(np.median(cpu)), "max": float(cpu.max())},
        "compute_ms": {"median": float(np.median(compute)), "max": max(compute)},
        "over_100ms": int((wall > 100).sum()),
    }
    if exp._error.value:  # the widget shows an exception under the figure
        out["error"] = exp._error.value
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
