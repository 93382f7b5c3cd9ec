"""Decode a video collection once into JPEG frames at training resolution, for a fast loader.

    python tools/prepare_frames.py DATA_ROOT [--split train] [--input-size 256] [--workers 4]

Random access into a video (seek to the key frame, decode forward) is what limits the loader at
256 px; reading two JPEGs is 2-3x faster per core (docs/performance.md). For every video of
``annotations/videos_<split>.json`` this writes all its frames to ``frames_<S>px/<id>/<t>.jpg``,
shrunk (never enlarged) so that the smallest crop of the video -- ``crop_margin`` times the
longer side of its smallest box, the whole frame without tracks -- is still at least
``input_size`` pixels wide, and writes ``annotations/videos_<split>_frames.json``: the same
videos and tracks with ``path`` on the folder and the boxes scaled alike. Train on it with
``train_dataloader.dataset.ann_file=annotations/videos_<split>_frames.json``; the crops are the
same up to resampling. A video's folder appears complete or not at all (written under a
temporary name, then renamed), so an interrupted run is resumed by running it again.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
from multiprocessing import Pool
from typing import Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('data_root', help='the folder that holds annotations/')
    p.add_argument('--split', default='train')
    p.add_argument('--input-size', type=int, default=256, help='S of the training config')
    p.add_argument('--crop-margin', type=float, default=1.2, help='as the dataset\'s')
    p.add_argument('--frames-dir', default=None,
                   help='folder under DATA_ROOT (default: frames_<input size>px)')
    p.add_argument('--quality', type=int, default=90, help='JPEG quality')
    p.add_argument('--workers', type=int, default=1, help='processes')
    args = p.parse_args(argv)
    for name, low, high in (('input_size', 8, None), ('quality', 1, 100), ('workers', 1, None),
                            ('crop_margin', 1e-3, None)):
        value = getattr(args, name)
        if value < low or (high is not None and value > high):
            p.error(f'--{name.replace("_", "-")} must be at least {low}'
                    f'{f" and at most {high}" if high else ""}, got {value}')
    return args


def video_scale(video: dict, height: int, width: int, input_size: int, margin: float) -> float:
    """The factor (<= 1) that keeps the smallest crop of the video at least ``input_size``."""
    sides = [max(b[2], b[3]) for t in video.get('tracks') or [] for b in t['boxes'].values()]
    smallest = margin * (min(sides) if sides else max(height, width))
    return min(1.0, input_size / smallest)


def prepare_video(job) -> dict:
    """Write one video's frames (decoded forward, each once); return its new annotation entry."""
    import cv2

    from hierembed.datasets.video_io import VideoDecodeError
    video, root, frames_dir, input_size, margin, quality = job
    folder = osp.join(frames_dir, video['id'])
    src = video['path'] if osp.isabs(video['path']) else osp.join(root, video['path'])
    cap = cv2.VideoCapture(src)
    ok, frame = cap.read()
    if not ok:
        raise VideoDecodeError(f'{src}: cannot decode frame 0 (video {video["id"]!r})')
    scale = video_scale(video, frame.shape[0], frame.shape[1], input_size, margin)
    out = dict(video, path=folder)
    if video.get('tracks'):
        out['tracks'] = [dict(t, boxes={k: [c * scale for c in b] for k, b in t['boxes'].items()})
                         for t in video['tracks']]
    final = osp.join(root, folder)
    if osp.isdir(final):
        return out
    tmp = final + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
    t = 0
    while ok:
        if scale < 1:
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        cv2.imwrite(osp.join(tmp, f'{t:06d}.jpg'), frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        t += 1
        ok, frame = cap.read()
    cap.release()
    if video.get('num_frames') not in (None, t):
        raise VideoDecodeError(f'{src}: decodes to {t} frames with OpenCV, the annotation '
                               f'declares {video["num_frames"]} (video {video["id"]!r})')
    os.replace(tmp, final)
    return out


def prepare_frames(data_root: str, split: str = 'train', input_size: int = 256,
                   crop_margin: float = 1.2, frames_dir: Optional[str] = None,
                   quality: int = 90, workers: int = 1) -> str:
    """Write the frames and the new annotation file; return its path relative to ``data_root``.

    The annotation file is read as the dataset reads it; run ``tools/check_dataset.py`` first
    on a collection not yet checked (a video that cannot be decoded stops this with its name).
    """
    frames_dir = frames_dir or f'frames_{input_size}px'
    src = osp.join(data_root, 'annotations', f'videos_{split}.json')
    dst = osp.join('annotations', f'videos_{split}_frames.json')
    with open(src) as f:
        data = json.load(f)
    jobs = [(v, data_root, frames_dir, input_size, crop_margin, quality) for v in data['videos']]
    if workers > 1:
        with Pool(workers) as pool:
            data['videos'] = pool.map(prepare_video, jobs, chunksize=4)
    else:
        data['videos'] = [prepare_video(job) for job in jobs]
    with open(osp.join(data_root, dst), 'w') as f:
        json.dump(data, f)
    return dst


def main(argv=None) -> None:
    args = parse_args(argv)
    dst = prepare_frames(args.data_root, args.split, args.input_size, args.crop_margin,
                         args.frames_dir, args.quality, args.workers)
    print(f'wrote {osp.join(args.data_root, dst)}: train with '
          f'train_dataloader.dataset.ann_file={dst}')


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
