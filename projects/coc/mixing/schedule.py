"""When to mix and when to guide the pairing: CMO's epoch window and mix probability, OTmix's
guidance ramp ``(epoch / E) ** u``."""
import logging
from typing import Optional, Tuple

from mmengine.logging import print_log

GUIDE_PER = ('step', 'epoch')


class MixSchedule:
    """Per-step mixing decisions from the epoch.

    Args:
        mix_prob: probability that a step mixes (CMO: 0.5).
        start_epoch: first epoch (0-based) that may mix.
        end_epochs: number of final epochs that do not mix (CMO's ``epochs - end_epoch``).
        guide_power: ``u`` of OTmix: a mixing step uses the guided pairing with probability
            ``(epoch / max_epochs) ** u`` and the random one otherwise; ``None`` = always
            guided.
        guide_per: how often that guided-or-random choice is drawn: ``'step'`` (each step on
            its own) or ``'epoch'`` (once per epoch for all its steps, as OTmix's code
            ``final_otmix/cifar_train.py`` draws ``np.random.binomial(1, (epoch / E) ** u)``
            before each epoch).
    """

    def __init__(self, mix_prob: float = 0.5, start_epoch: int = 0, end_epochs: int = 0,
                 guide_power: Optional[float] = None, guide_per: str = 'step') -> None:
        if not 0 <= mix_prob <= 1:
            raise ValueError(f'mix_prob must lie in [0, 1], got {mix_prob}')
        if start_epoch < 0 or end_epochs < 0:
            raise ValueError(f'start_epoch and end_epochs must be >= 0, got {start_epoch}, '
                             f'{end_epochs}')
        if guide_power is not None and guide_power < 0:
            raise ValueError(f'guide_power (OTmix u) must be >= 0 or None, got {guide_power}')
        if guide_per not in GUIDE_PER:
            raise ValueError(f"guide_per must be 'step' or 'epoch' (OTmix: one draw per epoch), "
                             f'got {guide_per!r}')
        self.mix_prob, self.start_epoch, self.end_epochs = mix_prob, start_epoch, end_epochs
        self.guide_power, self.guide_per = guide_power, guide_per
        self._warned_empty_window = False
        self._epoch_guided: Optional[Tuple[int, bool]] = None

    def mix_probability(self, epoch: int, max_epochs: int) -> float:
        if (self.mix_prob > 0 and self.start_epoch >= max_epochs - self.end_epochs
                and not self._warned_empty_window):
            # An iteration-based loop reports max_epochs=1: CMO's window would silently vanish.
            self._warned_empty_window = True
            print_log(f'MixSchedule: no epoch mixes: start_epoch={self.start_epoch} and '
                      f'end_epochs={self.end_epochs} leave no epoch of max_epochs={max_epochs} '
                      '(an iteration-based loop counts one epoch); lower them, or set '
                      'mix_prob=0 to train without mixing', logger='current',
                      level=logging.WARNING)
        in_window = self.start_epoch <= epoch < max_epochs - self.end_epochs
        return self.mix_prob if in_window else 0.0

    def guide_probability(self, epoch: int, max_epochs: int) -> float:
        if self.guide_power is None:
            return 1.0
        return (epoch / max(max_epochs, 1)) ** self.guide_power

    def guided(self, epoch: int, draw: bool) -> bool:
        """This step's guided-or-random choice from its own draw (made with
        :meth:`guide_probability`): ``guide_per='epoch'`` keeps the first draw of each epoch.
        Not checkpointed: a resumed epoch draws again at its first step, from the same
        randomness when ``EpochSeedHook`` reseeds every epoch."""
        if self.guide_per == 'step':
            return draw
        if self._epoch_guided is None or self._epoch_guided[0] != epoch:
            self._epoch_guided = (epoch, draw)
        return self._epoch_guided[1]
