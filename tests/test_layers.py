"""optlib's layers: core <- runner <- figures <- experiments, and nothing points back up.

- core: the optimizers, the problems, the schedules (NumPy only);
- runner: ``optlib.runner`` (runs, sweeps, records), and the checks of the exercises
  (``optlib.checks``), which grade answers with the runner's pieces (an epoch of batches, the
  clipping of ``run``) but need no figures;
- figures: ``optlib.viz`` (matplotlib);
- experiments: ``optlib.interact`` (ipywidgets, the static player).

Each layer is imported in a fresh interpreter with every layer above it, and the libraries
those need, blocked (an import of them raises). ``import optlib`` loads the core and the runner
together (the package exports ``run``), so between those two the rule is checked on the source:
no core module imports ``optlib.runner``.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

OPTLIB = Path(__file__).resolve().parents[1] / "optlib"

BLOCKER = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ImportError(f"{{name}} is a layer above: blocked")
sys.meta_path.insert(0, Block())
import {module}
print("ok")
"""

LAYERS = [
    # (what is imported, what must not be needed)
    ("optlib", ["optlib.viz", "optlib.interact", "matplotlib", "ipywidgets", "PIL"]),
    ("optlib.checks", ["optlib.viz", "optlib.interact", "matplotlib", "ipywidgets"]),
    ("optlib.viz", ["optlib.interact", "ipywidgets"]),
    ("optlib.interact", []),
]


@pytest.mark.parametrize("module, blocked", LAYERS, ids=[m for m, _ in LAYERS])
def test_each_layer_imports_with_the_layers_above_blocked(module, blocked):
    code = BLOCKER.format(blocked=blocked, module=module)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_the_blocker_can_fail():
    code = BLOCKER.format(blocked=["optlib.viz"], module="optlib.interact")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0 and "blocked" in proc.stderr


def imported(path):
    """The optlib modules a source file imports (absolute imports only, as optlib writes them)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return {n for n in names if n == "optlib" or n.startswith("optlib.")}


def layer_of(module):
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    return {"runner": 1, "checks": 1, "viz": 2, "interact": 3}.get(top, 0)


def test_no_module_imports_a_layer_above_its_own():
    bad = []
    for path in OPTLIB.rglob("*.py"):
        rel = path.relative_to(OPTLIB.parent).with_suffix("")
        module = ".".join(p for p in rel.parts if p != "__init__")
        if module == "optlib":  # the package's front door exports the core and the runner
            continue
        for name in imported(path):
            if layer_of(name) > layer_of(module):
                bad.append(f"{module} imports {name}")
    assert not bad, "\n".join(bad)
    assert layer_of("optlib.interact._static") == 3 and layer_of("optlib.adam") == 0
    assert layer_of("optlib.checks.sgd") == layer_of("optlib.runner") == 1
