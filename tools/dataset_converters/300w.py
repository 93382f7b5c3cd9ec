r"""Convert 300-W (Sagonas et al. 2013; 68 landmarks) to the toolkit's COCO keypoint format, with
the common train / common / challenging / full splits.

Obtain: https://ibug.doc.ic.ac.uk/resources/facial-point-annotations/ (the re-annotated AFW,
HELEN, LFPW and IBUG). Expected under ROOT, each image beside a ``.pts`` of the same name::

    afw/*.jpg, *.pts                  \
    helen/trainset/*.jpg, *.pts        }  train (3148 images)
    lfpw/trainset/*.png, *.pts        /
    helen/testset/*, lfpw/testset/*      common subset (554)
    ibug/*                               challenging subset (135)

A ``.pts`` file: ``version: 1``, ``n_points: 68``, ``{``, 68 lines ``x y`` (1-based pixels), ``}``.
Writes ``OUT/annotations/keypoints_train.json``, ``keypoints_test.json`` (the full set: common
and challenging), ``keypoints_common.json`` and ``keypoints_challenging.json``; keypoints named
as hierembed/datasets/metainfo/300w.py, ``norm_size`` the distance between the outer eye corners
(points 37 and 46), the box around the 68 points grown by --box-margin of its longer side.
Images outside OUT are reached through the link OUT/source (docs/data.md).

--identity-pattern REGEX   write each image's person as its ``identity`` field: the first group
                           of REGEX matched against the file's stem (e.g. ``'(.+)_\d+$'`` for
                           ``<person>_<frame>.jpg``), so that a probe carves val by person
                           (``probe_cfg.val_group='identity'``); an image that does not match
                           is an error naming it

    python tools/dataset_converters/300w.py data/300W_download --out data/300w
"""
import os
import os.path as osp
import re
import sys
from typing import Optional

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (ConvertedDataset, coco_visibility,  # noqa: E402
                                           converter_parser, image_size, open_text, rel_path,
                                           run_converter)
from hierembed.datasets.metainfo import parse_metainfo  # noqa: E402
from hierembed.datasets.video_io import IMAGE_EXTS  # noqa: E402

FOLDERS = {'afw': ('train',), 'helen/trainset': ('train',), 'lfpw/trainset': ('train',),
           'helen/testset': ('test', 'common'), 'lfpw/testset': ('test', 'common'),
           'ibug': ('test', 'challenging')}
OUTER_EYE_CORNERS = (36, 45)  # points 37 and 46


def read_pts(path: str) -> np.ndarray:
    """A ``.pts`` file -> [N, 2] 0-based (x, y).

    Raises:
        ValueError: naming the file and what does not match the format.
    """
    with open_text(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    header = dict(line.split(':', 1) for line in lines[:2] if ':' in line)
    try:
        n = int(header['n_points'])
        start, end = lines.index('{'), lines.index('}')
    except (KeyError, ValueError):
        raise ValueError(f'{path}: expected "version: 1", "n_points: N", then the points between '
                         '"{" and "}"') from None
    try:
        xy = np.asarray([line.split() for line in lines[start + 1:end]], np.float64)
    except ValueError:
        raise ValueError(f'{path}: a point line is not two numbers') from None
    if xy.shape != (n, 2):
        raise ValueError(f'{path}: n_points is {n} but {len(xy)} point lines follow')
    return xy - 1.0


def convert(root: str, out: str, box_margin: float = 0.1,
            identity_pattern: Optional[str] = None) -> dict:
    """Convert 300-W; return split -> counts (and ``skipped``).

    Raises:
        ValueError: an image's stem does not match ``identity_pattern`` (named).
    """
    pattern = re.compile(identity_pattern) if identity_pattern else None
    meta = parse_metainfo('300w')
    ds = ConvertedDataset(out, dict(object_class='face', source='300w', version=1),
                          meta['keypoint_names'], '300w', meta['skeleton'], 'face',
                          splits=('train', 'test', 'common', 'challenging'))
    skipped, found = 0, 0
    for folder, splits in FOLDERS.items():
        path = osp.join(root, folder)
        if not osp.isdir(path):
            continue
        found += 1
        for name in sorted(os.listdir(path)):
            stem, ext = osp.splitext(name)
            if ext.lower() not in IMAGE_EXTS:
                continue
            pts = osp.join(path, stem + '.pts')
            if not osp.isfile(pts):
                skipped += 1
                continue
            xy = read_pts(pts)
            if len(xy) != 68:
                raise ValueError(f'{pts}: {len(xy)} points, expected the 68 of 300-W')
            img = osp.join(path, name)
            w, h = image_size(img)
            kps = np.concatenate([xy, coco_visibility(xy, w, h)[:, None]], 1)
            norm = float(np.linalg.norm(xy[OUTER_EYE_CORNERS[0]] - xy[OUTER_EYE_CORNERS[1]]))
            extra = dict(subset=folder)
            if pattern is not None:
                match = pattern.search(stem)
                if match is None:
                    raise ValueError(f'{img}: its name {stem!r} does not match --identity-pattern '
                                     f'{identity_pattern!r}')
                extra['identity'] = match.group(1) if pattern.groups else match.group(0)
            added = [ds.add_instance(split, rel_path(img, out), w, h, kps, box_margin=box_margin,
                                     image_extra=extra, norm_size=round(norm, 3))
                     for split in splits]
            skipped += added[0] is None
    if not found:
        raise FileNotFoundError(f'{root}: none of the 300-W folders {", ".join(FOLDERS)}')
    return ds.write(skipped=skipped)


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='folder holding afw/, helen/, lfpw/, ibug/')
    p.add_argument('--out', default='data/300w', help='data_root to write annotations/ into')
    p.add_argument('--box-margin', type=float, default=0.1)
    p.add_argument('--identity-pattern', default=None,
                   help="regex on each image's stem; its first group is the image's identity")
    args = p.parse_args(argv)
    return run_converter(convert, args.root, args.out, args.box_margin,
                         identity_pattern=args.identity_pattern)


if __name__ == '__main__':
    sys.exit(main())
