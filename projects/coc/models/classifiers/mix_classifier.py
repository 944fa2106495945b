"""MixClassifier: an ImageClassifier trained with guided minority-oversampling mixing
(CMO, confusion/cost/OT pairing, saliency or predicted boxes, AlignMixup):
docs/guided_cutmix.md.

Mixing lives in ``loss()``: ``MMDistributedDataParallel.train_step`` calls the data
preprocessor and ``forward(mode='loss')`` itself, so an overridden ``train_step`` would be
skipped under DDP. Training batches come from ``TwoStreamBatchSampler``: backgrounds (the
instance-balanced stream) then as many foregrounds (the class-aware stream).
"""
import re
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import get_dist_info
from mmengine.logging import MessageHub
from mmpretrain.models import GlobalAveragePooling, ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from coc.losses.soft_cross_entropy import LongTailLossBase
from coc.mixing.distributed import broadcast_from_first, fetch_rows, gather_rows
from coc.mixing.schedule import MixSchedule
from ..ghost_bn import GhostBatchNorm
from .mixers import CutMixer

FEATURE_SOURCES = ("'logits', 'pre_logits', 'neck', 'backbone', 'backbone.<i>', 'backbone_map' "
                   "or 'backbone_map.<i>'")
# The transport cost's log key: MMEngine logs the mean of a key's last values, and steps that do
# not mix add none, so the logged number is a mean over recent mixing steps only.
OT_COST_KEY = 'loss_ot_cost_on_mixing_steps'


