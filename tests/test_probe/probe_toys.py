"""Stand-ins for the probe tests: a tiny embedder and a keypoint dataset that draws its poses.

Both follow the contracts of docs/architecture.md (``embed`` and ``input_size``; keypoint
samples and metainfo) without depending on the real model or dataset classes.
"""
import json
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.model import BaseModule
from torch import nn

from hierembed.registry import DATASETS, MODELS

NAMES = ['head', 'left_hand', 'right_hand', 'left_foot', 'right_foot']
METAINFO = dict(object_class='toy', keypoint_names=NAMES, num_keypoints=5,
                skeleton=[(0, 1), (0, 2), (0, 3), (0, 4)],
                flip_pairs=[(1, 2), (3, 4)],
                keypoint_groups={'Hd': ['head'], 'Hnd': ['left_hand', 'right_hand'],
                                 'Ft': ['left_foot', 'right_foot']})


@MODELS.register_module(force=True)
class ProbeToyEmbedder(BaseModule):
    """Pooled colour statistics of a 32 x 32 crop: a 48-D embedding. Counts its calls."""
    calls = 0

    def __init__(self, input_size: int = 32, width: int = 3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.input_size = input_size
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.embed_dim = width * 16

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        assert images.dtype == torch.float32 and images.max() <= 1.0
        assert images.shape[-1] == self.input_size
        type(self).calls += 1
        return nn.functional.adaptive_avg_pool2d(self.conv(images), 4).flatten(1)


def toy_poses(n: int, seed: int, size: int = 32):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 3))
    mean = np.array([[16, 5], [6, 15], [26, 15], [11, 28], [21, 28]], float) * size / 32
    basis = np.random.default_rng(0).normal(size=(3, 5, 2)) * 2 * size / 32
    kpts = np.clip(mean + np.einsum('nz,zkc->nkc', z, basis), 0, size - 1)
    vis = np.full((n, 5), 2.0)
    vis[:, 1] = np.where(z[:, 0] > 0, 2, 1)
    vis[:, 2] = np.where(z[:, 1] > 0, 2, 1)
    vis[rng.random((n, 5)) < 0.05] = 0
    return kpts.astype(np.float32), vis.astype(np.float32)


@DATASETS.register_module(force=True)
class ProbeToyKeypointDataset:
    """Crops with a dot per keypoint (occluded ones drawn faintly), keypoint-sample contract.

    Args:
        split: 'train', 'val' or 'test' (changes the seed).
        num: instances.
        input_size: crop side S.
        ann_file: optional JSON file; its bytes feed the cache fingerprint like a real
            annotation file (``{"offset": x}`` shifts every keypoint by x pixels).
    """
    SEEDS = dict(train=1, val=2, test=3)

    def __init__(self, split='train', num=60, input_size=32, ann_file=None):
        self.kpts, self.vis = toy_poses(num, self.SEEDS[split], input_size)
        self.ann_file = ann_file
        if ann_file is not None and osp.isfile(ann_file):
            with open(ann_file) as f:
                self.kpts = self.kpts + json.load(f).get('offset', 0.0)
        self.size = input_size
        self.metainfo = dict(METAINFO)

    def __len__(self):
        return len(self.kpts)

    def __getitem__(self, i):
        img = np.zeros((self.size, self.size, 3), np.uint8)
        for k, (p, v) in enumerate(zip(self.kpts[i], self.vis[i])):
            if v > 0:
                colour = [0, 0, 0]
                colour[k % 3] = 255 if v == 2 else 90
                cv2.circle(img, (int(p[0]), int(p[1])), 2, colour, -1)
        return dict(img=torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                    keypoints=self.kpts[i], keypoints_visible=self.vis[i],
                    norm=np.float32(self.size / 2), bbox=np.array([0, 0, self.size, self.size],
                                                                  np.float32),
                    image_id=i, id=i)


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def default_probe_cfg(section: str = 'probe_cfg', **overrides) -> dict:
    """A section of configs/probes/_base_/default_probe.py (the one set of defaults),
    updated with ``overrides``."""
    from mmengine.config import Config
    base = Config.fromfile(osp.join(REPO, 'configs', 'probes', '_base_', 'default_probe.py'))
    return dict(base[section].to_dict(), **overrides)


def toy_probe_cfg(**overrides) -> dict:
    """A complete probe config on the stand-ins; ``probe_cfg`` overrides merge into its own."""
    cfg = dict(
        default_scope='hierembed',
        model=dict(type='ProbeToyEmbedder', input_size=32),
        probe_dataset=dict(type='ProbeToyKeypointDataset', input_size=32),
        probe_splits=dict(train=dict(split='train', num=80), val=dict(split='val', num=30),
                          test=dict(split='test', num=40)),
        heads=dict(linear=dict(type='LinearLandmarkHead'),
                   mlp=dict(type='MLPLandmarkHead', hidden_dim=16)),
        visibility_heads=dict(linear=dict(type='VisibilityHead', hidden_dim=None),
                              mlp=dict(type='VisibilityHead', hidden_dim=16)),
        metrics=[dict(type='PCKMetric', thr=0.2), dict(type='NMEMetric')],
        probe_cfg=default_probe_cfg(epochs=20, lr=1e-2, weight_decay=0.0, val_interval=5,
                                    patience=3, seeds=1, num_vis_images=3, embed_batch_size=32),
        baselines=['random_init', 'mean_pose'])
    cfg['probe_cfg'].update(overrides.pop('probe_cfg', {}))
    cfg.update(overrides)
    return cfg


def save_toy_checkpoint(path: str, seed: int, with_cfg: bool = True) -> str:
    """A checkpoint like the toolkit's: state_dict, and the training config as data."""
    torch.manual_seed(seed)
    model = ProbeToyEmbedder()
    meta = {}
    if with_cfg:
        meta['hierembed_cfg'] = dict(model=dict(type='ProbeToyEmbedder', input_size=32))
    torch.save({'state_dict': model.state_dict(), 'meta': meta}, path)
    return path
