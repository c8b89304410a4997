"""What an optimizer step costs: small (2-D) steps against torch.optim, a batched sweep against a
Python loop, and an Adam step on 10^7 parameters against the machine's memory bandwidth.

Each function returns a dict of plain numbers (seconds, bytes) for ``results.json``;
``python benchmarks/run.py`` prints them. torch is the reference only: it is fed the same NumPy
gradients, through ``torch.from_numpy``, in float64.
"""

import json
import os
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import proposals
from machine import interleaved, page_faults, page_faults_of, peak_rss_during, summary, timings

import optlib
from optlib.problems import rosenbrock

# ---------------------------------------------------------------------------------------------
# One step on a 2-D problem: optlib against torch.optim, per step


def _small_cases():
    import torch

    return {
        "SGD momentum": (
            optlib.SGD(lr=1e-3, momentum=0.9),
            lambda p: torch.optim.SGD([p], lr=1e-3, momentum=0.9),
        ),
        "Adam": (optlib.Adam(lr=1e-2), lambda p: torch.optim.Adam([p], lr=1e-2)),
        "RMSprop": (optlib.RMSprop(lr=1e-3), lambda p: torch.optim.RMSprop([p], lr=1e-3)),
    }


def small_steps(steps=1000, repeat=7):
    """Microseconds per step for optlib and torch.optim (its default, single-tensor path) on
    Rosenbrock, both fed the gradients of optlib's run (so both follow the same iterates).
    Also ``optlib.run``'s cost per step, which adds the gradient, the loss and the checks."""
    import torch

    problem = rosenbrock()
    out = {}
    for name, (opt, make_torch) in _small_cases().items():
        trajectory = optlib.run(opt, problem, problem.x0, steps)
        G = list(trajectory.grads)

        def optlib_loop(opt=opt, G=G):
            x, state = problem.x0, opt.init(problem.x0)
            for g in G:
                x, state = opt.step(x, g, state)
            return x

        def torch_loop(make_torch=make_torch, G=G):
            p = torch.tensor(problem.x0, dtype=torch.float64, requires_grad=True)
            topt = make_torch(p)
            for g in G:
                p.grad = torch.from_numpy(g)
                topt.step()
            return p.detach().numpy()

        def run_loop(opt=opt):
            optlib.run(opt, problem, problem.x0, steps)

        # same gradients, same hyperparameters: the same iterates (float64 parity)
        x_optlib, x_torch = optlib_loop(), torch_loop()
        assert np.allclose(x_optlib, trajectory.params[-1], rtol=1e-12, atol=0)
        assert np.allclose(x_torch, x_optlib, rtol=1e-10, atol=1e-12), (x_torch, x_optlib)
        loops = {"optlib": optlib_loop, "torch": torch_loop, "run": run_loop}
        t, cpu = interleaved(loops, repeat, cpu=True)
        per_step = {k: summary(v / steps, 1e6) for k, v in t.items()}
        out[name] = {
            "optlib_us": per_step["optlib"],
            "torch_us": per_step["torch"],
            "run_us": per_step["run"],
            "ratio": per_step["torch"]["median"] / per_step["optlib"]["median"],
            # the same from CPU time, which time spent waiting for a busy machine leaves out
            "ratio_cpu": float(np.median(cpu["torch"]) / np.median(cpu["optlib"])),
            "steps": steps,
        }
    return {"problem": "rosenbrock", "torch_path": "default (single-tensor on CPU)", "cases": out}


