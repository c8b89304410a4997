"""Results that a chapter stores, because computing them costs more than its page's time
budget, must be what the page's own code computes. The test runs the chapter's code in a
scratch copy with the switch that recomputes and rewrites the file, and compares the two.

Chapter 16 (Beyond Adam) stores its comparison of nine methods x 19 learning rates x 8 networks
in ``benchmarks/beyond_adam.json`` (about half a minute of CPU).
"""

import json
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "benchmarks" / "beyond_adam.json"


def test_beyond_adam_comparison_is_what_the_chapter_computes(tmp_path, monkeypatch):
    nb = nbformat.read(ROOT / "chapters" / "16_beyond_adam.ipynb", as_version=4)
    last = next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and "beyond_adam.json" in c.source
    )
    nb.cells = nb.cells[: last + 1]  # up to the cell that trains the networks and writes the file
    (tmp_path / "chapters").mkdir()
    (tmp_path / "benchmarks").mkdir()
    monkeypatch.setenv("BEYOND_ADAM_RERUN", "1")  # the kernel inherits the environment
    client = NotebookClient(
        nb, timeout=900, resources={"metadata": {"path": str(tmp_path / "chapters")}}
    )
    client.execute()
    fresh = json.loads((tmp_path / "benchmarks" / "beyond_adam.json").read_text())
    stored = json.loads(STORED.read_text())
    assert fresh.keys() == stored.keys()
    for method in stored:
        for key in ("validation", "accuracy", "test_loss", "diverged"):
            got, want = np.array(fresh[method][key]), np.array(stored[method][key])
            assert got.shape == want.shape, (method, key)
            assert np.allclose(got, want, rtol=1e-6, atol=0), (method, key)
        chosen = [np.argmin(np.mean(r[method]["validation"], axis=1)) for r in (fresh, stored)]
        assert chosen[0] == chosen[1], method
