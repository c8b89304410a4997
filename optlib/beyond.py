r"""Beyond Adam: RAdam and Adafactor (as ``torch.optim``), Lion, and the Lookahead wrapper."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from optlib._base import (
    FirstOrder,
    Optimizer,
    check_flag,
    check_pair,
    check_range,
    finish,
    per_layer,
    prepare,
)

__all__ = ["RAdam", "Adafactor", "Lion", "Lookahead"]


class RAdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment


def _rectification(rho_t, rho_inf):
    """:math:`r_t` where :math:`\\rho_t > 5` (then :math:`\\rho_\\infty > 5` too), 1 elsewhere."""
    on = rho_t > 5
    rt, ri = np.where(on, rho_t, 6.0), np.where(on, rho_inf, 6.0)  # 6: any value > 4 is safe
    return np.where(on, np.sqrt((rt - 4) * (rt - 2) * ri / ((ri - 4) * (ri - 2) * rt)), 1.0)


class RAdam(FirstOrder):
    r"""Rectified Adam (Liu et al., 2020), as ``torch.optim.RAdam``.

    With :math:`g_t` (L2 or decoupled weight decay as in ``Adam``), :math:`m_t, v_t` and
    :math:`\hat m_t` as in ``Adam``, and the length of the approximated simple moving average

    .. math::

        \rho_\infty = \frac{2}{1 - \beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t},

    one step is

    .. math::

        x_t = x_{t-1} - \begin{cases}
            \eta\, r_t\, \hat m_t \sqrt{1 - \beta_2^t} / (\sqrt{v_t} + \varepsilon) & \rho_t > 5 \\
            \eta\, \hat m_t & \text{otherwise,}\end{cases} \qquad
        r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
                        {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}.

    While the variance of the adaptive step is intractable (the first steps: with
    :math:`\beta_2 = 0.999`, :math:`\rho_t \approx t`), RAdam takes bias-corrected momentum
    steps; then Adam's step times the rectification :math:`r_t < 1`, which tends to 1.
    (:math:`\rho_t` and :math:`r_t` are the paper's symbols, not RMSprop's decay rate or a
    rate of convergence.) Arguments (defaults): :math:`\eta` ``lr`` (``1e-3``),
    :math:`(\beta_1, \beta_2)` ``betas`` (``(0.9, 0.999)``), :math:`\varepsilon` ``eps``
    (``1e-8``), :math:`\omega` ``weight_decay`` (``0``); flags
    ``decoupled_weight_decay`` and ``maximize`` (``False``).

    Differences from the paper:

    * Algorithm 2 switches at :math:`\rho_t > 4`; torch at :math:`\rho_t > 5`, as does optlib
      (one more momentum step where :math:`4 < \rho_t \le 5`), and optax at
      :math:`\rho_t \ge 5` (its ``threshold=5.0``).
    * The paper has no epsilon (:math:`l_t = \sqrt{(1 - \beta_2^t)/v_t}`); torch adds it to
      :math:`\sqrt{v_t}` before the bias correction, not to :math:`\sqrt{\hat v_t}` as Adam.
    * The paper has no weight decay.

    Reference: L. Liu, H. Jiang, P. He, W. Chen, X. Liu, J. Gao, J. Han (2020), On the
    variance of the adaptive learning rate and beyond, ICLR, arXiv:1908.03265.
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0, high_open=True)
        self.eps = check_range("eps", eps)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.decoupled_weight_decay = check_flag("decoupled_weight_decay", decoupled_weight_decay)
        self.maximize = check_flag("maximize", maximize)

    def init(self, x):
        zero = np.zeros_like(x, dtype=float)
        return RAdamState(t=0, m=zero, v=zero)

    def terms(self, x, g, state):
        """``g``, ``m``, ``v``, ``m_hat``, ``rho_t``, ``rect`` (:math:`r_t`, 1 while
        :math:`\\rho_t \\le 5`), ``step_size`` (per unit of :math:`\\hat m_t`), ..."""
        (b1, b2), lr, t = self.betas, self.lr, state.t + 1
        decoupled = self.decoupled_weight_decay
        x, g, decay = prepare(x, g, self.maximize, self.weight_decay, decoupled=decoupled, lr=lr)
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        # np.power, not **: Python's power of a float may differ from NumPy's in the last bit,
        # which rho_t (a difference of two numbers near 2 / (1 - b2)) magnifies in batched runs
        b1_t, b2_t = np.power(b1, t), np.power(b2, t)
        m_hat = m / (1 - b1_t)
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2_t / (1 - b2_t)
        rect = _rectification(rho_t, rho_inf)
        adaptive = np.sqrt(1 - b2_t) / (np.sqrt(v) + self.eps) if np.any(rho_t > 5) else 0.0
        step_size = lr * np.where(rho_t > 5, rect * adaptive, 1.0)
        update = decay - step_size * m_hat
        new = RAdamState(t=t, m=m, v=v)
        return finish(x, update, new, g=g, m=m, v=v, m_hat=m_hat, rho_t=rho_t, rect=rect,
                      step_size=step_size)  # fmt: skip