def runner_overhead(steps=2000, repeat=9):
    """What ``optlib.run`` adds per step on a 2-D problem, against what an Adam step costs.

    Adam (lr=1e-2) on Rosenbrock from its standard start, one trajectory, microseconds per
    step: ``step_us``, Adam's own step fed the gradients of the run; ``problem_us``, the
    gradient and the loss at each iterate (work a run cannot skip); ``run_us``, the whole
    ``optlib.run``; ``overhead_us = run_us - step_us - problem_us``, the runner's own
    bookkeeping (checks, recording, divergence tests). The budget: overhead < step. Medians of
    interleaved repeats, by the wall clock and by the process's CPU time."""
    problem = rosenbrock()
    opt = optlib.Adam(lr=1e-2)
    trajectory = optlib.run(opt, problem, problem.x0, steps)
    G, X = list(trajectory.grads), list(trajectory.params[1:])

    def step_loop():
        x, state = problem.x0, opt.init(problem.x0)
        for g in G:
            x, state = opt.step(x, g, state)

    def problem_loop():
        for x in X:
            problem.grad(x), problem.value(x)

    def run_loop():
        optlib.run(opt, problem, problem.x0, steps)

    loops = {"step": step_loop, "problem": problem_loop, "run": run_loop}
    wall, cpu = interleaved(loops, repeat, cpu=True)
    out = {"problem": "rosenbrock", "optimizer": "Adam(lr=1e-2)", "steps": steps}
    for clock, t in (("wall", wall), ("cpu", cpu)):  # CPU time leaves out waiting for a busy CPU
        us = {k: float(np.median(v)) / steps * 1e6 for k, v in t.items()}
        overhead = us["run"] - us["step"] - us["problem"]
        out[clock] = {f"{k}_us": v for k, v in us.items()} | {
            "overhead_us": overhead,
            "overhead_over_step": overhead / us["step"],
        }
    return out


# ---------------------------------------------------------------------------------------------
# Training the book's neural network (optlib.problems.mlp)


def mlp_training(repeat=3):
    """The digits network (64-32-10, batches of 32, epochs of reshuffling): for Adam at its
    defaults and SGD with lr=0.05, momentum=0.9, seconds to train ONE network for 2000 steps
    (51 epochs; training loss at the end only) and the test accuracy of seeds 0-7 so trained;
    and seconds for what a chapter does, 20 networks (a learning-rate sweep) x 500 steps in one
    run with the training loss every 50 steps and no history (the iterates of 20 networks over
    500 steps would be 190 MB). Wall-clock and CPU seconds (CPU time leaves out waiting for a
    busy machine; BLAS threads add theirs)."""
    from optlib.problems import mlp

    problem = mlp()
    x0 = np.stack([mlp(seed=s).x0 for s in range(8)])
    out = {"network": repr(problem), "steps": 2000}
    for name, opt in {
        "Adam": optlib.Adam(),
        "SGD momentum": optlib.SGD(lr=0.05, momentum=0.9),
    }.items():

        def one(opt=opt):
            return optlib.run(opt, problem, problem.x0, 2000, stochastic=True, history=False,
                              loss_every=2000)  # fmt: skip

        eight = optlib.run(opt, problem, x0, 2000, stochastic=True, history=False, loss_every=2000)
        accuracy = problem.evaluate(eight.final)["test_accuracy"]
        wall, cpu = interleaved({"one": one}, repeat, cpu=True)
        out[name] = {
            "one_network_s": summary(wall["one"]),
            "one_network_cpu_s": summary(cpu["one"]),
            "test_accuracy_mean": float(accuracy.mean()),
            "test_accuracy_min": float(accuracy.min()),
            "test_accuracy_max": float(accuracy.max()),
            "seeds": 8,
        }
    lrs = np.geomspace(1e-4, 1e-1, 20)[:, None]
    sweep20 = np.broadcast_to(problem.x0, (20, problem.dim))

    def chapter():
        return optlib.run(optlib.Adam(lr=lrs), problem, sweep20, 500, stochastic=True,
                          history=False, loss_every=50)  # fmt: skip

    wall, cpu = interleaved({"chapter": chapter}, repeat, cpu=True)
    out["adam_20_networks_500_steps_s"] = summary(wall["chapter"])
    out["adam_20_networks_500_steps_cpu_s"] = summary(cpu["chapter"])
    return out


# ---------------------------------------------------------------------------------------------
# A batched sweep: 10,000 hyperparameter settings in one call against a loop


