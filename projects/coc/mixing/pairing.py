"""Pairing strategies: which background each foreground is pasted onto (docs/mixing_primitives.md).

Every strategy is a :class:`Pairing`, registered in ``PAIRINGS``.
"""
from abc import ABCMeta, abstractmethod
from typing import NamedTuple, Optional, Union

import numpy as np
import torch
from mmengine.dist import all_reduce
from torch import Tensor, nn

from .optimal_transport import cosine_cost, sinkhorn_plan
from .registry import PAIRINGS


class PairingResult(NamedTuple):
    """``bg_index``: LongTensor ``[Nf]``; ``transport_cost``: a scalar loss term or None."""
    bg_index: Tensor
    transport_cost: Optional[Tensor] = None


class Pairing(nn.Module, metaclass=ABCMeta):
    """Which background each foreground meets: ``pairing(bg_feats, fg_feats, bg_labels,
    fg_labels) -> PairingResult`` with ``bg_index[k]`` the background of foreground k. A module,
    so that a confusion matrix lives in the checkpoint and follows ``.to()``.

    Capabilities, read by the mixing classifier (set on the class, or in ``__init__`` when a
    config chooses them):

    - ``space`` (default ``'feature'``): what to pass as features: ``'feature'`` (the model's
      features of both batches), ``'input'`` (the images) or ``None`` (labels only).
    - ``with_cost`` (default False): True when ``transport_cost`` is a loss term,
      differentiable through the features.
    - ``running`` (default False): True when it learns from training predictions; the
      classifier then feeds ``update(preds, labels)`` with every background-only step.
    - ``recomputed`` (default False): True when its confusion matrix is replaced before every
      epoch (``set_confusion``, by ``EpochConfusionHook``).
    """
    space: Optional[str] = 'feature'
    with_cost: bool = False
    running: bool = False
    recomputed: bool = False

    @abstractmethod
    def forward(self, bg_feats: Optional[Tensor], fg_feats: Optional[Tensor], bg_labels: Tensor,
                fg_labels: Tensor) -> PairingResult:
        """Backgrounds ``[Nb]`` / foregrounds ``[Nf]`` -> ``bg_index [Nf]`` (and a cost)."""


def _check_batches(name: str, num_bg: int, num_fg: int, square: bool = False) -> None:
    if num_bg < 2 or num_fg < 1:
        raise ValueError(f'{name} needs at least 2 backgrounds to choose from and 1 foreground, '
                         f'got {num_bg} and {num_fg}; set drop_last=True in the train dataloaders '
                         'so that no batch of 1 reaches the mixing step')
    if square and num_bg != num_fg:
        raise ValueError(f"{name} with direction='row' needs as many backgrounds as foregrounds "
                         f"(it reads row k of the matrix for foreground k), got {num_bg} and "
                         f"{num_fg}; use direction='column' (or CostMatrixPairing's "
                         "'row_semantic')")


def _choose_direction(name: str, direction: str, allowed=('column', 'row')) -> str:
    if direction not in allowed:
        raise ValueError(f'{name} direction must be one of {allowed}, got {direction!r}')
    return direction


def load_confusion(name: str, confusion: Union[str, np.ndarray], num_classes: int) -> Tensor:
    """A float32 copy of a C x C confusion matrix (rows = true class) given as an array or a
    ``.npy`` path, checked for shape and for finite non-negative entries."""
    matrix = torch.tensor(np.load(confusion) if isinstance(confusion, str)
                          else np.asarray(confusion), dtype=torch.float32)
    if matrix.shape != (num_classes, num_classes):
        raise ValueError(f'{name}: the confusion matrix has shape {tuple(matrix.shape)} but '
                         f'num_classes={num_classes} needs ({num_classes}, {num_classes}); check '
                         'the file matches the dataset')
    if not torch.isfinite(matrix).all() or (matrix < 0).any():
        raise ValueError(f'{name}: the confusion matrix must hold finite non-negative counts '
                         'or rates')
    return matrix


