"""Propagate keypoints labelled on a video's first frame through it with the learned warp.

Reads a keypoint set whose images carry ``video_id`` and ``frame`` (the procedural classes
write them; see docs/data.md for the rest of the format), takes the first labelled frame of each
video as the anchor, carries its keypoints to the other labelled frames, writes an annotated
mp4 per video (filled dots: propagated, rings: ground truth) and reports PCK@thr x max(bbox
w, h) (thr 0.05 by default) along each video, next to the "static" baseline that keeps the
keypoints where they are in the crop (what an identity warp gives).

Usage:
    python tools/propagate.py --checkpoint work_dirs/x/iter_3000.pth \
        --data-root data/synthetic_upper_body_400x25 [--split test] [--max-videos 3] [--out-dir DIR]
"""
import argparse
import json
import os
import os.path as osp
from collections import defaultdict

import cv2
import numpy as np
import torch

from hierembed.apis.inference import init_embedder
from hierembed.apis.propagate import pck_along_video, propagate_keypoints
from hierembed.datasets.transforms.crop import apply_affine, crop_matrix
from hierembed.datasets.video_io import open_reader


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--config', default=None,
                        help='training config (default: the one stored in the checkpoint)')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--split', default='test')
    parser.add_argument('--max-videos', type=int, default=3)
    parser.add_argument('--level', type=int, default=None)
    # 0.2 x max(bbox w, h) is about a forearm here: keypoints that stay put already score ~80 %.
    parser.add_argument('--thr', type=float, default=0.05)
    parser.add_argument('--margin', type=float, default=1.2,
                        help='crop margin: the one the model was trained with (VideoPairDataset)')
    parser.add_argument('--out-dir', default=None)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


def load_videos(data_root: str, split: str) -> dict:
    """Labelled frames per video: {video_id: [(frame, keypoints [N, 3], bbox), ...]}."""
    ann_file = osp.join(data_root, 'annotations', f'keypoints_{split}.json')
    with open(ann_file) as f:
        coco = json.load(f)
    images = {im['id']: im for im in coco['images']}
    by_video = defaultdict(list)
    for ann in coco['annotations']:
        im = images[ann['image_id']]
        if 'video_id' not in im or 'frame' not in im:
            raise ValueError(f'{ann_file}: image {im["id"]} has no `video_id`/`frame`; '
                             'propagation needs keypoint images that name their video frame')
        kps = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
        by_video[im['video_id']].append((int(im['frame']), kps, ann['bbox']))
    names = [c['keypoints'] for c in coco['categories']][0]
    skeleton = [(a - 1, b - 1) for a, b in coco['categories'][0].get('skeleton', [])]
    return {k: sorted(v, key=lambda r: r[0]) for k, v in by_video.items()}, names, skeleton


def video_paths(data_root: str, split: str) -> dict:
    with open(osp.join(data_root, 'annotations', f'videos_{split}.json')) as f:
        videos = json.load(f)['videos']
    return {v['id']: v['path'] if osp.isabs(v['path']) else osp.join(data_root, v['path'])
            for v in videos}


def draw(frame, pred, gt, vis, skeleton):
    img = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    scale = max(1, 256 // max(img.shape[:2]))
    img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    for a, b in skeleton:
        pa, pb = (pred[a] * scale).astype(int), (pred[b] * scale).astype(int)
        cv2.line(img, tuple(int(v) for v in pa), tuple(int(v) for v in pb), (255, 255, 0), 1)
    for p, g, v in zip(pred, gt, vis):
        if v > 0:
            cv2.circle(img, tuple(int(c) for c in g * scale), 4, (0, 255, 0), 1)
        cv2.circle(img, tuple(int(c) for c in p * scale), 2, (0, 0, 255), -1)
    return img


def main():
    args = parse_args()
    model = init_embedder(args.config, args.checkpoint, device=args.device)
    out_dir = args.out_dir or osp.join(osp.dirname(osp.abspath(args.checkpoint)), 'propagate')
    os.makedirs(out_dir, exist_ok=True)
    labelled, names, skeleton = load_videos(args.data_root, args.split)
    paths = video_paths(args.data_root, args.split)
    report = dict(checkpoint=args.checkpoint, split=args.split, thr=args.thr, videos={})
    all_warp, all_static = [], []
    for vid in sorted(labelled)[:args.max_videos]:
        rows = labelled[vid]
        frames = open_reader(paths[vid]).get([r[0] for r in rows])
        gt = np.stack([r[1][:, :2] for r in rows])
        vis = np.stack([r[1][:, 2] for r in rows])
        boxes = [r[2] for r in rows]
        norms = np.array([max(b[2], b[3]) for b in boxes], np.float64)
        pred = propagate_keypoints(model, list(frames), boxes, gt[0], margin=args.margin,
                                   level=args.level)
        # Static baseline: the anchor's keypoints kept at the same place in every crop.
        size = model.input_size
        anchor_crop = apply_affine(gt[0], crop_matrix(boxes[0], size, args.margin))
        static = np.stack([
            apply_affine(anchor_crop, np.linalg.inv(np.vstack(
                [crop_matrix(b, size, args.margin), [0, 0, 1]]))[:2]) for b in boxes])
        # Frame 0 is the anchor itself: score the frames after it.
        warp_res = pck_along_video(pred[1:], gt[1:], vis[1:], norms[1:], args.thr)
        static_res = pck_along_video(static[1:], gt[1:], vis[1:], norms[1:], args.thr)
        all_warp.append(warp_res['pck'])
        all_static.append(static_res['pck'])
        mp4 = osp.join(out_dir, f'{vid}.mp4')
        h, w = draw(frames[0], pred[0], gt[0], vis[0], skeleton).shape[:2]
        writer = cv2.VideoWriter(mp4, cv2.VideoWriter_fourcc(*'mp4v'), 5, (w, h))
        for t in range(len(rows)):
            writer.write(draw(frames[t], pred[t], gt[t], vis[t], skeleton))
        writer.release()
        report['videos'][vid] = dict(pck=warp_res['pck'], static_pck=static_res['pck'],
                                     per_frame=warp_res['per_frame'], video=mp4,
                                     frames=[r[0] for r in rows])
        print(f'{vid}: PCK@{args.thr} {warp_res["pck"]:.1f} (static {static_res["pck"]:.1f}), '
              f'{len(rows)} labelled frames -> {mp4}')
    report['pck'] = float(np.mean(all_warp))
    report['static_pck'] = float(np.mean(all_static))
    with open(osp.join(out_dir, 'propagate.json'), 'w') as f:
        json.dump(report, f, indent=2)
    print(f'mean PCK@{args.thr}: propagated {report["pck"]:.1f}, static {report["static_pck"]:.1f}'
          f' ({osp.join(out_dir, "propagate.json")})')


if __name__ == '__main__':
    main()
