# CIFAR-10-LT ready for a row: the splits of cifar10lt_folder.py and a training loader with
# the CIFAR-LT recipe's batch settings, those of cifar100_bs128_coc.py (taken from there so that
# both CIFAR-LT datasets keep training alike). The imbalance ratio is the single field
# train_dataloader.dataset.imbalance_ratio.
from mmengine.config import read_base

with read_base():
    from .cifar10lt_folder import *
    from .cifar100_bs128_coc import train_dataloader as __cifar_loader

train_dataloader = dict(__cifar_loader, dataset=train_dataset)
