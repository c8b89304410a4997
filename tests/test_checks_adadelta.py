"""The Adadelta chapter's check: it passes on Adadelta's step written from the formulas and
fails on the stub and on the typical wrong answers."""

import numpy as np
import pytest

from optlib import checks
from optlib.checks import check_adadelta_step


def adadelta_formula(x, g, v, u, lr, rho, eps, *, eps_outside=False, old_v=False, lr_in_u=False):
    # Zeiler's Algorithm 1 times PyTorch's lr, written here from the equations, not from optlib
    v_new = rho * v + (1 - rho) * g * g
    denominator = v if old_v else v_new
    if eps_outside:
        ratio = (np.sqrt(u) + eps) / (np.sqrt(denominator) + eps)
    else:
        ratio = np.sqrt(u + eps) / np.sqrt(denominator + eps)
    delta = ratio * g
    accumulated = lr * delta if lr_in_u else delta
    u_new = rho * u + (1 - rho) * accumulated * accumulated
    return x - lr * delta, v_new, u_new


def stub(x, g, v, u, lr, rho, eps):
    raise NotImplementedError


def test_check_adadelta_step_passes_on_the_formula(capsys):
    check_adadelta_step(adadelta_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: adadelta_formula(*a, eps_outside=True),  # eps outside the square roots
        lambda *a: adadelta_formula(*a, old_v=True),  # v_{t-1} instead of v_t
        lambda *a: adadelta_formula(*a, lr_in_u=True),  # u accumulates the move lr * Delta
        lambda x, g, v, u, lr, rho, eps: adadelta_formula(x, g, u, v, lr, rho, eps),  # u, v swapped
        lambda x, g, v, u, lr, rho, eps: adadelta_formula(x, g, v, u, lr, 1 - rho, eps),  # 1 - rho
        lambda x, g, v, u, lr, rho, eps: adadelta_formula(x, g, v, u, 1.0, rho, eps),  # lr ignored
        lambda x, g, v, u, *h: (adadelta_formula(x, g, v, u, *h)[0], v, u),  # old averages back
        lambda *a: adadelta_formula(*a)[0],  # x alone, not the tuple
    ],
    ids=["eps-outside", "old-v", "lr-in-u", "swapped", "one-minus-rho", "no-lr", "old-state", "x"],
)
def test_check_adadelta_step_fails_on_typical_mistakes(wrong):
    with pytest.raises(AssertionError, match=r"(?s)adadelta_step\(.*returned"):
        check_adadelta_step(wrong)


def test_check_adadelta_step_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_adadelta_step(stub)


def test_the_reference_is_the_formula():
    rng = np.random.default_rng(1)
    x, g = rng.normal(size=(2, 3))
    v, u = rng.random(3), 0.01 * rng.random(3)
    args = (x, g, v, u, 0.3, 0.9, 1e-3)
    for got, want in zip(
        checks.adadelta._adadelta_step(*args), adadelta_formula(*args), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
