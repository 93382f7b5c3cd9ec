"""Helpers that write real media (mp4 through OpenCV, frames, JSON) for the dataset tests."""
import json
import os
import os.path as osp

import cv2
import numpy as np


def write_mp4(path: str, frames) -> str:
    """Write RGB uint8 frames [T, H, W, 3] as an mp4v file; return the path."""
    frames = np.asarray(frames)
    h, w = frames.shape[1:3]
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def counter_frames(num_frames: int, size: int = 64) -> np.ndarray:
    """Uniform frames whose grey level encodes the frame index (6 levels apart, up to 40
    frames), so a decoded frame tells which frame it is despite compression."""
    assert num_frames <= 40
    frames = np.zeros((num_frames, size, size, 3), np.uint8)
    for t in range(num_frames):
        frames[t] = 10 + 6 * t
    return frames


def frame_index(img) -> int:
    """Inverse of :func:`counter_frames` for a crop [3, S, S] or [S, S, 3]."""
    # mp4v through OpenCV and decord comes back about 3 levels darker (measured: 2.7 to 3.7).
    return int(round((float(np.asarray(img, np.float64).mean()) + 3 - 10) / 6))


def write_videos_json(root: str, videos, split: str = 'train', metainfo=None) -> str:
    path = osp.join(root, 'annotations', f'videos_{split}.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(metainfo=metainfo or dict(object_class='test'), videos=videos), f)
    return path
