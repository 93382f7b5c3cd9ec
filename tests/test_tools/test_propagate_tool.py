"""tools/propagate.py end to end: a tiny procedural class, its config stored as data."""
import json
import os.path as osp
import subprocess
import sys

import decord
import torch
from mmengine.config import Config

from hierembed.datasets.procedural import generate
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

MODEL_CFG = """model = dict(
    type='ClassEmbedder',
    encoder=dict(type='ConvEncoder', input_size=32, embed_dim=16, base_channels=8,
                 max_channels=16),
    warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=2, topk=4,
                   max_channels=16),
    active_levels=2)
"""


def test_propagate_writes_videos_and_scores(tmp_path):
    register_all_modules()
    data = str(tmp_path / 'data')
    generate('upper_body', data, num_videos=10, num_frames=11, size=64, seed=0,
             keypoint_stride=5)
    cfg = Config.fromstring(MODEL_CFG, '.py')
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(hierembed_cfg=cfg.to_dict())), ckpt)
    out = str(tmp_path / 'prop')
    subprocess.run([sys.executable, osp.join(REPO, 'tools', 'propagate.py'), '--checkpoint',
                    ckpt, '--data-root', data, '--split', 'train', '--max-videos', '2',
                    '--out-dir', out], check=True, cwd=REPO, capture_output=True)
    report = json.load(open(osp.join(out, 'propagate.json')))
    assert len(report['videos']) == 2
    for vid, res in report['videos'].items():
        assert 0.0 <= res['pck'] <= 100.0 and 0.0 <= res['static_pck'] <= 100.0
        assert res['frames'] == [0, 5, 10]
        reader = decord.VideoReader(res['video'])
        assert len(reader) == 3  # one annotated frame per labelled frame
