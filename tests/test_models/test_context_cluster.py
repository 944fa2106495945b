"""Tests of the Context-Cluster backbone: reference equality, any input size, freezing, errors."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmpretrain.registry import MODELS

from coc.models.backbones import BroadcastCluster, Cluster, ContextCluster, to_broadcast_reference
from coc.models.backbones.context_cluster import ChannelsLastMlp, RegionPartition, _PointNorm
from coc.models.backbones.context_cluster_reference import ReferenceMlp

REPO = Path(__file__).resolve().parents[2]

# Every variant, at sizes whose stage maps divide by the folds or do not (72x100: 18x25 at
# stage 0). Maps stay >= fold x proposal points per side: smaller regions get duplicate
# centers, whose tie-breaking depends on float rounding in any implementation.
REFERENCE_CASES = [
    ('tiny', (72, 100)), ('tiny2', (120, 136)), ('tiny_plain', (64, 96)), ('small', (72, 100)),
    ('medium', (64, 64)), ('base_dim64', (64, 64)), ('base_dim96', (64, 64))]


def _randomize_scalars(model, seed=0):
    """Layer scales near 1 (the 1e-5 init would hide the token mixer) and non-trivial
    alpha/beta, so a wrong cluster path cannot pass unnoticed."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'layer_scale' in name:
                param.uniform_(0.5, 1.5, generator=gen)
            elif 'sim_alpha' in name:
                param.uniform_(1., 5., generator=gen)
            elif 'sim_beta' in name:
                param.uniform_(-1., 1., generator=gen)
    return model


def _assert_close(actual, expected, what, tol=1e-5):
    """Equal up to ``tol`` relative to the tensor's scale (absolute below 1)."""
    bound = tol * max(expected.abs().max().item(), 1.)
    diff = (actual - expected).abs().max().item()
    assert diff <= bound, f'{what}: max abs diff {diff:.3g} > {bound:.3g}'


@pytest.mark.parametrize('arch, size', REFERENCE_CASES)
def test_values_and_gradients_match_broadcast_reference(arch, size):
    """fp32 outputs to 1e-5; values and gradients of the whole network in float64 to 1e-10
    (fp32 gradient rounding through up to 48 blocks reaches ~1e-5 on its own)."""
    torch.manual_seed(0)
    model = _randomize_scalars(ContextCluster(arch, out_indices=(0, 1, 2, 3)))
    model.init_weights()
    reference = to_broadcast_reference(copy.deepcopy(model))
    assert sum(isinstance(m, BroadcastCluster) for m in reference.modules()) == sum(
        model.arch['layers'])
    x = torch.randn(1, 3, *size)
    with torch.no_grad():
        for stage, (out, ref_out) in enumerate(zip(model(x), reference(x))):
            _assert_close(out, ref_out, f'fp32 stage {stage} output')

    model, reference, x = model.double(), reference.double(), x.double()
    outs = model(x)
    weights = [torch.randn_like(out) for out in outs]
    sum((out * w).sum() for out, w in zip(outs, weights)).backward()
    ref_outs = reference(x)
    sum((out * w).sum() for out, w in zip(ref_outs, weights)).backward()
    for stage, (out, ref_out) in enumerate(zip(outs, ref_outs)):
        _assert_close(out, ref_out, f'stage {stage} output', tol=1e-10)
    for (name, param), ref_param in zip(model.named_parameters(), reference.parameters()):
        _assert_close(param.grad, ref_param.grad, f'gradient of {name}', tol=1e-10)
    mixer = model.network[0][0].token_mixer
    assert mixer.sim_alpha.grad.abs() > 0 and mixer.sim_beta.grad.abs() > 0


