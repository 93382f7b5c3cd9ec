"""Read the TigDog horse subset and convert it to the toolkit's two formats (docs/data.md).

The layout relied on (plugins/horse/README.md says from where and how sure), under ``root``
(the folder that holds ``behaviorDiscovery2.0/``, or that folder itself)::

    behaviorDiscovery2.0/horse/NNNNNNNN.jpg            every frame of every shot, one folder,
                                                       numbered from 1 across shots (8 digits)
    behaviorDiscovery2.0/ranges/horse/ranges.mat       `ranges` [S, 3] ints: shot id, first
                                                       frame, last frame (inclusive)
    behaviorDiscovery2.0/landmarks/horse/<shot>.mat    `landmarks`: a cell, one entry per frame
                                                       of the shot, each a 1x1 struct whose 1st
                                                       field is [K, 2] (x, y) pixels and 2nd
                                                       [K, 1] visibility (0/1); absent for
                                                       shots without landmarks

Writes ``out/frames/<shot>/NNNNNN.jpg`` (symbolic links to the frames, or copies), and
``out/annotations/videos_{train,val,test}.json`` (one video per shot; one track with a box per
labelled frame, the box around its labelled landmarks plus a margin; no track -- the whole
frame -- for shots without landmarks) and ``out/annotations/keypoints_{train,val,test}.json``
(COCO, category ``tigdog_horse``, every labelled frame). Shots are split by a seeded shuffle
(TigDog has no official split that we know of). Anything that does not match raises
:class:`TigDogFormatError` naming the file and the field.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence

import numpy as np

CLASS = 'horse'
METAINFO = osp.join(osp.dirname(osp.abspath(__file__)), 'metainfo', 'tigdog_horse.py')
SOURCE = 'tigdog'


class TigDogFormatError(ValueError):
    """A TigDog file is missing or does not have the layout this converter relies on."""


def find_layout(root: str, animal: str = CLASS) -> Dict[str, str]:
    """The folders of one class of a TigDog download.

    Args:
        root: the folder that holds ``behaviorDiscovery2.0``, or that folder itself.
        animal: ``'horse'`` (``'tiger'`` has the same layout).

    Returns:
        dict(base, frames, ranges, landmarks) paths.

    Raises:
        TigDogFormatError: naming what is missing.
    """
    base = osp.join(root, 'behaviorDiscovery2.0')
    if not osp.isdir(base):
        base = root
    layout = dict(base=base, frames=osp.join(base, animal),
                  ranges=osp.join(base, 'ranges', animal, 'ranges.mat'),
                  landmarks=osp.join(base, 'landmarks', animal))
    if not osp.isfile(layout['ranges']):
        raise TigDogFormatError(f'{layout["ranges"]}: not found (expected the TigDog layout '
                                f'behaviorDiscovery2.0/{{{animal}, ranges/{animal}/ranges.mat, '
                                f'landmarks/{animal}/<shot>.mat}} under {root})')
    if not osp.isdir(layout['frames']):
        raise TigDogFormatError(f'{layout["frames"]}: the frames folder is missing')
    return layout


def read_ranges(path: str) -> np.ndarray:
    """``ranges.mat`` -> int64 [S, 3] (shot id, first frame, last frame), checked."""
    from scipy.io import loadmat
    m = loadmat(path)
    if 'ranges' not in m:
        raise TigDogFormatError(f'{path}: field `ranges` is missing (has '
                                f'{sorted(k for k in m if not k.startswith("__"))})')
    r = np.asarray(m['ranges'])
    if r.ndim != 2 or r.shape[1] != 3 or r.dtype.kind not in 'iuf':
        raise TigDogFormatError(f'{path}: field `ranges` has shape {r.shape} ({r.dtype}), '
                                'expected [S, 3] numbers: shot id, first frame, last frame')
    if r.dtype.kind == 'f' and not np.array_equal(r, np.round(r)):
        raise TigDogFormatError(f'{path}: field `ranges` holds non-integer frame numbers')
    r = r.astype(np.int64)
    for i, (shot, first, last) in enumerate(r):
        if first < 1 or last < first:
            raise TigDogFormatError(f'{path}: field `ranges` row {i} (shot {shot}): frames '
                                    f'{first}..{last} are not a range of frames numbered from 1')
    if len(set(r[:, 0].tolist())) != len(r):
        raise TigDogFormatError(f'{path}: field `ranges` repeats a shot id')
    return r


def read_landmarks(path: str, num_frames: int, num_keypoints: int) -> np.ndarray:
    """One shot's ``landmarks`` -> float64 [F, K, 3] (x, y, visibility 0/1), checked.

    Args:
        path: ``landmarks/<animal>/<shot>.mat``.
        num_frames: F, the shot's length from ``ranges.mat``.
        num_keypoints: K, from the metainfo.
    """
    from scipy.io import loadmat
    m = loadmat(path)
    if 'landmarks' not in m:
        raise TigDogFormatError(f'{path}: field `landmarks` is missing (has '
                                f'{sorted(k for k in m if not k.startswith("__"))})')
    cells = np.asarray(m['landmarks'], dtype=object).reshape(-1)
    if len(cells) != num_frames:
        raise TigDogFormatError(f'{path}: field `landmarks` has {len(cells)} entries, but '
                                f'ranges.mat gives the shot {num_frames} frames')
    out = np.zeros((num_frames, num_keypoints, 3))
    for t, cell in enumerate(cells):
        where = f'{path}: field `landmarks`{{{t + 1}}}'
        rec = np.asarray(cell)
        if rec.dtype.names is None or len(rec.dtype.names) < 2 or rec.size != 1:
            raise TigDogFormatError(f'{where}: expected a 1x1 struct with two fields '
                                    f'(coordinates, visibility), got {rec.dtype} {rec.shape}')
        rec = rec.reshape(-1)[0]
        names = rec.dtype.names
        xy = np.asarray(rec[0], np.float64)
        vis = np.asarray(rec[1], np.float64).reshape(-1)
        if xy.shape != (num_keypoints, 2):
            raise TigDogFormatError(f'{where}.{names[0]}: shape {xy.shape}, expected '
                                    f'({num_keypoints}, 2) (x, y per landmark; the metainfo has '
                                    f'{num_keypoints} landmarks)')
        if vis.shape != (num_keypoints,):
            raise TigDogFormatError(f'{where}.{names[1]}: shape {vis.shape}, expected '
                                    f'({num_keypoints},) visibilities')
        if not np.isin(vis, (0, 1)).all():
            raise TigDogFormatError(f'{where}.{names[1]}: visibilities must be 0 or 1, got '
                                    f'{sorted(set(vis.tolist()))}')
        if not np.isfinite(xy[vis > 0]).all():
            raise TigDogFormatError(f'{where}.{names[0]}: a visible landmark is not finite')
        out[t, :, :2] = np.where(np.isfinite(xy), xy, 0.0)
        out[t, :, 2] = vis
    return out


def _box(kps: np.ndarray, w: int, h: int, margin: float) -> Optional[List[float]]:
    """[x, y, w, h] around the labelled landmarks, grown by ``margin`` of its size per side."""
    lab = kps[:, 2] > 0
    if lab.sum() < 2:
        return None
    x1, y1 = kps[lab, :2].min(0)
    x2, y2 = kps[lab, :2].max(0)
    side = max(x2 - x1, y2 - y1)
    x1, x2 = max(0.0, x1 - margin * side), min(float(w), x2 + margin * side)
    y1, y2 = max(0.0, y1 - margin * side), min(float(h), y2 + margin * side)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return [round(float(x1), 2), round(float(y1), 2), round(float(x2 - x1), 2),
            round(float(y2 - y1), 2)]


def _image_size(path: str):
    import cv2
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise TigDogFormatError(f'{path}: cannot read the frame')
    return img.shape[1], img.shape[0]


def convert(root: str, out: str, animal: str = CLASS, metainfo: str = METAINFO,
            val_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0,
            box_margin: float = 0.1, copy: bool = False,
            overwrite: bool = False) -> Dict[str, Dict[str, int]]:
    """Convert one class of a TigDog download into ``out``.

    Annotations appear in one rename (``out/annotations``), so a reader never sees a partial
    set.

    Args:
        root: the folder that holds ``behaviorDiscovery2.0`` (or that folder).
        out: the data_root to write (``frames/``, ``annotations/``).
        animal: the class's folder name.
        metainfo: the keypoint metainfo (names, skeleton) of the landmark rows.
        val_fraction, test_fraction: shots held out for val and test (seeded shuffle).
        seed: of the split.
        box_margin: the training box around the labelled landmarks grows by this fraction of
            its longer side on every side (the paper: "a rough crop based on the provided
            information").
        copy: copy the frames instead of linking them.
        overwrite: replace an existing ``out/annotations``.

    Returns:
        split -> dict(videos=..., images=...) counts.
    """
    from hierembed.datasets.metainfo import parse_metainfo
    ann_dir = osp.join(out, 'annotations')
    if osp.exists(ann_dir) and not overwrite:
        raise FileExistsError(f'{ann_dir} exists; pass overwrite=True (--overwrite) to replace it')
    layout = find_layout(root, animal)
    meta = parse_metainfo(metainfo)
    k = meta['num_keypoints']
    ranges = read_ranges(layout['ranges'])
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ranges))
    n_test = int(round(test_fraction * len(ranges)))
    n_val = int(round(val_fraction * len(ranges)))
    split_of = {}
    for rank, i in enumerate(order):
        split_of[int(ranges[i, 0])] = 'test' if rank < n_test else \
            'val' if rank < n_test + n_val else 'train'
    category = dict(id=1, name=meta['dataset_name'], supercategory='animal',
                    keypoints=meta['keypoint_names'],
                    skeleton=[[a + 1, b + 1] for a, b in meta['skeleton']])
    info = dict(object_class=animal, source=SOURCE, version=1)
    splits = {s: dict(videos=[], images=[], annotations=[]) for s in ('train', 'val', 'test')}
    os.makedirs(out, exist_ok=True)
    for shot, first, last in ranges.tolist():
        n = last - first + 1
        sources = [osp.join(layout['frames'], f'{f:08d}.jpg') for f in range(first, last + 1)]
        missing = [p for p in sources if not osp.isfile(p)]
        if missing:
            raise TigDogFormatError(f'{layout["ranges"]}: shot {shot} spans frames {first}..'
                                    f'{last}, but {len(missing)} are missing, e.g. {missing[0]}')
        folder = osp.join('frames', str(shot))
        _place_frames(sources, osp.join(out, folder), copy)
        w, h = _image_size(sources[0])
        video = dict(id=f'{animal}_{shot}', path=folder, num_frames=n, identity=str(shot))
        sp = splits[split_of[shot]]
        lm_path = osp.join(layout['landmarks'], f'{shot}.mat')
        if osp.isfile(lm_path):
            kps = read_landmarks(lm_path, n, k)
            boxes = {}
            for t in range(n):
                box = _box(kps[t], w, h, box_margin)
                if box is None:
                    continue
                boxes[str(t)] = box
                image_id = len(sp['images']) + 1
                sp['images'].append(dict(id=image_id, file_name=osp.join(folder, f'{t:06d}.jpg'),
                                         width=w, height=h, shot=shot, frame=t))
                inside = (kps[t, :, 0] >= 0) & (kps[t, :, 0] <= w - 1) & \
                    (kps[t, :, 1] >= 0) & (kps[t, :, 1] <= h - 1)
                v = np.where((kps[t, :, 2] > 0) & inside, 2, 0)
                flat = np.stack([kps[t, :, 0] * (v > 0), kps[t, :, 1] * (v > 0), v], 1)
                sp['annotations'].append(dict(
                    id=image_id, image_id=image_id, category_id=1, bbox=box, iscrowd=0,
                    area=round(box[2] * box[3], 2), num_keypoints=int((v > 0).sum()),
                    keypoints=[round(float(x), 2) for x in flat.reshape(-1)]))
            if len(boxes) >= 2:
                video['tracks'] = [dict(id=0, boxes=boxes)]
        sp['videos'].append(video)
    tmp = osp.join(out, f'annotations.tmp-{os.getpid()}')
    os.makedirs(tmp, exist_ok=True)
    for split, sp in splits.items():
        with open(osp.join(tmp, f'videos_{split}.json'), 'w') as f:
            json.dump(dict(metainfo=info, videos=sp['videos']), f)
        with open(osp.join(tmp, f'keypoints_{split}.json'), 'w') as f:
            json.dump(dict(info=info, images=sp['images'], annotations=sp['annotations'],
                           categories=[category]), f)
    if osp.exists(ann_dir):
        shutil.rmtree(ann_dir)
    os.replace(tmp, ann_dir)
    return {s: dict(videos=len(sp['videos']), images=len(sp['images']))
            for s, sp in splits.items()}


def _place_frames(sources: Sequence[str], folder: str, copy: bool) -> None:
    """``folder/000000.jpg ...``: the shot's frames numbered from 0 (links or copies)."""
    os.makedirs(folder, exist_ok=True)
    for t, src in enumerate(sources):
        dst = osp.join(folder, f'{t:06d}.jpg')
        if osp.lexists(dst):
            os.remove(dst)
        if copy:
            shutil.copyfile(src, dst)
        else:
            os.symlink(osp.abspath(src), dst)


def annotation_source(data_root: str) -> Optional[str]:
    """``metainfo.source`` of ``data_root/annotations/videos_train.json`` (None if absent)."""
    path = osp.join(data_root, 'annotations', 'videos_train.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return (json.load(f).get('metainfo') or {}).get('source', 'unknown')


__all__ = ['convert', 'find_layout', 'read_ranges', 'read_landmarks', 'annotation_source',
           'TigDogFormatError', 'METAINFO', 'SOURCE']
