"""Proposals for a faster optlib Adam step, measured by ``steps.adam_large`` (none is in optlib:
each copies Adam's arithmetic, which optlib keeps in one place, ``optlib.Adam.terms``). Each
gives the same bits as optlib's step; ``steps.adam_large`` asserts it before timing them."""

import numpy as np


def adam_out(opt, x, g, state):
    """optlib's Adam step (no weight decay, no amsgrad), computed into the arrays it returns
    and one scratch array instead of one new array per operation. Same operations in the
    same order as ``optlib.Adam.terms``, so the same bits. A proposal, measured here."""
    (b1, b2), lr, t = opt.betas, opt.lr, state.t + 1
    x_new, m, v, s = np.empty_like(x), np.empty_like(x), np.empty_like(x), np.empty_like(x)
    np.multiply(g, 1 - b1, out=x_new)  # x_new is scratch until the last line
    np.multiply(state.m, b1, out=m)
    m += x_new  # m = b1 m + (1 - b1) g
    np.multiply(g, 1 - b2, out=x_new)
    x_new *= g
    np.multiply(state.v, b2, out=v)
    v += x_new  # v = b2 v + (1 - b2) g g
    np.divide(m, 1 - b1**t, out=x_new)  # m_hat
    np.divide(v, 1 - b2**t, out=s)  # v_hat
    np.sqrt(s, out=s)
    s += opt.eps
    np.divide(lr, s, out=s)  # step_size
    s *= x_new
    np.subtract(0.0, s, out=s)  # update = 0 - step_size m_hat
    np.add(x, s, out=x_new)
    return x_new, type(state)(t=t, m=m, v=v, v_max=state.v_max)


def adam_lean(opt, x, g, state):
    """``optlib.Adam.terms`` (no weight decay, no amsgrad) without its two passes that change
    nothing here: adding ``0 * x`` to the gradient and updating ``v_max``. Same bits for x, m
    and v. A proposal, measured here."""
    (b1, b2), lr, t = opt.betas, opt.lr, state.t + 1
    m = b1 * state.m + (1 - b1) * g
    v = b2 * state.v + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    step_size = lr / (np.sqrt(v_hat) + opt.eps)
    update = 0.0 - step_size * m_hat
    return x + update, type(state)(t=t, m=m, v=v, v_max=state.v_max)


CHUNK = 1 << 14  # 16384 float64 = 128 kB per array: a step's temporaries fit in L2


def chunked(step, chunk=CHUNK):
    """Apply an elementwise ``step(x, g, state)`` to blocks of ``chunk`` elements, so its
    temporaries stay in cache: only x, g and the state cross the memory bus. Valid for any
    optimizer whose update is elementwise with scalar hyperparameters (every first-order
    optimizer of optlib). A proposal, measured here."""

    def go(x, g, state):
        x_new = np.empty_like(x)
        fields = [f for f in state._fields if np.shape(getattr(state, f)) == x.shape]
        new = {f: np.empty_like(x) for f in fields}
        t = None
        for lo in range(0, x.size, chunk):
            sl = slice(lo, lo + chunk)
            part = state._replace(**{f: getattr(state, f)[sl] for f in fields})
            xs, ss = step(x[sl], g[sl], part)
            x_new[sl] = xs
            for f in fields:
                new[f][sl] = getattr(ss, f)
            t = ss.t
        return x_new, state._replace(t=t, **new)

    return go
