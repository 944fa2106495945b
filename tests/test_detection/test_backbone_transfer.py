"""A CoC classifier's checkpoint initialises a detector's backbone, and only a CoC one does."""
from pathlib import Path

import pytest
import torch
from mmdet.registry import MODELS as DET_MODELS
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS as CLS_MODELS

import coc  # noqa: F401  (safe checkpoint loading)
from coc.models.backbones import ContextCluster
from coc.models.backbones.backbone_transfer import load_backbone_weights
from coc.models.utils.checkpoint import CheckpointError

CONFIG = Path(__file__).resolve().parents[2] / 'configs/mmdet/mask-rcnn_coc-t_fpn_1x_coco.py'


def save_classifier(path, arch='tiny'):
    """A CoC ImageNet-style classifier (backbone, pooling, linear head) saved as MMEngine does;
    its final norm is set to weight 3, bias 0.5 (a fresh GroupNorm has 1 and 0)."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        classifier = CLS_MODELS.build(dict(
            type='ImageClassifier', backbone=dict(type=ContextCluster, arch=arch),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10,
                      in_channels=ContextCluster.arch_settings[arch]['embed_dims'][-1])))
    classifier.init_weights()
    with torch.no_grad():
        classifier.backbone.norm6.weight.fill_(3.0)
        classifier.backbone.norm6.bias.fill_(0.5)
    torch.save({'meta': {}, 'state_dict': classifier.state_dict()}, path)
    return classifier


def build_detector(init_cfg):
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = init_cfg
    with DefaultScope.overwrite_default_scope('mmdet'):
        return DET_MODELS.build(cfg.model)


def test_pretrained_init_cfg_moves_every_backbone_tensor_into_the_detector(tmp_path):
    """Every tensor but the classifier's final norm, which starts fresh as in the authors'
    detector: load_state_dict(strict=False) of their ImageNet file, whose ``norm.*`` matches
    no ``norm0/2/4/6``, leaves GroupNorm's initial weight 1 and bias 0."""
    classifier = save_classifier(tmp_path / 'coc-tiny.pth')
    detector = build_detector(dict(type='Pretrained', checkpoint=str(tmp_path / 'coc-tiny.pth'),
                                   prefix='backbone.'))
    logger = MMLogger.get_instance('classifier_norm_test', log_file=str(tmp_path / 'log.txt'))
    detector.init_weights()
    trained, loaded = classifier.backbone.state_dict(), detector.backbone.state_dict()
    assert len(trained) > 100
    for key, tensor in trained.items():
        if not key.startswith('norm6.'):
            assert torch.equal(loaded[key], tensor), key
    for norm in ('norm0', 'norm2', 'norm4', 'norm6'):
        assert torch.equal(loaded[f'{norm}.weight'], torch.ones(320 if norm == 'norm6' else
                                                                loaded[f'{norm}.weight'].numel()))
        assert not loaded[f'{norm}.bias'].any()
    for handler in logger.handlers:
        handler.flush()
    assert "set copy_classifier_norm=True in the backbone's Pretrained init_cfg" in (
        tmp_path / 'log.txt').read_text()


def test_copy_classifier_norm_keeps_the_classifier_norm_in_the_detector(tmp_path):
    save_classifier(tmp_path / 'coc-tiny.pth')
    detector = build_detector(dict(type='Pretrained', checkpoint=str(tmp_path / 'coc-tiny.pth'),
                                   prefix='backbone.', copy_classifier_norm=True))
    detector.init_weights()
    assert torch.equal(detector.backbone.norm6.weight, torch.full((320, ), 3.0))
    assert torch.equal(detector.backbone.norm6.bias, torch.full((320, ), 0.5))
    bad = build_detector(dict(type='Pretrained', checkpoint=str(tmp_path / 'coc-tiny.pth'),
                              prefix='backbone.', copy_classifier_norm='yes'))
    with pytest.raises(ValueError, match='copy_classifier_norm must be True, False or None'):
        bad.init_weights()


def test_pretrained_init_cfg_of_another_arch_stops_the_detector(tmp_path):
    """MMEngine's Pretrained initialiser would load the matching half and only warn."""
    save_classifier(tmp_path / 'coc-small.pth', arch='small')
    detector = build_detector(dict(type='Pretrained', checkpoint=str(tmp_path / 'coc-small.pth'),
                                   prefix='backbone.'))
    with pytest.raises(CheckpointError, match='not a checkpoint of this ContextCluster'):
        detector.init_weights()



def test_pretrained_in_an_init_cfg_list_is_checked_too(tmp_path):
    """A list (e.g. trunc-normal then Pretrained) must not fall back to MMEngine's loader."""
    save_classifier(tmp_path / 'coc-small.pth', arch='small')
    backbone = ContextCluster(arch='tiny', init_cfg=[
        dict(type='TruncNormal', layer='Linear', std=.02),
        dict(type='Pretrained', checkpoint=str(tmp_path / 'coc-small.pth'), prefix='backbone.')])
    with pytest.raises(CheckpointError, match='not a checkpoint of this ContextCluster'):
        backbone.init_weights()


def test_classifier_fine_tuning_from_pretrained_records_the_checkpoint(tmp_path):
    """A classifier config with a Pretrained backbone: every tensor arrives, and MMEngine's
    init-info dump names the checkpoint, not a generic 'user-defined init_weights'."""
    trained = save_classifier(tmp_path / 'coc-tiny.pth').backbone.state_dict()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        classifier = CLS_MODELS.build(dict(
            type='ImageClassifier', backbone=dict(
                type=ContextCluster, arch='tiny', init_cfg=dict(
                    type='Pretrained', checkpoint=str(tmp_path / 'coc-tiny.pth'),
                    prefix='backbone.')),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=7, in_channels=320)))
    logger = MMLogger.get_instance('pretrained_info_test', log_file=str(tmp_path / 'log.txt'))
    classifier.init_weights()
    for key, tensor in trained.items():
        assert torch.equal(classifier.backbone.state_dict()[key], tensor), key
    for handler in logger.handlers:
        handler.flush()
    log = (tmp_path / 'log.txt').read_text()
    assert ('backbone.patch_embed.proj.weight - torch.Size([32, 5, 4, 4]): \n'
            f'load_backbone_weights (init_cfg Pretrained): load from {tmp_path / "coc-tiny.pth"}'
            ) in log


