"""The generic tests, run over every optimizer and setting of the table in ``optimizers.py``.

Parity with ``torch.optim`` iterate by iterate in float64; array hyperparameters equal to
scalar runs; inputs left alone and state shapes kept; a wrong gradient shape raises; the loss
falls on the table's problems; a bad number or flag raises naming it, the ends of every
interval are accepted, other invalid inputs raise; a step gets what it ``needs``; torch's
names, defaults and argument order. The table itself is checked to cover every optimizer
optlib exports and every argument of each.
"""

import inspect
import re

import numpy as np
import pytest
from harness import SHAPE, STEPS, X0, extras, grad, iterates, torch_iterates
from optimizers import CASES, IDS, TABLE, TORCH_CASES, scaled, with_value

import optlib

INFO_IDS = [info.name for info in TABLE]


# ---------------------------------------------------------------- the table itself
def test_every_optimizer_optlib_exports_is_in_the_table():
    exported = {getattr(optlib, n) for n in optlib.__all__}
    classes = {c for c in exported if isinstance(c, type) and issubclass(c, optlib.Optimizer)}
    assert classes - {optlib.Optimizer, optlib.FirstOrder} == {info.cls for info in TABLE}


@pytest.mark.parametrize("info", TABLE, ids=INFO_IDS)
def test_the_table_covers_every_argument(info):
    covered = {re.sub(r"\[\d\]$", "", name) for name in info.ranges}
    covered |= set(info.flags) | set(info.base) | {k for kw, _ in info.invalid for k in kw}
    assert set(inspect.signature(info.cls).parameters) <= covered
    assert info.settings
    if info.torch:
        assert any(c[0] is info for c in TORCH_CASES), "no setting is compared with torch"


# ---------------------------------------------------------------- parity with torch.optim
@pytest.mark.parametrize("info, name, kwargs", TORCH_CASES, ids=[c[1] for c in TORCH_CASES])
def test_parity_with_torch(info, name, kwargs):
    maximize = kwargs.get("maximize", False)
    ours = iterates(info.make(**kwargs), X0, STEPS, maximize)
    theirs = torch_iterates(info, kwargs, X0, STEPS, maximize)
    assert np.all(np.isfinite(ours)) and np.ptp(ours[-50:], axis=0).max() < 10
    # every iterate, not just the last; atol only guards coordinates passing through 0
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- broadcasting
FACTORS = np.array([1.0, 0.5, 0.25])


def full(info, kwargs):
    """``kwargs`` with the default of every other number of ``info.ranges`` added."""
    defaults = inspect.signature(info.cls).parameters
    names = {re.sub(r"\[\d\]$", "", name) for name in info.ranges}
    return {n: defaults[n].default for n in names if n in defaults} | kwargs


@pytest.mark.parametrize("info, name, kwargs", CASES, ids=IDS)
def test_array_hyperparameters_equal_scalar_runs(info, name, kwargs):
    kwargs = full(info, kwargs)
    f = FACTORS.reshape(-1, 1)  # one setting per row; tuples become tuples of arrays
    batch = iterates(info.make(**scaled(info, kwargs, f)), np.tile(X0[0], (3, 1)), 30)
    for i, fi in enumerate(FACTORS):
        single = iterates(info.make(**scaled(info, kwargs, fi)), X0[0], 30)
        np.testing.assert_allclose(batch[:, i], single, rtol=info.batch_rtol, atol=1e-15)
    assert np.ptp(batch[-1], axis=0).max() > 0  # the settings really differ


# ---------------------------------------------------------------- purity and state
def leaves(state):
    """The entries of a state, nested states (Lookahead's inner one) flattened, in order."""
    if isinstance(state, tuple):
        for item in state:
            yield from leaves(item)
    else:
        yield state


@pytest.mark.parametrize("info, name, kwargs", CASES, ids=IDS)
def test_inputs_not_modified_and_state_shapes_kept(info, name, kwargs):
    opt = info.make(**kwargs)
    x = X0.copy()
    state = opt.init(x)
    shapes = [np.shape(a) for a in leaves(state)]
    for k in range(3):
        g, kw = grad(x, k), extras(opt, x)
        inputs = [x, g, *(v for v in kw.values() if isinstance(v, np.ndarray)), *leaves(state)]
        frozen = [np.array(a, copy=True) for a in inputs]
        for a in inputs:  # any in-place write would now raise
            np.asarray(a).flags.writeable = False
        terms = opt.terms(x, g, state, **kw)
        x_new, new = opt.step(x, g, state, **kw)
        for a, b in zip(inputs, frozen, strict=True):
            np.testing.assert_array_equal(a, b)
        assert type(new) is type(state)
        if "t" in type(state)._fields:
            assert new.t == state.t + 1 == k + 1
        assert [np.shape(a) for a in leaves(new)] == shapes
        assert x_new.shape == x.shape and x_new.dtype == np.float64
        np.testing.assert_array_equal(terms["x"], x_new)  # step is built on terms
        np.testing.assert_allclose(terms["update"], x_new - x, rtol=1e-12, atol=1e-15)
        assert list(terms)[-3:] == ["update", "x", "state"]
        x, state = x_new, new


