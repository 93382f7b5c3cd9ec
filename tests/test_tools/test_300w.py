"""The 300-W converter on a fixture in the distributed layout: afw, helen and lfpw train and
test folders and ibug, each real image (JPEG, PNG) beside its ``.pts`` (1-based, 68 points)."""
import json
import os.path as osp

import numpy as np
import pytest
from converter_helpers import load_converter, write_image

from hierembed.datasets import KeypointDataset

W, H = 160, 140


def _write_pts(path, xy):
    with open(path, 'w') as f:
        f.write('version: 1\nn_points:  68\n{\n')
        f.write(''.join(f'{x:.3f} {y:.3f}\n' for x, y in xy))
        f.write('}\n')


@pytest.fixture
def w300_root(tmp_path):
    root = str(tmp_path / '300W')
    rng = np.random.default_rng(5)
    truth = {}
    for folder, ext, n in (('afw', '.jpg', 2), ('helen/trainset', '.jpg', 1),
                           ('lfpw/trainset', '.png', 1), ('helen/testset', '.jpg', 1),
                           ('lfpw/testset', '.png', 1), ('ibug', '.jpg', 2)):
        for i in range(n):
            stem = osp.join(root, folder, f'img_{i}')
            write_image(stem + ext, W, H)
            xy = rng.uniform(20, 130, (68, 2))
            _write_pts(stem + '.pts', xy)
            truth[f'{folder}/img_{i}{ext}'] = xy
    write_image(osp.join(root, 'ibug', 'no_points.jpg'), W, H)
    return root, truth


def test_splits_points_and_outer_eye_corner_norm(w300_root, tmp_path):
    root, truth = w300_root
    out = str(tmp_path / '300w')
    summary = load_converter('300w').convert(root, out)
    assert summary['train']['images'] == 4 and summary['test']['images'] == 4
    assert summary['common']['images'] == 2 and summary['challenging']['images'] == 2
    assert summary['skipped'] == 1
    with open(osp.join(out, 'annotations', 'keypoints_challenging.json')) as f:
        coco = json.load(f)
    img, ann = coco['images'][1], coco['annotations'][1]
    assert img['file_name'].startswith('source/')  # relative: the data root can move
    xy = truth[osp.relpath(osp.realpath(osp.join(out, img['file_name'])),
                           osp.realpath(root))] - 1.0
    np.testing.assert_allclose(np.asarray(ann['keypoints']).reshape(68, 3)[:, :2], xy,
                               atol=0.01)
    assert ann['norm_size'] == pytest.approx(np.linalg.norm(xy[36] - xy[45]), abs=1e-3)
    ds = KeypointDataset(out, split='test', input_size=32, norm_type='norm_size')
    assert len(ds) == 4 and list(ds.metainfo['keypoint_groups']) == [
        'jaw', 'brow', 'nose', 'eye', 'mouth']


def test_malformed_pts_names_file(w300_root):
    root, _ = w300_root
    path = osp.join(root, 'afw', 'img_0.pts')
    with open(path, 'w') as f:
        f.write('version: 1\nn_points: 68\n{\n1 2\n}\n')
    with pytest.raises(ValueError, match=r'img_0\.pts: n_points is 68 but 1 point lines'):
        load_converter('300w').convert(root, root)


def test_identity_pattern_names_each_image_s_person(w300_root, tmp_path):
    root, _ = w300_root
    out = str(tmp_path / '300w')
    conv = load_converter('300w')
    with pytest.raises(ValueError, match=r"no_points|img_0.*does not match"):
        conv.convert(root, out, identity_pattern=r'^img_(\d)_x$')
    conv.convert(root, out, identity_pattern=r'^(.+)_\d+$')
    with open(osp.join(out, 'annotations', 'keypoints_train.json')) as f:
        images = json.load(f)['images']
    assert [im['identity'] for im in images] == ['img', 'img', 'img', 'img']
    conv.convert(root, out, identity_pattern=r'\d+$')  # no group: the whole match
    with open(osp.join(out, 'annotations', 'keypoints_train.json')) as f:
        assert [im['identity'] for im in json.load(f)['images']] == ['0', '1', '0', '0']
