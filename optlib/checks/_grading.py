"""The grading machinery every check shares: compare an answer with a reference, and say
what is wrong without giving the answer away (see :mod:`optlib.checks`)."""

from __future__ import annotations

import copy

import numpy as np

__all__ = ["check_value", "check_function"]


def _show(value):
    """A short, readable rendering of an argument or a result for a message."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, separator=", ", threshold=20)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple
        items = ", ".join(f"{k}={_show(v)}" for k, v in zip(value._fields, value, strict=True))
        return f"{type(value).__name__}({items})"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_show(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _mismatch(got, want, tol, where="result", detail=True):
    """Why ``got`` differs from ``want`` (a phrase), or None when they agree within ``tol``.

    ``detail=False`` leaves out by how much, so the phrase does not give ``want`` away.
    """
    if got is None and want is not None:
        return f"{where} is None (is a `return` missing?)"
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return f"{where} should be a dict with keys {sorted(want)}"
        for key in want:
            why = _mismatch(got[key], want[key], tol, f"{where}[{key!r}]", detail)
            if why:
                return why
        return None
    if isinstance(want, (tuple, list)) and not isinstance(got, np.ndarray):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"{where} should be a sequence of {len(want)} items"
        names = getattr(want, "_fields", range(len(want)))
        for key, g, w in zip(names, got, want, strict=True):
            label = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
            why = _mismatch(g, w, tol, label, detail)
            if why:
                return why
        return None
    if isinstance(want, (str, bool, np.bool_)):
        return None if got == want else f"{where} differs"
    try:
        g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return f"{where} is not a number or an array of numbers"
    if g.shape != w.shape:
        return f"{where} has shape {g.shape}, expected {w.shape}"
    if not np.allclose(g, w, rtol=tol, atol=tol, equal_nan=True):
        if not detail:
            return f"{where} differs"
        return f"{where} is off by up to {np.nanmax(np.abs(g - w)):.3g}"
    return None


def check_value(answer, expected, tol=1e-8, name="answer", reveal=True):
    """Check one value against ``expected`` (relative and absolute tolerance ``tol``).

    The message of a wrong answer never shows ``expected``; ``reveal`` is accepted so that
    every check takes it (a course kit's self-check passes ``reveal=False`` to all of them).
    """
    if answer is ... or answer is None:
        raise AssertionError(f"{name} has no value yet: replace the `...` with your answer.")
    why = _mismatch(answer, expected, tol, name, detail=False)
    if why:
        raise AssertionError(f"{name} = {_show(answer)} is not right: {why}.")
    print(f"Correct: {name} = {_show(answer)}.")


def _call(name, args, kwargs):
    shown = [_show(a) for a in args] + [f"{k}={_show(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def check_function(fn, reference, cases, name=None, tol=1e-8, reveal=True, labels=None):
    """Check ``fn`` against ``reference`` on every case; stop at the first one that fails.

    ``cases`` is a list; each case is a tuple of positional arguments or a dict of keyword
    arguments. ``name`` (default ``fn.__name__``) is used in the messages. ``labels`` (one
    per case) describe the cases in words.

    With ``reveal=True`` the message of a failing case shows the call, the value returned and
    the value expected. With ``reveal=False`` (a self-check that must not give the answer
    away) it names the case in words (its label, or its number) and which part of the result
    is wrong, but shows neither the arguments, nor the value returned, nor the one expected.
    """
    cases = list(cases)
    if not cases:
        raise ValueError("check_function needs at least one case")
    if labels is not None and len(labels) != len(cases):
        raise ValueError(f"check_function got {len(labels)} labels for {len(cases)} cases")
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        raise AssertionError(f"{name} should be a function, got {type(fn).__name__}.")
    for k, case in enumerate(cases):
        args, kwargs = ((), case) if isinstance(case, dict) else (tuple(case), {})
        if reveal:
            call = _call(name, args, kwargs)
        else:  # the case in words: no argument, no value
            call = f"test case {k + 1} of {len(cases)}" + (f" ({labels[k]})" if labels else "")
        want = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        try:
            got = fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except NotImplementedError:
            raise AssertionError(
                f"{name} is not written yet: replace `raise NotImplementedError` with your code."
            ) from None
        except Exception as err:
            where = call if reveal else f"{name}, on {call},"
            raise AssertionError(f"{where} raised {type(err).__name__}: {err}") from err
        why = _mismatch(got, want, tol, detail=reveal)
        if why and reveal:
            raise AssertionError(f"{call} returned {_show(got)}, expected {_show(want)}: {why}.")
        if why:
            raise AssertionError(f"{name} is wrong on {call}: {why}.")
    print(f"Correct: {name} agrees with the reference on all {len(cases)} test cases.")
