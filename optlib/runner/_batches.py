"""Mini-batches as a training loop draws them: epochs of reshuffling, or fresh draws each step."""

from __future__ import annotations

import numpy as np

__all__ = ["minibatches", "SAMPLINGS"]

SAMPLINGS = ("reshuffle", "replacement")


def minibatches(n, batch_size, rng, sampling="reshuffle", shape=()):
    """Yield the example indices of step 1, 2, ...: arrays of shape ``shape + (B,)``.

    ``sampling="reshuffle"`` (random reshuffling, as ``torch.utils.data.DataLoader(shuffle=True)``
    with ``drop_last=False``): each epoch is a fresh random permutation of the ``n`` examples,
    cut into consecutive batches of ``batch_size``; each example is used once per epoch, and the
    last batch of an epoch is smaller when ``batch_size`` does not divide ``n``.
    ``sampling="replacement"``: every step draws ``batch_size`` distinct examples uniformly,
    independently of the steps before (the batches are drawn with replacement, as in the i.i.d.
    analysis of SGD; an example may come back at the next step). With ``shape == ()`` all
    trajectories share each batch (the draws are those of ``rng.permutation(n)`` and
    ``rng.choice(n, batch_size, replace=False)``); otherwise each of the ``shape`` trajectories
    draws its own.
    """
    if sampling == "replacement":
        if shape == ():
            while True:
                yield rng.choice(n, size=batch_size, replace=False)
        while True:
            yield _permutations(n, rng, shape)[..., :batch_size]
    while True:  # reshuffle
        order = rng.permutation(n) if shape == () else _permutations(n, rng, shape)
        for lo in range(0, n, batch_size):
            yield order[..., lo : lo + batch_size]


def _permutations(n, rng, shape):
    """One random permutation of ``range(n)`` per trajectory: shape ``shape + (n,)``."""
    return rng.permuted(np.broadcast_to(np.arange(n), (*shape, n)), axis=-1)
