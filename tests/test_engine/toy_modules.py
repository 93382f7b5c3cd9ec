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
