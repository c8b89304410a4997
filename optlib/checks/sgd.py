"""Checks for the exercises of the SGD chapter."""

from __future__ import annotations

import numpy as np

from optlib.checks._grading import _show, check_function
from optlib.runner import minibatches

__all__ = ["check_gd_step", "check_epoch_batches"]


def _gd_step(x, g, lr):
    return np.asarray(x, dtype=float) - lr * np.asarray(g, dtype=float)


def check_gd_step(fn, reveal=True):
    """``fn(x, g, lr)`` is one gradient-descent step, ``x - lr * g``, for any shape of ``x``,
    and leaves its arguments unchanged (an in-place ``x -= lr * g`` would change the caller's
    array). ``reveal=False`` leaves the values out of the messages (see ``check_function``).
    """
    rng = np.random.default_rng(0)
    cases = [
        (np.array([1.0, -2.0]), np.array([0.5, 4.0]), 0.1),
        (rng.normal(size=3), rng.normal(size=3), 1.0),
        (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), np.array([[0.01], [0.1], [0.5], [1.0]])),
    ]
    labels = [
        "a point in 2-D",
        "a random point in 3-D with learning rate 1",
        "a batch of 4 points in 2-D, one learning rate per row",
    ]
    check_function(fn, _gd_step, cases, name="gd_step", reveal=reveal, labels=labels)
    x, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    fn(x, g, 0.1)
    if not (np.array_equal(x, [1.0, -2.0]) and np.array_equal(g, [0.5, 4.0])):
        fix = "return a new array, x - lr * g." if reveal else "return a new array."
        raise AssertionError(f"gd_step changed its argument x (or g) in place: {fix}")


def _epoch(fn, n, B, rng):
    """One call of the student's ``fn``, as a list of integer arrays; AssertionError if the
    answer is the stub or has the wrong form."""
    call = f"epoch_batches({n}, {B}, rng)"
    try:
        batches = fn(n, B, rng)
    except NotImplementedError:
        raise AssertionError(
            "epoch_batches is not written yet: replace `raise NotImplementedError` with your code."
        ) from None
    except Exception as err:
        raise AssertionError(f"{call} raised {type(err).__name__}: {err}") from err
    if batches is None:
        raise AssertionError(f"{call} returned None (is a `return` missing?)")
    if isinstance(batches, np.ndarray) and batches.ndim < 2:
        raise AssertionError(
            f"{call} returned one array of shape {batches.shape}: return a list of batches, "
            "one array of example indices per step."
        )
    out = []
    for b in batches:
        b = np.asarray(b)
        if b.ndim != 1 or (b.size and not np.issubdtype(b.dtype, np.integer)):
            raise AssertionError(
                f"{call}: every batch should be a 1-D array of integer indices, got {_show(b)}"
            )
        out.append(b)
    return out


def check_epoch_batches(fn, reveal=True):
    """``fn(n, B, rng)`` returns one epoch of random reshuffling: a random permutation of
    ``range(n)``, drawn from the generator ``rng``, cut into consecutive batches of ``B``
    (a list of integer arrays, the last one smaller when ``B`` does not divide ``n``), as
    ``torch.utils.data.DataLoader(shuffle=True, drop_last=False)`` and
    ``optlib.runner.minibatches`` draw them.

    Graded on ``(n, B)`` = (10, 3), (12, 4), (7, 7), (5, 1) and (1257, 32): the batch sizes
    against one epoch of ``optlib.runner.minibatches`` (catches ``drop_last`` and a missing or
    padded last batch), each index exactly once (catches drawing with replacement, or each
    batch drawn on its own); then that the answer draws from ``rng`` (the same seed gives the
    same epoch: catches ``np.random``'s global generator) and draws a new permutation at every
    call (catches a seed fixed inside the function); and, over 2000 epochs of ``n = 10``,
    ``B = 3``, that every index is equally likely to open the epoch and that indices 0 and 1
    share a batch with probability 1/5 (catches no shuffling, a shuffle of whole batches, a
    random rotation of the order, or a shuffle within each batch only). ``reveal=False``
    leaves the expected batch sizes out of the messages.
    """
    for n, B in [(10, 3), (12, 4), (7, 7), (5, 1), (1257, 32)]:
        call = f"epoch_batches({n}, {B}, rng)"
        got = _epoch(fn, n, B, np.random.default_rng(1))
        draws = minibatches(n, B, np.random.default_rng(1))
        want = [len(next(draws)) for _ in range(-(-n // B))]
        sizes = [len(b) for b in got]
        if sizes != want:
            expected = (
                f", expected {_show(want)}: {len(want)} batches, all of {B} examples but the "
                f"last, which holds the {want[-1]} that are left."
                if reveal
                else ": check the number of batches and the size of the last one."
            )
            raise AssertionError(f"{call} returned batches of sizes {_show(sizes)}{expected}")
        if not np.array_equal(np.sort(np.concatenate(got)), np.arange(n)):
            raise AssertionError(
                f"{call}: the batches of an epoch should hold every index 0, ..., {n - 1} "
                "exactly once (some are missing or repeated)."
            )
    first = np.concatenate(_epoch(fn, 10, 3, np.random.default_rng(7)))
    again = np.concatenate(_epoch(fn, 10, 3, np.random.default_rng(7)))
    if not np.array_equal(first, again):
        raise AssertionError(
            "epoch_batches(10, 3, rng) gave two different epochs for two generators with the "
            "same seed: draw the permutation from `rng` (rng.permutation), not from np.random."
        )
    rng = np.random.default_rng(8)
    epochs = [_epoch(fn, 10, 3, rng) for _ in range(2000)]
    orders = np.array([np.concatenate(e) for e in epochs])
    if np.all(orders == orders[0]):
        raise AssertionError(
            "epoch_batches(10, 3, rng) returned the same order at every call: each epoch "
            "needs a fresh permutation drawn from rng."
        )
    opens = np.bincount(orders[:, 0], minlength=10) / len(orders)  # 1/10 each
    together = np.mean([any(0 in b and 1 in b for b in e) for e in epochs])  # 18/90 = 1/5
    if np.max(np.abs(opens - 0.1)) > 5 * np.sqrt(0.1 * 0.9 / 2000) or (
        abs(together - 0.2) > 5 * np.sqrt(0.2 * 0.8 / 2000)
    ):
        raise AssertionError(
            "over 2000 calls of epoch_batches(10, 3, rng) the order is not uniformly random: "
            f"indices 0 and 1 shared a batch in {together:.0%} of the epochs (expected 20%). "
            "Shuffle all n indices, then cut the shuffled order into batches."
        )
    print("Correct: epoch_batches reshuffles into batches of the right sizes on all 5 cases.")
