"""optlib: the optimizers of deep learning in NumPy, written to be read.

Every optimizer is a pair of pure functions on explicit state::

    import optlib
    opt = optlib.Adam(lr=0.1)
    state = opt.init(x)
    x, state = opt.step(x, g, state)

``optlib.run(opt, problem, x0, steps)`` runs one on a test problem from
``optlib.problems`` and returns a ``Trajectory`` (learning-rate schedules from
``optlib.schedules``). Figures and interactive experiments
live in ``optlib.viz`` and ``optlib.interact`` (they need matplotlib and ipywidgets);
the core needs NumPy alone.
"""

from optlib import problems, schedules
from optlib._base import FirstOrder, Optimizer, check_flag, check_grad, check_range
from optlib.adam import Adam, Adamax, AdamW, AMSGrad, NAdam  # the Adam family
from optlib.adaptive import Adadelta, Adagrad, RMSprop, Rprop  # per-coordinate step sizes
from optlib.beyond import Adafactor, Lion, Lookahead, RAdam  # beyond Adam
from optlib.large_batch import LAMB, LARS  # layer-wise trust ratios
from optlib.natural import KFAC, NaturalGradient  # preconditioned by the Fisher information
from optlib.newton import BFGS, LBFGS, DiagonalNewton, Newton  # second-order, quasi-Newton
from optlib.runner import Sweep, Trajectory, record, run, sweep
from optlib.sgd import SGD

__all__ = [
    "SGD", "Adagrad", "RMSprop", "Adadelta", "Rprop",
    "Adam", "AdamW", "Adamax", "NAdam", "AMSGrad",
    "RAdam", "Adafactor", "Lion", "Lookahead", "LAMB", "LARS",
    "Newton", "BFGS", "LBFGS", "DiagonalNewton", "NaturalGradient", "KFAC",
    "run", "Trajectory", "sweep", "Sweep", "record", "problems", "schedules",
    "Optimizer", "FirstOrder", "check_range", "check_flag", "check_grad",
]  # fmt: skip

__version__ = "0.1.0"
