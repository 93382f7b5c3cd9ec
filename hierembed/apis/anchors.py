"""Keypoints labelled on some frames of one video (the anchors that propagation starts from).

Two files are read (docs/data.md, "Anchor keypoints"): the small anchor format ::

    {"keypoint_names": ["nose", "chin"],          # optional
     "skeleton": [[1, 2]],                        # optional, 1-based pairs as in COCO
     "box": [x, y, w, h],                         # optional: the crop box on every frame
     "frames": {"0": [[120.5, 80.0], [121.0, 140.0]],
                "40": [[118.0, 82.0], null]}}     # null or [x, y, 0]: not labelled there

and a COCO keypoints file whose images carry ``frame`` (and ``video_id`` when it holds several
videos): each annotation's keypoints label its image's frame, its ``bbox`` is that frame's crop
box.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from hierembed.errors import DataError


class AnchorFileError(DataError):
    """An anchor keypoint file that is missing or malformed; the message names the file and the
    field."""


class Anchors:
    """Keypoints on the anchor frames of one video.

    Attributes:
        points: frame -> [N, 3] float64 (x, y, v) in image pixels; ``v > 0`` labels a point.
        boxes: frame -> [4] crop box (x, y, w, h) where the file gives one per anchor (COCO).
        box: one crop box for every frame, or None.
        names: N keypoint names; skeleton: 0-based index pairs.
    """

    def __init__(self, points: Dict[int, np.ndarray], names: List[str],
                 skeleton: List[Tuple[int, int]], box: Optional[Sequence[float]] = None,
                 boxes: Optional[Dict[int, Sequence[float]]] = None):
        self.points, self.names, self.skeleton = points, names, skeleton
        self.box, self.boxes = box, boxes or {}

    @property
    def frames(self) -> List[int]:
        return sorted(self.points)

    def check_video(self, path: str, num_frames: int, width: int, height: int) -> None:
        """Refuse anchors that cannot belong to a video of ``num_frames`` frames of ``width`` x
        ``height``: a frame past its end, a labelled point more than a frame's size outside it,
        a box with no area inside it.

        Raises:
            AnchorFileError: naming ``path`` (the anchor file) and the frame.
        """
        for t in self.frames:
            if not 0 <= t < num_frames:
                _fail(path, f'frames[{t}]', f'the video has frames 0 to {num_frames - 1}')
            xy = self.points[t][self.points[t][:, 2] > 0, :2]
            far = (xy[:, 0] < -width) | (xy[:, 0] > 2 * width) | \
                (xy[:, 1] < -height) | (xy[:, 1] > 2 * height)
            if far.any():
                _fail(path, f'frames[{t}]', f'a point at {xy[far][0].tolist()} lies far outside '
                      f'the {width} x {height} frame: are these pixels of this video?')
        boxes = [('box', self.box)] + [(f'frames[{t}].bbox', b)
                                       for t, b in sorted(self.boxes.items())]
        for where, b in boxes:
            if b is not None and (b[0] >= width or b[1] >= height or b[0] + b[2] <= 0
                                  or b[1] + b[3] <= 0):
                _fail(path, where, f'{list(b)} has no area inside the {width} x {height} frame')

    def crop_boxes(self, num_frames: int, default: Sequence[float]) -> np.ndarray:
        """[T, 4] the box each frame is cropped around: the file's ``box``; else the nearest
        anchor's box (COCO ``bbox``, ties to the earlier); else ``default``."""
        if self.box is not None:
            return np.tile(np.asarray(self.box, np.float64), (num_frames, 1))
        if not self.boxes:
            return np.tile(np.asarray(default, np.float64), (num_frames, 1))
        frames = np.asarray(sorted(self.boxes))
        near = frames[np.abs(np.arange(num_frames)[:, None] - frames[None]).argmin(1)]
        return np.stack([np.asarray(self.boxes[int(f)], np.float64) for f in near])


def _fail(path: str, field: str, msg: str) -> None:
    raise AnchorFileError(f'{path}: {field}: {msg}')


def _point(path: str, where: str, p) -> List[float]:
    if p is None:
        return [0.0, 0.0, 0.0]
    if (not isinstance(p, (list, tuple)) or len(p) not in (2, 3)
            or not all(isinstance(v, (int, float)) and np.isfinite(v) for v in p)):
        _fail(path, where, f'expected [x, y], [x, y, v] or null, got {p!r}')
    return [float(p[0]), float(p[1]), float(p[2]) if len(p) == 3 else 2.0]


