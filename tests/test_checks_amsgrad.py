"""The exercise check of the AMSGrad chapter: it passes on Algorithm 2 written from the formulas
(not from optlib), fails on the stub, and fails on the typical wrong answers."""

import numpy as np
import pytest

from optlib.checks import check_amsgrad_step


def stub(*args):
    raise NotImplementedError


def amsgrad_formula(x, g, m, v, v_max, lr, b1, b2, eps, divide_by="max", max_with="v",
                    eps_inside=False):  # fmt: skip
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g * g
    other = {"v": v_new, "g2": g * g, "old v": v}[max_with]
    v_max_new = np.maximum(v_max, other)
    d = {"max": v_max_new, "v": v_new, "old max": v_max}[divide_by]
    denom = np.sqrt(d + eps) if eps_inside else np.sqrt(d) + eps
    return x - lr * m_new / denom, m_new, v_new, v_max_new


def test_check_amsgrad_step_passes_the_formula(capsys):
    check_amsgrad_step(amsgrad_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: amsgrad_formula(*a, divide_by="v"),  # Adam without bias correction
        lambda *a: amsgrad_formula(*a, divide_by="old max"),  # the maximum of the last step
        lambda *a: amsgrad_formula(*a, max_with="g2"),  # the maximum of the squared gradients
        lambda *a: amsgrad_formula(*a, max_with="old v"),  # the maximum taken before updating v
        lambda *a: amsgrad_formula(*a, eps_inside=True),  # eps inside the root
        lambda *a: (*amsgrad_formula(*a)[:3], a[4]),  # the old maximum returned
        lambda x, g, m, v, v_max, lr, b1, b2, eps: amsgrad_formula(
            x, g, m, v, v_max, lr, b1, b2, eps
        )[0],  # x alone, not the tuple
    ],
    ids=["adam", "old-max", "max-g2", "max-old-v", "eps-inside", "v-max-not-returned", "x-only"],
)
def test_check_amsgrad_step_fails_on_wrong_answers(wrong):
    with pytest.raises(AssertionError, match=r"(?s)amsgrad_step\(.*returned"):
        check_amsgrad_step(wrong)


def test_check_amsgrad_step_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_amsgrad_step(stub)


def test_check_amsgrad_step_without_reveal_names_the_case_not_the_values():
    wrong = lambda *a: amsgrad_formula(*a, eps_inside=True)  # noqa: E731
    with pytest.raises(AssertionError) as err:
        check_amsgrad_step(wrong, reveal=False)
    message = str(err.value)
    assert (
        "test case 1 of 4 (the first step, from a zero state)" in message
        and "expected" not in message
    )
