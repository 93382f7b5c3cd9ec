import json
import os.path as osp

import numpy as np
import pytest
import torch
from dataset_media import random_instances, write_coco
from xtcocotools.coco import COCO

from hierembed.datasets import KeypointDataset
from hierembed.datasets.metainfo import parse_metainfo


def _centroid(img, near, radius=4):
    g = img.astype(np.float64).mean(0)
    ys, xs = np.mgrid[:g.shape[0], :g.shape[1]]
    w = np.clip(g - 80, 0, None) * ((xs - near[0]) ** 2 + (ys - near[1]) ** 2 < radius ** 2)
    return np.array([(xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()])


def test_coco_round_trip_through_xtcocotools(tmp_path):
    meta = parse_metainfo('penn_action')
    insts = random_instances(np.random.default_rng(0), 13, 5)
    path = write_coco(str(tmp_path), meta['keypoint_names'], insts, category='penn_action',
                      skeleton=[[a + 1, b + 1] for a, b in meta['skeleton']])
    coco = COCO(path)
    ann = coco.loadAnns(coco.getAnnIds(imgIds=[3]))[0]
    assert ann['keypoints'] == [float(c) for k in insts[2]['keypoints'] for c in k]
    ds = KeypointDataset(str(tmp_path), input_size=64)
    assert len(ds) == 5
    s = ds[2]
    assert s['img'].dtype == torch.uint8 and s['img'].shape == (3, 64, 64)
    assert s['keypoints'].shape == (13, 2) and s['keypoints'].dtype == torch.float32
    assert s['keypoints_visible'].tolist() == [k[2] for k in insts[2]['keypoints']]
    assert s['image_id'] == 3 and s['id'] == 102
    np.testing.assert_allclose(s['bbox'].numpy(), insts[2]['bbox'], rtol=1e-6)
    assert ds.metainfo['keypoint_names'] == meta['keypoint_names']
    assert ds.metainfo['skeleton'] == [tuple(p) for p in meta['skeleton']]
    assert list(ds.metainfo['keypoint_groups']) == ['Hd', 'Shldr', 'Elb', 'Wrt', 'Hip', 'Knee',
                                                    'Ankl']
    assert [1, 2] in ds.metainfo['flip_pairs']


def test_keypoints_land_on_the_markers_in_the_crop(tmp_path):
    names = [f'k{i}' for i in range(6)]
    insts = random_instances(np.random.default_rng(1), 6, 4)
    write_coco(str(tmp_path), names, insts)
    ds = KeypointDataset(str(tmp_path), input_size=96, crop_margin=1.2)
    for i in range(len(ds)):
        s = ds[i]
        for (x, y) in s['keypoints'].numpy():
            np.testing.assert_allclose(_centroid(s['img'].numpy(), (x, y)), (x, y), atol=0.35)


def test_jitter_keeps_keypoints_on_markers(tmp_path):
    names = [f'k{i}' for i in range(4)]
    write_coco(str(tmp_path), names, random_instances(np.random.default_rng(2), 4, 3))
    ds = KeypointDataset(str(tmp_path), input_size=96, jitter=dict(rotate=15, scale=0.1,
                                                                   translate=0.05, color=0))
    plain = KeypointDataset(str(tmp_path), input_size=96)
    s, p = ds[1], plain[1]
    assert not torch.allclose(s['keypoints'], p['keypoints'])
    for (x, y) in s['keypoints'].numpy():
        if 4 < x < 91 and 4 < y < 91:
            np.testing.assert_allclose(_centroid(s['img'].numpy(), (x, y)), (x, y), atol=0.4)


def _one(tmp_path, names, kps, bbox, category='test_set', **extra):
    write_coco(str(tmp_path), names, [dict(keypoints=kps, bbox=bbox, **extra)],
               category=category, marker=False)


def test_normalisers_hand_worked(tmp_path):
    # Crop: bbox 40 x 20 at (10, 10), margin 1 -> square side 40, S = 80 -> 2 crop px per px.
    flic = parse_metainfo('flic')['keypoint_names']
    kps = [[30, 20, 2]] * 9
    kps[1] = [20, 14, 2]   # left_shoulder
    kps[8] = [23, 18, 1]   # right_hip, occluded but labelled: 5 px from the left shoulder
    _one(tmp_path, flic, kps, [10, 10, 40, 20], category='flic', norm_size=7.0)

    def norm(**kw):
        return float(KeypointDataset(str(tmp_path), input_size=80, crop_margin=1.0, **kw)[0]
                     ['norm'])

    assert norm() == pytest.approx(0.2 * 5 * 2)  # FLIC's own protocol from its metainfo
    assert norm(norm_type='torso') == pytest.approx(0.2 * 5 * 2)
    assert norm(norm_type='bbox') == pytest.approx(0.2 * 40 * 2)
    assert norm(norm_type='bbox', norm_kwargs=dict(factor=1.0)) == pytest.approx(80)
    assert norm(norm_type='pixels') == pytest.approx(6 * 2)
    assert norm(norm_type='pixels', norm_kwargs=dict(pixels=6, ref_height=200)) == \
        pytest.approx(6 * 100 / 200 * 2)
    assert norm(norm_type='norm_size') == pytest.approx(7 * 2)


def test_interocular(tmp_path):
    names = parse_metainfo('mafl')['keypoint_names']
    kps = [[20, 20, 2], [36, 32, 2], [28, 30, 2], [22, 40, 2], [34, 40, 2]]  # eyes 20 apart
    _one(tmp_path, names, kps, [10, 10, 40, 40], category='mafl')
    ds = KeypointDataset(str(tmp_path), input_size=40, crop_margin=1.0)
    assert ds.norm_type == 'interocular'
    assert float(ds[0]['norm']) == pytest.approx(20.0)
    assert list(ds.metainfo['keypoint_groups']) == ['eyes', 'nose', 'mouth']


def test_metainfo_must_match_category(tmp_path):
    _one(tmp_path, ['a', 'b'], [[20, 20, 2], [30, 30, 2]], [10, 10, 40, 40])
    ds = KeypointDataset(str(tmp_path))
    assert ds.metainfo['keypoint_groups'] == {'a': ['a'], 'b': ['b']}
    with pytest.raises(ValueError, match='do not match the metainfo'):
        KeypointDataset(str(tmp_path), metainfo='flic')


def test_procedural_keypoint_sets(procedural_roots):
    for name, root in procedural_roots.items():
        ds = KeypointDataset(root, split='train', input_size=32)
        meta = parse_metainfo(name)
        assert ds.metainfo['keypoint_names'] == meta['keypoint_names']
        assert ds.metainfo['object_class'] == name
        assert ds.norm_type == meta['norm']['type']
        s = ds[0]
        assert s['keypoints'].shape == (meta['num_keypoints'], 2)
        assert float(s['norm']) > 0
        with open(osp.join(root, 'annotations', 'keypoints_test.json')) as f:
            assert json.load(f)['images']


def test_holdout_indices_hand_worked():
    from hierembed.datasets.keypoint_dataset import holdout_indices
    groups = ['a', 'a', 'b', 'c', 'c', 'c', 'd']
    order = np.random.default_rng(3).permutation(4)  # the seeded order of a, b, c, d
    kept, held = holdout_indices(groups, 0.5, seed=3)
    # groups are taken in that order until 4 of 7 instances (round(3.5)) are held out
    want, taken, expect = 4, 0, []
    for i in order[:-1]:
        if taken >= want:
            break
        expect.append('abcd'[i])
        taken += groups.count('abcd'[i])
    assert sorted({groups[i] for i in held}) == sorted(expect)
    assert sorted(kept.tolist() + held.tolist()) == list(range(7))
    assert not {groups[i] for i in held} & {groups[i] for i in kept}
    # one instance per group: a split by instance holds out round(fraction * N)
    kept, held = holdout_indices(list(range(20)), 0.1, seed=0)
    assert len(held) == 2 and len(kept) == 18
    with pytest.raises(ValueError, match='two groups'):
        holdout_indices(['a', 'a'], 0.5)
    with pytest.raises(ValueError, match=r'\(0, 1\)'):
        holdout_indices(['a', 'b'], 1.0)


def test_holdout_by_identity_keeps_every_person_on_one_side(tmp_path):
    root = str(tmp_path)
    path = write_coco(root, [f'k{i}' for i in range(4)],
                      random_instances(np.random.default_rng(0), 4, 24))
    with open(path) as f:
        data = json.load(f)
    for i, im in enumerate(data['images']):
        im['identity'] = f'person{i % 5}'  # 5 people, interleaved like frames of videos
    with open(path, 'w') as f:
        json.dump(data, f)
    carve = dict(fraction=0.25, group='identity', seed=1)
    parts = {p: KeypointDataset(root, input_size=16, holdout=dict(carve, part=p))
             for p in ('train', 'val')}
    people = {}
    for p, ds in parts.items():
        people[p] = {ds.coco.imgs[s['image_id']]['identity'] for s in ds.samples}
    assert people['train'] and people['val'] and not people['train'] & people['val']
    assert len(parts['train']) + len(parts['val']) == 24 and len(parts['val']) >= 6
    for im in data['images']:
        im['identity'] = 'one person'
    with open(path, 'w') as f:
        json.dump(data, f)
    with pytest.raises(ValueError, match=r'keypoints_train\.json: holdout: .*two groups'):
        KeypointDataset(root, input_size=16, holdout=dict(carve, part='val'))
    del data['images'][3]['identity']
    with open(path, 'w') as f:
        json.dump(data, f)
    with pytest.raises(ValueError, match='identity'):
        KeypointDataset(root, input_size=16, holdout=dict(carve, part='val'))
