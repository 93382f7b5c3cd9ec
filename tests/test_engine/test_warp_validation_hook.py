"""WarpValidationHook: the held-out warp against copying, per level, in the log and scalars."""
import json
import os.path as osp
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.visualization import Visualizer

from hierembed.engine.hooks import WarpValidationHook, warp_vs_copy
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_datasets'))
from dataset_media import write_mp4, write_videos_json  # noqa: E402


def _moving(num_frames=6, size=32, shift=0):
    frames = np.full((num_frames, size, size, 3), 30, np.uint8)
    for t in range(num_frames):
        frames[t, 10:22, 4 + 3 * t + shift:12 + 3 * t + shift] = 220
    return frames


@pytest.fixture
def setup(tmp_path):
    register_all_modules()
    root = str(tmp_path / 'data')
    for split, shift in (('train', 0), ('val', 2)):
        write_mp4(osp.join(root, 'videos', f'{split}.mp4'), _moving(shift=shift))
        write_videos_json(root, [dict(id=split, path=f'videos/{split}.mp4')], split=split)
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ClassEmbedder', encoder=dict(type='ConvEncoder', input_size=16, embed_dim=16,
                                           base_channels=4, max_channels=16),
        warp_head=dict(type='HierarchicalWarpHead', base_size=4, num_levels=2, topk=2,
                       max_channels=8), active_levels=2))
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='VideoPairDataset', data_root=root, input_size=16, max_gap=2,
        jitter=dict(color=0.2)))))
    logged = []
    visualizer = Visualizer(name=f'val-hook-{id(tmp_path)}', save_dir=str(tmp_path / 'vis'),
                            vis_backends=[dict(type='LocalVisBackend')])
    logger = SimpleNamespace(info=logged.append, warning=logged.append)
    runner = SimpleNamespace(model=model, cfg=cfg, iter=0, max_iters=4, logger=logger,
                             visualizer=visualizer)
    return runner, logged, tmp_path, root


def test_logs_the_held_out_warp_against_copying(setup):
    runner, logged, tmp_path, root = setup
    hook = WarpValidationHook(interval=2, num_pairs=8, batch_size=3)
    hook.before_train(runner)
    assert hook.dataset.split == 'val' and hook.dataset.jitter == []
    runner.model.train()
    hook.after_train_iter(runner, 0)  # iteration 1: nothing
    assert not logged
    runner.iter = 1
    hook.after_train_iter(runner, 1)
    assert runner.model.training
    assert len(logged) == 1
    assert logged[0].startswith('Held-out warp (val, 8 pairs) at iteration 2: level 1 ')
    scalars = [json.loads(line) for line in
               open(tmp_path / 'vis' / 'vis_data' / 'scalars.json')]
    assert scalars[0]['step'] == 2
    for r in (1, 2):
        assert scalars[0][f'val/ratio_{r}'] == pytest.approx(
            scalars[0][f'val/l1_{r}'] / scalars[0][f'val/l1_copy_{r}'], rel=1e-5)


def test_copying_is_what_an_identity_warp_scores(setup):
    runner, _, _, root = setup
    from hierembed.datasets import VideoPairDataset
    ds = VideoPairDataset(root, split='val', input_size=16, max_gap=2, jitter=None)
    model = runner.model.eval()
    levels = warp_vs_copy(model, ds, num_pairs=4, batch_size=4)
    assert [lv['level'] for lv in levels] == [1, 2]
    # copying: the mean absolute colour difference of the clean crops, summed over channels,
    # at level 1 (4 x 4: area averages)
    pairs = [ds[k * len(ds) // 4]['inputs'] for k in range(4)]  # evenly spaced, as the hook

    def level1(img):
        return F.interpolate(img[None].float() / 255, size=(4, 4), mode='area')
    want = np.mean([(level1(p['source_clean']) - level1(p['target_clean'])).abs().sum(1).mean()
                    .item() for p in pairs])
    assert levels[0]['l1_copy'] == pytest.approx(want, rel=1e-3, abs=1e-4)


def test_no_held_out_videos_is_one_warning(setup):
    runner, logged, _, root = setup
    write_videos_json(root, [], split='val')
    hook = WarpValidationHook(interval=1)
    hook.before_train(runner)
    runner.iter = 3
    hook.after_train_iter(runner, 3)
    assert len(logged) == 1 and "the 'val' split of" in logged[0] and 'has no videos' in logged[0]


def test_concatenated_datasets_check_each_held_out_split(setup, tmp_path):
    # A ConcatPairDataset config: the val split of each dataset that has one, one warning for
    # the one that has none.
    runner, logged, _, root = setup
    empty = str(tmp_path / 'no_val')
    write_mp4(osp.join(empty, 'videos', 'train.mp4'), _moving())
    write_videos_json(empty, [dict(id='train', path='videos/train.mp4')], split='train')
    write_videos_json(empty, [], split='val')
    one = dict(runner.cfg.train_dataloader.dataset)
    runner.cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='ConcatPairDataset', datasets=[one, dict(one, data_root=empty), dict(one)]))))
    hook = WarpValidationHook(interval=1, num_pairs=4)
    hook.before_train(runner)
    assert len(logged) == 1 and f'split of {empty} has no videos' in logged[0]
    assert [d.data_root for d in hook.dataset.datasets] == [root, root]
    assert all(d.split == 'val' and d.jitter == [] for d in hook.dataset.datasets)
    runner.iter = 0
    hook.after_train_iter(runner, 0)
    assert logged[-1].startswith('Held-out warp (val, 4 pairs) at iteration 1: level 1 ')
