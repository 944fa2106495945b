# The headline: Context-Cluster-Small on CIFAR-100-LT r100 with OT-guided CutMix over the global
# batch (the notes' "+DataParallel8" row under DDP, docs/results/reference.md): 8 processes x 16
# images per stream, features gathered so that every foreground can meet any of the 128
# backgrounds, the transport cost <T, C> in the loss.
#   tools/dist_train.sh configs/coc_s_cifar100lt_ot.py 8
from mmengine.config import read_base

with read_base():
    from .coc.coc_s_cifar100lt_ot_col_cost import *

train_dataloader.update(batch_size=16)
model.update(global_pairing=True)
