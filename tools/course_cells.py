"""How the cells of one exercise become nbgrader cells (used by ``course_kit.py``).

``plan`` merges a code stub with the solution cell that defines the same function (or sets
the same values) into one solution cell, and turns a written exercise into an answer cell;
``test_source`` turns a check cell into a test cell: a self-check with ``reveal=False``, then
the same check in full between the hidden-test markers.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
GATE = re.compile(r"^(`{3,}|:{3,})\{solution-(?:start|end)\}.*?^\1[ \t]*$\n?", re.M | re.S)


@dataclass
class Exercise:
    """The cells of one exercise, as the chapter has them."""

    label: str
    stubs: list = field(default_factory=list)
    solutions: list = field(default_factory=list)

    def code(self):
        return [c for c in self.solutions if c.cell_type == "code"]

    def text(self):
        parts = [GATE.sub("", c.source).strip() for c in self.solutions if c.cell_type != "code"]
        return "\n\n".join(p for p in parts if p)


# --- a stub and its solution become one cell ----------------------------------------------------


def _functions(source):
    tree = ast.parse(source)
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _header_end(lines, node):
    """The last line (1-based) of the ``def`` header of ``node``: its last line of code
    before the first statement of the body (that statement's line for a one-line def)."""
    code = [i for i in range(node.lineno, node.body[0].lineno) if lines[i - 1].strip()]
    code = [i for i in code if not lines[i - 1].strip().startswith("#")]
    return code[-1] if code else node.body[0].lineno


def _docstring_end(node):
    first = node.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return first.end_lineno if is_doc and isinstance(first.value.value, str) else None


def _is_blank(node):
    """A statement of a stub's body: ``raise NotImplementedError``, ``pass`` or ``...``."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    exc = getattr(node, "exc", None)
    exc = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(node, ast.Raise) and getattr(exc, "id", "") == "NotImplementedError"


def _is_stub(node):
    body = node.body[1:] if _docstring_end(node) else node.body
    return all(map(_is_blank, body))


def _sets_blank(node):
    return isinstance(node, ast.Assign) and getattr(node.value, "value", None) is Ellipsis


def _region(code, indent=""):
    """``code`` between the solution markers, every line indented by ``indent``."""
    lines = [BEGIN, *textwrap.dedent(code).strip("\n").split("\n"), END]
    return [indent + line if line.strip() else "" for line in lines]


def stub_kind(source):
    """``function`` (defs to fill in), ``value`` (``name = ...``) or ``work`` (anything else,
    such as the comments of a predict-then-run)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "work"
    if any(map(_is_stub, _functions(source).values())):
        return "function"
    return "value" if any(map(_sets_blank, tree.body)) else "work"


def _solution_body(source, name, skip_docstring, where):
    """The body of ``def name`` in a solution cell (code before the def first: imports and
    helpers, run inside the function)."""
    lines, fn = source.splitlines(), _functions(source)[name]
    header = _header_end(lines, fn)
    if fn.body[0].lineno == header:
        raise ValueError(f"{where}: write the body of {name}() below its def line")
    first = (_docstring_end(fn) if skip_docstring else None) or header
    start = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
    before = textwrap.dedent("\n".join(lines[: start - 1])).strip("\n")
    body = textwrap.dedent("\n".join(lines[first : fn.end_lineno])).strip("\n")
    return "\n".join(p for p in (before, body) if p)


def merge_function(stub, solutions, where):
    """One cell from a function stub and the solution code cells: the stub's header and
    docstring, then the solution's body between the markers at the body's indentation.
    Code after the def in the solution cell (a demonstration) is left out."""
    lines = stub.splitlines()
    stubs = {k: f for k, f in _functions(stub).items() if _is_stub(f)}
    for name, node in sorted(stubs.items(), key=lambda kv: -kv[1].lineno):  # bottom up
        found = [i for i, c in enumerate(solutions) if name in _functions(c.source)]
        if not found:
            raise ValueError(f"{where}: no solution cell defines {name}(), as the stub does")
        keep = _docstring_end(node) or _header_end(lines, node)
        if node.body[0].lineno == _header_end(lines, node):
            raise ValueError(f"{where}: write the stub's body below the def line of {name}()")
        has_doc = _docstring_end(node) is not None
        body = _solution_body(solutions[found[-1]].source, name, has_doc, where)
        indent = re.match(r"\s*", lines[node.body[0].lineno - 1]).group(0)
        lines[keep : node.end_lineno] = _region(body, indent)
    return "\n".join(lines)


def merge_value(stub, solutions, where):
    """One cell from a stub that sets values (``name = ...``) and the solution cells that set
    them: the stub's other lines, and the solutions' code between the markers."""
    blanks = [n for n in ast.parse(stub).body if _sets_blank(n)]
    names = {t.id for n in blanks for t in n.targets if isinstance(t, ast.Name)}
    used = set()
    for i, cell in enumerate(solutions):
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.Assign) and names & {getattr(t, "id", 0) for t in node.targets}:
                used.add(i)
    if not used:
        raise ValueError(f"{where}: no solution cell sets {', '.join(sorted(names))}")
    code = "\n\n".join(solutions[i].source.strip() for i in sorted(used))
    lines = stub.splitlines()
    for node in sorted(blanks, key=lambda n: -n.lineno):
        lines[node.lineno - 1 : node.end_lineno] = _region(code) if node is blanks[0] else []
    return "\n".join(lines)


