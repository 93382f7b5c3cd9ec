"""Boxes for a user's own videos: per-frame detections from detectors that ship with OpenCV 4.x
(no download; OpenCV 5 moved both to opencv_contrib), linked into tracks by overlap, gaps
filled and the boxes smoothed.

``face``: the Haar frontal-face cascade (``cv2.data.haarcascades``); ``person``: the HOG people
detector (``cv2.HOGDescriptor_getDefaultPeopleDetector``). A detector is any callable from a BGR
frame [H, W, 3] uint8 to boxes [N, 4] (x, y, w, h) in its pixels.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np

from ..video_io import iter_frames

Detector = Callable[[np.ndarray], np.ndarray]


class DetectorUnavailableError(RuntimeError):
    """This OpenCV build does not ship the detector (OpenCV 5 moved both to opencv_contrib)."""


def _unavailable(what: str) -> DetectorUnavailableError:
    return DetectorUnavailableError(
        f'{what} is not in this OpenCV ({cv2.__version__}): OpenCV 5 moved the Haar cascades and '
        'the HOG people detector out of the main package. Install opencv-python<5 (4.x ships '
        'both), or use --detector none (whole frames), or write the boxes yourself')


def haar_face_detector(min_size: int = 24) -> Detector:
    """OpenCV's Haar frontal-face cascade (``haarcascade_frontalface_default.xml``).

    Returns:
        frame [H, W, 3] BGR uint8 -> boxes [N, 4] (x, y, w, h), square, ``min_size`` or more.

    Raises:
        DetectorUnavailableError: this OpenCV does not ship it.
    """
    xml = osp.join(getattr(getattr(cv2, 'data', None), 'haarcascades', ''),
                   'haarcascade_frontalface_default.xml')
    if not hasattr(cv2, 'CascadeClassifier') or not osp.isfile(xml):
        raise _unavailable('the Haar frontal-face cascade (cv2.CascadeClassifier, '
                           'haarcascade_frontalface_default.xml)')
    cascade = cv2.CascadeClassifier(xml)
    if cascade.empty():
        raise DetectorUnavailableError(f'{xml}: OpenCV could not load the cascade')

    def detect(frame: np.ndarray) -> np.ndarray:
        gray = cv2.equalizeHist(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                         minSize=(min_size, min_size))
        return np.asarray(boxes, np.float64).reshape(-1, 4)
    return detect


def hog_person_detector() -> Detector:
    """OpenCV's HOG people detector (64 x 128 window; smaller frames give nothing).

    Returns:
        frame [H, W, 3] BGR uint8 -> boxes [N, 4] (x, y, w, h), 1 : 2, 128 px tall or more.

    Raises:
        DetectorUnavailableError: this OpenCV does not ship it.
    """
    if not hasattr(cv2, 'HOGDescriptor'):
        raise _unavailable('the HOG people detector (cv2.HOGDescriptor)')
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def detect(frame: np.ndarray) -> np.ndarray:
        if frame.shape[0] < 128 or frame.shape[1] < 64:
            return np.zeros((0, 4))
        boxes, _ = hog.detectMultiScale(frame, winStride=(8, 8), padding=(8, 8), scale=1.05)
        return np.asarray(boxes, np.float64).reshape(-1, 4)
    return detect


DETECTORS = dict(face=haar_face_detector, person=hog_person_detector)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes a [N, 4] and b [M, 4] (x, y, w, h) -> [N, M]."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
    y2 = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, None, 2] * a[:, None, 3] + b[None, :, 2] * b[None, :, 3] - inter
    return inter / np.maximum(union, 1e-9)


def link_detections(detections: Dict[int, np.ndarray], iou_threshold: float = 0.3,
                    max_gap: int = 10) -> List[Dict[int, np.ndarray]]:
    """Link per-frame detections into tracks, greedily by overlap with each track's last box.

    Args:
        detections: frame index -> boxes [N, 4] (x, y, w, h).
        iou_threshold: a detection joins the track whose last box it overlaps most, when the
            IoU reaches this.
        max_gap: a track not extended for more than this many frames is closed.

    Returns:
        tracks, each frame index -> box [4], in the order they started.
    """
    tracks: List[Dict[int, np.ndarray]] = []
    active: List[int] = []
    for t in sorted(detections):
        active = [k for k in active if t - max(tracks[k]) <= max_gap]
        boxes = np.asarray(detections[t], np.float64).reshape(-1, 4)
        free = set(range(len(boxes)))
        if active and len(boxes):
            overlap = iou(np.stack([tracks[k][max(tracks[k])] for k in active]), boxes)
            for flat in np.argsort(-overlap, axis=None):
                i, j = np.unravel_index(flat, overlap.shape)
                if overlap[i, j] < iou_threshold:
                    break
                if j in free and max(tracks[active[i]]) < t:
                    tracks[active[i]][t] = boxes[j]
                    free.discard(j)
        for j in sorted(free):
            tracks.append({t: boxes[j]})
            active.append(len(tracks) - 1)
    return tracks


def smooth_track(track: Dict[int, np.ndarray], width: int, height: int,
                 window: int = 5) -> Dict[str, List[float]]:
    """Fill a track's missing frames by linear interpolation and smooth it.

    Centre and size are interpolated between detections, then averaged over a centred window of
    ``window`` frames (narrower near the ends, so that steady motion is kept exactly), and the
    boxes clipped to the frame.

    Returns:
        ``str(frame) -> [x, y, w, h]`` for every frame from the track's first to its last.
    """
    frames = np.array(sorted(track))
    boxes = np.stack([track[t] for t in frames])
    cs = np.concatenate([boxes[:, :2] + boxes[:, 2:] / 2, boxes[:, 2:]], 1)  # cx, cy, w, h
    every = np.arange(frames[0], frames[-1] + 1)
    filled = np.stack([np.interp(every, frames, cs[:, c]) for c in range(4)], 1)
    idx = np.arange(len(every))
    half = np.minimum(max(0, window // 2), np.minimum(idx, len(every) - 1 - idx))  # centred
    csum = np.concatenate([np.zeros((1, 4)), np.cumsum(filled, 0)])
    smooth = (csum[idx + half + 1] - csum[idx - half]) / (2 * half + 1)[:, None]
    out = {}
    for t, (cx, cy, w, h) in zip(every, smooth):
        x1, y1 = max(0.0, cx - w / 2), max(0.0, cy - h / 2)
        x2, y2 = min(float(width), cx + w / 2), min(float(height), cy + h / 2)
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            out[str(int(t))] = [round(float(v), 2) for v in (x1, y1, x2 - x1, y2 - y1)]
    return out


def detect_tracks(path: str, detector: Detector, stride: int = 1, max_side: int = 640,
                  iou_threshold: float = 0.3, max_gap: int = 10, min_length: int = 10,
                  window: int = 5, subjects: Optional[int] = None
                  ) -> Tuple[int, int, int, List[Dict[str, List[float]]]]:
    """Decode a video once, detect on every ``stride``-th frame and the last, link, fill and
    smooth.

    Args:
        path: a video file OpenCV can read.
        detector: frame -> boxes (see the module docstring).
        stride: detect on every this many frames (the frames between are interpolated).
        max_side: frames are shrunk to at most this side before detection.
        iou_threshold, max_gap: of :func:`link_detections` (``max_gap`` in frames).
        min_length: tracks spanning fewer frames are dropped.
        window: of :func:`smooth_track`.
        subjects: keep at most this many tracks, those with the most detections (one for a
            talking head: a detector's false alarms make short, sparse tracks); None keeps all.

    Returns:
        (num_frames, width, height, tracks), each track ``str(frame) -> [x, y, w, h]``.

    Raises:
        ValueError: the video cannot be opened or holds no frame (the message names it).
    """
    detections, t, width, height = {}, 0, 0, 0

    def detect(frame: np.ndarray, t: int) -> None:
        scale = min(1.0, max_side / max(width, height))
        small = frame if scale == 1.0 else cv2.resize(
            frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        boxes = np.asarray(detector(small), np.float64).reshape(-1, 4) / scale
        if len(boxes):
            detections[t] = boxes

    frame = None
    for frame in iter_frames(path):
        height, width = frame.shape[:2]
        if t % stride == 0:
            detect(frame, t)
        t += 1
    if t == 0:
        raise ValueError(f'{path}: no frame could be decoded')
    if (t - 1) % stride:  # the last frame too, so that a track can reach the video's end
        detect(frame, t - 1)
    linked = [(len(tr), smooth_track(tr, width, height, window))
              for tr in link_detections(detections, iou_threshold, max_gap)]
    linked = [(n, tr) for n, tr in linked if _span(tr) >= min_length]
    if subjects is not None:
        keep = sorted(range(len(linked)), key=lambda i: -linked[i][0])[:subjects]
        linked = [linked[i] for i in sorted(keep)]
    return t, width, height, [tr for _, tr in linked]


def _span(track: Dict[str, list]) -> int:
    frames = [int(k) for k in track]
    return max(frames) - min(frames) + 1 if frames else 0


__all__ = ['DETECTORS', 'Detector', 'DetectorUnavailableError', 'haar_face_detector',
           'hog_person_detector', 'iou', 'link_detections', 'smooth_track', 'detect_tracks']
