"""Convert AFLW (Koestinger et al. 2011) to the toolkit's COCO keypoint format, in either of the
paper's two protocols.

``--protocol aflw5`` (default out data/aflw5): the 5-landmark AFLW of the self-supervised
landmark literature (Thewlis et al. 2017; "AFLW_R"), from
https://www.robots.ox.ac.uk/~vgg/research/unsupervised_landmarks/ (aflw_release-2.zip).
Expected under ROOT (the ``aflw_release-2`` folder)::

    aflw_{train,test}_images.txt       one image path per line, relative to output/
    aflw_{train,test}_keypoints.mat    ``gt`` [N, 5, 2] stored (y, x); ``hw`` [N, 2] image sizes
    output/<path>                      the face crops

The five points are taken in the MAFL order (left eye, right eye, nose, left and right mouth
corner; hierembed/datasets/metainfo/mafl.py); the probe normalises by the eye-centre distance.

``--protocol aflw21`` (default out data/aflw): all 21 landmarks from the AFLW database,
https://www.tugraz.at/institute/icg/research/team-bischof/lrs/downloads/aflw (registration).
Expected under ROOT::

    aflw.sqlite (or data/aflw.sqlite)   tables Faces (face_id, file_id), FaceImages (file_id,
                                        filepath, width, height), FaceRect (face_id, x, y, w, h),
                                        FacePose (face_id, roll, pitch, yaw), FeatureCoords
                                        (face_id, feature_id 1..21, x, y: one row per annotated
                                        landmark)
    flickr/<filepath> (or data/flickr/) the images (filepath like 3/image00035.jpg)

Landmark ids 1-21: brows 1-6, eyes 7-12 (8 and 11 the centres), ears 13 and 17, nose 14-16,
mouth 18-20, chin 21 (names: hierembed/datasets/metainfo/aflw21.py). AFLW annotates only
visible landmarks: a landmark without a row is written v=0. The box is FaceRect (else the
landmarks' extent); ``norm_size`` is the eye-centre distance (faces without both eye centres
are skipped and counted). AFLW21 has no official split: images
are split by a seeded shuffle (--test-fraction), or by --test-list (one filepath per line).

    python tools/dataset_converters/aflw.py data/aflw_release-2 --protocol aflw5
    python tools/dataset_converters/aflw.py data/AFLW/aflw --protocol aflw21
"""
import os.path as osp
import sqlite3
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (ConvertedDataset, assign_splits,  # noqa: E402
                                           coco_visibility, converter_parser, open_text,
                                           read_mat, rel_path, run_converter)
from hierembed.datasets.metainfo import parse_metainfo  # noqa: E402

EYE_CENTRES = (7, 10)  # 0-based: features 8 and 11


def convert_aflw5(root: str, out: str, box_margin: float = 0.5) -> dict:
    """The AFLW_R release: ``aflw_{split}_images.txt`` and ``aflw_{split}_keypoints.mat``."""
    meta = parse_metainfo('mafl')
    ds = ConvertedDataset(out, dict(object_class='face', source='aflw5', version=1),
                          meta['keypoint_names'], 'mafl', meta['skeleton'], 'face',
                          splits=('train', 'test'))
    skipped = 0
    for split in ('train', 'test'):
        with open_text(osp.join(root, f'aflw_{split}_images.txt')) as f:
            images = [line.strip() for line in f if line.strip()]
        mat_path = osp.join(root, f'aflw_{split}_keypoints.mat')
        m = read_mat(mat_path)
        for key in ('gt', 'hw'):
            if key not in m:
                raise ValueError(f'{mat_path}: field `{key}` is missing')
        gt, hw = np.asarray(m['gt'], np.float64), np.asarray(m['hw'], np.float64)
        if gt.shape != (len(images), 5, 2) or hw.shape != (len(images), 2):
            raise ValueError(f'{mat_path}: fields `gt` {gt.shape} and `hw` {hw.shape} should be '
                             f'[{len(images)}, 5, 2] and [{len(images)}, 2] (one row per line '
                             f'of aflw_{split}_images.txt)')
        for name, pts, (h, w) in zip(images, gt, hw):
            path = osp.join(root, 'output', name)
            if not osp.isfile(path):
                skipped += 1
                continue
            xy = pts[:, ::-1]  # stored (y, x)
            kps = np.concatenate([xy, coco_visibility(xy, w, h)[:, None]], 1)
            if ds.add_instance(split, rel_path(path, out), w, h, kps,
                               box_margin=box_margin) is None:
                skipped += 1
    return ds.write(skipped=skipped)


