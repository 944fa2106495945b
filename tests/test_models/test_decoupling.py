"""Decoupled classifier learning (cRT, tau-norm, LWS) and post-hoc logit adjustment."""
import copy
import json
import logging
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS, MODELS
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

import coc  # noqa: F401
from coc.datasets import DigitsLT
from coc.engine.hooks import ClassPriorHook, ReinitHook, TauNormSearchHook

CIFAR10LT = 'configs/cifar10lt/resnet32_cifar10lt_r100_'


@MODELS.register_module(force=True)
class PointBackbone(BaseModule):
    """Images of shape [C, 1, 1] -> their C values as the feature vector."""

    def forward(self, x):
        return (x.flatten(1), )


def point_model(head, **kwargs):
    return MODELS.build(dict(type='DecoupledClassifier', backbone=dict(type='PointBackbone'),
                             head=head, **kwargs))


def build_model(repo_root, method):
    return MODELS.build(Config.fromfile(str(repo_root / f'{CIFAR10LT}{method}.py')).model)


def image_batch(n=8):
    gen = torch.Generator().manual_seed(0)
    return dict(inputs=[torch.randint(0, 256, (3, 32, 32), generator=gen, dtype=torch.uint8)
                        for _ in range(n)],
                data_samples=[DataSample().set_gt_label(k % 10) for k in range(n)])


def train_step(model):
    """One SGD step (momentum, weight decay) over every parameter, as MMEngine builds it."""
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9,
                                         weight_decay=1e-2))
    model.train()
    model.train_step(image_batch(), optim)


def state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def fake_runner(model, load_from='ce.pth', iteration=0):
    return SimpleNamespace(model=model, iter=iteration, cfg=Config(dict(load_from=load_from)),
                           logger=logging.getLogger('test_decoupling'))


# --- cRT -------------------------------------------------------------------------------------

def test_crt_reinitialises_the_loaded_head_and_trains_only_the_head(repo_root):
    cfg = Config.fromfile(str(repo_root / f'{CIFAR10LT}crt.py'))
    assert cfg.train_dataloader.sampler.type.__name__ == 'ClassAwareSampler'
    model = MODELS.build(cfg.model)
    with torch.no_grad():  # stands for the loaded CE head
        model.head.fc.weight.fill_(5.0)
        model.head.fc.bias.fill_(5.0)
    backbone_before = state(model.backbone)
    hook_cfg = next(h for h in cfg.custom_hooks if h['type'] is ReinitHook)
    hook = ReinitHook(**{k: v for k, v in hook_cfg.items() if k != 'type'})

    hook.before_train(fake_runner(model))
    # The head's own init (LinearClsHead: Normal std 0.01, bias 0), not the loaded weights.
    assert model.head.fc.weight.std().item() == pytest.approx(0.01, rel=0.3)
    assert model.head.fc.weight.abs().max().item() < 0.1
    assert torch.equal(model.head.fc.bias, torch.zeros(10))
    head_before = state(model.head)

    assert all(not p.requires_grad for p in model.backbone.parameters())
    train_step(model)
    # Every backbone parameter and BatchNorm statistic is unchanged; the head has moved.
    for key, value in state(model.backbone).items():
        assert torch.equal(value, backbone_before[key]), key
    assert not torch.equal(model.head.fc.weight, head_before['fc.weight'])


def test_crt_keeps_a_resumed_head_and_needs_a_loaded_model(repo_root):
    model = build_model(repo_root, 'crt')
    with torch.no_grad():
        model.head.fc.weight.fill_(5.0)
    ReinitHook().before_train(fake_runner(model, iteration=80))  # resumed: already retrained
    assert torch.equal(model.head.fc.weight, torch.full_like(model.head.fc.weight, 5.0))
    with pytest.raises(RuntimeError, match='load_from=CHECKPOINT'):
        ReinitHook().before_train(fake_runner(model, load_from=None))
    with pytest.raises(ValueError, match='no submodule'):
        ReinitHook(modules=('classifier', )).before_train(fake_runner(model))


