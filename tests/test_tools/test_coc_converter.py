"""The authors' Context-Cluster checkpoints -> coc: same logits, clear refusals."""
import argparse
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS

import coc  # noqa: F401
from coc.models.backbones import ContextCluster
from coc.models.backbones.context_cluster import Cluster
from coc.models.backbones.context_cluster_convert import convert_coc_checkpoint


def coc_classifier(**backbone):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ContextCluster', arch='tiny', **backbone),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=320)))
    # Layer scale starts at 1e-5: randomise it (and alpha/beta) so every block shows in the output.
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'layer_scale' in name or 'sim_' in name:
                param.uniform_(0.5, 1.5)
    return model.eval()


def authors_state(model, paper_era=False):
    """Our weights under the authors' key names (ma-xu/Context-Cluster
    models/context_cluster.py) -- what their code would save."""
    state = {}
    for key, value in model.state_dict().items():
        key = key.replace('backbone.norm6.', 'norm.').replace('head.fc.', 'head.')
        key = key[len('backbone.'):] if key.startswith('backbone.') else key
        if paper_era and '.mlp.fc' in key and key.endswith('weight'):
            value = value[:, :, None, None]
        state[key] = value.clone()
    if paper_era:
        state['network.0.0.token_mixer.fea_pos'] = torch.zeros(1, 3, 64, 64)
    return state


def logits(model, inputs):
    with torch.no_grad():
        return model(inputs, mode='tensor')


@pytest.mark.parametrize('container', ['state_dict', 'state_dict_ema', 'model', None])
def test_converted_checkpoint_gives_the_source_logits(container):
    source = coc_classifier()
    state = authors_state(source)
    checkpoint = {container: state, 'epoch': 310} if container else state
    converted, report = convert_coc_checkpoint(checkpoint)
    target = coc_classifier()
    target.load_state_dict(converted, strict=True)
    inputs = torch.randn(2, 3, 64, 64)
    torch.testing.assert_close(logits(target, inputs), logits(source, inputs), atol=1e-4, rtol=0)
    assert report.era == 'current' and report.task == 'classification'
    assert report.container == (container or 'bare dict')
    assert report.renamed['head.* -> head.fc.*'] == 2
    assert report.archs == ['tiny', 'tiny2', 'tiny_plain']  # they differ in centers only


def test_ema_weights_are_taken_when_asked():
    raw, ema = authors_state(coc_classifier()), authors_state(coc_classifier())
    ema['head.bias'] += 1
    converted, report = convert_coc_checkpoint({'state_dict': raw, 'state_dict_ema': ema},
                                               prefer_ema=True)
    assert report.container == 'state_dict_ema'
    torch.testing.assert_close(converted['head.fc.bias'], ema['head.bias'])
    with pytest.raises(KeyError, match='no "state_dict_ema"'):
        convert_coc_checkpoint({'state_dict': raw}, prefer_ema=True)


def test_paper_era_checkpoint_is_reshaped_and_says_its_eq1_semantics():
    source = coc_classifier(legacy_normalizer=True)
    converted, report = convert_coc_checkpoint({'state_dict': authors_state(source, True)})
    assert report.era == 'paper-era' and 'mask.sum' in report.eq1_normalizer
    assert report.dropped == ['network.0.0.token_mixer.fea_pos']
    assert len(report.reshaped) == 2 * 14  # fc1 + fc2 in each of tiny's 3+4+5+2 blocks
    target = coc_classifier(legacy_normalizer=True)
    target.load_state_dict(converted, strict=True)
    inputs = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(logits(target, inputs), logits(source, inputs), atol=1e-4, rtol=0)
    assert 'legacy_normalizer=True' in str(report)


def test_dense_prediction_checkpoint_loads_into_the_four_output_backbone():
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='ContextCluster', arch='tiny', out_indices=(0, 1, 2, 3)))
    state = {k: v for k, v in backbone.state_dict().items()}
    converted, report = convert_coc_checkpoint({'model': state})
    assert report.task == 'dense'
    prefix = 'backbone.'
    backbone.load_state_dict({k[len(prefix):]: v for k, v in converted.items()}, strict=True)
    assert {f'backbone.norm{i}.weight' for i in (0, 2, 4, 6)} <= converted.keys()



@pytest.mark.parametrize('arch', ['small', 'medium', 'base_dim64', 'base_dim96'])
def test_report_names_the_arch_of_the_weights(arch):
    """The arch to build is read from the tensor shapes (tiny's three variants: see above)."""
    state = ContextCluster(arch, out_indices=(0, 1, 2, 3)).state_dict()
    _, report = convert_coc_checkpoint(state)
    assert report.archs == [arch]
    assert f'build it as arch={arch}' in str(report)

def test_checkpoint_of_another_model_is_refused():
    resnet = MODELS.build(dict(type='ResNet', depth=18)).state_dict()
    with pytest.raises(ValueError, match='not a Context-Cluster checkpoint'):
        convert_coc_checkpoint({'state_dict': resnet})


