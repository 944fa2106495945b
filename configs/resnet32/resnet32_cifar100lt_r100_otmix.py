# OTmix's settings (Gao et al., NeurIPS 2023) on the CMO pipeline, for comparison: OT cost
# 0.05 (1 - cos) + 0.95 (1 - confusion[y_fg, y_bg]), eps 0.01, OT used with probability
# (epoch / E)^u (u = 1 here, a linear ramp), lam ~ Beta(4, 4). The confusion matrix comes
# from training predictions of a CE model (OTmix's code used the test set).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import OTmixPairing

confusion_file = 'work_dirs/resnet32_cifar100lt_r100_ce/confusion_train.npy'
model.update(pairing=dict(type=OTmixPairing, num_classes=100, confusion=confusion_file,
                          feature_weight=0.05, eps=0.01))
model.mixer.update(alpha=4.0)
model.schedule.update(guide_power=1.0)