def test_frozen_names_are_checked():
    with pytest.raises(ValueError, match=r"\['backbone.fc'\] are not submodules"):
        point_model(dict(type='LinearClsHead', num_classes=2, in_channels=2),
                    frozen=('backbone.fc', ))
    with pytest.raises(ValueError, match="write frozen=\\('head',\\)"):
        point_model(dict(type='LinearClsHead', num_classes=2, in_channels=2), frozen='head')


# --- LWS -------------------------------------------------------------------------------------

def test_lws_trains_only_the_per_class_scales(repo_root):
    model = build_model(repo_root, 'lws')
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['head.scales']
    before = state(model)
    train_step(model)
    after = state(model)
    changed = sorted(k for k in before if not torch.equal(before[k], after[k]))
    assert changed == ['head.scales']


def test_lws_scales_multiply_the_linear_logits():
    model = point_model(dict(type='LWSHead', num_classes=2, in_channels=2))
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, -1.0]]))
        model.head.fc.bias.copy_(torch.tensor([0.5, -0.5]))
        model.head.scales.copy_(torch.tensor([2.0, 0.5]))
    logits = model.head((torch.tensor([[1.0, 1.0]]), ))
    torch.testing.assert_close(logits, torch.tensor([[2.0 * 3.5, 0.5 * 1.5]]))


# --- tau-normalisation -----------------------------------------------------------------------

def test_tau_norm_divides_each_class_weight_by_its_norm_to_the_tau():
    model = point_model(dict(type='TauNormHead', num_classes=2, in_channels=2, tau=0.5))
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor([[4.0, 0.0], [0.0, 1.0]]))
        model.head.fc.bias.copy_(torch.tensor([0.25, 0.0]))
    x = (torch.tensor([[1.0, 3.0]]), )
    torch.testing.assert_close(model.head(x), torch.tensor([[4.0 / 2.0 + 0.25, 3.0]]))
    model.head.tau = 0.0
    torch.testing.assert_close(model.head(x), torch.tensor([[4.25, 3.0]]))


READS = []


@DATASETS.register_module(force=True)
class RecordedPoints(Dataset):
    """Points (x0, x1) as [2, 1, 1] images; every read is recorded with its split."""
    # With class weights w0 = (4, 0), w1 = (0, 1), class 0 wins iff 4^(1 - tau) x0 > x1.
    SPLITS = {'val': [((1, 3), 1), ((1, 1.5), 0), ((1, 0.5), 0), ((0, 1), 1)],
              'test': [((1, 0.5), 0), ((1, 1.5), 1), ((0, 1), 1)]}

    def __init__(self, split):
        self.split = split
        self.points = self.SPLITS[split]

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        READS.append(self.split)
        (x0, x1), label = self.points[index]
        return dict(inputs=torch.tensor([x0, x1], dtype=torch.float32).reshape(2, 1, 1),
                    data_samples=DataSample().set_gt_label(label))


def points_loader(split):
    return dict(batch_size=2, num_workers=0, dataset=dict(type='RecordedPoints', split=split),
                sampler=dict(type='DefaultSampler', shuffle=False))


