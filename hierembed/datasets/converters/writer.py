"""Write a converted dataset: ``annotations/videos_<split>.json`` (video collections) and
``annotations/keypoints_<split>.json`` (COCO keypoints), the two formats of docs/data.md.

Each file is written to a temporary name and renamed into place, so a reader never sees half a
file, and a converter that fails leaves the previous annotations as they were.
"""
import json
import os
import os.path as osp
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

SPLITS = ('train', 'val', 'test')
# the symlink inside a data root through which its files reach sources outside it
SOURCE_LINK = 'source'


def rel_path(path: str, root: str) -> str:
    """``path`` relative to ``root`` when it lies inside it, else absolute: a path outside is made
    relative when the files are written (:meth:`ConvertedDataset.write`, docs/data.md)."""
    path = osp.abspath(path)
    rel = osp.relpath(path, osp.abspath(root))
    return path if rel.startswith('..') else rel


def coco_visibility(xy: np.ndarray, width: float, height: float,
                    labelled: Optional[np.ndarray] = None,
                    occluded: Optional[np.ndarray] = None) -> np.ndarray:
    """COCO visibility of K points: 0 unlabelled, not finite or outside the image, 1 occluded,
    2 visible.

    Args:
        xy: [K, 2] pixel coordinates, pixel centres at integers (0-based).
        width, height: of the image; a point is inside when ``0 <= x <= width - 1`` (same for y).
        labelled: [K] bool, default all.
        occluded: [K] bool, default none.

    Returns:
        [K] int64 in {0, 1, 2}.
    """
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    with np.errstate(invalid='ignore'):
        inside = np.isfinite(xy).all(1) & (xy[:, 0] >= 0) & (xy[:, 0] <= width - 1) & \
            (xy[:, 1] >= 0) & (xy[:, 1] <= height - 1)
    if labelled is not None:
        inside &= np.asarray(labelled, bool).reshape(-1)
    v = np.where(inside, 2, 0)
    if occluded is not None:
        v[inside & np.asarray(occluded, bool).reshape(-1)] = 1
    return v.astype(np.int64)


def box_from_points(xy: np.ndarray, valid: np.ndarray, width: float, height: float,
                    margin: float = 0.0, min_points: int = 2) -> Optional[List[float]]:
    """The box [x, y, w, h] (COCO edge coordinates) around the valid points, each side grown by
    ``margin`` times the box's longer side, clipped to the image.

    Args:
        xy: [K, 2] points; valid: [K] bool.
        margin: fraction of the longer side added on every side.
        min_points: fewer valid points give no box.

    Returns:
        the box, or None when there are too few points or it has no area inside the image.
    """
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    valid = np.asarray(valid, bool).reshape(-1) & np.isfinite(xy).all(1)
    if valid.sum() < min_points:
        return None
    (x1, y1), (x2, y2) = xy[valid].min(0), xy[valid].max(0) + 1.0  # pixel centres -> edges
    grow = margin * max(x2 - x1, y2 - y1)
    x1, y1 = max(0.0, x1 - grow), max(0.0, y1 - grow)
    x2, y2 = min(float(width), x2 + grow), min(float(height), y2 + grow)
    if x2 - x1 < 1 or y2 - y1 < 1:
        return None
    return [round(float(v), 2) for v in (x1, y1, x2 - x1, y2 - y1)]


def assign_splits(keys: Iterable[str], val_fraction: float = 0.1, test_fraction: float = 0.1,
                  seed: int = 0) -> Dict[str, str]:
    """Key (an identity, a clip) -> 'train' / 'val' / 'test' by a seeded shuffle of the sorted
    unique keys; the rounded fractions go to test, then val, the rest (at least one) to train."""
    keys = sorted(set(keys))
    order = np.random.default_rng(seed).permutation(len(keys))
    n_test = min(int(round(test_fraction * len(keys))), max(0, len(keys) - 1))
    n_val = min(int(round(val_fraction * len(keys))), max(0, len(keys) - 1 - n_test))
    return {keys[i]: 'test' if r < n_test else 'val' if r < n_test + n_val else 'train'
            for r, i in enumerate(order)}


