"""Write the course kit: the chapters as nbgrader assignments, graded by nbgrader itself.

    python tools/course_kit.py --out course/                      # every chapter with exercises
    python tools/course_kit.py --out course/ 08_adam 04_newton    # these chapters
    python tools/course_kit.py --points                           # the points per chapter

It writes ``DIR/nbgrader_config.py`` and ``DIR/source/<chapter>/<chapter>.ipynb``, the
instructor's version that ``nbgrader generate_assignment <chapter>`` turns into the release.
It reads the tags the chapters already carry (see instructors.md) and needs only nbformat:

- a code stub (tag ``exercise``) and the solution code cell that defines the same function
  become ONE solution cell: the stub's ``def`` line(s) and docstring, then the solution's
  body between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, so that the release shows the
  signature and ``raise NotImplementedError()``; a stub that sets a value (``lr_star = ...``)
  keeps its other lines and takes the solution's code between the markers. The rest of a
  coding exercise's solution (comments, demonstrations) stays in the book;
- a check cell (tag ``check``) becomes an autograded test cell worth ``CHECK_POINTS``: its
  visible part runs the check with ``reveal=False`` (the message names the failing case but
  shows no value); the same call with full messages runs between ``### BEGIN HIDDEN TESTS``
  and ``### END HIDDEN TESTS``, which the release leaves out;
- a written exercise (a solution but no stub) becomes a markdown answer cell worth
  ``ANSWER_POINTS``, graded by hand, whose source is the book's solution text (the release
  shows "YOUR ANSWER HERE"); a predict-then-run whose stub is only comments gets that answer
  cell for the prediction, then the stub as a solution cell with the book's run between the
  markers (an empty cell to run things in, in the release);
- the MyST ``{solution-start}`` and ``{solution-end}`` cells are dropped, and every other
  cell is locked (read-only), with its cell id as grade id.

A chapter whose exercises do not follow these conventions stops the tool with a message that
names the chapter and the exercise.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_cells import BEGIN, END, Exercise, plan, test_source  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHECK_POINTS = 2  # each check cell: an autograded test
ANSWER_POINTS = 1  # each written answer: graded by hand in nbgrader's formgrader
DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME")
PROMPT = re.compile(r"^(`{3,}|:{3,})\{exercise(?:-start)?\}", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


# --- the notebook -------------------------------------------------------------------------------


def read_exercises(nb, chapter):
    """The cells as slots: ("cell", cell), ("stub", exercise, cell), ("solution", exercise)
    at an exercise's first solution cell, and ("check", exercise, cell)."""
    slots, current = [], None
    for i, cell in enumerate(nb.cells):
        kind = {"exercise", "solution", "check"} & tags(cell)
        if len(kind) > 1:
            raise ValueError(f"{chapter}, cell {i}: tagged {sorted(kind)}; give it one of them")
        if cell.cell_type == "markdown" and not kind and PROMPT.search(cell.source):
            label = LABEL.search(cell.source)
            label = re.sub(r"[^A-Za-z0-9_-]", "-", label.group(1)) if label else f"{chapter}-{i}"
            current = Exercise(label)
        if kind and current is None:
            raise ValueError(f"{chapter}, cell {i}: tagged {kind.pop()} before any exercise")
        if "exercise" in kind:
            current.stubs.append(cell)
            slots.append(("stub", current, cell))
        elif "solution" in kind:
            if not current.solutions:
                slots.append(("solution", current))
            current.solutions.append(cell)
        else:
            slots.append(("check", current, cell) if kind else ("cell", cell))
    return slots


def _new_cell(kind, source, grade_id):
    meta = dict(grade=False, grade_id=grade_id, locked=False, schema_version=3, solution=True)
    if kind == "test":
        meta.update(grade=True, locked=True, solution=False, points=CHECK_POINTS)
    if kind == "answer":
        meta.update(grade=True, points=ANSWER_POINTS)
    new = nbformat.v4.new_markdown_cell if kind == "answer" else nbformat.v4.new_code_cell
    cell = new(source)
    cell.metadata["nbgrader"] = meta
    return cell


def course_notebook(nb, chapter):
    """The nbgrader source notebook (the instructor's version) of chapter notebook ``nb``."""
    nb = nbformat.from_dict(nb)  # a deep copy: the input is left as it was
    slots, plans, cells = read_exercises(nb, chapter), {}, []
    for slot in slots:
        ex = slot[1] if slot[0] != "cell" else None
        if ex is not None and id(ex) not in plans:
            plans[id(ex)] = plan(ex, f"{chapter}, exercise {ex.label}")
        if slot[0] == "cell":
            cell = slot[1]
            keep = sorted(tags(cell) - {"exercise", "solution", "check"})
            cell.metadata.pop("tags", None)
            cell.metadata.update({"tags": keep} if keep else {})
            cell.metadata["nbgrader"] = dict(
                grade=False, grade_id=cell.id, locked=True, schema_version=3, solution=False
            )
            cells.append(cell)
        elif slot[0] == "stub":
            cells += [_new_cell(*c) for c in plans[id(ex)][0].get(slot[2].id, [])]
        elif slot[0] == "solution":
            cells += [_new_cell(*c) for c in plans[id(ex)][1]]
        else:
            where = f"{chapter}, exercise {ex.label}"
            cells.append(_new_cell("test", test_source(slot[2].source, where), f"{ex.label}-check"))
    taken = set()
    for cell in cells:  # unique grade ids; a new cell's id is its grade id
        meta, n = cell.metadata["nbgrader"], 1
        base = meta["grade_id"]
        while meta["grade_id"] in taken:
            n += 1
            meta["grade_id"] = f"{base}-{n}"
        taken.add(meta["grade_id"])
        cell.id = meta["grade_id"]
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    check_notebook(nb, chapter)
    return nb


