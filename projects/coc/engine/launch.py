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

from coc.models.utils.checkpoint import CheckpointError
from .config_options import ConfigOptionError, merge_cfg_options
from .distributed import needs_cpu_distributed, setup_cpu_distributed


class UsageError(Exception):
    """A mistake on the command line, reported as one line instead of a traceback."""


USER_ERRORS = (UsageError, ConfigOptionError, CheckpointError)


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


def parse_tool_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if 'local_rank' in args:
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
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
    if needs_cpu_distributed(launcher):
        try:
            setup_cpu_distributed(cfg, launcher)
        except ValueError as err:  # another launcher, or no torchrun environment (RANK...)
            raise UsageError(f'--launcher {launcher}: {err}; start multi-process runs with '
                             'tools/dist_train.sh CONFIG NUM_PROCESSES') from None
    return cfg


def enable_amp(cfg: Config) -> None:
    if not torch.cuda.is_available():
        raise UsageError('--amp needs a CUDA GPU (MMEngine\'s AmpOptimWrapper); drop the flag '
                         'on this machine')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def build_runner(cfg: Config) -> Runner:
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


def run_cli(main) -> None:
    """Run ``main()``; a user error exits with status 2 and one ``error:`` line."""
    try:
        main()
    except USER_ERRORS as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
