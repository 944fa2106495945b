"""One short line per training epoch, ``epoch 3/30, ETA 0:01:10``, for tools/demo.sh."""
import datetime

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS  # MMEngine's own: found from every scope (mmdet too)

PROGRESS_PREFIX = 'progress: '


@HOOKS.register_module()
class ProgressHook(Hook):
    """Logs ``progress: epoch E/N, ETA H:MM:SS`` after every training epoch.

    The ETA is MMEngine's own (``IterTimerHook``'s running mean of iteration times times the
    iterations left, the ``eta`` of the log lines); without that hook the line has no ETA.
    tools/demo.sh shows these lines and keeps the rest of the log in a file.
    """
    priority = 'VERY_LOW'

    def after_train_epoch(self, runner) -> None:
        line = f'{PROGRESS_PREFIX}epoch {runner.epoch + 1}/{runner.max_epochs}'
        eta = runner.message_hub.get_info('eta')
        if eta is not None:
            line += f', ETA {datetime.timedelta(seconds=int(eta))}'
        print_log(line, logger='current')
