import filecmp
import json
import os.path as osp

import numpy as np
import pytest

from hierembed.datasets import KeypointDataset, VideoPairDataset
from hierembed.datasets.metainfo import parse_metainfo
from hierembed.datasets.procedural import PROCEDURAL_CLASSES, VideoSpec, generate, render_frame

CLASSES = list(PROCEDURAL_CLASSES)


def _frames(name, seed=0, num_frames=60, size=96):
    spec = VideoSpec(name, seed, seed + 100, num_frames, size)
    return [render_frame(spec, t) for t in range(num_frames)]


def test_all_four_classes_exist():
    assert set(CLASSES) == {'upper_body', 'face', 'full_body', 'quadruped'}


@pytest.mark.parametrize('name', CLASSES)
def test_same_seed_same_annotation_bytes(tmp_path, name):
    a, b, c = (str(tmp_path / k) for k in 'abc')
    for root, seed in ((a, 3), (b, 3), (c, 4)):
        generate(name, root, num_videos=3, num_frames=6, size=32, seed=seed)
    for split in ('train', 'val', 'test'):
        for kind in ('videos', 'keypoints'):
            f = f'annotations/{kind}_{split}.json'
            assert filecmp.cmp(osp.join(a, f), osp.join(b, f), shallow=False)
    assert not filecmp.cmp(osp.join(a, 'annotations/keypoints_train.json'),
                           osp.join(c, 'annotations/keypoints_train.json'), shallow=False)


@pytest.mark.parametrize('name', CLASSES)
def test_keypoints_land_on_the_drawn_figure(name):
    meta = parse_metainfo(name)
    seen = 0
    for fr in _frames(name):
        assert fr['keypoints'].shape == (meta['num_keypoints'], 2)
        for k, ((x, y), v) in enumerate(zip(fr['keypoints'], fr['visible'])):
            if v != 2:
                continue
            ix, iy = int(round(x)), int(round(y))
            colour = tuple(int(c) for c in fr['image'][iy, ix])
            # The pixel under a visible keypoint has the colour of one of the parts it lies on.
            allowed = set().union(*(fr['colours'].get(p, set()) for p in fr['owners'][k]))
            assert colour in allowed, (name, meta['keypoint_names'][k], colour, allowed)
            assert fr['labels'][iy, ix] in fr['owners'][k]
            seen += 1
    assert seen > 0


@pytest.mark.parametrize('name', CLASSES)
def test_covered_keypoints_are_marked_occluded(name):
    occluded = 0
    for seed in range(3):
        for fr in _frames(name, seed=seed):
            for k, ((x, y), v) in enumerate(zip(fr['keypoints'], fr['visible'])):
                if v == 1:
                    lab = fr['labels'][int(round(y)), int(round(x))]
                    # covered by another part, or (a face landmark) turned away from the camera
                    assert lab not in fr['owners'][k] or name == 'face'
                    occluded += 1
                elif v == 0:
                    assert not (0 <= round(x) < 96 and 0 <= round(y) < 96)
    assert occluded > 0, f'{name}: no self-occlusion in 180 frames'


@pytest.mark.parametrize('name', CLASSES)
def test_limbs_move_a_lot(name):
    """The paper's point: a wrist low in one frame, high in another -- large motion (a face
    moves less: head turns and the mouth)."""
    kps = np.stack([fr['keypoints'] for fr in _frames(name, num_frames=100)])
    travel = (kps.max(0) - kps.min(0)).max(-1)  # per keypoint, pixels of 96
    assert travel.max() > (12 if name == 'face' else 25)


def test_split_by_identity_and_readable(procedural_roots):
    for name, root in procedural_roots.items():
        ids = {}
        for split in ('train', 'val', 'test'):
            with open(osp.join(root, 'annotations', f'videos_{split}.json')) as f:
                ids[split] = {v['identity'] for v in json.load(f)['videos']}
            assert ids[split]
        assert not (ids['train'] & ids['val'] or ids['train'] & ids['test']
                    or ids['val'] & ids['test'])
        ds = VideoPairDataset(root, split='val', input_size=32, max_gap=None)
        assert ds[0]['inputs']['source'].shape == (3, 32, 32)
        assert len(KeypointDataset(root, split='test', input_size=32)) > 0


def test_tiny_class(tmp_path):
    summary = generate('upper_body', str(tmp_path), num_videos=6, num_frames=20, size=64,
                       seed=0)
    assert sum(s['videos'] for s in summary.values()) == 6


def test_too_few_videos_to_split(tmp_path):
    with pytest.raises(ValueError, match='at least 3 identities'):
        generate('face', str(tmp_path), num_videos=2, num_frames=5, size=32)


@pytest.mark.slow
def test_full_size_class(tmp_path):
    # the size the CPU configs render on first use; its time is a benchmark's, not asserted here
    summary = generate('full_body', str(tmp_path), num_videos=100, num_frames=100, size=128,
                       seed=0)
    assert sum(s['videos'] for s in summary.values()) == 100
    assert all(s['images'] > 0 for s in summary.values())
