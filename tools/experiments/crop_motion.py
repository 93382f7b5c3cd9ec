"""How much the crop itself moves, and how much smoothing its box changes it (no model).

For a training config (any class: procedural or a user's converted videos), over pairs drawn as
in training (its ``VideoPairDataset``: tracks, margin, pair gap), with each frame cropped around
its own box (``crop='frame'``) and around its track's boxes averaged over ``crop_window`` frames
(``crop='smooth'``). Static points of the image (the source frame's box: centre and corners):

- ``pair_motion``: how far they move between the source's crop and the target's, in crop
  pixels, per crop mode. A static background moves only because the crop does; on the figure
  itself this is the crop's motion, which adds to the figure's own;
- ``frame_vs_smooth``: how far they are between a frame's own crop and its smoothed crop (0 if
  smoothing cannot change the training pairs).

Medians and 90th percentiles (docs/research/full_body.md, section 22; docs/research/real_faces.md,
section 21).

    python tools/experiments/crop_motion.py configs/real_faces.py configs/synthetic_face.py \
        --num-pairs 400 --out work_dirs/crop_motion.json
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from hierembed.datasets.transforms import apply_affine, crop_matrix  # noqa: E402
from hierembed.errors import ConfigError  # noqa: E402
from hierembed.registry import DATASETS  # noqa: E402
from hierembed.utils import register_all_modules  # noqa: E402

MODES = ('frame', 'smooth')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('configs', nargs='+', help='training configs')
    p.add_argument('--num-pairs', type=int, default=400)
    p.add_argument('--out', help='write the numbers to this JSON file')
    args = p.parse_args(argv)
    if args.num_pairs < 1:
        p.error(f'--num-pairs must be at least 1, got {args.num_pairs}')
    return args


def box_points(box: np.ndarray) -> np.ndarray:
    """[5, 2] the centre and the four corners of an x, y, w, h box (image pixels)."""
    x, y, w, h = (float(v) for v in box)
    return np.array([[x + w / 2, y + h / 2], [x, y], [x + w, y], [x, y + h], [x + w, y + h]])


def _shift(m_a: np.ndarray, m_b: np.ndarray, pts: np.ndarray) -> float:
    """Mean distance [crop px] between ``pts`` mapped by two crop matrices [2, 3]."""
    return float(np.linalg.norm(apply_affine(pts, m_b) - apply_affine(pts, m_a), axis=1).mean())


def measure(dataset, indices: List[int]) -> Dict:
    """The pair motion per crop mode and the frame-vs-smooth shift over ``indices``' pairs.

    Args:
        dataset: a ``VideoPairDataset`` built with ``crop='smooth'`` (its ``crop_box``); the
            frame crop is each frame's own box, so one dataset serves both modes.
        indices: pair indices.

    Returns:
        ``pair_motion`` {mode: {median, p90}} and ``frame_vs_smooth`` {median, p90}, crop px.
    """
    size, margin = dataset.input_size, dataset.crop.margin
    motion = {m: [] for m in MODES}
    apart = []
    for i in indices:
        track, a, b, _ = dataset.sample_pair(i)
        pts = box_points(track.boxes[a])
        boxes = dict(frame=(track.boxes[a], track.boxes[b]),
                     smooth=(dataset.crop_box(track, a), dataset.crop_box(track, b)))
        mats = {m: [crop_matrix(box, size, margin) for box in pair] for m, pair in boxes.items()}
        for m in MODES:
            motion[m].append(_shift(mats[m][0], mats[m][1], pts))
        apart.append(_shift(mats['frame'][0], mats['smooth'][0], pts))

    def stat(v):
        return dict(median=float(np.median(v)), p90=float(np.percentile(v, 90)))
    return dict(pair_motion={m: stat(v) for m, v in motion.items()},
                frame_vs_smooth=stat(apart))


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    register_all_modules()
    results = {}
    for path in args.configs:
        cfg = Config.fromfile(path)
        ds_cfg = cfg.train_dataloader.dataset.to_dict()
        if ds_cfg.get('type') != 'VideoPairDataset':
            raise ConfigError(f'{path}: train_dataloader.dataset.type is {ds_cfg.get("type")!r}; '
                              'crop_motion.py reads one VideoPairDataset (measure each of its '
                              'parts through a config of its own)')
        ds = DATASETS.build(dict(ds_cfg, crop='smooth', jitter=None))
        n = len(ds)
        # spread over the videos; more pairs than an epoch's: the next epochs' draws
        indices = ([k * n // args.num_pairs for k in range(args.num_pairs)]
                   if args.num_pairs <= n else list(range(args.num_pairs)))
        res = measure(ds, indices)
        res.update(num_pairs=len(indices), max_gap=ds.max_gap, input_size=ds.input_size,
                   crop_margin=ds.crop.margin, crop_window=ds.crop_window)
        results[path] = res
        pm = res['pair_motion']
        print(f'{path} ({len(indices)} pairs, max_gap={ds.max_gap}, window {ds.crop_window}): '
              f'static points move {pm["frame"]["median"]:.2f} crop px between a pair\'s crops '
              f'(p90 {pm["frame"]["p90"]:.2f}) with the frame crop, '
              f'{pm["smooth"]["median"]:.2f} (p90 {pm["smooth"]["p90"]:.2f}) with the smoothed; '
              f'a frame\'s two crops differ by {res["frame_vs_smooth"]["median"]:.2f} '
              f'(p90 {res["frame_vs_smooth"]["p90"]:.2f})')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
        print(f'numbers: {args.out}')
    return results


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
