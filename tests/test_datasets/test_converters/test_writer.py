"""The converters' writer: visibility, boxes from points, identity splits, the two files."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from hierembed.datasets import KeypointDataset
from hierembed.errors import DataError
from hierembed.datasets.converters import (ConvertedDataset, assign_splits, box_from_points,
                                           coco_visibility, rel_path)


def test_coco_visibility_and_box_from_points():
    xy = np.array([[0, 0], [9, 5], [10, 5], [np.nan, 3], [4, -1]], np.float64)
    v = coco_visibility(xy, 10, 8, labelled=[1, 1, 1, 1, 1], occluded=[0, 1, 0, 0, 0])
    assert list(v) == [2, 1, 0, 0, 0]  # x = 10 lies outside a 10-wide image
    assert box_from_points(xy, v > 0, 10, 8) == [0, 0, 10, 6]  # edges around pixel centres
    assert box_from_points(xy, v > 0, 100, 100, margin=0.5) == [0, 0, 15, 11]
    assert box_from_points(xy, [1, 0, 0, 0, 0], 10, 8) is None  # one point: no box


def test_assign_splits_is_seeded_disjoint_and_keeps_a_training_key():
    keys = [f'id{i}' for i in range(20)] * 3
    a = assign_splits(keys, 0.1, 0.2, seed=1)
    assert a == assign_splits(list(reversed(keys)), 0.1, 0.2, seed=1)
    assert sorted(a.values()).count('test') == 4 and sorted(a.values()).count('val') == 2
    assert set(assign_splits(['only'], 0.5, 0.5).values()) == {'train'}


def test_written_files_read_back(tmp_path):
    out = str(tmp_path / 'data')
    img = osp.join(out, 'images', 'a.png')
    ds = ConvertedDataset(out, dict(object_class='thing', source='test', version=1),
                          ['left_tip', 'right_tip', 'mid'], 'thing', [(0, 2), (1, 2)],
                          splits=('train',))
    kps = np.array([[10, 10, 2], [30, 12, 1], [20, 25, 0]], np.float64)
    assert ds.add_instance('train', rel_path(img, out), 40, 40, kps, norm_size=20.0) == 1
    assert ds.add_instance('train', 'b.png', 40, 40, np.zeros((3, 3))) is None
    ds.add_video('train', dict(id='v', path='videos/v.mp4'))
    assert ds.write() == dict(train=dict(videos=1, images=1))
    with open(osp.join(out, 'annotations', 'keypoints_train.json')) as f:
        coco = json.load(f)
    ann = coco['annotations'][0]
    assert coco['images'][0]['file_name'] == 'images/a.png'
    assert ann['keypoints'] == [10, 10, 2, 30, 12, 1, 0, 0, 0] and ann['num_keypoints'] == 2
    assert coco['categories'][0]['skeleton'] == [[1, 3], [2, 3]] and ann['norm_size'] == 20.0
    os.makedirs(osp.dirname(img))
    assert cv2.imwrite(img, np.zeros((40, 40, 3), np.uint8))
    sample = KeypointDataset(out, split='train', input_size=16, norm_type='norm_size')[0]
    assert sample['keypoints_visible'].tolist() == [2, 1, 0]


def test_sources_outside_the_data_root_are_reached_through_one_relative_link(tmp_path):
    src = tmp_path / 'download'
    for sub in ('afw', 'helen/testset'):
        os.makedirs(src / sub)
        assert cv2.imwrite(str(src / sub / 'x.png'), np.full((40, 40, 3), 7, np.uint8))
    out = str(tmp_path / 'data')

    def convert(splits):
        ds = ConvertedDataset(out, dict(object_class='thing', source='test', version=1),
                              ['a', 'b'], 'thing', splits=('train', 'test'))
        kps = np.array([[10, 10, 2], [30, 12, 2]], np.float64)
        for split, sub in splits:
            ds.add_instance(split, rel_path(str(src / sub / 'x.png'), out), 40, 40, kps)
        ds.write()
        with open(osp.join(out, 'annotations', 'keypoints_test.json')) as f:
            return json.load(f)['images']

    images = convert([('train', 'afw'), ('test', 'helen/testset')])
    # the deepest folder holding both sources is linked, the paths written below it
    assert images[0]['file_name'] == 'source/helen/testset/x.png'
    assert osp.realpath(osp.join(out, 'source')) == osp.realpath(src)
    moved = str(tmp_path / 'elsewhere' / 'data')  # the data root moves; the source stays
    os.renames(out, moved)
    sample = KeypointDataset(moved, split='test', input_size=16)[0]
    assert sample['img'].shape == (3, 16, 16) and int(sample['img'].max()) == 7
    os.renames(moved, out)
    # a rerun from one folder re-points the link; nothing outside: the link goes
    assert convert([('train', 'afw'), ('test', 'afw')])[0]['file_name'] == 'source/x.png'
    ds = ConvertedDataset(out, dict(object_class='thing', source='test', version=1))
    ds.add_video('train', dict(id='v', path='videos/v.mp4'))
    ds.write()
    assert not osp.lexists(osp.join(out, 'source'))
    os.makedirs(osp.join(out, 'source'))  # a folder of the user's is never replaced
    ds.add_video('train', dict(id='w', path=str(src / 'afw' / 'x.png')))
    with pytest.raises(DataError, match='source: exists and is not a symlink'):
        ds.write()
