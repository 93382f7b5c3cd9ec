"""The VoxCeleb2 converter on a fixture in the distributed layout (dev/mp4 and test/mp4 of real
mp4 clips, a dev/txt track): splits by identity, no decoding, resumable by identity shards."""
import json
import os
import os.path as osp

import cv2
import pytest
from converter_helpers import load_converter, write_mp4

from hierembed.datasets import VideoPairDataset

CLIPS = {('dev', 'id00012'): {'21Uxsk56VDQ': ['00001', '00002'], 'C9x2mV9TDpY': ['00003']},
         ('dev', 'id00015'): {'0fijmz4vTVU': ['00001']},
         ('dev', 'id00020'): {'2DLq_Kkc1r8': ['00004']},
         ('test', 'id09999'): {'AbCdEfGhIjK': ['00001']}}


@pytest.fixture
def vox_root(tmp_path):
    root = str(tmp_path / 'VoxCeleb2')
    for (part, identity), videos in CLIPS.items():
        for yt, clips in videos.items():
            for clip in clips:
                write_mp4(osp.join(root, part, 'mp4', identity, yt, f'{clip}.mp4'), 10)
    txt = osp.join(root, 'dev', 'txt', 'id00012', '21Uxsk56VDQ', '00001.txt')
    os.makedirs(osp.dirname(txt))
    with open(txt, 'w') as f:
        f.write('Identity  : \tid00012\nReference : \t21Uxsk56VDQ\nOffset    : \t1\n'
                'FV Conf   : \t17.297\t(1)\nASD Conf  : \t4.275\n\nFRAME \tX \tY \tW \tH \n')
        f.write(''.join(f'{48 + t:06d} \t0.344 \t0.175 \t0.180 \t0.320 \n' for t in range(10)))
    return root


def _videos(out, split):
    with open(osp.join(out, 'annotations', f'videos_{split}.json')) as f:
        return json.load(f)['videos']


def test_split_by_identity_without_decoding(vox_root, tmp_path, monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError('the converter must not decode video')
    monkeypatch.setattr(cv2, 'VideoCapture', no_decoding)
    conv = load_converter('voxceleb2')
    out = str(tmp_path / 'vox')
    counts = conv.convert(vox_root, out, val_fraction=0.5, seed=3, num_frames_from_txt=True)
    assert counts['test'] == 1 and counts['train'] + counts['val'] == 5
    splits = {s: _videos(out, s) for s in ('train', 'val', 'test')}
    owner = {}
    for split, videos in splits.items():
        for v in videos:
            assert owner.setdefault(v['identity'], split) == split  # one split per identity
    assert owner['id09999'] == 'test'
    clip = next(v for v in splits[owner['id00012']] if v['id'] == 'id00012/21Uxsk56VDQ/00001')
    assert clip['num_frames'] == 10 and 'tracks' not in clip
    assert clip['path'] == osp.join(vox_root, 'dev', 'mp4', 'id00012', '21Uxsk56VDQ',
                                    '00001.mp4')
    monkeypatch.undo()
    # val_fraction is applied when merging: all dev identities to train, then all to val
    assert conv.convert(vox_root, out, val_fraction=0.0) == dict(train=5, val=0, test=1)
    assert conv.convert(vox_root, out, val_fraction=1.0) == dict(train=0, val=5, test=1)
    ds = VideoPairDataset(out, split='val', input_size=32, max_gap=None)
    assert ds[0]['inputs']['source'].shape == (3, 32, 32)


def test_resumes_from_identity_shards(vox_root, tmp_path):
    conv = load_converter('voxceleb2')
    out = str(tmp_path / 'vox')
    assert conv.convert(vox_root, out, max_identities=1) == {}  # interrupted after one identity
    shard = osp.join(out, 'annotations', 'voxceleb2_shards', 'dev', 'id00012.jsonl')
    assert not osp.exists(osp.join(out, 'annotations', 'videos_train.json'))
    with open(shard) as f:
        lines = f.read().splitlines()
    assert len(lines) == 3
    with open(shard, 'w') as f:  # a marker: the rerun must keep this shard as it is
        f.write('\n'.join(line.replace('"identity"', '"marker":1,"identity"') for line in lines))
    counts = conv.convert(vox_root, out, val_fraction=0.0)
    assert counts == dict(train=5, val=0, test=1)
    marked = [v for v in _videos(out, 'train') if v.get('marker')]
    assert len(marked) == 3 and all(v['identity'] == 'id00012' for v in marked)


def test_missing_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match='neither dev/mp4 nor test/mp4'):
        load_converter('voxceleb2').convert(str(tmp_path), str(tmp_path / 'out'))
