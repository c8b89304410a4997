"""Live redraw time of an experiment (compute + draw + PNG), and its static precompute.

    python benchmarks/bench_redraw.py [moves]

Moves the sliders of a typical chapter experiment (three optimizers on a problem chosen from a
dropdown, learning rate and momentum sliders) the way a reader does, through the widget, and
prints the median and worst time per move; then the same for drawing alone (compute cached),
and the time and size of the static HTML. The book's budget: under 100 ms per move.
"""

import os
import sys
import time

import numpy as np
from probe import moves  # one way to time slider moves, shared with the chapter probe

import optlib
from optlib import interact, viz
from optlib.problems import beale, rosenbrock, saddle

PROBLEMS = {"Rosenbrock": rosenbrock(), "Beale": beale(), "saddle": saddle()}


def paths(problem, lr, momentum):
    def go(opt):
        return optlib.run(opt, problem, problem.x0, 60)

    return {
        "problem": problem,
        "runs": {
            "SGD": go(optlib.SGD(lr=lr)),
            "Momentum": go(optlib.SGD(lr=lr, momentum=momentum)),
            "Adam": go(optlib.Adam(lr=30 * lr)),
        },
    }


def make(compute=paths):
    sliders = {
        "problem": interact.dropdown(PROBLEMS),
        "lr": interact.log_slider(1e-4, 1e-2, static=15),
        "momentum": interact.float_slider(0.0, 0.95, static=15),
    }
    return interact.experiment(compute, viz.trajectories, sliders)


def report(title, times):
    """Wall-clock and CPU milliseconds per move (as probe.moves returns them): median and worst."""
    ms = np.column_stack(times)
    (wall, cpu), (wall_max, cpu_max) = np.median(ms, axis=0), ms.max(axis=0)
    print(
        f"{title:<34} median {wall:6.1f} ms (cpu {cpu:5.1f})   "
        f"worst {wall_max:6.1f} ms (cpu {cpu_max:5.1f})   n={len(ms)}"
    )


def main(n=60):
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings scale with it)"
    )
    t0 = time.perf_counter()
    exp = make()
    exp.widget  # noqa: B018  (builds the figure and the live view)
    print(f"build (first draw + widget)        {1e3 * (time.perf_counter() - t0):6.1f} ms")
    report("live move (compute + draw + PNG)", moves(exp, n, np.random.default_rng(0)))

    # drawing alone: the data of random states computed first, then drawn and encoded
    rng = np.random.default_rng(1)
    datas = [
        paths(PROBLEMS[rng.choice(list(PROBLEMS))], float(np.exp(rng.uniform(np.log(1e-4),
              np.log(1e-2)))), float(rng.uniform(0, 0.95)))
        for _ in range(n)
    ]  # fmt: skip
    times = []
    for data in datas:
        t0, c0 = time.perf_counter(), time.process_time()
        exp.renderer.show(data)
        exp.png()
        times.append((1e3 * (time.perf_counter() - t0), 1e3 * (time.process_time() - c0)))
    report("draw + PNG only", tuple(np.array(t) for t in zip(*times, strict=True)))

    e = make()
    t0, c0 = time.perf_counter(), time.process_time()
    page = e.html()
    dt, dc = 1e3 * (time.perf_counter() - t0), 1e3 * (time.process_time() - c0)
    print(
        f"{'static precompute':<34} {dt:6.1f} ms (cpu {dc:6.1f}) for {e.stats['frames']} states "
        f"({e.stats['backgrounds']} backgrounds, {e.stats['vector_overlays']} vector overlays), "
        f"{len(page) / 1e3:.0f} kB of HTML"
    )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