class AdafactorState(NamedTuple):
    t: int  # steps taken
    v: np.ndarray  # second moments of the vector blocks, one after another, (..., n_v)
    row: np.ndarray  # row factors R of the matrix blocks (row means of g^2), (..., n_rows)
    col: np.ndarray  # column factors C (column means of g^2), (..., n_cols)


class _Block(NamedTuple):
    x: slice  # the block's coordinates in x
    shape: tuple  # its shape as a parameter
    v: slice | None  # its second moment in state.v (vectors)
    row: slice | None  # its row factor in state.row (matrices)
    col: slice | None  # its column factor in state.col (matrices)


def _check_shapes(shapes):
    """``shapes`` as a tuple of tuples of positive ints, or ``ValueError``."""
    if shapes is None:
        return None
    if (
        not isinstance(shapes, list | tuple)
        or not shapes
        or not all(
            isinstance(s, list | tuple)
            and all(isinstance(n, int | np.integer) and n >= 1 for n in s)
            for s in shapes
        )
    ):
        raise ValueError(f"shapes must be a list of shapes (tuples of positive integers), "
                         f"got {shapes!r}")  # fmt: skip
    return tuple(tuple(int(n) for n in s) for s in shapes)


def _layout(shapes, x):
    """The blocks of ``x``'s last axis, and the sizes of ``v``, ``row`` and ``col``."""
    if np.ndim(x) == 0:
        raise ValueError("Adafactor needs x with at least one axis")
    d = np.shape(x)[-1]
    blocks, i, nv, nr, nc = [], 0, 0, 0, 0
    for shape in shapes or ((d,),):
        size = math.prod(shape)
        if len(shape) >= 2:  # factored: one row factor per row, one column factor per column
            rows, cols = size // shape[-1], size // shape[-2]
            blocks.append(_Block(slice(i, i + size), shape, None, slice(nr, nr + rows),
                                 slice(nc, nc + cols)))  # fmt: skip
            nr, nc = nr + rows, nc + cols
        else:
            blocks.append(_Block(slice(i, i + size), shape, slice(nv, nv + size), None, None))
            nv += size
        i += size
    if i != d:
        raise ValueError(f"shapes {list(shapes)} hold {i} parameters, but x has {d}")
    return blocks, (nv, nr, nc)


