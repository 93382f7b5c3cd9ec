"""Check a config's data before training: ``python tools/check_dataset.py CONFIG [options]``.

Builds ``train_dataloader.dataset`` (which validates every annotation and opens every video),
draws ``--num-pairs`` training pairs, and, when the config -- or ``--probe-config`` -- has a
keypoint set (``probe_dataset``), a few of its instances with their labelled keypoints and the
skeleton; writes both into one PNG contact sheet and prints a summary (videos, tracks, frames,
pairs per epoch, skipped items). CONFIG may also be a probe config alone. docs/plugins.md.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402

from hierembed.datasets.transforms import outside_fraction  # noqa: E402
from hierembed.engine.launch import run_name  # noqa: E402
from hierembed.registry import DATASETS  # noqa: E402
from hierembed.utils import register_all_modules  # noqa: E402
from hierembed.utils.cli import CfgOptionsAction, load_config, run_tool  # noqa: E402
from hierembed.visualization import draw_keypoints, save_rgb  # noqa: E402
from hierembed.visualization.keypoint_drawing import GT_COLOR, to_hwc_uint8  # noqa: E402

TILE = 128
GAP = 2
WHITE = (255, 255, 255)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Validate a config\'s datasets and write a '
                                     'contact sheet of training pairs and labelled keypoints')
    parser.add_argument('config', help='a training config (or a probe config)')
    parser.add_argument('--probe-config', help='a probe config whose keypoint set is drawn too')
    parser.add_argument('--out', help='the PNG to write (default: '
                        'work_dirs/check_dataset/<config name>.png)')
    parser.add_argument('--num-pairs', type=int, default=8, help='training pairs to draw')
    parser.add_argument('--num-keypoint-images', type=int, default=8,
                        help='keypoint instances to draw')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override entries of CONFIG, key=value')
    parser.add_argument('--probe-cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override entries of --probe-config, key=value')
    return parser.parse_args(argv)


def _bar(text: str, width: int, height: int = 20) -> np.ndarray:
    bar = np.full((height, width, 3), 255, np.uint8)
    cv2.putText(bar, text, (4, height - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                cv2.LINE_AA)
    return bar


def _tile(image, size: int = TILE) -> np.ndarray:
    image = to_hwc_uint8(image)
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)


def _row(tiles: List[np.ndarray]) -> np.ndarray:
    parts = []
    for i, t in enumerate(tiles):
        if i:
            parts.append(np.full((t.shape[0], GAP, 3), 255, np.uint8))
        parts.append(t)
    return np.concatenate(parts, 1)


def _stack(rows: List[np.ndarray]) -> np.ndarray:
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, GAP), (0, width - r.shape[1]), (0, 0)), constant_values=255)
              for r in rows]
    return np.concatenate(padded, 0)


def border_share(dataset, per_track: int = 5) -> float:
    """The share of sampled crops (``per_track`` boxes a track) of which more than half lies
    outside the frame, i.e. is replicated border."""
    flags = []
    for v, ts in enumerate(dataset.tracks):
        video = dataset.videos[v]
        for t in ts:
            for pos in np.unique(np.linspace(0, len(t.frames) - 1, per_track).round()):
                box = dataset.crop_box(t, int(pos))
                flags.append(outside_fraction(box, video['width'], video['height'],
                                              dataset.crop.margin) > 0.5)
    return float(np.mean(flags)) if flags else 0.0


def summarize_pairs(dataset) -> Dict:
    """Counts of a :class:`hierembed.datasets.VideoPairDataset` (or subclass); of a
    :class:`hierembed.datasets.ConcatPairDataset`, its length and each dataset's (``parts``)."""
    if hasattr(dataset, 'datasets'):
        parts = [summarize_pairs(d) for d in dataset.datasets]
        return dict(type=type(dataset).__name__, pairs_per_epoch=len(dataset), parts=parts,
                    mostly_border=max(p['mostly_border'] for p in parts))
    tracks = [t for ts in dataset.tracks for t in ts]
    return dict(type=type(dataset).__name__, data_root=dataset.data_root,
                ann_file=dataset.ann_file, videos=len(dataset.videos), tracks=len(tracks),
                chosen_by_video_ids=dataset.video_ids is not None,
                frames=int(sum(len(t.frames) for t in tracks)),
                anchor_frames=int(sum(len(t.anchors) for t in tracks)),
                pairs_per_epoch=len(dataset), max_gap=dataset.max_gap,
                skipped=int(dataset.num_skipped), mostly_border=border_share(dataset))


def pair_rows(dataset, num_pairs: int) -> List[np.ndarray]:
    """Rows of [source clean | target clean | source jittered | target jittered]."""
    indices = np.unique(np.linspace(0, len(dataset) - 1, num_pairs).round().astype(int))
    rows = []
    for i in indices.tolist():
        sample = dataset[i]
        inp, meta = sample['inputs'], sample['data_samples']
        tiles = [_tile(inp[k]) for k in ('source_clean', 'target_clean', 'source', 'target')]
        row = _row(tiles)
        caption = (f'{meta["video_id"]} track {meta["track_id"]}: frame {meta["frame_source"]}'
                   f' -> {meta["frame_target"]}   (clean | clean | jittered | jittered)')
        rows.append(np.concatenate([_bar(caption, row.shape[1]), row], 0))
    return rows