@PAIRINGS.register_module()
class RandomPairing(Pairing):
    """CMO's pairing: foreground k meets background k (``shuffle=False``), or a random
    background drawn without replacement (``shuffle=True``)."""
    space = None

    def __init__(self, shuffle: bool = False):
        super().__init__()
        self.shuffle = shuffle

    def forward(self, bg_feats, fg_feats, bg_labels: Tensor, fg_labels: Tensor) -> PairingResult:
        num_bg, num_fg = len(bg_labels), len(fg_labels)
        if num_fg > num_bg:
            raise ValueError(f'RandomPairing needs at least as many backgrounds as foregrounds, '
                             f'got {num_bg} and {num_fg}')
        if self.shuffle:
            index = torch.randperm(num_bg, device=bg_labels.device)[:num_fg]
        else:
            index = torch.arange(num_fg, device=bg_labels.device)
        return PairingResult(index)


@PAIRINGS.register_module()
class ConfusionPairing(Pairing):
    """Pair each foreground with a background of the class its own class is most confused
    with: ``confusion[y_fg, y_bg]`` (rows = true class, columns = predicted class; the
    diagonal is ignored). Ties, and foregrounds with no confusion among the batch's
    backgrounds, are broken uniformly at random.

    Args:
        num_classes: number of classes C.
        confusion: a fixed C x C matrix (array or ``.npy`` path) from a trained model's
            predictions on TRAINING data or a held-out split -- never the test set, whose
            labels would then leak into training. ``None``: a running matrix, counted from
            training predictions passed to :meth:`update` (``running`` is then True).
        sample: draw the background with probability proportional to the confusion
            instead of taking the most confused class.
    """
    space = None

    def __init__(self, num_classes: int, confusion: Union[str, np.ndarray, None] = None,
                 sample: bool = False):
        super().__init__()
        self.num_classes, self.sample = num_classes, sample
        self.running = confusion is None
        matrix = (torch.zeros(num_classes, num_classes) if self.running else
                  load_confusion(type(self).__name__, confusion, num_classes))
        self.register_buffer('confusion', matrix)

    @torch.no_grad()
    def update(self, preds: Tensor, labels: Tensor) -> None:
        """Count training predictions (``preds``: logits ``[N, C]`` or classes ``[N]``)
        into the running matrix, summed over all ranks."""
        if not self.running:
            raise RuntimeError('ConfusionPairing got a fixed confusion matrix; update() only '
                               'feeds the running one (build it with confusion=None)')
        if preds.dim() == 2:
            if preds.shape[1] != self.num_classes:
                raise ValueError(f'ConfusionPairing.update got {preds.shape[1]} logits per sample '
                                 f'but num_classes={self.num_classes}; set it to the head\'s')
            preds = preds.argmax(dim=1)
        if max(int(preds.max()), int(labels.max())) >= self.num_classes:
            raise ValueError(f'ConfusionPairing.update got a class index >= num_classes='
                             f'{self.num_classes}; set num_classes to the head\'s')
        cells = labels.long() * self.num_classes + preds.long()
        counts = torch.bincount(cells, minlength=self.num_classes**2).to(self.confusion)
        all_reduce(counts)  # in place; a no-op outside distributed training
        self.confusion += counts.view_as(self.confusion)

    def forward(self, bg_feats, fg_feats, bg_labels: Tensor, fg_labels: Tensor) -> PairingResult:
        _check_batches(type(self).__name__, len(bg_labels), len(fg_labels))
        off_diagonal = self.confusion.clone().fill_diagonal_(0)
        device = off_diagonal.device
        weights = off_diagonal[fg_labels.long().to(device)][:, bg_labels.long().to(device)]
        if not self.sample:
            weights = (weights == weights.max(dim=1, keepdim=True).values).float()
        # A foreground whose class is never confused with any background's: uniform choice.
        weights = torch.where(weights.sum(1, keepdim=True) > 0, weights, torch.ones_like(weights))
        return PairingResult(torch.multinomial(weights, 1).squeeze(1).to(bg_labels.device))


def backgrounds_choose(cost: Tensor) -> Tensor:
    """Each background i chooses its cheapest foreground ``argmin_k C[i, k]``; foreground k
    takes the cheapest of the backgrounds that chose it, or a uniformly random background
    when none did. ``cost [Nb, Nf]`` -> background index per foreground ``[Nf]``."""
    num_bg, num_fg = cost.shape
    choice = cost.argmin(dim=1)
    chose = choice[:, None] == torch.arange(num_fg, device=cost.device)[None]
    chooser_cost = cost.masked_fill(~chose, float('inf'))
    fallback = torch.randint(num_bg, (num_fg, ), device=cost.device)
    return torch.where(chose.any(dim=0), chooser_cost.argmin(dim=0), fallback)


