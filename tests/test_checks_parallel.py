"""The parallel chapter's check: it passes synchronous EASGD written from the formula, and fails
the blank stub and the typical wrong answers (the center updated from the new workers, the mean
of the pulls instead of their sum, no pull on the workers, the pull's sign reversed, the center
left alone, the learning rate on the elastic term, the workers alone returned)."""

import numpy as np
import pytest

from optlib.checks import check_easgd_step


def easgd_formula(workers, center, grads, lr, alpha, **wrong):
    # (parallel-easgd), written here from the formula, not from optlib
    pull = alpha * (workers - center[..., None, :])
    if wrong.get("lr_on_pull"):
        pull = lr * pull
    if wrong.get("reversed"):
        pull = -pull
    new = workers - lr * grads - (0 if wrong.get("no_pull") else pull)
    if wrong.get("from_new"):  # Gauss-Seidel: the center moves towards the updated workers
        pull = alpha * (new - center[..., None, :])
    total = pull.mean(axis=-2) if wrong.get("mean") else pull.sum(axis=-2)
    return new, (center if wrong.get("still") else center + total)


def test_check_easgd_step_passes_the_formula(capsys):
    check_easgd_step(easgd_formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a: easgd_formula(*a, from_new=True),
        lambda *a: easgd_formula(*a, mean=True),
        lambda *a: easgd_formula(*a, no_pull=True),
        lambda *a: easgd_formula(*a, reversed=True),
        lambda *a: easgd_formula(*a, still=True),
        lambda *a: easgd_formula(*a, lr_on_pull=True),
        lambda *a: easgd_formula(*a)[0],
    ],
    ids=[
        "center-from-new",
        "mean",
        "no-pull",
        "reversed",
        "center-still",
        "lr-on-pull",
        "workers-only",
    ],
)
def test_check_easgd_step_fails_typical_wrong_answers(wrong):
    with pytest.raises(AssertionError, match=r"(?s)easgd_step\(.*returned"):
        check_easgd_step(wrong)


def test_check_easgd_step_fails_the_stub():
    def stub(workers, center, grads, lr, alpha):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check_easgd_step(stub)


def test_the_reference_conserves_the_total():
    # the elastic forces cancel: sum_k x_k + center moves only by -lr sum_k g_k
    from optlib.checks.parallel import _easgd_step

    rng = np.random.default_rng(0)
    workers, center, grads = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=(5, 3))
    new, new_center = _easgd_step(workers, center, grads, 0.1, 0.15)
    before, after = workers.sum(0) + center, new.sum(0) + new_center
    np.testing.assert_allclose(after - before, -0.1 * grads.sum(0), rtol=1e-12)