def read_sqlite(path: str) -> list:
    """``aflw.sqlite`` -> one dict per face (face_id, filepath, width, height, rect or None,
    pose or None, xy [21, 2] with NaN where AFLW has no row).

    Raises:
        ValueError: naming the file and the table or column that is missing.
    """
    con = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
    try:
        try:
            faces = con.execute(
                'SELECT Faces.face_id, FaceImages.filepath, FaceImages.width, FaceImages.height,'
                ' FaceRect.x, FaceRect.y, FaceRect.w, FaceRect.h, FacePose.roll,'
                ' FacePose.pitch, FacePose.yaw FROM Faces'
                ' JOIN FaceImages ON Faces.file_id = FaceImages.file_id'
                ' LEFT JOIN FaceRect ON FaceRect.face_id = Faces.face_id'
                ' LEFT JOIN FacePose ON FacePose.face_id = Faces.face_id'
                ' ORDER BY Faces.face_id').fetchall()
            coords = con.execute('SELECT face_id, feature_id, x, y FROM FeatureCoords').fetchall()
        except sqlite3.DatabaseError as e:
            raise ValueError(f'{path}: {e} (expected the AFLW tables Faces, FaceImages, '
                             'FaceRect, FacePose, FeatureCoords)') from None
    finally:
        con.close()
    out, index = [], {}
    for face_id, filepath, w, h, rx, ry, rw, rh, roll, pitch, yaw in faces:
        if face_id in index:  # a second FaceRect / FacePose row: keep the first
            continue
        index[face_id] = len(out)
        out.append(dict(face_id=face_id, filepath=filepath, width=w, height=h,
                        rect=None if rx is None else [rx, ry, rw, rh],
                        pose=None if yaw is None else dict(roll=roll, pitch=pitch, yaw=yaw),
                        xy=np.full((21, 2), np.nan)))
    for face_id, feature_id, x, y in coords:
        if face_id in index and 1 <= feature_id <= 21:
            out[index[face_id]]['xy'][feature_id - 1] = (x, y)
    return out


def convert_aflw21(root: str, out: str, test_fraction: float = 0.18, seed: int = 0,
                   test_list: str = None) -> dict:
    """The AFLW database (``aflw.sqlite``), 21 landmarks."""
    db = next((p for p in (osp.join(root, 'aflw.sqlite'), osp.join(root, 'data', 'aflw.sqlite'))
               if osp.isfile(p)), None)
    if db is None:
        raise FileNotFoundError(f'{root}: no aflw.sqlite (nor data/aflw.sqlite)')
    images_dir = next((p for p in (osp.join(root, 'flickr'), osp.join(root, 'data', 'flickr'))
                       if osp.isdir(p)), osp.join(root, 'flickr'))
    faces = read_sqlite(db)
    if test_list:
        with open_text(test_list) as f:
            test = {line.strip() for line in f if line.strip()}
        split_of = {fc['filepath']: 'test' if fc['filepath'] in test else 'train'
                    for fc in faces}
    else:
        split_of = assign_splits((fc['filepath'] for fc in faces), 0.0, test_fraction, seed)
    meta = parse_metainfo('aflw21')
    ds = ConvertedDataset(out, dict(object_class='face', source='aflw21', version=1),
                          meta['keypoint_names'], 'aflw21', meta['skeleton'], 'face',
                          splits=('train', 'test'))
    skipped = dict(missing_image=0, no_eye_centres=0, no_box=0)
    for fc in faces:
        path = osp.join(images_dir, fc['filepath'])
        if not osp.isfile(path):
            skipped['missing_image'] += 1
            continue
        eyes = fc['xy'][list(EYE_CENTRES)]
        if not np.isfinite(eyes).all():
            skipped['no_eye_centres'] += 1
            continue
        w, h = fc['width'], fc['height']
        kps = np.concatenate([fc['xy'], coco_visibility(fc['xy'], w, h)[:, None]], 1)
        box = None
        if fc['rect'] is not None:
            x, y, bw, bh = fc['rect']
            x1, y1 = max(0.0, x), max(0.0, y)
            x2, y2 = min(float(w), x + bw), min(float(h), y + bh)
            box = [x1, y1, x2 - x1, y2 - y1] if x2 - x1 >= 1 and y2 - y1 >= 1 else None
        extra = dict(face_id=fc['face_id'], **(fc['pose'] or {}))
        if ds.add_instance(split_of[fc['filepath']], rel_path(path, out), w, h, kps, bbox=box,
                           box_margin=0.2, image_extra=extra,
                           norm_size=round(float(np.linalg.norm(eyes[0] - eyes[1])), 3)) is None:
            skipped['no_box'] += 1
    return ds.write(skipped=skipped)


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='aflw_release-2 (aflw5) or the AFLW folder with aflw.sqlite '
                   '(aflw21)')
    p.add_argument('--protocol', choices=('aflw5', 'aflw21'), default='aflw5')
    p.add_argument('--out', default=None, help='data_root (default data/aflw5 or data/aflw)')
    p.add_argument('--test-fraction', type=float, default=0.18, help='aflw21: images to test')
    p.add_argument('--test-list', default=None, help='aflw21: file of test image filepaths')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--box-margin', type=float, default=0.5, help='aflw5: box margin')
    args = p.parse_args(argv)
    if args.protocol == 'aflw5':
        return run_converter(convert_aflw5, args.root, args.out or 'data/aflw5', args.box_margin)
    return run_converter(convert_aflw21, args.root, args.out or 'data/aflw', args.test_fraction,
                         args.seed, args.test_list)


if __name__ == '__main__':
    sys.exit(main())
