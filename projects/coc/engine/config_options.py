"""``--cfg-options`` that catch typos: a key must already exist unless prefixed with ``+``.

MMEngine's ``Config.merge_from_dict`` silently adds any unknown key, so
``train_cfg.max_epoch=1`` (missing ``s``) trains for the default number of epochs without a
word. New keys are still possible, explicitly: ``+model.backbone.drop_path_rate=0.1``.
"""
from mmengine.config import Config


class ConfigOptionError(KeyError):
    """An unknown ``--cfg-options`` key; printed as its message, without KeyError's quotes."""

    def __str__(self):
        return self.args[0]


def _check_key_exists(cfg: Config, dotted_key: str) -> None:
    node = cfg.to_dict()  # the Config wrapper itself is not a dict
    walked = []
    for part in dotted_key.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            where = '.'.join(walked) or 'the config'
            choices = (sorted(node) if isinstance(node, dict)
                       else f'indices 0..{len(node) - 1}' if isinstance(node, (list, tuple))
                       else 'nothing (it is a value)')
            raise ConfigOptionError(
                f'unknown --cfg-options key {dotted_key!r}: {where} has no {part!r} '
                f'(it has {choices}). Fix the name, or write +{dotted_key}=... to add a new key.')
        walked.append(part)


def merge_cfg_options(cfg: Config, options: dict) -> None:
    """Merge ``--cfg-options`` into ``cfg`` in place, rejecting unknown keys."""
    checked = {}
    for key, value in (options or {}).items():
        if key.startswith('+'):
            checked[key[1:]] = value
        else:
            _check_key_exists(cfg, key)
            checked[key] = value
    cfg.merge_from_dict(checked)
