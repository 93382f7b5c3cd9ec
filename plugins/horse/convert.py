"""Convert the TigDog horses to the toolkit's formats.

    python -m plugins.horse.convert /data/TigDog --out data/horse [--copy] [--overwrite]

(from the repository root). The layout it expects and what it writes: plugins/horse/tigdog.py.
"""
import argparse
import sys

from .tigdog import METAINFO, TigDogFormatError, convert


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='TigDog horses -> video collection + COCO '
                                     'keypoints (docs/data.md)')
    parser.add_argument('root', help='the folder holding behaviorDiscovery2.0 (or that folder)')
    parser.add_argument('--out', default='data/horse', help='data_root to write')
    parser.add_argument('--animal', default='horse', help='class folder (horse or tiger)')
    parser.add_argument('--metainfo', default=METAINFO, help='keypoint metainfo of the rows')
    parser.add_argument('--val-fraction', type=float, default=0.1)
    parser.add_argument('--test-fraction', type=float, default=0.1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--box-margin', type=float, default=0.1)
    parser.add_argument('--copy', action='store_true', help='copy frames instead of linking')
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    try:
        counts = convert(args.root, args.out, animal=args.animal, metainfo=args.metainfo,
                         val_fraction=args.val_fraction, test_fraction=args.test_fraction,
                         seed=args.seed, box_margin=args.box_margin, copy=args.copy,
                         overwrite=args.overwrite)
    except (TigDogFormatError, FileExistsError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    for split, c in counts.items():
        print(f'{split}: {c["videos"]} shots, {c["images"]} labelled frames')
    return 0


if __name__ == '__main__':
    sys.exit(main())
