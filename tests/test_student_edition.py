"""The instructors' student edition and the exercise checks.

`tools/student_edition.py` must remove every solution (code and text) and keep the prompts,
the `exercise` stubs and the `check` cells; each check must fail on the blank stub and pass on
the reference solution. Checked on a small fixture (tests/data/exercises.ipynb) and on every
chapter. The chapters run in-process with exec() (no kernel), up to their last check cell.
"""

import contextlib
import io
import subprocess
import sys
import warnings
from collections import namedtuple
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from optlib.checks import (
    check_adam_step,
    check_bfgs_update,
    check_function,
    check_gd_step,
    check_newton_step,
    check_value,
)

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "student_edition.py"
FIXTURE = Path(__file__).parent / "data" / "exercises.ipynb"
NOTEBOOKS = [FIXTURE, *sorted((ROOT / "chapters").glob("*.ipynb"))]
IDS = [p.name if p.parent.name == "chapters" else f"fixture-{p.name}" for p in NOTEBOOKS]


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


# --- the grading helpers --------------------------------------------------------------------


def stub(x, g, lr):
    raise NotImplementedError


def test_a_stub_fails_with_a_message_that_says_what_to_do():
    with pytest.raises(AssertionError, match="not written yet.*NotImplementedError"):
        check_gd_step(stub)


def test_check_function_names_the_first_failing_case():
    def add(a, b):
        return a + b

    def almost(a, b):
        return a + b if a < 2 else a - b

    with pytest.raises(AssertionError, match=r"add\(2, 5\) returned -3, expected 7") as err:
        check_function(almost, add, [(1, 1), (2, 5), (3, 1)], name="add")
    assert "(3, 1)" not in str(err.value)


def test_check_function_reports_errors_and_missing_returns():
    def crash(a, b):
        return a / 0

    def silent(a, b):
        a + b  # noqa: B018

    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        check_function(crash, lambda a, b: a + b, [(1, 2)])
    with pytest.raises(AssertionError, match="None.*return"):
        check_function(silent, lambda a, b: a + b, [{"a": 1, "b": 2}])


def test_check_function_compares_structures_field_by_field():
    State = namedtuple("State", "m v")

    def ref(x):
        return State(m=x, v=x**2)

    def wrong(x):
        return State(m=x, v=2 * x)

    check_function(ref, ref, [(np.arange(3.0),)])
    with pytest.raises(AssertionError, match=r"result\.v is off by up to 1\b"):
        check_function(wrong, ref, [(np.arange(3.0),)])
    with pytest.raises(AssertionError, match="shape"):
        check_function(lambda x: x[:2], lambda x: x, [(np.arange(3.0),)])


def test_check_function_gives_each_call_its_own_copy():
    def inplace(x):
        x -= 1.0
        return x

    # the student's function modifies its argument; the reference must still see the original
    check_function(inplace, lambda x: x - 1.0, [(np.ones(2),)])


def test_check_value():
    with pytest.raises(AssertionError, match="no value yet"):
        check_value(..., 0.25, name="lr_star")
    with pytest.raises(AssertionError, match="lr_star = 0.5 is not right") as err:
        check_value(0.5, 0.25, name="lr_star")
    assert "0.25" not in str(err.value)  # a wrong answer is not told the right one
    check_value(0.25 + 1e-12, 0.25)
    check_value((1, np.array([2.0, 3.0])), (1, [2.0, 3.0]))
    with pytest.raises(AssertionError):
        check_value("momentum", "nesterov")


def test_check_gd_step_is_the_gradient_step(capsys):
    check_gd_step(lambda x, g, lr: x - lr * g)
    assert capsys.readouterr().out.startswith("Correct")
    for wrong in (lambda x, g, lr: x + lr * g, lambda x, g, lr: x - g, lambda x, g, lr: x - lr):
        with pytest.raises(AssertionError, match="gd_step"):
            check_gd_step(wrong)


