"""Square crop around a box, resized to the network's input, moving keypoints with the image."""
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from hierembed.registry import TRANSFORMS


def crop_matrix(bbox: Sequence[float], out_size: int, margin: float = 1.0) -> np.ndarray:
    """The affine map from image pixels to the pixels of a square crop around ``bbox``.

    The crop is the square of side ``max(w, h) * margin`` centred on the box, scaled to
    ``out_size``. Boxes are in edge coordinates (the image spans [0, W] x [0, H], COCO's
    convention); pixel centres, and keypoints, are at integers (OpenCV's convention).

    Args:
        bbox: [4] x, y, w, h.
        out_size: S.
        margin: the square's side over the box's longer side.

    Returns:
        [2, 3] float64 M with (u, v) = M @ (x, y, 1), u and v in crop pixels.
    """
    x, y, w, h = (float(v) for v in bbox)
    side = max(w, h) * margin
    if not side > 0:
        raise ValueError(f'crop box {list(bbox)} has no area')
    s = out_size / side
    x0, y0 = x + w / 2 - side / 2, y + h / 2 - side / 2
    # centre coords -> edge coords (+0.5), crop and scale, edge -> centre (-0.5)
    return np.array([[s, 0.0, (0.5 - x0) * s - 0.5], [0.0, s, (0.5 - y0) * s - 0.5]])


def inside_frame_box(width: float, height: float, margin: float = 1.0) -> np.ndarray:
    """The box whose square crop (side ``max(w, h) * margin``) is the largest centred square
    inside a ``width`` x ``height`` frame: a whole frame cropped without any border.

    A 16:9 frame keeps its centre (its height square); the square of its longer side would
    fill about a third of the crop with replicated border.

    Args:
        width: W; height: H (pixels).
        margin: the crop margin the box will be cropped with.

    Returns:
        [4] float64 x, y, w, h.
    """
    side = min(float(width), float(height)) / margin
    return np.array([(width - side) / 2, (height - side) / 2, side, side])


def is_whole_frame(bbox: Sequence[float], width: float, height: float,
                   tol: float = 0.5) -> bool:
    """Whether ``bbox`` [x, y, w, h] is the whole ``width`` x ``height`` frame (to ``tol`` px)."""
    return bool(np.all(np.abs(np.asarray(bbox, np.float64) - [0, 0, width, height]) <= tol))


def outside_fraction(bbox: Sequence[float], width: float, height: float,
                     margin: float = 1.0) -> float:
    """The fraction of the square crop around ``bbox`` that lies outside the frame (what the
    crop fills with replicated border).

    Args:
        bbox: [4] x, y, w, h; width, height: the frame's W, H.
        margin: the crop margin.

    Returns:
        A float in [0, 1].
    """
    x, y, w, h = (float(v) for v in bbox)
    side = max(w, h) * margin
    x0, y0 = x + w / 2 - side / 2, y + h / 2 - side / 2
    ix = max(0.0, min(x0 + side, width) - max(x0, 0.0))
    iy = max(0.0, min(y0 + side, height) - max(y0, 0.0))
    return 1.0 - ix * iy / (side * side)


def union_box(boxes: np.ndarray) -> np.ndarray:
    """The smallest box that holds every box of ``boxes``.

    Args:
        boxes: [N, 4] x, y, w, h (edge coordinates).

    Returns:
        [4] float64 x, y, w, h.
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    lo = boxes[:, :2].min(0)
    hi = (boxes[:, :2] + boxes[:, 2:]).max(0)
    return np.concatenate([lo, hi - lo])


def smoothed_box(boxes: np.ndarray, frames: np.ndarray, pos: int, window: int) -> np.ndarray:
    """The mean of a track's boxes over the frames within ``window // 2`` of frame ``pos``.

    A moving average along the track: the crop still follows the figure through the clip, but
    not every change of its box from one frame to the next (a limb that swings out).

    Args:
        boxes: [F, 4] x, y, w, h of the track's frames.
        frames: [F] their frame indices, sorted.
        pos: the position (into ``frames``) of the frame to crop.
        window: the window's length in frames (odd; 1: the frame's own box).

    Returns:
        [4] float64 x, y, w, h.
    """
    half = window // 2
    f = frames[pos]
    lo = int(np.searchsorted(frames, f - half, 'left'))
    hi = int(np.searchsorted(frames, f + half, 'right'))
    return np.asarray(boxes[lo:hi], np.float64).reshape(-1, 4).mean(0)


def apply_affine(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Points [N, 2] through an affine [2, 3] map."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    return points @ matrix[:, :2].T + matrix[:, 2]


@TRANSFORMS.register_module()
class CropToBox(BaseTransform):
    """Crop ``results['img']`` to a square around ``results['bbox']`` and resize to ``size``.

    Pixels outside the image repeat its border (a box may leave the frame). Keypoints, when
    present, go through the same affine map, so they stay exactly on the image content.

    Args:
        size: output side S.
        margin: the square's side over the box's longer side.

    Results keys: reads ``img`` [H, W, 3] uint8, ``bbox`` [4] (default: the whole image),
    optional ``keypoints`` [N, 2]; writes ``img`` [S, S, 3], ``keypoints``, ``crop_matrix``
    [2, 3] and ``scale`` (crop pixels per image pixel).
    """

    def __init__(self, size: int = 64, margin: float = 1.25):
        self.size = int(size)
        self.margin = float(margin)

    def transform(self, results: Dict) -> Optional[Dict]:
        img = results['img']
        bbox = results.get('bbox')
        if bbox is None:
            bbox = [0.0, 0.0, img.shape[1], img.shape[0]]
        m = crop_matrix(bbox, self.size, self.margin)
        results['img'] = cv2.warpAffine(img, m, (self.size, self.size), flags=cv2.INTER_LINEAR,
                                        borderMode=cv2.BORDER_REPLICATE)
        if results.get('keypoints') is not None:
            results['keypoints'] = apply_affine(results['keypoints'], m).astype(np.float32)
        results['crop_matrix'] = m
        results['scale'] = float(m[0, 0])
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, margin={self.margin})'
