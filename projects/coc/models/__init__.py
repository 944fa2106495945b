"""Models: backbones and classifiers."""
from . import backbones, classifiers  # noqa: F401
