"""The catalogue behind the appendix "Every update rule side by side": a row for every optimizer
optlib exports, chapter labels that exist, a ``.. math::`` block in every class's docstring, and
``torch.optim`` classes that exist, share optlib's defaults and compute the same iterates."""

import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest

import optlib
from optlib import catalogue

ROOT = Path(__file__).resolve().parents[1]
# top labels of chapters being written on other branches (chapter 11 to 16); once they are on
# main, the scan of chapters/ below finds them and this set may go
PENDING = {"amsgrad", "adamw", "arena", "schedules", "parallel", "beyond-adam"}


def optimizer_classes():
    found = set()
    for name in optlib.__all__:
        obj = getattr(optlib, name)
        if inspect.isclass(obj) and issubclass(obj, optlib.Optimizer):
            found.add(name)
    return found - {"Optimizer", "FirstOrder"}


def labels():
    out = set()
    for path in (ROOT / "chapters").glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                out |= set(re.findall(r"^\(([\w-]+)\)=", "".join(cell["source"]), re.M))
    return out


def test_every_optimizer_has_a_row_and_every_row_an_optimizer():
    assert {e.cls for e in catalogue.CATALOGUE} == optimizer_classes()


def test_rows_have_unique_names_and_build():
    names = [e.name for e in catalogue.CATALOGUE]
    assert len(names) == len(set(names))
    for entry in catalogue.CATALOGUE:
        cls = getattr(optlib, entry.cls)
        assert set(entry.options) <= set(catalogue.hyperparameters(cls)), entry
        opt = catalogue.build(entry)
        assert isinstance(opt, cls) and catalogue.row(entry.name) is entry
        for key, value in entry.options.items():  # the row's options reach the instance
            got = getattr(opt, key)
            assert type(got).__name__ == value if isinstance(value, str) else got == value
    with pytest.raises(KeyError, match="no catalogue row"):
        catalogue.row("Adamm")


def test_chapter_labels_exist():
    have = labels() | PENDING
    missing = [(e.name, e.chapter) for e in catalogue.CATALOGUE if e.chapter not in have]
    assert not missing, f"chapter labels not found in chapters/*.ipynb: {missing}"


def test_label_scan_finds_labels():
    # the scan must see section labels, or the test above proves nothing
    assert {"adam", "adam-bias", "momentum-nesterov", "newton-lbfgs"} <= labels()


@pytest.mark.parametrize("entry", catalogue.CATALOGUE, ids=lambda e: e.name)
def test_every_class_has_a_math_block_the_page_can_render(entry):
    blocks = catalogue.math_blocks(getattr(optlib, entry.cls))
    assert blocks, f"{entry.cls}'s docstring has no '.. math::' block"
    for lead, latex, after in blocks:
        assert latex.strip() and latex.count("{") == latex.count("}"), latex
        assert "``" not in latex and ":math:" not in latex  # reST does not belong in the math
        assert not re.search(r"(?<!\\)\\\n", latex), "a backslash at the end of a line"
        assert ":math:" not in catalogue.rst_to_myst(lead)
        assert ":math:" not in catalogue.rst_to_myst(after)
    # the paragraphs after the blocks define the symbols (the page shows them)
    assert all(after for *_, after in blocks[-1:]), entry.cls


def test_math_blocks_reads_lead_in_and_block():
    class Demo:
        r"""Summary line.

        With :math:`g_t`, the
        rule is

        .. math::

            x_t &= x_{t-1} - \eta g_t \\
              y &= 1

        Trailing text,
        on two lines.

        ``flag=True`` does more.

        Differences from the paper:

        * none.
        """

    ((lead, latex, after),) = catalogue.math_blocks(Demo)
    assert lead == "With :math:`g_t`, the rule is"
    assert latex == "x_t &= x_{t-1} - \\eta g_t \\\\\n  y &= 1"
    assert after == "Trailing text, on two lines.\n\n``flag=True`` does more."

    class NoLead:
        r"""Summary line.

        .. math::
            x = 1
        """

    assert catalogue.math_blocks(NoLead) == [("", "x = 1", "")]  # the summary line: no lead-in

    class Two:
        r"""Summary line.

        First, with

        .. math::
            a = 1

        where a is one.

        Then

        .. math::
            b = 2

        References: none.
        """

    assert catalogue.math_blocks(Two) == [
        ("First, with", "a = 1", "where a is one."),  # the next block's lead-in is not after
        ("Then", "b = 2", ""),
    ]


