"""Class-aware sampler: instance/square-root/class-balanced, CMO's n_k^-r, effective number,
progressive balancing and class-cycle sampling in one deterministic, DDP-sharded sampler.

API (what the mixing code relies on)::

    sampler = ClassAwareSampler(dataset, r=1.0, seed=0)   # CMO's minority stream
    sampler.set_epoch(epoch); indices = list(sampler)      # this rank's shard
    sampler.class_probabilities(epoch)                     # p_k of the draw, shape [C]

Every weighting is constant within a class, so a draw picks a class from ``p_k`` and then an
image of that class uniformly: the same distribution as weighting each sample, at a cost that
does not grow with the image count per class.
"""
import math
from numbers import Real
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmpretrain.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from coc.datasets.class_counts import get_labels, get_num_classes


def _check_real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f'ClassAwareSampler {name} must be a finite real number, got {value!r}')
    return float(value)


@DATA_SAMPLERS.register_module()
class ClassAwareSampler(Sampler):
    """Draws dataset indices with class-dependent probabilities.

    Give at most one of ``q``, ``r``, ``beta`` (none = class-balanced, ``q=0``):

    - ``q`` (class level): class probability ``p_k ∝ n_k^q``; 1 instance-balanced,
      1/2 square-root, 0 class-balanced, < 0 favours the tail beyond balance. Any finite q.
    - ``r`` (sample level): every image of class k weighs ``n_k^-r`` (CMO's
      ``weighted_alpha``), so class mass ``∝ n_k^(1-r)``: r=1 class-balanced, r=2
      "reversed", r=0 instance-balanced. Any finite r. (The seed notes' class-level
      ``q(r, k) ∝ n_k^-r`` is ``q=-r`` here.)
    - ``beta`` (sample level, in [0, 1)): every image of class k weighs ``1 / E_k`` with the
      effective number ``E_k = (1 - beta^n_k) / (1 - beta)`` (Cui et al. 2019); beta=0 is
      instance-balanced, beta -> 1 approaches class-balanced.

    Other knobs:

    - ``progressive_epochs`` T (class level): ``p_k(t) = (1 - t/T) p_k^instance + (t/T)
      p_k^target`` for epoch t < T, then the target (Kang et al. 2020 progressive balancing
      when the target is class-balanced).
    - ``class_cycle``: class-cycle sampling (Shen et al. 2016): rounds that visit every
      non-empty class once in random order; each class hands out its images in a shuffled
      order, reshuffled when used up. Class-balanced by construction, so it excludes q, r,
      beta and progressive balancing; ``replacement`` does not apply.
    - ``replacement``: draws are independent (True, default), or no image repeats within an
      epoch (False; weighted sampling without replacement, Efraimidis & Spirakis 2006). The
      class frequencies then follow ``p_k`` only while ``num_samples`` is small against the
      dataset: a full-size draw is a weighted shuffle that contains every image once.
    - ``num_samples``: global indices per epoch (default: the dataset size). Padded by
      wrapping to a multiple of the world size; each rank takes every world_size-th index
      of the one global draw (disjoint shards), so ``len(sampler)`` is per rank.

    The draw depends only on ``seed`` and the epoch (``set_epoch``), never on the rank.
    Classes with no image get probability 0.
    """

    def __init__(self, dataset, q: Optional[float] = None, r: Optional[float] = None,
                 beta: Optional[float] = None, progressive_epochs: Optional[int] = None,
                 class_cycle: bool = False, replacement: bool = True,
                 num_samples: Optional[int] = None, seed: Optional[int] = None) -> None:
        given = {k: v for k, v in dict(q=q, r=r, beta=beta).items() if v is not None}
        if len(given) > 1:
            raise ValueError(f'ClassAwareSampler takes at most one of q, r, beta; got {given}')
        if class_cycle and (given or progressive_epochs is not None):
            raise ValueError('ClassAwareSampler(class_cycle=True) is class-balanced by '
                             'construction; drop q / r / beta / progressive_epochs')
        if beta is not None and not 0 <= _check_real('beta', beta) < 1:
            raise ValueError(f'ClassAwareSampler beta must be in [0, 1), got {beta}')
        self.q = 0.0 if not given else None
        if q is not None:
            self.q = _check_real('q', q)
        if r is not None:
            self.q = 1.0 - _check_real('r', r)  # sample weight n^-r -> class mass n^(1-r)
        self.beta = beta
        if progressive_epochs is not None and (isinstance(progressive_epochs, bool) or
                                               not isinstance(progressive_epochs, int) or
                                               progressive_epochs < 1):
            raise ValueError(f'ClassAwareSampler progressive_epochs must be an int >= 1 '
                             f'(epochs to reach the target), got {progressive_epochs!r}')
        self.progressive_epochs = progressive_epochs
        self.class_cycle, self.replacement = class_cycle, replacement

        self.dataset = dataset
        self.labels = get_labels(dataset)
        self.class_counts = np.bincount(self.labels, minlength=get_num_classes(dataset))
        # Indices of each class, concatenated in class order, for the two-stage draw.
        self.by_class = np.argsort(self.labels, kind='stable')
        self.class_start = np.concatenate([[0], np.cumsum(self.class_counts)[:-1]])

        self.rank, self.world_size = get_dist_info()
        self.num_samples = len(dataset) if num_samples is None else num_samples
        if isinstance(self.num_samples, bool) or not isinstance(self.num_samples, int) \
                or self.num_samples < 1:
            raise ValueError(f'ClassAwareSampler num_samples must be an int >= 1, '
                             f'got {num_samples!r}')
        if not replacement and not class_cycle and self.num_samples > len(self.labels):
            raise ValueError(f'ClassAwareSampler(replacement=False) can draw at most the '
                             f'{len(self.labels)} images of the dataset, got num_samples='
                             f'{self.num_samples}; set replacement=True or lower num_samples')
        self.total_size = math.ceil(self.num_samples / self.world_size) * self.world_size
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0

    def class_probabilities(self, epoch: Optional[int] = None) -> np.ndarray:
        """``p_k`` of the draw at ``epoch`` (default: the current epoch); sums to 1."""
        epoch = self.epoch if epoch is None else epoch
        present = self.class_counts > 0
        counts = np.where(present, self.class_counts, 1).astype(np.float64)
        if self.beta is not None:
            effective = (1.0 - self.beta**counts) / (1.0 - self.beta)
            log_mass = np.log(counts) - np.log(effective)
        else:
            log_mass = self.q * np.log(counts)  # log domain: no overflow for large |q|
        target = self._normalize(log_mass, present)
        if self.progressive_epochs is None or epoch >= self.progressive_epochs:
            return target
        t = epoch / self.progressive_epochs
        return (1 - t) * self._normalize(np.log(counts), present) + t * target

    @staticmethod
    def _normalize(log_mass: np.ndarray, present: np.ndarray) -> np.ndarray:
        mass = np.where(present, np.exp(log_mass - log_mass[present].max()), 0.0)
        return mass / mass.sum()

    def _global_draw(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.epoch])
        if self.class_cycle:
            return self._cycle_draw(rng)
        probs = self.class_probabilities()
        if not self.replacement:
            # Efraimidis-Spirakis: the k largest u^(1/w) are a weighted draw without replacement.
            weights = (probs / np.maximum(self.class_counts, 1))[self.labels]
            with np.errstate(divide='ignore'):
                keys = np.log(rng.random(len(weights))) / weights
            return np.argsort(-keys, kind='stable')[:self.num_samples]
        classes = rng.choice(len(probs), size=self.num_samples, p=probs)
        within = rng.integers(0, self.class_counts[classes])
        return self.by_class[self.class_start[classes] + within]

    def _cycle_draw(self, rng: np.random.Generator) -> np.ndarray:
        present = np.flatnonzero(self.class_counts)
        rounds = math.ceil(self.num_samples / len(present))
        classes = np.concatenate([rng.permutation(present) for _ in range(rounds)])
        classes = classes[:self.num_samples]
        # Slots of each class in draw order, without one pass over the draw per class.
        slots_by_class = np.split(np.argsort(classes, kind='stable'),
                                  np.cumsum(np.bincount(classes)[present])[:-1])
        out = np.empty(self.num_samples, dtype=np.int64)
        for k, slots in zip(present, slots_by_class):
            n_k = self.class_counts[k]
            order = np.concatenate([rng.permutation(n_k)
                                    for _ in range(math.ceil(len(slots) / n_k))])
            out[slots] = self.by_class[self.class_start[k] + order[:len(slots)]]
        return out

    def __iter__(self) -> Iterator[int]:
        indices = self._global_draw()
        indices = np.resize(indices, self.total_size)  # wrap-around padding for equal shards
        return iter(indices[self.rank:self.total_size:self.world_size].tolist())

    def __len__(self) -> int:
        return self.total_size // self.world_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
