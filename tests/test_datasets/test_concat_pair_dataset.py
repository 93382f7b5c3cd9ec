import os.path as osp

import numpy as np
import pytest
from dataset_media import counter_frames, write_mp4, write_videos_json
from mmengine.registry import init_default_scope

from hierembed.datasets import ConcatPairDataset, InfinitePairSampler, VideoPairDataset
from hierembed.registry import DATASETS


@pytest.fixture
def three_video_root(tmp_path):
    root = str(tmp_path / 'three')
    for i in range(3):
        write_mp4(osp.join(root, 'videos', f'w{i}.mp4'), counter_frames(30))
    write_videos_json(root, [dict(id=f'w{i}', path=f'videos/w{i}.mp4') for i in range(3)])
    return root


def _key(sample):
    d = sample['data_samples']
    return d['video_id'], d['track_id'], d['frame_source'], d['frame_target']


def test_index_maps_to_each_dataset_with_fresh_passes(counter_root, three_video_root):
    init_default_scope('hierembed')
    a = dict(type='VideoPairDataset', data_root=counter_root, input_size=16, jitter=None,
             pairs_per_video=3)  # 2 videos: 6 pairs a pass
    b = dict(type='VideoPairDataset', data_root=three_video_root, input_size=16, jitter=None,
             pairs_per_video=5, seed=7)  # 3 videos: 15 pairs a pass
    ds = DATASETS.build(dict(type='ConcatPairDataset', datasets=[a, b]))
    da, db = DATASETS.build(a), DATASETS.build(b)
    assert len(ds) == 21 and ds.input_size == 16
    # The oracle, written out: pass p of the concatenation is pass p of each dataset in turn.
    for p in range(3):
        expected = ([da[p * 6 + i] for i in range(6)] + [db[p * 15 + i] for i in range(15)])
        got = [ds[p * 21 + i] for i in range(21)]
        assert [_key(s) for s in got] == [_key(s) for s in expected]
        for s, e in zip(got, expected):
            assert (s['inputs']['source'] == e['inputs']['source']).all()
    # Later passes draw other pairs (the counter videos' frames are random per pass).
    first = [_key(ds[i]) for i in range(21)]
    second = [_key(ds[21 + i]) for i in range(21)]
    assert first != second


def test_shares_follow_lengths_under_the_pair_sampler(counter_root, three_video_root):
    a = VideoPairDataset(counter_root, input_size=16, jitter=None, pairs_per_video=15)  # 30
    b = VideoPairDataset(three_video_root, input_size=16, jitter=None, pairs_per_video=10)  # 30
    ds = ConcatPairDataset([a, b])
    sampler = InfinitePairSampler(ds, shuffle=True, seed=0)
    it = iter(sampler)
    picks = [ds.locate(next(it))[0] for _ in range(600)]
    # Every pass of the sampler holds each position once: exactly half from each dataset.
    assert np.bincount(picks).tolist() == [300, 300]
    locals_b = sorted(ds.locate(i)[1] for i in range(60, 120) if ds.locate(i)[0] == 1)
    assert locals_b == list(range(30, 60))  # pass 1 of b


def test_refuses_mixed_sizes_and_empty(counter_root, three_video_root):
    a = VideoPairDataset(counter_root, input_size=16)
    b = VideoPairDataset(three_video_root, input_size=32)
    with pytest.raises(ValueError, match='different sizes'):
        ConcatPairDataset([a, b])
    with pytest.raises(ValueError, match='non-empty list'):
        ConcatPairDataset([])
    with pytest.raises(IndexError):
        ConcatPairDataset([a])[-1]