def test_whole_model_checkpoint_without_prefix_names_the_prefix(tmp_path):
    save_classifier(tmp_path / 'coc-tiny.pth')
    backbone = ContextCluster(arch='tiny', init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'coc-tiny.pth')))
    with pytest.raises(CheckpointError, match=r"set init_cfg\.prefix='backbone\.'"):
        backbone.init_weights()

def test_transfer_reports_skipped_head_and_fresh_output_norms(tmp_path):
    save_classifier(tmp_path / 'coc-tiny.pth')
    backbone = ContextCluster(arch='tiny', out_indices=(0, 1, 2, 3))
    fresh_norm = backbone.norm0.weight.clone()
    logger = MMLogger.get_instance('backbone_transfer_test', log_file=str(tmp_path / 'log.txt'))
    report = load_backbone_weights(backbone, str(tmp_path / 'coc-tiny.pth'))

    assert report.skipped == ['head.fc.bias', 'head.fc.weight']
    # a classifier has no norm of the other outputs, and its final norm is left in the file
    # (the authors' detectors): every output norm starts fresh
    assert report.fresh == ['norm0.weight', 'norm0.bias', 'norm2.weight', 'norm2.bias',
                            'norm4.weight', 'norm4.bias', 'norm6.bias', 'norm6.weight']
    assert report.classifier_norm == 'fresh'
    assert torch.equal(backbone.norm0.weight, fresh_norm)
    assert 'norm6.weight' not in report.loaded
    for handler in logger.handlers:
        handler.flush()
    log = (tmp_path / 'log.txt').read_text()
    assert 'skipped 2 checkpoint keys outside the backbone: head.fc.bias, head.fc.weight' in log
    assert "left the classifier's final norm in the file" in log
    copied = load_backbone_weights(backbone, str(tmp_path / 'coc-tiny.pth'),
                                   copy_classifier_norm=True)
    assert copied.classifier_norm == 'copied' and 'norm6.weight' in copied.loaded


def test_dense_checkpoint_loads_into_a_backbone_with_fewer_outputs(tmp_path):
    """The authors' detection checkpoints have all four output norms; RetinaNet uses three."""
    dense = ContextCluster(arch='tiny', out_indices=(0, 1, 2, 3))
    torch.save({f'backbone.{k}': v for k, v in dense.state_dict().items()},
               tmp_path / 'dense.pth')
    backbone = ContextCluster(arch='tiny', out_indices=(1, 2, 3))
    report = load_backbone_weights(backbone, str(tmp_path / 'dense.pth'))
    assert report.skipped == ['backbone.norm0.weight', 'backbone.norm0.bias']
    assert report.fresh == []
    assert torch.equal(backbone.norm2.weight, dense.norm2.weight)


def test_checkpoint_of_another_coc_arch_is_refused(tmp_path):
    save_classifier(tmp_path / 'coc-small.pth', arch='small')
    backbone = ContextCluster(arch='tiny', out_indices=(0, 1, 2, 3))
    before = backbone.patch_embed.proj.weight.clone()
    with pytest.raises(CheckpointError, match=r'not a checkpoint of this ContextCluster .*'
                       r'patch_embed\.proj\.weight: \[64, 5, 4, 4\] in the file, '
                       r'\[32, 5, 4, 4\] here.*another architecture: set the backbone\'s arch'):
        load_backbone_weights(backbone, str(tmp_path / 'coc-small.pth'))
    assert torch.equal(backbone.patch_embed.proj.weight, before)  # nothing half-loaded


def test_checkpoint_of_another_model_is_refused(tmp_path):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        resnet = CLS_MODELS.build(dict(type='ImageClassifier',
                                       backbone=dict(type='ResNet', depth=18)))
    torch.save({'state_dict': resnet.state_dict()}, tmp_path / 'resnet18.pth')
    with pytest.raises(CheckpointError, match=r"holds another model \(e\.g\. \['conv1\.weight'.*"
                                              r"Use a checkpoint of a ContextCluster classifier"):
        load_backbone_weights(ContextCluster(arch='tiny'), str(tmp_path / 'resnet18.pth'))


def test_unconverted_authors_checkpoint_points_to_the_converter(tmp_path):
    authors = {'patch_embed.proj.weight': torch.zeros(32, 5, 4, 4),
               'network.0.0.token_mixer.sim_alpha': torch.ones(1),
               'head.weight': torch.zeros(1000, 320)}
    torch.save({'model': authors, 'epoch': 300}, tmp_path / 'coc_tiny.pth.tar')
    with pytest.raises(CheckpointError, match=r"no keys under 'backbone\.'.*coc_to_mmpretrain"):
        load_backbone_weights(ContextCluster(arch='tiny'), str(tmp_path / 'coc_tiny.pth.tar'))


def test_file_without_tensors_is_refused(tmp_path):
    torch.save({'state_dict': {'step': 3}}, tmp_path / 'not_weights.pth')
    with pytest.raises(CheckpointError, match='holds no state_dict of tensors'):
        load_backbone_weights(ContextCluster(arch='tiny'), str(tmp_path / 'not_weights.pth'))
