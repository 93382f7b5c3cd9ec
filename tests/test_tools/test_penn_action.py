"""The Penn Action converter on a fixture written in the public layout with scipy.io.savemat."""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from scipy.io import savemat

from hierembed.datasets import KeypointDataset, VideoPairDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _converter():
    spec = importlib.util.spec_from_file_location(
        'penn_action_converter', osp.join(ROOT, 'tools', 'dataset_converters', 'penn_action.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _write_clip(root, clip, n, train, h=60, w=80, short_bbox=False, seed=0):
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'frames', clip)
    os.makedirs(folder)
    x = rng.uniform(20, 60, (n, 13))
    y = rng.uniform(10, 50, (n, 13))
    vis = rng.random((n, 13)) > 0.3
    x[0, 12] = 95.0  # the right ankle leaves the image in the first frame
    for t in range(n):
        img = np.full((h, w, 3), 10 + 20 * t, np.uint8)
        cv2.imwrite(osp.join(folder, f'{t + 1:06d}.jpg'), img)
    bbox = np.stack([x.min(1), y.min(1), np.minimum(x.max(1), w - 1), y.max(1)], 1)
    if short_bbox:  # some clips of the real set have fewer boxes than frames
        bbox = bbox[:-1]
    savemat(osp.join(root, 'labels', f'{clip}.mat'), dict(
        x=x, y=y, visibility=vis.astype(np.uint8), bbox=bbox, dimensions=np.array([[h, w, n]]),
        nframes=np.array([[n]]), train=np.array([[1 if train else -1]]), action='squat',
        pose='front'))
    return x, y, vis


@pytest.fixture
def penn_root(tmp_path):
    root = str(tmp_path / 'Penn_Action')
    os.makedirs(osp.join(root, 'labels'))
    clips = {}
    for i, (train, short) in enumerate([(True, False), (True, True), (True, False),
                                        (False, False)]):
        clips[f'{i + 1:04d}'] = _write_clip(root, f'{i + 1:04d}', 5, train, short_bbox=short,
                                            seed=i)
    return root, clips


def test_convert_to_both_formats(penn_root, tmp_path):
    root, clips = penn_root
    out = str(tmp_path / 'converted')
    summary = _converter().convert(root, out=out, val_fraction=0.34, keypoint_stride=1)
    assert summary['test'] == dict(videos=1, images=5)
    assert summary['val']['videos'] == 1 and summary['train']['videos'] == 2

    with open(osp.join(out, 'annotations', 'keypoints_test.json')) as f:
        coco = json.load(f)
    ann = coco['annotations'][0]
    x, y, vis = clips['0004']
    kps = np.asarray(ann['keypoints']).reshape(13, 3)
    np.testing.assert_allclose(kps[:12, 0], x[0, :12], atol=0.01)
    np.testing.assert_allclose(kps[:12, 1], y[0, :12], atol=0.01)
    assert kps[12, 2] == 0  # outside the image: not scored
    np.testing.assert_array_equal(kps[:12, 2], np.where(vis[0, :12], 2, 1))
    assert coco['categories'][0]['keypoints'][:2] == ['head', 'left_shoulder']
    # frames live outside `out`: reached through the data root's `source` link
    assert coco['images'][0]['file_name'].startswith('source/')

    ds = KeypointDataset(out, split='test', input_size=32)
    assert ds.norm_type == 'bbox' and len(ds) == 5
    assert list(ds.metainfo['keypoint_groups'])[-1] == 'Ankl'
    pairs = VideoPairDataset(out, split='train', input_size=32, max_gap=20)
    s = pairs[0]['data_samples']
    assert abs(s['frame_source'] - s['frame_target']) >= 1


def test_short_bbox_filled_from_keypoints(penn_root):
    root, _ = penn_root
    _converter().convert(root, val_fraction=0.0)
    with open(osp.join(root, 'annotations', 'videos_train.json')) as f:
        videos = {v['id']: v for v in json.load(f)['videos']}
    boxes = videos['0002']['tracks'][0]['boxes']
    assert sorted(boxes, key=int) == ['0', '1', '2', '3', '4']
    assert videos['0002']['path'] == 'frames/0002'  # relative when inside the data_root


def test_malformed_labels_name_file_and_field(penn_root):
    root, _ = penn_root
    savemat(osp.join(root, 'labels', '0001.mat'), dict(x=np.zeros((5, 13)), nframes=5))
    with pytest.raises(ValueError, match=r'0001\.mat: field `y` is missing'):
        _converter().convert(root)