def image_size(path: str) -> Tuple[int, int]:
    """(width, height) of an image file, from its header (PIL) when possible.

    Raises:
        ValueError: naming the file when it cannot be read.
    """
    try:
        from PIL import Image
        with Image.open(path) as img:
            return img.size
    except ImportError:
        pass
    except Exception as e:
        raise ValueError(f'{path}: cannot read the image ({e})') from None
    import cv2
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ValueError(f'{path}: cannot read the image')
    return img.shape[1], img.shape[0]


@contextmanager
def open_text(path: str) -> Iterator:
    """``open(path)`` for reading UTF-8 text; a byte that is not UTF-8 is an error naming the
    file (Python's ``UnicodeDecodeError`` names only the codec and the position).

    Raises:
        DataError: the file is not UTF-8 text.
    """
    from hierembed.errors import DataError
    try:
        with open(path, encoding='utf-8') as f:
            yield f
    except UnicodeDecodeError as err:
        raise DataError(f'is not UTF-8 text (byte {err.object[err.start:err.start + 1]!r} at '
                        f'{err.start}): is it the file the converter expects?',
                        file=path) from None


def read_mat(path: str, **kwargs) -> dict:
    """``scipy.io.loadmat(path, **kwargs)``; a file it cannot read is named in the error.

    Raises:
        FileNotFoundError: no such file.
        DataError: the file is no MATLAB file scipy reads (damaged, truncated, another format).
    """
    from scipy.io import loadmat

    from hierembed.errors import DataError
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    try:
        return loadmat(path, **kwargs)
    except Exception as err:  # scipy raises ValueError, TypeError, OSError, MatReadError ...
        msg = ' '.join(str(err).split())[:200] or type(err).__name__
        raise DataError(f'not a readable MATLAB file ({type(err).__name__}: {msg}); download '
                        'it again', file=path) from err


