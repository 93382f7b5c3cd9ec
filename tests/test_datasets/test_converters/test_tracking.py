"""Linking, filling and smoothing of detection tracks; a whole real video through
detect_tracks with a detector that finds a drawn square; OpenCV's own detectors on a drawn face
and a drawn figure (x, y, width, height boxes where the drawing is)."""
import os.path as osp
import sys

import numpy as np
import pytest

from hierembed.datasets.converters.tracking import (DetectorUnavailableError, detect_tracks,
                                                    haar_face_detector, hog_person_detector, iou,
                                                    link_detections, smooth_track)

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                            'test_tools'))
from converter_helpers import (blob_detector, face_frame, person_frame, square_frame,  # noqa: E402
                               write_mp4)


def test_iou_against_hand_computed_values():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 5, 10, 10], [20, 20, 5, 5], [0, 0, 10, 10]])
    np.testing.assert_allclose(iou(a, b), [[25 / 175, 0.0, 1.0]])


def test_link_two_objects_through_a_missed_frame():
    dets = {}
    for t in range(12):
        boxes = [[10 + 2 * t, 10, 20, 20], [80 - 2 * t, 60, 20, 20]]
        if t == 5:
            boxes = boxes[1:]  # the first object is missed once
        if t == 7:
            boxes.append([150, 150, 5, 5])  # a spurious detection
        dets[t] = np.array(boxes, np.float64)
    tracks = link_detections(dets, iou_threshold=0.3, max_gap=3)
    assert [sorted(tr) for tr in tracks[:2]] == [[t for t in range(12) if t != 5],
                                                 list(range(12))]
    assert tracks[0][6][0] == 22 and tracks[1][6][0] == 68
    assert [sorted(tr) for tr in tracks[2:]] == [[7]]
    # a gap longer than max_gap ends the track
    split = link_detections({0: dets[0][:1], 1: dets[1][:1], 9: dets[9][:1]}, max_gap=3)
    assert [sorted(tr) for tr in split] == [[0, 1], [9]]


def test_smooth_fills_gaps_keeps_steady_motion_and_damps_jitter():
    truth = {t: np.array([10 + 3.0 * t, 20 + 1.0 * t, 30, 40]) for t in range(20)}
    sparse = {t: b for t, b in truth.items() if t % 4 == 0 or t == 19}
    out = smooth_track(sparse, 200, 200, window=5)
    assert sorted(map(int, out)) == list(range(20))
    np.testing.assert_allclose([out[str(t)] for t in range(20)],
                               [truth[t] for t in range(20)], atol=0.01)
    rng = np.random.default_rng(0)
    noisy = {t: b + np.r_[rng.normal(0, 2, 2), 0, 0] for t, b in truth.items()}
    raw = np.abs([noisy[t][:2] - truth[t][:2] for t in range(20)]).mean()
    smoothed = np.abs([np.subtract(smooth_track(noisy, 200, 200, 5)[str(t)][:2],
                                   truth[t][:2]) for t in range(20)]).mean()
    assert smoothed < 0.7 * raw
    clipped = smooth_track({0: np.array([-10.0, 5, 30, 30]), 1: np.array([-10.0, 5, 30, 30])},
                           100, 100)
    assert clipped['0'] == [0, 5, 20, 30]


def test_detect_tracks_on_a_real_video(tmp_path):
    path = str(tmp_path / 'square.mp4')
    write_mp4(path, 24, 96, 96, draw=square_frame)
    n, w, h, tracks = detect_tracks(path, blob_detector, stride=3, min_length=10)
    assert (n, w, h) == (24, 96, 96) and len(tracks) == 1
    assert sorted(map(int, tracks[0])) == list(range(24))  # detections at 0, 3, ..., 21 and 23
    for t in (0, 10, 21):  # the drawn square, within the codec's blur
        np.testing.assert_allclose(tracks[0][str(t)], [8 + 2 * t, 20, 24, 32], atol=1.5)
    assert detect_tracks(path, lambda f: np.zeros((0, 4)))[3] == []


def _detector_or_skip(make):
    try:
        return make()
    except DetectorUnavailableError as e:
        pytest.skip(str(e))


@pytest.mark.parametrize('make, draw, box', [
    # the drawn face: 80 x 104 centred at (68, 74); the cascade's box is square, a bit wider
    (haar_face_detector, face_frame, dict(cx=68, cy=74, w=(88, 120), h=(88, 120))),
    # the drawn figure: 104 tall centred at (49, 80); HOG's box is 1 : 2 with a margin round it
    (hog_person_detector, person_frame, dict(cx=49, cy=80, w=(62, 84), h=(124, 168)))])
def test_opencv_detector_finds_the_drawn_object(make, draw, box):
    detect = _detector_or_skip(make)
    frame = draw(0)
    boxes = detect(frame)
    assert boxes.shape == (1, 4)
    x, y, w, h = boxes[0]  # x, y, width, height
    assert abs(x + w / 2 - box['cx']) <= 4 and abs(y + h / 2 - box['cy']) <= 4
    assert box['w'][0] <= w <= box['w'][1] and box['h'][0] <= h <= box['h'][1]
    assert detect(np.full_like(frame, 90)).shape == (0, 4)  # nothing to find in a flat frame


def test_subjects_keeps_the_tracks_with_the_most_detections(tmp_path):
    """A talking head with a detector's false alarms: the square is found in every frame, a
    spurious box on twelve frames in a row (a track long enough to be kept). ``subjects=1``
    keeps the square's track only."""
    path = str(tmp_path / 'square.mp4')
    write_mp4(path, 24, 96, 96, draw=square_frame)
    seen = []

    def with_false_alarms(frame):
        seen.append(len(seen))
        boxes = blob_detector(frame)
        if 5 <= seen[-1] < 17:
            boxes = np.concatenate([boxes, [[70, 70, 12, 12]]])
        return boxes

    tracks = detect_tracks(path, with_false_alarms, min_length=10)[3]
    assert len(tracks) == 2 and sorted(map(int, tracks[1])) == list(range(5, 17))
    seen.clear()
    only = detect_tracks(path, with_false_alarms, min_length=10, subjects=1)[3]
    assert len(only) == 1 and only[0] == tracks[0]
