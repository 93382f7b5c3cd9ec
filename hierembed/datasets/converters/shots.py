"""Shot boundaries of edited footage: a pair of frames across a cut shows two unrelated scenes,
so tracks must end at cuts."""
from typing import Dict, List, Tuple

import cv2
import numpy as np

from ..video_io import iter_frames


def frame_differences(path: str, width: int = 64) -> np.ndarray:
    """Mean absolute grey-level change between consecutive frames.

    Args:
        path: a video file OpenCV decodes.
        width: frames are shrunk to this width (aspect kept) before comparing.

    Returns:
        [N - 1] float64 in grey levels (0-255): entry ``t`` compares frames ``t`` and ``t + 1``.

    Raises:
        ValueError: the file does not open or decodes to no frame (the message names it).
    """
    prev, diffs = None, []
    for frame in iter_frames(path):
        h, w = frame.shape[:2]
        small = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY),
                           (width, max(1, round(h * width / w))),
                           interpolation=cv2.INTER_AREA).astype(np.float64)
        if prev is not None:
            diffs.append(np.abs(small - prev).mean())
        prev = small
    if prev is None:
        raise ValueError(f'{path}: OpenCV decodes no frame')
    return np.asarray(diffs, np.float64)


def find_cuts(diffs: np.ndarray, threshold: float = 30.0, ratio: float = 3.0,
              window: int = 5) -> List[int]:
    """The frames that start a new shot.

    A cut between frames ``t`` and ``t + 1`` is a change of more than ``threshold`` grey
    levels that is also ``ratio`` times the median change of the ``window`` pairs on each side
    (fast motion raises its neighbours too; a cut stands alone).

    Args:
        diffs: [N - 1] from :func:`frame_differences`.

    Returns:
        Sorted frame indices ``t + 1`` in ``1 .. N - 1``.
    """
    cuts = []
    for t, d in enumerate(diffs):
        if d <= threshold:
            continue
        around = np.concatenate([diffs[max(0, t - window):t], diffs[t + 1:t + 1 + window]])
        if around.size == 0 or d >= ratio * np.median(around):
            cuts.append(t + 1)
    return cuts


def detect_shots(path: str, threshold: float = 30.0, ratio: float = 3.0,
                 min_length: int = 2) -> List[Tuple[int, int]]:
    """Split a video into shots at its cuts (:func:`find_cuts`).

    Args:
        path: a video file.
        min_length: shots shorter than this many frames are dropped.

    Returns:
        ``(start, stop)`` frame ranges (``stop`` exclusive), in order.
    """
    diffs = frame_differences(path)
    bounds = [0] + find_cuts(diffs, threshold, ratio) + [len(diffs) + 1]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b - a >= min_length]


def split_tracks_at_shots(tracks: List[Dict[str, list]], shots: List[Tuple[int, int]],
                          min_length: int = 2) -> List[Dict[str, list]]:
    """Cut tracks (``str(frame) -> box``) where the shots change.

    Args:
        tracks: from :func:`hierembed.datasets.converters.detect_tracks`.
        shots: ``(start, stop)`` ranges from :func:`detect_shots`; frames in no shot (of a
            dropped short shot) are dropped.
        min_length: pieces with fewer frames are dropped.

    Returns:
        The pieces, in track order then shot order.
    """
    pieces = []
    for track in tracks:
        for start, stop in shots:
            piece = {k: v for k, v in track.items() if start <= int(k) < stop}
            if len(piece) >= max(2, min_length):
                pieces.append(piece)
    return pieces
