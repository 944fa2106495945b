"""Real data: GTSRB-32 made long-tailed (ratio 50), ResNet-32 trained 2 epochs on the CPU
through tools/train.py; the shot metrics and the per-class plot must come out."""
import json
import subprocess
import sys

import numpy as np

CONFIG = 'configs/resnet32/resnet32_gtsrb32lt_r50_ce.py'


def test_resnet32_trains_on_long_tailed_gtsrb(repo_root, shared_data, tmp_path):
    root = shared_data / 'gtsrb32'
    # n_max 50 keeps the run short (560 images, 50 -> 1 per class); shot thresholds scaled
    # to it so that each group holds classes (6 many / 12 medium / 25 few).
    options = [f'{loader}.dataset.dataset.data_root={root}'
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    options += ['train_dataloader.dataset.n_max=50', 'train_dataloader.dataset.holdout_per_class=2',
                'val_dataloader.dataset.holdout_per_class=2', 'train_dataloader.batch_size=64',
                'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
                'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
                'val_evaluator.many_thr=30', 'val_evaluator.few_thr=10']
    # '+' skips tools/train.py's key-exists check (this test is about the data, not the CLI).
    options = ['+' + option for option in options]
    result = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                             '--cfg-options', *options], cwd=repo_root, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    run_dir, = [p for p in tmp_path.iterdir() if p.is_dir()]
    scalars = [json.loads(line) for line in (run_dir / 'vis_data' / 'scalars.json').open()]
    val = [s for s in scalars if 'lt/top1' in s][-1]
    for key in ('lt/top1', 'lt/top5', 'lt/many', 'lt/medium', 'lt/few', 'lt/mean_class'):
        assert 0 <= val[key] <= 100, (key, val)
    assert (run_dir / 'per_class_accuracy.png').stat().st_size > 1000
    assert np.load(run_dir / 'confusion_matrix.npy').sum() == 43 * 2
    assert np.load(run_dir / 'per_class_accuracy.npy').shape == (43, )
