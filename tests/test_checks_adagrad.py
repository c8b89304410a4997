"""The Adagrad chapter's check: it passes the update rule written from the formula, and fails
on the stub and on the typical wrong answers."""

import numpy as np
import pytest

from optlib import checks
from optlib.checks import check_adagrad_step


def adagrad_formula(
    x, g, G, t, lr, lr_decay, eps, eps_inside=False, old_G=False, t_off=0, no_root=False
):
    # written from the chapter's equation, not from optlib
    G_new = G + g * g
    lr_t = lr / (1 + (t - 1 + t_off) * lr_decay)
    root = G if old_G else G_new
    denom = np.sqrt(root + eps) if eps_inside else np.sqrt(root) + eps
    denom = root + eps if no_root else denom
    with np.errstate(divide="ignore", invalid="ignore"):
        return x - lr_t * g / denom, G_new


def stub(*args):
    raise NotImplementedError


def test_the_formula_passes(capsys):
    check_adagrad_step(adagrad_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: adagrad_formula(*a, eps_inside=True),  # eps inside the square root
        lambda *a: adagrad_formula(*a, old_G=True),  # divides by the accumulator of step t - 1
        lambda *a: adagrad_formula(*a, t_off=1),  # lr_decay with t instead of t - 1
        lambda x, g, G, *h: (adagrad_formula(x, g, G, *h)[0], G),  # returns the old accumulator
        lambda *a: adagrad_formula(*a, no_root=True),  # G in place of its square root
        lambda *a: adagrad_formula(*a)[0],  # x alone, not the pair
    ],
    ids=["eps-inside", "old-G", "t-not-t-1", "G-not-returned", "no-sqrt", "x-only"],
)
def test_typical_wrong_answers_fail(wrong):
    with pytest.raises(AssertionError, match=r"(?s)adagrad_step\(.*returned"):
        check_adagrad_step(wrong)


def in_place(x, g, G, t, lr, lr_decay, eps):
    # right values, but the caller's G and x are overwritten
    G += g * g
    x -= lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(G) + eps)
    return x, G


def test_a_step_that_changes_its_inputs_fails():
    with pytest.raises(AssertionError, match="in place"):
        check_adagrad_step(in_place)


def test_the_stub_fails_saying_what_to_do():
    with pytest.raises(AssertionError, match="not written yet"):
        check_adagrad_step(stub)


def test_the_reference_is_the_formula():
    rng = np.random.default_rng(1)
    x, g, G = rng.normal(size=(3, 4))
    G = np.abs(G)
    for t, lr_decay, eps in [(1, 0.0, 1e-10), (6, 0.3, 1e-3)]:
        for got, want in zip(
            checks.adagrad._adagrad_step(x, g, G, t, 0.05, lr_decay, eps),
            adagrad_formula(x, g, G, t, 0.05, lr_decay, eps),
            strict=True,
        ):
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
