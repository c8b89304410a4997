"""The Nadam chapter's check: it passes the paper's step written from the formula, and fails the
blank stub and the typical wrong answers (Adam's step, the wrong bias factor, m_{t-1} in the
look-ahead term, eps inside the root, Algorithm 2's extra b2, t off by one, old moments)."""

import numpy as np
import pytest

from optlib.checks import check_nadam_step


def nadam_formula(x, g, m, v, t, lr, b1, b2, eps, **wrong):
    # (nadam-mbar-constant) and (nadam-update), written here from the formulas, not from optlib
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g * g
    ahead = m if wrong.get("old_m") else m_new
    power = t if wrong.get("adam_factor") else t + 1
    m_bar = (1 - b1) * g / (1 - b1**t) + b1 * ahead / (1 - b1**power)
    if wrong.get("adam"):
        m_bar = m_new / (1 - b1**t)
    v_hat = (b2 if wrong.get("printed_b2") else 1.0) * v_new / (1 - b2**t)
    denom = np.sqrt(v_hat + eps) if wrong.get("eps_inside") else np.sqrt(v_hat) + eps
    return x - lr * m_bar / denom, m_new, v_new


def test_check_nadam_step_passes_the_formula(capsys):
    check_nadam_step(nadam_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: nadam_formula(*a, adam=True),  # Adam's step
        lambda *a: nadam_formula(*a, adam_factor=True),  # 1 - b1**t on the look-ahead term
        lambda *a: nadam_formula(*a, old_m=True),  # m_{t-1} instead of m_t
        lambda *a: nadam_formula(*a, eps_inside=True),  # eps inside the square root
        lambda *a: nadam_formula(*a, printed_b2=True),  # Algorithm 2's extra b2, as printed
        lambda x, g, m, v, t, *h: nadam_formula(x, g, m, v, t + 1, *h),  # t off by one
        lambda x, g, m, v, t, *h: (nadam_formula(x, g, m, v, t, *h)[0], m, v),  # old moments
        lambda *a: nadam_formula(*a)[0],  # x alone, not the tuple
    ],
    ids=[
        "adam",
        "bias-factor",
        "old-m",
        "eps-inside",
        "printed-b2",
        "t-off-by-one",
        "old-moments",
        "x-only",
    ],
)
def test_check_nadam_step_fails_typical_wrong_answers(wrong):
    with pytest.raises(AssertionError, match=r"(?s)nadam_step\(.*returned"):
        check_nadam_step(wrong)


def test_check_nadam_step_fails_the_stub():
    def stub(x, g, m, v, t, lr, b1, b2, eps):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check_nadam_step(stub)


def test_reference_is_the_formula_on_its_own_cases():
    from optlib.checks import nadam

    rng = np.random.default_rng(0)
    args = (*rng.normal(size=(3, 2)), rng.random(2), 7, 0.01, 0.8, 0.99, 1e-6)
    for got, want in zip(nadam._nadam_step(*args), nadam_formula(*args), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-13)
