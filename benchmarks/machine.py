"""Timing helpers and a description of the machine a benchmark ran on."""

import datetime
import os
import platform
import resource
import time

import numpy as np

THREAD_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NVPL_BLAS_DEBUG_CPU_TYPE",
)


def timings(fn, repeat=7, warmup=2):
    """Seconds taken by ``fn()`` in each of ``repeat`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return np.array(out)


def interleaved(fns, repeat=7, warmup=1, cpu=False):
    """Like :func:`timings` for several functions, called in turn (a, b, c, a, b, c, ...), so
    that a change in the machine's load during the run hits all of them alike. With ``cpu``,
    also the process's CPU seconds of each call (which waiting for a busy CPU leaves out):
    returns ``(wall, cpu)``."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    wall, proc = {name: [] for name in fns}, {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - t0)
            proc[name].append(time.process_time() - c0)
    wall = {name: np.array(t) for name, t in wall.items()}
    return (wall, {name: np.array(t) for name, t in proc.items()}) if cpu else wall


def summary(seconds, scale=1.0):
    """Median, min and max of an array of timings, times ``scale`` (e.g. 1e3 for ms)."""
    s = np.asarray(seconds) * scale
    return {
        "median": float(np.median(s)),
        "min": float(s.min()),
        "max": float(s.max()),
        "n": s.size,
    }


def page_faults_of(fn):
    """``fn()`` and the minor page faults it caused."""
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    result = fn()
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0


def page_faults(fn, repeat=3):
    """Minor page faults per call of ``fn()`` (the operating system handing the process fresh
    memory, which it must zero first), the median over ``repeat`` calls."""
    counts = []
    for _ in range(repeat):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        fn()
        counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    return float(np.median(counts))


def peak_rss_during(fn):
    """Run ``fn()``; return its result and how far the process's peak resident memory rose
    above the resident memory before the call, in bytes (Linux: VmHWM reset via clear_refs).
    None for the rise where the peak cannot be reset."""

    def status(key):
        with open("/proc/self/status") as f:
            line = next(line for line in f if line.startswith(key))
        return int(line.split()[1]) * 1024

    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak (VmHWM) to the current resident size
        before = status("VmRSS:")
    except OSError:
        return fn(), None
    result = fn()
    return result, status("VmHWM:") - before


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cache_sizes():
    sizes = {}
    for index in range(8):
        base = f"/sys/devices/system/cpu/cpu0/cache/index{index}"
        try:
            with open(f"{base}/level") as f:
                level = f.read().strip()
            with open(f"{base}/type") as f:
                kind = f.read().strip()
            with open(f"{base}/size") as f:
                size = f.read().strip()
        except OSError:
            break
        if kind != "Instruction":
            sizes[f"L{level}"] = size
    return sizes


def _threadpools():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("internal_api", "num_threads", "version", "architecture", "threading_layer")
    return [{k: info.get(k) for k in keys} for info in threadpool_info()]


def info():
    """The machine and the software: CPU, cores, caches, memory, versions, BLAS, threads, load."""
    try:
        import torch

        torch_info = {"version": torch.__version__, "threads": torch.get_num_threads()}
    except ImportError:
        torch_info = None
    try:
        with open("/proc/meminfo") as f:
            mem = int(next(line for line in f if line.startswith("MemTotal")).split()[1]) * 1024
    except (OSError, StopIteration):
        mem = None
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            thp = f.read().strip()
    except OSError:
        thp = None
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "caches": _cache_sizes(),
        "memory_gb": None if mem is None else round(mem / 2**30, 1),
        "transparent_hugepages": thp,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "torch": torch_info,
        "threadpools": _threadpools(),
        "env": {k: os.environ.get(k) for k in THREAD_VARS},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
