# OTmix (Gao et al., NeurIPS 2023) as its code final_otmix/cifar_train.py runs it, on the CMO
# pipeline, for comparison:
# - cost 0.05 (1 - cos(f_fg, f_bg)) + 0.95 (1 - conf[y_fg, y_bg]) with f the flattened,
#   unpooled last backbone map (its model_f: every layer but the classifier), Sinkhorn eps 0.01;
# - conf: each row of the confusion matrix divided by its sum, then the diagonal zeroed;
# - the matrix is recomputed before every epoch from the current model (OTmix: on the test set;
#   here on the training images through the test pipeline, EpochConfusionHook);
# - OT-or-random drawn once per epoch with probability (epoch / E)^u, u = 1; lam ~ Beta(4, 4).
# Kept from the CMO recipe: 200 epochs and its schedule (OTmix's code defaults to 240 epochs,
# lr x0.1 at 100, 160, 200). resnet32_cifar100lt_r100_otmix_notes.py is the research notes'
# variant (docs/results/reference.md; logits, a fixed matrix, per-step draws).
from mmengine.config import read_base

with read_base():
    from .resnet32_cifar100lt_r100_cmo import *

from coc.engine.hooks import EpochConfusionHook
from coc.mixing import OTmixPairing

model.update(pairing=dict(type=OTmixPairing, num_classes=100, confusion=None,
                          confusion_rates='otmix', feature_weight=0.05, eps=0.01),
             features='backbone_map')
model.mixer.update(alpha=4.0)
model.schedule.update(guide_power=1.0, guide_per='epoch')
custom_hooks.append(dict(type=EpochConfusionHook))
