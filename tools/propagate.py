"""Propagate keypoints through a video with the learned warp.

Your own video: keypoints labelled on one or more frames (an anchor file, docs/data.md
"Anchor keypoints"; a COCO keypoints file whose images carry ``frame`` is read too) are carried
to every frame, each frame warped into its nearest anchor, the anchors pinned to their labels.
Writes ``<name>.mp4`` (every frame, anchors in green), ``<name>_strip.png`` (a few frames side by
side) and ``<name>_points.json`` (the points of every frame) into --out-dir::

    python tools/propagate.py my_videos/clip.mp4 --checkpoint work_dirs/x/iter_300.pth \
        --keypoints clip_frame0.json [--out-dir DIR] [--box X Y W H]

Evaluation on a labelled collection (--data-root): reads a keypoint set whose images carry
``video_id`` and ``frame`` (the procedural classes write them), takes the first labelled frame of
each video as the anchor, carries its keypoints to the other labelled frames, writes an annotated
mp4 per video (filled dots: propagated, rings: ground truth) and reports PCK@thr x max(bbox
w, h) (thr 0.05 by default) along each video, next to the "static" baseline that keeps the
keypoints where they are in the crop (what an identity warp gives)::

    python tools/propagate.py --checkpoint work_dirs/x/iter_3000.pth \
        --data-root data/synthetic_upper_body_400x25 [--split test] [--max-videos 3] [--out-dir DIR]
"""
import argparse
import json
import os
import os.path as osp
import sys
from collections import defaultdict

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from hierembed.apis.anchors import load_anchors  # noqa: E402
from hierembed.apis.inference import crop_settings, frame_box, init_embedder  # noqa: E402
from hierembed.apis.propagate import (pck_along_video, propagate_keypoints,  # noqa: E402
                                      propagate_video)
