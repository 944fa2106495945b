"""Samplers: class-aware draws for long-tailed training (minority-oversampling streams)."""
from .class_aware_sampler import ClassAwareSampler
from .two_stream import TwoStreamBatchSampler

__all__ = ['ClassAwareSampler', 'TwoStreamBatchSampler']
