# The demo with CMO's random pairing instead of OT: the baseline OT-guided CutMix is measured
# against (same network, data, schedule and mixing probability).
#   python tools/train.py configs/demo/coc_digits_lt_cmo.py
from mmengine.config import read_base

with read_base():
    from .coc_digits_lt_ot import *

from coc.mixing import RandomPairing

model.pairing = dict(type=RandomPairing)
