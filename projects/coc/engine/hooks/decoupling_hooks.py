"""Hooks of decoupled and post-hoc long-tail recognition (Kang et al., arXiv:1910.09217; Menon
et al., arXiv:2007.07314): a fresh classifier on a loaded model (cRT), the class prior of a
test-only run (post-hoc logit adjustment), tau of tau-normalisation chosen on validation."""
import json
from pathlib import Path
from typing import Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import initialize, is_model_wrapper
from mmengine.runner import Runner
from mmpretrain.registry import HOOKS

from .class_counts_hook import fill_model_class_counts, training_class_counts


def bare_model(runner):
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


@HOOKS.register_module()
class ReinitHook(Hook):
    """Re-initialises submodules of a model loaded with ``load_from`` (cRT: the head), once,
    when training starts from iteration 0; a resumed run keeps what it has learnt.

    Args:
        modules: dotted names of submodules; each gets its own ``init_cfg`` (e.g. the
            ``LinearClsHead`` default, Normal(std=0.01)) or else ``reset_parameters()``.
    """
    priority = 'VERY_HIGH'

    def __init__(self, modules: Sequence[str] = ('head', )) -> None:
        if isinstance(modules, str) or not modules:
            raise ValueError(f"ReinitHook modules must be a non-empty list of names such as "
                             f"('head',), got {modules!r}")
        self.modules = tuple(modules)

    def before_train(self, runner) -> None:
        if runner.iter > 0:
            return
        if not runner.cfg.get('load_from'):
            raise RuntimeError('ReinitHook re-initialises part of a trained model, but nothing '
                               'was loaded: pass --cfg-options load_from=CHECKPOINT (the trained '
                               'model, e.g. the CE run\'s best checkpoint)')
        model = bare_model(runner)
        names = dict(model.named_modules())
        for name in self.modules:
            if name not in names:
                raise ValueError(f'ReinitHook: the model has no submodule {name!r}')
            module = names[name]
            if getattr(module, 'init_cfg', None):
                initialize(module, module.init_cfg)
            else:
                for layer in module.modules():
                    if hasattr(layer, 'reset_parameters'):
                        layer.reset_parameters()
        runner.logger.info(f'ReinitHook: re-initialised {list(self.modules)}')


@HOOKS.register_module()
class ClassPriorHook(Hook):
    """Fills ``class_counts`` of the model's modules that have it unset (e.g.
    ``DecoupledClassifier(logit_adjust_tau=...)``) from the training set, also in a run that
    only tests (``LongTailLossHook`` fills them only before training)."""
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        fill_model_class_counts(
            runner, lambda: training_class_counts(runner, 'ClassPriorHook', 'model'))


@HOOKS.register_module()
class TauNormSearchHook(Hook):
    """Before testing, sets ``model.head.tau`` (``TauNormHead``) to the grid value with the best
    mean class accuracy on the *validation* split (``val_dataloader``; ties: the smaller tau).

    The test split is read only afterwards, by the test loop. The chosen tau and the
    validation accuracy of every grid value go to ``WORK_DIR/tau_norm_search.json``, and the
    tau to the test metrics as ``tau_norm/tau``.

    Args:
        grid: tau values to try (Kang et al. search [0, 1]; the default reaches 2).
    """
    priority = 'NORMAL'

    def __init__(self, grid: Sequence[float] = tuple(i / 10 for i in range(21))) -> None:
        if not grid or any(not tau >= 0 for tau in grid):
            raise ValueError(f'TauNormSearchHook grid must be non-empty values >= 0, got {grid}')
        self.grid = [float(tau) for tau in grid]
        self.tau = None

    def before_test(self, runner) -> None:
        head = bare_model(runner).head
        if not hasattr(head, 'tau'):
            raise TypeError(f'TauNormSearchHook sets the tau of a TauNormHead; the model\'s head '
                            f'is {type(head).__name__}: use model.head.type=TauNormHead')
        loader_cfg = runner.cfg.get('val_dataloader')
        if not loader_cfg:
            raise RuntimeError("TauNormSearchHook chooses tau on the validation split, but the "
                               "config has no val_dataloader: add one (a split='val' dataset)")
        if loader_cfg.get('dataset') == runner.cfg.get('test_dataloader', {}).get('dataset'):
            raise RuntimeError("TauNormSearchHook: the config's val_dataloader is the test split, "
                               "so tau would be chosen on the test images; give val_dataloader a "
                               "validation split (split='val')")
        feats, labels = self.validation_features(runner, Runner.build_dataloader(loader_cfg))
        accuracy = {}
        for tau in self.grid:
            head.tau = tau
            predictions = head(feats).argmax(dim=1)
            accuracy[tau] = mean_class_accuracy(predictions, labels)
        self.tau = max(self.grid, key=lambda tau: (accuracy[tau], -tau))
        head.tau = self.tau
        runner.logger.info(f'TauNormSearchHook: tau = {self.tau} (validation mean class '
                           f'accuracy {accuracy[self.tau]:.2f} %; tau = 0: {accuracy.get(0.0)})')
        Path(runner.work_dir, 'tau_norm_search.json').write_text(json.dumps(dict(
            tau=self.tau, validation_mean_class_accuracy={str(t): a for t, a in accuracy.items()}),
            indent=2) + '\n')

    @staticmethod
    @torch.no_grad()
    def validation_features(runner, loader) -> tuple:
        """The head's input features (a 1-tuple, as heads take them) and labels of the split."""
        model = bare_model(runner)
        model.eval()
        feats, labels = [], []
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            feats.append(model.extract_feat(data['inputs'])[-1])
            labels.append(torch.cat([s.gt_label for s in data['data_samples']]))
        return (torch.cat(feats), ), torch.cat(labels)

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is not None and self.tau is not None:
            metrics['tau_norm/tau'] = self.tau


def mean_class_accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean over the classes present of the per-class recall, in %."""
    recalls = [(predictions[labels == k] == k).double().mean() for k in labels.unique()]
    # rounded: float noise must not break the ties between grid values
    return round(float(torch.stack(recalls).mean() * 100), 6)
