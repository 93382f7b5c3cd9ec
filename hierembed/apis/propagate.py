"""Keypoint propagation through a video with the learned warp's correspondences.

Given keypoints labelled on one (anchor) frame, every other frame is warped *into* the anchor:
the warp from frame ``t`` (source) into the anchor (target) gives, for each anchor pixel, a
distribution over the pixels of frame ``t`` that its colour comes from, i.e. where that point
is in frame ``t``. A keypoint's new position is the expected source coordinate of its anchor
pixel at the finest active level (dense at level 1, the 4K sparse candidates above).

Each frame is matched to the anchor directly rather than to its predecessor: chaining frame to
frame accumulates drift, and the model is trained on pairs up to ``max_gap`` apart anyway.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from hierembed.datasets.transforms.crop import apply_affine, crop_matrix
from hierembed.errors import DataError
from hierembed.evaluation.functional import pck_accuracy
from hierembed.models.data_preprocessors import images_to_float


def _crop(frame: np.ndarray, box: Sequence[float], size: int, margin: float):
    import cv2
    m = crop_matrix(box, size, margin)
    img = cv2.warpAffine(frame, m, (size, size), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))), m


def _at_points(maps: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """The values of per-pixel maps at integer points (clamped into the map).

    Args:
        maps: [B, C, ..., H, W] (e.g. [B, C, H, W] or [B, C, 2, H, W]).
        points: [B, N, 2] pixels (x, y).

    Returns:
        [B, N, C, ...].
    """
    h, w = maps.shape[-2:]
    py, px = points[..., 1].long().clamp(0, h - 1), points[..., 0].long().clamp(0, w - 1)
    maps = maps.permute(0, maps.dim() - 2, maps.dim() - 1, *range(1, maps.dim() - 2))
    return maps[torch.arange(maps.shape[0], device=maps.device)[:, None], py, px]


def expected_source(prob: torch.Tensor, src: Optional[torch.Tensor],
                    points: torch.Tensor) -> torch.Tensor:
    """The expected source coordinate of target pixels under one level's warp.

    Args:
        prob: [B, C, W, W] the level's probabilities (level 1: ``C = W^2`` dense; above: the
            4K candidates).
        src: None for a dense level, else [B, C, 2, W, W] candidate coordinates (y, x).
        points: [B, N, 2] target pixels (x, y) at the level's resolution (integers).

    Returns:
        [B, N, 2] expected source positions (x, y) at the level's resolution.
    """
    c, w = prob.shape[1], prob.shape[-1]
    p = _at_points(prob, points)  # [B, N, C]
    if src is None:
        s = torch.arange(c, device=prob.device)
        sy, sx = (s // w).float(), (s % w).float()
        return torch.stack(((p * sx).sum(-1), (p * sy).sum(-1)), dim=-1)
    coords = _at_points(src, points).float()  # [B, N, C, 2] (y, x)
    return torch.stack(((p * coords[..., 1]).sum(-1), (p * coords[..., 0]).sum(-1)), dim=-1)


def _flow_source(flow: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """The source coordinate of target pixels under a deterministic flow.

    Args:
        flow: [B, 2, W, W] offsets (x, y) in pixels.
        points: [B, N, 2] target pixels (x, y) at the flow's resolution (integers).

    Returns:
        [B, N, 2] source positions (x, y).
    """
    return points.float() + _at_points(flow, points)


def crop_frame(frame: np.ndarray, box: Sequence[float], size: int, margin: float):
    """A frame cropped as the training data crops it.

    Args:
        frame: [H, W, 3] uint8 RGB; box: [4] x, y, w, h; size: S; margin: the crop margin.

    Returns:
        The crop [3, S, S] uint8 tensor and its [2, 3] matrix (image -> crop pixels).
    """
    return _crop(frame, box, size, margin)


@torch.no_grad()
def warp_points(model, anchor_crop: torch.Tensor, crops: torch.Tensor, points: np.ndarray,
                level: Optional[int] = None) -> np.ndarray:
    """Where points of the anchor's crop are in other crops, by the learned warp.

    Each crop is warped *into* the anchor (it is the source); a point's position in the crop
    is the expected source coordinate of its anchor pixel at ``level``.

    Args:
        model: a ``ClassEmbedder`` in eval mode.
        anchor_crop: [3, S, S] uint8 (or float in [0, 1]) the anchor's crop.
        crops: [B, 3, S, S] the other crops, same type.
        points: [N, 2] (x, y) pixels of the anchor's crop.
        level: warp level to read (default: the model's active levels).

    Returns:
        [B, N, 2] (x, y) pixels of each crop.
    """
    device = next(model.parameters()).device
    size = model.input_size
    level = model.active_levels if level is None else level
    width = model.warp_head.sizes[level - 1]
    # crop pixels -> level pixels (pixel centres at integers in both)
    kp_level = np.rint((np.asarray(points, np.float64) + 0.5) * width / size - 0.5)
    src = images_to_float(crops.to(device))
    tgt = images_to_float(anchor_crop[None].to(device)).expand(len(src), -1, -1, -1)
    res = model.warp(src, tgt, num_levels=level)
    pts = torch.as_tensor(kp_level, dtype=torch.float32, device=device)
    pts = pts[None].expand(len(src), -1, -1)
    if res['prob'][level - 1] is not None:
        pos = expected_source(res['prob'][level - 1], res['src'][level - 1], pts)
    else:  # a deterministic flow head (the FAb-Net-style baseline)
        pos = _flow_source(res['flow'][level - 1], pts)
    return (pos.cpu().numpy().astype(np.float64) + 0.5) * size / width - 0.5


def to_image(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Crop pixels [N, 2] -> image pixels, through the inverse of a crop's [2, 3] matrix."""
    return apply_affine(points, np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))[:2])


