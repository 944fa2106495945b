"""Cosine classifier head: logits are cosines of features and class weights (LDAM-DRW's head)."""
from mmpretrain.models import LinearClsHead
from mmpretrain.models.heads.margin_head import NormProduct
from mmpretrain.registry import MODELS


@MODELS.register_module()
class CosineClsHead(LinearClsHead):
    """``LinearClsHead`` whose logits are ``cos(feature, w_k)`` in [-1, 1], no bias.

    LDAM subtracts its margins from these cosines and scales them by s=30 (LDAM-DRW's
    ``NormedLinear``); an unnormalized linear head would let s blow the logits up.

    Args:
        num_classes, in_channels, **kwargs: as ``LinearClsHead``.
    """

    def __init__(self, num_classes: int, in_channels: int, **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.fc = NormProduct(in_channels, num_classes, bias=False)
