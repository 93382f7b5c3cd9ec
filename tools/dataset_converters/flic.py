"""Convert FLIC (Sapp and Taskar 2013) to the toolkit's COCO keypoint format.

Obtain: https://bensapp.github.io/flic-dataset.html (FLIC.zip, 5003 frames from films).
Expected under ROOT::

    examples.mat              one struct array ``examples`` [1, 5003]: moviename, filepath,
                              currframe, imgdims [H W 3], coords [2, 29] (x; y, 1-based pixels,
                              NaN where not labelled), torsobox [x1 y1 x2 y2], istrain, istest
    images/<filepath>         e.g. images/12-oclock-high-special-edition-00004151.jpg

Of the 29 coords columns FLIC labels (1-based) 1-3 left shoulder, elbow, wrist, 4-6 right
shoulder, elbow, wrist, 7 left hip, 10 right hip, 13 left eye, 14 right eye, 17 nose. The
``head`` keypoint is the mean of the labelled eyes and nose (our choice; FLIC labels no head
point). Writes ``OUT/annotations/keypoints_{train,test}.json`` (``istrain`` / ``istest``; FLIC has
no val split: the probe carves it out of train), keypoints named as
hierembed/datasets/metainfo/flic.py; the torso normaliser (left shoulder to right hip) is computed
by the probe from the keypoints.

    python tools/dataset_converters/flic.py data/FLIC --out data/flic
"""
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (ConvertedDataset, coco_visibility,  # noqa: E402
                                           converter_parser, image_size, read_mat, rel_path,
                                           run_converter)
from hierembed.datasets.metainfo import parse_metainfo  # noqa: E402

# metainfo order -> 0-based coords columns (head: the mean of the eyes and the nose)
COLUMNS = dict(left_shoulder=0, right_shoulder=3, left_elbow=1, right_elbow=4, left_wrist=2,
               right_wrist=5, left_hip=6, right_hip=9)
HEAD = (12, 13, 16)


def read_examples(path: str) -> list:
    """``examples.mat`` -> list of dicts (filepath, dims (H, W), coords [29, 2] 0-based, NaN where
    unlabelled, istrain, istest).

    Raises:
        ValueError: naming the file, the example and the field.
    """
    m = read_mat(path, squeeze_me=True, struct_as_record=False)
    if 'examples' not in m:
        raise ValueError(f'{path}: variable `examples` is missing')
    out = []
    for i, ex in enumerate(np.atleast_1d(m['examples']), 1):
        for field in ('filepath', 'coords', 'istrain', 'istest'):
            if not hasattr(ex, field):
                raise ValueError(f'{path}: examples({i}).{field} is missing')
        coords = np.asarray(ex.coords, np.float64)
        if coords.shape != (2, 29):
            raise ValueError(f'{path}: examples({i}).coords has shape {coords.shape}, expected '
                             '(2, 29)')
        dims = np.asarray(getattr(ex, 'imgdims', []), np.float64).ravel()
        out.append(dict(filepath=str(ex.filepath), coords=coords.T - 1.0,
                        dims=(int(dims[0]), int(dims[1])) if dims.size >= 2 else None,
                        istrain=bool(ex.istrain), istest=bool(ex.istest)))
    return out


def convert(root: str, out: str) -> dict:
    """Convert a FLIC folder; return split -> counts (and ``skipped``)."""
    meta = parse_metainfo('flic')
    ds = ConvertedDataset(out, dict(object_class='upper_body', source='flic', version=1),
                          meta['keypoint_names'], 'flic', meta['skeleton'], 'person',
                          splits=('train', 'test'))
    skipped = 0
    for ex in read_examples(osp.join(root, 'examples.mat')):
        split = 'test' if ex['istest'] else 'train' if ex['istrain'] else None
        path = osp.join(root, 'images', ex['filepath'])
        if split is None or not osp.isfile(path):
            skipped += 1
            continue
        h, w = ex['dims'] if ex['dims'] else image_size(path)[::-1]
        c = ex['coords']
        head = c[list(HEAD)]
        head = head[np.isfinite(head).all(1)]
        xy = np.stack([head.mean(0) if len(head) else np.full(2, np.nan)] +
                      [c[COLUMNS[n]] for n in meta['keypoint_names'][1:]])
        kps = np.concatenate([xy, coco_visibility(xy, w, h)[:, None]], 1)
        if ds.add_instance(split, rel_path(path, out), w, h, kps, box_margin=0.2,
                           image_extra=dict(filepath=ex['filepath'])) is None:
            skipped += 1
    return ds.write(skipped=skipped)


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='the FLIC folder (examples.mat, images/)')
    p.add_argument('--out', default='data/flic', help='data_root to write annotations/ into')
    args = p.parse_args(argv)
    return run_converter(convert, args.root, args.out)


if __name__ == '__main__':
    sys.exit(main())
