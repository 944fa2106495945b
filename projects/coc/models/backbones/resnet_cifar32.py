"""ResNet-32 for CIFAR (He et al. 2016, Sec. 4.2): the backbone of the CIFAR-LT literature."""
from mmpretrain.models import ResNet_CIFAR
from mmpretrain.models.backbones.resnet import BasicBlock
from mmpretrain.registry import MODELS


@MODELS.register_module()
class ResNet32_CIFAR(ResNet_CIFAR):
    """3 stages x 5 basic blocks, 16/32/64 channels, strides 1/2/2 (~0.46M parameters).

    MMPretrain's ``ResNet_CIFAR`` (3x3 stem, no max-pool), which has no depth 32. Shortcuts
    that change shape are MMPretrain's 1x1 conv + BN (option B); LDAM-DRW's code pads with
    zeros (option A), which has 2.8k parameters fewer.

    Args:
        **kwargs: ``ResNet_CIFAR`` arguments (``out_indices``, ``frozen_stages``,
            ``norm_cfg``, ``init_cfg``...); depth and widths are fixed.
    """
    arch_settings = {32: (BasicBlock, (5, 5, 5))}

    def __init__(self, **kwargs) -> None:
        fixed = dict(depth=32, stem_channels=16, base_channels=16, num_stages=3,
                     strides=(1, 2, 2), dilations=(1, 1, 1))
        clash = sorted(set(fixed) & set(kwargs))
        if clash:
            raise TypeError(f'ResNet32_CIFAR fixes {clash}; use ResNet_CIFAR for other shapes')
        super().__init__(**fixed, **{'out_indices': (2, ), **kwargs})