@MODELS.register_module()
class MixClassifier(ImageClassifier):
    """ImageClassifier whose training step mixes a foreground into a chosen background.

    A mixing step (probability and epoch window from ``schedule``): features of both
    streams -> ``pairing`` picks each foreground's background (over the global batch when
    ``global_pairing`` and several processes) -> ``mixer`` mixes and classifies -> loss
    ``lam_i * L(out_i, y_bg) + (1 - lam_i) * L(out_i, y_fg)`` with the head's loss module
    (CE, Balanced Softmax, LDAM, ...) plus ``ot_cost_weight * <T, C>`` when the pairing
    returns a transport cost (logged as ``loss_ot_cost_on_mixing_steps``). Other steps train
    on the backgrounds alone (CMO).

    Args:
        backbone, neck, head, pretrained, train_cfg, data_preprocessor, init_cfg:
            as ``ImageClassifier``.
        mixer: mixing mode, ``CutMixer`` (default) or ``AlignMixer``.
        pairing: background choice, a registered pairing (``RandomPairing``,
            ``ConfusionPairing``, ``CostMatrixPairing``, ``OTPairing``, ``OTmixPairing``).
        features: what the pairing compares: ``'logits'`` (the notes' ``model(input)``),
            ``'pre_logits'``, ``'neck'``, ``'backbone'`` (last map) or ``'backbone.<i>'``
            (the i-th backbone output), average-pooled; ``'backbone_map'`` /
            ``'backbone_map.<i>'``: the same map flattened, not pooled (OTmix's ``model_f``,
            every layer but the classifier). Computed in fp32.
        feature_pass: ``'forward'`` (faithful: extra forward passes of both streams) or
            ``'remembered'`` (no extra pass: each image's features as last seen, see
            ``_remember``; needs a global-average-pooling neck).
        schedule: ``MixSchedule`` arguments (mix_prob, start_epoch, end_epochs,
            guide_power, guide_per); a step without guidance pairs at random.
        ot_cost_weight: weight of the pairing's transport cost in the loss (the notes'
            "+cost"); > 0 makes the feature pass differentiable.
        global_pairing: pair over all processes' batches (DDP) instead of each process's.
        ghost_bn_size: if set, every BatchNorm normalises chunks of this many samples.
    """

    def __init__(self, backbone: dict, neck: Optional[dict] = None, head: Optional[dict] = None,
                 mixer: dict = dict(type='CutMixer'), pairing: dict = dict(type='RandomPairing'),
                 features: str = 'logits', feature_pass: str = 'forward',
                 schedule: dict = dict(), ot_cost_weight: float = 0.0,
                 global_pairing: bool = True, ghost_bn_size: Optional[int] = None, **kwargs):
        super().__init__(backbone, neck=neck, head=head, **kwargs)
        self.mixer = MODELS.build(mixer)
        self.mixer.check(self)
        self.pairing = MODELS.build(pairing)
        self.random_pairing = MODELS.build(dict(type='RandomPairing'))
        self.schedule = MixSchedule(**schedule)
        self.features = self._check_features(features)
        if feature_pass not in ('forward', 'remembered'):
            raise ValueError(f"feature_pass must be 'forward' or 'remembered', got "
                             f'{feature_pass!r}')
        if feature_pass == 'remembered':
            if self.with_neck and not isinstance(self.neck, GlobalAveragePooling):
                raise ValueError("feature_pass='remembered' pools image regions of the last "
                                 'backbone map and needs a GlobalAveragePooling neck (or none)')
            if not isinstance(self.mixer, CutMixer) or self.mixer.needs_model_map:
                raise ValueError("feature_pass='remembered' reads both sources' features from "
                                 'the mixed pass of a CutMixer with a model-free placer: use '
                                 "feature_pass='forward' for AlignMixer or PredictedBox")
            if ot_cost_weight:
                raise ValueError("feature_pass='remembered' features are not differentiable: "
                                 "use feature_pass='forward' with ot_cost_weight > 0")
            if self.features.startswith('backbone_map'):
                raise ValueError("feature_pass='remembered' pools image regions, but "
                                 f"features={self.features!r} is an unpooled map: use "
                                 "feature_pass='forward', or features='backbone'")
        self.feature_pass = feature_pass
        if ot_cost_weight and not getattr(self.pairing, 'with_cost', False):
            raise ValueError('ot_cost_weight > 0 adds the transport cost <T, C> to the loss: use '
                             'pairing=dict(type=OTPairing, with_cost=True, ...)')
        self.ot_cost_weight = ot_cost_weight
        self.global_pairing = global_pairing
        if ghost_bn_size is not None:
            GhostBatchNorm.convert(self, ghost_bn_size)
        # Remembered features per dataset index (``feature_pass='remembered'``); plain
        # attributes, not buffers: they grow, and DDP must not broadcast them.
        self._bank = torch.zeros(0, 0)
        self._bank_seen = torch.zeros(0, dtype=torch.bool)

    def _check_features(self, features: str) -> str:
        if not isinstance(features, str) or not re.fullmatch(
                r'logits|pre_logits|neck|backbone(_map)?(\.\d+)?', features):
            raise ValueError(f'features={features!r} does not exist: use {FEATURE_SOURCES}')
        if features == 'neck' and not self.with_neck:
            raise ValueError("features='neck' but the model has no neck: use 'backbone' or "
                             "'logits'")
        return features

    # ----------------------------------------------------------------------------- forward
    def classify(self, inputs: Tensor) -> Tensor:
        """Logits of a batch of images (kept backbone maps for ``feature_pass='remembered'``)."""
        maps = self.backbone(inputs)
        if self.feature_pass == 'remembered':
            self._last_mixed, self._last_maps = inputs, maps
        return self.head(self.neck(maps) if self.with_neck else maps)

    def _features_of(self, maps: tuple, weights: Optional[Tensor] = None) -> Tensor:
        """Pairing features ``[B, D]`` (fp32) of backbone outputs ``maps``, pooled over the
        whole image or, given ``weights [B, 1, H, W]``, over a weighted region of it."""
        if self.features.startswith('backbone'):
            index = int(self.features.split('.')[1]) if '.' in self.features else -1
            if not -len(maps) <= index < len(maps):
                raise ValueError(f'features={self.features!r} does not exist: the backbone '
                                 f'returns {len(maps)} maps (see its out_indices); use '
                                 f'{FEATURE_SOURCES}')
            if self.features.startswith('backbone_map'):
                return maps[index].flatten(1).float()
            return _pool(maps[index], weights).float()
        if weights is None:
            pooled = self.neck(maps) if self.with_neck else maps
        else:
            pooled = (_pool(maps[-1], weights), )
        if self.features == 'neck':
            return _pool(pooled[-1]).float()
        if self.features == 'pre_logits':
            return self.head.pre_logits(pooled).float()
        return self.head(pooled).float()

    def _class_activation(self, last_map: Tensor, labels: Tensor) -> Tensor:
        """Class-activation map ``[B, h, w]`` of ``labels`` from the last backbone map
        (Zhou et al. 2016: the linear head's class weights over the channels)."""
        fc = getattr(self.head, 'fc', None)
        if fc is None or fc.weight.shape[1] != last_map.shape[1]:
            raise ValueError('PredictedBox needs a head with a linear `fc` on the pooled last '
                             'backbone map (class-activation map)')
        return torch.einsum('bchw,bc->bhw', last_map.float(), fc.weight[labels].float())

    # -------------------------------------------------------------------------------- loss
    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        if inputs.shape[0] % 2:
            raise ValueError(
                f'MixClassifier trains on two-stream batches (backgrounds then foregrounds) of '
                f'even size, got {inputs.shape[0]} images: set train_dataloader.batch_sampler='
                f'dict(type=TwoStreamBatchSampler, fg_sampler=...)')
        half = inputs.shape[0] // 2
        bg, fg = inputs[:half], inputs[half:]
        bg_samples, fg_samples = data_samples[:half], data_samples[half:]
        mix, guided = self._decide(inputs.device)
        if not mix:
            return self._plain_loss(bg, bg_samples)
        if self._pairing_world() * half < 2:
            raise ValueError('a mixing batch needs at least 2 backgrounds to choose from, got 1: '
                             'use batch_size >= 2 per stream')
        remembered = self.feature_pass == 'remembered'
        bg_labels = torch.cat([s.gt_label for s in bg_samples]).to(inputs.device)
        fg_labels = torch.cat([s.gt_label for s in fg_samples]).to(inputs.device)
        if remembered:
            bg_ids = self._sample_ids(bg_samples, inputs.device)
            fg_ids = self._sample_ids(fg_samples, inputs.device)
            # Until every image of the (global) batch was seen once, pair at random.
            guided = guided and self._all_remembered(torch.cat([bg_ids, fg_ids]))
        pairing = self.pairing if guided else self.random_pairing
        space = getattr(pairing, 'space', 'feature')
        bg_feats = fg_feats = fg_map = None
        if space == 'input':
            bg_feats, fg_feats = bg, fg
        elif remembered and guided:
            bank = self._bank.to(inputs.device)
            bg_feats, fg_feats = bank[bg_ids], bank[fg_ids]
        if self.mixer.needs_model_map or (space == 'feature' and not remembered):
            bg_feats, fg_feats, fg_map = self._fresh_features(bg, fg, fg_labels, space)
        bg_index, cost = self._pair(pairing, bg_feats, fg_feats, bg_labels, fg_labels)
        paired_bg, paired_labels = self._take(bg, bg_index), self._take(bg_labels, bg_index)
        cls_score, lam_bg = self.mixer(self, paired_bg, fg, fg_map=fg_map)
        losses = dict(loss=self._mixed_loss(cls_score, paired_labels, fg_labels, lam_bg))
        if cost is not None and self.ot_cost_weight:
            losses[OT_COST_KEY] = self.ot_cost_weight * cost
        if remembered:
            self._remember_mixed(paired_bg, self._take(bg_ids, bg_index), fg_ids)
        return losses

    def _mixed_loss(self, cls_score: Tensor, bg_labels: Tensor, fg_labels: Tensor,
                    lam_bg: Tensor) -> Tensor:
        """``mean_i lam_i L(out_i, y_bg_i) + (1 - lam_i) L(out_i, y_fg_i)`` with the head's
        loss: our long-tail losses take the label pair and weigh it by their ``pair_form``
        (one soft-target mean, or CMO's two weighted means under DRW weights); MMPretrain's
        losses take per-sample weights."""
        loss_module = self.head.loss_module
        lam_bg = lam_bg.to(cls_score.device, torch.float32)
        batch = cls_score.shape[0]
        if isinstance(loss_module, LongTailLossBase):
            return loss_module(cls_score, bg_labels, y_b=fg_labels, lam=lam_bg, avg_factor=batch)
        return (loss_module(cls_score, bg_labels, weight=lam_bg, avg_factor=batch)
                + loss_module(cls_score, fg_labels, weight=1 - lam_bg, avg_factor=batch))

    def _plain_loss(self, bg: Tensor, bg_samples: List[DataSample]) -> dict:
        """CMO's step without mixing: the backgrounds alone. Feeds a running confusion
        matrix and the remembered features."""
        maps = self.backbone(bg)
        pooled = self.neck(maps) if self.with_neck else maps
        losses = self.head.loss(pooled, bg_samples)
        if getattr(self.pairing, 'running', False):
            labels = torch.cat([s.gt_label for s in bg_samples]).to(bg.device)
            self.pairing.update(self.head(pooled).detach(), labels)
        if self.feature_pass == 'remembered':
            self._remember(self._sample_ids(bg_samples, bg.device), self._features_of(maps))
        return losses

    def _decide(self, device) -> Tuple[bool, bool]:
        """Whether this step mixes and whether it uses the guided pairing; drawn on rank 0
        so that every process takes the same branch (and calls the same collectives)."""
        hub = MessageHub.get_current_instance()
        epoch, max_epochs = hub.get_info('epoch', 0), hub.get_info('max_epochs', 1)
        probs = torch.tensor([self.schedule.mix_probability(epoch, max_epochs),
                              self.schedule.guide_probability(epoch, max_epochs)])
        draws = (torch.rand(2) < probs).to(device=device, dtype=torch.uint8)
        draws = broadcast_from_first(draws)
        mix, guided = draws.tolist()
        return bool(mix), self.schedule.guided(epoch, bool(guided))

    def _fresh_features(self, bg: Tensor, fg: Tensor, fg_labels: Tensor, space):
        """Extra forward passes of both streams: the pairing's features when it compares
        model features (differentiable when the transport cost is a loss term), and the
        foreground's class-activation map when the placer wants it."""
        with torch.set_grad_enabled(self.ot_cost_weight > 0 and torch.is_grad_enabled()):
            # Two passes, as the notes' model(input), model(input2): BatchNorm sees each stream.
            bg_maps, fg_maps = self.backbone(bg), self.backbone(fg)
            bg_feats = fg_feats = None
            if space == 'feature':
                bg_feats, fg_feats = self._features_of(bg_maps), self._features_of(fg_maps)
            elif space == 'input':
                bg_feats, fg_feats = bg, fg
        fg_map = None
        if self.mixer.needs_model_map:
            fg_map = self._class_activation(fg_maps[-1].detach(), fg_labels)
        return bg_feats, fg_feats, fg_map

    def _pair(self, pairing, bg_feats, fg_feats, bg_labels, fg_labels):
        """Each local foreground's background (a global index when pairing globally) and the
        transport cost."""
        world = self._pairing_world()
        if world > 1:
            bg_labels, fg_labels = gather_rows(bg_labels)[0], gather_rows(fg_labels)[0]
            if bg_feats is not None:
                bg_feats, fg_feats = gather_rows(bg_feats)[0], gather_rows(fg_feats)[0]
        # OT stays in fp32 under AMP: Sinkhorn's exponentials overflow in half precision.
        with torch.autocast(device_type=bg_labels.device.type, enabled=False):
            result = pairing(bg_feats, fg_feats, bg_labels, fg_labels)
        bg_index = result.bg_index.to(bg_labels.device).long()
        cost = result.transport_cost
        if world > 1:
            bg_index = broadcast_from_first(bg_index)
            if cost is not None:
                # Same value, world-size times the gradient: DDP averages the per-rank
                # gradients, and each rank's features carry grad in its own slice only.
                cost = cost * world - cost.detach() * (world - 1)
        return bg_index, cost

    def _pairing_world(self) -> int:
        """How many processes' batches one pairing spans."""
        return get_dist_info()[1] if self.global_pairing else 1

    def _take(self, rows: Tensor, bg_index: Tensor) -> Tensor:
        """Rows ``bg_index`` of this process's background stream (global indices, fetched
        from their processes, when pairing globally)."""
        return fetch_rows(rows, bg_index) if self.global_pairing else rows[bg_index]

    # ---------------------------------------------------------------- remembered features
    @staticmethod
    def _sample_ids(samples: List[DataSample], device) -> Tensor:
        if 'sample_idx' not in samples[0]:
            raise ValueError("feature_pass='remembered' needs each image's dataset index: keep "
                             "'sample_idx' in PackInputs' meta_keys")
        return torch.tensor([s.sample_idx for s in samples], device=device)

    def _all_remembered(self, ids: Tensor) -> bool:
        """Whether every image of the (global) batch has remembered features; the same
        answer on every rank, whose banks are kept identical."""
        if self.global_pairing:
            ids = gather_rows(ids)[0]
        seen = self._bank_seen.to(ids.device)
        return bool((ids < seen.numel()).all()) and bool(seen[ids].all())

    @torch.no_grad()
    def _remember(self, ids: Tensor, feats: Tensor) -> None:
        """Store detached features of the images ``ids`` of every process."""
        feats = feats.detach().float()
        if self.global_pairing:
            ids, feats = gather_rows(ids)[0], gather_rows(feats)[0]
        size = max(int(ids.max()) + 1, self._bank_seen.numel())
        if size > self._bank_seen.numel() or self._bank.shape[1] != feats.shape[1]:
            bank = feats.new_zeros(size, feats.shape[1])
            seen = torch.zeros(size, dtype=torch.bool, device=feats.device)
            if self._bank.shape[1] == feats.shape[1]:
                bank[:self._bank.shape[0]] = self._bank.to(bank.device)
                seen[:self._bank_seen.numel()] = self._bank_seen.to(seen.device)
            self._bank, self._bank_seen = bank, seen
        self._bank[ids] = feats
        self._bank_seen[ids] = True

    def _remember_mixed(self, paired_bg: Tensor, bg_ids: Tensor, fg_ids: Tensor) -> None:
        """Features of both sources of the mixed batch, read from its forward pass: the last
        backbone map pooled outside the pasted region (the background) and inside it (the
        foreground). Pixels equal in both images count as background: either choice sees the
        same content."""
        maps, mixed = self._last_maps, self._last_mixed
        self._last_maps = self._last_mixed = None
        pasted = (mixed != paired_bg).any(1, keepdim=True).float()
        with torch.no_grad():
            maps = tuple(m.detach() for m in maps)
            self._remember(fg_ids, self._features_of(maps, pasted))
            self._remember(bg_ids, self._features_of(maps, 1 - pasted))


def _pool(feats: Tensor, weights: Optional[Tensor] = None) -> Tensor:
    """Average of a ``[B, C, h, w]`` map over space, or over ``weights [B, 1, H, W]``
    resized to the map; vectors pass through."""
    if feats.dim() == 2:
        return feats
    if weights is None:
        return feats.flatten(2).mean(2)
    weights = F.adaptive_avg_pool2d(weights.to(feats.dtype), feats.shape[-2:])
    return (feats * weights).sum((2, 3)) / weights.sum((2, 3)).clamp_min(1e-6)
