"""The BBC Pose converter on a fixture in the distributed layout: ``bbcpose.mat`` written with
scipy.io.savemat as a MATLAB struct array, frame folders of unpadded JPEGs."""
import json
import os.path as osp

import numpy as np
import pytest
from converter_helpers import load_converter, write_image
from scipy.io import savemat

from hierembed.datasets import KeypointDataset, VideoPairDataset
from hierembed.datasets.video_io import FolderReader

W, H, F = 96, 64, 12  # frames 1..12: "10.jpg" sorts before "2.jpg" as text


def _joints(rng, n):
    """[2, 7, n], 1-based pixels inside the frame."""
    j = np.stack([rng.uniform(20, 80, (7, n)), rng.uniform(10, 55, (7, n))])
    return j


@pytest.fixture
def bbc_root(tmp_path):
    root = str(tmp_path / 'bbcpose')
    rng = np.random.default_rng(0)
    n_videos = 22  # 20 of BBC Pose and 2 of Extended BBC Pose; video 22 has no frames
    rec = np.zeros((1, n_videos), dtype=[(k, 'O') for k in (
        'videoName', 'type', 'source', 'train_frames', 'train_joints', 'test_frames',
        'test_joints')])
    truth = {}
    for i in range(1, n_videos + 1):
        typ = 'train' if i <= 10 or i > 20 else 'val' if i <= 15 else 'test'
        train_frames = np.array([[1, 2, 10, 11]], np.float64)
        test_frames = np.array([[3, 12]], np.float64) if 10 < i <= 20 else np.zeros((1, 0))
        tj, sj = _joints(rng, 4), _joints(rng, test_frames.size)
        rec[0, i - 1] = (f'video{i}', typ, 'buehler11' if i <= 20 else 'charles13',
                         train_frames, tj, test_frames, sj)
        truth[i] = dict(train=(train_frames.ravel(), tj), test=(test_frames.ravel(), sj))
        if i < 22:
            for f in range(1, F + 1):
                write_image(osp.join(root, str(i), f'{f}.jpg'), W, H, value=10 * f)
    savemat(osp.join(root, 'bbcpose.mat'), dict(bbcpose=rec))
    return root, truth


def test_paper_split_keypoints_and_tracks(bbc_root, tmp_path):
    root, truth = bbc_root
    out = str(tmp_path / 'bbc_pose')
    summary = load_converter('bbc_pose').convert(root, out)
    assert summary['skipped']['videos'] == 1  # video 22: no frame folder
    assert summary['train'] == dict(videos=11, images=40)  # 10 + 1 extended; 10 x 4 frames
    assert summary['val'] == dict(videos=5, images=10) and summary['test']['videos'] == 5

    with open(osp.join(out, 'annotations', 'keypoints_test.json')) as f:
        coco = json.load(f)
    img = coco['images'][1]
    assert (img['video'], img['frame']) == (16, 12)
    assert img['file_name'].startswith('source/')
    assert osp.samefile(osp.join(out, img['file_name']), osp.join(root, '16', '12.jpg'))
    kps = np.asarray(coco['annotations'][1]['keypoints']).reshape(7, 3)
    frames, joints = truth[16]['test']
    np.testing.assert_allclose(kps[:, :2], joints[:, :, 1].T - 1.0, atol=0.01)  # 1-based
    assert (kps[:, 2] == 2).all()

    with open(osp.join(out, 'annotations', 'videos_train.json')) as f:
        videos = {v['id']: v for v in json.load(f)['videos']}
    assert '22' not in videos and videos['21']['source'] == 'charles13'
    with open(osp.join(out, 'annotations', 'videos_val.json')) as f:
        val = {v['id']: v for v in json.load(f)['videos']}
    assert sorted(val['11']['tracks'][0]['boxes'], key=int) == ['0', '1', '2', '9', '10', '11']
    boxes = videos['1']['tracks'][0]['boxes']
    assert sorted(boxes, key=int) == ['0', '1', '9', '10']  # frames 1, 2, 10, 11
    reader = FolderReader(osp.join(root, '1'))
    assert reader.get([9])[0, 5, 5, 0] == 100  # frame 10.jpg is index 9 (numeric order)
    x, y, w, h = boxes['9']
    xy = truth[1]['train'][1][:, :, 2].T - 1.0
    assert x <= xy[:, 0].min() and x + w >= xy[:, 0].max() + 1
    assert y <= xy[:, 1].min() and y + h >= xy[:, 1].max() + 1

    ds = KeypointDataset(out, split='test', input_size=32, norm_type='pixels',
                         norm_kwargs=dict(pixels=1.0))
    assert len(ds) == 10 and ds.metainfo['keypoint_names'][0] == 'head'
    pairs = VideoPairDataset(out, split='train', input_size=32, max_gap=50)
    assert pairs[0]['inputs']['source'].shape == (3, 32, 32)


def test_malformed_joints_name_file_video_and_field(bbc_root):
    root, _ = bbc_root
    rec = np.zeros((1, 1), dtype=[(k, 'O') for k in ('videoName', 'type', 'train_frames',
                                                     'train_joints')])
    rec[0, 0] = ('v', 'train', np.array([[1, 2]]), np.zeros((2, 5, 2)))
    savemat(osp.join(root, 'bbcpose.mat'), dict(bbcpose=rec))
    with pytest.raises(ValueError, match=r'bbcpose\.mat: bbcpose\(1\)\.train_joints has shape'):
        load_converter('bbc_pose').read_bbcpose(osp.join(root, 'bbcpose.mat'))
