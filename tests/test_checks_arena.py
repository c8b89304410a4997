"""The arena chapter's check: it passes the expected best of k draws with replacement written
from the formula, and fails on the stub and on the typical wrong answers."""

import math

import numpy as np
import pytest

from optlib import checks
from optlib.checks import check_best_of_k


def formula(val, test, k, replace=True, off_by_one=False, choose_on_test=False):
    # written from the chapter's equations, not from optlib.checks
    val, test = np.asarray(val, dtype=float), np.asarray(test, dtype=float)
    K = len(val)
    ranked = test[np.argsort(test if choose_on_test else val)]
    j = np.arange(1, K + 1)
    if replace:
        shift = 0 if off_by_one else 1
        tail = ((K - j + shift) / K) ** k  # Pr[J >= j]
        pmf = tail - np.append(tail[1:], 0.0)
    else:  # the chapter's (arena-pmf): without replacement
        pmf = np.array([math.comb(K - i, k - 1) for i in j]) / math.comb(K, k)
    return pmf @ ranked


def stub(val, test, k):
    raise NotImplementedError


def test_the_formula_passes(capsys):
    check_best_of_k(formula)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda v, t, k: formula(v, t, k, replace=False),  # without replacement
        lambda v, t, k: formula(v, t, k, off_by_one=True),  # ((K - j) / K)^k as the tail
        lambda v, t, k: formula(v, t, k, choose_on_test=True),  # chosen on the test score
        lambda v, t, k: float(np.mean(t)),  # no choice at all (k ignored)
        lambda v, t, k: float(np.asarray(t)[np.argmin(v)]),  # the validation winner always
    ],
    ids=["without-replacement", "off-by-one", "chosen-on-test", "mean", "winner"],
)
def test_typical_wrong_answers_fail(wrong):
    with pytest.raises(AssertionError, match=r"(?s)best_of_k_with_replacement\(.*returned"):
        check_best_of_k(wrong)


def test_the_stub_fails_saying_what_to_do():
    with pytest.raises(AssertionError, match="not written yet"):
        check_best_of_k(stub)


def test_the_reference_is_the_formula():
    rng = np.random.default_rng(2)
    for K, k in [(3, 1), (4, 2), (5, 5), (6, 3)]:
        val, test = rng.permutation(K) + 0.5 * rng.random(K), rng.random(K)
        got = checks.arena._best_of_k_with_replacement(val, test, k)
        np.testing.assert_allclose(got, formula(val, test, k), rtol=1e-12, atol=0)
    # with k = K the winner is missed when configuration 0 is never drawn, (2/3)^3 of the time
    val, test = [1.0, 2.0, 3.0], [0.0, 1.0, 1.0]
    assert checks.arena._best_of_k_with_replacement(val, test, 3) == pytest.approx((2 / 3) ** 3)
