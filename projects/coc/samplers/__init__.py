"""Samplers: class-aware draws for long-tailed training (minority-oversampling streams)."""
from .class_aware_sampler import ClassAwareSampler

__all__ = ['ClassAwareSampler']
