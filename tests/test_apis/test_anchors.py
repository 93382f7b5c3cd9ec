"""The anchor keypoint file and the nearest-anchor rule of propagation."""
import json

import numpy as np
import pytest

from hierembed.apis.anchors import AnchorFileError, load_anchors
from hierembed.apis.propagate import nearest_anchors


def test_anchor_format(tmp_path):
    path = tmp_path / 'a.json'
    path.write_text(json.dumps(dict(keypoint_names=['a', 'b'], skeleton=[[1, 2]],
                                    box=[1, 2, 30, 40],
                                    frames={'5': [[1, 2], [3, 4, 1]], '0': [None, [7, 8]]})))
    anchors = load_anchors(str(path))
    assert anchors.frames == [0, 5] and anchors.names == ['a', 'b']
    assert anchors.skeleton == [(0, 1)]
    np.testing.assert_array_equal(anchors.points[0], [[0, 0, 0], [7, 8, 2]])
    np.testing.assert_array_equal(anchors.points[5], [[1, 2, 2], [3, 4, 1]])
    np.testing.assert_array_equal(anchors.crop_boxes(3, [0, 0, 9, 9]), [[1, 2, 30, 40]] * 3)


def test_coco_boxes_follow_the_nearest_anchor(tmp_path):
    coco = dict(images=[dict(id=1, frame=0, video_id='v'), dict(id=2, frame=10, video_id='v'),
                        dict(id=3, frame=0, video_id='w')],
                annotations=[dict(image_id=i, bbox=[i, 0, 5, 5], keypoints=[i, i, 2])
                             for i in (1, 2, 3)],
                categories=[dict(keypoints=['p'])])
    path = tmp_path / 'c.json'
    path.write_text(json.dumps(coco))
    with pytest.raises(AnchorFileError, match='2 videos in the file; pick one with --video-id'):
        load_anchors(str(path))
    anchors = load_anchors(str(path), video_id='v')
    assert anchors.frames == [0, 10]
    boxes = anchors.crop_boxes(12, [0, 0, 1, 1])
    assert boxes[:, 0].tolist() == [1] * 6 + [2] * 6  # frame 5: a tie, to the earlier


@pytest.mark.parametrize('content, message', [
    (None, 'keypoint file not found'),
    ('not json', 'not a JSON file'),
    ({'frames': {}}, 'frames: missing or empty'),
    ({'frames': {'x': [[1, 2]]}}, r"frames\['x'\]: the key is not a frame number"),
    ({'frames': {'0': [[1, 2]], '3': [[1, 2], [3, 4]]}}, '2 points; other frames have 1'),
    ({'frames': {'0': [[1, 'a']]}}, r"frames\['0'\]\[0\]: expected \[x, y\]"),
    ({'frames': {'0': [[1, 2]]}, 'skeleton': [[1, 2]]}, 'expected 1-based pairs'),
])
def test_bad_anchor_files_name_the_field(tmp_path, content, message):
    path = tmp_path / 'a.json'
    if content is not None:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(AnchorFileError, match=message):
        load_anchors(str(path))


def test_nearest_anchor_per_keypoint():
    anchors = {2: np.array([[0, 0, 2], [0, 0, 0]]), 6: np.array([[0, 0, 2], [0, 0, 2]])}
    got = nearest_anchors(9, anchors)
    assert got[:, 0].tolist() == [2, 2, 2, 2, 2, 6, 6, 6, 6]  # frame 4: tie to the earlier
    assert got[:, 1].tolist() == [6] * 9  # only frame 6 labels keypoint 1
    none = nearest_anchors(3, {0: np.array([[0, 0, 0]])})
    assert none.tolist() == [[-1], [-1], [-1]]
