"""A throwaway plugin for a new object class, written into tmp_path: its dataset class and
configs train 2 iterations and probe through the public tools, leaving hierembed/ untouched."""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from plugin_helpers import REPO  # noqa: E402

pytestmark = pytest.mark.slow

NAMES = ['nose', 'left_ear', 'right_ear']

PLUGIN_INIT = '''
"""Cats: clips as folders of frames under data_root/clips/<clip>/ (no annotation file)."""
from .datasets import CatClipDataset

__all__ = ['CatClipDataset']
'''

PLUGIN_DATASETS = '''
import json
import os
import os.path as osp

from hierembed.datasets import VideoPairDataset
from hierembed.registry import DATASETS


@DATASETS.register_module()
class CatClipDataset(VideoPairDataset):
    """Every folder of data_root/clips is a clip; the index is written on first use."""

    def __init__(self, data_root, split='train', held_out=(), **kwargs):
        ann = osp.join(data_root, 'annotations', f'cat_videos_{split}.json')
        if not osp.isfile(ann):
            clips = sorted(os.listdir(osp.join(data_root, 'clips')))
            keep = [c for c in clips if (c in held_out) == (split != 'train')]
            videos = [dict(id=c, path=osp.join('clips', c), identity=c) for c in keep]
            os.makedirs(osp.dirname(ann), exist_ok=True)
            with open(ann, 'w') as f:
                json.dump(dict(metainfo=dict(object_class='cat'), videos=videos), f)
        super().__init__(data_root, split=split, ann_file=ann, **kwargs)
'''

TRAIN_CFG = '''
_base_ = ['{repo}/configs/_base_/default_runtime.py',
          '{repo}/configs/_base_/models/hierembed_cpu.py',
          '{repo}/configs/_base_/schedules/adam_lr1e-3_iter.py']
custom_imports = dict(imports=['cat_plugin'], allow_failed_imports=False)
model = dict(encoder=dict(input_size=32, embed_dim=32, base_channels=8, max_channels=32),
             warp_head=dict(base_size=8, num_levels=3, topk=4, max_channels=16))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfinitePairSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='CatClipDataset', data_root='{data_root}', held_out=['clip4', 'clip5'],
                 input_size=32, max_gap=10))
train_cfg = dict(max_iters=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
custom_hooks = []
'''

PROBE_CFG = '''
_base_ = ['{repo}/configs/probes/_base_/default_probe.py']
probe_dataset = dict(type='KeypointDataset', data_root='{data_root}', input_size=32,
                     norm_type='bbox', norm_kwargs=dict(factor=0.2))
metrics = [dict(type='PCKMetric', thr=0.2, name='PCK@0.2')]
'''


def _draw_cat(t: int, clip: int, size: int = 64):
    """A frame of a clip: an ellipse body and a head with two ears; returns image, keypoints."""
    rng = np.random.default_rng(clip)
    img = np.full((size, size, 3), rng.integers(0, 120, 3), np.uint8)
    cx = 20 + (t * (1 + clip % 3)) % 24
    cy = 36 + int(4 * np.sin(t / 3 + clip))
    colour = tuple(int(c) for c in rng.integers(140, 255, 3))
    cv2.ellipse(img, (cx, cy), (14, 8), 0, 0, 360, colour, -1)
    head = (cx + 14, cy - 8)
    cv2.circle(img, head, 6, colour, -1)
    ears = [(head[0] - 4, head[1] - 7), (head[0] + 4, head[1] - 7)]
    for e in ears:
        cv2.circle(img, e, 2, (40, 40, 40), -1)
    nose = (head[0] + 6, head[1])
    return img, np.array([nose, ears[0], ears[1]], np.float64)


