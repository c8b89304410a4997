"""Shared fixtures: the stand-in optimizer, for tests of the runner, figures and experiments.

The stand-in lives in ``harness.py``, which helper functions can import; the fixture serves
test functions. The table of optlib's own optimizers is ``optimizers.py``.
"""

import pytest
from harness import HeavyBall


@pytest.fixture
def stand_in():
    """The stand-in optimizer class: ``stand_in(lr)`` is gradient descent, ``stand_in(lr,
    momentum)`` the heavy ball (see :class:`HeavyBall`)."""
    return HeavyBall