@torch.no_grad()
def propagate_keypoints(model, frames: Sequence[np.ndarray], boxes: Sequence[Sequence[float]],
                        anchor_keypoints: np.ndarray, anchor: int = 0, margin: float = 1.2,
                        level: Optional[int] = None, batch_size: int = 16) -> np.ndarray:
    """Carry keypoints from the anchor frame to every frame of a video.

    The anchor frame keeps its keypoints exactly (it is not warped to itself).

    Args:
        model: a ``ClassEmbedder`` (eval mode is set here), on any device: the crops go to
            the device of its parameters.
        frames: T frames [H, W, 3] uint8 RGB.
        boxes: T boxes [x, y, w, h] of the object (the crops the model sees).
        anchor_keypoints: [N, 2] (x, y) image pixels of the keypoints on the anchor frame.
        anchor: index of the labelled frame.
        margin: crop margin, as the training data used.
        level: warp level to read (default: the model's active levels).
        batch_size: frames warped at once.

    Returns:
        [T, N, 2] keypoints (x, y) in the pixels of each frame.
    """
    model.eval()
    size = model.input_size
    crops, mats = zip(*(_crop(f, b, size, margin) for f, b in zip(frames, boxes)))
    crops = torch.stack(crops)
    kp_crop = apply_affine(anchor_keypoints, mats[anchor])
    out = np.zeros((len(frames), len(anchor_keypoints), 2), np.float64)
    for start in range(0, len(frames), batch_size):
        idx = list(range(start, min(len(frames), start + batch_size)))
        pos_crop = warp_points(model, crops[anchor], crops[idx], kp_crop, level)
        for j, t in enumerate(idx):
            out[t] = to_image(pos_crop[j], mats[t])
    out[anchor] = np.asarray(anchor_keypoints, np.float64)[:, :2]
    return out


def nearest_anchors(num_frames: int, anchors: Dict[int, np.ndarray]) -> np.ndarray:
    """For every frame and keypoint, the nearest anchor frame that labels the keypoint.

    Args:
        num_frames: T.
        anchors: frame -> [N, 3] (x, y, v) keypoints; ``v > 0`` labels a keypoint.

    Returns:
        [T, N] int anchor frames (ties go to the earlier anchor), -1 where no anchor labels
        the keypoint.
    """
    frames = sorted(anchors)
    labels = np.stack([np.asarray(anchors[a])[:, 2] > 0 for a in frames])  # [A, N]
    dist = np.abs(np.arange(num_frames)[:, None] - np.asarray(frames)[None])  # [T, A]
    dist = np.where(labels[None], dist[:, :, None], np.iinfo(np.int64).max)  # [T, A, N]
    best = dist.argmin(1)  # [T, N]: the first of equals, i.e. the earlier anchor
    out = np.asarray(frames)[best]
    out[:, ~labels.any(0)] = -1
    return out


