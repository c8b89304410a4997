"""How long the chapters take: each notebook executed in a fresh kernel (cwd chapters/), the
live redraw of every experiment it makes, and a cold-cache ``jupyter-book build``."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

# One BLAS thread in every kernel started here, as the test suite sets (conftest.py): on two
# cores, OpenBLAS's threads slow the chapters' small matrix products down
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
PROBE = Path(__file__).with_name("probe.py")


def _plain(text, keep=600):
    """The end of an error message, without terminal colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", str(text))[-keep:]


def notebooks():
    return sorted(CHAPTERS.glob("*.ipynb"))


def execute(path, moves=30, timeout=300):
    """Execute ``path`` in a fresh kernel, timing it (kernel start included) and each cell;
    then, in the same kernel, time slider moves on every experiment it made."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(CHAPTERS)}}
    )
    row = {"notebook": path.name, "cells": sum(c.cell_type == "code" for c in nb.cells)}
    cells = []
    t0 = time.perf_counter()
    try:
        # the kernel's stderr holds only ipykernel's start-up chatter; cell errors come back
        # through the client
        with client.setup_kernel(stderr=subprocess.DEVNULL):
            client.wait_for_reply(client.kc.kernel_info())
            row["kernel_start_s"] = time.perf_counter() - t0
            for i, cell in enumerate(nb.cells):
                t1 = time.perf_counter()
                client.execute_cell(cell, i)
                if cell.cell_type == "code":
                    cells.append((i, time.perf_counter() - t1))
            row["total_s"] = time.perf_counter() - t0
            row["cells_s"] = sum(t for _, t in cells)
            row["kernel_cpu_s"] = _kernel_cpu(client, nb)
            i, t = max(cells, key=lambda c: c[1], default=(None, 0.0))
            row["slowest_cell"] = {"index": i, "s": t}
            if moves:
                row["experiments"] = _probe(client, nb, moves)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        row["error"] = f"{type(err).__name__}: {_plain(err)}"
        row["total_s"] = time.perf_counter() - t0
    return row


def _run(client, nb, source):
    """Execute ``source`` as an extra cell; return its printed text."""
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.append(cell)
    client.execute_cell(cell, len(nb.cells) - 1)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _kernel_cpu(client, nb):
    """CPU seconds the kernel process has used so far (its start-up and every cell): unlike
    wall time, this hardly changes when other programs share the machine."""
    t = _run(client, nb, "import os as _os\nprint(sum(_os.times()[:2]))")
    return float(t)


def _probe(client, nb, moves):
    source = f"{PROBE.read_text()}\n\nprobe({moves})"
    try:
        text = _run(client, nb, source)
    except CellExecutionError as err:
        return [{"name": "probe", "error": _plain(err)}]
    line = next((s for s in text.splitlines() if s.startswith("PROBE")), None)
    return json.loads(line[len("PROBE") :]) if line else [{"name": "probe", "error": _plain(text)}]


def build(timeout=1800):
    """Wall time of ``jupyter-book build`` on a copy of the repository with no cache (every
    notebook the table of contents lists is executed)."""
    jb = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    with tempfile.TemporaryDirectory(prefix="optbook-bench-") as tmp:
        copy = Path(tmp) / "book"
        ignore = shutil.ignore_patterns("_build", ".git", "student", "*.egg-info", "__pycache__")
        shutil.copytree(ROOT, copy, ignore=ignore)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [jb, "build", str(copy)], capture_output=True, text=True, timeout=timeout
        )
        wall = time.perf_counter() - t0
        toc = yaml.safe_load((copy / "_toc.yml").read_text())
    listed = [p.name for p in notebooks() if f"chapters/{p.stem}" in _files(toc)]
    return {
        "s": wall,
        "returncode": proc.returncode,
        "notebooks_in_toc": listed,
        "tail": "" if proc.returncode == 0 else (proc.stdout + proc.stderr)[-1500:],
    }


def _files(node):
    """Every ``file:`` entry of a _toc.yml tree."""
    if isinstance(node, dict):
        return ([node["file"]] if "file" in node else []) + _files(list(node.values()))
    if isinstance(node, list):
        return [f for item in node for f in _files(item)]
    return []