def write_json_atomic(path: str, obj) -> None:
    """``json.dump`` to ``path`` through a temporary file and a rename."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
    os.replace(tmp, path)


class ConvertedDataset:
    """Collects videos and keypoint instances per split, then writes both formats.

    Args:
        out: the data_root (``annotations/`` is written inside it).
        info: ``metainfo`` of the video files and ``info`` of the COCO files
            (``object_class``, ``source``, ``version``).
        keypoint_names: the K names of the COCO category (None: no keypoint files).
        category_name: the category's name (picks the metainfo file by name).
        skeleton: 0-based index pairs (written 1-based).
        splits: the splits to write.
    """

    def __init__(self, out: str, info: dict, keypoint_names: Optional[Sequence[str]] = None,
                 category_name: str = '', skeleton: Sequence[Sequence[int]] = (),
                 supercategory: str = '', splits: Sequence[str] = SPLITS):
        self.out = out
        self.info = dict(info)
        self.splits = tuple(splits)
        self.videos = {s: [] for s in self.splits}
        self.images = {s: [] for s in self.splits}
        self.annotations = {s: [] for s in self.splits}
        self.category = None
        if keypoint_names is not None:
            self.category = dict(id=1, name=category_name, supercategory=supercategory,
                                 keypoints=list(keypoint_names),
                                 skeleton=[[int(a) + 1, int(b) + 1] for a, b in skeleton])

    def add_video(self, split: str, video: dict) -> None:
        """One entry of ``videos_<split>.json`` (``id``, ``path`` relative to ``out`` or
        absolute, optional ``num_frames``, ``identity``, ``tracks``)."""
        self.videos[split].append(video)

    def add_instance(self, split: str, file_name: str, width: int, height: int,
                     keypoints: np.ndarray, bbox: Optional[Sequence[float]] = None,
                     box_margin: float = 0.1, image_extra: Optional[dict] = None,
                     **ann_extra) -> Optional[int]:
        """One image with one labelled instance.

        Args:
            file_name: the image, absolute or relative to ``out``.
            keypoints: [K, 3] (x, y, COCO v); x, y of unlabelled points (v = 0) are written as 0.
            bbox: [x, y, w, h]; default: around the labelled keypoints, grown by ``box_margin``.
            image_extra, ann_extra: extra keys of the image and the annotation (``norm_size``).

        Returns:
            the image id, or None when no box could be made (too few labelled keypoints).
        """
        kps = np.asarray(keypoints, np.float64).reshape(-1, 3)
        if bbox is None:
            bbox = box_from_points(kps[:, :2], kps[:, 2] > 0, width, height, box_margin)
        if bbox is None:
            return None
        lab = kps[:, 2] > 0
        flat = np.stack([np.where(lab, kps[:, 0], 0.0), np.where(lab, kps[:, 1], 0.0),
                         kps[:, 2]], 1)
        image_id = len(self.images[split]) + 1
        image = dict(id=image_id, file_name=file_name, width=int(width), height=int(height))
        image.update(image_extra or {})
        self.images[split].append(image)
        self.annotations[split].append(dict(
            id=image_id, image_id=image_id, category_id=1, iscrowd=0,
            bbox=[round(float(b), 2) for b in bbox], area=round(float(bbox[2] * bbox[3]), 2),
            num_keypoints=int(lab.sum()),
            keypoints=[round(float(v), 2) if i % 3 < 2 else int(v)
                       for i, v in enumerate(flat.reshape(-1))], **ann_extra))
        return image_id

    def _link_sources(self) -> None:
        """Make every path of the files relative to ``out`` (docs/data.md).

        Sources outside ``out`` are reached through one symlink, ``out/source``, to the deepest
        folder that holds all of them, and written as ``source/<path below it>``: the data root
        can then be moved, copied or shared, and a moved source needs only the link re-pointed.
        A link of an earlier run is replaced (or removed when nothing lies outside).

        Raises:
            DataError: ``out/source`` exists and is not a symlink.
        """
        refs = [(v, 'path') for s in self.splits for v in self.videos[s]] + \
            [(im, 'file_name') for s in self.splits for im in self.images[s]]
        outside = [(d, k) for d, k in refs if osp.isabs(d[k])]
        link = osp.join(self.out, SOURCE_LINK)
        if osp.lexists(link) and not osp.islink(link):
            from hierembed.errors import DataError
            raise DataError('exists and is not a symlink; the converter links the source '
                            'folder there: move it away', file=link)
        if not outside:
            if osp.islink(link):
                os.remove(link)
            return
        target = osp.commonpath([osp.dirname(d[k]) for d, k in outside])
        os.makedirs(self.out, exist_ok=True)
        tmp = f'{link}.tmp-{os.getpid()}'
        os.symlink(target, tmp, target_is_directory=True)
        os.replace(tmp, link)
        for d, k in outside:
            d[k] = osp.join(SOURCE_LINK, osp.relpath(d[k], target)).replace(os.sep, '/')

    def _refuse_undecodable_names(self) -> None:
        from hierembed.errors import DataError
        for split in self.splits:
            for entry, key in [(v, 'path') for v in self.videos[split]] + \
                    [(im, 'file_name') for im in self.images[split]]:
                try:
                    entry[key].encode('utf-8')
                except UnicodeEncodeError:
                    shown = entry[key].encode('utf-8', 'surrogateescape')
                    raise DataError(f'its name is not UTF-8 ({shown!r}): rename it (e.g. with '
                                    '`convmv`) and convert again', file=shown.decode(
                                        'utf-8', 'replace')) from None

    def write(self, **extra) -> Dict[str, Dict[str, int]]:
        """Write the files of every split (a video file that this run leaves empty and an
        earlier run wrote is removed); return split -> dict(videos=..., images=...), and
        ``extra`` (e.g. ``skipped=...``) beside.

        Raises:
            DataError: a file name that is not UTF-8 (JSON and the readers need text).
        """
        self._refuse_undecodable_names()
        ann = osp.join(self.out, 'annotations')
        self._link_sources()
        for split in self.splits:
            videos = osp.join(ann, f'videos_{split}.json')
            if self.videos[split] or self.category is None:
                write_json_atomic(videos, dict(metainfo=self.info, videos=self.videos[split]))
            elif osp.isfile(videos):  # an earlier run's: no split of this run may be stale
                os.remove(videos)
            if self.category is not None:
                write_json_atomic(osp.join(ann, f'keypoints_{split}.json'), dict(
                    info=self.info, images=self.images[split],
                    annotations=self.annotations[split], categories=[self.category]))
        summary = {s: dict(videos=len(self.videos[s]), images=len(self.images[s]))
                   for s in self.splits}
        summary.update(extra)
        return summary