def _grid(n_lr=100, n_beta=100):
    lr = np.geomspace(1e-3, 0.3, n_lr)
    b1 = np.linspace(0.0, 0.99, n_beta)
    LR, B1 = (a.reshape(-1, 1) for a in np.meshgrid(lr, b1, indexing="ij"))
    return LR, B1


def sweep(steps=500, sample=100, repeat=3):
    """Adam on Rosenbrock with a 100 x 100 grid of (lr, beta1): one batched ``optlib.run`` call
    (with and without recording every iterate) against runs one at a time; the loop is timed
    on ``sample`` settings spread over the grid and extrapolated to the whole grid."""
    problem = rosenbrock()
    LR, B1 = _grid()
    n = len(LR)
    x0 = np.broadcast_to(problem.x0, (n, 2))
    opt = optlib.Adam(lr=LR, betas=(B1, 0.999))

    def batched(history=True):
        return optlib.run(opt, problem, x0, steps, history=history)

    picks = np.linspace(0, n - 1, sample).round().astype(int)

    def one_by_one():
        return [
            optlib.run(
                optlib.Adam(lr=LR[i, 0], betas=(B1[i, 0], 0.999)), problem, problem.x0, steps
            )
            for i in picks
        ]

    full = batched()  # also the warm-up
    t0 = time.perf_counter()
    loop = one_by_one()
    loop_sample_s = time.perf_counter() - t0
    for i, traj in zip(picks, loop, strict=True):  # the sweep computes the same runs
        assert np.allclose(traj.params[-1], full.params[-1, i], equal_nan=True, rtol=1e-12)
        assert traj.diverged == full.diverged[i]
    diverged = int(full.diverged.sum())
    del full, loop
    t = interleaved(
        {"record": batched, "no_record": lambda: batched(history=False)}, repeat, warmup=0
    )

    tracemalloc.start()
    traj, faults = page_faults_of(batched)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stored = sum(a.nbytes for a in (traj.params, traj.losses, traj.grads))
    del traj
    tracemalloc.start()
    batched(history=False)
    _, peak_lean = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    loop_s = loop_sample_s * n / sample
    t_batched, t_lean = t["record"], t["no_record"]
    return {
        "page_faults": faults,
        "optimizer": "Adam, lr in [1e-3, 0.3] (log) x beta1 in [0, 0.99]",
        "problem": "rosenbrock",
        "settings": n,
        "steps": steps,
        "batched_s": summary(t_batched),
        "batched_no_record_s": summary(t_lean),
        "loop_sample": sample,
        "loop_sample_s": loop_sample_s,
        "loop_extrapolated_s": loop_s,
        "speedup": loop_s / float(np.median(t_batched)),
        "diverged": diverged,
        "peak_bytes": peak,
        "peak_bytes_no_record": peak_lean,
        "trajectory_bytes": stored,
    }


TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456"


def sweep_batched(steps=500, repeat=2):
    """Time of the batched sweep alone, and its page faults."""
    problem = rosenbrock()
    LR, B1 = _grid()
    x0 = np.broadcast_to(problem.x0, (len(LR), 2))
    opt = optlib.Adam(lr=LR, betas=(B1, 0.999))

    def batched():
        return optlib.run(opt, problem, x0, steps)

    t = timings(batched, repeat=repeat, warmup=1)
    return {"s": float(np.median(t)), "page_faults": page_faults(batched, 1)}


def sweep_malloc(rounds=1):
    """The batched sweep in fresh processes, by turns with glibc's default malloc, which gives
    freed blocks over 128 kB back to the system (so the next temporary array is fresh memory
    that the system must fault in and zero), and with ``GLIBC_TUNABLES`` set so that malloc
    keeps them for reuse (mmap threshold 32 MB, trim threshold 256 MB): a diagnosis of where
    the sweep's time goes."""
    envs = {"default": None, "tuned": os.environ | {"GLIBC_TUNABLES": TUNABLES}}
    runs = {key: [] for key in envs}
    for _ in range(rounds):
        for key, env in envs.items():
            runs[key].append(in_fresh_process("sweep_batched", env))
    out = {
        key: {
            "s": float(np.median([r["s"] for r in rs])),
            "page_faults": float(np.median([r["page_faults"] for r in rs])),
        }
        for key, rs in runs.items()
    }
    return out | {"GLIBC_TUNABLES": TUNABLES, "rounds": rounds}


