"""check_adamax_step (chapter 9): passes on AdaMax's step written from the formula, fails on the
stub and on the typical wrong answers."""

import numpy as np
import pytest

from optlib.checks import adamax as adamax_checks
from optlib.checks import check_adamax_step


def adamax_formula(
    x, g, m, u, t, lr, b1, b2, eps, eps_inside=True, correct_m=True, correct_u=False, absolute=True
):
    """AdaMax's step, written here from the formulas (PyTorch's form by default); the flags
    give the typical wrong answers."""
    m = b1 * m + (1 - b1) * g
    size = np.abs(g) if absolute else g
    u = np.maximum(b2 * u, size + eps) if eps_inside else np.maximum(b2 * u, size)
    denom = u + (0.0 if eps_inside else eps)
    if correct_u:
        denom = denom / (1 - b2**t)
    step = lr / (1 - b1**t) if correct_m else lr
    return x - step * m / denom, m, u


def stub(*args):
    raise NotImplementedError


def test_passes_on_the_formula(capsys):
    check_adamax_step(adamax_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: adamax_formula(*a, eps_inside=False),  # Keras's form: eps after the maximum
        lambda *a: adamax_formula(*a, correct_m=False),  # no bias correction of m
        lambda *a: adamax_formula(*a, correct_u=True),  # u corrected as if it were Adam's v
        lambda *a: adamax_formula(*a, absolute=False),  # max(b2 u, g + eps): no |g|
        lambda x, g, m, u, t, *h: adamax_formula(x, g, m, u, t - 1, *h),  # t off by one
        lambda x, g, m, u, t, lr, b1, b2, eps: (  # decay after the maximum
            *adamax_formula(x, g, m, u, t, lr, b1, 1.0, eps)[:2],
            b2 * np.maximum(u, np.abs(g) + eps),
        ),
        lambda x, g, m, u, t, *h: (adamax_formula(x, g, m, u, t, *h)[0], m, u),  # old state back
        lambda *a: adamax_formula(*a)[0],  # x alone, not the tuple
    ],
    ids="keras-eps no-m-correction u-corrected no-abs t-1 decay-after old-state x-only".split(),
)
def test_fails_on_typical_wrong_answers(wrong):
    with np.errstate(all="ignore"), pytest.raises(AssertionError, match=r"(?s)adamax_step\("):
        check_adamax_step(wrong)


def test_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_adamax_step(stub)


def test_the_reference_is_the_formula():
    rng = np.random.default_rng(0)
    x, g, m = rng.normal(size=(3, 4))
    u = np.abs(rng.normal(size=4))
    for t, eps in [(1, 1e-8), (6, 0.0), (9, 0.3)]:
        ref = adamax_checks._adamax_step(x, g, m if t > 1 else 0 * m, u if t > 1 else 0 * u,
                                         t, 0.01, 0.9, 0.99, eps)  # fmt: skip
        want = adamax_formula(x, g, m if t > 1 else 0 * m, u if t > 1 else 0 * u,
                              t, 0.01, 0.9, 0.99, eps)  # fmt: skip
        for got, expected in zip(ref, want, strict=True):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
