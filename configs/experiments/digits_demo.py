# The README's demo table: a 0.49M-parameter CoC on the embedded long-tailed digits
# (configs/demo/, 30 epochs on 2 CPU cores in about 30 s per run), 3 seeds per row.
#   python tools/experiments.py run configs/experiments/digits_demo.py
#   python tools/experiments.py collect configs/experiments/digits_demo.py
description = (
    'Long-tailed digits (scikit-learn\'s load_digits, ratio 10: 104 .. 10 training images '
    'per class; 50 test and 20 validation images per class held out), a 0.49M-parameter CoC, '
    '30 epochs of AdamW. Validation every 2 epochs chooses the best checkpoint; the test split '
    '(500 images) is evaluated on it and on the last checkpoint.')

seeds = [0, 1, 2]

cfg_options = {'train_cfg.val_interval': 2}

rows = [
    dict(name='no mixing', config='configs/demo/coc_digits_lt_ot.py',
         cfg_options={'model.schedule.mix_prob': 0}),
    dict(name='CMO (random pairing)', config='configs/demo/coc_digits_lt_cmo.py'),
    dict(name='OT-guided CutMix', config='configs/demo/coc_digits_lt_ot.py'),
]
