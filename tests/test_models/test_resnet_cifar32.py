"""ResNet32_CIFAR: the CIFAR-LT backbone's depth and size, one training step, fixed shapes."""
import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from coc.models.backbones import ResNet32_CIFAR


def test_resnet32_shape_and_size():
    model = MODELS.build(dict(type='ResNet32_CIFAR', out_indices=(0, 1, 2)))
    # 3 stages x 5 basic blocks x 2 convs + stem = 31 convs (+ the classifier = 32 layers).
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)
             and m.kernel_size == (3, 3)]
    assert len(convs) == 31
    outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 32, 32), (2, 32, 16, 16), (2, 64, 8, 8)]
    params = sum(p.numel() for p in model.parameters())
    assert 0.45e6 < params < 0.47e6


def test_resnet32_trains_a_classifier_step():
    model = MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='ResNet32_CIFAR'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
                  loss=dict(type='SoftCrossEntropyLoss'))))
    inputs = torch.randn(4, 3, 32, 32)
    samples = [DataSample().set_gt_label(k) for k in range(4)]
    loss = model(inputs, samples, mode='loss')['loss']
    loss.backward()
    assert torch.isfinite(loss) and model.backbone.conv1.weight.grad.abs().sum() > 0


def test_fixed_shape_arguments_are_rejected():
    with pytest.raises(TypeError, match='ResNet32_CIFAR fixes'):
        ResNet32_CIFAR(base_channels=64)
