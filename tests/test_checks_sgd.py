"""check_epoch_batches and check_gd_step (chapter 2): pass on answers written here from the
definitions, fail on the stub and on the typical wrong answers."""

import numpy as np
import pytest

from optlib.checks import check_epoch_batches, check_gd_step


def epoch_batches(n, B, rng):
    """One epoch of random reshuffling, written here from the definition."""
    order = rng.permutation(n)
    return [order[lo : lo + B] for lo in range(0, n, B)]


def chunks(order, B):
    return [order[lo : lo + B] for lo in range(0, len(order), B)]


def stub(n, B, rng):
    raise NotImplementedError


def test_passes_on_the_definition(capsys):
    check_epoch_batches(epoch_batches)
    assert capsys.readouterr().out.startswith("Correct")


def test_passes_on_other_ways_of_drawing_a_permutation(capsys):
    check_epoch_batches(lambda n, B, rng: chunks(rng.choice(n, size=n, replace=False), B))
    check_epoch_batches(
        lambda n, B, rng: np.array_split(rng.permuted(np.arange(n)), range(B, n, B))
    )
    assert capsys.readouterr().out.count("Correct") == 2


def shuffled_whole_batches(n, B, rng):
    batches = chunks(np.arange(n), B)
    return [batches[i] for i in rng.permutation(len(batches))]


def shuffled_within_batches(n, B, rng):
    return [rng.permutation(b) for b in chunks(np.arange(n), B)]


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, B, rng: chunks(rng.permutation(n)[: n - n % B or n], B),  # drop_last
        lambda n, B, rng: chunks(
            np.r_[rng.permutation(n), rng.permutation(n)][: -(-n // B) * B], B
        ),
        lambda n, B, rng: chunks(np.arange(n), B),  # no shuffling
        lambda n, B, rng: chunks(np.random.permutation(n), B),  # noqa: NPY002 (the global generator)
        lambda n, B, rng: chunks(np.random.default_rng(0).permutation(n), B),  # a fixed seed
        lambda n, B, rng: chunks(rng.integers(0, n, size=n), B),  # examples with replacement
        lambda n, B, rng: [  # independent batches: repeats within an epoch
            rng.choice(n, size=min(B, n - lo), replace=False) for lo in range(0, n, B)
        ],
        shuffled_whole_batches,
        shuffled_within_batches,
        lambda n, B, rng: chunks(np.roll(np.arange(n), rng.integers(n)), B),  # a rotation
        lambda n, B, rng: rng.permutation(n),  # the permutation, not cut into batches
        lambda n, B, rng: [list(map(float, b)) for b in epoch_batches(n, B, rng)],  # floats
    ],
    ids="drop-last padded no-shuffle np-random fixed-seed with-replacement independent "
    "whole-batches within-batches rotation one-array floats".split(),
)
def test_fails_on_typical_wrong_answers(wrong):
    with pytest.raises(AssertionError, match="epoch_batches"):
        check_epoch_batches(wrong)


def test_fails_on_the_stub():
    with pytest.raises(AssertionError, match="not written yet"):
        check_epoch_batches(stub)


def test_check_gd_step_rejects_an_in_place_step(capsys):
    check_gd_step(lambda x, g, lr: x - lr * g)
    assert capsys.readouterr().out.startswith("Correct")

    def in_place(x, g, lr):
        x -= lr * g
        return x

    with pytest.raises(AssertionError, match="in place"):
        check_gd_step(in_place)

    with pytest.raises(AssertionError, match="in place: return a new array.$"):
        check_gd_step(in_place, reveal=False)  # the self-check does not spell out the answer


def test_check_epoch_batches_with_reveal_false_hides_the_expected_sizes(capsys):
    check_epoch_batches(epoch_batches, reveal=False)
    assert capsys.readouterr().out.startswith("Correct")

    def drop_last(n, B, rng):
        return [b for b in epoch_batches(n, B, rng) if len(b) == B]

    with pytest.raises(AssertionError, match="expected") as shown:
        check_epoch_batches(drop_last)
    with pytest.raises(AssertionError) as hidden:
        check_epoch_batches(drop_last, reveal=False)
    assert "expected" not in str(hidden.value) and str(hidden.value) != str(shown.value)
    assert "number of batches" in str(hidden.value)