def test_check_newton_step_is_the_damped_newton_step(capsys):
    def newton_step(x, g, H, delta=0.0):  # written here from the formula, not from optlib
        return x - np.linalg.solve(H + delta * np.eye(len(x)), g)

    check_newton_step(newton_step)
    assert capsys.readouterr().out.startswith("Correct")
    wrong = [
        lambda x, g, H, delta=0.0: x - np.linalg.solve(H, g),  # ignores the damping
        lambda x, g, H, delta=0.0: x + np.linalg.solve(H + delta * np.eye(len(x)), g),  # uphill
        lambda x, g, H, delta=0.0: x - g / (np.diag(H) + delta),  # the diagonal only
    ]
    for fn in wrong:
        with pytest.raises(AssertionError, match=r"(?s)newton_step\(.*returned"):
            check_newton_step(fn)
    with pytest.raises(AssertionError, match="not written yet"):
        check_newton_step(lambda x, g, H, delta=0.0: stub(x, g, H))


def bfgs_formula(M, s, y):
    V = np.eye(len(s)) - np.outer(y, s) / (y @ s)
    return V.T @ M @ V + np.outer(s, s) / (y @ s)


def test_check_bfgs_update_is_the_bfgs_update(capsys):
    check_bfgs_update(bfgs_formula)
    assert capsys.readouterr().out.startswith("Correct")
    wrong = [
        lambda M, s, y: bfgs_formula(M, y, s),  # s and y swapped
        lambda M, s, y: M + np.outer(s, s) / (y @ s),  # the rank-one term alone
        lambda M, s, y: bfgs_formula(M, s, y).T @ bfgs_formula(M, s, y),  # not the update
    ]
    for fn in wrong:
        with pytest.raises(AssertionError, match=r"(?s)bfgs_update\(.*returned"):
            check_bfgs_update(fn)
    with pytest.raises(AssertionError, match="not written yet"):
        check_bfgs_update(lambda M, s, y: stub(M, s, y))


def adam_formula(x, g, m, v, t, lr, b1, b2, eps, correct=True, eps_inside=False):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return x - lr * m_hat / denom, m, v


def test_check_adam_step_is_adams_step(capsys):
    check_adam_step(adam_formula)
    assert capsys.readouterr().out.startswith("Correct")
    wrong = [
        lambda *a: adam_formula(*a, correct=False),  # no bias correction
        lambda *a: adam_formula(*a, eps_inside=True),  # eps inside the square root
        lambda x, g, m, v, t, *h: (adam_formula(x, g, m, v, t, *h)[0], m, v),  # old moments back
        lambda x, g, m, v, t, *h: adam_formula(x, g, m, v, t + 1, *h),  # t off by one
        lambda *a: adam_formula(*a)[0],  # x alone, not the tuple
    ]
    for fn in wrong:
        with pytest.raises(AssertionError, match=r"(?s)adam_step\(.*returned"):
            check_adam_step(fn)
    with pytest.raises(AssertionError, match="not written yet"):
        check_adam_step(lambda *a: stub(*a[:3]))


def test_the_named_checks_agree_with_the_formulas_on_their_own_cases():
    # each reference in optlib.checks is optlib; these are the formulas the chapters derive
    from optlib import checks

    rng = np.random.default_rng(0)
    M = np.array([[2.0, 0.3], [0.3, 0.5]])
    s, y = rng.normal(size=2), rng.normal(size=2)
    y = y if y @ s > 0 else -y
    np.testing.assert_allclose(checks.newton._bfgs_update(M, s, y), bfgs_formula(M, s, y))
    H = np.array([[2.0, 0.0], [0.0, -0.88]])
    x, g = rng.normal(size=2), rng.normal(size=2)
    np.testing.assert_allclose(
        checks.newton._newton_step(x, g, H, 2.0), x - np.linalg.solve(H + 2.0 * np.eye(2), g)
    )
    args = (*rng.normal(size=(3, 2)), rng.random(2), 7, 0.01, 0.8, 0.99, 1e-6)
    for got, want in zip(checks.adam._adam_step(*args), adam_formula(*args), strict=True):
        np.testing.assert_allclose(got, want)
