"""Backbones: Context Cluster (and its broadcast reference for tests and benchmarks)."""
from .context_cluster import Cluster, ClusterBlock, ContextCluster
from .context_cluster_reference import BroadcastCluster, to_broadcast_reference

__all__ = ['BroadcastCluster', 'Cluster', 'ClusterBlock', 'ContextCluster', 'to_broadcast_reference']