@pytest.mark.parametrize('proposal, fold, size', [
    (2, 8, (16, 24)),         # divisible, the usual stage-0 setting
    ((2, 3), (4, 2), (9, 13)),  # non-square proposal and fold, sizes that do not divide
    (7, 1, (7, 9)),           # overlapping adaptive-pool bins, no partition
    (4, (2, 1), (8, 8)),      # only one fold > 1: no partition, like the reference
])
@pytest.mark.parametrize('legacy_normalizer', [False, True])
def test_cluster_matches_reference_with_assignment(proposal, fold, size, legacy_normalizer):
    torch.manual_seed(0)
    cluster = _randomize_scalars(Cluster(12, heads=3, head_dim=8, proposal=proposal, fold=fold,
                                         legacy_normalizer=legacy_normalizer))
    reference = to_broadcast_reference(torch.nn.Sequential(copy.deepcopy(cluster)))[0]
    x = torch.randn(2, 12, *size, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    out, assignment = cluster(x, return_assignment=True)
    ref_out, ref_assignment = reference(x_ref, return_assignment=True)
    weight = torch.randn_like(out)
    (out * weight).sum().backward()
    (ref_out * weight).sum().backward()
    _assert_close(out, ref_out, 'output')
    _assert_close(x.grad, x_ref.grad, 'input gradient')
    for (name, param), ref_param in zip(cluster.named_parameters(), reference.parameters()):
        _assert_close(param.grad, ref_param.grad, f'gradient of {name}')
    assert assignment.dtype == torch.long and assignment.shape == (2, 3, *size)
    assert torch.equal(assignment, ref_assignment)


def test_legacy_normalizer_changes_eq1():
    torch.manual_seed(0)
    cluster = _randomize_scalars(Cluster(8, heads=2, head_dim=4, proposal=2, fold=1))
    legacy = Cluster(8, heads=2, head_dim=4, proposal=2, fold=1, legacy_normalizer=True)
    legacy.load_state_dict(cluster.state_dict())
    x = torch.randn(1, 8, 6, 6)
    assert not torch.allclose(cluster(x), legacy(x), atol=1e-4)


@pytest.mark.parametrize('fold, size', [((4, 4), (9, 13)), ((8, 8), (19, 30)), ((2, 3), (7, 10))])
def test_uneven_regions_are_clustered_each_on_its_own(fold, size):
    """Sides that do not divide: regions split like numpy.array_split, and each region gives
    what an unpartitioned Cluster gives on that crop alone."""
    torch.manual_seed(0)
    cluster = _randomize_scalars(Cluster(8, heads=2, head_dim=4, proposal=2, fold=fold))
    alone = Cluster(8, heads=2, head_dim=4, proposal=2, fold=1)
    alone.load_state_dict(cluster.state_dict())
    x = torch.randn(2, 8, *size)
    with torch.no_grad():
        out, assignment = cluster(x, return_assignment=True)
        for region, (rows, cols) in enumerate(
                (r, c) for r in np.array_split(np.arange(size[0]), fold[0])
                for c in np.array_split(np.arange(size[1]), fold[1])):
            crop = (slice(None), slice(None), slice(rows[0], rows[-1] + 1),
                    slice(cols[0], cols[-1] + 1))
            crop_out, crop_assignment = alone(x[crop], return_assignment=True)
            _assert_close(out[crop], crop_out, f'region {region}')
            assert torch.equal(assignment[crop], crop_assignment + region * 4)


@pytest.mark.parametrize('size', [(32, 32), (225, 301), (800, 1333)])
def test_any_input_size(size):
    model = ContextCluster('tiny', out_indices=(0, 1, 2, 3))
    x = torch.randn(1, 3, *size)
    if size[0] > 300:  # forward only: the detection size is for shapes, not gradients
        with torch.no_grad():
            outs = model(x)
    else:
        outs = model(x)
        outs[-1].mean().backward()
        assert model.patch_embed.proj.weight.grad.abs().sum() > 0
    expected = (size[0] // 4, size[1] // 4)
    for out, dim in zip(outs, model.arch['embed_dims']):
        assert out.shape == (1, dim, *expected) and torch.isfinite(out).all()
        assert out.is_contiguous()  # the blocks run channels-last, callers get NCHW maps
        expected = tuple((s + 1) // 2 for s in expected)


def test_size_divisor():
    assert ContextCluster('tiny').size_divisor == 32
    assert ContextCluster('small').size_divisor == 32
    assert ContextCluster('tiny2').size_divisor == 56  # folds of 7 at strides 4 and 8
    assert ContextCluster('tiny_plain').size_divisor == 1


@pytest.mark.parametrize('arch, expected', [('tiny', 5.571), ('small', 14.657), ('medium', 29.291)])
def test_parameter_count_with_1000_class_head(arch, expected):
    model = MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='ContextCluster', arch=arch),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000,
                  in_channels=ContextCluster.arch_settings[arch]['embed_dims'][-1])))
    assert round(sum(p.numel() for p in model.parameters()) / 1e6, 3) == expected  # docs/coc_tools.md
    assert 'backbone.norm6.weight' in model.state_dict()
    assert model(torch.randn(2, 3, 32, 32), mode='tensor').shape == (2, 1000)


