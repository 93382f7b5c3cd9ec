"""Render a procedural object class (videos, frames and annotations) into a data_root.

    python tools/make_synthetic.py --object-class upper_body --out data/upper_body \
        --num-videos 100 --num-frames 100 --size 128 --seed 0
"""
import argparse
import time


def parse_args(argv=None):
    from hierembed.datasets.procedural import PROCEDURAL_CLASSES
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--object-class', required=True, choices=PROCEDURAL_CLASSES)
    p.add_argument('--out', required=True, help='the data_root to write')
    p.add_argument('--num-videos', type=int, default=100)
    p.add_argument('--num-frames', type=int, default=100)
    p.add_argument('--size', type=int, default=128, help='frame side in pixels')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--keypoint-stride', type=int, default=5,
                   help='every this many frames of a clip becomes a keypoint image')
    args = p.parse_args(argv)
    # a procedural class is split by identity into train / val / test
    for name, low in (('num_videos', 3), ('num_frames', 1), ('size', 16),
                      ('keypoint_stride', 1)):
        if getattr(args, name) < low:
            p.error(f'--{name.replace("_", "-")} must be at least {low}, got '
                    f'{getattr(args, name)}')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from hierembed.datasets.procedural import generate
    start = time.time()
    summary = generate(args.object_class, args.out, num_videos=args.num_videos,
                       num_frames=args.num_frames, size=args.size, seed=args.seed,
                       keypoint_stride=args.keypoint_stride)
    parts = ', '.join(f'{sp}: {s["videos"]} videos, {s["images"]} keypoint images'
                      for sp, s in summary.items())
    print(f'{args.object_class} -> {args.out} in {time.time() - start:.1f} s ({parts})')
    return 0


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
