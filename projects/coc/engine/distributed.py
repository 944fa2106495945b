"""Multi-process training on machines without a GPU (gloo), next to MMEngine's CUDA path.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its default DDP wrapper passes
``device_ids=[LOCAL_RANK]``; both fail without a GPU. Here the process group is initialised
with gloo before the Runner is built (the Runner then skips its own init) and DDP is asked
for CPU modules (``device_ids=None``).
"""
import os
import subprocess
from datetime import timedelta

import torch
import torch.distributed as dist


def needs_cpu_distributed(launcher: str) -> bool:
    return launcher != 'none' and not torch.cuda.is_available()


def setup_cpu_distributed(cfg, launcher: str) -> None:
    """Start a gloo process group from torchrun's (or srun's) environment and adapt ``cfg``'s
    DDP."""
    if launcher == 'slurm':
        _torchrun_env_from_slurm()
    elif launcher != 'pytorch':
        raise ValueError(f'CPU multi-process runs support --launcher pytorch (torchrun, as used '
                         f'by tools/dist_train.sh) or slurm (tools/slurm_train.sh), not '
                         f'{launcher!r}')
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', 1800)
        dist.init_process_group(backend='gloo', timeout=timedelta(seconds=timeout))
    wrapper = dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                   find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.update(cfg.get('model_wrapper_cfg') or {})
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def _torchrun_env_from_slurm() -> None:
    """torchrun's variables from srun's, derived as MMEngine's slurm start does
    (``_init_dist_slurm`` in mmengine/dist/utils.py), which needs a GPU."""
    env = os.environ
    missing = [key for key in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID',
                               'SLURM_NODELIST') if key not in env]
    if missing:
        raise ValueError(f'{", ".join(missing)} expected, but not set (start it with srun, '
                         f'e.g. tools/slurm_train.sh)')
    env.setdefault('RANK', env['SLURM_PROCID'])
    env.setdefault('WORLD_SIZE', env['SLURM_NTASKS'])
    env['LOCAL_RANK'] = env['SLURM_LOCALID']  # tools/*.py preset it to --local-rank's 0
    env.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in env:
        hosts = subprocess.check_output(['scontrol', 'show', 'hostnames', env['SLURM_NODELIST']],
                                        text=True)
        env['MASTER_ADDR'] = hosts.split()[0]