def _rms(a):
    return np.sqrt(np.mean(a * a, axis=-1, keepdims=True))


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer and Stern, 2018), as ``torch.optim.Adafactor``.

    ``x``'s last axis is a sequence of parameters whose ``shapes`` are given in order
    (``shapes=[(32, 64), (32,), (10, 32), (10,)]``: a weight matrix, its bias, ...); their
    sizes must add up to ``x.shape[-1]``. ``shapes=None`` makes ``x`` one vector. For each
    parameter :math:`X` (with :math:`G_t` its part of :math:`g_t = \nabla f(x_{t-1})`):

    .. math::

        \hat\beta_{2,t} &= 1 - t^{c}, \qquad \rho_t = \min(\eta, 1/\sqrt t), \qquad
        \alpha_t = \max(\varepsilon_2, \operatorname{RMS}(X_{t-1}))\, \rho_t \\
        \text{matrix: } R_t &= \hat\beta_{2,t} R_{t-1} + (1 - \hat\beta_{2,t})
            \operatorname{mean}_\text{cols}(G_t^2), \quad
        C_t = \hat\beta_{2,t} C_{t-1} + (1 - \hat\beta_{2,t})
            \operatorname{mean}_\text{rows}(G_t^2), \quad
        \hat V_t = \frac{R_t C_t}{\max(\operatorname{mean}(R_t), \varepsilon_1)} \\
        \text{vector: } \hat V_t &= \hat\beta_{2,t} \hat V_{t-1}
            + (1 - \hat\beta_{2,t})\, G_t^2 \\
        U_t &= G_t / \sqrt{\max(\hat V_t, \varepsilon_1^2)}, \qquad
        X_t = (1 - \eta\omega) X_{t-1} - \frac{\alpha_t}{\max(1, \operatorname{RMS}(U_t)/D)}
        U_t

    where :math:`R_t C_t` is the outer product of the column :math:`R_t` (one number per
    row) and the row :math:`C_t`, so an :math:`n \times m` matrix keeps :math:`n + m` numbers
    instead of :math:`nm` (a parameter of 3 or more axes is factored over its last two).
    :math:`\hat\beta_{2,1} = 0`: the first step starts the averages from :math:`G_1^2`.
    Symbols and arguments (defaults): :math:`\eta` ``lr`` (``1e-2``, the cap on the relative
    step size :math:`\rho_t`), :math:`c` ``beta2_decay`` (``-0.8``, at most 0),
    :math:`(\varepsilon_1, \varepsilon_2)` ``eps`` (``(None, 1e-3)``; ``None`` is the
    machine epsilon of float64), :math:`D` ``d`` (``1.0``, the clipping threshold, at least
    1), :math:`\omega` ``weight_decay`` (``0``, decoupled); flag ``maximize``. The numbers may
    be arrays that broadcast against ``x``, except that ``beta2_decay`` and ``eps[0]``, which
    act on the factored moments, may vary per trajectory (shape ``(..., 1)``) but not per
    coordinate. The state keeps the vector moments, then the row and the column factors, of
    all parameters one after another. The step is relative: :math:`\alpha_t` scales with the
    size of the parameter, and update clipping caps :math:`\operatorname{RMS}` of the step
    at :math:`D\alpha_t`. (:math:`\rho_t`, :math:`\alpha_t` and :math:`c` are Adafactor's
    own symbols, as in the paper; :math:`D` is the paper's :math:`d`, the book's dimension.)

    Differences from the paper (its Algorithms 4 and 5, with Section 9's settings):

    * The paper has no ``lr``: :math:`\rho_t = \min(10^{-2}, 1/\sqrt t)`, torch's default
      :math:`\eta = 10^{-2}`. It has no weight decay either.
    * The paper adds :math:`\varepsilon_1 = 10^{-30}` to :math:`G_t^2` in every average;
      torch keeps the averages of :math:`G_t^2` alone and bounds the denominators below
      instead. The two agree unless gradients are as small as :math:`\varepsilon_1`.
    * The paper sums over rows and columns, torch averages: the same :math:`\hat V_t`.
    * Its optional first moment (:math:`\beta_1 > 0`) is in neither torch nor optlib.

    Reference: N. Shazeer, M. Stern (2018), Adafactor: adaptive learning rates with
    sublinear memory cost, ICML, arXiv:1804.04235.
    """

    def __init__(self, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
                 *, maximize=False, shapes=None):  # fmt: skip
        self.lr = check_range("lr", lr)
        self.beta2_decay = check_range("beta2_decay", beta2_decay, -np.inf, 0.0)
        eps1 = None if eps[0] is None else check_range("eps[0]", eps[0])
        self.eps = (eps1, check_range("eps[1]", eps[1]))
        self.d = check_range("d", d, 1.0)
        self.weight_decay = check_range("weight_decay", weight_decay)
        self.maximize = check_flag("maximize", maximize)
        self.shapes = _check_shapes(shapes)
        for name, value in (("beta2_decay", self.beta2_decay), ("eps[0]", eps1)):
            if self.shapes and np.shape(value)[-1:] not in ((), (1,)):
                raise ValueError(f"{name} may vary per trajectory, not per coordinate, "
                                 f"when shapes factor a matrix; got shape {np.shape(value)}")  # fmt: skip

    def init(self, x):
        _, (nv, nr, nc) = _layout(self.shapes, x)
        batch = np.shape(x)[:-1]
        return AdafactorState(t=0, v=np.zeros(batch + (nv,)), row=np.zeros(batch + (nr,)),
                              col=np.zeros(batch + (nc,)))  # fmt: skip

    def terms(self, x, g, state):
        """``g``, ``rho``, ``alpha``, ``v_hat`` (:math:`\\hat V_t`, per coordinate), ``u``,
        ``clip`` (:math:`\\max(1, \\operatorname{RMS}(U_t)/D)`), ``update``, ``x``, ``state``."""
        x, g, _ = prepare(x, g, self.maximize)
        blocks, _ = _layout(self.shapes, x)
        t, (eps1, eps2) = state.t + 1, self.eps
        eps1 = np.finfo(float).eps if eps1 is None else eps1
        w = t**self.beta2_decay  # 1 - beta2_hat: the weight of the new G^2
        rho = np.minimum(self.lr, 1 / math.sqrt(t))
        alpha = np.maximum(eps2, per_layer(_rms, x, [b.x for b in blocks])) * rho
        g2, batch = g * g, x.shape[:-1]

        def ema(old, new):  # the running average, weight w on the new value
            return (1 - w) * old + w * new

        v_hat, v, row, col = np.empty(x.shape), state.v.copy(), state.row.copy(), state.col.copy()
        for b in blocks:
            if b.v is not None:  # a vector: the second moment itself
                v[..., b.v] = ema(state.v[..., b.v], g2[..., b.x])
                v_hat[..., b.x] = v[..., b.v]
                continue
            G2 = g2[..., b.x].reshape(batch + b.shape)  # a matrix: row and column means
            row[..., b.row] = ema(state.row[..., b.row], G2.mean(-1).reshape(batch + (-1,)))
            col[..., b.col] = ema(state.col[..., b.col], G2.mean(-2).reshape(batch + (-1,)))
            R = row[..., b.row].reshape(batch + b.shape[:-1] + (1,))
            C = col[..., b.col].reshape(batch + b.shape[:-2] + (1, b.shape[-1]))
            lift = (1,) * (len(b.shape) - 1) if np.ndim(eps1) else ()  # eps1 per trajectory
            floor = np.reshape(eps1, np.shape(eps1) + lift)
            V = R * C / np.maximum(R.mean(-2, keepdims=True), floor)
            v_hat[..., b.x] = V.reshape(batch + (-1,))
        u = g / np.sqrt(np.maximum(v_hat, eps1 * eps1))
        clip = np.maximum(1.0, per_layer(_rms, u, [b.x for b in blocks]) / self.d)
        update = -alpha / clip * u - self.lr * self.weight_decay * x
        new = AdafactorState(t=t, v=v, row=row, col=col)
        return finish(x, update, new, g=g, rho=rho, alpha=alpha, v_hat=v_hat, u=u, clip=clip)


class LionState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # momentum (running mean of g with beta2)


class Lion(FirstOrder):
    r"""Lion, the sign of an interpolated momentum (Chen et al., 2023, Algorithm 2).

    With :math:`g_t = \nabla f(x_{t-1})`, from :math:`m_0 = 0`,

    .. math::

        c_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        x_t &= x_{t-1} - \eta\, \big(\operatorname{sign}(c_t) + \omega\, x_{t-1}\big) \\
        m_t &= \beta_2 m_{t-1} + (1 - \beta_2)\, g_t

    elementwise, with :math:`\operatorname{sign}(0) = 0`. Every coordinate moves by exactly
    :math:`\eta` (plus the decay): only the sign of :math:`c_t` is used, so Lion's steps are
    larger than Adam's, and the paper advises a learning rate 3 to 10 times smaller than
    AdamW's and a weight decay 3 to 10 times larger. Symbols and arguments (defaults):
    :math:`\eta` ``lr`` (``1e-4``), :math:`(\beta_1, \beta_2)` ``betas`` (``(0.9, 0.99)``:
    :math:`\beta_1` mixes the gradient into the step, :math:`\beta_2` into the momentum
    kept), :math:`\omega` ``weight_decay`` (``0``; the paper's :math:`\lambda`, decoupled
    and scaled by :math:`\eta` as in torch's ``AdamW``). The state's ``m`` is
    :math:`m_t`. torch.optim (2.13) has no Lion; Keras's ``Lion`` (default
    ``learning_rate=1e-3``) and optax's ``lion`` are this rule.

    Reference: X. Chen, C. Liang, D. Huang, E. Real, K. Wang, H. Pham, X. Dong, T. Luong,
    C.-J. Hsieh, Y. Lu, Q. V. Le (2023), Symbolic discovery of optimization algorithms,
    NeurIPS, arXiv:2302.06675.
    """

    def __init__(self, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        self.lr = check_range("lr", lr)
        self.betas = check_pair("betas", betas, 0.0, 1.0)
        self.weight_decay = check_range("weight_decay", weight_decay)

    def init(self, x):
        return LionState(t=0, m=np.zeros_like(x, dtype=float))

    def terms(self, x, g, state):
        """``g``, ``c``, ``m``, ``update``, ``x``, ``state``."""
        x, g, decay = prepare(x, g, False, self.weight_decay, decoupled=True, lr=self.lr)
        b1, b2 = self.betas
        c = b1 * state.m + (1 - b1) * g
        m = b2 * state.m + (1 - b2) * g
        update = decay - self.lr * np.sign(c)
        return finish(x, update, LionState(t=state.t + 1, m=m), g=g, c=c, m=m)


class LookaheadState(NamedTuple):
    t: int  # steps taken
    slow: np.ndarray  # the slow weights phi
    inner: tuple  # the inner optimizer's state


class Lookahead(Optimizer):
    r"""Lookahead: ``k`` steps forward with ``inner``, then a step back (Zhang et al., 2019).

    The inner optimizer moves the fast weights :math:`x_t` as usual. Every :math:`k`-th step,
    the slow weights :math:`\phi` move a fraction :math:`\alpha` of the way towards the fast
    weights, and the fast weights restart from there:

    .. math::

        \tilde x_t &= \text{the inner optimizer's step from } x_{t-1} \\
        \phi_t &= \begin{cases} \phi_{t-1} + \alpha (\tilde x_t - \phi_{t-1})
                    & t \equiv 0 \pmod k \\ \phi_{t-1} & \text{otherwise} \end{cases} \\
        x_t &= \phi_t \ \text{if}\ t \equiv 0 \pmod k, \ \text{else}\ \tilde x_t

    from :math:`\phi_0 = x_0`. Symbols and arguments (defaults): ``inner``, any optimizer
    (its ``needs`` are Lookahead's; its state carries on across synchronisations); :math:`k` ``k`` (``5``, an integer at least 1, the
    synchronisation period); :math:`\alpha` ``alpha`` (``0.5``, in [0, 1], the slow step;
    not a line search's step length). ``k`` and ``alpha`` may be arrays that broadcast
    against ``x``. ``alpha=1`` is the inner optimizer alone; ``k=1`` is the inner step
    shortened by :math:`\alpha`. The reported iterate is the fast one, :math:`x_t`; the
    paper returns the slow weights :math:`\phi`, which equal it after each synchronisation.
    Neither torch.optim nor Keras has Lookahead; optax's ``lookahead`` keeps both weights
    in the parameters.

    Reference: M. R. Zhang, J. Lucas, G. Hinton, J. Ba (2019), Lookahead optimizer: k steps
    forward, 1 step back, NeurIPS, arXiv:1907.08610.
    """

    def __init__(self, inner, k=5, alpha=0.5):
        if not (hasattr(inner, "init") and hasattr(inner, "step")):
            raise ValueError(f"inner must be an optimizer (with init and step), got {inner!r}")
        self.inner = inner
        self.k = check_range("k", k, 1.0)
        if np.any(self.k != np.floor(self.k)):
            raise ValueError(f"k must be an integer >= 1, got {k!r}")
        self.alpha = check_range("alpha", alpha, 0.0, 1.0)

    @property
    def needs(self):
        return tuple(self.inner.needs)

    def init(self, x):
        x = np.array(x, dtype=float)
        return LookaheadState(t=0, slow=x, inner=self.inner.init(x))

    def terms(self, x, g, state, **kw):
        """``fast`` (:math:`\\tilde x_t`), ``sync`` (True at a synchronisation), ``slow``,
        ``update``, ``x``, ``state``."""
        x = np.asarray(x, dtype=float)
        fast, inner = self.inner.step(x, g, state.inner, **kw)
        t = state.t + 1
        sync = t % self.k == 0
        slow = np.where(sync, state.slow + self.alpha * (fast - state.slow), state.slow)
        x_new = np.where(sync, slow, fast)
        new = LookaheadState(t=t, slow=slow, inner=inner)
        return {"fast": fast, "sync": sync, "slow": slow, "update": x_new - x, "x": x_new,
                "state": new}  # fmt: skip
