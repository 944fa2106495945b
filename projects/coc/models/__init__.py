"""Models: Context-Cluster and ResNet-32 backbones, the mixing classifier, a cosine head."""
from . import backbones, classifiers  # noqa: F401
