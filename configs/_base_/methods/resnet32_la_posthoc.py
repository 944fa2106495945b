# Post-hoc logit adjustment (Menon et al., ICLR 2021, arXiv:2007.07314, Eq. 9) of a model trained
# with cross-entropy: at test, predictions are softmax(logits - tau * log prior), tau = 1.
# Nothing is trained; a row's config tests the CE model's checkpoint:
#   python tools/test.py ROW_CONFIG CE_CHECKPOINT
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.engine.hooks import ClassPriorHook
from coc.models.classifiers import DecoupledClassifier

model.type = DecoupledClassifier
model.logit_adjust_tau = 1.0
custom_hooks.append(dict(type=ClassPriorHook))  # the prior of a test-only run
