"""Shot cuts: the rule on hand-made frame differences, and the boundaries of a real mp4 made of
three panning shots."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from hierembed.datasets.converters.shots import detect_shots, find_cuts, frame_differences

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from dataset_media import write_mp4  # noqa: E402


def panning_shot(seed: int, mean: float, num_frames: int, step: int, size=(48, 80)):
    """A smooth random texture around grey ``mean``, panned ``step`` px per frame: [T, H, W, 3]."""
    rng = np.random.default_rng(seed)
    h, w = size
    tex = cv2.GaussianBlur(rng.uniform(-60, 60, (h, w + step * num_frames)), (0, 0), 3)
    frames = [np.clip(mean + tex[:, t * step:t * step + w], 0, 255) for t in range(num_frames)]
    return np.repeat(np.stack(frames)[..., None], 3, -1).astype(np.uint8)


def test_find_cuts_rule():
    burst = [40, 45, 50, 42, 38, 44, 47, 41, 39, 43, 46, 40]  # fast motion: 12 large changes
    diffs = np.array([2, 3, 2, 80, 2, 3] + burst + [2, 2, 2, 2, 2, 31, 2, 2], np.float64)
    # 80 stands alone: a cut (frame 4 starts a shot); the burst's neighbours are as large as
    # it: not a cut; 31 is just over the threshold and 15x its neighbours: a cut (frame 24).
    assert find_cuts(diffs) == [4, 24]
    assert find_cuts(diffs, threshold=35) == [4]
    # With the ratio off, every change over the threshold is a cut.
    assert find_cuts(diffs, ratio=0) == [4] + list(range(7, 19)) + [24]
    assert find_cuts(np.array([90.0])) == [1]  # two frames, nothing around: a cut


def test_three_panning_shots_of_a_real_mp4(tmp_path):
    frames = np.concatenate([panning_shot(0, 70, 20, 2), panning_shot(1, 190, 25, 4),
                             panning_shot(2, 110, 18, 1)])
    path = write_mp4(str(tmp_path / 'clip.mp4'), frames)
    diffs = frame_differences(path)
    assert diffs.shape == (62,)
    assert detect_shots(path) == [(0, 20), (20, 45), (45, 63)]
    assert detect_shots(path, min_length=19) == [(0, 20), (20, 45)]
    # The panning inside a shot is well under the threshold, the cuts far over it.
    inside = np.delete(diffs, [19, 44])
    assert inside.max() < 15 and min(diffs[19], diffs[44]) > 60


def test_unreadable_video_is_named(tmp_path):
    bad = tmp_path / 'not_a_video.mp4'
    bad.write_bytes(b'nothing here')
    with pytest.raises(ValueError, match='not_a_video.mp4'):
        frame_differences(str(bad))
