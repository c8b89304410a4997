"""Shared fixtures: the stand-in optimizer, for tests of the runner, figures and experiments.

The stand-in and the table of optlib's own optimizers live in ``optimizers.py`` (a module
helper functions can import; a fixture serves test functions).
"""

import pytest
from optimizers import HeavyBall


@pytest.fixture
def stand_in():
    """The stand-in optimizer class: ``stand_in(lr)`` is gradient descent, ``stand_in(lr,
    momentum)`` the heavy ball (see :class:`HeavyBall`)."""
    return HeavyBall
