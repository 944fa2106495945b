"""Visualisation: cluster maps of Context-Cluster blocks (paper Fig. 1/4/8)."""
from .cluster_maps import cluster_assignment, render_cluster_map

__all__ = ['cluster_assignment', 'render_cluster_map']
