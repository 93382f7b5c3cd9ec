"""What the warp is asked to match, per procedural class: the figure in the crop and its motion.

No model, no training (docs/research/full_body.md, section 22). For a training config on a
procedural class, over pairs drawn as in training (its ``VideoPairDataset``: crop, margin, pair
gap; the class re-rendered into ``--out-root`` with ``--num-videos`` videos of the config's own
length and size), from the renderer's part labels and keypoints:

- the figure's and the limbs' share of the crop's pixels, and the figure's height over the
  crop's side;
- the limbs' width in crop pixels (4 x the mean distance of a limb pixel to the limb's edge:
  exact for a band) and in pixels of each warp level (the crop at the level's side W_r);
- the motion the warp must follow, per keypoint group: the distance between a keypoint's
  position in the source crop and in the target crop, in crop pixels and in pixels of level 1
  (median and 90th percentile; the frames' own crops, so it is what the warp sees, not the
  figure's motion in the frame).

    python tools/experiments/class_geometry.py configs/synthetic_upper_body.py \
        configs/synthetic_full_body.py --num-pairs 400 --out work_dirs/class_geometry.json
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

import cv2
import numpy as np
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from limb_diagnostics import ProceduralLabels  # noqa: E402

from hierembed.datasets.transforms import apply_affine, crop_matrix  # noqa: E402
from hierembed.errors import ConfigError  # noqa: E402
from hierembed.registry import DATASETS  # noqa: E402
from hierembed.utils import register_all_modules  # noqa: E402

#: per class, the part ids of the limbs and of the rest of the figure (0 is the background)
PARTS = dict(upper_body=dict(limbs=(4, 5, 6, 7), figure=(1, 2, 3)),
             full_body=dict(limbs=(3, 4, 5, 6, 7, 8, 9, 10), figure=(1, 2), arms=(3, 4, 5, 6),
                            legs=(7, 8, 9, 10)))
#: per class, keypoint indices by group (hierembed/datasets/procedural/classes.py's order)
KEYPOINTS = dict(upper_body=dict(head=(0,), torso=(1, 2, 3), elbows=(4, 5), wrists=(6, 7)),
                 full_body=dict(head=(0,), torso=(1, 2, 7, 8), elbows=(3, 4), wrists=(5, 6),
                                knees=(9, 10), ankles=(11, 12)))


def parse_args(argv: Optional[List[str]] = None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('configs', nargs='+', help='training configs on procedural classes')
    p.add_argument('--num-pairs', type=int, default=400)
    p.add_argument('--num-videos', type=int, default=24,
                   help='videos rendered per class (their identities are the seed\'s first)')
    p.add_argument('--out-root', default='work_dirs/class_geometry',
                   help='where the classes are rendered (one folder per config)')
    p.add_argument('--out', help='write the numbers to this JSON file')
    return p.parse_args(argv)


def band_width(mask: np.ndarray) -> float:
    """Mean width of the bands in a binary mask [H, W]: 4 x the mean distance to the edge.

    For a band of width w and length L >> w, the distance to the edge averages w / 4. A pixel's
    distance to the nearest background pixel's centre is its centre's distance to the edge plus
    0.5 (exact for even widths; an odd width w reads w + 1 / w).
    """
    if not mask.any():
        return float('nan')
    padded = np.pad(mask.astype(np.uint8), 1)  # the crop's edge is not the limb's edge
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    return float(4 * (dist[mask].mean() - 0.5))


def _crop_labels(labels: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    return cv2.warpAffine(labels, matrix, (size, size), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_REPLICATE)


def measure(dataset, indices: List[int], labels: ProceduralLabels, level_sizes: List[int]) -> Dict:
    """The numbers of the module docstring over the pairs ``indices`` of ``dataset``."""
    size = dataset.input_size
    parts, groups = PARTS[labels.cls], KEYPOINTS[labels.cls]
    shares = {name: [] for name in ('figure', *parts)}
    widths = {name: [] for name in parts if name != 'figure'}
    heights, motion = [], {g: [] for g in groups}
    for i in indices:
        track, a, b, _ = dataset.sample_pair(i)
        video = dataset.videos[track.video]
        crops, kps = [], []
        for pos in (a, b):
            frame = labels.frame(video, int(track.frames[pos]))
            m = crop_matrix(dataset.crop_box(track, pos), size, dataset.crop.margin)
            crops.append(_crop_labels(frame['labels'], m, size))
            kps.append(apply_affine(frame['keypoints'], m))
        crop = crops[1]  # the target's
        figure = crop > 0
        shares['figure'].append(figure.mean())
        rows = np.nonzero(figure.any(1))[0]
        heights.append((rows[-1] - rows[0] + 1) / size if len(rows) else 0.0)
        for name, ids in parts.items():
            if name == 'figure':
                continue
            mask = np.isin(crop, ids)
            shares[name].append(mask.mean())
            widths[name].append(band_width(mask))
        d = np.linalg.norm(kps[0] - kps[1], axis=1)
        for g, ks in groups.items():
            motion[g].extend(d[list(ks)].tolist())
    scale1 = level_sizes[0] / size
    out = dict(figure_height_over_crop=float(np.mean(heights)),
               pixel_share={k: float(np.mean(v)) for k, v in shares.items()},
               width_crop_px={k: float(np.nanmean(v)) for k, v in widths.items()},
               level_sizes=level_sizes, motion={})
    out['width_level_px'] = {k: [w * s / size for s in level_sizes]
                             for k, w in out['width_crop_px'].items()}
    for g, d in motion.items():
        d = np.asarray(d)
        out['motion'][g] = dict(crop_px_median=float(np.median(d)),
                                crop_px_p90=float(np.percentile(d, 90)),
                                level1_px_median=float(np.median(d) * scale1),
                                level1_px_p90=float(np.percentile(d, 90) * scale1))
    return out


def _render_cfg(cfg: Config, root: str, num_videos: int) -> Dict:
    ds = cfg.train_dataloader.dataset.to_dict()
    proc = dict(ds.get('procedural') or {})
    if proc.get('object_class') not in PARTS:
        raise ConfigError(f'{cfg.filename}: train_dataloader.dataset.procedural.object_class is '
                          f'{proc.get("object_class")!r}; parts are known for {sorted(PARTS)}')
    proc['num_videos'] = num_videos
    return dict(ds, data_root=root, procedural=proc, jitter=None)


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    register_all_modules()
    results = {}
    for path in args.configs:
        cfg = Config.fromfile(path)
        name = osp.splitext(osp.basename(path))[0]
        ds_cfg = _render_cfg(cfg, osp.join(args.out_root, name), args.num_videos)
        dataset = DATASETS.build(ds_cfg)
        head = cfg.model.warp_head
        levels = [head.base_size * 2 ** r for r in range(head.num_levels)]
        n = len(dataset)
        indices = [k * n // args.num_pairs for k in range(min(args.num_pairs, n))]
        res = measure(dataset, indices, ProceduralLabels(dataset), levels)
        res.update(num_pairs=len(indices), max_gap=dataset.max_gap,
                   input_size=dataset.input_size, crop_margin=dataset.crop.margin,
                   object_class=ds_cfg['procedural']['object_class'])
        results[path] = res
        print(f'{path} ({res["object_class"]}, {len(indices)} pairs, max_gap={dataset.max_gap}): '
              f'figure {100 * res["pixel_share"]["figure"]:.0f} % of the crop, '
              f'{100 * res["figure_height_over_crop"]:.0f} % of its height')
        for k, w in res['width_crop_px'].items():
            lv = ', '.join(f'{x:.1f}' for x in res['width_level_px'][k])
            print(f'  {k}: {100 * res["pixel_share"][k]:.1f} % of the pixels, {w:.1f} crop px '
                  f'wide (at levels {levels}: {lv} px)')
        for g, m in res['motion'].items():
            print(f'  {g}: moves {m["crop_px_median"]:.2f} crop px between the pair\'s crops '
                  f'(p90 {m["crop_px_p90"]:.2f}); {m["level1_px_median"]:.2f} px of level 1 '
                  f'(p90 {m["level1_px_p90"]:.2f})')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
        print(f'numbers: {args.out}')
    return results


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