def keypoint_rows(dataset, num_images: int, ncols: int = 4, size: int = 192) -> List[np.ndarray]:
    """Tiles of keypoint instances: labelled keypoints (v > 0) numbered, with the skeleton."""
    meta = dataset.metainfo
    names = meta['keypoint_names']
    indices = np.unique(np.linspace(0, len(dataset) - 1, num_images).round().astype(int))
    tiles = []
    for i in indices.tolist():
        s = dataset[i]
        img = to_hwc_uint8(s['img'])
        scale = size / img.shape[1]
        canvas = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
        kps = s['keypoints'].numpy() * scale
        vis = s['keypoints_visible'].numpy()
        draw_keypoints(canvas, kps, vis > 0, meta['skeleton'], GT_COLOR, radius=3)
        for k in np.flatnonzero(vis > 0):
            x, y = (int(round(v)) for v in kps[k])
            cv2.putText(canvas, str(k), (x + 3, y - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                        WHITE if vis[k] == 2 else (255, 200, 0), 1, cv2.LINE_AA)
        tiles.append(np.concatenate([_bar(f'image {s["image_id"]} instance {s["id"]}', size),
                                     canvas], 0))
    rows = [_row(tiles[r:r + ncols]) for r in range(0, len(tiles), ncols)]
    width = max(r.shape[1] for r in rows)
    legend, line = [], ''
    for k, n in enumerate(names):
        item = f'{k} {n}  '
        if len(line) + len(item) > width // 7:
            legend.append(_bar(line, width, 16))
            line = ''
        line += item
    legend.append(_bar(line + ' (white: visible, orange: occluded)', width, 16))
    return rows + legend


def keypoint_dataset_cfg(cfg: Config) -> Optional[Dict]:
    """``probe_dataset`` merged with the train split's arguments, if the config has one."""
    if not cfg.get('probe_dataset'):
        return None
    ds = dict(cfg.probe_dataset)
    ds.update(dict((cfg.get('probe_splits') or {}).get('train') or dict(split='train')))
    return ds


def check(cfg: Config, out: str, num_pairs: int = 8, num_keypoint_images: int = 8,
          probe_cfg: Optional[Config] = None, title: str = '') -> Dict:
    """Build and validate the datasets of ``cfg`` (and ``probe_cfg``), write the sheet.

    Returns:
        dict(pairs=summary or None, keypoints=summary or None, out=path).
    """
    summary = dict(pairs=None, keypoints=None, out=out)
    rows = []
    with DefaultScope.overwrite_default_scope('hierembed'):
        if cfg.get('train_dataloader'):
            dataset = DATASETS.build(cfg.train_dataloader.dataset)
            summary['pairs'] = summarize_pairs(dataset)
            rows.append(_bar(f'training pairs: {title}', 4 * TILE + 3 * GAP, 24))
            rows += pair_rows(dataset, num_pairs)
        kp_cfg = keypoint_dataset_cfg(probe_cfg if probe_cfg is not None else cfg)
        if kp_cfg is not None:
            kp = DATASETS.build(kp_cfg)
            summary['keypoints'] = dict(
                ann_file=kp.ann_file, instances=len(kp), skipped=int(kp.num_skipped),
                object_class=kp.metainfo.get('object_class'),
                num_keypoints=kp.metainfo['num_keypoints'], norm_type=kp.norm_type)
            krows = keypoint_rows(kp, num_keypoint_images)
            rows.append(_bar(f'labelled keypoints: {kp.ann_file}', krows[0].shape[1], 24))
            rows += krows
    if not rows:
        raise ValueError('the config has neither train_dataloader.dataset nor probe_dataset: '
                         'nothing to check')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    save_rgb(out, _stack(rows))
    return summary


def _print(summary: Dict) -> None:
    p, k = summary['pairs'], summary['keypoints']
    if p:
        if 'parts' in p:
            shares = [100 * q['pairs_per_epoch'] / p['pairs_per_epoch'] for q in p['parts']]
            print(f'{p["type"]}: {p["pairs_per_epoch"]} pairs/epoch, ' + ', '.join(
                f'{share:.0f} %' for share in shares) + ' from the datasets below')
        for q in p.get('parts', [p]):
            chosen = ' (chosen by video_ids)' if q['chosen_by_video_ids'] else ''
            print(f'{q["type"]} ({q["ann_file"]}): {q["videos"]} videos{chosen}, '
                  f'{q["tracks"]} tracks, '
                  f'{q["frames"]} frames ({q["anchor_frames"]} with a partner within max_gap='
                  f'{q["max_gap"]}), {q["pairs_per_epoch"]} pairs/epoch, {q["skipped"]} skipped '
                  'items')
        if p['mostly_border'] > 0.5:
            print(f'WARNING: in {100 * p["mostly_border"]:.0f} % of the sampled crops more than '
                  'half of the crop lies outside the frame (replicated border): boxes near or '
                  'beyond the frame\'s edges, or whole frames with whole_frame=\'pad\'; the '
                  'model learns little from border. Check the boxes, or use the dataset\'s '
                  'default whole_frame=\'inside\' (docs/data.md)')
    if k:
        print(f'KeypointDataset ({k["ann_file"]}): {k["instances"]} instances of '
              f'{k["object_class"]!r}, {k["num_keypoints"]} keypoints, norm {k["norm_type"]!r}, '
              f'{k["skipped"]} skipped items')
    print(f'contact sheet: {summary["out"]}')


def main(argv=None) -> Dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = load_config(args.config, args.cfg_options)
    probe_cfg = None
    if args.probe_config:
        probe_cfg = load_config(args.probe_config, args.probe_cfg_options)
    name = run_name(cfg, args.config)
    out = args.out or osp.join('work_dirs', 'check_dataset', f'{name}.png')
    summary = check(cfg, out, args.num_pairs, args.num_keypoint_images, probe_cfg, title=name)
    _print(summary)
    return summary


if __name__ == '__main__':
    run_tool(main)
