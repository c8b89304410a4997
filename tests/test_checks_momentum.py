"""The momentum chapter's check: it passes the formula of torch.optim.SGD and fails the usual
wrong answers (the reference inside the check is optlib; the formula here is written out)."""

import pytest

from optlib.checks import check_momentum_step


def formula(x, g, buf, t, lr, beta, tau=0.0, nesterov=False, *, damp_first=False, keras=False):
    """Step t of torch.optim.SGD with momentum, from the algorithm box; the flags make the
    typical mistakes: dampening on the first step, or Keras's velocity as the buffer."""
    if keras:  # w_t = beta w_{t-1} - lr g_t, x_t = x_{t-1} + w_t: the same x, another buffer
        w = beta * buf - lr * g
        return x + w, w
    if t == 1:
        b = (1 - tau) * g if damp_first else g
    else:
        b = beta * buf + (1 - tau) * g
    d = g + beta * b if nesterov else b
    return x - lr * d, b


def stub(*args, **kwargs):
    raise NotImplementedError


def test_the_formula_passes(capsys):
    check_momentum_step(formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda *a, **k: formula(*a, **k, damp_first=True),  # (1 - tau) g_1 at the first step
        lambda *a, **k: formula(*a, **k, keras=True),  # the learning rate inside the buffer
        lambda x, g, buf, t, lr, beta, tau=0.0, nesterov=False: formula(
            x, g, buf, t, lr, beta, 0.0, nesterov
        ),  # dampening ignored
        lambda x, g, buf, t, lr, beta, tau=0.0, nesterov=False: formula(
            x, g, buf, t, lr, beta, tau, False
        ),  # Nesterov ignored: x - lr b_t
        lambda x, g, buf, t, lr, beta, tau=0.0, nesterov=False: formula(
            x, g, buf, t + 1, lr, beta, tau, nesterov
        ),  # t off by one: the first step is taken as a later one
        lambda x, g, buf, t, lr, beta, tau=0.0, nesterov=False: (
            formula(x, g, buf, t, lr, beta, tau, nesterov)[0],
            buf,
        ),  # the old buffer returned
        lambda *a, **k: formula(*a, **k)[0],  # x alone, not the pair
    ],
    ids=["damped-first-step", "keras-velocity", "no-dampening", "no-nesterov", "t-off-by-one",
         "old-buffer", "x-only"],
)  # fmt: skip
def test_typical_wrong_answers_fail(wrong):
    with pytest.raises(AssertionError, match=r"(?s)momentum_step\(.*returned"):
        check_momentum_step(wrong)


def test_the_stub_fails_saying_so():
    with pytest.raises(AssertionError, match="not written yet"):
        check_momentum_step(stub)
