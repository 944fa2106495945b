"""Backbones: Context Cluster (and its broadcast reference for tests and benchmarks)."""
from .backbone_transfer import load_backbone_weights
from .context_cluster import Cluster, ClusterBlock, ContextCluster
from .context_cluster_reference import BroadcastCluster, to_broadcast_reference
from .resnet_cifar32 import ResNet32_CIFAR

__all__ = ['BroadcastCluster', 'Cluster', 'ClusterBlock', 'ContextCluster', 'ResNet32_CIFAR',
           'load_backbone_weights', 'to_broadcast_reference']
