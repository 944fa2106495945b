"""Registries of the mixing step's swappable parts, one per family (pairings, placers, mixers).

Root registries like MMPretrain's ``BATCH_AUGMENTS``, not children of ``MODELS``: MMEngine
builds a child from the registry of the default scope (``default_scope='mmpretrain'`` in our
configs, i.e. ``MODELS`` itself), which does not hold them.
"""
from mmengine.registry import Registry


class FamilyRegistry(Registry):
    """A registry whose ``build`` names its family when a config asks for a type it lacks."""

    def build(self, cfg: dict, *args, **kwargs):
        kind = cfg.get('type') if isinstance(cfg, dict) else None
        members = ', '.join(sorted(self.module_dict))
        if isinstance(kind, str) and self.get(kind) is None:
            raise ValueError(f'unknown {self.name} {kind!r}; registered {self.name}s: {members}')
        if isinstance(kind, type) and kind not in self.module_dict.values():
            raise ValueError(f'{kind.__name__} is not a registered {self.name}; registered '
                             f'{self.name}s: {members}')
        return super().build(cfg, *args, **kwargs)


PAIRINGS = FamilyRegistry('pairing', scope='coc', locations=['coc.mixing'])
PLACERS = FamilyRegistry('placer', scope='coc', locations=['coc.mixing'])
MIXERS = FamilyRegistry('mixer', scope='coc', locations=['coc.models.classifiers'])
