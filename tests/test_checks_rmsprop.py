"""The exercise checks of the RMSprop chapter: they pass on the update rules written from the
formulas (not from optlib), fail on the stub, and fail on the typical wrong answers."""

import numpy as np
import pytest

from optlib.checks import check_rmsprop_step, check_rprop_step


def stub(*args):
    raise NotImplementedError


# --- RMSprop -----------------------------------------------------------------------------------


def rmsprop_formula(x, g, v, lr, rho, eps, eps_inside=False, new_v_in_denominator=True):
    v_new = rho * v + (1 - rho) * g * g
    v_used = v_new if new_v_in_denominator else v
    denom = np.sqrt(v_used + eps) if eps_inside else np.sqrt(v_used) + eps
    return x - lr * g / denom, v_new


def test_check_rmsprop_step_passes_the_formula(capsys):
    check_rmsprop_step(rmsprop_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: rmsprop_formula(*a, eps_inside=True),  # Keras's and optax's form
        lambda *a: rmsprop_formula(*a, new_v_in_denominator=False),  # v_{t-1} in the step
        lambda x, g, v, lr, rho, eps: rmsprop_formula(x, g, v, lr, 1 - rho, eps),  # weights swapped
        lambda x, g, v, lr, rho, eps: (x - lr * g / (rho * v + g * g + eps), rho * v + g * g),
        lambda x, g, v, lr, rho, eps: (rmsprop_formula(x, g, v, lr, rho, eps)[0], v),  # old v back
        lambda *a: rmsprop_formula(*a)[0],  # x alone, not the pair
    ],
    ids=["eps-inside", "old-v", "swapped", "no-sqrt-no-decay", "v-not-returned", "x-only"],
)
def test_check_rmsprop_step_fails_on_wrong_answers(wrong):
    with pytest.raises(AssertionError, match=r"(?s)rmsprop_step\(.*returned"):
        check_rmsprop_step(wrong)


def test_check_rmsprop_step_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_rmsprop_step(stub)


# --- Rprop -------------------------------------------------------------------------------------


def rprop_formula(x, g, prev, delta, etas, step_sizes, zero=True, clip=True, skip=True,
                  clip_adapted_only=False):  # fmt: skip
    (eta_minus, eta_plus), (lo, hi) = etas, step_sizes
    s = g * prev
    factor = np.where(s > 0, eta_plus, np.where(s < 0, eta_minus, 1.0))
    if clip_adapted_only:  # optax's form: a step size that is not adapted is not clipped either
        delta = np.where(s == 0, delta, np.clip(delta * factor, lo, hi))
    elif clip:
        delta = np.clip(delta * factor, lo, hi)
    else:
        delta = delta * factor
    moved = np.where(s < 0, 0.0, g) if skip else g
    stored = np.where(s < 0, 0.0, g) if zero else g
    return x - delta * np.sign(moved), stored, delta


def test_check_rprop_step_passes_the_formula(capsys):
    check_rprop_step(rprop_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: rprop_formula(*a, zero=False),  # the flipped gradient is stored
        lambda *a: rprop_formula(*a, skip=False),  # moves at a sign flip (Rprop-)
        lambda *a: rprop_formula(*a, clip=False),  # no bounds on the step sizes
        lambda *a: rprop_formula(*a, clip_adapted_only=True),  # optax: clips adapted ones only
        lambda x, g, p, d, etas, sizes: rprop_formula(x, g, p, d, etas[::-1], sizes),  # swapped
        lambda x, g, p, d, etas, sizes: (
            x - d * np.sign(g),  # the old step size moves the point
            *rprop_formula(x, g, p, d, etas, sizes)[1:],
        ),
        lambda x, g, p, d, etas, sizes: (x - d * g, *rprop_formula(x, g, p, d, etas, sizes)[1:]),
    ],
    ids=[
        "no-zeroing",
        "moves-at-flip",
        "no-clip",
        "clip-adapted-only",
        "etas-swapped",
        "old-delta",
        "not-sign",
    ],
)
def test_check_rprop_step_fails_on_wrong_answers(wrong):
    with pytest.raises(AssertionError, match=r"(?s)rprop_step\(.*returned"):
        check_rprop_step(wrong)


def test_check_rprop_step_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_rprop_step(stub)
