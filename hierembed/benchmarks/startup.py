"""Start-up time of VideoPairDataset on a large collection, without and with the probe cache.

Writes ``--num-distinct`` short synthetic mp4 files (``--num-frames`` frames of ``--size`` px,
mp4v through OpenCV; writing one takes about 0.1 s here) and hard links to them under
``--num-videos`` names in all, with one annotation file, then builds the dataset three
times: cold (no probe cache: every video opened, its first and last frames decoded), warm (the
cache written by the cold start: one ``stat`` per video) and warm again. Prints and writes JSON.

    python tools/benchmark_startup.py --num-videos 10000 --out work_dirs/benchmarks/startup.json
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line of ``tools/benchmark_startup.py`` (default: ``sys.argv``)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-root', default='work_dirs/benchmark_startup')
    p.add_argument('--num-videos', type=int, default=10000)
    p.add_argument('--num-distinct', type=int, default=100)
    p.add_argument('--num-frames', type=int, default=8)
    p.add_argument('--size', type=int, default=32)
    p.add_argument('--out', default='work_dirs/benchmarks/startup.json')
    return p.parse_args(argv)


def write_collection(root: str, num_videos: int, num_distinct: int, num_frames: int,
                     size: int) -> str:
    """Tiny videos (a moving square, a per-video grey level), linked under many names.

    Args:
        root: the collection's data root (kept: videos already there are not written again).
        num_videos: videos in all.
        num_distinct: videos written; the others are hard links to them.
        num_frames: frames per video.
        size: their side in pixels.

    Returns:
        The annotation file written.
    """
    import cv2
    import numpy as np
    videos = []
    for i in range(num_videos):
        rel = osp.join('videos', f'{i // 1000:03d}', f'v{i:06d}.mp4')
        path = osp.join(root, rel)
        if not osp.exists(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
            if i >= num_distinct:
                os.link(osp.join(root, videos[i % num_distinct]['path']), path)
                videos.append(dict(id=f'v{i:06d}', path=rel))
                continue
            writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (size, size))
            for t in range(num_frames):
                frame = np.full((size, size, 3), i % 200 + 20, np.uint8)
                frame[t:t + 8, t:t + 8] = 255
                writer.write(frame)
            writer.release()
        videos.append(dict(id=f'v{i:06d}', path=rel))
    ann = osp.join(root, 'annotations', 'videos_train.json')
    os.makedirs(osp.dirname(ann), exist_ok=True)
    with open(ann, 'w') as f:
        json.dump(dict(metainfo=dict(object_class='benchmark'), videos=videos), f)
    return ann


def main(argv: Optional[List[str]] = None) -> dict:
    """Build the dataset cold, warm and warm again; print and save the times.

    Args:
        argv: the command line (default: ``sys.argv``).

    Returns:
        What was saved to ``--out``.
    """
    args = parse_args(argv)
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
    from hierembed.datasets import VideoPairDataset
    from hierembed.datasets.validation_cache import probe_cache_path
    t0 = time.perf_counter()
    ann = write_collection(args.data_root, args.num_videos, args.num_distinct, args.num_frames,
                           args.size)
    written = time.perf_counter() - t0
    cache = probe_cache_path(ann)
    if osp.exists(cache):
        os.remove(cache)
    times = {}
    for name in ('cold', 'warm', 'warm_again'):
        t0 = time.perf_counter()
        ds = VideoPairDataset(args.data_root, jitter=None, input_size=args.size)
        times[name] = time.perf_counter() - t0
        assert len(ds.videos) == args.num_videos
        print(f'{name:10s} {times[name]:8.2f} s ({args.num_videos / times[name]:.0f} videos/s)',
              flush=True)
    result = dict(times_s=times, num_videos=args.num_videos, num_distinct=args.num_distinct,
                  num_frames=args.num_frames,
                  size=args.size, cache_bytes=os.path.getsize(cache), written_s=written,
                  machine=f'{platform.machine()}, {os.cpu_count()} CPU cores',
                  command='python tools/benchmark_startup.py ' + ' '.join(
                      argv if argv is not None else sys.argv[1:]))
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    return result
