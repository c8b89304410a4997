r"""Newton's method and its cheaper relatives: BFGS, L-BFGS and a diagonal Newton step.

These methods act on the last axis of ``x`` (the parameter vector); leading axes are a batch
of independent trajectories. ``Newton`` and ``DiagonalNewton`` take the Hessian by keyword
(``hess=``, shape ``(..., d, d)``); with ``line_search=True`` a method takes the objective
``value=`` and chooses its step by :func:`backtracking`. ``optlib.run`` supplies both.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optlib._base import Optimizer, check_flag, check_grad, check_range, finish

__all__ = ["Newton", "BFGS", "LBFGS", "DiagonalNewton", "backtracking"]


def _dot(a, b):
    """Inner product over the last axis (a matrix product: fast for short vectors)."""
    return (a * b) @ np.ones(a.shape[-1])


def backtracking(value, x, g, p, alpha, c=1e-4, max_trials=30):
    r"""Armijo backtracking along ``p``, for each trajectory: the step length ``alpha``.

    Tries :math:`\alpha, \alpha/2, \alpha/4, \dots` and keeps the first with
    :math:`f(x + \alpha p) \le f(x) + c\,\alpha\,g^\top p` (sufficient decrease, Armijo 1966).
    ``alpha`` comes back broadcast to ``x.shape``; it is 0 where ``max_trials`` trials all
    failed (the trajectory stays put). ``p`` should be a descent direction (:math:`g^\top p<0`).
    """
    alpha = np.array(np.broadcast_to(alpha, np.shape(x)), dtype=float)
    f0 = value(x)
    done = ~np.isfinite(f0) | ~np.isfinite(_dot(g, p))  # nothing to search on a broken trajectory
    for _ in range(max_trials):
        done |= value(x + alpha * p) <= f0 + c * _dot(g, alpha * p)
        if done.all():
            return alpha
        alpha = np.where(done[..., None], alpha, alpha / 2)
    return np.where(done[..., None], alpha, 0.0)


def _check_hess(x, hess):
    hess = np.asarray(hess, dtype=float)
    d = np.shape(x)[-1]
    if hess.shape[-2:] != (d, d):
        raise ValueError(f"hess must have shape (..., {d}, {d}), got {hess.shape}")
    return hess


def _push(buf, item, keep):
    """History ``buf`` (..., m, k) with its oldest row dropped and ``item`` appended, where keep."""
    pushed = np.concatenate([buf[..., 1:, :], item[..., None, :]], axis=-2)
    return np.where(keep[..., None], pushed, buf)


class _LineSearch(Optimizer):
    """Shared: the step length is ``lr``, or found by :func:`backtracking` from ``lr``."""

    @property
    def needs(self):
        return ("value",) if self.line_search else ()

    def _alpha(self, x, g, p, value, alpha):
        if not self.line_search:
            return np.broadcast_to(alpha, np.shape(x))
        if value is None:
            raise TypeError(f"{type(self).__name__}(line_search=True) needs value=, the objective")
        return backtracking(value, x, g, p, alpha)


class NewtonState(NamedTuple):
    """Newton keeps no state between steps."""


class Newton(_LineSearch):
    r"""Newton's method, optionally damped or saddle-free.

    With :math:`g_t = \nabla f(x_{t-1})` and the eigen-decomposition
    :math:`H(x_{t-1}) = \sum_i \lambda_i q_i q_i^\top` of the Hessian there,

    .. math::
        p_t = -\sum_i \frac{q_i^\top g_t}{\tilde\lambda_i + \delta}\, q_i,\qquad
        x_t = x_{t-1} + \alpha_t\, p_t,\qquad
        \tilde\lambda_i = \begin{cases} |\lambda_i| & \text{saddle-free} \\
                                        \lambda_i & \text{otherwise,} \end{cases}

    that is :math:`p_t = -(H + \delta I)^{-1} g_t`, or :math:`-(|H| + \delta I)^{-1} g_t` with
    :math:`|H| = \sum_i |\lambda_i|\, q_i q_i^\top`. Symbols and arguments (defaults):
    :math:`\eta` ``lr`` (``1.0``) is the step length :math:`\alpha_t`, or with
    ``line_search=True`` the first trial of the backtracking search that chooses
    :math:`\alpha_t`; :math:`\delta` ``damping`` (``0.0``); flags ``saddle_free`` and
    ``line_search`` (``False``). Pure Newton (:math:`\eta = 1, \delta = 0`) jumps to the
    stationary point of the local quadratic model, so it solves a quadratic in one step,
    converges quadratically near a minimum, and is attracted by saddles too. Replacing the
    eigenvalues by their absolute values (Dauphin et al., 2014) keeps the step length of
    Newton but always descends. A zero :math:`\tilde\lambda_i + \delta` gives an infinite step
    (which ``optlib.run`` flags).

    References: Nocedal & Wright, *Numerical Optimization* (2006), ch. 3; Dauphin et al.,
    "Identifying and attacking the saddle point problem in high-dimensional non-convex
    optimization", NeurIPS 2014.
    """

    def __init__(self, lr=1.0, damping=0.0, saddle_free=False, line_search=False):
        self.lr = check_range("lr", lr, 0, np.inf, low_open=True)
        self.damping = check_range("damping", damping, 0)
        self.saddle_free = check_flag("saddle_free", saddle_free)
        self.line_search = check_flag("line_search", line_search)

    @property
    def needs(self):
        return ("hess", "value") if self.line_search else ("hess",)

    def init(self, x):
        return NewtonState()

    def terms(self, x, g, state, *, hess, value=None):
        """``g``, ``eigenvalues`` (of the damped, possibly saddle-free matrix), ``direction``,
        ``alpha``, ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        g = check_grad(x, g)
        w, V = np.linalg.eigh(_check_hess(x, hess))  # H = V diag(w) V^T
        if self.saddle_free:
            w = np.abs(w)  # |H| = V diag(|w|) V^T
        w = w + self.damping  # H + delta I = V diag(w + delta) V^T
        c = (np.swapaxes(V, -1, -2) @ g[..., None])[..., 0]  # V^T g: g in the eigenbasis
        p = -(V @ (c / w)[..., None])[..., 0]  # p = -V diag(1 / w) V^T g
        alpha = self._alpha(x, g, p, value, self.lr)
        update = alpha * p
        return finish(x, update, state, g=g, eigenvalues=w, direction=p, alpha=alpha)