def _box(path: str, where: str, b) -> List[float]:
    if (not isinstance(b, (list, tuple)) or len(b) != 4
            or not all(isinstance(v, (int, float)) for v in b) or not (b[2] > 0 and b[3] > 0)):
        _fail(path, where, f'expected [x, y, w, h] with w, h > 0, got {b!r}')
    return [float(v) for v in b]


def _from_anchor_format(path: str, data: dict) -> Anchors:
    frames = data.get('frames')
    if not isinstance(frames, dict) or not frames:
        _fail(path, 'frames', 'missing or empty; expected {"FRAME": [[x, y], ...], ...}')
    points, num = {}, None
    for key, pts in frames.items():
        try:
            frame = int(key)
        except ValueError:
            _fail(path, f'frames[{key!r}]', 'the key is not a frame number')
        if frame < 0:
            _fail(path, f'frames[{key!r}]', 'frame numbers start at 0')
        if not isinstance(pts, list) or not pts:
            _fail(path, f'frames[{key!r}]', 'expected a non-empty list of points')
        if num is not None and len(pts) != num:
            _fail(path, f'frames[{key!r}]', f'{len(pts)} points; other frames have {num}')
        num = len(pts)
        points[frame] = np.array([_point(path, f'frames[{key!r}][{k}]', p)
                                  for k, p in enumerate(pts)], np.float64)
    names = data.get('keypoint_names') or [str(k) for k in range(num)]
    if len(names) != num:
        _fail(path, 'keypoint_names', f'{len(names)} names for {num} points')
    skeleton = [(int(a) - 1, int(b) - 1) for a, b in data.get('skeleton') or []]
    if any(not (0 <= a < num and 0 <= b < num) for a, b in skeleton):
        _fail(path, 'skeleton', f'expected 1-based pairs of keypoints 1..{num}')
    box = _box(path, 'box', data['box']) if data.get('box') is not None else None
    return Anchors(points, list(names), skeleton, box=box)


def _from_coco(path: str, data: dict, video_id=None) -> Anchors:
    images = {im['id']: im for im in data.get('images') or []}
    videos = {im.get('video_id') for im in images.values()}
    if video_id is None and len(videos) > 1:
        _fail(path, 'images[].video_id', f'{len(videos)} videos in the file; pick one with '
              f'--video-id (e.g. {sorted(map(str, videos))[0]})')
    points, boxes = {}, {}
    for i, ann in enumerate(data.get('annotations') or []):
        im = images.get(ann.get('image_id'))
        if im is None:
            _fail(path, f'annotations[{i}].image_id', f'{ann.get("image_id")!r} is no image')
        if video_id is not None and str(im.get('video_id')) != str(video_id):
            continue
        if 'frame' not in im:
            _fail(path, f'images (id {im["id"]}).frame', 'missing: propagation needs the frame '
                  'of the video each labelled image is')
        kps = np.asarray(ann.get('keypoints'), np.float64).reshape(-1, 3)
        frame = int(im['frame'])
        if frame in points:
            _fail(path, f'annotations[{i}]', f'frame {frame} is labelled twice')
        points[frame] = kps
        if ann.get('bbox') is not None:
            boxes[frame] = _box(path, f'annotations[{i}].bbox', ann['bbox'])
    if not points:
        where = f' of video {video_id!r}' if video_id is not None else ''
        _fail(path, 'annotations', f'no labelled frame{where}')
    cats = data.get('categories') or [{}]
    num = len(next(iter(points.values())))
    names = cats[0].get('keypoints') or [str(k) for k in range(num)]
    skeleton = [(a - 1, b - 1) for a, b in cats[0].get('skeleton') or []]
    return Anchors(points, list(names), skeleton, boxes=boxes)


def load_anchors(path: str, video_id=None) -> Anchors:
    """Read an anchor file (the anchor format, or COCO keypoints with ``frame`` per image).

    Args:
        path: the JSON file.
        video_id: which video of a COCO file that holds several (its images' ``video_id``).

    Raises:
        AnchorFileError: the file is missing, not JSON, or a field is malformed (one line that
            names the file and the field).
    """
    if not osp.isfile(path):
        raise AnchorFileError(f'{path}: keypoint file not found')
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise AnchorFileError(f'{path}: not a JSON file ({str(e).splitlines()[0]})') from None
    if not isinstance(data, dict):
        _fail(path, '(top level)', 'expected an object')
    if 'annotations' in data and 'images' in data:
        return _from_coco(path, data, video_id)
    return _from_anchor_format(path, data)
