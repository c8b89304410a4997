"""The course kit (tools/course_kit.py): the chapters as nbgrader assignments.

Fast tests convert every chapter and the fixture (tests/data/exercises.ipynb) and check the
nbgrader metadata, the merged solution cells, the test cells and the answer cells; with
nbgrader installed, nbgrader's own ClearSolutions and ClearHiddenTests make every chapter's
release in-process, and no solution line may be left in it. The slow test runs nbgrader
itself, in subprocesses, on a course of two chapters: generate_assignment, autograde of the
instructor's version (full marks once the written answers are graded) and of the unchanged
release (fewer marks, no error), export, and the scores in the exported CSV.
"""

import ast
import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course_cells  # noqa: E402
import course_kit  # noqa: E402

TOOL = ROOT / "tools" / "course_kit.py"
FIXTURE = Path(__file__).parent / "data" / "exercises.ipynb"
CHAPTERS = course_kit.chapter_paths([])  # every chapter with exercises
NOTEBOOKS = [FIXTURE, *CHAPTERS]
IDS = [p.stem for p in NOTEBOOKS]
GRADED = ["04_newton", "08_adam"]  # the chapters nbgrader grades below (two fast ones)
HAS_NBGRADER = importlib.util.find_spec("nbgrader") is not None
needs_nbgrader = pytest.mark.skipif(
    not HAS_NBGRADER, reason="nbgrader is not installed (pip install -r requirements-dev.txt)"
)


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def read(path):
    return nbformat.read(path, as_version=4)


def kit(path):
    return course_kit.course_notebook(read(path), path.stem)


def kinds(nb):
    """The nbgrader cells of a course notebook by kind: test, answer, code, locked."""
    out = {"test": [], "answer": [], "code": [], "locked": []}
    for cell in nb.cells:
        m = cell.metadata["nbgrader"]
        kind = ("answer" if m["solution"] else "test") if m["grade"] else None
        kind = kind or ("code" if m["solution"] else "locked")
        out[kind].append(cell)
    return out


