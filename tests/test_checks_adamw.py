"""The AdamW chapter's check: it passes on AdamW's step written from the formulas (PyTorch's
form, not optlib's code) and fails on the stub and on the typical wrong answers."""

import numpy as np
import pytest

from optlib import checks
from optlib.checks import check_adamw_step


def adamw_formula(x, g, m, v, t, lr, b1, b2, eps, weight_decay, *, form="torch"):
    # torch.optim.AdamW's step, written from its documentation; `form` makes the usual mistakes
    if form == "l2":  # the decay added to the gradient: Adam with L2
        g = g + weight_decay * x
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    step = lr * m_hat / (np.sqrt(v_hat) + eps)
    if form == "eps-inside":  # eps inside the square root
        step = lr * m_hat / np.sqrt(v_hat + eps)
    if form == "l2":
        return x - step, m, v
    if form == "paper":  # the decay not multiplied by the learning rate
        return x - weight_decay * x - step, m, v
    if form == "after":  # the point decayed after Adam's step
        return (x - step) * (1 - lr * weight_decay), m, v
    if form == "no-correction":
        return x - lr * weight_decay * x - lr * m / (np.sqrt(v) + eps), m, v
    return x - lr * weight_decay * x - step, m, v


def stub(x, g, m, v, t, lr, b1, b2, eps, weight_decay):
    raise NotImplementedError


def test_check_adamw_step_passes_on_the_formula(capsys):
    check_adamw_step(adamw_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: adamw_formula(*a, form="l2"),
        lambda *a: adamw_formula(*a, form="paper"),
        lambda *a: adamw_formula(*a, form="after"),
        lambda *a: adamw_formula(*a, form="no-correction"),
        lambda *a: adamw_formula(*a, form="eps-inside"),
        lambda x, g, m, v, t, *h: adamw_formula(x, g, m, v, t - 1 if t > 1 else t, *h),  # t - 1
        lambda x, g, m, v, t, lr, b1, b2, eps, wd: adamw_formula(x, g, m, v, t, lr, b1, b2, eps, 0),
        lambda *a: adamw_formula(*a)[0],  # x alone, not the tuple
    ],
    ids=[
        "l2",
        "paper",
        "decay-after",
        "no-correction",
        "eps-inside",
        "t-minus-1",
        "no-decay",
        "x-only",
    ],
)
def test_check_adamw_step_fails_on_typical_mistakes(wrong):
    with pytest.raises(AssertionError, match=r"(?s)adamw_step\(.*returned"):
        check_adamw_step(wrong)


def test_check_adamw_step_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_adamw_step(stub)


def test_the_reference_is_the_formula():
    rng = np.random.default_rng(1)
    x, g, m = rng.normal(size=(3, 4))
    v = rng.random(4)
    args = (x, g, m, v, 4, 0.3, 0.9, 0.99, 1e-3, 0.7)
    for got, want in zip(checks.adamw._adamw_step(*args), adamw_formula(*args), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