def pck_along_video(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray,
                    norms: np.ndarray, thr: float = 0.2) -> Dict[str, object]:
    """PCK of propagated keypoints per frame and overall, by :func:`pck_accuracy`.

    The probe's convention: a keypoint is correct when its normalised distance is strictly
    below ``thr``, and a score is the mean over keypoints of each keypoint's fraction correct.

    Args:
        pred: [T, N, 2]; gt: [T, N, 2]; visible: [T, N] (COCO v; > 0 counts);
        norms: [T] per-frame normaliser (e.g. max(bbox w, h)).
        thr: the threshold as a fraction of the normaliser.

    Returns:
        ``pck`` (%, the frames as instances of :func:`pck_accuracy`) and ``per_frame`` (list
        of %, NaN where a frame has no labelled keypoint).
    """
    per_frame: List[float] = [
        100 * pck_accuracy(pred[t:t + 1], gt[t:t + 1], visible[t:t + 1], thr, norms[t:t + 1])[1]
        for t in range(len(pred))]
    return dict(pck=100 * pck_accuracy(pred, gt, visible, thr, norms)[1], per_frame=per_frame)


@torch.no_grad()
def propagate_video(model, reader, anchors, boxes: np.ndarray, margin: float = 1.2,
                    level: Optional[int] = None, chunk: int = 32) -> Dict[str, np.ndarray]:
    """Carry keypoints labelled on anchor frames to every frame of a video.

    Every frame is warped into the nearest anchor that labels each keypoint
    (:func:`nearest_anchors`); anchor frames keep their labels exactly. Frames are decoded and
    cropped ``chunk`` at a time, so a long video is never held in memory whole.

    Args:
        model: a ``ClassEmbedder``.
        reader: a frame reader (:func:`hierembed.datasets.video_io.open_reader`): ``num_frames``
            and ``get(indices) -> [K, H, W, 3]`` uint8 RGB.
        anchors: :class:`hierembed.apis.anchors.Anchors` (frame -> [N, 3] (x, y, v)).
        boxes: [T, 4] the box (x, y, w, h) each frame is cropped around.
        margin: the crop margin the model was trained with.
        level: warp level to read (default: the model's active levels).
        chunk: frames decoded and warped at once.

    Returns:
        ``points`` [T, N, 2] (x, y) image pixels and ``source`` [T, N] the anchor frame each
        point was carried from (-1: no anchor labels that keypoint; its points are NaN).
    """
    model.eval()
    size = model.input_size
    num = reader.num_frames
    for a in anchors.points:
        if not 0 <= a < num:
            raise DataError(f'anchor frame {a} is outside the video ({num} frames)',
                            field=f'frames[{a!r}]')
    source = nearest_anchors(num, anchors.points)
    anchor_crops = {}
    for a in anchors.points:
        crop, mat = _crop(reader.get([a])[0], boxes[a], size, margin)
        anchor_crops[a] = (crop, apply_affine(anchors.points[a][:, :2], mat))
    points = np.full((num, source.shape[1], 2), np.nan)
    for start in range(0, num, chunk):
        idx = list(range(start, min(num, start + chunk)))
        crops, mats = zip(*(_crop(f, boxes[t], size, margin)
                            for f, t in zip(reader.get(idx), idx)))
        crops = torch.stack(crops)
        for a, (anchor_crop, kp_crop) in anchor_crops.items():
            rows = [j for j, t in enumerate(idx) if (source[t] == a).any()]
            if not rows:
                continue
            pos = warp_points(model, anchor_crop, crops[rows], kp_crop, level)
            for j, p in zip(rows, pos):
                t = idx[j]
                use = source[t] == a
                points[t, use] = to_image(p, mats[j])[use]
    for a, kps in anchors.points.items():  # pinned to their labels
        labelled = kps[:, 2] > 0
        points[a, labelled] = kps[labelled, :2]
        source[a, labelled] = a
    return dict(points=points, source=source)
