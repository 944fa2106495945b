# tau-normalisation (Kang et al., ICLR 2020, arXiv:1910.09217, Sec. 4) of a model trained with
# cross-entropy: the head scores with w_k / ||w_k||^tau, tau chosen on the row's validation
# split by TauNormSearchHook, never on the test split (the hook refuses a config whose
# validation split is its test split). Nothing is trained; a row's config tests the CE model:
#   python tools/test.py ROW_CONFIG CE_CHECKPOINT
# (the chosen tau: WORK_DIR/tau_norm_search.json and the test metric tau_norm/tau).
from mmengine.config import read_base

with read_base():
    from .resnet32_ce import *

from coc.engine.hooks import TauNormSearchHook
from coc.models.classifiers import TauNormHead

model.head.type = TauNormHead
custom_hooks.append(dict(type=TauNormSearchHook))
