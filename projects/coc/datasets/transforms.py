"""Data-pipeline transforms: the saliency map of each training image, computed in the
dataloader workers instead of on the training process."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS

from coc.mixing.saliency import SALIENCY_KEY, image_saliency

CHANNEL_ORDERS = ('rgb', 'bgr')


@TRANSFORMS.register_module()
class SaliencyMap(BaseTransform):
    """OpenCV's fine-grained static saliency of ``results['img']``, stored as
    ``results['saliency_map']`` (float32 ``[H, W]`` in [0, 1]) for ``SaliencyBox``.

    Put it after every transform that moves pixels (crop, flip) and just before
    ``PackInputs(algorithm_keys=('saliency_map', ))``, so that the map is that of the image the
    model sees: the map of the batch the data preprocessor makes, as ``SaliencyBox`` would
    compute it on the training process.

    Args:
        channel_order: the order of ``results['img']``'s channels: ``'rgb'`` (e.g.
            MMPretrain's CIFAR datasets) or ``'bgr'`` (images read from files by OpenCV);
            OpenCV's grey conversion wants BGR.
    """

    def __init__(self, channel_order: str = 'bgr') -> None:
        if channel_order not in CHANNEL_ORDERS:
            raise ValueError(f'SaliencyMap channel_order must be one of {CHANNEL_ORDERS} (the '
                             f"order of results['img']), got {channel_order!r}")
        self.channel_order = channel_order

    def transform(self, results: dict) -> dict:
        image = np.asarray(results['img'])
        if image.dtype != np.uint8:
            raise ValueError(f'SaliencyMap needs the uint8 image of the pipeline, got '
                             f'{image.dtype}: put it before transforms that change the dtype')
        if image.ndim == 2:
            image = image[..., None]
        results[SALIENCY_KEY] = image_saliency(image, to_bgr=self.channel_order == 'rgb')
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(channel_order={self.channel_order!r})'