def exercises(nb):
    """(stub sources, solution cells) of each exercise of a chapter."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and course_kit.PROMPT.search(cell.source):
            found.append(([], []))
        elif "exercise" in tags(cell):
            found[-1][0].append(cell.source)
        elif "solution" in tags(cell):
            found[-1][1].append(cell)
    return found


# --- the conversion, on every chapter -----------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_cell_is_an_nbgrader_cell_and_the_rest_is_locked_as_it_was(path):
    orig, nb = read(path), kit(path)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    assert len(set(ids)) == len(ids) and ids == [c.id for c in nb.cells]
    for cell in nb.cells:
        m = cell.metadata["nbgrader"]
        assert m["schema_version"] == 3 and re.fullmatch(r"[A-Za-z0-9_-]+", m["grade_id"])
        assert ("points" in m) == m["grade"]
    plain = [c for c in orig.cells if not tags(c) & {"exercise", "solution", "check"}]
    locked = kinds(nb)["locked"]
    assert [(c.cell_type, c.source) for c in locked] == [(c.cell_type, c.source) for c in plain]
    assert all(c.cell_type != "code" or c.outputs == [] for c in nb.cells)
    assert read(path) == orig  # the chapter is left as it was


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_checks_become_tests_with_a_self_check_and_hidden_tests(path):
    orig, tests = read(path), kinds(kit(path))["test"]
    checks = [c for c in orig.cells if "check" in tags(c)]
    assert len(tests) == len(checks)
    for check, test in zip(checks, tests, strict=True):
        m = test.metadata["nbgrader"]
        assert m["locked"] and m["points"] == course_kit.CHECK_POINTS
        visible, hidden = test.source.split("### BEGIN HIDDEN TESTS\n")
        hidden, end = hidden.split("### END HIDDEN TESTS")
        assert end == ""
        calls = [ast.dump(n) for n in ast.parse(check.source).body if is_check(n)]
        assert calls and [ast.dump(n) for n in ast.parse(hidden).body] == calls  # as written
        shown = [n for n in ast.parse(visible).body if is_check(n)]  # the self-check
        assert len(shown) == len(calls)
        for node in shown:
            reveal = [k.value.value for k in node.value.keywords if k.arg == "reveal"]
            assert reveal == [False]


def is_check(node):
    func = getattr(getattr(node, "value", None), "func", None)
    return isinstance(node, ast.Expr) and getattr(func, "id", "").startswith("check_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stubs_become_one_solution_cell_and_written_exercises_answer_cells(path):
    nb = kit(path)
    cells = kinds(nb)
    written = 0
    for stubs, solutions in exercises(read(path)):
        kinds_ = [course_cells.stub_kind(s) for s in stubs]
        written += bool(solutions) and (not stubs or "work" in kinds_)
        for stub in stubs:  # the stub's def lines stand in one solution cell, over its body
            defs = [line for line in stub.splitlines() if line.startswith("def ")]
            merged = [c.source for c in cells["code"] if any(d in c.source for d in defs)]
            assert len(merged) == len(defs) and all("### BEGIN SOLUTION" in s for s in merged)
            for source in merged:
                body = source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
                code = "\n".join(c.source for c in solutions if c.cell_type == "code")
                assert all(line.strip() in code for line in body.splitlines())
    answers = cells["answer"]
    assert len(answers) == written
    assert all(c.metadata["nbgrader"]["points"] == course_kit.ANSWER_POINTS for c in answers)
    text = "\n".join(c.source for c in nb.cells)
    assert "{solution-start}" not in text and "{solution-end}" not in text
    for answer in answers:  # the book's solution text, each paragraph of it
        assert answer.source.strip() and "{solution" not in answer.source


def test_the_points_per_chapter():
    assert course_kit.points(kit(FIXTURE)) == (2 * course_kit.CHECK_POINTS, 0)
    adam = kit(ROOT / "chapters" / "08_adam.ipynb")
    assert course_kit.points(adam) == (course_kit.CHECK_POINTS, 4 * course_kit.ANSWER_POINTS)


def test_the_merge_keeps_the_signature_and_the_docstring():
    from course_cells import merge_function, test_source

    stub = 'def f(\n    x,  # the point\n    y,\n):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError\n'
    solution = nbformat.v4.new_code_cell(
        'import math\n\n\ndef f(x, y):  # noqa: F811\n    """Doc."""\n    return math.hypot(x, y)\n\n\nf(3, 4)'
    )
    merged = merge_function(stub, [solution], "here")
    assert merged.splitlines() == [
        "def f(", "    x,  # the point", "    y,", "):", '    """Doc."""',
        "    ### BEGIN SOLUTION", "    import math", "    return math.hypot(x, y)",
        "    ### END SOLUTION",
    ]  # fmt: skip
    ns = {}
    exec(merged, ns)  # the instructor's version runs
    assert ns["f"](3, 4) == 5.0
    check = "check_function(\n    f,\n    g,\n    cases,\n)\nx = 1\ncheck_value(x, 1)"
    out = test_source(check, "here")
    assert "    cases,\n    reveal=False,\n)" in out and "check_value(x, 1, reveal=False)" in out
    assert out.endswith(
        "### BEGIN HIDDEN TESTS\n" + check.replace("\nx = 1", "") + "\n### END HIDDEN TESTS"
    )


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda nb: nb.cells[5].update(source="x = 1"), "no solution cell defines gd_step"),
        (lambda nb: nb.cells[8].update(source="print(gd_step)"), "calls no check_"),
        (lambda nb: nb.cells[2].update(source="A prompt without its directive"), "before any"),
        (lambda nb: nb.cells[8].metadata.update(tags=["check", "solution"]), "give it one"),
    ],
    ids=["no-solution", "no-check-call", "no-prompt", "two-tags"],
)
def test_an_exercise_that_does_not_follow_the_conventions_is_reported(break_it, message):
    nb = read(FIXTURE)
    break_it(nb)
    with pytest.raises(ValueError, match=message):
        course_kit.course_notebook(nb, "fixture")


def test_the_command_writes_the_course_and_lists_the_points(tmp_path):
    cmd = [sys.executable, str(TOOL), "--out", str(tmp_path), str(FIXTURE), "08_adam", "--points"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in ("exercises", "08_adam"):
        assert (tmp_path / "source" / name / f"{name}.ipynb").exists()
        auto, hand = course_kit.points(read(tmp_path / "source" / name / f"{name}.ipynb"))
        checks, answers = auto // course_kit.CHECK_POINTS, hand // course_kit.ANSWER_POINTS
        assert re.search(rf"^{name} +{checks} +{answers} +{auto + hand}$", proc.stdout, re.M)
    config = (tmp_path / "nbgrader_config.py").read_text()
    compile(config, "nbgrader_config.py", "exec")
    assert "c.CourseDirectory.course_id = 'optimizers'" in config and "#   08_adam" in config
    proc = subprocess.run([sys.executable, str(TOOL)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "--out" in proc.stderr


# --- no solution line in the release ------------------------------------------------------------


def leaked(chapter, release):
    """Lines of the chapter's solution cells found in the release: every non-blank line,
    equal to a line of the release or (8 characters or more) inside its text, unless the same
    text also stands outside the solutions (a prompt, a stub, the chapter's own code)."""
    kept = [c.source for c in chapter.cells if "solution" not in tags(c)]
    kept_lines, kept_text = {s.strip() for t in kept for s in t.splitlines()}, "\n".join(kept)
    text = "\n".join(c.source for c in release.cells)
    lines = {s.strip() for s in text.splitlines()}
    found = []
    for cell in chapter.cells:
        for line in cell.source.splitlines() if "solution" in tags(cell) else []:
            s = line.strip()
            if s and s not in kept_lines and s not in kept_text:
                if s in lines or (len(s) >= 8 and s in text):
                    found.append(s)
    return found


def release_in_process(source):
    """The release nbgrader's generate_assignment makes: its ClearSolutions and
    ClearHiddenTests on the instructor's version."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    nb, resources = ClearSolutions().preprocess(nbformat.from_dict(source), {})
    return ClearHiddenTests().preprocess(nb, resources)[0]


@needs_nbgrader
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_solution_line_is_left_in_the_release(path):
    from nbgrader.nbgraderformat import MetadataValidator

    chapter, source = read(path), kit(path)
    MetadataValidator().validate_nb(source)  # nbgrader's own check of its metadata
    assert leaked(chapter, source), "the detector must see the solutions in the source"
    release = release_in_process(source)
    assert not leaked(chapter, release)
    text = "\n".join(c.source for c in release.cells)
    assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    assert text.count("YOUR ANSWER HERE") == len(kinds(source)["answer"])
    assert text.count("raise NotImplementedError()") == len(kinds(source)["code"])


# --- nbgrader grades two chapters -------------------------------------------------------------


def nbgrader(course, *args):
    """Run ``nbgrader ARGS`` in the course directory; return its output (it must succeed)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "| ERROR]" not in out, out
    return out


GRADE_BY_HAND = """
from nbgrader.api import Gradebook

with Gradebook("sqlite:///gradebook.db") as gb:  # as a grader in formgrader: full points
    for assignment in {assignments!r}:
        for notebook in gb.find_submission(assignment, "instructor").notebooks:
            for grade in notebook.grades:
                if grade.auto_score is None:
                    grade.manual_score = grade.max_score
                    grade.needs_manual_grade = False
    gb.db.commit()
"""


def scores(path):
    with open(path, newline="") as f:
        return {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course of two chapters, generated, submitted twice, autograded and exported."""
    course = tmp_path_factory.mktemp("course")
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--out", str(course), *GRADED], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    nbgrader(course, "generate_assignment", "*")
    for name in GRADED:  # the instructor's version, and the release handed in unchanged
        for student, step in (("instructor", "source"), ("blank", "release")):
            target = course / "submitted" / student / name / f"{name}.ipynb"
            target.parent.mkdir(parents=True)
            shutil.copyfile(course / step / name / f"{name}.ipynb", target)
    log = nbgrader(course, "autograde", "*")
    nbgrader(course, "export", "--to", "autograded.csv")
    by_hand = [sys.executable, "-c", GRADE_BY_HAND.format(assignments=GRADED)]
    proc = subprocess.run(by_hand, cwd=course, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    nbgrader(course, "export", "--to", "graded.csv")
    return course, log


@needs_nbgrader
@pytest.mark.parametrize("name", GRADED)
def test_nbgrader_gives_the_source_full_marks_and_the_release_fewer(graded, name):
    course, _ = graded
    auto, hand = course_kit.points(read(course / "source" / name / f"{name}.ipynb"))
    first, final = scores(course / "autograded.csv"), scores(course / "graded.csv")
    for table in (first, final):
        assert {float(table[name, s]["max_score"]) for s in ("instructor", "blank")} == {
            auto + hand
        }
    # autograded: every test passes on the instructor's version, none on the blank release
    assert float(first[name, "instructor"]["score"]) == auto > 0
    assert float(first[name, "blank"]["score"]) == 0
    # the written answers graded by hand: full marks for the instructor's version
    assert float(final[name, "instructor"]["score"]) == auto + hand
    assert float(final[name, "blank"]["score"]) == 0


@needs_nbgrader
@pytest.mark.parametrize("name", GRADED)
def test_the_release_has_no_solution_and_the_graded_release_shows_the_self_check(graded, name):
    course, _ = graded
    chapter = read(ROOT / "chapters" / f"{name}.ipynb")
    release = read(course / "release" / name / f"{name}.ipynb")
    assert not leaked(chapter, release)
    assert leaked(chapter, read(course / "source" / name / f"{name}.ipynb"))
    blank = read(course / "autograded" / "blank" / name / f"{name}.ipynb")
    for cell in blank.cells:  # each test failed with the self-check's message
        if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert errors and "is not written yet" in errors[0].evalue
    instructor = read(course / "autograded" / "instructor" / name / f"{name}.ipynb")
    for cell in instructor.cells:  # the self-check, then the hidden check: both correct
        if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "code":
            out = "".join(o.get("text", "") for o in cell.outputs)
            assert out.count("Correct") == 2 and "### BEGIN HIDDEN TESTS" in cell.source