def test_rst_to_myst():
    text = "``lr`` is :math:`\\eta`; see :class:`~optlib.problems.mlp.Kronecker`"
    assert catalogue.rst_to_myst(text) == "`lr` is $\\eta$; see `optlib.problems.mlp.Kronecker`"


# ---------------------------------------------------------------- against torch.optim
torch = pytest.importorskip("torch")
TORCH_ROWS = [e for e in catalogue.CATALOGUE if e.torch]


@pytest.mark.parametrize("entry", TORCH_ROWS, ids=lambda e: e.name)
def test_torch_class_exists(entry):
    cls = getattr(torch.optim, entry.torch, None)
    assert inspect.isclass(cls) and issubclass(cls, torch.optim.Optimizer), entry.torch


@pytest.mark.parametrize("entry", TORCH_ROWS, ids=lambda e: e.name)
def test_defaults_are_torchs_except_where_listed(entry):
    ours = catalogue.hyperparameters(getattr(optlib, entry.cls))
    theirs = catalogue.hyperparameters(getattr(torch.optim, entry.torch))
    differ = {k: theirs[k] for k in ours.keys() & theirs.keys() if ours[k] != theirs[k]}
    assert differ == catalogue.TORCH_DEFAULTS_DIFFER.get(entry.cls, {})


@pytest.mark.parametrize("entry", TORCH_ROWS, ids=lambda e: e.name)
def test_arguments_of_one_side_only_are_listed(entry):
    # an argument that only optlib or only torch.optim has must be explained in the catalogue
    ours = set(catalogue.hyperparameters(getattr(optlib, entry.cls)))
    theirs = set(catalogue.hyperparameters(getattr(torch.optim, entry.torch)))
    one_sided = (ours ^ theirs) - catalogue.TORCH_IMPLEMENTATION
    assert one_sided == set(catalogue.TORCH_ONE_SIDED.get(entry.cls, {})), one_sided


def test_one_sided_lists_catch_a_missing_argument():
    # the check above can fail: without L-BFGS's entry, torch's max_iter is unexplained
    ours = set(catalogue.hyperparameters(optlib.LBFGS))
    theirs = set(catalogue.hyperparameters(torch.optim.LBFGS))
    assert "max_iter" in (ours ^ theirs) - catalogue.TORCH_IMPLEMENTATION
    assert {"max_iter", "line_search_fn", "line_search"} <= set(catalogue.TORCH_ONE_SIDED["LBFGS"])
    assert set(catalogue.TORCH_NOTES) <= {e.cls for e in TORCH_ROWS}


@pytest.mark.parametrize("entry", [e for e in TORCH_ROWS if e.cls != "LBFGS"], ids=lambda e: e.name)
def test_row_computes_torchs_iterates(entry):
    # five steps on the same random gradients, at the row's options and a learning rate of 0.1
    # (L-BFGS needs a closure and a line search: tests/test_second_order.py compares it)
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((5, 6)) * 10.0 ** rng.uniform(-1, 1, (5, 6))
    x = rng.standard_normal(6)
    opt = catalogue.build(entry, lr=0.1)
    state, ours = opt.init(x), []
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # else torch keeps its scalars (steps, NAdam's
    try:  # product of momenta) in float32
        p = torch.tensor(x, requires_grad=True)
        ref = getattr(torch.optim, entry.torch)([p], lr=0.1, **entry.options)
        for g in grads:
            x, state = opt.step(x, g, state)
            p.grad = torch.tensor(g)
            ref.step()
            np.testing.assert_allclose(x, p.detach().numpy(), rtol=1e-12, atol=1e-14)
            ours.append(x)
    finally:
        torch.set_default_dtype(default)
    assert not np.allclose(ours[0], ours[-1])  # the steps moved


def test_centered_rmsprop_in_torch_returns_nan_in_float64():
    # the ledger's claim (98, ledger-centered): constant gradient 0.7, alpha 0.5, float64: the
    # first NaN at step 54, where optlib, which clips v_t - g_bar_t^2 at 0, stays finite
    p = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    ref = torch.optim.RMSprop([p], lr=1.0, alpha=0.5, centered=True)
    opt = optlib.RMSprop(lr=1.0, alpha=0.5, centered=True)
    x, state, first_nan = np.zeros(1), opt.init(np.zeros(1)), None
    for t in range(1, 61):
        p.grad = torch.tensor([0.7], dtype=torch.float64)
        ref.step()
        x, state = opt.step(x, np.array([0.7]), state)
        if first_nan is None and torch.isnan(p).any():
            first_nan = t
    assert first_nan == 54 and np.isfinite(x).all()
