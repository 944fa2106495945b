"""Single-stream CutMix with a swappable placer, as MMPretrain batch augments.

Used inside ``ClsDataPreprocessor(batch_augments=dict(augments=[...]))``: each sample is
the background of a random partner's patch, like MMPretrain's ``CutMix``, but the box comes
from one of our placers (per-sample ``lam`` by default) and the label weights follow each
pasted area. The two-stream CMO step lives in the mixing classifier instead.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmpretrain.registry import BATCH_AUGMENTS
from torch import Tensor

from .boxes import sample_lam
from .placers import Placer, SaliencyBox
from .registry import PLACERS


@BATCH_AUGMENTS.register_module()
class PlacedCutMix:
    """CutMix whose box placement is any model-free placer.

    Args:
        alpha: Beta(alpha, alpha) parameter of ``lam``.
        placer: a placer or its config (default ``dict(type='RandomBox')``), or
            ``dict(type='SaliencyBox', mode='sal_sal', mean=..., std=...)``.
        per_sample_lam: one ``lam`` per sample (True) or one for the batch (CutMix).
    """

    def __init__(self, alpha: float, placer: Union[dict, Placer, None] = None,
                 per_sample_lam: bool = True):
        self.alpha, self.per_sample_lam = alpha, per_sample_lam
        placer = dict(type='RandomBox') if placer is None else placer
        self.placer = PLACERS.build(placer) if isinstance(placer, dict) else placer
        if self.placer.needs_model_map:
            raise ValueError(f'{type(self.placer).__name__} needs the model\'s map, which a '
                             'batch augment does not have; use it in the mixing classifier')

    def __call__(self, batch_inputs: Tensor, batch_score: Tensor) -> Tuple[Tensor, Tensor]:
        """Mix images ``[B, C, H, W]`` and their one-hot or soft scores ``[B, num_classes]``."""
        batch = batch_inputs.shape[0]
        lam = sample_lam(self.alpha, batch, self.per_sample_lam)
        partner = torch.randperm(batch, device=batch_inputs.device)
        mixed, lam_bg = self.placer(batch_inputs, batch_inputs[partner], lam)
        # ClsDataPreprocessor hands over integer one-hot scores.
        scores = batch_score if batch_score.is_floating_point() else batch_score.float()
        lam_bg = lam_bg.to(scores)[:, None]
        return mixed, lam_bg * scores + (1 - lam_bg) * scores[partner]


@BATCH_AUGMENTS.register_module()
class SaliencyCutMix(PlacedCutMix):
    """CutMix with boxes at saliency peaks (:class:`SaliencyBox`); give the data
    preprocessor's ``mean``/``std`` so that OpenCV sees the original pixels."""

    def __init__(self, alpha: float, mode: str = 'sal_corr',
                 mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None,
                 to_bgr: bool = True, per_sample_lam: bool = True):
        super().__init__(alpha, SaliencyBox(mode, mean, std, to_bgr), per_sample_lam)