@PAIRINGS.register_module()
class CostMatrixPairing(Pairing):
    """Pair by the cosine cost ``C[i, k] = 1 - cos(bg_i, fg_k)`` (the notes' "cost matrix").

    ``direction``:

    - ``'column'``: foreground k takes ``argmin_i C[i, k]``, its most similar background.
    - ``'row'``: the research notes' (docs/results/reference.md) literal indexing
      ``argmin(C[k, :])``: row k (background k's costs, read along the foreground axis)
      gives the index used as foreground k's background; square batches. It pairs
      foreground k by background k's preferences.
    - ``'row_semantic'``: each background chooses its foreground (:func:`backgrounds_choose`);
      foregrounds no background chose get a random one.

    ``space``: ``'input'`` (pixels) or ``'feature'`` (model outputs).
    """

    def __init__(self, space: str = 'feature', direction: str = 'column'):
        super().__init__()
        if space not in ('input', 'feature'):
            raise ValueError(f"CostMatrixPairing space must be 'input' or 'feature', got {space!r}")
        self.space = space
        self.direction = _choose_direction(type(self).__name__, direction,
                                           ('column', 'row', 'row_semantic'))

    def forward(self, bg_feats: Tensor, fg_feats: Tensor, bg_labels=None,
                fg_labels=None) -> PairingResult:
        _check_batches(type(self).__name__, len(bg_feats), len(fg_feats),
                       square=self.direction == 'row')
        cost = cosine_cost(bg_feats.detach(), fg_feats.detach())
        if self.direction == 'row_semantic':
            return PairingResult(backgrounds_choose(cost))
        index = cost.argmin(dim=0) if self.direction == 'column' else cost.argmin(dim=1)
        return PairingResult(index)


@PAIRINGS.register_module()
class OTPairing(Pairing):
    """Pair by the entropic OT plan ``T`` between backgrounds (rows) and foregrounds
    (columns), cost ``1 - cos``, uniform marginals (the research notes' main line,
    docs/results/reference.md).

    Args:
        eps: entropic regularisation of Sinkhorn.
        direction: ``'column'``: foreground k picks over ``T[:, k]``; ``'row'``: over
            ``T[k, :]`` as in the notes' "argmax T[k]" run (square batches).
        select: ``'argmax'`` (most transported mass) or ``'argmin'``.
        with_cost: also return ``transport_cost = <T, C>``, a loss term differentiable
            through the features.
        cost_grad: ``'autodiff'`` backpropagates through the Sinkhorn iterations (the notes'
            solver); ``'envelope'`` detaches ``T`` (gradient ``T`` w.r.t. ``C``, exact for
            the regularised OT value, far less memory).
        num_iters: most Sinkhorn iterations.
        space: ``'feature'`` (model outputs) or ``'input'`` (pixels).
    """

    def __init__(self, eps: float, direction: str = 'column', select: str = 'argmax',
                 with_cost: bool = False, cost_grad: str = 'autodiff', num_iters: int = 1000,
                 space: str = 'feature'):
        super().__init__()
        if select not in ('argmax', 'argmin'):
            raise ValueError(f"OTPairing select must be 'argmax' or 'argmin', got {select!r}")
        if cost_grad not in ('autodiff', 'envelope'):
            raise ValueError(f"OTPairing cost_grad must be 'autodiff' or 'envelope', "
                             f'got {cost_grad!r}')
        if space not in ('input', 'feature'):
            raise ValueError(f"OTPairing space must be 'input' or 'feature', got {space!r}")
        self.eps, self.select, self.with_cost = eps, select, with_cost
        self.cost_grad, self.num_iters, self.space = cost_grad, num_iters, space
        self.direction = _choose_direction(type(self).__name__, direction)

    def forward(self, bg_feats: Tensor, fg_feats: Tensor, bg_labels=None,
                fg_labels=None) -> PairingResult:
        _check_batches(type(self).__name__, len(bg_feats), len(fg_feats),
                       square=self.direction == 'row')
        cost = cosine_cost(bg_feats, fg_feats)
        through_plan = self.with_cost and self.cost_grad == 'autodiff'
        plan = sinkhorn_plan(cost if through_plan else cost.detach(), self.eps, self.num_iters)
        scores = plan.detach() if self.direction == 'column' else plan.detach().T
        index = scores.argmax(dim=0) if self.select == 'argmax' else scores.argmin(dim=0)
        transport_cost = (plan * cost).sum() if self.with_cost else None
        return PairingResult(index, transport_cost)
