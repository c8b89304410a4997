"""check_fd_grad (chapter 1's exercise): passes on a central difference written here, fails on
the stub and on the typical wrong answers."""

import numpy as np
import pytest

from optlib.checks import check_fd_grad


def central(f, x, h=1e-5):  # the formula, one coordinate at a time (no batching needed)
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def test_a_central_difference_passes(capsys):
    check_fd_grad(central)
    assert capsys.readouterr().out.startswith("Correct: fd_grad agrees")


def test_the_stub_fails_with_a_message_that_says_what_to_do():
    def stub(f, x, h=1e-5):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not written yet"):
        check_fd_grad(stub)


def forward(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    return (f(x + h * np.eye(x.size)) - f(x)) / h


def over_h(f, x, h=1e-5):  # forgets the factor 2
    return 2 * central(f, x, h)


def one_sided_step(f, x, h=1e-5):  # differences over 2h but steps of h and 0
    return forward(f, x, h) / 2


@pytest.mark.parametrize("wrong", [forward, over_h, one_sided_step])
def test_typical_wrong_answers_fail(wrong):
    with pytest.raises(AssertionError, match=r"fd_grad\(.*returned"):
        check_fd_grad(wrong)


def test_the_forward_difference_fails_by_its_order_h_error():
    # on Rosenbrock's function at its start, the forward error is ~1e-2, far above the 1e-6
    from optlib.problems import rosenbrock

    p = rosenbrock()
    err = np.abs(forward(p.value, p.x0 + 0.3) - p.grad(p.x0 + 0.3)).max()
    assert 1e-4 < err < 1
