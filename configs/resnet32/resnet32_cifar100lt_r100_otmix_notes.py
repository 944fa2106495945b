# OTmix's cost in the variant of the research notes (docs/guided_cutmix.md), not OTmix's code
# (that is resnet32_cifar100lt_r100_otmix.py): cost 0.05 (1 - cos) + 0.95 (1 - conf[y_fg, y_bg])
# on the logits of both streams (the notes' model(input)), eps 0.01, OT used with probability
# (epoch / E)^u drawn per step (u = 1), lam ~ Beta(4, 4); conf is a fixed matrix from training
# predictions of a CE model with the diagonal dropped and each row scaled to sum to 1.
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.mixing import OTmixPairing

confusion_file = 'work_dirs/resnet32_cifar100lt_r100_ce/confusion_train.npy'
model.update(pairing=dict(type=OTmixPairing, num_classes=100, confusion=confusion_file,
                          confusion_rates='off_diagonal', feature_weight=0.05, eps=0.01))
model.mixer.update(alpha=4.0)
model.schedule.update(guide_power=1.0, guide_per='step')
