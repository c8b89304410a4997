"""Chapter 15's simulation of synchronous data parallelism is faithful: a real data-parallel run
with ``torch.distributed`` (gloo, 2 processes on 127.0.0.1) equals optlib's steps on the
all-reduced gradient, in float64.

Each of the two ranks holds a copy of the digits network (``optlib.problems.mlp``, the same flat
vector), computes the gradient of its half of each mini-batch with torch.autograd, and either
all-reduces it by hand (``dist.all_reduce``, then divides by the world size) or lets
``DistributedDataParallel`` do it; then ``torch.optim`` takes the step. The parent process runs
the chapter's simulation: the two workers are two rows of one batched ``batch_grad`` call, their
gradients are averaged, and the optlib optimizer steps on the average. The iterates must agree to
rounding, and equal the steps on the whole mini-batch (the all-reduce is a large batch).

The ranks are started with the ``spawn`` method (a fresh interpreter: no state inherited from
pytest), rendezvous on a free port of 127.0.0.1, and every wait has a timeout. The test skips if
torch, ``torch.distributed`` or its gloo backend is missing.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import socket
import traceback
from pathlib import Path

import numpy as np
import pytest
from harness import torch_mlp

import optlib
from optlib import problems

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

WORLD = 2
STEPS = 3
BATCH = 64  # the global mini-batch; each rank computes the gradient of 32 examples
L2 = 0.01
TIMEOUT_S = 120  # for the whole run of both ranks
OPTIMIZERS = {  # name -> (torch class, optlib class, keyword arguments shared by both)
    "momentum": ("SGD", "SGD", {"lr": 0.1, "momentum": 0.9}),
    "adam": ("Adam", "Adam", {"lr": 0.01}),
}


def batches():
    """The global mini-batch of each step: indices into the 1257 training digits."""
    rng = np.random.default_rng(8)
    return [rng.choice(1257, size=BATCH, replace=False) for _ in range(STEPS)]


def shard(idx, rank):
    """Rank ``rank``'s half of a global mini-batch (contiguous halves, as DistributedSampler
    gives each rank its share of the indices)."""
    return np.array_split(idx, WORLD)[rank]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loss(model, net, X, y, idx):
    """Mean cross-entropy on the training examples ``idx`` plus the L2 term on the weights, as
    ``optlib.problems.mlp(l2=L2)`` defines the loss; ``model`` computes the outputs (``net``
    itself, or the DDP module that wraps it)."""
    logits = model(torch.from_numpy(X[idx]))
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y[idx]))
    return loss + L2 / 2 * sum((m.weight**2).sum() for m in net if hasattr(m, "weight"))


def _flat(net):
    return torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy().copy()


def _rank_main(rank, port, out_dir):
    """One rank: for each optimizer and each way to reduce, STEPS synchronous steps; saves the
    iterates to ``out_dir/rank{rank}.npz``. Runs in a spawned interpreter."""
    try:
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # stay on the loopback interface
        torch.set_num_threads(1)
        dist.init_process_group(
            "gloo",
            init_method=f"tcp://127.0.0.1:{port}",
            rank=rank,
            world_size=WORLD,
            timeout=datetime.timedelta(seconds=60),
        )
        p = problems.mlp(l2=L2)
        X, y = _train_data()
        saved = {}
        for name, (torch_name, _, kw) in OPTIMIZERS.items():
            for how in ("all_reduce", "ddp"):
                net = torch_mlp(p, problems.mlp(seed=8).x0)
                model = torch.nn.parallel.DistributedDataParallel(net) if how == "ddp" else net
                opt = getattr(torch.optim, torch_name)(net.parameters(), **kw)
                xs = [_flat(net)]
                for idx in batches():
                    opt.zero_grad()
                    _loss(model, net, X, y, shard(idx, rank)).backward()
                    if how == "all_reduce":
                        for q in net.parameters():  # the all-reduce, then the average
                            dist.all_reduce(q.grad, op=dist.ReduceOp.SUM)
                            q.grad /= WORLD
                    opt.step()
                    xs.append(_flat(net))
                saved[f"{name}_{how}"] = np.array(xs)
        np.savez(Path(out_dir) / f"rank{rank}.npz", **saved)
        dist.barrier()
        dist.destroy_process_group()
    except BaseException:
        (Path(out_dir) / f"rank{rank}.err").write_text(traceback.format_exc())
        raise


def _train_data():
    """The training digits (inputs, labels) in the order ``optlib.problems.mlp`` indexes them."""
    from optlib.problems import digit_splits

    a, _, labels, _ = digit_splits()["train"]
    return np.array(a), np.array(labels)


def run_ranks(out_dir, attempts=2):
    """Start WORLD spawned ranks and wait for them (a fresh free port for each attempt)."""
    ctx = multiprocessing.get_context("spawn")
    for attempt in range(attempts):
        port = free_port()
        procs = [ctx.Process(target=_rank_main, args=(r, port, out_dir)) for r in range(WORLD)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(TIMEOUT_S)
        hung = [proc for proc in procs if proc.is_alive()]
        for proc in hung:
            proc.kill()
            proc.join(10)
        codes = [proc.exitcode for proc in procs]
        if not hung and codes == [0] * WORLD:
            return
        errors = "\n".join(f.read_text() for f in sorted(Path(out_dir).glob("*.err")))
        if attempt == attempts - 1:
            pytest.fail(f"ranks ended with {codes} (hung: {len(hung)}):\n{errors}")


def simulated(name):
    """The chapter's simulation: two workers as two rows of one batched gradient call, their
    gradients averaged, optlib's optimizer stepping on the average. Also returns the steps on
    the whole mini-batch of each step, for the large-batch identity."""
    p = problems.mlp(l2=L2)
    _, optlib_name, kw = OPTIMIZERS[name]
    opt = getattr(optlib, optlib_name)(**kw)
    x = big = problems.mlp(seed=8).x0
    state, big_state = opt.init(x), opt.init(x)
    xs, bigs = [x], [big]
    for idx in batches():
        workers = np.stack([x] * WORLD)  # every worker holds the same parameters
        shards = np.stack([shard(idx, r) for r in range(WORLD)])
        g = p.batch_grad(workers, shards).mean(axis=0)  # the all-reduce: the mean of the rows
        x, state = opt.step(x, g, state)
        big, big_state = opt.step(big, p.batch_grad(big, idx), big_state)
        xs.append(x)
        bigs.append(big)
    return np.array(xs), np.array(bigs)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    if not dist.is_available():
        pytest.skip("torch.distributed is not available in this build of torch")
    if not dist.is_gloo_available():
        pytest.skip("torch.distributed has no gloo backend here")
    out = tmp_path_factory.mktemp("ranks")
    run_ranks(out)
    return [dict(np.load(out / f"rank{r}.npz")) for r in range(WORLD)]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("how", ["all_reduce", "ddp"])
def test_a_real_data_parallel_run_equals_the_simulation(ranks, name, how):
    ours, large_batch = simulated(name)
    for rank in range(WORLD):
        theirs = ranks[rank][f"{name}_{how}"]
        assert theirs.shape == ours.shape == (STEPS + 1, problems.mlp().dim)
        np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-13)
    # the replicas stay identical, and the run is the run on the whole mini-batch
    np.testing.assert_array_equal(ranks[0][f"{name}_{how}"], ranks[1][f"{name}_{how}"])
    np.testing.assert_allclose(ours, large_batch, rtol=1e-11, atol=1e-14)
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3  # the parameters did move


def test_the_comparison_can_fail(ranks):
    # the same run with each rank's gradient NOT averaged (one shard only) is far off
    p = problems.mlp(l2=L2)
    opt = optlib.SGD(lr=0.1, momentum=0.9)
    x = problems.mlp(seed=8).x0
    state = opt.init(x)
    for idx in batches():
        x, state = opt.step(x, p.batch_grad(x, shard(idx, 0)), state)
    assert np.abs(ranks[0]["momentum_all_reduce"][-1] - x).max() > 1e-4


def test_distributed_sampler_pads_so_every_rank_gets_the_same_number():
    # chapter 15: "DistributedSampler gives every worker the same number of examples, repeating
    # a few to pad": 5 examples on 2 ranks become 3 + 3, example 0 twice
    torch_data = pytest.importorskip("torch.utils.data.distributed")
    shards = [
        list(torch_data.DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
        for r in (0, 1)
    ]
    assert [len(s) for s in shards] == [3, 3]
    assert sorted(shards[0] + shards[1]) == [0, 0, 1, 2, 3, 4]
