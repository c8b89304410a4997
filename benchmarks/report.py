"""The benchmark table: one function per section of results.json, each returning text lines
(``b`` is the dict of budgets); :func:`table` puts them together."""


def verdict(ok):
    return "PASS" if ok else "MISS"


def _mb(b):
    return "-" if b is None else f"{b / 1e6:.0f} MB"


def header(r):
    """The machine, the software and the load: what the timings depend on."""
    m = r["machine"]
    blas = ", ".join(
        f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads)".replace(
            "  ", " "
        )
        for p in m["threadpools"]
    )
    env = ", ".join(f"{k}={v}" for k, v in m["env"].items() if v is not None) or "none set"
    torch = m["torch"] or {}
    return [
        f"How fast is this book?  {m['date']}",
        f"machine: {m['cpu']}, {m['cores']} cores, caches {m['caches']}, {m['memory_gb']} GB",
        f"software: Python {m['python']}, numpy {m['numpy']}, torch {torch.get('version')} "
        f"({torch.get('threads')} threads); thread pools: {blas}",
        f"environment: {env}; OPENBLAS_CORETYPE={m['env'].get('OPENBLAS_CORETYPE') or 'unset'}; "
        f"load average at start {m['load_average']}",
        "",
    ]


def notebooks_table(r, b):
    """Notebooks, each in a fresh kernel."""
    lines = []
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
    return lines


def build_table(r, b):
    """The cold-cache book build."""
    lines = []
    bd = r["build"]
    state = "ok" if bd["returncode"] == 0 else f"FAILED (exit {bd['returncode']})"
    lines.append(
        f"  {'jupyter-book build, cold cache':<40} {bd['s']:7.1f}   "
        f"({len(bd['notebooks_in_toc'])} notebooks in the toc; {state})"
    )
    return lines


def redraw_table(r, b):
    """Live redraw of every experiment: random moves (any value of a continuous range) and
    moves to the ends of each range; the budget is on the worst move's CPU time (the wall
    clock also counts the time the process waited for a busy machine)."""
    lines = [
        "",
        "Live redraw: one move = compute + draw + PNG, through the widget (ms); random values",
        "of each range and both its ends",
        f"  {'experiment':<40} {'median':>7} {'worst':>7} {'worst CPU':>10} {'compute':>8} "
        f"{'>100ms':>7}  budget (worst CPU)",
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
        worst = e.get("worst_ms", mv["max"])
        worst_cpu = e.get("worst_cpu_ms", e.get("move_cpu_ms", {}).get("max", float("nan")))
        n = mv["n"] + (e.get("extremes_ms") or {}).get("n", 0)
        lines.append(
            f"  {name:<40} {mv['median']:7.1f} {worst:7.1f} {worst_cpu:10.1f} {cp:8.1f} "
            f"{e['over_100ms']:>3}/{n:<3}  < {b['move_ms']:.0f}   {verdict(worst_cpu < b['move_ms'])}"
        )
    return lines


def steps_table(r, b):
    """One optimizer step on a 2-D problem against torch.optim."""
    lines = []
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
    return lines


def sweep_table(r, b):
    """The batched sweep against a loop."""
    lines = []
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
    return lines


def adam_table(r, b):
    """One Adam step on 10^7 parameters against the bandwidth floor."""
    lines = []
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


def pages_table(r, b):
    """The weight of a first visit of every page (Chromium, empty cache)."""
    lines = [
        "",
        "Page weight: a first visit, everything loaded (MB); the page's own HTML and files",
        f"  {'page':<40} {'total':>7} {'own':>6} {'HTML':>6}  budget",
    ]
    for row in r["pages"]:
        total, own = row["total_bytes"] / 1e6, row["own_bytes"] / 1e6
        ok = total < b["page_mb"] and own < b["own_mb"]
        lines.append(
            f"  {row['page']:<40} {total:7.2f} {own:6.2f} {row['html_bytes'] / 1e6:6.2f}  "
            f"< {b['page_mb']:.0f} / < {b['own_mb']:.0f}  {verdict(ok)}"
        )
    return lines


def runner_table(r, b):
    """What optlib.run adds per step, and training the digits network."""
    lines = []
    if "runner_overhead" in r:
        o = r["runner_overhead"]
        lines += ["", f"optlib.run's own work per step ({o['optimizer']} on {o['problem']}, us)"]
        for clock in ("wall", "cpu"):
            c = o[clock]
            lines.append(
                f"  {clock:<5} step {c['step_us']:6.1f}  problem {c['problem_us']:6.1f}  "
                f"run {c['run_us']:6.1f}  overhead {c['overhead_us']:6.1f} "
                f"({c['overhead_over_step']:.2f} x step)  < 1 x step  "
                f"{verdict(c['overhead_over_step'] < 1)}"
            )
    if "mlp_training" in r:
        m = r["mlp_training"]
        lines += ["", f"Training the digits network {m['network']} for {m['steps']} steps"]
        for name in ("Adam", "SGD momentum"):
            v = m[name]
            lines.append(
                f"  {name:<14} one network {v['one_network_cpu_s']['median']:.2f} s CPU, test "
                f"accuracy {100 * v['test_accuracy_mean']:.1f}% (seeds: "
                f"{100 * v['test_accuracy_min']:.1f}-{100 * v['test_accuracy_max']:.1f}%)"
            )
        lines.append(
            "  a chapter's sweep, 20 networks x 500 steps in one run: "
            f"{m['adam_20_networks_500_steps_cpu_s']['median']:.2f} s CPU"
        )
    return lines


def table(r, budgets):
    """The results as text lines: the header, then one table per section measured."""
    lines = header(r)
    for section, err in r.get("errors", {}).items():
        lines.append(f"ERROR in section {section}: {err}")
    if "notebooks" in r:
        lines += notebooks_table(r, budgets)
    if "build" in r:
        lines += build_table(r, budgets)
    if "notebooks" in r or "reference_redraw" in r:
        lines += redraw_table(r, budgets)
    if "pages" in r:
        lines += pages_table(r, budgets)
    if "small_steps" in r:
        lines += steps_table(r, budgets)
    if "runner_overhead" in r or "mlp_training" in r:
        lines += runner_table(r, budgets)
    if "sweep" in r:
        lines += sweep_table(r, budgets)
    if "adam_large" in r:
        lines += adam_table(r, budgets)
    return lines