def test_tau_is_chosen_on_the_validation_split_before_the_test_split_is_read(tmp_path):
    # Mean class accuracy by hand, tau = 0 / 0.5 / 1 (factor 4 / 2 / 1 on x0):
    #   val:  class 0 (1,1.5) (1,0.5): 1, 1, 0.5;  class 1 (1,3) (0,1): 0.5, 1, 1  -> best 0.5
    #   test: class 0 (1,0.5): 1, 1, 1;  class 1 (1,1.5) (0,1): 0.5, 0.5, 1     -> best 1.0
    cfg = Config(dict(
        model=dict(type='DecoupledClassifier', backbone=dict(type='PointBackbone'),
                   head=dict(type='TauNormHead', num_classes=2, in_channels=2)),
        work_dir=str(tmp_path), default_scope='mmpretrain',
        val_dataloader=points_loader('val'), test_dataloader=points_loader('test'),
        val_evaluator=dict(type='Accuracy', topk=(1, )), val_cfg=dict(),
        test_evaluator=dict(type='Accuracy', topk=(1, )), test_cfg=dict(),
        custom_hooks=[dict(type='TauNormSearchHook', grid=[0.0, 0.5, 1.0])],
        log_level='WARNING'))
    runner = Runner.from_cfg(cfg)
    with torch.no_grad():
        runner.model.head.fc.weight.copy_(torch.tensor([[4.0, 0.0], [0.0, 1.0]]))
        runner.model.head.fc.bias.zero_()
    READS.clear()
    metrics = runner.test()
    assert metrics['tau_norm/tau'] == 0.5
    assert runner.model.head.tau == 0.5
    first_test_read = READS.index('test')
    assert READS[:first_test_read] == ['val'] * 4 and set(READS[first_test_read:]) == {'test'}
    search = json.loads((tmp_path / 'tau_norm_search.json').read_text())
    assert search == dict(tau=0.5, validation_mean_class_accuracy={'0.0': 75.0, '0.5': 100.0,
                                                                   '1.0': 75.0})
    # tau = 0.5 on the test points: (1,1.5) of class 1 is called class 0 -> 2 of 3 right.
    assert metrics['accuracy/top1'] == pytest.approx(200 / 3)


def test_tau_search_refuses_a_validation_split_that_is_the_test_split(tmp_path):
    hook = TauNormSearchHook(grid=[0.0, 1.0])
    model = point_model(dict(type='TauNormHead', num_classes=2, in_channels=2))
    runner = SimpleNamespace(model=model, cfg=Config(dict(val_dataloader=points_loader('test'),
                                                          test_dataloader=points_loader('test'))))
    with pytest.raises(RuntimeError, match='is the test split'):
        hook.before_test(runner)
    runner.model = point_model(dict(type='LinearClsHead', num_classes=2, in_channels=2))
    with pytest.raises(TypeError, match='model.head.type=TauNormHead'):
        hook.before_test(runner)


# --- post-hoc logit adjustment ---------------------------------------------------------------

def test_post_hoc_adjustment_moves_predictions_toward_tail_classes_by_tau_log_prior_ratio():
    counts, tau = [90, 9, 1], 0.8
    head = dict(type='LinearClsHead', num_classes=3, in_channels=3)
    plain = point_model(head)
    adjusted = point_model(head, logit_adjust_tau=tau, class_counts=counts)
    for model in (plain, adjusted):
        with torch.no_grad():
            model.head.fc.weight.copy_(torch.eye(3))
            model.head.fc.bias.zero_()
    logits = torch.tensor([2.0, 1.0, 0.5])
    image = logits.reshape(1, 3, 1, 1)
    before = plain.predict(image)[0]
    after = adjusted.predict(image)[0]
    assert before.pred_label.item() == 0
    log_after = after.pred_score.log()
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        # log score ratio = logit difference - tau * log(prior ratio)
        expected = (logits[i] - logits[j]).item() - tau * math.log(counts[i] / counts[j])
        assert (log_after[i] - log_after[j]).item() == pytest.approx(expected, abs=1e-5)
    # 2 - 0.8 log 0.9 = 2.08, 1 - 0.8 log 0.09 = 2.93, 0.5 - 0.8 log 0.01 = 4.18: the tail wins.
    assert after.pred_label.item() == 2
    assert after.pred_score.sum().item() == pytest.approx(1.0)


def test_a_test_only_run_gets_the_training_prior():
    model = point_model(dict(type='LinearClsHead', num_classes=10, in_channels=3),
                        logit_adjust_tau=1.0)
    train_dataloader = dict(dataset=dict(type='DigitsLT', split='train', imbalance_ratio=5))
    runner = SimpleNamespace(model=model, _train_loop=dict(),
                             cfg=Config(dict(train_dataloader=copy.deepcopy(train_dataloader))))
    ClassPriorHook().before_run(runner)
    assert model.class_counts == DigitsLT(split='train', imbalance_ratio=5).class_counts.tolist()
    with pytest.raises(RuntimeError, match='no train_dataloader.*model class_counts'):
        runner.cfg = Config(dict())
        model.class_counts = None
        ClassPriorHook().before_run(runner)
