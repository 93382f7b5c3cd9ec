"""Convert MAFL (the CelebA subset of Zhang et al. 2016, as used by the self-supervised landmark
literature) to the toolkit's COCO keypoint format.

Obtain: CelebA's aligned images and landmarks from
https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html, and the MAFL lists (bundled with CelebA in
https://www.robots.ox.ac.uk/~vgg/research/unsupervised_landmarks/). Expected under ROOT::

    img_align_celeba/NNNNNN.jpg            the aligned 178 x 218 images
    list_landmarks_align_celeba.txt        (also Anno/) line 1: the image count; line 2: the
                                           names lefteye_x lefteye_y righteye_x righteye_y nose_x
                                           nose_y leftmouth_x leftmouth_y rightmouth_x
                                           rightmouth_y; then ``NNNNNN.jpg x y x y ...`` per image
    MAFL/training.txt, MAFL/testing.txt    (also at ROOT) one image name per line (19,000 and
                                           1,000)

Writes ``OUT/annotations/keypoints_{train,test}.json`` (no val split: the probe carves it out of
train), keypoints named as hierembed/datasets/metainfo/mafl.py (left_eye = CelebA's ``lefteye``,
the eye on the image's left), the box around the five points grown by --box-margin of its longer
side per side. The normaliser (inter-ocular: eye centres) is computed by the probe. Coordinates
are used as written (integer pixels).

    python tools/dataset_converters/mafl.py data/celeba --out data/mafl
"""
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (ConvertedDataset, coco_visibility,  # noqa: E402
                                           converter_parser, image_size, open_text, rel_path,
                                           run_converter)
from hierembed.datasets.metainfo import parse_metainfo  # noqa: E402

HEADER = ['lefteye_x', 'lefteye_y', 'righteye_x', 'righteye_y', 'nose_x', 'nose_y',
          'leftmouth_x', 'leftmouth_y', 'rightmouth_x', 'rightmouth_y']


def _find(root: str, *places: str) -> str:
    for place in places:
        if osp.isfile(osp.join(root, place)):
            return osp.join(root, place)
    raise FileNotFoundError(f'{root}: none of {", ".join(places)}')


def read_landmarks(path: str, wanted: set) -> dict:
    """Image name -> [5, 2] for the names in ``wanted``, streaming the 202,599-line file.

    Raises:
        ValueError: naming the file, the line and what is wrong.
    """
    out = {}
    with open_text(path) as f:
        f.readline()  # the count
        header = f.readline().split()
        if header != HEADER:
            raise ValueError(f'{path}: line 2 should name the columns {" ".join(HEADER)}, got '
                             f'{" ".join(header[:10])}')
        for n, line in enumerate(f, 3):
            parts = line.split()
            if not parts or parts[0] not in wanted:
                continue
            if len(parts) != 11:
                raise ValueError(f'{path}: line {n} ({parts[0]}) has {len(parts) - 1} values, '
                                 'expected 10')
            out[parts[0]] = np.asarray(parts[1:], np.float64).reshape(5, 2)
    return out


def convert(root: str, out: str, box_margin: float = 0.5) -> dict:
    """Convert MAFL; return split -> counts (and ``skipped``)."""
    lists = {}
    for split, name in (('train', 'training.txt'), ('test', 'testing.txt')):
        with open_text(_find(root, osp.join('MAFL', name), name)) as f:
            lists[split] = [line.strip() for line in f if line.strip()]
    wanted = {n for names in lists.values() for n in names}
    landmarks = read_landmarks(_find(root, 'list_landmarks_align_celeba.txt',
                                     'Anno/list_landmarks_align_celeba.txt'), wanted)
    meta = parse_metainfo('mafl')
    ds = ConvertedDataset(out, dict(object_class='face', source='mafl', version=1),
                          meta['keypoint_names'], 'mafl', meta['skeleton'], 'face',
                          splits=('train', 'test'))
    skipped = 0
    for split, names in lists.items():
        for name in names:
            path = osp.join(root, 'img_align_celeba', name)
            if name not in landmarks or not osp.isfile(path):
                skipped += 1
                continue
            w, h = image_size(path)
            xy = landmarks[name]
            kps = np.concatenate([xy, coco_visibility(xy, w, h)[:, None]], 1)
            if ds.add_instance(split, rel_path(path, out), w, h, kps,
                               box_margin=box_margin) is None:
                skipped += 1
    return ds.write(skipped=skipped)


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='the CelebA folder (img_align_celeba/, the landmark list, MAFL/)')
    p.add_argument('--out', default='data/mafl', help='data_root to write annotations/ into')
    p.add_argument('--box-margin', type=float, default=0.5,
                   help='the box around the five points grows by this fraction of its longer '
                   'side per side')
    args = p.parse_args(argv)
    return run_converter(convert, args.root, args.out, args.box_margin)


if __name__ == '__main__':
    sys.exit(main())
