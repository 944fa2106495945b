"""How often the saliency point that SaliencyBox centres on lies on an annotated object.

    python tools/benchmarks/saliency_on_objects.py --data ../shared/data/coco128 --size 128

For each COCO image (resized to ``size x size``), the most and least salient points of
``coc.mixing.saliency_maps`` (OpenCV's fine-grained static saliency) are checked against the
union of the image's non-crowd instance boxes; "chance" is the fraction of the image those
boxes cover, i.e. the hit rate of a uniformly drawn point (CMO's random box centre).
"near border" is the share of most salient points less than 10% of the side from a border,
next to the share of all pixels that are (where a uniform point lands).
Results go to ``<out-dir>/saliency_on_objects_<size>.{json,md}``.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np
import torch

from coc.mixing.saliency import extreme_points, saliency_maps


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', required=True, help='COCO-format folder (train2017/, '
                        'annotations/instances_train2017.json)')
    parser.add_argument('--size', type=int, default=128, help='images are resized to size^2')
    parser.add_argument('--upsample', type=int, help='compute the saliency on the resized '
                        'image enlarged to this side, then shrink the map back (a check of '
                        'whether small images only need more pixels)')
    parser.add_argument('--out-dir', default=osp.join(osp.dirname(__file__), 'results'))
    return parser.parse_args(argv)


def object_masks(data, size):
    """Yield (BGR image resized to size^2, boolean mask of its object boxes)."""
    with open(osp.join(data, 'annotations', 'instances_train2017.json')) as f:
        annotations = json.load(f)
    boxes = {}
    for ann in annotations['annotations']:
        if not ann.get('iscrowd'):
            boxes.setdefault(ann['image_id'], []).append(ann['bbox'])
    for info in annotations['images']:
        if info['id'] not in boxes:
            continue
        path = osp.join(data, 'train2017', info['file_name'])
        image = cv2.imread(path)
        if image is None:
            raise FileNotFoundError(f'{path} is listed in the annotations but cannot be read; '
                                    '--data must hold train2017/ with every annotated image')
        scale_y, scale_x = size / image.shape[0], size / image.shape[1]
        mask = np.zeros((size, size), bool)
        for x, y, width, height in boxes[info['id']]:
            mask[int(y * scale_y):int(np.ceil((y + height) * scale_y)),
                 int(x * scale_x):int(np.ceil((x + width) * scale_x))] = True
        yield cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA), mask


def run(args):
    hits = dict(most_salient=[], least_salient=[], chance=[], near_border=[])
    for image, mask in object_masks(args.data, args.size):
        if args.upsample:
            image = cv2.resize(image, (args.upsample, args.upsample))
        rgb = torch.from_numpy(image[..., ::-1].copy()).permute(2, 0, 1)[None].float()
        maps = saliency_maps(rgb)
        if args.upsample:
            maps = torch.nn.functional.adaptive_avg_pool2d(maps, args.size)
        for name, mode in (('most_salient', 'max'), ('least_salient', 'min')):
            row, col = extreme_points(maps, mode)[0].tolist()
            hits[name].append(bool(mask[row, col]))
            if mode == 'max':
                margin = min(row, col, args.size - 1 - row, args.size - 1 - col)
                hits['near_border'].append(margin < 0.1 * args.size)
        hits['chance'].append(float(mask.mean()))
    margins = np.minimum.outer(*(2 * [np.minimum(np.arange(args.size),
                                                 args.size - 1 - np.arange(args.size))]))
    return dict(images=len(hits['chance']), size=args.size, upsample=args.upsample,
                uniform_near_border=float((margins < 0.1 * args.size).mean()),
                **{name: float(np.mean(values)) for name, values in hits.items()})


def write(result, args):
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, f'saliency_on_objects_{args.size}'
                    + (f'_up{args.upsample}' if args.upsample else ''))
    with open(stem + '.json', 'w') as f:
        json.dump(result, f, indent=2)
    with open(stem + '.md', 'w') as f:
        f.write(f"# Saliency points on COCO objects ({result['images']} images, "
                f"{args.size}x{args.size}"
                + (f', saliency computed at {args.upsample}x{args.upsample}'
                   if args.upsample else '')
                + ")\n\n| point | on an object box |\n|---|---|\n"
                f"| most salient (sal_corr centre) | {result['most_salient']:.3f} |\n"
                f"| least salient | {result['least_salient']:.3f} |\n"
                f"| uniform (chance = box coverage) | {result['chance']:.3f} |\n\n"
                f"Most salient points less than 10% of the side from a border: "
                f"{result['near_border']:.3f} (uniform: {result['uniform_near_border']:.3f})\n")
    print(result, f'\nwrote {stem}.json and {stem}.md')


if __name__ == '__main__':
    arguments = parse_args()
    write(run(arguments), arguments)
