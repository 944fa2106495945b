"""Host synchronisations per training step, counted with torch.profiler on the CPU, so that
they cannot creep back into the hot path.

On a GPU each counted op waits for the device or moves data between host and device:
``aten::item`` / ``aten::_local_scalar_dense`` (a tensor read as a Python number),
``aten::nonzero`` (its output size is known only after the kernel ran) and ``aten::to`` (a
copy to another device or dtype; on the CPU the count also holds no-op calls, so it bounds the
transfers from above). How the ceilings were measured:
``python tests/test_engine/test_host_syncs.py`` prints each case's counts (one warm-up step,
then one profiled ``train_step`` of the model its config builds, on a fixed synthetic batch);
a case's ceiling is the count printed then.

On the CPU some counted calls cost nothing that a GPU run pays: the range checks of host
values (``lam``, box sizes), ``F.one_hot``'s label checks (skipped on CUDA), drawing a seed for
numpy's Beta sampler. What the CPU cannot show are the copies that became non-blocking (boxes
through pinned memory) and the per-step copies that are gone (loss class weights, margins and
log priors are buffers on the device).

A case is one more entry of ``CASES``: a config, config overrides, the batch size per stream,
optional attributes of the head's loss (what hooks set before training) and the ceilings.
"""
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

REPO = Path(__file__).resolve().parents[2]
COUNTED = ('aten::item', 'aten::_local_scalar_dense', 'aten::to', 'aten::nonzero')

CASES = {
    # CE + CMO, ResNet-32 CIFAR-100-LT: a mixing step (random pairing, one random box).
    'cmo_resnet32': dict(
        config='configs/resnet32/resnet32_cifar100lt_r100_cmo.py',
        options={'model.schedule': dict(mix_prob=1.0, start_epoch=0, end_epochs=0)},
        batch=16,
        # 0efc75c (before): item 3, _local_scalar_dense 3, to 222, nonzero 0.
        ceilings={'aten::item': 3, 'aten::_local_scalar_dense': 3, 'aten::to': 221,
                  'aten::nonzero': 0}),
    # LDAM-DRW + CMO: the same step through our LDAM loss with its margins and DRW weights
    # (what LongTailLossHook sets).
    'ldam_drw_cmo_resnet32': dict(
        config='configs/resnet32/resnet32_cifar100lt_r100_ldam_drw_cmo.py',
        options={'model.schedule': dict(mix_prob=1.0, start_epoch=0, end_epochs=0)},
        loss_attributes=dict(class_counts=[500 - 5 * k for k in range(100)],
                             class_weight=[0.5 + k / 100 for k in range(100)]),
        batch=16,
        # 0efc75c (before): item 10, _local_scalar_dense 10, to 256, nonzero 0.
        ceilings={'aten::item': 9, 'aten::_local_scalar_dense': 9, 'aten::to': 251,
                  'aten::nonzero': 0}),
    # OT-guided CutMix T[:, k] with global pairing: one process, so the exchange between
    # processes is the identity (tests/test_mixing/test_distributed.py counts its fetch under
    # two gloo processes); the counts hold the extra feature passes and POT's Sinkhorn.
    'ot_col_global_resnet32': dict(
        config='configs/resnet32/resnet32_cifar100lt_r100_ot_col.py',
        options={'model.schedule': dict(mix_prob=1.0, start_epoch=0, end_epochs=0),
                 'model.global_pairing': True},
        batch=16,
        ceilings={'aten::item': 5, 'aten::_local_scalar_dense': 5, 'aten::to': 258,
                  'aten::nonzero': 0}),
}


def two_stream_batch(batch: int, num_classes: int, seed: int = 0) -> dict:
    """Backgrounds then as many foregrounds: uint8 CIFAR-sized images with labels."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (2 * batch, 3, 32, 32), dtype=torch.uint8, generator=gen)
    labels = torch.randint(0, num_classes, (2 * batch, ), generator=gen)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(int(y))
               for i, y in enumerate(labels)]
    return dict(inputs=list(images), data_samples=samples)


def count_step_ops(case: dict) -> Counter:
    """Counts of ``COUNTED`` ops in one training step (after a warm-up step)."""
    cfg = Config.fromfile(REPO / case['config'])
    cfg.merge_from_dict(case['options'])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    for name, value in case.get('loss_attributes', {}).items():
        setattr(model.head.loss_module, name, value)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 10)
    hub.update_info('max_epochs', 200)
    data = two_stream_batch(case['batch'], cfg.model.head.num_classes)
    model.train_step(data, optim_wrapper)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        model.train_step(data, optim_wrapper)
    return Counter(e.name for e in prof.events() if e.name in COUNTED)


@pytest.mark.parametrize('name', sorted(CASES))
def test_host_syncs_per_step_stay_under_the_measured_ceiling(name):
    counts = count_step_ops(CASES[name])
    over = {op: (counts[op], ceiling) for op, ceiling in CASES[name]['ceilings'].items()
            if counts[op] > ceiling}
    assert not over, f'{name}: (count, ceiling) per op over its ceiling: {over}'


if __name__ == '__main__':
    for name in sorted(CASES) if len(sys.argv) < 2 else sys.argv[1:]:
        counts = count_step_ops(CASES[name])
        print(name, {op: counts[op] for op in COUNTED})