class BFGSState(NamedTuple):
    M: np.ndarray  # inverse-Hessian approximation M_t, (..., d, d)
    x: np.ndarray  # previous iterate
    g: np.ndarray  # previous gradient
    t: np.ndarray  # steps taken


class BFGS(_LineSearch):
    r"""BFGS: a quasi-Newton method that learns the inverse Hessian from gradient differences.

    With :math:`g_t = \nabla f(x_{t-1})` and the secant pair of the previous step,
    :math:`s = s_{t-1} = x_{t-1} - x_{t-2}` and :math:`y = y_{t-1} = g_t - g_{t-1}`, the
    approximation :math:`M_t \approx H^{-1}` and the step are

    .. math::
        M_t = \Bigl(I - \frac{s y^\top}{y^\top s}\Bigr) M_{t-1}
              \Bigl(I - \frac{y s^\top}{y^\top s}\Bigr) + \frac{s s^\top}{y^\top s},\qquad
        x_t = x_{t-1} - \alpha_t M_t g_t

    so that :math:`M_t y = s` (the secant condition) and :math:`M_t` stays symmetric positive
    definite as long as :math:`y^\top s > 0`. Where
    :math:`y^\top s \le 10^{-10} \lVert y\rVert \lVert s\rVert` (possible with a backtracking
    rather than a Wolfe line search or a fixed ``lr``, and at convergence, where
    :math:`1 / y^\top s` would overflow) the update is skipped and :math:`M_t = M_{t-1}`.
    :math:`M_1 = I` (there is no pair yet), so the first step is a gradient step. Symbols and
    arguments (defaults): :math:`\alpha_t` is ``lr`` (``1.0``), or with ``line_search``
    (``True``) the backtracking step from ``lr``. The state and ``terms`` call :math:`M_t`
    ``M`` (Nocedal & Wright write :math:`H_t`) and the code calls :math:`1 / y^\top s`
    ``rho``. Cost: :math:`O(d^3)` time per step as written (three matrix products of
    :math:`d \times d` matrices; the rank-two expansion of Nocedal & Wright's eq. (6.17) would
    be :math:`O(d^2)`) and :math:`O(d^2)` memory.

    References: Broyden (1970), Fletcher (1970), Goldfarb (1970), Shanno (1970); Nocedal &
    Wright (2006), eq. (6.17) and Algorithm 6.1.
    """

    def __init__(self, lr=1.0, line_search=True):
        self.lr = check_range("lr", lr, 0, np.inf, low_open=True)
        self.line_search = check_flag("line_search", line_search)

    def init(self, x):
        x = np.array(x, dtype=float)
        M = np.zeros(x.shape + x.shape[-1:]) + np.eye(x.shape[-1])
        return BFGSState(M, x, np.zeros_like(x), np.zeros((), dtype=int))

    def terms(self, x, g, state, *, value=None):
        """``g``, ``s``, ``y``, ``M`` (the updated inverse Hessian), ``direction``, ``alpha``,
        ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        g = check_grad(x, g)
        s, y = x - state.x, g - state.g
        ys = _dot(y, s)
        # skip when y^T s is not safely positive relative to |y||s| (at convergence it underflows)
        keep = (state.t > 0) & (ys > 1e-10 * np.sqrt(_dot(y, y) * _dot(s, s)))
        with np.errstate(over="ignore"):
            rho = np.divide(1.0, ys, out=np.zeros_like(ys), where=keep)
        rho = np.where(np.isfinite(rho), rho, 0.0)
        rho = rho[..., None, None]  # rho = 0 (a skipped update) leaves M exactly unchanged
        L = np.eye(x.shape[-1]) - rho * s[..., :, None] * y[..., None, :]
        M = L @ state.M @ np.swapaxes(L, -1, -2) + rho * s[..., :, None] * s[..., None, :]
        p = -(M @ g[..., None])[..., 0]
        alpha = self._alpha(x, g, p, value, self.lr)
        update = alpha * p
        new = BFGSState(M, x, g, state.t + 1)
        return finish(x, update, new, g=g, s=s, y=y, M=M, direction=p, alpha=alpha)


class LBFGSState(NamedTuple):
    S: np.ndarray  # last m steps s_i, oldest first, (..., m, d); empty slots are zero
    Y: np.ndarray  # the matching gradient differences y_i
    rho: np.ndarray  # 1 / y_i^T s_i, (..., m, 1); 0 in empty slots
    gamma: np.ndarray  # H_0 = gamma I, (..., 1)
    s: np.ndarray  # the step taken last, x_t - x_{t-1}
    g: np.ndarray  # the previous gradient
    t: np.ndarray  # steps taken


class LBFGS(_LineSearch):
    r"""L-BFGS: BFGS from the last ``history_size`` pairs :math:`(s_i, y_i)`, never forming M.

    The direction :math:`p_t = -M_t g_t` comes from the two-loop recursion (Nocedal & Wright,
    Algorithm 7.4) over the stored pairs, with :math:`M_t` the BFGS matrix built from
    :math:`\gamma I` by those pairs, oldest first:

    .. math::
        q &\leftarrow g_t;\quad a_i = \frac{s_i^\top q}{y_i^\top s_i},\quad
        q \leftarrow q - a_i y_i \quad \text{(newest to oldest)};\quad r \leftarrow \gamma q \\
        r &\leftarrow r + \Bigl(a_i - \frac{y_i^\top r}{y_i^\top s_i}\Bigr)\, s_i \quad
        \text{(oldest to newest)};\quad p_t = -r \\
        x_t &= x_{t-1} + \alpha_t p_t

    with :math:`\gamma = s^\top y / y^\top y` of the newest pair (1 before the first one), and
    :math:`\alpha_t` = ``lr`` or the backtracking step from ``lr``. As in
    ``torch.optim.LBFGS``, the pair made at step :math:`t` is
    :math:`s = s_{t-1}`, the step actually taken, and :math:`y = y_{t-1} = g_t - g_{t-1}`; it
    is stored only if :math:`y^\top s > 10^{-10}` (backtracking, unlike a Wolfe line search,
    does not ensure it). The state keeps the pairs as rows of ``S`` and ``Y``, oldest first,
    and :math:`1 / y_i^\top s_i` as ``rho``. ``first_step="torch"`` (the default) scales the
    very first step, taken before any curvature is known, by
    :math:`\min(1, 1/\lVert g_1\rVert_1)` as torch does; ``"lr"`` does not.
    ``LBFGS(lr, history_size=m, line_search=False)`` then reproduces
    ``torch.optim.LBFGS(lr=lr, history_size=m, max_iter=1)`` iterate by iterate (one ``step``
    per torch ``step``; torch's early exits on tiny gradients or changes aside).
    Cost: :math:`O(md)` memory and time per step.

    References: Nocedal, "Updating quasi-Newton matrices with limited storage", Math. Comp.
    (1980); Liu & Nocedal, Math. Programming (1989).
    """

    def __init__(self, lr=1.0, history_size=10, line_search=True, first_step="torch"):
        self.lr = check_range("lr", lr, 0, np.inf, low_open=True)
        if not isinstance(history_size, int | np.integer) or history_size < 1:
            raise ValueError(f"history_size must be an integer >= 1, got {history_size!r}")
        self.history_size = np.int64(history_size)  # (a plain int breaks Optimizer.__repr__)
        self.line_search = check_flag("line_search", line_search)
        if first_step not in ("lr", "torch"):
            raise ValueError(f"first_step must be 'lr' or 'torch', got {first_step!r}")
        self.first_step = first_step

    def init(self, x):
        x = np.asarray(x, dtype=float)
        S = np.zeros(x.shape[:-1] + (self.history_size, x.shape[-1]))
        batch = x.shape[:-1]
        return LBFGSState(S, S.copy(), np.zeros(batch + (self.history_size, 1)),
                          np.ones(batch + (1,)), np.zeros_like(x), np.zeros_like(x),
                          np.zeros((), dtype=int))  # fmt: skip

    def terms(self, x, g, state, *, value=None):
        """``g``, ``s``, ``y``, ``gamma``, ``direction``, ``alpha``, ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        g = check_grad(x, g)
        s, y = state.s, g - state.g
        ys = _dot(y, s)[..., None]
        keep = (state.t > 0) & (ys > 1e-10)  # store the pair (s, y), forget the oldest
        S, Y = _push(state.S, s, keep), _push(state.Y, y, keep)
        rho = _push(state.rho, np.divide(1.0, ys, out=np.zeros_like(ys), where=keep), keep)
        gamma = np.divide(ys, _dot(y, y)[..., None], out=state.gamma.copy(), where=keep)
        a = [None] * self.history_size
        q = g
        for i in reversed(range(self.history_size)):  # newest to oldest; empty slots do nothing
            a[i] = _dot(S[..., i, :], q)[..., None] * rho[..., i, :]
            q = q - a[i] * Y[..., i, :]
        r = gamma * q
        for i in range(self.history_size):  # oldest to newest
            b = _dot(Y[..., i, :], r)[..., None] * rho[..., i, :]
            r = r + (a[i] - b) * S[..., i, :]
        p = -r  # = -M g
        alpha = self.lr
        if self.first_step == "torch" and state.t == 0:
            alpha = self.lr * np.minimum(1.0, 1.0 / np.sum(np.abs(g), axis=-1, keepdims=True))
        alpha = self._alpha(x, g, p, value, alpha)
        update = alpha * p
        new = LBFGSState(S, Y, rho, gamma, update, g, state.t + 1)
        return finish(x, update, new, g=g, s=s, y=y, gamma=gamma, direction=p, alpha=alpha)


class DiagonalNewtonState(NamedTuple):
    """The diagonal Newton step keeps no state."""


class DiagonalNewton(Optimizer):
    r"""Newton's step with the Hessian replaced by its diagonal (Becker & LeCun, 1988).

    .. math::
        x_t = x_{t-1} - \frac{\eta}{|\operatorname{diag} H(x_{t-1})| + \delta} \odot g_t

    coordinate by coordinate, with :math:`g_t = \nabla f(x_{t-1})`. Symbols and arguments
    (defaults): :math:`\eta` ``lr`` (``1.0``); :math:`\delta` ``damping`` (``1e-2``; the
    paper's :math:`\mu`), the damping that keeps the step bounded where the curvature is small. The
    absolute value keeps the step downhill where the curvature is negative. Exact for a
    quadratic with a diagonal Hessian (:math:`\delta = 0`), blind to rotated valleys.

    References: Becker & LeCun, "Improving the convergence of back-propagation learning with
    second order methods", Connectionist Models Summer School (1988); LeCun, Bottou, Orr &
    Mueller, "Efficient BackProp" (1998).
    """

    needs = ("hess",)

    def __init__(self, lr=1.0, damping=1e-2):
        self.lr = check_range("lr", lr, 0, np.inf, low_open=True)
        self.damping = check_range("damping", damping, 0)

    def init(self, x):
        return DiagonalNewtonState()

    def terms(self, x, g, state, *, hess):
        """``g``, ``h`` (the Hessian's diagonal), ``step_size``, ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        g = check_grad(x, g)
        h = np.diagonal(_check_hess(x, hess), axis1=-2, axis2=-1)
        step_size = self.lr / (np.abs(h) + self.damping)
        update = -step_size * g
        return finish(x, update, state, g=g, h=h, step_size=step_size)
