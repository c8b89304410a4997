"""How fast is the book? One command measures it, prints a table and writes results.json.

    python benchmarks/run.py                 # everything (a few minutes)
    python benchmarks/run.py --no-build      # skip the cold-cache jupyter-book build
    python benchmarks/run.py --only steps    # some sections: notebooks build redraw steps sweep adam
    python benchmarks/run.py --table         # print the table of the stored results.json

Sections: ``notebooks`` (every notebook of chapters/ in a fresh kernel), ``build`` (a cold-cache
book build), ``redraw`` (slider moves on every experiment a chapter makes, timed in that
chapter's kernel when ``notebooks`` runs too, and on bench_redraw.py's experiment), ``steps`` (an
optimizer step on a 2-D problem against torch.optim), ``sweep`` (a batched sweep against a Python
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

RESULTS = Path(__file__).with_name("results.json")
SECTIONS = ("notebooks", "build", "redraw", "steps", "sweep", "adam")
BUDGETS = {
    "notebook_s": 10.0,  # each notebook, fresh kernel, kernel start included
    "book_s": 60.0,  # the sum over notebooks
    "move_ms": 100.0,  # median slider move (compute, draw, PNG)
    "step_ratio": 5.0,  # torch.optim step / optlib step on a 2-D problem, at least
    "sweep_s": 1.0,  # 10,000 settings x 500 steps in one optlib.run call
    "adam_vs_foreach": 3.0,  # optlib Adam step on 10^7 / torch foreach, at most
}


def verdict(ok):
    return "PASS" if ok else "MISS"


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
    import steps

    jobs = {
        "notebooks": lambda: {
            "notebooks": [
                notebooks.execute(path, moves=moves if "redraw" in sections else 0)
                for path in notebooks.notebooks()
            ]
        },
        "build": lambda: {"build": notebooks.build()},
        "redraw": lambda: {"reference_redraw": reference_redraw(moves)},
        # each in a new process: no state (heap, threads, imports) left by the other sections
        "steps": lambda: {"small_steps": steps.in_fresh_process("small_steps")},
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


def _mb(b):
    return "-" if b is None else f"{b / 1e6:.0f} MB"


def table(r):
    """The results as text lines: one table per section, budgets in the last column."""
    m = r["machine"]
    blas = ", ".join(
        f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads)".replace(
            "  ", " "
        )
        for p in m["threadpools"]
    )
    env = ", ".join(f"{k}={v}" for k, v in m["env"].items() if v is not None) or "none set"
    torch = m["torch"] or {}
    lines = [
        f"How fast is this book?  {m['date']}",
        f"machine: {m['cpu']}, {m['cores']} cores, caches {m['caches']}, {m['memory_gb']} GB",
        f"software: Python {m['python']}, numpy {m['numpy']}, torch {torch.get('version')} "
        f"({torch.get('threads')} threads); thread pools: {blas}",
        f"environment: {env}; OPENBLAS_CORETYPE={m['env'].get('OPENBLAS_CORETYPE') or 'unset'}; "
        f"load average at start {m['load_average']}",
        "",
    ]
    b = BUDGETS
    for section, err in r.get("errors", {}).items():
        lines.append(f"ERROR in section {section}: {err}")
    if "notebooks" in r:
        lines += [
            "Notebooks, each in a fresh kernel (wall s; kernel start included)",
            f"  {'notebook':<40} {'wall s':>7} {'cells s':>8} {'kernel CPU s':>13} "
            f"{'slowest cell':>14}  budget   ",
        ]
        total = 0.0
        for row in r["notebooks"]:
            total += row["total_s"]
            if "error" in row:
                last = (row["error"].strip().splitlines() or [""])[-1]
                lines.append(f"  {row['notebook']:<40} {row['total_s']:7.1f}  ERROR {last[:200]}")
                continue
            slow = "#{index} {s:.1f} s".format(**row["slowest_cell"])
            lines.append(
                f"  {row['notebook']:<40} {row['total_s']:7.1f} {row['cells_s']:8.1f} "
                f"{row['kernel_cpu_s']:13.1f} {slow:>14}  "
                f"< {b['notebook_s']:.0f} s   {verdict(row['total_s'] < b['notebook_s'])}"
            )
        ok = total < b["book_s"] and not any("error" in row for row in r["notebooks"])
        lines.append(
            f"  {'whole book (sum of the above)':<40} {total:7.1f} {'':>8} {'':>13} {'':>14}  "
            f"< {b['book_s']:.0f} s   {verdict(ok)}"
        )
    if "build" in r:
        bd = r["build"]
        state = "ok" if bd["returncode"] == 0 else f"FAILED (exit {bd['returncode']})"
        lines.append(
            f"  {'jupyter-book build, cold cache':<40} {bd['s']:7.1f}   "
            f"({len(bd['notebooks_in_toc'])} notebooks in the toc; {state})"
        )
    if "notebooks" in r or "reference_redraw" in r:
        lines += [
            "",
            "Live redraw: one slider move = compute + draw + PNG, through the widget (ms)",
            f"  {'experiment':<40} {'median':>7} {'worst':>7} {'CPU':>6} {'compute':>8} "
            f"{'>100ms':>7}  budget",
        ]
        rows = [
            (f"{row['notebook'].removesuffix('.ipynb')}: {e['name']}", e)
            for row in r.get("notebooks", [])
            for e in row.get("experiments", [])
        ]
        if "reference_redraw" in r:
            rows.append(("bench_redraw.py reference", r["reference_redraw"]))
        for name, e in rows:
            if "move_ms" not in e or "error" in e:
                last = (str(e.get("error")).strip().splitlines() or [""])[-1]
                lines.append(f"  {name:<40} ERROR {last[:200]}")
            if "move_ms" not in e:
                continue
            mv, cp = e["move_ms"], e["compute_ms"]["median"]
            cpu = e.get("move_cpu_ms", {}).get("median", float("nan"))
            lines.append(
                f"  {name:<40} {mv['median']:7.1f} {mv['max']:7.1f} {cpu:6.1f} {cp:8.1f} "
                f"{e['over_100ms']:>3}/{mv['n']:<3}  "
                f"< {b['move_ms']:.0f}   {verdict(mv['median'] < b['move_ms'])}"
            )
    if "small_steps" in r:
        s = r["small_steps"]
        lines += [
            "",
            f"One step on a 2-D problem ({s['problem']}), same NumPy gradients, float64 (us/step)",
            f"  {'optimizer':<16} {'optlib':>8} {'torch.optim':>12} {'ratio':>6} "
            f"{'CPU ratio':>10} {'optlib.run':>11}  budget",
        ]
        for name, c in s["cases"].items():
            lines.append(
                f"  {name:<16} {c['optlib_us']['median']:8.1f} {c['torch_us']['median']:12.1f} "
                f"{c['ratio']:5.1f}x {c.get('ratio_cpu', float('nan')):9.1f}x "
                f"{c['run_us']['median']:11.1f}  >= {b['step_ratio']:.0f}x  "
                f"{verdict(c['ratio'] >= b['step_ratio'])}"
            )
        lines.append(
            "  (torch.optim's default CPU path; optlib.run adds the gradient, loss and checks)"
        )
    if "sweep" in r:
        s = r["sweep"]
        t = s["batched_s"]["median"]
        lines += [
            "",
            f"Batched sweep: {s['settings']:,} settings x {s['steps']} steps, {s['optimizer']} "
            f"on {s['problem']}",
            f"  {'one optlib.run call':<40} {t:8.2f} s   < {b['sweep_s']:.0f} s   "
            f"{verdict(t < b['sweep_s'])}   peak {_mb(s['peak_bytes'])} "
            f"(trajectory {_mb(s['trajectory_bytes'])})",
            f"  {'  ..., history=False':<40} {s['batched_no_record_s']['median']:8.2f} s"
            f"   peak {_mb(s['peak_bytes_no_record'])}",
            f"  {'one run per setting (extrapolated)':<40} {s['loop_extrapolated_s']:8.1f} s"
            f"   from {s['loop_sample']} settings in {s['loop_sample_s']:.2f} s; "
            f"the sweep is {s['speedup']:.0f}x faster",
        ]
        if "sweep_malloc" in r:
            d, t = r["sweep_malloc"]["default"], r["sweep_malloc"]["tuned"]
            lines += [
                f"  diagnosis, fresh processes by turns: default malloc {d['s']:.2f} s "
                f"({d['page_faults']:,.0f} page faults), malloc keeping freed memory "
                f"{t['s']:.2f} s ({t['page_faults']:,.0f} page faults)",
                f"    (GLIBC_TUNABLES={r['sweep_malloc']['GLIBC_TUNABLES']})",
            ]
    if "adam_large" in r:
        a = r["adam_large"]
        foreach = a["impls"]["torch foreach"]["s"]["median"]
        lines += [
            "",
            f"Adam step on {a['n']:.0e} float64 parameters ({a['bytes_moved'] / 1e6:.0f} MB "
            "must move: read x, g, m, v; write x, m, v)",
            f"  {'implementation':<28} {'ms':>7} {'x floor':>8} {'x foreach':>10} "
            f"{'peak RSS rise':>14} {'faults':>7}  budget",
        ]
        for name, v in a["impls"].items():
            t = v["s"]["median"]
            check = ""
            if name == "optlib":
                ok = t <= b["adam_vs_foreach"] * foreach
                check = f"<= {b['adam_vs_foreach']:.0f}x foreach  {verdict(ok)}"
            lines.append(
                f"  {name:<28} {1e3 * t:7.1f} {v['x_floor']:8.1f} {t / foreach:10.2f} "
                f"{_mb(v['peak_rss_rise_bytes']):>14} {v.get('page_faults', float('nan')):7.0f}  "
                f"{check}"
            )
        bw = a["bandwidth"]
        lines.append(
            f"  {'bandwidth floor':<28} {1e3 * a['floor_s']:7.1f}   at the best bandwidth, "
            f"{max(v['bytes_per_s'] for v in bw.values()) / 1e9:.1f} GB/s (GB/s: "
            + ", ".join(f"{k} {v['bytes_per_s'] / 1e9:.1f}" for k, v in bw.items())
            + ")"
        )
        if "adam_temporaries" in r:
            tmp = r["adam_temporaries"]
            lines.append(
                f"  optlib's step: up to {tmp['peak_arrays']:.0f} arrays the size of x alive at "
                f"once; {len(tmp['full_size_arrays_returned_by_terms'])} returned by terms()"
            )
    if "flops" in r:
        lines.append(f"  float64 matmul: {r['flops']['matmul_flop_per_s'] / 1e9:.1f} GFLOP/s")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--no-build", action="store_true", help="skip the jupyter-book build")
    ap.add_argument("--moves", type=int, default=30, help="slider moves per experiment")
    ap.add_argument("--table", action="store_true", help="print the stored results only")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = ap.parse_args()
    if args.table:
        print("\n".join(table(json.loads(args.out.read_text()))))
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
    print("\n".join(table(results)))
    print(f"\nwrote {args.out} ({results['benchmark_s']:.0f} s)")


if __name__ == "__main__":
    main()
