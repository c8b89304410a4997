"""check_lion_step (chapter 16): passes on Lion's step written from the formula, fails on the stub
and on the typical wrong answers."""

import numpy as np
import pytest

from optlib.checks import beyond_adam as beyond_checks
from optlib.checks import check_lion_step


def lion_formula(x, g, m, lr, b1, b2, wd, sign_of="c", decay_lr=True, decay_new_x=False):
    """Lion's step, written here from Chen et al. (2023), Algorithm 2; the flags give the
    typical wrong answers."""
    c = b1 * m + (1 - b1) * g
    m_new = b2 * m + (1 - b2) * g
    direction = {"c": c, "m_new": m_new, "g": g}[sign_of]
    x_new = x - lr * np.sign(direction)
    decay = lr * wd if decay_lr else wd
    x_new = x_new - decay * (x_new if decay_new_x else x)
    return x_new, m_new


def stub(*args):
    raise NotImplementedError


def test_passes_on_the_formula(capsys):
    check_lion_step(lion_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: lion_formula(*a, sign_of="m_new"),  # the sign of the new momentum
        lambda *a: lion_formula(*a, sign_of="g"),  # sign descent, no momentum
        lambda x, g, m, lr, b1, b2, wd: lion_formula(x, g, m, lr, b2, b1, wd),  # betas swapped
        lambda *a: lion_formula(*a, decay_lr=False),  # weight decay not scaled by lr
        lambda *a: lion_formula(*a, decay_new_x=True),  # decay of the updated x
        lambda x, g, m, *h: (lion_formula(x, g, m, *h)[0], m),  # old momentum back
        lambda *a: lion_formula(*a)[0],  # x alone, not the tuple
        lambda x, g, m, lr, b1, b2, wd: (  # c / (|c| + 1e-3): a soft sign
            x - lr * ((b1 * m + (1 - b1) * g) / (np.abs(b1 * m + (1 - b1) * g) + 1e-3) + wd * x),
            b2 * m + (1 - b2) * g,
        ),
    ],
    ids="sign-new-m sign-g swapped-betas decay-no-lr decay-new-x old-m x-only soft-sign".split(),
)
def test_fails_on_typical_wrong_answers(wrong):
    with np.errstate(all="ignore"), pytest.raises(AssertionError, match=r"(?s)lion_step\("):
        check_lion_step(wrong)


def test_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_lion_step(stub)


def test_the_reference_is_the_formula():
    rng = np.random.default_rng(0)
    x, g, m = rng.normal(size=(3, 5))
    for lr, b1, b2, wd in [(0.01, 0.9, 0.99, 0.0), (0.1, 0.5, 0.9, 0.3)]:
        got = beyond_checks._lion_step(x, g, m, lr, b1, b2, wd)
        want = lion_formula(x, g, m, lr, b1, b2, wd)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
