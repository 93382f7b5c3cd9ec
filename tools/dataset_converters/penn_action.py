"""Convert Penn Action (Zhang et al. 2013) to the toolkit's two formats.

Obtain: http://dreamdragon.github.io/PennAction/ (Penn_Action.tar.gz). The public layout, under
ROOT (the Penn_Action folder)::

    Penn_Action/frames/NNNN/NNNNNN.jpg     (1-based frame numbers)
    Penn_Action/labels/NNNN.mat            x, y, visibility [nframes, 13]; bbox [nframes, 4]
                                           (x1, y1, x2, y2); dimensions [H, W, nframes];
                                           nframes; train (1 train, -1 test); action; pose

Writes ``OUT/annotations/videos_{train,val,test}.json`` (one track per clip, the frame folder as
the video) and ``OUT/annotations/keypoints_{train,val,test}.json`` (COCO, category
``penn_action``). Penn Action has no validation split: ``--val-fraction`` of the training clips
(chosen by a seeded shuffle) become ``val``, whole clips, so that no frame of a val clip is near
a training frame (configs/probes/penn_action.py uses this split). Visibility: 1 -> COCO v=2;
0 -> v=1 inside the image, v=0 outside it (not scored).

    python tools/dataset_converters/penn_action.py /data/Penn_Action --out data/penn_action
"""
import glob
import os
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (ConvertedDataset, assign_splits,  # noqa: E402
                                           coco_visibility, converter_parser, read_mat,
                                           rel_path, run_converter)
from hierembed.datasets.metainfo import parse_metainfo  # noqa: E402
from hierembed.datasets.video_io import frame_sort_key  # noqa: E402

NUM_JOINTS = 13


def _scalar(v):
    a = np.asarray(v).ravel()
    if a.dtype.kind in 'US':
        return str(a[0]) if a.size else ''
    return a[0].item() if a.size else None


def read_label(mat_path: str) -> dict:
    """One clip's labels, checked, as numpy arrays.

    Raises:
        ValueError: naming the file and the field that is missing or malformed.
    """
    m = read_mat(mat_path)
    for key in ('x', 'y', 'visibility', 'nframes', 'dimensions', 'train'):
        if key not in m:
            raise ValueError(f'{mat_path}: field `{key}` is missing')
    n = int(_scalar(m['nframes']))
    x, y = np.asarray(m['x'], np.float64), np.asarray(m['y'], np.float64)
    vis = np.asarray(m['visibility']).astype(np.float64)
    for key, a in (('x', x), ('y', y), ('visibility', vis)):
        if a.shape != (n, NUM_JOINTS):
            raise ValueError(f'{mat_path}: field `{key}` has shape {a.shape}, expected '
                             f'({n}, {NUM_JOINTS})')
    dims = np.asarray(m['dimensions']).ravel()
    if dims.size < 2:
        raise ValueError(f'{mat_path}: field `dimensions` should be [H, W, nframes]')
    h, w = float(dims[0]), float(dims[1])
    bbox = np.asarray(m.get('bbox', np.zeros((0, 4))), np.float64).reshape(-1, 4)
    return dict(n=n, x=x, y=y, vis=vis, h=h, w=w, bbox=bbox,
                train=int(_scalar(m['train'])) == 1, action=_scalar(m.get('action', [''])),
                pose=_scalar(m.get('pose', [''])))


def _box(label: dict, t: int):
    """Frame t's box as [x, y, w, h], from ``bbox`` or, where a clip has fewer boxes than frames
    (some do), from the keypoints."""
    if t < len(label['bbox']) and np.isfinite(label['bbox'][t]).all():
        x1, y1, x2, y2 = label['bbox'][t]
    else:
        xs, ys = label['x'][t], label['y'][t]
        inside = (xs >= 0) & (xs < label['w']) & (ys >= 0) & (ys < label['h'])
        if not inside.any():
            return None
        x1, y1, x2, y2 = xs[inside].min(), ys[inside].min(), xs[inside].max(), ys[inside].max()
    x1, y1 = max(0.0, x1), max(0.0, y1)
    x2, y2 = min(label['w'], x2), min(label['h'], y2)
    if x2 - x1 < 1 or y2 - y1 < 1:
        return None
    return [round(float(x1), 2), round(float(y1), 2), round(float(x2 - x1), 2),
            round(float(y2 - y1), 2)]


def convert(root: str, out: str = None, val_fraction: float = 0.1, keypoint_stride: int = 1,
            seed: int = 0) -> dict:
    """Convert the Penn Action folder ``root``; return split -> dict(videos, images).

    Args:
        root: holds ``frames/`` and ``labels/``.
        out: the data_root to write ``annotations/`` into (default ``root``).
        val_fraction: training clips held out as ``val``.
        keypoint_stride: every this many frames becomes a keypoint image.
        seed: of the val hold-out.
    """
    out = out or root
    labels = sorted(glob.glob(osp.join(root, 'labels', '*.mat')))
    if not labels:
        raise FileNotFoundError(f'{root}/labels: no .mat files (expected the Penn Action layout '
                                'frames/NNNN/NNNNNN.jpg, labels/NNNN.mat)')
    clips = []
    for path in labels:
        clip = osp.splitext(osp.basename(path))[0]
        label = read_label(path)
        folder = osp.join(root, 'frames', clip)
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{path}: its frames folder {folder} is missing')
        files = sorted((f for f in os.listdir(folder) if f.lower().endswith('.jpg')),
                       key=frame_sort_key)
        if len(files) != label['n']:
            raise ValueError(f'{path}: field `nframes` is {label["n"]} but {folder} holds '
                             f'{len(files)} frames')
        clips.append((clip, label, folder, files))
    split_of = assign_splits((c[0] for c in clips if c[1]['train']), val_fraction, 0.0, seed)

    meta = parse_metainfo('penn_action')
    ds = ConvertedDataset(out, dict(object_class='full_body', source='penn_action', version=1),
                          meta['keypoint_names'], 'penn_action', meta['skeleton'], 'person')
    for clip, label, folder, files in clips:
        split = split_of.get(clip, 'test')
        boxes = {}
        for t in range(label['n']):
            box = _box(label, t)
            if box is not None:
                boxes[str(t)] = box
        ds.add_video(split, dict(id=clip, path=rel_path(folder, out), num_frames=label['n'],
                                 identity=clip, action=label['action'], pose=label['pose'],
                                 tracks=[dict(id=0, boxes=boxes)]))
        for t in range(0, label['n'], keypoint_stride):
            if str(t) not in boxes:
                continue
            xy = np.stack([label['x'][t], label['y'][t]], 1)
            v = coco_visibility(xy, label['w'], label['h'], occluded=label['vis'][t] <= 0)
            ds.add_instance(split, rel_path(osp.join(folder, files[t]), out), int(label['w']),
                            int(label['h']), np.concatenate([xy, v[:, None]], 1),
                            bbox=boxes[str(t)], image_extra=dict(video_id=clip, frame=t))
    return ds.write()


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='the Penn_Action folder (frames/, labels/)')
    p.add_argument('--out', default='data/penn_action',
                   help='data_root to write annotations/ into (the configs read data/penn_action)')
    p.add_argument('--val-fraction', type=float, default=0.1)
    p.add_argument('--keypoint-stride', type=int, default=1)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    return run_converter(convert, args.root, args.out, args.val_fraction,
                         args.keypoint_stride, args.seed)


if __name__ == '__main__':
    sys.exit(main())
