"""MixClassifier: an ImageClassifier trained with guided minority-oversampling mixing
(CMO, confusion/cost/OT pairing, saliency or predicted boxes, AlignMixup):
docs/guided_cutmix.md.

Mixing lives in ``loss()``: ``MMDistributedDataParallel.train_step`` calls the data
preprocessor and ``forward(mode='loss')`` itself, so an overridden ``train_step`` would be
skipped under DDP. Training batches come from ``TwoStreamBatchSampler``: backgrounds (the
instance-balanced stream) then as many foregrounds (the class-aware stream).
"""
import re
from typing import List, NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.models import GlobalAveragePooling, ImageClassifier, LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from coc.losses.soft_cross_entropy import LongTailLossBase
from coc.mixing.distributed import PairingExchange
from coc.mixing.pairing import Pairing
from coc.mixing.registry import MIXERS, PAIRINGS
from coc.mixing.saliency import sample_saliency_maps
from coc.mixing.schedule import MixSchedule
from ..ghost_bn import GhostBatchNorm
from .feature_bank import FeatureBank

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
        self.mixer = MIXERS.build(mixer)
        self.mixer.check(self)
        if self.mixer.needs_model_map and not isinstance(self.head, LinearClsHead):
            raise ValueError('PredictedBox needs a head with a linear `fc` on the pooled last '
                             'backbone map (class-activation map), e.g. LinearClsHead')
        self.pairing = PAIRINGS.build(pairing)
        self.random_pairing = PAIRINGS.build(dict(type='RandomPairing'))
        self.schedule = MixSchedule(**schedule)
        self.features = self._check_features(features)
        if feature_pass not in ('forward', 'remembered'):
            raise ValueError(f"feature_pass must be 'forward' or 'remembered', got "
                             f'{feature_pass!r}')
        if ot_cost_weight and not self.pairing.with_cost:
            raise ValueError('ot_cost_weight > 0 adds the transport cost <T, C> to the loss: use '
                             'pairing=dict(type=OTPairing, with_cost=True, ...)')
        self.ot_cost_weight = ot_cost_weight
        self.exchange = PairingExchange(global_pairing)
        # Remembered features per dataset index (``feature_pass='remembered'``).
        self.bank = self._check_remembered() if feature_pass == 'remembered' else None
        if ghost_bn_size is not None:
            GhostBatchNorm.convert(self, ghost_bn_size)

    def _check_features(self, features: str) -> str:
        if not isinstance(features, str) or not re.fullmatch(
                r'logits|pre_logits|neck|backbone(_map)?(\.\d+)?', features):
            raise ValueError(f'features={features!r} does not exist: use {FEATURE_SOURCES}')
        if features == 'neck' and not self.with_neck:
            raise ValueError("features='neck' but the model has no neck: use 'backbone' or "
                             "'logits'")
        return features

    def _check_remembered(self) -> FeatureBank:
        if self.with_neck and not isinstance(self.neck, GlobalAveragePooling):
            raise ValueError("feature_pass='remembered' pools image regions of the last "
                             'backbone map and needs a GlobalAveragePooling neck (or none)')
        if self.mixer.mixes_in_model or self.mixer.needs_model_map:
            raise ValueError("feature_pass='remembered' reads both sources' features from "
                             'the mixed pass of a CutMixer with a model-free placer: use '
                             "feature_pass='forward' for AlignMixer or PredictedBox")
        if self.ot_cost_weight:
            raise ValueError("feature_pass='remembered' features are not differentiable: "
                             "use feature_pass='forward' with ot_cost_weight > 0")
        if self.features.startswith('backbone_map'):
            raise ValueError("feature_pass='remembered' pools image regions, but "
                             f"features={self.features!r} is an unpooled map: use "
                             "feature_pass='forward', or features='backbone'")
        return FeatureBank()

    # ----------------------------------------------------------------------------- forward
    def classify(self, inputs: Tensor) -> Tensor:
        """Logits of a batch of images."""
        return self._head(self.backbone(inputs))

    def _head(self, maps: tuple) -> Tensor:
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
        weight = self.head.fc.weight
        if weight.shape[1] != last_map.shape[1]:
            raise ValueError('PredictedBox needs a head with a linear `fc` on the pooled last '
                             'backbone map (class-activation map)')
        return torch.einsum('bchw,bc->bhw', last_map.float(), weight[labels].float())

    # -------------------------------------------------------------------------------- loss
    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        """Decide -> features -> pair -> mix -> loss (see the class docstring)."""
        streams = TwoStreams.split(inputs, data_samples, with_ids=self.bank is not None,
                                   with_saliency=self.mixer.needs_saliency_maps)
        mix, guided = self._decide(inputs.device, len(streams.bg))
        if not mix:
            return self._plain_loss(streams)
        if self.exchange.world * len(streams.bg) < 2:
            raise ValueError('a mixing batch needs at least 2 backgrounds to choose from, got 1: '
                             'use batch_size >= 2 per stream')
        pairing = self._pairing_for(guided, streams)
        bg_feats, fg_feats, fg_map = self._pairing_inputs(pairing, streams)
        bg_index, cost = self._pair(pairing, bg_feats, fg_feats, streams.bg_labels,
                                    streams.fg_labels)
        paired_bg, paired_labels, paired_ids, paired_saliency = self.exchange.take(
            bg_index, streams.bg, streams.bg_labels, streams.bg_ids, streams.bg_saliency)
        cls_score, lam_bg = self._classify_mixed(paired_bg, streams, fg_map, paired_ids,
                                                 paired_saliency)
        losses = dict(loss=self._mixed_loss(cls_score, paired_labels, streams.fg_labels, lam_bg))
        if cost is not None and self.ot_cost_weight:
            losses[OT_COST_KEY] = self.ot_cost_weight * cost
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

    def _plain_loss(self, streams: 'TwoStreams') -> dict:
        """CMO's step without mixing: the backgrounds alone. Feeds a running confusion
        matrix and the remembered features."""
        maps = self.backbone(streams.bg)
        pooled = self.neck(maps) if self.with_neck else maps
        losses = self.head.loss(pooled, streams.bg_samples)
        if self.pairing.running:
            self.pairing.update(self.head(pooled).detach(), streams.bg_labels)
        if self.bank is not None:
            self._remember(streams.bg_ids, self._features_of(maps))
        return losses

    def _decide(self, device, rows: Optional[int] = None) -> Tuple[bool, bool]:
        """Whether this step mixes and whether it uses the guided pairing; drawn on rank 0
        so that every process takes the same branch (and calls the same collectives).
        ``rows``: this process's images per stream, checked against the others' when
        pairing globally."""
        hub = MessageHub.get_current_instance()
        epoch, max_epochs = hub.get_info('epoch', 0), hub.get_info('max_epochs', 1)
        probs = torch.tensor([self.schedule.mix_probability(epoch, max_epochs),
                              self.schedule.guide_probability(epoch, max_epochs)])
        draws = (torch.rand(2) < probs).to(device=device, dtype=torch.uint8)
        mix, guided = self.exchange.agree(draws, rows)
        return bool(mix), self.schedule.guided(epoch, bool(guided))

    def _pairing_for(self, guided: bool, streams: 'TwoStreams') -> Pairing:
        """The guided pairing on guided steps, else the random one; with remembered
        features, random until every image of the (global) batch was seen once."""
        if guided and self.bank is not None:
            ids = self.exchange.gather(torch.cat([streams.bg_ids, streams.fg_ids]))[0]
            guided = self.bank.all_seen(ids)
        return self.pairing if guided else self.random_pairing

    def _pairing_inputs(self, pairing: Pairing, streams: 'TwoStreams'):
        """What ``pairing`` compares (per its ``space``: images, model features from fresh
        passes or the bank, or nothing), and the foregrounds' class-activation map when the
        mixer wants it."""
        if self.mixer.needs_model_map or (pairing.space == 'feature' and self.bank is None):
            return self._fresh_features(streams.bg, streams.fg, streams.fg_labels, pairing.space)
        if pairing.space == 'input':
            return streams.bg, streams.fg, None
        if pairing.space == 'feature':
            return self.bank.lookup(streams.bg_ids), self.bank.lookup(streams.fg_ids), None
        return None, None, None

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

    def _pair(self, pairing: Pairing, bg_feats, fg_feats, bg_labels: Tensor,
              fg_labels: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """Each local foreground's background (a global index when pairing globally) and the
        transport cost."""
        bg_labels, fg_labels, bg_feats, fg_feats = self.exchange.gather(
            bg_labels, fg_labels, bg_feats, fg_feats)
        # OT stays in fp32 under AMP: Sinkhorn's exponentials overflow in half precision.
        with torch.autocast(device_type=bg_labels.device.type, enabled=False):
            result = pairing(bg_feats, fg_feats, bg_labels, fg_labels)
        return self.exchange.share(result.bg_index.to(bg_labels.device).long(),
                                   result.transport_cost)

    def _classify_mixed(self, paired_bg: Tensor, streams: 'TwoStreams',
                        fg_map: Optional[Tensor], paired_ids: Optional[Tensor],
                        paired_saliency: Optional[Tensor]):
        """Logits of the mixed batch and each background label's weight; the bank learns
        both sources' features from the mixed pass."""
        if self.mixer.mixes_in_model:
            return self.mixer(paired_bg, streams.fg, model=self)
        if self.mixer.needs_saliency_maps:
            fg_map = streams.fg_saliency
        mixed, lam_bg = self.mixer(paired_bg, streams.fg, fg_map=fg_map, bg_map=paired_saliency)
        maps = self.backbone(mixed)
        if self.bank is not None:
            self._remember_mixed(maps, mixed, paired_bg, paired_ids, streams.fg_ids)
        return self._head(maps), lam_bg

    # ---------------------------------------------------------------- remembered features
    def _remember(self, ids: Tensor, feats: Tensor) -> None:
        """Store detached features of the images ``ids`` of every process."""
        self.bank.remember(*self.exchange.gather(ids, feats.detach().float()))

    @torch.no_grad()
    def _remember_mixed(self, maps: tuple, mixed: Tensor, paired_bg: Tensor, bg_ids: Tensor,
                        fg_ids: Tensor) -> None:
        """Features of both sources of the mixed batch, read from its forward pass: the last
        backbone map pooled outside the pasted region (the background) and inside it (the
        foreground). Pixels equal in both images count as background: either choice sees the
        same content."""
        pasted = (mixed != paired_bg).any(1, keepdim=True).float()
        maps = tuple(m.detach() for m in maps)
        self._remember(fg_ids, self._features_of(maps, pasted))
        self._remember(bg_ids, self._features_of(maps, 1 - pasted))


class TwoStreams(NamedTuple):
    """A two-stream training batch split into backgrounds (the instance-balanced stream) and
    as many foregrounds (the class-aware stream), with labels and, when asked, dataset
    indices and the saliency maps the data pipeline packed."""
    bg: Tensor
    fg: Tensor
    bg_samples: List[DataSample]
    bg_labels: Tensor
    fg_labels: Tensor
    bg_ids: Optional[Tensor]
    fg_ids: Optional[Tensor]
    bg_saliency: Optional[Tensor] = None
    fg_saliency: Optional[Tensor] = None

    @classmethod
    def split(cls, inputs: Tensor, samples: List[DataSample], with_ids: bool,
              with_saliency: bool = False) -> 'TwoStreams':
        if inputs.shape[0] % 2:
            raise ValueError(
                f'MixClassifier trains on two-stream batches (backgrounds then foregrounds) of '
                f'even size, got {inputs.shape[0]} images: set train_dataloader.batch_sampler='
                f'dict(type=TwoStreamBatchSampler, fg_sampler=...)')
        half = inputs.shape[0] // 2
        labels = torch.cat([s.gt_label for s in samples]).to(inputs.device)
        ids = _sample_ids(samples, inputs.device) if with_ids else None
        maps = sample_saliency_maps(samples, inputs.device) if with_saliency else None
        (bg_ids, fg_ids), (bg_maps, fg_maps) = [
            (None, None) if rows is None else (rows[:half], rows[half:]) for rows in (ids, maps)]
        return cls(inputs[:half], inputs[half:], samples[:half], labels[:half], labels[half:],
                   bg_ids, fg_ids, bg_maps, fg_maps)


def _sample_ids(samples: List[DataSample], device) -> Tensor:
    if 'sample_idx' not in samples[0]:
        raise ValueError("feature_pass='remembered' needs each image's dataset index: keep "
                         "'sample_idx' in PackInputs' meta_keys")
    return torch.tensor([s.sample_idx for s in samples], device=device)


def _pool(feats: Tensor, weights: Optional[Tensor] = None) -> Tensor:
    """Average of a ``[B, C, h, w]`` map over space, or over ``weights [B, 1, H, W]``
    resized to the map; vectors pass through."""
    if feats.dim() == 2:
        return feats
    if weights is None:
        return feats.flatten(2).mean(2)
    weights = F.adaptive_avg_pool2d(weights.to(feats.dtype), feats.shape[-2:])
    return (feats * weights).sum((2, 3)) / weights.sum((2, 3)).clamp_min(1e-6)
