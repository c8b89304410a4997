"""optlib.checks: the grading helpers exercises use, each failing on typical wrong answers.

A check prints "Correct" on a right answer and raises AssertionError with a message that says
what to fix otherwise; the references are optlib's, cross-checked here against the formulas
the chapters derive. (That every chapter's check cells fail on the blank exercise and pass on
the solution is tested in ``test_student_edition.py``.)
"""

import sys
from collections import namedtuple

import numpy as np
import pytest

from optlib.checks import (
    check_adam_step,
    check_bfgs_update,
    check_function,
    check_gd_step,
    check_newton_step,
    check_value,
)


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


# --- reveal=False: the course kit's self-check names the case, never a value -----------------


def named_checks():
    from optlib import checks

    return [n for n in checks.__all__ if n not in ("check_value", "check_function")]


def test_every_named_check_takes_reveal():
    import inspect

    from optlib import checks

    for name in named_checks():
        assert inspect.signature(getattr(checks, name)).parameters["reveal"].default is True, name


def test_check_function_with_reveal_false_names_the_case_in_words():
    def add(a, b):
        return a + b

    def almost(a, b):
        return a + b if a < 2 else a - b

    labels = ["small numbers", "a larger second number", "never reached"]
    cases = [(1, 1), (2, 5), (3, 1)]
    with pytest.raises(AssertionError) as err:
        check_function(almost, add, cases, name="add", reveal=False, labels=labels)
    msg = str(err.value)
    assert msg == "add is wrong on test case 2 of 3 (a larger second number): result differs."
    with pytest.raises(AssertionError, match=r"^add is wrong on test case 2 of 3: result differs"):
        check_function(almost, add, cases, name="add", reveal=False)  # no labels: the number
    with pytest.raises(AssertionError, match=r"^add, on test case 1 of 3, raised ZeroDivision"):
        check_function(lambda a, b: a / 0, add, cases, name="add", reveal=False)
    with pytest.raises(ValueError, match="2 labels for 3 cases"):
        check_function(add, add, cases, labels=labels[:2])
    check_function(add, add, cases, reveal=False, labels=labels)  # right: no error


@pytest.fixture
def spy(monkeypatch):
    """Run a named check on the answer ``make(reference)``, made from the check's own
    reference (a check may build its cases afresh at each call), and record the reference,
    cases, labels and name it hands to check_function."""
    from optlib import checks

    seen = {}

    def run(check_name, make, **kwargs):
        module = sys.modules[getattr(checks, check_name).__module__]
        real = checks._grading.check_function

        def recording(fn, reference, cases, **kw):
            seen.update(reference=reference, cases=list(cases), labels=kw.get("labels"))
            seen.update(name=kw.get("name"), answer=make(reference))
            return real(seen["answer"], reference, seen["cases"], **kw)

        def answer(*args, **kwargs):  # what the check calls after check_function, if anything
            return seen["answer"](*args, **kwargs)

        monkeypatch.setattr(module, "check_function", recording)
        getattr(checks, check_name)(answer, **kwargs)

    run.seen = seen
    return run


def wrong_on(reference, case, part=None):
    """A wrong answer: the reference, except on test case ``case`` (1-based), where the
    result (or its item ``part``) is scaled by 1.01."""
    calls = []

    def answer(*args, **kwargs):
        calls.append(1)
        out = reference(*args, **kwargs)
        if len(calls) != case:
            return out
        if part is None:
            return np.asarray(out) * 1.01
        return tuple(v * 1.01 if i == part else v for i, v in enumerate(out))

    return answer


def table_checks():
    """The named checks that compare with a reference through check_function (the others,
    such as check_epoch_batches, test properties and have their own tests of reveal=False)."""
    import inspect

    from optlib import checks

    return [n for n in named_checks() if "check_function(" in inspect.getsource(getattr(checks, n))]


@pytest.mark.parametrize("check_name", table_checks())
def test_named_checks_with_reveal_false_hide_every_value(check_name, spy, capsys):
    spy(check_name, lambda ref: ref, reveal=False)  # the right answer passes
    assert capsys.readouterr().out.startswith("Correct")
    cases, labels, name = spy.seen["cases"], spy.seen["labels"], spy.seen["name"]
    assert labels is not None and len(labels) == len(cases), "give every case a label"
    assert len(set(labels)) == len(labels)
    multi = isinstance(spy.seen["reference"](*cases[0]), tuple)
    for k in range(1, len(cases) + 1):
        part = (k - 1) % 2 if multi else None
        where = "result" if part is None else f"result[{part}]"
        with pytest.raises(AssertionError) as err:
            spy(check_name, lambda ref: wrong_on(ref, k, part), reveal=False)  # noqa: B023
        expected = f"{name} is wrong on test case {k} of {len(cases)} ({labels[k - 1]}): "
        assert str(err.value) == expected + f"{where} differs."
        # the full message of the same answer shows the values
        with pytest.raises(AssertionError, match=r"(?s)returned .*, expected "):
            spy(check_name, lambda ref: wrong_on(ref, k, part))  # noqa: B023
    with pytest.raises(AssertionError, match="not written yet"):
        spy(check_name, lambda ref: blank, reveal=False)


def blank(*args, **kwargs):
    raise NotImplementedError


def test_check_value_takes_reveal_and_never_shows_the_expected_value():
    with pytest.raises(AssertionError, match="lr_star = 0.5 is not right") as err:
        check_value(0.5, 0.25, name="lr_star", reveal=False)
    assert "0.25" not in str(err.value)
    check_value(0.25, 0.25, reveal=False)