def test_converted_or_modified_checkpoints_are_refused():
    ours = coc_classifier().state_dict()
    with pytest.raises(ValueError, match='needs no conversion'):
        convert_coc_checkpoint(ours)
    modified = authors_state(coc_classifier())
    modified['network.0.0.token_mixer.extra.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match='keys no ContextCluster has'):
        convert_coc_checkpoint(modified)


def test_cli_writes_a_checkpoint_and_prints_the_mapping(repo_root, tmp_path):
    src, dst = tmp_path / 'coc_tiny.pth.tar', tmp_path / 'out' / 'coc_tiny.pth'
    source = coc_classifier()
    # What timm's saver (used by the authors) writes, argparse.Namespace included.
    torch.save({'state_dict': authors_state(source), 'arch': 'coc_tiny',
                'args': argparse.Namespace(lr=1e-3)}, src)
    result = subprocess.run(
        [sys.executable, 'tools/model_converters/coc_to_mmpretrain.py', str(src), str(dst)],
        cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'norm.* -> backbone.norm6.*' in result.stdout and 'sim-weighted' in result.stdout
    target = coc_classifier()
    target.load_state_dict(torch.load(dst, weights_only=True)['state_dict'], strict=True)
    inputs = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(logits(target, inputs), logits(source, inputs), atol=1e-4, rtol=0)


def test_cli_refuses_another_models_checkpoint_in_one_line(tmp_path, load_tool):
    src = tmp_path / 'resnet18.pth'
    torch.save({'state_dict': MODELS.build(dict(type='ResNet', depth=18)).state_dict()}, src)
    tool = load_tool('model_converters/coc_to_mmpretrain.py')
    with pytest.raises(SystemExit, match='error: not a Context-Cluster checkpoint'):
        tool.main([str(src), str(tmp_path / 'out.pth')])
    assert not (tmp_path / 'out.pth').exists()


def test_legacy_normalizer_is_eq1_with_the_point_count():
    """One cluster of two points with values 1 and 2, identity f / v / proj, alpha 1, beta 0:
    the center is their mean 1.5, cos = 1, sim = sigmoid(1) for both. Eq. 1 with the count
    (paper-era mask.sum): g = (1.5 + 3 sigmoid(1)) / (1 + 2); with the similarity sum:
    g = (1.5 + 3 sigmoid(1)) / (1 + 2 sigmoid(1)); each point gets sigmoid(1) * g."""
    sim = 1 / (1 + np.exp(-1.0))
    x = torch.tensor([[[[1.0, 2.0]]]])
    for legacy, divisor in ((True, 3.0), (False, 1 + 2 * sim)):
        cluster = Cluster(1, heads=1, head_dim=1, proposal=1, fold=1, legacy_normalizer=legacy)
        with torch.no_grad():
            for conv in (cluster.f, cluster.v, cluster.proj):
                conv.weight.fill_(1.0)
                conv.bias.zero_()
        expected = sim * (1.5 + 3 * sim) / divisor
        torch.testing.assert_close(cluster(x), torch.full((1, 1, 1, 2), expected,
                                                          dtype=torch.float32))


def test_two_d_weights_do_not_prove_the_normalizer(tmp_path):
    """2-D MLP weights without fea_pos: the authors' code from 2023-03-02 to 2023-05-31
    (count normaliser) or later (similarity sum). auto warns and names both options."""
    state = authors_state(coc_classifier())
    _, report = convert_coc_checkpoint(state)
    assert (report.normalizer, report.normalizer_from) == ('current', 'assumed')
    assert '--normalizer legacy' in report.warning and '--normalizer current' in report.warning
    assert '2023-05-31' in str(report)
    for choice in ('current', 'legacy'):
        _, chosen = convert_coc_checkpoint(state, normalizer=choice)
        assert (chosen.normalizer, chosen.normalizer_from, chosen.warning) == (
            choice, 'option', None)
    paper_era = authors_state(coc_classifier(legacy_normalizer=True), paper_era=True)
    with pytest.raises(ValueError, match='--normalizer current contradicts the weights'):
        convert_coc_checkpoint(paper_era, normalizer='current')


def run_converter(repo_root, src, dst, *options):
    result = subprocess.run(
        [sys.executable, 'tools/model_converters/coc_to_mmpretrain.py', str(src), str(dst),
         *options], cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout, torch.load(dst, weights_only=True)


def test_cli_normalizer_legacy_builds_the_count_normaliser(repo_root, tmp_path):
    """A checkpoint like the authors' tiny_plain of 2023-03-20: Linear MLPs, trained with the
    count normaliser. auto warns; --normalizer legacy gives its logits."""
    source = coc_classifier(legacy_normalizer=True)
    src = tmp_path / 'coc_tiny_2023-03.pth.tar'
    torch.save({'state_dict': authors_state(source)}, src)
    stdout, converted = run_converter(repo_root, src, tmp_path / 'auto.pth')
    assert 'warning: the weights do not show which Eq. 1 normaliser' in stdout
    assert '--normalizer legacy' in stdout and not converted['meta']['legacy_normalizer']

    stdout, converted = run_converter(repo_root, src, tmp_path / 'legacy.pth',
                                      '--normalizer', 'legacy')
    assert 'warning' not in stdout and 'legacy_normalizer=True' in stdout
    assert 'mask.sum' in converted['meta']['eq1_normalizer']
    target = coc_classifier(legacy_normalizer=converted['meta']['legacy_normalizer'])
    target.load_state_dict(converted['state_dict'], strict=True)
    assert all(m.legacy_normalizer for m in target.modules() if isinstance(m, Cluster))
    inputs = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(logits(target, inputs), logits(source, inputs), atol=1e-4, rtol=0)
    current = coc_classifier()
    current.load_state_dict(converted['state_dict'], strict=True)
    assert not torch.allclose(logits(current, inputs), logits(source, inputs), atol=1e-4)