def in_fresh_process(name, env=None):
    """Run this module's function ``name`` in a new Python process; return its result."""
    proc = subprocess.run([sys.executable, __file__, name], env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-1500:]}")
    return json.loads(proc.stdout.splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# The machine: memory bandwidth and floating-point throughput


def streams(n=25_000_000):
    """Functions that stream float64 arrays of ``n`` elements (far larger than the caches),
    and the bytes each moves as the program sees them (a copy reads one array and writes
    one): NumPy copy, scaling in place and add (one thread), torch in-place add (all its
    threads). The best of them is the achievable bandwidth."""
    import torch

    a, b = np.ones(n), np.full(n, 2.0)
    c = np.empty(n)
    ta, tc = torch.from_numpy(a), torch.from_numpy(c)
    fns = {
        "numpy_copy": lambda: np.copyto(c, a),
        "numpy_scale": lambda: np.multiply(c, 1.0, out=c),
        "numpy_add": lambda: np.add(a, b, out=c),
        "torch_add": lambda: tc.add_(ta),
    }
    moved = {"numpy_copy": 16 * n, "numpy_scale": 16 * n, "numpy_add": 24 * n, "torch_add": 24 * n}
    return fns, moved


def bandwidth(t, moved):
    """Bytes per second from the timings ``t`` of :func:`streams`."""
    return {k: {"bytes_per_s": moved[k] / float(np.median(v))} for k, v in t.items()}


def flops(n=1500, repeat=5):
    """Floating-point throughput of a float64 matrix product (BLAS, all its threads), flop/s."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    t = timings(lambda: A @ B, repeat=repeat, warmup=1)
    return {"matmul_flop_per_s": 2 * n**3 / float(np.median(t)), "n": n}


# ---------------------------------------------------------------------------------------------
# One Adam step on 10^7 parameters


def _optlib_impls(opt, x, g, state):
    """optlib's Adam step and the proposals of ``proposals.py``, checked to give its bits."""
    impls = {
        "optlib": lambda: opt.step(x, g, state),
        "optlib lean (proposal)": lambda: proposals.adam_lean(opt, x, g, state),
        "optlib out= (proposal)": lambda: proposals.adam_out(opt, x, g, state),
        "optlib chunked (proposal)": lambda: proposals.chunked(opt.step)(x, g, state),
    }
    ref = opt.step(x, g, state)
    for name in [k for k in impls if "proposal" in k]:
        xn, sn = impls[name]()
        assert np.array_equal(xn, ref[0]) and np.array_equal(sn.m, ref[1].m), name
        assert np.array_equal(sn.v, ref[1].v) and sn.t == ref[1].t, name
    return impls


def _torch_impls(opt, x, g, state):
    """torch's single-tensor, foreach and fused Adam on the same step (also on one thread),
    each checked against optlib's step (the tolerance allows for fused arithmetic)."""
    import torch

    optimizers = {}
    for name, kw in {
        "torch single-tensor": {"foreach": False},
        "torch foreach": {"foreach": True},
        "torch fused": {"fused": True},
    }.items():
        p = torch.from_numpy(x.copy()).requires_grad_()
        p.grad = torch.from_numpy(g)
        topt = torch.optim.Adam([p], lr=opt.lr, **kw)
        topt.step()  # t = 1, as for optlib's state
        optimizers[name] = (p, topt)
    threads = torch.get_num_threads()

    def on_one_thread(step):
        def go():
            torch.set_num_threads(1)
            try:
                step()
            finally:
                torch.set_num_threads(threads)

        return go

    impls = {name: topt.step for name, (_, topt) in optimizers.items()}
    # NumPy's elementwise loops use one thread; torch's use all (here 2): the same on one
    impls["torch foreach, 1 thread"] = on_one_thread(optimizers["torch foreach"][1].step)
    impls["torch fused, 1 thread"] = on_one_thread(optimizers["torch fused"][1].step)
    x_ref = opt.step(x, g, state)[0]
    for name, (p, topt) in optimizers.items():
        before = p.detach().clone()
        topt.step()
        moved = p.detach().numpy() - before.numpy()
        assert np.allclose(moved, x_ref - x, rtol=1e-9, atol=1e-15), name
    return impls


def adam_large(n=10_000_000, repeat=5, seed=0):
    """One Adam step on ``n`` float64 parameters: optlib, the proposals for it, torch's
    single-tensor, foreach and fused paths, against the bandwidth floor (7 arrays moved:
    read x, g, m, v; write x, m, v); peak memory and page faults of each."""
    import torch

    rng = np.random.default_rng(seed)
    x, g = rng.standard_normal(n), rng.standard_normal(n)
    opt = optlib.Adam(lr=1e-3)
    state = opt.step(x, g, opt.init(x))[1]  # t = 1: a step in the middle of training
    impls = _optlib_impls(opt, x, g, state) | _torch_impls(opt, x, g, state)

    # the bandwidth is measured in the same loop, so that it sees the same load
    stream_fns, stream_bytes = streams()
    t = interleaved(impls | stream_fns, repeat=repeat, warmup=1)
    bw = bandwidth({k: t.pop(k) for k in stream_fns}, stream_bytes)
    del stream_fns
    faults = {name: page_faults(fn, repeat=1) for name, fn in impls.items()}
    peaks = {name: peak_rss_during(fn)[1] for name, fn in impls.items()}
    tracemalloc.start()
    opt.step(x, g, state)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    moved = 7 * 8 * n
    # torch's fused step streams exactly these seven arrays once: it is a bandwidth kernel too
    bw["torch_fused_adam"] = {"bytes_per_s": moved / float(np.median(t["torch fused"]))}
    best = max(bw, key=lambda k: bw[k]["bytes_per_s"])
    numpy_bw = max(v["bytes_per_s"] for k, v in bw.items() if k.startswith("numpy"))
    floor = moved / bw[best]["bytes_per_s"]
    return {
        "n": n,
        "chunk": proposals.CHUNK,
        "bytes_moved": moved,
        "bandwidth": bw,
        "floor_s": floor,
        "floor_from": best,
        "floor_one_thread_s": moved / numpy_bw,
        "impls": {
            name: {
                "s": summary(v),
                "x_floor": float(np.median(v)) / floor,
                "peak_rss_rise_bytes": peaks[name],
                "page_faults": faults[name],
            }
            for name, v in t.items()
        },
        "optlib_traced_peak_bytes": traced,
        "array_bytes": 8 * n,
        "torch_threads": torch.get_num_threads(),
    }


def adam_all():
    """The Adam section: the 10^7 step, the temporaries of optlib's step, the machine's flops."""
    return {"adam_large": adam_large(), "adam_temporaries": count_temporaries(), "flops": flops()}


def count_temporaries(n=1_000_000):
    """How many arrays the size of x one optlib Adam step allocates, and how many live at
    its peak (tracemalloc, which NumPy reports to)."""
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal(n), rng.standard_normal(n)
    opt = optlib.Adam(lr=1e-3)
    state = opt.step(x, g, opt.init(x))[1]
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    out = opt.terms(x, g, state)
    snap1 = tracemalloc.take_snapshot()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    kept = sum(s.size for s in snap1.compare_to(snap0, "filename")) / (8 * n)
    names = [k for k, v in out.items() if isinstance(v, np.ndarray) and v.shape == x.shape]
    return {
        "full_size_arrays_returned_by_terms": names,
        "arrays_alive_after_terms": round(kept, 2),
        "peak_arrays": round(peak / (8 * n), 2),
    }


if __name__ == "__main__":
    # python benchmarks/steps.py NAME: print the JSON of one function of this module
    print(json.dumps(globals()[sys.argv[1]]()))
