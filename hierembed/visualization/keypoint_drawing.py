"""Drawing predicted and ground-truth landmarks with the skeleton (probe reports)."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

Color = Tuple[int, int, int]
#: RGB colours: ground truth green, prediction red (as in the paper's figures, filled = GT).
GT_COLOR: Color = (40, 200, 40)
PRED_COLOR: Color = (230, 40, 40)


def to_hwc_uint8(image) -> np.ndarray:
    """[3, H, W] or [H, W, 3] (uint8, or float in [0, 1]) -> a contiguous [H, W, 3] uint8 copy."""
    if hasattr(image, 'detach'):
        image = image.detach().cpu().numpy()
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[0] == 3 and image.shape[-1] != 3:
        image = image.transpose(1, 2, 0)
    if image.dtype != np.uint8:
        image = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


def draw_keypoints(image: np.ndarray, keypoints: np.ndarray, mask: Optional[np.ndarray] = None,
                   skeleton: Sequence[Tuple[int, int]] = (), color: Color = GT_COLOR,
                   filled: bool = True, radius: int = 3, thickness: int = 1) -> np.ndarray:
    """Draw one instance's keypoints and skeleton links on an image (in place).

    Args:
        image: [H, W, 3] uint8 RGB, drawn on.
        keypoints: [K, 2] (x, y) in the image's pixels.
        mask: [K] which keypoints to draw (a link needs both ends); default all.
        skeleton: 0-based index pairs.
        color: RGB colour.
        filled: filled dots (ground truth) or rings (predictions).
        radius: dot radius in pixels.
        thickness: line thickness in pixels.

    Returns:
        ``image``.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    mask = np.ones(len(keypoints), bool) if mask is None else np.asarray(mask) > 0
    mask = mask & np.isfinite(keypoints).all(axis=1)
    points = [tuple(int(round(v)) for v in p)
              for p in np.nan_to_num(keypoints).tolist()] if len(keypoints) else []
    for a, b in skeleton:
        if mask[a] and mask[b]:
            cv2.line(image, points[a], points[b], color, thickness, cv2.LINE_AA)
    for k in np.flatnonzero(mask):
        cv2.circle(image, points[k], radius, color, -1 if filled else max(thickness, 1),
                   cv2.LINE_AA)
    return image


