"""optlib: the optimizers of deep learning in NumPy, written to be read.

Every optimizer is a pair of pure functions on explicit state::

    import optlib
    opt = optlib.Adam(lr=0.1)
    state = opt.init(x)
    x, state = opt.step(x, g, state)

``optlib.run(opt, problem, x0, steps)`` runs one on a test problem from
``optlib.problems`` and returns a ``Trajectory``. Figures and interactive experiments
live in ``optlib.viz`` and ``optlib.interact`` (they need matplotlib and ipywidgets);
the core needs NumPy alone.
"""

from optlib._base import Optimizer, check_grad, check_range

# first-order optimizers (sgd.py, adaptive.py, adam.py)
from optlib.adam import Adam, Adamax, AdamW, AMSGrad, NAdam
from optlib.adaptive import Adadelta, Adagrad, RMSprop, Rprop
from optlib.sgd import SGD

# second-order and quasi-Newton methods (newton.py)
# isort: split
from optlib.newton import BFGS, LBFGS, DiagonalNewton, Newton

# problems and the runner (problems.py, runner.py)
# isort: split
from optlib import problems
from optlib.runner import Trajectory, run

__version__ = "0.1.0"