def plan(ex, where):
    """What an exercise becomes: {stub cell id: new cells}, and the new cells that stand where
    its solution stood. A new cell is (kind, source, grade id), kind one of ``code`` (a
    solution cell), ``answer`` (a written answer) and ``test``."""
    at_stub, code, work = {}, ex.code(), None
    for stub in ex.stubs:
        kind = stub_kind(stub.source)
        if kind == "work":
            if work is not None:
                raise ValueError(f"{where}: two stubs that are neither a def nor a value")
            work = stub
            continue
        merge = merge_function if kind == "function" else merge_value
        at_stub[stub.id] = [("code", merge(stub.source, code, where), f"{ex.label}-code")]
    if ex.stubs and work is None:  # a coding exercise: the rest of its solution is in the book
        return at_stub, []
    text = ex.text() or "\n\n".join(f"```python\n{c.source.strip()}\n```" for c in code)
    answer = ("answer", text, f"{ex.label}-answer")
    if work is None:  # a written exercise
        return at_stub, [answer] if ex.solutions else []
    # predict (the answer), then run: the stub, with the book's run between the markers
    run = "\n".join([work.source.rstrip(), *_region("\n\n".join(c.source for c in code))])
    at_stub[work.id] = [answer, ("code", run, f"{ex.label}-run")]
    return at_stub, []


# --- a check cell becomes a test cell ---------------------------------------------------------


def _is_check(node):
    func = getattr(getattr(node, "value", None), "func", None)
    name = getattr(func, "id", None) or getattr(func, "attr", "")
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and name.startswith("check_")
    )


def test_source(source, where):
    """The test cell of a check cell: the cell with ``reveal=False`` added to each check call,
    then the same calls as written, between the hidden-test markers."""
    calls = [n for n in ast.parse(source).body if _is_check(n)]
    if not calls:
        raise ValueError(f"{where}: the check cell calls no check_... function")
    hidden = [ast.get_source_segment(source, n) for n in calls]
    lines = [line.encode() for line in source.splitlines()]  # ast columns count bytes
    for node in reversed(calls):
        call = node.value
        if any(k.arg == "reveal" for k in call.keywords):
            continue
        row, col = call.end_lineno - 1, call.end_col_offset - 1  # at the closing parenthesis
        head = lines[row][:col].rstrip()
        if head.strip():
            sep = b"" if head.endswith(b"(") else b" " if head.endswith(b",") else b", "
            lines[row] = head + sep + b"reveal=False" + lines[row][col:]
        else:  # the parenthesis on a line of its own
            prev = lines[row - 1].rstrip()
            lines[row - 1] = prev if prev.endswith((b",", b"(")) else prev + b","
            pad = re.match(rb"[ \t]*", prev).group(0) + (b"    " if prev.endswith(b"(") else b"")
            lines.insert(row, pad + b"reveal=False,")
    visible = b"\n".join(lines).decode()
    for node in filter(_is_check, ast.parse(visible).body):  # a check without reveal: a bug
        assert any(k.arg == "reveal" for k in node.value.keywords), where
    return "\n".join([visible.rstrip(), BEGIN_HIDDEN, *hidden, END_HIDDEN])
