"""Run an optimizer on a problem: a whole batch of trajectories in one vectorised loop.

``run(opt, problem, x0, steps)`` returns a :class:`Trajectory` of plain arrays. Leading axes
of ``x0`` are independent trajectories (pair them with array hyperparameters to sweep a grid
in one call). A trajectory that diverges is flagged and stops: NaN from then on.

Read in this order: ``_loop`` (``run`` and the one step loop, with what varies assembled
before it starts), ``_recorder`` (``Trajectory``, and what is kept of each step),
``_batches`` (mini-batches: reshuffling or fresh draws), ``_checks`` (the arguments),
``studies`` (``sweep`` over a grid of hyperparameters, ``record`` of each step's terms).
"""

from optlib.runner._batches import minibatches
from optlib.runner._loop import clip_grad_norm, run
from optlib.runner._recorder import Trajectory
from optlib.runner.studies import Sweep, record, sweep
from optlib.runner.studies import _rate as _rate  # tests/test_viz.py uses it

__all__ = ["run", "Trajectory", "Sweep", "sweep", "record", "minibatches", "clip_grad_norm"]