@pytest.mark.parametrize("info, name, kwargs", CASES, ids=IDS)
def test_wrong_gradient_shape_raises(info, name, kwargs):
    opt = info.make(**kwargs)
    x = np.zeros(SHAPE)
    with pytest.raises(ValueError, match="shape"):
        opt.step(x, np.zeros((4, 3)), opt.init(x), **extras(opt, x))


@pytest.mark.parametrize("info, name, kwargs", CASES, ids=IDS)
def test_a_step_gets_what_it_needs(info, name, kwargs):
    opt = info.make(**kwargs)
    assert tuple(opt.needs) == info.needs(kwargs)
    x = X0.copy()
    kw = extras(opt, x)
    for missing in kw:  # without it, the step cannot be taken
        with pytest.raises(TypeError, match=missing):
            opt.step(x, grad(x, 0), opt.init(x), **{k: v for k, v in kw.items() if k != missing})


@pytest.mark.parametrize("info, name, kwargs", CASES, ids=IDS)
def test_loss_falls(info, name, kwargs):
    opt = info.make(**{k: v for k, v in kwargs.items() if k != "maximize"})
    for p in info.problems:
        problem = p.make()
        traj = optlib.run(opt, problem, np.array(p.x0), p.steps)
        assert not traj.diverged and traj.final_loss < traj.losses[0], problem.name


# ---------------------------------------------------------------- validation
VALIDATION = [
    (info, name, bad)
    for info in TABLE
    for name, interval in info.ranges.items()
    for bad in interval.bad()
]


@pytest.mark.parametrize(
    "info, name, bad",
    VALIDATION,
    ids=[f"{info.name}-{name}-{i}" for i, (info, name, _) in enumerate(VALIDATION)],
)
def test_bad_hyperparameter_raises_naming_it(info, name, bad):
    with pytest.raises(ValueError, match=re.escape(name) + " must be in"):
        info.make(**with_value(info, name, bad))


@pytest.mark.parametrize("info", TABLE, ids=INFO_IDS)
def test_boundary_values_are_accepted(info):
    for name, interval in info.ranges.items():
        for value in interval.ends():
            info.make(**with_value(info, name, value))


FLAGS = [(info, flag) for info in TABLE for flag in info.flags]


@pytest.mark.parametrize("info, flag", FLAGS, ids=[f"{i.name}-{f}" for i, f in FLAGS])
def test_flags_must_be_booleans(info, flag):
    for bad in ("no", "yes", 1, None):  # bool("no") is True: never guess
        with pytest.raises(ValueError, match=f"{flag} must be True or False"):
            info.make(**{flag: bad})
    assert getattr(info.make(**{flag: np.False_}), flag) is False


INVALID = [(info, kwargs, match) for info in TABLE for kwargs, match in info.invalid]


@pytest.mark.parametrize(
    "info, kwargs, match", INVALID, ids=[f"{i.name}-{n}" for n, (i, _, _) in enumerate(INVALID)]
)
def test_other_invalid_inputs_raise(info, kwargs, match):
    with pytest.raises(ValueError, match=match):
        info.make(**kwargs)


def positional(cls):
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return [n for n, p in inspect.signature(cls).parameters.items() if p.kind == kind]


TORCH_NAMED = [info for info in TABLE if info.torch and info.torch_signature]


@pytest.mark.parametrize("info", TORCH_NAMED, ids=[i.name for i in TORCH_NAMED])
def test_names_defaults_and_argument_order_are_torchs(info):
    torch = pytest.importorskip("torch")
    p = [torch.nn.Parameter(torch.zeros(2))]
    torch_cls = getattr(torch.optim, info.torch)
    theirs, ours = torch_cls(p).defaults, vars(info.cls())
    assert set(theirs) - set(ours) <= {"foreach", "capturable", "differentiable", "fused"}
    for key, value in ours.items():
        if key in theirs:
            np.testing.assert_array_equal(value, theirs[key], err_msg=f"{info.name}.{key}")
    their_order = [n for n in positional(torch_cls) if n in ours]
    assert positional(info.cls) == their_order[: len(positional(info.cls))], info.name


# ---------------------------------------------------------------- the stand-in
def test_the_stand_in_is_gradient_descent_and_the_heavy_ball(stand_in):
    # other test files run the runner, the figures and the experiments on it
    for momentum in (0.0, 0.8):
        ours, sgd = stand_in(0.05, momentum), optlib.SGD(lr=0.05, momentum=momentum)
        x, state, y, sgd_state = X0, ours.init(X0), X0, sgd.init(X0)
        for k in range(50):
            x, state = ours.step(x, grad(x, k), state)
            y, sgd_state = sgd.step(y, grad(y, k), sgd_state)
            np.testing.assert_array_equal(x, y)
        assert state.t == 50 and ours.terms(x, grad(x, 0), state)["buf"].shape == SHAPE
