"""What tools/train.py and tools/test.py share: config loading, CLI errors, distributed start."""
import argparse
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.utils import import_modules_from_strings

from coc.datasets.data_folders import DatasetNotFoundError
from coc.models.utils.checkpoint import CheckpointError
from .config_options import ConfigOptionError, merge_cfg_options
from .distributed import needs_cpu_distributed, setup_cpu_distributed


class UsageError(Exception):
    """A mistake on the command line, reported as one line instead of a traceback."""


USER_ERRORS = (UsageError, ConfigOptionError, CheckpointError, DatasetNotFoundError)


def add_config_arguments(parser: argparse.ArgumentParser, distributed: bool = False) -> None:
    """The flags every config-driven tool shares: ``--cfg-options`` (and the launcher flags
    for the tools ``dist_train.sh`` / ``dist_test.sh`` start)."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config keys, e.g. train_cfg.max_epochs=1; a key must exist, write '
             '+key=value to add a new one')
    if distributed:
        parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                            default='none', help='job launcher')
        # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK itself.
        parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


# Where each launcher tells a process its GPU on the node. MMEngine's DDP wrapper reads
# LOCAL_RANK for every launcher, but only its slurm start sets it: without this, every mpirun
# process would take GPU 0.
LOCAL_RANK_VARIABLES = dict(pytorch='LOCAL_RANK', mpi='OMPI_COMM_WORLD_LOCAL_RANK',
                            slurm='SLURM_LOCALID')


def local_rank(launcher: str, local_rank_flag: int, environ=os.environ) -> str:
    """This process's LOCAL_RANK: the launcher's variable, else ``--local-rank``."""
    variable = LOCAL_RANK_VARIABLES.get(launcher, 'LOCAL_RANK')
    if variable in environ:
        return environ[variable]
    if launcher == 'mpi':
        raise UsageError('--launcher mpi: OMPI_COMM_WORLD_LOCAL_RANK is not set; start the '
                         'processes with Open MPI\'s mpirun')
    return str(local_rank_flag)


def parse_tool_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if 'local_rank' in args:
        os.environ['LOCAL_RANK'] = local_rank(args.launcher, args.local_rank)
    return args


def read_config(path: str, cfg_options=None) -> Config:
    """The config at ``path`` with ``--cfg-options`` merged (unknown keys refused)."""
    if not osp.isfile(path):
        raise UsageError(f'config file {path} does not exist')
    cfg = Config.fromfile(path)
    merge_cfg_options(cfg, cfg_options)
    if cfg.get('custom_imports'):  # fromfile imported the config's own; options may add more
        import_modules_from_strings(**cfg.custom_imports)
    return cfg


def load_config(path: str, cfg_options=None, work_dir=None, launcher='none') -> Config:
    """``read_config`` plus what a run needs: work_dir, launcher, CPU distributed start."""
    cfg = read_config(path, cfg_options)
    cfg.launcher = launcher
    # work_dir priority: command line > config > ./work_dirs/<config name>
    cfg.work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(path))[0])
    if cfg.get('randomness', {}).get('deterministic'):
        # MMEngine's deterministic=True turns on torch.use_deterministic_algorithms, under
        # which the first cuBLAS matmul raises unless cuBLAS has a fixed workspace
        # (https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html).
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    if needs_cpu_distributed(launcher):
        try:
            setup_cpu_distributed(cfg, launcher)
        except ValueError as err:  # another launcher, or no torchrun environment (RANK...)
            raise UsageError(f'--launcher {launcher}: {err}; start multi-process runs with '
                             'tools/dist_train.sh CONFIG NUM_PROCESSES') from None
    return cfg


# The wrappers --amp may turn into AmpOptimWrapper; any other type would be silently replaced.
AMP_UPGRADABLE = ('OptimWrapper', 'AmpOptimWrapper')


def enable_amp(cfg: Config, dtype: str = 'float16') -> None:
    """``--amp``: MMEngine's AmpOptimWrapper autocasting to ``dtype``, as MMPretrain's --amp."""
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    name = getattr(wrapper, '__name__', wrapper)  # lazy-import configs hold the class itself
    if name not in AMP_UPGRADABLE:
        raise UsageError(f'--amp would replace the config\'s optim_wrapper type {name} by '
                         f'AmpOptimWrapper; drop --amp, or set optim_wrapper.type=OptimWrapper '
                         f'in --cfg-options if {name} may go')
    if not torch.cuda.is_available():
        raise UsageError('--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper); drop the flag '
                         'on this machine')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.dtype = dtype
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def enable_auto_scale_lr(cfg: Config) -> None:
    """``--auto-scale-lr``: the Runner scales the lr by (processes x batch) / base_batch_size."""
    if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
        raise UsageError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config (the '
                         'batch its lr is for); add it with --cfg-options '
                         '+auto_scale_lr.base_batch_size=N')
    cfg.auto_scale_lr.enable = True


def build_runner(cfg: Config) -> Runner:
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


def run_cli(main) -> None:
    """Run ``main()``; a user error exits with status 2 and one ``error:`` line."""
    try:
        main()
    except USER_ERRORS as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
