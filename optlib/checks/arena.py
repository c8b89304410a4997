"""Checks for the exercises of the arena chapter (which optimizer should I use?)."""

from __future__ import annotations

import itertools

import numpy as np

from optlib.checks._grading import check_function

__all__ = ["check_best_of_k"]


def _best_of_k_with_replacement(val, test, k):
    # every ordered draw of k configurations (with replacement) is equally likely: enumerate
    # them all and average the test score of each draw's validation winner
    val, test = np.asarray(val, dtype=float), np.asarray(test, dtype=float)
    draws = np.array(list(itertools.product(range(len(val)), repeat=k)))
    winners = draws[np.arange(len(draws)), val[draws].argmin(axis=1)]
    return float(test[winners].mean())


def check_best_of_k(fn, reveal=True):
    r"""``fn(val, test, k)`` is the expected test score of the configuration with the lowest
    validation score among ``k`` configurations drawn uniformly *with replacement* from the
    ``K = len(val)`` configurations (distinct validation scores, lower is better):

    .. math::
        \sum_{j=1}^{K} \Big[\Big(\tfrac{K - j + 1}{K}\Big)^k - \Big(\tfrac{K - j}{K}\Big)^k\Big]
        \mathrm{test}_{(j)},

    with :math:`\mathrm{test}_{(j)}` the test score of the configuration ranked :math:`j` on
    validation. Graded against an enumeration of all :math:`K^k` ordered draws, on cases whose
    validation and test orders disagree (so that choosing on the test score fails), with
    ``k = 1`` (the mean), ``k = K`` (where drawing without replacement, the chapter's formula,
    would give the validation winner exactly) and ``k = 2, 3`` (where the off-by-one tail
    :math:`((K - j)/K)^k` fails), as lists and as arrays. ``reveal=False`` leaves the values
    out of the messages (a course kit's self-check).
    """
    rng = np.random.default_rng(13)

    def case(K, k):
        val = rng.permutation(K) + rng.random(K) / 2  # distinct
        test = rng.random(K) + 0.1
        return (val, test, k)

    cases = [
        ([3.0, 1.0, 2.0], [30.0, 10.0, 20.0], 1),  # k = 1: the mean over the grid
        ([0.5, 0.2, 0.9, 0.4], [0.1, 0.7, 0.3, 0.6], 2),  # validation and test disagree
        case(5, 5),  # k = K: with replacement the winner is not certain
        case(6, 3),
        ([2.0, 4.0, 1.0, 3.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0], 4),  # lists
    ]
    labels = ["k = 1 (the mean)", "val and test disagree", "k = K", "K = 6, k = 3", "lists"]
    check_function(
        fn,
        _best_of_k_with_replacement,
        cases,
        name="best_of_k_with_replacement",
        reveal=reveal,
        labels=labels,
    )
