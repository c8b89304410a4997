"""The chapters as files: stored without outputs, and listed in _toc.yml exactly once."""

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def toc_files(node):
    """Every `file:` entry of a _toc.yml tree, without suffix."""
    if isinstance(node, dict):
        found = [node["file"]] if "file" in node else []
        for key in ("root",):
            if key in node:
                found.append(node[key])
        for value in node.values():
            if isinstance(value, (list, dict)):
                found += toc_files(value)
        return found
    if isinstance(node, list):
        return [f for item in node for f in toc_files(item)]
    return []


def listed():
    return toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text()))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have stored outputs; strip them before committing"
    )


def test_every_notebook_is_in_the_toc():
    entries = set(listed())
    missing = [p.name for p in NOTEBOOKS if f"chapters/{p.stem}" not in entries]
    assert not missing, f"notebooks not listed in _toc.yml: {missing}"


def test_every_toc_entry_exists_once():
    entries = listed()
    dupes = {e for e in entries if entries.count(e) > 1}
    assert not dupes, f"listed more than once in _toc.yml: {dupes}"
    absent = [e for e in entries if not any((ROOT / f"{e}{s}").exists() for s in (".md", ".ipynb"))]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"


def test_toc_checker_sees_nested_entries():
    # the checker must find files at every depth, or the two tests above prove nothing
    toc = {"root": "intro", "parts": [{"chapters": [{"file": "a", "sections": [{"file": "b"}]}]}]}
    assert sorted(toc_files(toc)) == ["a", "b", "intro"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_installs_optlib_on_colab_from_the_configured_repository(path):
    # Colab reads no requirements file, so each chapter's first code cell installs optlib there,
    # from repository.url in _config.yml (the one setting a fork changes).
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    setup = "".join(cells[0]["source"])
    assert f'%pip install --quiet "optlib[figures] @ git+{url}"' in setup, (
        f"{path.name}: the first code cell must install optlib from {url} when it is missing"
    )
    assert 'find_spec("optlib") is None' in setup  # ... and do nothing where it is installed
    assert "remove-cell" in cells[0]["metadata"].get("tags", [])  # not shown on the website
