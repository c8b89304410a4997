"""How fast is the book? One command measures it, prints a table and writes results.json.

    python benchmarks/run.py                 # everything (a few minutes)
    python benchmarks/run.py --no-build      # skip the cold-cache jupyter-book build
    python benchmarks/run.py --only steps    # some sections: notebooks build redraw steps sweep adam
    python benchmarks/run.py --table         # print the table of the stored results.json

Sections: ``notebooks`` (every notebook of chapters/ in a fresh kernel), ``build`` (a cold-cache
book build), ``pages`` (the weight of a first visit of every page, in Chromium), ``redraw``
(slider moves on every experiment a chapter makes, any value of each range and both its ends,
timed in that chapter's kernel when ``notebooks`` runs too, and on bench_redraw.py's
experiment), ``steps`` (an optimizer step on a 2-D problem against torch.optim, the runner's
overhead per step, training the digits network), ``sweep`` (a batched sweep against a Python
loop) and ``adam`` (an Adam step on 10^7 parameters against the memory-bandwidth floor); the
last three each run in a new Python process. Timings are medians of repeats after warm-ups
(time.perf_counter). Budgets are checked here, in the PASS/MISS column, never by tests.
``--only`` keeps the other sections of the existing results.json.
"""

import argparse
import json
import os
import time
from pathlib import Path

import bench_redraw
import machine
import probe
import report

RESULTS = Path(__file__).with_name("results.json")
SECTIONS = ("notebooks", "build", "pages", "redraw", "steps", "sweep", "adam")
BUDGETS = {
    "notebook_s": 10.0,  # each notebook, fresh kernel, kernel start included
    "book_s": 60.0,  # the sum over notebooks
    "move_ms": 100.0,  # the worst live move's CPU time (compute, draw, PNG)
    "page_mb": 4.0,  # a first visit of a page, everything it loads
    "own_mb": 1.0,  # the page's HTML and the files only it uses
    "step_ratio": 5.0,  # torch.optim step / optlib step on a 2-D problem, at least
    "sweep_s": 1.0,  # 10,000 settings x 500 steps in one optlib.run call
    "adam_vs_foreach": 3.0,  # optlib Adam step on 10^7 / torch foreach, at most
}


# --- measuring ---------------------------------------------------------------------------------


def reference_redraw(n=30):
    """bench_redraw.py's typical experiment (three optimizers, a problem selector, two
    sliders), timed in this process through its widget."""
    exp = bench_redraw.make()
    controls = {k: len(c.values) for k, c in exp.controls.items()}
    return {"name": "bench_redraw.make()", "controls": controls} | probe.time_moves(exp, n)


def measure(sections, moves):
    """The chosen sections' results; a section that fails records its error and the others
    still run."""
    import notebooks
    import pages
    import steps

    jobs = {
        "notebooks": lambda: {
            "notebooks": [
                notebooks.execute(path, moves=moves if "redraw" in sections else 0)
                for path in notebooks.notebooks()
            ]
        },
        "build": lambda: {"build": notebooks.build()},
        "pages": lambda: {"pages": pages.measure()},
        "redraw": lambda: {"reference_redraw": reference_redraw(moves)},
        # each in a new process: no state (heap, threads, imports) left by the other sections
        "steps": lambda: {
            "small_steps": steps.in_fresh_process("small_steps"),
            "runner_overhead": steps.in_fresh_process("runner_overhead"),
            "mlp_training": steps.in_fresh_process("mlp_training"),
        },
        "sweep": lambda: {
            "sweep": steps.in_fresh_process("sweep"),
            "sweep_malloc": steps.sweep_malloc(),
        },
        "adam": lambda: steps.in_fresh_process("adam_all"),
    }
    out = {}
    for section in SECTIONS:
        if section not in sections:
            continue
        print(f"  {section} ...", flush=True)
        try:
            out |= jobs[section]()
        except Exception as err:  # reported in the table, the other sections still run
            out.setdefault("errors", {})[section] = f"{type(err).__name__}: {err}"
    return out


# --- the table ---------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--no-build", action="store_true", help="skip the jupyter-book build")
    ap.add_argument("--moves", type=int, default=30, help="slider moves per experiment")
    ap.add_argument("--table", action="store_true", help="print the stored results only")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = ap.parse_args()
    if args.table:
        print("\n".join(report.table(json.loads(args.out.read_text()), BUDGETS)))
        return
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    if args.no_build and "build" in sections:
        sections.remove("build")
    t0 = time.perf_counter()
    info = machine.info()
    print(f"measuring {', '.join(sections)} (load average {info['load_average']})", flush=True)
    results = measure(sections, args.moves)
    partial = set(sections) != set(SECTIONS)
    old = json.loads(args.out.read_text()) if partial and args.out.exists() else {}
    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    # when some sections are rerun, the others keep their results, dates and errors
    errors = {k: v for k, v in old.get("errors", {}).items() if k not in sections}
    errors |= results.pop("errors", {})
    measured = old.get("measured", {}) | {key: info["date"] for key in results}
    results = old | results | {"machine": info, "budgets": BUDGETS, "measured": measured}
    results.pop("errors", None)
    if errors:
        results["errors"] = errors
    results["benchmark_s"] = time.perf_counter() - t0
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print()
    print("\n".join(report.table(results, BUDGETS)))
    print(f"\nwrote {args.out} ({results['benchmark_s']:.0f} s)")


if __name__ == "__main__":
    main()
