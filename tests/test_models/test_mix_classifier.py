import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import coc  # noqa: F401  (registers the parts)
from coc.mixing.saliency import saliency_maps
from coc.models.ghost_bn import GhostBatchNorm

NUM_CLASSES = 4


def make_model(**kwargs):
    cfg = dict(
        type='MixClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=NUM_CLASSES, in_channels=64,
                  loss=dict(type='CrossEntropyLoss')),
        schedule=dict(mix_prob=1.0))
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg).train()


def make_batch(per_stream=6, size=16, seed=0):
    """A two-stream batch: ``per_stream`` backgrounds, then as many foregrounds."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(2 * per_stream, 3, size, size, generator=gen)
    labels = torch.randint(NUM_CLASSES, (2 * per_stream, ), generator=gen)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(int(y))
               for i, y in enumerate(labels)]
    return inputs, samples


@pytest.fixture(autouse=True)
def epoch_info():
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 5)
    hub.update_info('max_epochs', 10)
    yield hub


CASES = {
    'cmo': dict(mixer=dict(type='CutMixer', placer=dict(type='RandomBox', per_sample=False))),
    'confusion_fixed': dict(pairing=dict(type='ConfusionPairing', num_classes=NUM_CLASSES,
                                         confusion=np.ones((NUM_CLASSES, NUM_CLASSES)))),
    'confusion_running': dict(pairing=dict(type='ConfusionPairing', num_classes=NUM_CLASSES)),
    'cost_feature_column': dict(pairing=dict(type='CostMatrixPairing')),
    'cost_input_row': dict(pairing=dict(type='CostMatrixPairing', space='input',
                                        direction='row')),
    'ot_column': dict(pairing=dict(type='OTPairing', eps=0.1)),
    'ot_row_neck': dict(pairing=dict(type='OTPairing', eps=0.1, direction='row'),
                        features='neck'),
    'ot_argmin_backbone': dict(pairing=dict(type='OTPairing', eps=0.1, select='argmin'),
                               features='backbone.0'),
    'ot_cost': dict(pairing=dict(type='OTPairing', eps=0.1, with_cost=True), ot_cost_weight=1.0),
    'sal_corr_per_sample_lam': dict(mixer=dict(type='CutMixer', per_sample_lam=True,
                                               placer=dict(type='SaliencyBox'))),
    'sal_non_sal': dict(mixer=dict(type='CutMixer',
                                   placer=dict(type='SaliencyBox', mode='sal_non_sal'))),
    'predict_corr': dict(pairing=dict(type='OTPairing', eps=0.1),
                         mixer=dict(type='CutMixer', placer=dict(type='PredictedBox'))),
    'align_mixup': dict(mixer=dict(type='AlignMixer', stage='backbone.layer2',
                                   input_mix_prob=0.0, num_iters=20)),
    'ot_remembered': dict(pairing=dict(type='OTPairing', eps=0.1), feature_pass='remembered'),
    'ghost_bn': dict(ghost_bn_size=4),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_mixing_step_trains(case):
    model = make_model(**CASES[case])
    inputs, samples = make_batch()
    if model.mixer.needs_saliency_maps:  # what coc.datasets.SaliencyMap packs
        for sample, saliency_map in zip(samples, saliency_maps(inputs)):
            sample.set_field(saliency_map.numpy(), 'saliency_map')
    losses = model.loss(inputs, samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    grads = [p.grad for p in model.backbone.parameters()]
    assert all(g is not None for g in grads) and sum(g.abs().sum() for g in grads) > 0
    if case == 'ot_cost':
        assert losses['loss_ot_cost_on_mixing_steps'].requires_grad


@pytest.mark.parametrize('pairing', [dict(type='CostMatrixPairing', space='input'),
                                     dict(type='OTPairing', eps=0.05, space='input')])
def test_pairing_chooses_each_background(pairing):
    """Backgrounds are the foregrounds shuffled: similarity pairing finds each one's copy,
    so every mixed image is its foreground and the loss is plain CE on the foregrounds."""
    model = make_model(pairing=pairing)
    inputs, samples = make_batch()
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    inputs[:6] = inputs[6:][perm]
    for i, j in enumerate(perm.tolist()):
        samples[i].set_gt_label(int(samples[6 + j].gt_label))
    mixed_loss = model.loss(inputs, samples)['loss']
    fg_loss = model.head.loss(model.extract_feat(inputs[6:]), samples[6:])['loss']
    assert torch.allclose(mixed_loss, fg_loss, atol=1e-5)
    # A random pairing meets other images and so another loss.
    model.pairing = model.random_pairing
    model.random_pairing.shuffle = True
    torch.manual_seed(1)
    assert not torch.allclose(model.loss(inputs, samples)['loss'], fg_loss, atol=1e-3)


def test_without_mixing_trains_on_backgrounds_only(epoch_info):
    inputs, samples = make_batch()
    model = make_model(schedule=dict(mix_prob=1.0, start_epoch=0, end_epochs=2))
    plain = model.head.loss(model.extract_feat(inputs[:6]), samples[:6])['loss']
    epoch_info.update_info('epoch', 8)  # inside the last end_epochs: no mixing
    assert torch.allclose(model.loss(inputs, samples)['loss'], plain, atol=1e-6)
    epoch_info.update_info('epoch', 7)
    assert not torch.allclose(model.loss(inputs, samples)['loss'], plain, atol=1e-3)
    model = make_model(schedule=dict(mix_prob=0.0))
    assert torch.allclose(model.loss(inputs, samples)['loss'], plain, atol=1e-6)


def test_long_tail_loss_gets_the_label_pair():
    """Our losses get (y_bg, y_fg, lam) as one soft target: same value as the two weighted
    CE terms of MMPretrain's CrossEntropyLoss."""
    inputs, samples = make_batch()
    values = []
    for loss in (dict(type='CrossEntropyLoss'), dict(type='SoftCrossEntropyLoss')):
        head = dict(type='LinearClsHead', num_classes=NUM_CLASSES, in_channels=64, loss=loss)
        model = make_model(head=head)
        torch.manual_seed(3)
        values.append(model.loss(inputs, samples)['loss'])
    assert torch.allclose(values[0], values[1], atol=1e-5)


