"""coc: Context-Cluster backbones and guided CutMix for long-tailed data.

Importing the package registers every module in MMPretrain's / MMEngine's registries.
The subpackages follow the data flow: datasets and samplers -> mixing -> models -> losses
-> evaluation; engine holds runner plumbing, visualization sits aside.
"""
from . import datasets, engine, evaluation, losses, mixing, models, samplers, visualization  # noqa: F401
from .version import __version__

__all__ = ['__version__']
