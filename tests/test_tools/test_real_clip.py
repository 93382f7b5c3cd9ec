"""tools/experiments/real_clip.py: a real mp4 of two shots into a train / held-out data_root,
and the per-level warp-vs-identity errors of a tiny model against the model's own losses."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.dataset import default_collate

from hierembed.datasets import VideoPairDataset
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(osp.dirname(TESTS), 'tools', 'experiments'))
sys.path.insert(0, osp.join(TESTS, 'test_datasets'))
sys.path.insert(0, osp.join(TESTS, 'test_datasets', 'test_converters'))
import real_clip  # noqa: E402
from dataset_media import write_mp4  # noqa: E402
from test_shots import panning_shot  # noqa: E402

MODEL = dict(type='ClassEmbedder', active_levels=2,
             encoder=dict(type='ConvEncoder', input_size=32, embed_dim=16, base_channels=4,
                          max_channels=16),
             warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=2, topk=4,
                            max_channels=16))


def assert_pairs_within(root, split, ranges):
    """Both frames of every pair the dataset draws lie in one of ``ranges`` of this split."""
    ds = VideoPairDataset(root, split=split, input_size=32, max_gap=50, jitter=None,
                          pairs_per_video=40)
    for i in range(len(ds)):
        track, a, b, _ = ds.sample_pair(i)
        fa, fb = track.frames[a], track.frames[b]
        assert any(lo <= fa < hi and lo <= fb < hi for lo, hi in ranges), (fa, fb)


@pytest.fixture
def clip_root(tmp_path):
    frames = np.concatenate([panning_shot(0, 70, 20, 2), panning_shot(1, 190, 24, 3),
                             panning_shot(2, 120, 6, 1)])  # 48 x 80 frames, a 6-frame shot
    video = write_mp4(str(tmp_path / 'clip.mp4'), frames)
    root = str(tmp_path / 'root')
    res = real_clip.prepare(video, root, hold_out=0.25, min_shot=8)
    return video, root, res


def test_prepare_holds_out_the_end_of_every_shot(clip_root):
    video, root, res = clip_root
    assert res['shots'] == [(0, 20), (20, 44)] and res['dropped'] == [(44, 50)]
    assert res['frames'] == dict(train=15 + 18, val=5 + 6)
    for split, ranges in (('train', [(0, 15), (20, 38)]), ('val', [(15, 20), (38, 44)])):
        with open(osp.join(root, 'annotations', f'videos_{split}.json')) as f:
            (entry, ) = json.load(f)['videos']
        assert osp.samefile(osp.join(root, entry['path']), video)
        for track, (lo, hi) in zip(entry['tracks'], ranges):
            assert sorted(map(int, track['boxes'])) == list(range(lo, hi))
            # a still square of the frame's shorter side over the crop margin, centred
            assert set(map(tuple, track['boxes'].values())) == {(20.0, 4.0, 40.0, 40.0)}
        assert_pairs_within(root, split, ranges)


def test_prepare_interleaves_held_out_blocks(clip_root, tmp_path):
    video, _, _ = clip_root
    root = str(tmp_path / 'interleaved')
    res = real_clip.prepare(video, root, hold_out=0.25, min_shot=8, interleave=4)
    # blocks of 4 frames, every 4th of a shot held out; runs of one split are one track each
    expected = dict(train=[(0, 12), (16, 20), (20, 32), (36, 44)], val=[(12, 16), (32, 36)])
    assert res['frames'] == dict(train=12 + 4 + 12 + 8, val=4 + 4)
    for split, ranges in expected.items():
        with open(osp.join(root, 'annotations', f'videos_{split}.json')) as f:
            (entry, ) = json.load(f)['videos']
        assert [sorted(map(int, t['boxes'])) for t in entry['tracks']] == [
            list(range(lo, hi)) for lo, hi in ranges]
        assert [t['id'] for t in entry['tracks']] == list(range(len(ranges)))
        assert_pairs_within(root, split, ranges)
    # a trailing block of one frame makes no pair and is left out
    assert real_clip._split_shot(0, 9, 0.5, 4) == [('train', 0, 4), ('val', 4, 8)]
    with pytest.raises(ValueError, match='interleave'):
        real_clip.prepare(video, str(tmp_path / 'x'), interleave=1)


def test_prepare_refuses_a_clip_without_a_long_shot(clip_root, tmp_path):
    video, _, _ = clip_root
    with pytest.raises(ValueError, match='no shot of 100 frames'):
        real_clip.prepare(video, str(tmp_path / 'x'), min_shot=100)
    with pytest.raises(ValueError, match='hold-out'):
        real_clip.prepare(video, str(tmp_path / 'x'), hold_out=1.0)


def test_evaluate_matches_the_model_losses(clip_root, tmp_path):
    _, root, _ = clip_root
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(MODEL)
    ckpt = str(tmp_path / 'iter_3.pth')
    torch.save(dict(state_dict=model.state_dict(), curriculum=dict(active_levels=2)), ckpt)
    ds_cfg = dict(type='VideoPairDataset', data_root=root, input_size=32, max_gap=50)
    with open(tmp_path / 'row_config.py', 'w') as f:
        f.write(f'model = {MODEL!r}\ntrain_dataloader = dict(dataset={ds_cfg!r})\n')
    out = str(tmp_path / 'heldout.json')
    assert real_clip.main(['evaluate', ckpt, '--num-pairs', '6', '--out', out]) == 0
    with open(out) as f:
        res = json.load(f)
    assert res['active_levels'] == 2 and res['num_pairs'] == 6
    assert [lv['size'] for lv in res['levels']] == [8, 16]
    # The same six held-out pairs through the model's loss (another code path), float64.
    ds = VideoPairDataset(root, split='val', input_size=32, max_gap=50, jitter=None,
                          pairs_per_video=6)
    model.eval()
    batch = model.data_preprocessor(default_collate([ds[i] for i in range(6)]))['inputs']
    with torch.no_grad():
        losses = model.loss(batch)
        warp = model.warp(batch['source'], batch['target'], batch['source_clean'])
    src, tgt = batch['source_clean'].double(), batch['target_clean'].double()
    for r, lv in enumerate(res['levels'], start=1):
        # Sharpness by hand: the candidates' probabilities, one target pixel at a time.
        prob = warp['prob'][r - 1].double()
        prob = prob.permute(0, 2, 3, 1).reshape(-1, prob.shape[1])  # one row per target pixel
        peak = np.mean([max(p.tolist()) for p in prob])
        eff = np.mean([np.exp(-sum(x * np.log(x) for x in p.tolist() if x > 0)) for p in prob])
        np.testing.assert_allclose(lv['max_prob'], peak, rtol=1e-5)
        np.testing.assert_allclose(lv['effective_candidates'], eff, rtol=1e-5)
        assert 1 <= lv['effective_candidates'] <= prob.shape[1]
        np.testing.assert_allclose(lv['l1'], float(losses[f'l1_{r}']), rtol=1e-5)
        k = 32 // lv['size']
        ident = (F.avg_pool2d(src, k) - F.avg_pool2d(tgt, k)).abs().sum(1).mean()
        np.testing.assert_allclose(lv['l1_identity'], float(ident), rtol=1e-5)
        np.testing.assert_allclose(lv['ratio'], lv['l1'] / lv['l1_identity'], rtol=1e-9)
        assert lv['ratio_95'][0] <= lv['ratio'] <= lv['ratio_95'][1]
    np.testing.assert_allclose(res['levels'][0]['l1_identity'], float(losses['l1_id']),
                               rtol=1e-5)
    gaps = [abs(ds[i]['data_samples']['frame_target'] - ds[i]['data_samples']['frame_source'])
            for i in range(6)]
    assert res['split'] == 'val' and res['levels'][0]['mean_gap'] == pytest.approx(np.mean(gaps))
    # The training split, pairs at most 2 frames apart.
    res = real_clip.evaluate(ckpt, num_pairs=8, split='train', max_gap=2)
    assert res['split'] == 'train' and res['max_gap'] == 2 and res['num_pairs'] == 8
    assert 1 <= res['levels'][0]['mean_gap'] <= 2
