"""Multi-process training on machines without a GPU (gloo), next to MMEngine's CUDA path.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its default DDP wrapper passes
``device_ids=[LOCAL_RANK]``; both fail without a GPU. Here the process group is initialised
with gloo before the Runner is built (the Runner then skips its own init) and DDP is asked
for CPU modules (``device_ids=None``).
"""
from datetime import timedelta

import torch
import torch.distributed as dist


def needs_cpu_distributed(launcher: str) -> bool:
    return launcher != 'none' and not torch.cuda.is_available()


def setup_cpu_distributed(cfg, launcher: str) -> None:
    """Start a gloo process group from torchrun's environment and adapt ``cfg``'s DDP."""
    if launcher != 'pytorch':
        raise ValueError(f'CPU multi-process runs support --launcher pytorch (torchrun, as used '
                         f'by tools/dist_train.sh), not {launcher!r}')
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
        dist.init_process_group(backend='gloo', timeout=timedelta(seconds=timeout))
    wrapper = dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                   find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