def test_ot_runs_in_fp32_under_autocast():
    model = make_model(pairing=dict(type='OTPairing', eps=0.05, with_cost=True),
                       ot_cost_weight=1.0)
    inputs, samples = make_batch()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(inputs, samples)
    assert losses['loss_ot_cost_on_mixing_steps'].dtype == torch.float32
    assert torch.isfinite(losses['loss_ot_cost_on_mixing_steps'])


def test_running_confusion_counts_background_predictions():
    model = make_model(pairing=dict(type='ConfusionPairing', num_classes=NUM_CLASSES),
                       schedule=dict(mix_prob=0.0))
    inputs, samples = make_batch()
    model.loss(inputs, samples)
    assert int(model.pairing.confusion.sum()) == 6


def test_remembered_features_replace_the_extra_pass(monkeypatch):
    model = make_model(pairing=dict(type='OTPairing', eps=0.1), feature_pass='remembered')
    calls = []
    original = model.pairing.forward
    monkeypatch.setattr(model.pairing, 'forward', lambda *a: calls.append(1) or original(*a))
    inputs, samples = make_batch()
    model.loss(inputs, samples)  # nothing remembered yet: random pairing
    assert not calls
    assert bool(model.bank.seen[:12].all())  # both sources read from the mixed pass
    model.loss(inputs, samples)
    assert calls  # every image now has features: OT pairing without an extra forward
    # A background-only step remembers the plain features of its images.
    model.schedule.mix_prob = 0.0
    model.loss(inputs, samples)
    with torch.no_grad():
        expected = model.classify(inputs[:6])
    assert torch.allclose(model.bank.feats[:6], expected, atol=1e-4)


def test_ghost_bn_replaces_every_batchnorm():
    model = make_model(ghost_bn_size=4)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert norms and all(isinstance(m, GhostBatchNorm) for m in norms)


def test_bad_input():
    with pytest.raises(ValueError, match="features='feat' does not exist"):
        make_model(features='feat')
    with pytest.raises(ValueError, match='no neck'):
        make_model(features='neck', neck=None)
    model = make_model(pairing=dict(type='OTPairing', eps=0.1), features='backbone.3')
    with pytest.raises(ValueError, match="features='backbone.3' does not exist"):
        model.loss(*make_batch())
    with pytest.raises(ValueError, match='shape'):
        make_model(pairing=dict(type='ConfusionPairing', num_classes=NUM_CLASSES,
                                confusion=np.ones((3, 3))))
    with pytest.raises(ValueError, match='with_cost=True'):
        make_model(pairing=dict(type='OTPairing', eps=0.1), ot_cost_weight=1.0)
    with pytest.raises(ValueError, match='not a submodule'):
        make_model(mixer=dict(type='AlignMixer', stage='backbone.layer9'))
    with pytest.raises(ValueError, match='PredictedBox'):
        make_model(feature_pass='remembered',
                   mixer=dict(type='CutMixer', placer=dict(type='PredictedBox')))
    model = make_model()
    inputs, samples = make_batch()
    with pytest.raises(ValueError, match='two-stream batches'):
        model.loss(inputs[:5], samples[:5])
    with pytest.raises(ValueError, match='at least 2 backgrounds'):
        model.loss(inputs[:2], samples[:2])


def test_unpooled_backbone_map_is_otmixs_feature():
    """OTmix's model_f(input).reshape(B, -1): the last map flattened, not pooled."""
    model = make_model(features='backbone_map')
    maps = (torch.arange(16.0).view(2, 2, 2, 2), )
    torch.testing.assert_close(model._features_of(maps), torch.arange(16.0).view(2, 8))
    model.features = 'backbone'
    torch.testing.assert_close(model._features_of(maps),
                               torch.tensor([[1.5, 5.5], [9.5, 13.5]]))
    with pytest.raises(ValueError, match="unpooled map: use feature_pass='forward'"):
        make_model(features='backbone_map', feature_pass='remembered')


def test_guided_pairing_is_drawn_once_per_epoch():
    model = make_model(schedule=dict(mix_prob=1.0, guide_power=1.0, guide_per='epoch'))
    hub = MessageHub.get_current_instance()
    decisions = []
    for epoch in range(1, 9):
        hub.update_info('epoch', epoch)
        decisions.append({model._decide('cpu')[1] for _ in range(6)})
    assert all(len(d) == 1 for d in decisions)  # one decision per epoch
    assert {d.pop() for d in decisions} == {True, False}  # (epoch / 10) drew both


def test_transport_cost_is_logged_only_by_mixing_steps():
    """Its key says so: a step that does not mix returns no cost, and MMEngine's log keeps
    the mean of the last mixing steps' values."""
    model = make_model(pairing=dict(type='OTPairing', eps=0.1, with_cost=True),
                       ot_cost_weight=1.0)
    inputs, samples = make_batch()
    assert set(model.loss(inputs, samples)) == {'loss', 'loss_ot_cost_on_mixing_steps'}
    model.schedule.mix_prob = 0.0
    assert set(model.loss(inputs, samples)) == {'loss'}