def draw_prediction(image, pred: np.ndarray, gt: np.ndarray, gt_visible: np.ndarray,
                    skeleton: Sequence[Tuple[int, int]] = (), size: int = 192) -> np.ndarray:
    """One crop with the ground truth (filled, green) and the prediction (rings, red).

    Args:
        image: the crop, [3, S, S] or [S, S, 3].
        pred: [K, 2] predicted keypoints, crop pixels.
        gt: [K, 2] ground truth, crop pixels.
        gt_visible: [K] COCO visibilities; unlabelled ground truth is not drawn (predictions are).
        skeleton: 0-based index pairs.
        size: the side of the drawn image (small crops are enlarged to be legible).

    Returns:
        [size, size, 3] uint8 RGB.
    """
    image = to_hwc_uint8(image)
    scale = size / image.shape[1]
    canvas = cv2.resize(image, (size, int(round(image.shape[0] * scale))),
                        interpolation=cv2.INTER_LINEAR)
    radius = max(2, size // 64)
    draw_keypoints(canvas, np.asarray(gt) * scale, np.asarray(gt_visible) > 0, skeleton,
                   GT_COLOR, filled=True, radius=radius)
    draw_keypoints(canvas, np.asarray(pred) * scale, None, skeleton, PRED_COLOR, filled=False,
                   radius=radius + 1)
    return canvas


def keypoint_panel(images: Sequence, preds: np.ndarray, gts: np.ndarray, gt_visible: np.ndarray,
                   skeleton: Sequence[Tuple[int, int]] = (), ncols: int = 4, size: int = 192,
                   title: Optional[str] = None) -> np.ndarray:
    """A grid of :func:`draw_prediction` tiles, optionally under a title line.

    Args:
        images: M crops ([3, S, S] or [S, S, 3]).
        preds: [M, K, 2] predictions, crop pixels.
        gts: [M, K, 2] ground truth, crop pixels.
        gt_visible: [M, K] COCO visibilities.
        skeleton: 0-based index pairs.
        ncols: tiles per row.
        size: tile side in pixels.
        title: text drawn above the grid.

    Returns:
        [H, W, 3] uint8 RGB.
    """
    tiles = [draw_prediction(img, p, g, v, skeleton, size)
             for img, p, g, v in zip(images, preds, gts, gt_visible)]
    if not tiles:
        raise ValueError('keypoint_panel needs at least one image')
    ncols = min(ncols, len(tiles))
    nrows = -(-len(tiles) // ncols)
    th, tw = tiles[0].shape[:2]
    gap = 2
    grid = np.full((nrows * (th + gap) - gap, ncols * (tw + gap) - gap, 3), 255, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, ncols)
        y, x = r * (th + gap), c * (tw + gap)
        grid[y:y + th, x:x + tw] = tile
    if title:
        bar = np.full((24, grid.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                    cv2.LINE_AA)
        grid = np.concatenate([bar, grid])
    return grid


def draw_propagated(frame: np.ndarray, points: np.ndarray, skeleton: Sequence[Tuple[int, int]] = (),
                    anchor: bool = False, caption: str = '', max_side: int = 640) -> np.ndarray:
    """A frame with propagated keypoints: red rings, or green dots on an anchor frame (its
    labels), numbered, with the skeleton and a caption.

    Args:
        frame: [H, W, 3] uint8 RGB.
        points: [K, 2] (x, y) image pixels (NaN: not drawn).
        skeleton: 0-based index pairs.
        anchor: whether the frame is an anchor (drawn in the ground-truth colour).
        caption: text drawn in the top-left corner.
        max_side: frames larger than this are shrunk to it (small frames are enlarged to 256).

    Returns:
        [h, w, 3] uint8 RGB, the frame scaled by ``min(max_side, max(256, side)) / side``.
    """
    side = max(frame.shape[:2])
    scale = min(max_side, max(256, side)) / side
    canvas = cv2.resize(frame, (int(round(frame.shape[1] * scale)),
                                int(round(frame.shape[0] * scale))),
                        interpolation=cv2.INTER_LINEAR)
    pts = np.asarray(points, np.float64) * scale
    radius = max(3, int(round(max(canvas.shape[:2]) / 100)))
    color = GT_COLOR if anchor else PRED_COLOR
    draw_keypoints(canvas, pts, None, skeleton, color, filled=anchor, radius=radius,
                   thickness=2)
    for k in np.flatnonzero(np.isfinite(pts).all(1)):
        x, y = (int(round(v)) for v in pts[k])
        cv2.putText(canvas, str(k), (x + radius + 1, y - radius - 1), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4, (255, 255, 255), 1, cv2.LINE_AA)
    if caption:
        cv2.putText(canvas, caption, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3,
                    cv2.LINE_AA)
        cv2.putText(canvas, caption, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                    cv2.LINE_AA)
    return np.ascontiguousarray(canvas)


def image_strip(images: Sequence[np.ndarray], height: int = 160, gap: int = 2) -> np.ndarray:
    """Images side by side at one height, on white.

    Args:
        images: [H_i, W_i, 3] uint8.
        height: the strip's height in pixels.

    Returns:
        [height, W, 3] uint8.
    """
    tiles = [cv2.resize(im, (max(1, int(round(im.shape[1] * height / im.shape[0]))), height),
                        interpolation=cv2.INTER_AREA) for im in images]
    parts = []
    for i, t in enumerate(tiles):
        if i:
            parts.append(np.full((height, gap, 3), 255, np.uint8))
        parts.append(t)
    return np.concatenate(parts, 1)


def save_rgb(path: str, image: np.ndarray) -> None:
    """Write an [H, W, 3] RGB uint8 image (PNG by the extension)."""
    if not cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise OSError(f'could not write {path}')


__all__ = ['draw_keypoints', 'draw_prediction', 'keypoint_panel', 'save_rgb', 'to_hwc_uint8',
           'draw_propagated', 'image_strip',
           'GT_COLOR', 'PRED_COLOR']
