"""Face / person detection in ``video_folder.py``: frames per CPU-second and what is found, for
several ``--max-side`` / ``--stride`` settings on a folder of your videos.

Each setting runs :func:`hierembed.datasets.converters.detect_tracks` on every video (decoding
included) and reports frames per CPU-second of this process, and per video the frames covered
by its longest track and how many tracks it has; the first setting is the reference the others
are compared with. Settings are ``MAX_SIDE:STRIDE``.

    python tools/benchmark_detect.py VIDEOS --detector face --settings 640:1 640:5 320:5
"""
import argparse
import os.path as osp
import time
from typing import Callable, List, Optional, Sequence, Tuple

from hierembed.datasets.converters import DETECTORS, detect_tracks


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line of ``tools/benchmark_detect.py`` (default: ``sys.argv``)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('videos', help='a folder of videos (as video_folder.py reads it)')
    p.add_argument('--detector', choices=sorted(DETECTORS), default='face')
    p.add_argument('--settings', nargs='+', default=['640:1', '640:5', '320:5'],
                   help='MAX_SIDE:STRIDE pairs; the first is the reference')
    return p.parse_args(argv)


def run(videos: Sequence[Tuple[str, str]], detector, max_side: int, stride: int) -> dict:
    """Detect in every video at one setting.

    Args:
        videos: (path, identity) of each video.
        detector: a detector of ``DETECTORS``.
        max_side: the side frames are shrunk to before detection.
        stride: detect on every ``stride``-th frame.

    Returns:
        frames, cpu_s and per_video: per video file name, (frames its longest track covers,
        tracks).
    """
    t0, frames, per_video = time.process_time(), 0, {}
    for path, _ in videos:
        n, _, _, tracks = detect_tracks(path, detector, stride=stride, max_side=max_side)
        frames += n
        per_video[osp.basename(path)] = (max((len(t) for t in tracks), default=0), len(tracks))
    return dict(frames=frames, cpu_s=time.process_time() - t0, per_video=per_video)


def main(find_videos: Callable[[str], list], argv: Optional[List[str]] = None) -> int:
    """Run every setting and print each against the first.

    Args:
        find_videos: ``tools/dataset_converters/video_folder.py``'s function: (path, identity)
            of every video under a folder.
        argv: the command line (default: ``sys.argv``).

    Returns:
        The exit status, 0.
    """
    args = parse_args(argv)
    videos = find_videos(args.videos)
    detector = DETECTORS[args.detector]()
    rows = []
    for setting in args.settings:
        max_side, stride = (int(v) for v in setting.split(':'))
        r = run(videos, detector, max_side, stride)
        rows.append((setting, r))
        ref = rows[0][1]
        speed = r['frames'] / r['cpu_s']
        covered = sum(c for c, _ in r['per_video'].values())
        print(f"{setting:>8}: {speed:6.1f} frames per CPU-second "
              f"({speed / (ref['frames'] / ref['cpu_s']):.1f}x the first), longest tracks cover "
              f"{covered} frames ({covered - sum(c for c, _ in ref['per_video'].values()):+d}), "
              f"{sum(k for _, k in r['per_video'].values())} tracks in "
              f"{len(r['per_video'])} videos", flush=True)
    return 0
