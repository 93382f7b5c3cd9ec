"""Small registered stand-ins used by the engine and tool tests.

``ToyPairDataset`` yields samples in the video-pair format of docs/architecture.md, decided by
the index alone (no random state), so that runs with 1 and 2 processes see the same data.
``DumpStateHook`` writes each rank's weights and curriculum history for the multi-process
tests to compare. ``ToyLevelModel`` is a BatchNorm-free model with ``active_levels`` whose
loss per sample does not depend on the rest of the batch.
"""
import json
import os.path as osp

import numpy as np
import torch
import torch.nn as nn
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import BaseModel, is_model_wrapper
from torch.utils.data import Dataset

from hierembed.models.data_preprocessors import PairDataPreprocessor
from hierembed.registry import DATASETS, HOOKS, MODELS


@DATASETS.register_module()
class ToyPairDataset(Dataset):
    """Pairs of smooth random images; the target is the source shifted by a few pixels."""

    def __init__(self, size: int = 32, length: int = 64, **kwargs) -> None:
        self.size = size
        self.length = length
        self.metainfo = dict(object_class='toy')

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng(index)
        coarse = rng.random((3, 5, 5)).astype(np.float32)
        image = torch.nn.functional.interpolate(torch.from_numpy(coarse)[None],
                                                size=self.size + 8, mode='bilinear',
                                                align_corners=False)[0]
        dy, dx = rng.integers(0, 8, size=2)
        source = (image[:, 4:4 + self.size, 4:4 + self.size] * 255).to(torch.uint8)
        target = (image[:, dy:dy + self.size, dx:dx + self.size] * 255).to(torch.uint8)
        return dict(inputs=dict(source=source, target=target, source_clean=source.clone(),
                                target_clean=target.clone()),
                    data_samples=dict(video_id=f'toy{index}', track_id=0, frame_source=0,
                                      frame_target=1))


@MODELS.register_module()
class ToyLevelModel(BaseModel):
    """A linear regressor with one loss term per active level and no BatchNorm.

    ``shift`` adds a rank-dependent constant to the loss, so that ranks see different local
    losses with identical gradients.
    """

    def __init__(self, size: int = 32, num_levels: int = 3, rank_offset: float = 0.0,
                 data_preprocessor=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or PairDataPreprocessor())
        self.heads = nn.ModuleList(nn.Conv2d(3, 3, 3, padding=1) for _ in range(num_levels))
        self.register_buffer('_active_levels', torch.tensor(1))
        self.rank_offset = rank_offset

    @property
    def num_levels(self) -> int:
        return len(self.heads)

    @property
    def active_levels(self) -> int:
        return int(self._active_levels)

    @active_levels.setter
    def active_levels(self, value: int) -> None:
        self._active_levels.fill_(int(value))

    def forward(self, inputs, data_samples=None, mode='loss'):
        losses = {}
        for r in range(self.active_levels):
            gen = self.heads[r](inputs['source'])
            losses[f'loss_rec_{r + 1}'] = (gen - inputs['target']).abs().mean()
        losses['loss_rec_1'] = losses['loss_rec_1'] + self.rank_offset * get_rank()
        return losses


@HOOKS.register_module()
class DumpStateHook(Hook):
    """After training, each rank writes ``rank{r}.pth`` (weights) and ``rank{r}.json``."""

    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        rank = get_rank()
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()},
                   osp.join(runner.work_dir, f'rank{rank}.pth'))
        curriculum = [h for h in runner.hooks if type(h).__name__ == 'CurriculumHook']
        info = dict(iter=runner.iter,
                    history=curriculum[0].history if curriculum else None,
                    active_levels=int(model.active_levels))
        with open(osp.join(runner.work_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(info, f)


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def write_tiny_config(path: str, data_root: str, max_iters: int = 6, batch_size: int = 4,
                      model: str = 'tiny', curriculum: str = '', extra: str = '',
                      ckpt_interval: int = 3, max_keep_ckpts: int = -1,
                      rank_offset: float = 0.0) -> str:
    """A config of configs/synthetic_upper_body.py at test size, written to ``path``.

    ``model='tiny'``: ClassEmbedder with 32 x 32 input and levels 8 -> 16 -> 32;
    ``model='toy'``: ``ToyLevelModel`` (no BatchNorm). The data is the procedural upper-body
    class with 4 videos of 16 frames, generated into ``data_root`` on first use.
    """
    if model == 'tiny':
        model_cfg = ("model = dict(encoder=dict(input_size=32, embed_dim=32, base_channels=8,\n"
                     "                          max_channels=32),\n"
                     "             warp_head=dict(base_size=8, num_levels=3, topk=4,"
                     " max_channels=16))\n")
    else:
        model_cfg = (f"model = dict(_delete_=True, type='ToyLevelModel', size=32, num_levels=3, "
                     f"rank_offset={rank_offset})\n")
    # ToyLevelModel has no warp to draw.
    picture = ("dict(type='WarpVisualizationHook', interval=3, max_samples=2, panel_size=48),"
               if model == 'tiny' else '')
    curriculum = curriculum or "dict(type='CurriculumHook', interval=1, patience=1, min_delta=10.0)"
    text = f"""_base_ = ['{REPO}/configs/synthetic_upper_body.py']
custom_imports = dict(imports=['toy_modules'], allow_failed_imports=False)
{model_cfg}train_dataloader = dict(
    batch_size={batch_size}, num_workers=0, persistent_workers=False,
    sampler=dict(seed=0),
    dataset=dict(data_root='{data_root}', input_size=32,
                 procedural=dict(object_class='upper_body', num_videos=4, num_frames=16,
                                 size=64, seed=0)))
train_cfg = dict(max_iters={max_iters})
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval={ckpt_interval}, max_keep_ckpts={max_keep_ckpts}))
custom_hooks = [
    {curriculum},
    {picture}
    dict(type='ThroughputHook'),
    dict(type='DumpStateHook'),
]
log_processor = dict(window_size=1)
{extra}
"""
    with open(path, 'w') as f:
        f.write(text)
    return path