def check_notebook(nb, chapter):
    """Raise ValueError where nbgrader would fail or leak: a delimiter in a cell that is not a
    solution or test cell, an unbalanced solution region, an invalid grade id."""
    nbformat.validate(nb)
    for cell in nb.cells:
        meta, text = cell.metadata["nbgrader"], cell.source
        where = f"{chapter}, cell {meta['grade_id']}"
        if not re.fullmatch(r"[A-Za-z0-9_-]+", meta["grade_id"]):
            raise ValueError(f"{where}: invalid grade id")
        marks = [d for d in DELIMITERS if d in text]
        if meta["locked"] and not meta["grade"] and marks:
            raise ValueError(f"{where}: a locked cell holds nbgrader's {marks[0]!r}")
        if cell.cell_type == "code" and meta["solution"] and text.count(BEGIN) != text.count(END):
            raise ValueError(f"{where}: unbalanced solution markers")


def points(nb):
    """(autograded points, points graded by hand) of a course notebook."""
    graded = [c.metadata["nbgrader"] for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    auto = sum(m["points"] for m in graded if not m["solution"])
    return auto, sum(m["points"] for m in graded if m["solution"])


# --- the course directory ---------------------------------------------------------------------

CONFIG = """\
# nbgrader configuration of a course made of chapters of "Optimizers of Deep Learning",
# written by tools/course_kit.py. Each chapter is an assignment of one notebook,
# source/<chapter>/<chapter>.ipynb. From this folder (see the book's page "For instructors"):
#
#   nbgrader generate_assignment 08_adam    # release/08_adam/: no solutions, no hidden tests
#   nbgrader collect 08_adam                # or copy submissions to submitted/<student>/08_adam/
#   nbgrader autograde 08_adam              # runs every submission; tests score themselves
#   (JupyterLab: Nbgrader > Formgrader)     # grade the written answers by hand
#   nbgrader export                         # grades.csv: one row per student and assignment
#
# Points: each check is an autograded test worth {check} points, each written answer is
# graded by hand and worth {answer} point{s}.
#
{table}
c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = {course!r}
# The chapters execute in seconds; a cell that runs for minutes is a student's endless loop.
c.Execute.timeout = 120
# The stubs nbgrader puts where a solution was (its defaults, stated here).
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
"""


def chapter_paths(names):
    """Notebook paths of the chapters named (``08_adam``, ``08_adam.ipynb`` or a path);
    without names, every chapter that has an exercise."""
    if not names:
        paths = sorted((ROOT / "chapters").glob("*.ipynb"))
        return [p for p in paths if any(PROMPT.search(c.source) for c in _read(p).cells)]
    out = []
    for name in names:
        path = Path(name)
        if not path.exists():
            path = ROOT / "chapters" / (path.stem + ".ipynb")
        if not path.exists():
            raise SystemExit(f"no chapter {name}: give a name such as 08_adam or a notebook path")
        out.append(path)
    return out


def _read(path):
    return nbformat.read(path, as_version=4)


def chapter_points(paths):
    """Rows (chapter, autograded points, points graded by hand) of the chapters at ``paths``."""
    return [(p.stem, *points(course_notebook(_read(p), p.stem))) for p in map(Path, paths)]


def points_table(rows):
    """The points per chapter as text: rows of (chapter, autograded, by hand)."""
    lines = [f"{'chapter':<24}{'checks':>8}{'written':>9}{'points':>8}"]
    for name, auto, hand in rows:
        checks, answers = auto // CHECK_POINTS, hand // ANSWER_POINTS
        lines.append(f"{name:<24}{checks:>8}{answers:>9}{auto + hand:>8}")
    total = sum(auto + hand for _, auto, hand in rows)
    return "\n".join([*lines, f"{'all':<24}{'':>17}{total:>8}"])


def write_course(paths, out, course_id="optimizers"):
    """Write the course directory ``out``; return rows (chapter, autograded, by hand)."""
    out, rows = Path(out), []
    for path in map(Path, paths):
        nb = course_notebook(_read(path), path.stem)
        target = out / "source" / path.stem / f"{path.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        rows.append((path.stem, *points(nb)))
    table = "\n".join(f"#   {line}" for line in points_table(rows).splitlines())
    config = CONFIG.format(
        check=CHECK_POINTS, answer=ANSWER_POINTS, s="s" * (ANSWER_POINTS != 1), table=table,
        course=course_id,
    )  # fmt: skip
    (out / "nbgrader_config.py").write_text(config)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "chapters", nargs="*", help="chapters, e.g. 08_adam (default: every one with exercises)"
    )
    parser.add_argument("--out", type=Path, help="the course directory to write")
    parser.add_argument("--points", action="store_true", help="print the points per chapter")
    parser.add_argument("--course-id", default="optimizers", help="nbgrader's course_id")
    args = parser.parse_args(argv)
    if args.out is None and not args.points:
        parser.error("give --out DIR (the course directory to write), or --points")
    paths = chapter_paths(args.chapters)
    if args.out is not None:
        rows = write_course(paths, args.out, args.course_id)
        for name, _, _ in rows:
            print(f"wrote {args.out / 'source' / name / f'{name}.ipynb'}")
        print(f"wrote {args.out / 'nbgrader_config.py'}")
    else:
        rows = chapter_points(paths)
    if args.points:
        print(points_table(rows))


if __name__ == "__main__":
    main()
