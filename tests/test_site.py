"""The book as a website: a strict Jupyter Book build (every notebook executed, no warning)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


@pytest.fixture(scope="module")
def build():
    """Build the book once per test session: `jupyter-book build . --all -W -n --keep-going`."""
    exe = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    cmd = [exe, "build", str(ROOT), "--all", "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    return proc


@pytest.mark.book
def test_strict_build_passes_without_warnings(build):
    log = build.stdout + build.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert build.returncode == 0, log[-5000:]
    assert not warnings, "\n".join(warnings)
    assert (HTML / "index.html").exists()


@pytest.mark.book
def test_every_chapter_became_a_page(build):
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert (HTML / "chapters" / f"{nb.stem}.html").exists(), nb.name