def test_state_dict_keys_follow_the_reference():
    keys = ContextCluster('tiny', out_indices=(0, 1, 2, 3)).state_dict().keys()
    for key in ['patch_embed.proj.weight', 'network.0.2.token_mixer.sim_alpha',
                'network.6.1.token_mixer.f.weight', 'network.4.0.mlp.fc1.weight',
                'network.2.3.layer_scale_2', 'network.5.proj.weight', 'norm0.weight',
                'norm6.bias']:
        assert key in keys, key


def test_position_channels():
    x = ContextCluster.add_positions(torch.zeros(2, 3, 5, 9))
    assert x.shape == (2, 5, 5, 9)
    torch.testing.assert_close(x[0, 3, :, 0], torch.linspace(-0.5, 0.5, 5))
    torch.testing.assert_close(x[1, 4, 0, :], torch.linspace(-0.5, 0.5, 9))


def test_drop_path_grows_to_the_rate():
    model = ContextCluster('small', drop_path_rate=0.3)
    blocks = [b for stage in model.network[::2] for b in stage]
    assert isinstance(blocks[0].drop_path, torch.nn.Identity)
    assert blocks[-1].drop_path.drop_prob == pytest.approx(0.3)


def test_with_cp_recomputes_the_same_values_and_gradients():
    """Activation checkpointing trades time for memory only, drop-path included."""
    torch.manual_seed(0)
    plain = _randomize_scalars(ContextCluster('tiny', out_indices=(0, 3), drop_path_rate=0.2))
    checkpointed = ContextCluster('tiny', out_indices=(0, 3), drop_path_rate=0.2, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    grads = []
    for model in (plain, checkpointed):
        model.train()
        torch.manual_seed(1)
        outs = model(x)
        sum((out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum()
            for out in outs).backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    for name, grad in grads[0].items():
        _assert_close(grads[1][name], grad, f'gradient of {name}')


def test_low_memory_changes_no_value():
    """The memory option recomputes the token mixers' and MLPs' intermediates in backward:
    the same products on the same chunks, so the same outputs and gradients."""
    torch.manual_seed(0)
    default = _randomize_scalars(ContextCluster('tiny', out_indices=(0, 3))).double()
    recompute = ContextCluster('tiny', out_indices=(0, 3), low_memory=True).double()
    recompute.load_state_dict(default.state_dict())
    x = torch.randn(2, 3, 72, 100, dtype=torch.float64)
    grads = []
    for model in (default, recompute):
        outs = model.train()(x)
        sum((out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum()
            for out in outs).backward()
        grads.append(({n: p.grad for n, p in model.named_parameters()}, outs))
    (default_grads, default_outs), (recompute_grads, recompute_outs) = grads
    for out, expected in zip(recompute_outs, default_outs):
        assert torch.equal(out, expected)
    for name, grad in default_grads.items():
        _assert_close(recompute_grads[name], grad, f'gradient of {name}', tol=1e-12)


def _saved_activation_numel(mlp, x, weight):
    """Elements a training forward of ``mlp`` keeps for backward, parameters excluded."""
    params = {p.data_ptr() for p in mlp.parameters()}
    saved = []

    def pack(tensor):
        if tensor.data_ptr() not in params:
            saved.append(tensor.numel())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = mlp(x)
    (out * weight).sum().backward()
    return sum(saved), out


def test_fused_mlp_keeps_one_hidden_activation_and_recompute_none():
    """Autograd's MLP keeps fc1's output and the GELU's ([points, hidden] each); the fused
    default keeps one (on hidden activations of at least 32 MiB, here 48), recompute=True
    none: the memory the option is for. Values and gradients stay the modules'."""
    torch.manual_seed(0)
    dim, hidden, points = 8, 1024, 3 * 64 * 64
    x = torch.randn(3, dim, 64, 64).contiguous(memory_format=torch.channels_last)
    weight = torch.randn_like(x)
    mlps = dict(fused=ChannelsLastMlp(dim, hidden),
                recompute=ChannelsLastMlp(dim, hidden, recompute=True),
                plain=ReferenceMlp(dim, hidden))
    for mlp in mlps.values():
        mlp.load_state_dict(mlps['fused'].state_dict())
    inputs = {name: x.clone().requires_grad_() for name in mlps}
    kept, outs = {}, {}
    for name, mlp in mlps.items():
        kept[name], outs[name] = _saved_activation_numel(mlp, inputs[name], weight)
    assert kept['plain'] - kept['fused'] == points * hidden
    assert kept['fused'] - kept['recompute'] == points * hidden
    assert kept['recompute'] == points * dim  # the input only
    for name in ('fused', 'recompute'):
        _assert_close(outs[name], outs['plain'], f'{name} output')
        _assert_close(inputs[name].grad, inputs['plain'].grad, f'{name} input gradient')
        for (param_name, param), plain_param in zip(mlps[name].named_parameters(),
                                                    mlps['plain'].parameters()):
            _assert_close(param.grad, plain_param.grad, f'{name} gradient of {param_name}')


@pytest.mark.parametrize('size', [(64, 64), (63, 65)])
def test_cluster_in_chunks_of_images_matches_reference(size):
    """On CPU a Cluster whose f/v outputs exceed 16 MiB runs in chunks of images (here 2 of
    a batch of 3); values, assignment and gradients stay the reference's."""
    torch.manual_seed(0)
    cluster = _randomize_scalars(Cluster(8, heads=4, head_dim=64, proposal=2, fold=8))
    reference = to_broadcast_reference(torch.nn.Sequential(copy.deepcopy(cluster)))[0]
    x = torch.randn(3, 8, *size, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    chunks = []
    original = cluster._forward
    cluster._forward = lambda chunk, assign: chunks.append(len(chunk)) or original(chunk, assign)
    out, assignment = cluster(x, return_assignment=True)
    ref_out, ref_assignment = reference(x_ref, return_assignment=True)
    assert chunks == [2, 1]
    weight = torch.randn_like(out)
    (out * weight).sum().backward()
    (ref_out * weight).sum().backward()
    _assert_close(out, ref_out, 'output')
    assert torch.equal(assignment, ref_assignment)
    _assert_close(x.grad, x_ref.grad, 'input gradient')
    for (name, param), ref_param in zip(cluster.named_parameters(), reference.parameters()):
        _assert_close(param.grad, ref_param.grad, f'gradient of {name}')


@pytest.mark.parametrize('low_memory', [False, True])  # True: fused MLPs with frozen weights
@pytest.mark.parametrize('frozen_stages', [0, 2])
def test_frozen_stages_really_freeze(frozen_stages, low_memory):
    model = ContextCluster('tiny', out_indices=(0, 1, 2, 3), frozen_stages=frozen_stages,
                           drop_path_rate=0.1, low_memory=low_memory)
    model.train()
    frozen = [model.patch_embed, *model.network[:max(2 * frozen_stages - 1, 0)],
              *[getattr(model, f'norm{2 * i}') for i in range(frozen_stages)]]
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    sum(out.mean() for out in model(torch.randn(2, 3, 64, 64))).backward()
    frozen_params = {id(p) for m in frozen for p in m.parameters()}
    for name, param in model.named_parameters():
        if id(param) in frozen_params:
            assert not param.requires_grad and param.grad is None, name
        else:
            assert param.requires_grad and param.grad is not None, name
    assert torch.equal(model.patch_embed.proj.weight, before['patch_embed.proj.weight'])
    assert all(not m.training for m in frozen)
    assert all(m.training for m in model.network[max(2 * frozen_stages - 1, 0):])


def test_norm_eval_keeps_batch_norm_statistics():
    model = ContextCluster('tiny', norm_cfg=dict(type='BN'), norm_eval=True)
    model.train()
    norm = model.network[0][0].norm1
    running_mean = norm.running_mean.clone()
    model(torch.randn(2, 3, 64, 64))
    assert not norm.training and torch.equal(norm.running_mean, running_mean)
    assert model.network[0][0].token_mixer.training  # only the norms switch to eval
    model = ContextCluster('tiny', norm_cfg=dict(type='BN'))
    model.train()
    model(torch.randn(2, 3, 64, 64))
    assert not torch.equal(model.network[0][0].norm1.running_mean, running_mean)


@pytest.mark.parametrize('arch, match', [
    ('huge', "Unknown ContextCluster arch 'huge'"),
    (dict(ContextCluster.arch_settings['tiny'], heads=[4, 4, 8]), r"arch\['heads'\]"),
    (dict(ContextCluster.arch_settings['tiny'], fold=[8, 4, 2]), r"arch\['fold'\]"),
    (dict(ContextCluster.arch_settings['tiny'], proposal=[2, 2, 0, 2]), r"arch\['proposal'\]"),
    (dict(ContextCluster.arch_settings['tiny'], proposal=[2., 2, 2, 2]), r"arch\['proposal'\]"),
    (dict(ContextCluster.arch_settings['tiny'], head_dims=24), r"unknown \['head_dims'\]"),
])
def test_bad_arch_is_named(arch, match):
    with pytest.raises(ValueError, match=match):
        ContextCluster(arch)


def test_bad_settings_and_inputs_are_named():
    with pytest.raises(ValueError, match='out_indices'):
        ContextCluster('tiny', out_indices=(4, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        ContextCluster('tiny', frozen_stages=5)
    with pytest.raises(ValueError, match='at least 4x4 pixels'):
        ContextCluster('tiny')(torch.randn(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r'needs \[B, C, H, W\] images .* got shape \(3, 8\)'):
        ContextCluster('tiny')(torch.randn(3, 8))


@pytest.mark.parametrize('config', sorted(p.name for p in (REPO / 'configs' / 'coc').glob('*.py')))
def test_config_builds_model_and_optimizer(config):
    cfg = Config.fromfile(REPO / 'configs' / 'coc' / config)
    model = MODELS.build(cfg.model)
    num_classes = cfg.model.head.num_classes
    assert model(torch.randn(1, 3, 32, 32), mode='tensor').shape == (1, num_classes)
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    optim_cfg.type = OptimWrapper  # AMP needs a GPU; the parameter groups do not
    optimizer = build_optim_wrapper(model, optim_cfg).optimizer
    decay = {id(p): g['weight_decay'] for g in optimizer.param_groups for p in g['params']}
    backbone = model.backbone
    for param in (backbone.network[0][0].token_mixer.sim_alpha, backbone.network[0][0].layer_scale_1,
                  backbone.network[0][0].norm1.weight, backbone.network[0][0].mlp.fc1.bias):
        assert decay[id(param)] == 0
    assert decay[id(backbone.network[0][0].mlp.fc1.weight)] == 0.05


def _region_settings():
    """Every (proposal, fold) pair a stage of a registered arch uses."""
    settings = set()
    for arch in ContextCluster.arch_settings.values():
        layers = len(arch['layers'])
        for key in ('proposal', 'fold'):
            if isinstance(arch[key], int):
                arch = dict(arch, **{key: [arch[key]] * layers})
        settings.update((p, f) for p, f in zip(arch['proposal'], arch['fold']))
    return sorted(settings)


@pytest.mark.parametrize('proposal, fold', _region_settings() + [((2, 3), (4, 5))])
@pytest.mark.parametrize('size', [(7, 9), (13, 13), (15, 17), (56, 56)])
@pytest.mark.parametrize('dtype, tol', [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_region_pool_equals_adaptive_avg_pool_of_each_region(proposal, fold, size, dtype, tol):
    """The matmul pool (deterministic on CUDA) gives each region's adaptive_avg_pool2d, values
    and gradients, for folds and proposals that do not divide the sides."""
    proposal, fold = (proposal, proposal) if isinstance(proposal, int) else proposal, (
        (fold, fold) if isinstance(fold, int) else fold)
    torch.manual_seed(0)
    x = torch.randn(2, 3, *size, dtype=dtype, requires_grad=True)
    regions = RegionPartition(size, fold, x.device)
    pooled = regions.pool(regions.split(x.permute(0, 2, 3, 1)), proposal).transpose(1, 2)
    expected = torch.stack([
        F.adaptive_avg_pool2d(x[:, :, rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], proposal)
        for rows in np.array_split(np.arange(size[0]), regions.count[0])
        for cols in np.array_split(np.arange(size[1]), regions.count[1])], dim=1).flatten(0, 1)
    assert pooled.shape == (2 * regions.num_regions, 3, proposal[0] * proposal[1])
    _assert_close(pooled, expected.flatten(-2), 'pooled centers', tol=tol)
    weight = torch.randn_like(pooled)
    grad, = torch.autograd.grad((pooled * weight).sum(), x)
    expected_grad, = torch.autograd.grad((expected.flatten(-2) * weight).sum(), x)
    _assert_close(grad, expected_grad, 'input gradient', tol=tol)


def test_backbone_calls_no_op_that_is_nondeterministic_on_cuda():
    """``randomness.deterministic=True`` makes CUDA refuse these ops (the list of
    ``torch.use_deterministic_algorithms``); forward and backward must use none of them."""
    refused_on_cuda = {'aten::_adaptive_avg_pool2d_backward', 'aten::adaptive_max_pool2d_backward',
                       'aten::avg_pool3d_backward', 'aten::upsample_bilinear2d_backward',
                       'aten::reflection_pad2d_backward', 'aten::grid_sampler_2d_backward',
                       'aten::put_', 'aten::histc', 'aten::kthvalue', 'aten::median'}
    model = ContextCluster('tiny', out_indices=(0, 3))
    x = torch.randn(1, 3, 60, 44)  # stage maps that do not divide by the folds
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        sum(out.sum() for out in model(x)).backward()
    called = {event.name for event in prof.events()}
    assert 'aten::mm' in called or 'aten::matmul' in called
    assert not called & refused_on_cuda, called & refused_on_cuda


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_point_norm_is_finite_for_large_half_precision_points(dtype):
    """|x| > 256 squares to inf in fp16; the norm is taken in fp32 and cast back."""
    torch.manual_seed(0)
    points = (torch.randn(3, 10, 24) * 2000).to(dtype).requires_grad_()  # [G, N, D]
    norms = _PointNorm.apply(points)
    reference = points.detach().double().norm(dim=-1).unsqueeze(1)  # [G, 1, N]
    assert norms.dtype == dtype and torch.isfinite(norms).all()
    torch.testing.assert_close(norms.double(), reference, **_HALF_TOL[dtype])
    grad, = torch.autograd.grad(norms.sum(), points)
    assert grad.dtype == dtype and torch.isfinite(grad).all()
    torch.testing.assert_close(grad.double(), points.detach().double() / reference.transpose(1, 2),
                               **_HALF_TOL[dtype])


_HALF_TOL = {torch.float16: dict(rtol=2e-3, atol=1e-3), torch.bfloat16: dict(rtol=1.6e-2,
                                                                              atol=1e-2)}


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_cluster_under_autocast_matches_fp32_for_large_inputs(dtype):
    """A Cluster under CPU autocast: finite, and the fp32 result within the dtype's rounding."""
    torch.manual_seed(0)
    cluster = _randomize_scalars(Cluster(16, heads=2, head_dim=8, proposal=2, fold=2))
    x = torch.randn(2, 16, 8, 8) * 300
    expected = cluster(x)
    with torch.autocast('cpu', dtype=dtype):
        out = cluster(x)
    assert torch.isfinite(out).all()
    _assert_close(out.float(), expected, f'{dtype} output', tol=3e-2)
