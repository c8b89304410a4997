"""The instructors' student edition, and the exercise checks of every chapter.

`tools/student_edition.py` must remove every solution (code and text) and keep the prompts,
the `exercise` stubs and the `check` cells; each check must fail on the blank stub and pass on
the reference solution. Checked on a small fixture (tests/data/exercises.ipynb) and on every
chapter. The chapters run in-process with exec() (no kernel), up to their last check cell. The
grading helpers themselves (``optlib.checks``) are tested in ``test_checks.py``.
"""

import contextlib
import io
import re
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import matplotlib
import nbformat
import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "student_edition.py"
FIXTURE = Path(__file__).parent / "data" / "exercises.ipynb"
NOTEBOOKS = [FIXTURE, *sorted((ROOT / "chapters").glob("*.ipynb"))]
IDS = [p.name if p.parent.name == "chapters" else f"fixture-{p.name}" for p in NOTEBOOKS]
HUB = "https://hub.example.edu"


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def is_solution(cell):
    return "solution" in tags(cell)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The student edition of every notebook, written by the command instructors run."""
    out = tmp_path_factory.mktemp("student")
    before = {path: path.read_bytes() for path in NOTEBOOKS}
    cmd = [sys.executable, str(TOOL), *map(str, NOTEBOOKS), "--out", str(out), "--links"]
    cmd += ["--hub", HUB]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout, before


def student(edition, path):
    return nbformat.read(edition[0] / path.name, as_version=4)


def original(path):
    return nbformat.read(path, as_version=4)


# --- no solution survives -------------------------------------------------------------------


def leaks(orig, stud):
    """Solution text of ``orig`` found in ``stud``: whole solution cells, then each line of
    them (8 characters or more), unless the same text also stands outside the solutions."""
    kept = "\n".join(c.source for c in orig.cells if not is_solution(c))
    text = "\n".join(c.source for c in stud.cells)
    found = []
    for cell in filter(is_solution, orig.cells):
        body = cell.source.strip()
        if body and body in text and body not in kept:
            found.append(body)
            continue
        for line in cell.source.splitlines():
            s = line.strip()
            if len(s) >= 8 and s in text and s not in kept:
                found.append(s)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_solution_survives(edition, path):
    stud = student(edition, path)
    assert not leaks(original(path), stud), "solution text in the student edition"
    text = "\n".join(c.source for c in stud.cells)
    for directive in ("{solution-start}", "{solution-end}", "{solution}"):
        assert directive not in text, f"{directive} left behind: tag its cell `solution`"
    assert not any(is_solution(c) for c in stud.cells)


def test_leak_detector_finds_solutions_in_the_original():
    # the same comparison on the instructor's notebook must see every solution cell's text
    nb = original(FIXTURE)
    found = leaks(nb, nb)
    for cell in filter(is_solution, nb.cells):
        assert cell.source.strip() in found
    assert any("1 - \\eta L" in s for s in found)  # solution prose, not only code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_prompts_stubs_and_checks_stay_and_outputs_are_cleared(edition, path):
    orig, stud = original(path), student(edition, path)
    expected = [(c.cell_type, c.source) for c in orig.cells if not is_solution(c)]
    assert [(c.cell_type, c.source) for c in stud.cells] == expected
    for tag in ("exercise", "check"):
        assert sum(tag in tags(c) for c in stud.cells) == sum(tag in tags(c) for c in orig.cells)
    assert sum("{exercise}" in c.source for c in stud.cells) == sum(
        "{exercise}" in c.source for c in orig.cells
    )
    code = [c for c in stud.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "widgets" not in stud.metadata


def test_the_fixture_has_what_the_tests_look_for():
    nb = original(FIXTURE)
    assert sum("check" in tags(c) for c in nb.cells) == 2
    assert sum("exercise" in tags(c) for c in nb.cells) == 2
    assert sum(is_solution(c) for c in nb.cells) == 8
    assert any(
        is_solution(c) and c.cell_type == "markdown" and "{solution" not in c.source
        for c in nb.cells
    )


def test_the_tool_prints_launch_links_from_the_config(edition):
    out = edition[1]
    assert "wrote " in out and "exercises.ipynb" in out
    assert (
        "https://mybinder.org/v2/gh/optbook/optimizers-textbook/main?urlpath=lab%2Ftree%2F" in out
    )
    assert "https://colab.research.google.com/github/optbook/optimizers-textbook/blob/main/" in out


def test_the_tool_prints_nbgitpuller_links_for_a_hub(edition):
    # as nbgitpuller's link generator writes them: the repository, then the notebook opened in
    # JupyterLab inside the folder git clones into, then the branch
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    links = re.findall(r"^  JupyterHub: (\S+)$", edition[1], re.M)
    assert len(links) == len(NOTEBOOKS)
    written = re.findall(r"^wrote (\S+)$", edition[1], re.M)
    for link, target in zip(links, written, strict=True):
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == HUB
        assert parts.path == "/hub/user-redirect/git-pull"
        query = parse_qs(parts.query)
        assert list(query) == ["repo", "urlpath", "branch"]
        folder = repo["url"].rstrip("/").split("/")[-1]
        assert query["repo"] == [repo["url"]] and query["branch"] == [repo["branch"]]
        assert query["urlpath"] == [f"lab/tree/{folder}/{Path(target).as_posix()}"]


def test_the_hub_link_format():
    sys.path.insert(0, str(TOOL.parent))
    from student_edition import hub_link

    link = hub_link(
        "assignments/02_sgd.ipynb", "https://github.com/me/my-book.git", "fall", "https://h.edu/"
    )
    assert link == (
        "https://h.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fme%2F"
        "my-book.git&urlpath=lab%2Ftree%2Fmy-book%2Fassignments%2F02_sgd.ipynb&branch=fall"
    )
    # a hub served under a path keeps it
    assert hub_link(
        "a.ipynb", "https://github.com/me/b", "main", "https://u.edu/jupyter"
    ).startswith("https://u.edu/jupyter/hub/user-redirect/git-pull?repo=")


def test_the_tool_leaves_its_input_unchanged(edition):
    before = edition[2]
    assert {path: path.read_bytes() for path in before} == before


# --- each check fails on the blank stub and passes on the solution ---------------------------


def run_cell(cell, ns):
    source = TransformerManager().transform_cell(cell.source)  # IPython syntax (%pip) to Python
    try:
        exec(compile(source, f"<cell {cell.get('id', '?')}>", "exec"), ns)
    except Exception as err:
        if "check" in tags(cell):
            raise
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        raise RuntimeError(f"cell {cell.get('id', '?')} ({first!r}) raised {err!r}") from err


def grade(nb, cwd):
    """Run the code cells of ``nb`` up to its last check cell, in one namespace.

    Solution cells are held back; at a check cell it runs the check on the blank exercise (it
    must raise AssertionError), then the held-back solution, then the check again (it must
    pass and print "Correct"). Returns the problems found (empty when all is well).
    """
    cells = nb.cells
    checks = [i for i, c in enumerate(cells) if "check" in tags(c)]
    if not checks:
        return []
    ns = {"__name__": "__main__"}
    problems, held = [], []
    out = io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out):
        for i, cell in enumerate(cells[: checks[-1] + 1]):
            if cell.cell_type != "code":
                continue
            if is_solution(cell):
                held.append(cell)
                continue
            if "check" not in tags(cell):
                for sol in held:  # a solution without a check: it runs where it stands
                    run_cell(sol, ns)
                held = []
                run_cell(cell, ns)
                continue
            try:
                run_cell(cell, ns)
                problems.append(f"cell {i}: the check passes on the blank exercise")
            except AssertionError:
                pass
            except Exception as err:
                problems.append(
                    f"cell {i}: on the blank exercise the check raised {type(err).__name__}: "
                    f"{err} (a check must raise AssertionError)"
                )
            for sol in held:
                run_cell(sol, ns)
            held = []
            start = out.tell()
            try:
                run_cell(cell, ns)
            except Exception as err:
                problems.append(f"cell {i}: fails on the reference solution: {err!r}")
                continue
            if "Correct" not in out.getvalue()[start:]:
                problems.append(f"cell {i}: passed without printing a 'Correct' line")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_check_fails_blank_and_passes_solved(path):
    import matplotlib.pyplot as plt

    # a chapter may change matplotlib's style or the warning filters: keep them to itself
    with matplotlib.rc_context(), warnings.catch_warnings():
        try:
            problems = grade(original(path), path.parent)
        finally:
            plt.close("all")
    assert not problems, "\n".join(problems)


def test_grader_flags_a_check_that_cannot_fail():
    nb = original(FIXTURE)
    for cell in nb.cells:
        if cell.source.startswith("check_value"):
            cell.source = "check_value(1.0, 1.0)"  # passes whatever the student wrote
    problems = grade(nb, FIXTURE.parent)
    assert len(problems) == 1 and "passes on the blank exercise" in problems[0]


def test_grader_flags_a_check_that_fails_on_the_solution():
    nb = original(FIXTURE)
    for cell in nb.cells:
        if is_solution(cell) and cell.source.startswith("lr_star ="):
            cell.source = "lr_star = 0.5 / L"  # a wrong reference solution
    problems = grade(nb, FIXTURE.parent)
    assert len(problems) == 1 and "fails on the reference solution" in problems[0]
