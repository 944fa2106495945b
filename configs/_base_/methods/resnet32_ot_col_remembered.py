# OT-guided CutMix without the extra forward passes: each image's logits as last seen
# (its background-only pass, or its region of a mixed pass); random pairing until every
# image of a batch has been seen. The cheap counterpart of ot_col (tools/benchmarks/mix_step.py).
from mmengine.config import read_base

with read_base():
    from .resnet32_ot_col import *

model.update(feature_pass='remembered')
