"""Speed/accuracy trade-off of Context-Cluster stem and region settings for 32x32 images.

    python tools/benchmarks/coc_cifar_stem.py --data ../shared/data/gtsrb32/train

The ImageNet stem (4x4 patches) leaves 8/4/2/1-point maps on a 32x32 image, so folds
8/4/2/1 cut it into one-point regions and clustering degenerates. The candidates keep every
stage clustering several points per center by a finer stem; each trains a CoC from scratch
(CoC-Small, or a narrow CoC with ``--arch narrow``) on the same split of a folder of 32x32
images (one sub-folder per class; files named ``<a>_<track>_<frame>.png`` like the GTSRB
extract are split by track so near-identical frames never straddle train and test) and
reports training throughput and test top-1. Results go to
``<out-dir>/coc_cifar_stem_<arch>_<epochs>e.{json,md}``. MACs of each setting:
``tools/analysis_tools/get_flops.py`` (commands in docs/context_cluster.md).
"""
import argparse
import json
import os
import os.path as osp
import random
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import coc  # noqa: F401  (registers ContextCluster)

ARCHS = {
    'small': dict(layers=[2, 2, 6, 2], embed_dims=[64, 128, 320, 512], mlp_ratios=[8, 8, 4, 4],
                  heads=[4, 4, 8, 8], head_dim=32),
    # a narrow, shallow CoC that runs the comparison on a shared 2-core CPU in minutes
    'narrow': dict(layers=[1, 1, 2, 1], embed_dims=[32, 64, 128, 192], mlp_ratios=4,
                   heads=[2, 2, 4, 4], head_dim=16),
}
# name -> (stem kernel, stride, pad, proposal per stage, fold per stage); stage maps on 32x32
# and points per center (region points / centers) in the comment.
SETTINGS = {
    'imagenet_stem': (4, 4, 0, [2, 2, 2, 2], [8, 4, 2, 1]),  # 8/4/2/1 maps: 1 point/center
    'stride2': (2, 2, 0, [2, 2, 2, 1], [2, 1, 1, 1]),        # 16/8/4/2: 16, 16, 4, 4
    'stride1': (3, 1, 1, [2, 2, 2, 2], [4, 2, 1, 1]),        # 32/16/8/4: 16, 16, 16, 4
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', required=True, help='folder of class folders of 32x32 images')
    parser.add_argument('--arch', default='small', choices=list(ARCHS))
    parser.add_argument('--settings', nargs='+', default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument('--train-per-class', type=int, default=30)
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    return parser.parse_args(argv)


def _track(filename):
    """The track of ``<a>_<track>_<frame>.png``; a file named otherwise is its own track."""
    return filename.split('_')[1] if filename.count('_') >= 2 else filename


def load_split(root, train_per_class, seed=0):
    """(train x, train y, test x, test y); every 4th track of a class is the test set."""
    rng = random.Random(seed)
    splits = {'train': ([], []), 'test': ([], [])}
    for label, name in enumerate(sorted(os.listdir(root))):
        files = sorted(os.listdir(osp.join(root, name)))
        tracks = sorted({_track(f) for f in files})
        test_tracks = set(tracks[3::4]) if len(tracks) > 1 else set()
        train = [f for f in files if _track(f) not in test_tracks]
        test = [f for f in files if f not in train]
        rng.shuffle(train)
        for split, chosen in (('train', train[:train_per_class]), ('test', test)):
            for f in chosen:
                image = cv2.imread(osp.join(root, name, f))
                if image is None:
                    raise ValueError(f'{name}/{f} is not an image OpenCV can read')
                image = image[:, :, ::-1]
                if image.shape[:2] != (32, 32):
                    raise ValueError(f'{name}/{f} is {image.shape[:2]}, not 32x32')
                splits[split][0].append(image)
                splits[split][1].append(label)

    def to_tensors(images, labels):
        x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.
        return (x - 0.5) / 0.25, torch.tensor(labels)
    return (*to_tensors(*splits['train']), *to_tensors(*splits['test']))


def build(arch, setting, num_classes):
    kernel, stride, pad, proposal, fold = SETTINGS[setting]
    return MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ContextCluster', arch=dict(ARCHS[arch], proposal=proposal, fold=fold),
                      in_patch_size=kernel, in_stride=stride, in_pad=pad, drop_path_rate=0.1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_classes,
                  in_channels=ARCHS[arch]['embed_dims'][-1])))


def augment(x):
    """Random 32x32 crop of the 2-pixel padded image (no flips: signs are not symmetric)."""
    padded = F.pad(x, (2, 2, 2, 2), mode='reflect')
    i, j = np.random.randint(0, 5, size=2)
    return padded[:, :, i:i + 32, j:j + 32]


def run(setting, data, args):
    x_train, y_train, x_test, y_test = data
    torch.manual_seed(0)
    np.random.seed(0)
    model = build(args.arch, setting, int(y_train.max()) + 1)
    model.init_weights()
    steps = args.epochs * (len(x_train) // args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.lr, total_steps=steps,
                                                   pct_start=0.1)
    train_time, seen = 0., 0
    for _ in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train))
        for start in range(0, len(order) - args.batch_size + 1, args.batch_size):
            batch = order[start:start + args.batch_size]
            tic = time.perf_counter()
            loss = F.cross_entropy(model(augment(x_train[batch]), mode='tensor'), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            train_time += time.perf_counter() - tic
            seen += len(batch)
    model.eval()
    with torch.no_grad():
        tic = time.perf_counter()
        preds = torch.cat([model(x_test[i:i + 256], mode='tensor').argmax(1)
                           for i in range(0, len(x_test), 256)])
        test_time = time.perf_counter() - tic
    return dict(setting=setting, stem=SETTINGS[setting][:3], proposal=SETTINGS[setting][3],
                fold=SETTINGS[setting][4],
                params_m=round(sum(p.numel() for p in model.parameters()) / 1e6, 3),
                train_img_per_s=round(seen / train_time, 1),
                test_img_per_s=round(len(x_test) / test_time, 1),
                final_loss=round(loss.item(), 3),
                top1=round(100. * (preds == y_test).float().mean().item(), 2))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_split(args.data, args.train_per_class)
    header = dict(arch=args.arch, data=args.data, train=len(data[0]), test=len(data[2]),
                  epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                  threads=args.threads, torch=torch.__version__)
    results = []
    for setting in args.settings:
        results.append(run(setting, data, args))
        print(json.dumps(results[-1]), flush=True)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f'coc_cifar_stem_{args.arch}_{args.epochs}e')
    with open(stem + '.json', 'w') as f:
        json.dump(dict(header, results=results), f, indent=2)
    with open(stem + '.md', 'w') as f:
        f.write(f'CoC ({args.arch}) on 32x32 images: {header}\n\n'
                '| setting | stem (k, s, p) | proposal | fold | params (M) | train img/s | '
                'test img/s | top-1 |\n|---|---|---|---|---|---|---|---|\n')
        for r in results:
            f.write(f"| {r['setting']} | {r['stem']} | {r['proposal']} | {r['fold']} | "
                    f"{r['params_m']} | {r['train_img_per_s']} | {r['test_img_per_s']} | "
                    f"{r['top1']} |\n")


if __name__ == '__main__':
    main()
