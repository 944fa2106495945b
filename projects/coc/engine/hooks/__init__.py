from .class_counts_hook import ClassCountsHook

__all__ = ['ClassCountsHook']