def _write_cats(root: str, clips: int = 6, frames: int = 20) -> None:
    split_of = {4: 'val', 5: 'test'}
    category = dict(id=1, name='cat', keypoints=NAMES, skeleton=[[1, 2], [1, 3], [2, 3]])
    coco = {s: dict(images=[], annotations=[], categories=[category])
            for s in ('train', 'val', 'test')}
    for c in range(clips):
        folder = osp.join(root, 'clips', f'clip{c}')
        os.makedirs(folder, exist_ok=True)
        sp = coco[split_of.get(c, 'train')]
        for t in range(frames):
            img, kps = _draw_cat(t, c)
            name = osp.join('clips', f'clip{c}', f'{t:04d}.png')
            cv2.imwrite(osp.join(root, name), img)
            if t % 2:
                continue
            i = len(sp['images']) + 1
            x1, y1 = kps.min(0) - 8
            x2, y2 = kps.max(0) + 8
            sp['images'].append(dict(id=i, file_name=name, width=64, height=64))
            sp['annotations'].append(dict(
                id=i, image_id=i, category_id=1, num_keypoints=3,
                bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                keypoints=[v for p in kps for v in (float(p[0]), float(p[1]), 2)]))
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    for s, data in coco.items():
        with open(osp.join(root, 'annotations', f'keypoints_{s}.json'), 'w') as f:
            json.dump(data, f)


def _hierembed_state() -> str:
    """What git sees changed under hierembed/ (shared checkouts may hold others' edits)."""
    out = []
    for args in (['status', '--porcelain', '--untracked-files=all', '--', 'hierembed'],
                 ['diff', '--stat', '--', 'hierembed'], ['diff', '--', 'hierembed']):
        out.append(subprocess.run(['git', *args], cwd=REPO, capture_output=True, text=True,
                                  check=True).stdout)
    return '\n'.join(out)


def test_throwaway_plugin_trains_and_probes(tmp_path):
    if not osp.isdir(osp.join(REPO, '.git')):
        pytest.skip('not a git checkout')
    before = _hierembed_state()
    plugin = tmp_path / 'plugin_home' / 'cat_plugin'
    plugin.mkdir(parents=True)
    (plugin / '__init__.py').write_text(textwrap.dedent(PLUGIN_INIT))
    (plugin / 'datasets.py').write_text(textwrap.dedent(PLUGIN_DATASETS))
    (plugin / 'configs').mkdir()
    data_root = str(tmp_path / 'cats')
    _write_cats(data_root)
    train_cfg = plugin / 'configs' / 'cat.py'
    train_cfg.write_text(TRAIN_CFG.format(repo=REPO, data_root=data_root))
    probe_cfg = plugin / 'configs' / 'probe_cat.py'
    probe_cfg.write_text(PROBE_CFG.format(repo=REPO, data_root=data_root))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / 'plugin_home'),
               NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='1')

    def run(*args):
        proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                              timeout=600, cwd=str(tmp_path))
        assert proc.returncode == 0, f'{args[0]} failed:\n{proc.stdout[-3000:]}\n' \
                                     f'{proc.stderr[-3000:]}'
        return proc

    run(osp.join(REPO, 'tools', 'train.py'), str(train_cfg), '--work-dir',
        str(tmp_path / 'train'))
    ckpt = tmp_path / 'train' / 'iter_2.pth'
    assert ckpt.is_file()
    index = json.loads((tmp_path / 'cats' / 'annotations' / 'cat_videos_train.json').read_text())
    assert [v['id'] for v in index['videos']] == ['clip0', 'clip1', 'clip2', 'clip3']
    work = tmp_path / 'probe'
    run(osp.join(REPO, 'tools', 'probe.py'), str(probe_cfg), '--checkpoint', str(ckpt),
        '--work-dir', str(work), '--no-progress', '--baselines', 'mean_pose', '--cfg-options',
        'probe_cfg.epochs=5', 'probe_cfg.weight_decay=0.0')
    results = json.loads((work / 'results.json').read_text())
    assert results['meta']['keypoint_names'] == NAMES
    pck = results['encoders']['trained']['heads']['mlp']['metrics']['PCK@0.2']
    assert set(pck['per_keypoint']) == set(NAMES) and 0.0 <= pck['mean'] <= 100.0
    assert _hierembed_state() == before


def test_broken_plugin_fails_the_tool_with_its_name(tmp_path):
    plugin = tmp_path / 'home' / 'cat_plugin_broken'
    plugin.mkdir(parents=True)
    (plugin / '__init__.py').write_text('import cat_plugin_dependency_that_is_missing\n')
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("custom_imports = dict(imports=['cat_plugin_broken'])\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / 'home'), NO_ALBUMENTATIONS_UPDATE='1')
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'), str(cfg)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2  # a user's error: one line, no traceback (docs/reliability.md)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('train.py: error: hierembed plugin ') and 'Traceback' not in proc.stderr
    assert "'cat_plugin_broken'" in last
    assert "No module named 'cat_plugin_dependency_that_is_missing'" in last
