"""Global-batch pairing with 2 gloo processes equals one process on the concatenated batch."""
import os
import socket
from collections import Counter

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import coc  # noqa: F401
from coc.mixing import distributed
from coc.mixing.distributed import PairingExchange, RowFetch

WORLD = 2
PER_RANK = 4
# Ops that read a device tensor on the host or wait for it (tests/test_engine/test_host_syncs.py)
HOST_SYNC_OPS = ('aten::item', 'aten::_local_scalar_dense', 'aten::to', 'aten::nonzero')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _model():
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='MixClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=64),
        pairing=dict(type='OTPairing', eps=0.05, with_cost=True), ot_cost_weight=1.0,
        schedule=dict(mix_prob=1.0))).train()


def _data():
    """Global batch: pixels, labels and a linear 'feature extractor' W."""
    gen = torch.Generator().manual_seed(7)
    n = WORLD * PER_RANK
    return dict(bg=torch.randn(n, 3, 8, 8, generator=gen), fg=torch.randn(n, 3, 8, 8, generator=gen),
                bg_labels=torch.randint(3, (n, ), generator=gen),
                fg_labels=torch.randint(3, (n, ), generator=gen),
                weight=torch.randn(3 * 8 * 8, 5, generator=gen))


def _pairs_and_grad(model, data, rows):
    """Pairs, fetched backgrounds, and the cost's gradient w.r.t. W for the batch ``rows``."""
    weight = data['weight'].clone().requires_grad_()
    bg_feats = data['bg'][rows].flatten(1) @ weight
    fg_feats = data['fg'][rows].flatten(1) @ weight
    bg_index, cost = model._pair(model.pairing, bg_feats, fg_feats, data['bg_labels'][rows],
                                 data['fg_labels'][rows])
    cost.backward()
    return bg_index, model.exchange.take(bg_index, data['bg'][rows])[0], weight.grad


def _worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=WORLD)
    try:
        model, data = _model(), _data()
        rows = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
        bg_index, fetched, grad = _pairs_and_grad(model, data, rows)
        dist.all_reduce(grad)  # what DDP does with the gradients...
        grad /= WORLD  # ...averaged
        # A full training step: every rank takes the same branches and collectives.
        inputs = torch.cat([data['bg'][rows], data['fg'][rows]])
        labels = torch.cat([data['bg_labels'][rows], data['fg_labels'][rows]])
        samples = [DataSample().set_gt_label(int(y)) for y in labels]
        losses = model.loss(inputs, samples)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            model.exchange.take(bg_index, data['bg'][rows])
        fetch_ops = Counter(e.name for e in prof.events() if e.name in HOST_SYNC_OPS)
        torch.save(dict(bg_index=bg_index, fetched=fetched, grad=grad,
                        loss_finite=all(torch.isfinite(v).all() for v in losses.values()),
                        fetch_ops=fetch_ops),
                   os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def ranks(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('global_ot'))
    # fork: the test module is imported by path (pytest's importlib mode), so a spawned
    # child could not unpickle _worker. Children run single-threaded (OpenMP after fork).
    mp.start_processes(_worker, args=(_free_port(), out_dir), nprocs=WORLD, join=True,
                       start_method='fork')
    return [torch.load(os.path.join(out_dir, f'rank{r}.pt')) for r in range(WORLD)]


def test_two_processes_pair_like_one_on_the_concatenated_batch(ranks):
    data = _data()
    bg_index, fetched, grad = _pairs_and_grad(_model(), data, slice(None))
    for rank, result in enumerate(ranks):
        assert torch.equal(result['bg_index'], bg_index)
        # Only this rank's foregrounds' chosen backgrounds arrive, in order.
        mine = bg_index[rank * PER_RANK:(rank + 1) * PER_RANK]
        assert torch.equal(result['fetched'], data['bg'][mine])
        # The transport cost trains the features as one process on the whole batch would.
        assert torch.allclose(result['grad'], grad, atol=1e-5)
        assert result['loss_finite']
    # Pairs cross process boundaries: global pairing really sees the other rank's batch.
    owners = bg_index // PER_RANK
    assert (owners != torch.arange(WORLD).repeat_interleave(PER_RANK)).any()


def test_fetching_reads_the_host_once(ranks):
    """One host read per fetch (the owners of the wanted rows; ``Tensor.cpu`` shows as two
    nested aten::to events), whatever the world size: no per-rank counts or masks."""
    for result in ranks:
        assert result['fetch_ops'] == Counter({'aten::to': 2})


def test_fetch_plan_by_hand(monkeypatch):
    """Rank 0 of 2, 3 rows each; rank 0 wants global rows 4, 0, 5 and rank 1 wants 1, 3, 3.
    Rank 0 sends its row 0 to itself and its row 1 to rank 1; it receives one row from itself
    and two from rank 1, which arrive as [g0, g4, g5] and are put back as [g4, g0, g5]."""
    monkeypatch.setattr(distributed, 'get_dist_info', lambda: (0, 2))
    plan = RowFetch(torch.tensor([4, 0, 5, 1, 3, 3]), per_rank=3)
    assert plan.send_counts == [1, 1] and plan.recv_counts == [1, 2]
    assert plan.send_index.tolist() == [0, 1]
    arrived = torch.tensor([0, 4, 5])
    assert arrived[plan.place].tolist() == [4, 0, 5]


def _agree_worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=WORLD)
    try:
        exchange = PairingExchange(global_pairing=True)
        draws = torch.tensor([rank, 1 - rank])
        agreed = exchange.agree(draws, rows=4)
        try:
            exchange.agree(draws, rows=4 + rank)
            error = None
        except ValueError as exc:
            error = str(exc)
        per_process = PairingExchange(global_pairing=False).agree(draws, rows=4 + rank)
        torch.save(dict(agreed=agreed, error=error, per_process=per_process),
                   os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def test_processes_agree_on_rank_0s_draws_and_check_batch_sizes(tmp_path):
    mp.start_processes(_agree_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD,
                       join=True, start_method='fork')
    for rank in range(WORLD):
        result = torch.load(tmp_path / f'rank{rank}.pt')
        assert result['agreed'] == [0, 1] and result['per_process'] == [0, 1]
        assert result['error'] == ('global-batch pairing needs the same batch on every '
                                   'process, got [4, 5]: keep drop_last=True in '
                                   'TwoStreamBatchSampler')
