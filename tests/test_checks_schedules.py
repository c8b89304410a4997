"""The schedules chapter's check: it passes torch's clip_grad_norm_ written from the formula, and
fails the blank stub and the typical wrong answers (clipping by value, one norm for the whole
batch, a factor that can exceed 1, no 1e-6, the norm of the wrong axis)."""

import numpy as np
import pytest

from optlib.checks import check_clip_grad_norm


def clip_formula(g, max_norm, **wrong):
    # torch.nn.utils.clip_grad_norm_, row by row: g * min(1, max_norm / (|g| + 1e-6))
    if wrong.get("by_value"):
        return np.clip(g, -max_norm, max_norm)
    axis = None if wrong.get("whole_batch") else -1
    if wrong.get("first_axis"):
        axis = 0
    norm = np.sqrt((g * g).sum(axis=axis, keepdims=True))
    eps = 0.0 if wrong.get("no_eps") else 1e-6
    factor = max_norm / (norm + eps)
    return g * (factor if wrong.get("scale_up") else np.minimum(factor, 1.0))


def test_check_clip_grad_norm_passes_the_formula(capsys):
    check_clip_grad_norm(clip_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda g, c: clip_formula(g, c, by_value=True),
        lambda g, c: clip_formula(g, c, whole_batch=True),
        lambda g, c: clip_formula(g, c, scale_up=True),
        lambda g, c: clip_formula(g, c, no_eps=True),
        lambda g, c: clip_formula(g, c, first_axis=True),
        lambda g, c: g,  # no clipping at all
    ],
    ids=["by-value", "whole-batch", "scale-up", "no-eps", "first-axis", "unclipped"],
)
def test_check_clip_grad_norm_fails_typical_wrong_answers(wrong):
    with pytest.raises(AssertionError, match=r"(?s)clip_grad_norm\(.*returned"):
        check_clip_grad_norm(wrong)


def test_check_clip_grad_norm_fails_the_stub():
    def stub(g, max_norm):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check_clip_grad_norm(stub)


def test_reference_is_torch_clip_grad_norm():
    # the reference, optlib's clip_grad_norm, against torch on a batch (one call per row)
    torch = pytest.importorskip("torch")
    from optlib.runner import clip_grad_norm

    rng = np.random.default_rng(0)
    g = rng.normal(size=(4, 6)) * np.array([[1e-7], [0.1], [1.0], [10.0]])
    for row, c in zip(g, (1e-7, 0.5, 0.5, 2.0), strict=True):
        p = torch.zeros(6, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(row.copy())
        torch.nn.utils.clip_grad_norm_([p], c)
        np.testing.assert_allclose(clip_grad_norm(row, c), p.grad.numpy(), rtol=1e-14, atol=0)
