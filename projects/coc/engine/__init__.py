"""Runner plumbing: hooks, safe checkpoint loading, CPU multi-process start-up."""
from coc.models.utils.checkpoint import (CheckpointError, install_safe_checkpoint_loader,
                                         load_checkpoint_file)
from . import hooks  # noqa: F401
from .distributed import needs_cpu_distributed, setup_cpu_distributed

install_safe_checkpoint_loader()

__all__ = ['CheckpointError', 'load_checkpoint_file', 'needs_cpu_distributed',
           'setup_cpu_distributed']