from hierembed.datasets.transforms.crop import apply_affine, crop_matrix  # noqa: E402
from hierembed.datasets.video_io import open_reader  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402
from hierembed.visualization import draw_propagated, image_strip, save_rgb  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Anchor file: {"keypoint_names": [...], "skeleton": [[1, 2]], '
        '"frames": {"0": [[x, y], ...], "40": [[x, y], null, ...]}} (docs/data.md)')
    parser.add_argument('video', nargs='?', help='a video file or a folder of frames: '
                        'propagate --keypoints through every frame of it')
    parser.add_argument('--keypoints', help='the anchor file (with VIDEO): keypoints on one or '
                        'more frames, or COCO keypoints whose images carry `frame`')
    parser.add_argument('--video-id', help='which video of a COCO --keypoints file (its images\' '
                        '`video_id`) when it holds several')
    parser.add_argument('--box', type=float, nargs=4, metavar=('X', 'Y', 'W', 'H'),
                        help='the crop box on every frame (default: the anchor file\'s `box` '
                        'or COCO bbox, else the whole frame cropped as the training data was)')
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--config', default=None,
                        help='training config (default: the one stored in the checkpoint)')
    parser.add_argument('--data-root', help='evaluation: a labelled collection')
    parser.add_argument('--split', default='test')
    parser.add_argument('--max-videos', type=int, default=3)
    parser.add_argument('--level', type=int, default=None)
    # 0.2 x max(bbox w, h) is about a forearm here: keypoints that stay put already score ~80 %.
    parser.add_argument('--thr', type=float, default=0.05)
    parser.add_argument('--margin', type=float, default=None,
                        help='crop margin (default: the training config\'s crop_margin, 1.2)')
    parser.add_argument('--out-dir', default=None)
    parser.add_argument('--fps', type=float, default=None,
                        help='frame rate of the written mp4 (default: the video\'s, else 10)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    if (args.video is None) == (args.data_root is None):
        parser.error('give either VIDEO with --keypoints (your own video) or --data-root '
                     '(evaluation on a labelled collection)')
    if args.video is not None and not args.keypoints:
        parser.error('VIDEO needs --keypoints ANCHOR.json (docs/data.md, "Anchor keypoints")')
    if args.max_videos < 1:
        parser.error(f'--max-videos: at least 1, got {args.max_videos}')
    if args.box is not None and not (all(np.isfinite(args.box)) and args.box[2] > 0
                                     and args.box[3] > 0):
        parser.error(f'--box: X Y W H with W, H > 0, got {args.box}')
    return args


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


def propagate_own_video(args, model) -> dict:
    """VIDEO mode: carry the anchor file's keypoints to every frame; write mp4, strip, JSON."""
    anchors = load_anchors(args.keypoints, args.video_id)
    if not osp.exists(args.video):
        raise FileNotFoundError(f'{args.video}: video not found')
    reader = open_reader(args.video)
    num = reader.num_frames
    first = reader.get([0])[0]
    height, width = first.shape[:2]
    anchors.check_video(args.keypoints, num, width, height)
    crop = crop_settings(args.config, args.checkpoint)
    if args.margin is not None:
        crop['margin'] = args.margin
    margin = crop['margin']
    whole = frame_box(width, height, crop)
    boxes = (np.tile(np.asarray(args.box, np.float64), (num, 1)) if args.box
             else anchors.crop_boxes(num, whole))
    res = propagate_video(model, reader, anchors, boxes, margin=margin, level=args.level)
    name = osp.splitext(osp.basename(osp.normpath(args.video)))[0]
    out_dir = args.out_dir or osp.join(osp.dirname(osp.abspath(args.checkpoint)), 'propagate',
                                       name)
    os.makedirs(out_dir, exist_ok=True)
    fps = args.fps or cv2.VideoCapture(args.video).get(cv2.CAP_PROP_FPS) or 10.0
    mp4, strip_png = osp.join(out_dir, f'{name}.mp4'), osp.join(out_dir, f'{name}_strip.png')
    anchor_frames = set(anchors.frames)
    strip_frames = sorted(anchor_frames | set(np.linspace(0, num - 1, 6).round().astype(int)
                                              .tolist()))
    writer, strip = None, []
    for start in range(0, num, 32):
        idx = list(range(start, min(num, start + 32)))
        for t, frame in zip(idx, reader.get(idx)):
            img = draw_propagated(frame, res['points'][t], anchors.skeleton, t in anchor_frames,
                                  f'frame {t}' + (' (anchor)' if t in anchor_frames else ''))
            if writer is None:
                writer = cv2.VideoWriter(mp4, cv2.VideoWriter_fourcc(*'mp4v'), float(fps),
                                         (img.shape[1], img.shape[0]))
            writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            if t in strip_frames:
                strip.append(img)
    writer.release()
    save_rgb(strip_png, image_strip(strip))
    points_json = osp.join(out_dir, f'{name}_points.json')
    report = dict(video=args.video, checkpoint=args.checkpoint, keypoints_file=args.keypoints,
                  keypoint_names=anchors.names, anchors=anchors.frames, num_frames=num,
                  width=width, height=height, mp4=mp4, strip=strip_png, frames=[
                      dict(frame=t, anchor=[int(a) for a in res['source'][t]],
                           points=[None if not np.isfinite(p).all() else
                                   [round(float(p[0]), 2), round(float(p[1]), 2)]
                                   for p in res['points'][t]])
                      for t in range(num)])
    with open(points_json, 'w') as f:
        json.dump(report, f, indent=1)
    print(f'{args.video}: {len(anchors.frames)} anchor frame(s) {anchors.frames}, '
          f'{len(anchors.names)} keypoints carried to {num} frames')
    print(f'video:  {mp4}\nstrip:  {strip_png}\npoints: {points_json}')
    return report


def main(argv=None):
    args = parse_args(argv)
    if args.video is not None:
        load_anchors(args.keypoints, args.video_id)  # a bad file fails before the model loads
    model = init_embedder(args.config, args.checkpoint, device=args.device)
    if args.video is not None:
        return propagate_own_video(args, model)
    return evaluate(args, model)


def evaluate(args, model) -> dict:
    """--data-root mode: from the first labelled frame of each video to the others, scored."""
    if args.margin is None:
        args.margin = crop_settings(args.config, args.checkpoint)['margin']
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
    return report


if __name__ == '__main__':
    run_tool(main)
