"""The installed stack is the one coc needs (checked once here, not in every test)."""
import torch


def test_openmmlab_stack_imports():
    import coc  # noqa: F401
    import mmdet
    import mmpretrain
    import ot
    assert mmdet.__version__ == '3.3.0'
    assert mmpretrain.__version__ == '1.2.0'
    assert callable(ot.bregman.sinkhorn_log)  # the log-domain solver the OT pairing uses


def test_mmcv_compiled_ops_run_on_cpu():
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    _, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]


def test_opencv_contrib_saliency_is_importable():
    import cv2
    assert cv2.saliency.StaticSaliencyFineGrained_create() is not None
