"""tools/embed.py: per-frame embeddings of real videos, with the boxes they were cropped from."""
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import torch
from mmengine.config import Config

from hierembed.apis import embed_images, init_embedder
from hierembed.datasets.transforms import crop_matrix
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL = dict(type='ClassEmbedder',
             encoder=dict(type='ConvEncoder', input_size=32, embed_dim=16, base_channels=8,
                          max_channels=16),
             warp_head=dict(type='HierarchicalWarpHead', base_size=8, num_levels=2, topk=4,
                            max_channels=16),
             active_levels=1)


def _video(path, num_frames, width=96, height=54):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10, (width, height))
    for t in range(num_frames):
        frame = np.full((height, width, 3), 30, np.uint8)
        cv2.circle(frame, (20 + 5 * t, 27), 8, (200, 220, 240), -1)
        writer.write(frame)
    writer.release()


def test_embed_a_folder_of_videos(tmp_path):
    register_all_modules()
    (tmp_path / 'videos' / 'alice').mkdir(parents=True)
    _video(str(tmp_path / 'videos' / 'alice' / 'a.mp4'), 5)
    _video(str(tmp_path / 'videos' / 'b.mp4'), 3)
    cfg = dict(model=MODEL, train_dataloader=dict(dataset=dict(crop_margin=1.0)))
    torch.manual_seed(0)
    model = MODELS.build(Config(cfg).model)
    ckpt = str(tmp_path / 'm.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(hierembed_cfg=cfg)), ckpt)
    out = str(tmp_path / 'emb.npz')
    res = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'embed.py'),
                          str(tmp_path / 'videos'), '--checkpoint', ckpt, '--out', out],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (res.stdout + res.stderr).count('Loads checkpoint') == 1
    z = np.load(out)
    assert z['embeddings'].shape == (8, 16) and z['embeddings'].dtype == np.float32
    # the order video_folder.py finds them in: a folder's files, then its subfolders
    videos = [osp.relpath(v, tmp_path) for v in z['videos']]
    assert videos == ['videos/b.mp4', 'videos/alice/a.mp4']
    assert z['video'].tolist() == [0] * 3 + [1] * 5
    assert z['frames'].tolist() == [0, 1, 2, 0, 1, 2, 3, 4]
    # whole 96 x 54 frames, inside the frame: the centred 54 x 54 square (margin 1.0)
    np.testing.assert_allclose(z['boxes'], [[21, 0, 54, 54]] * 8)
    assert float(z['margin']) == 1.0
    # the embedding is the encoder's of that crop
    frame = cv2.cvtColor(cv2.VideoCapture(str(tmp_path / 'videos' / 'b.mp4')).read()[1],
                         cv2.COLOR_BGR2RGB)
    crop = cv2.warpAffine(frame, crop_matrix([21, 0, 54, 54], 32, 1.0), (32, 32),
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    want = embed_images(init_embedder(None, ckpt), [crop])[0].numpy()
    np.testing.assert_allclose(z['embeddings'][0], want, atol=1e-5)


def test_missing_input_is_one_line(tmp_path):
    res = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'embed.py'),
                          str(tmp_path / 'nothing'), '--checkpoint', 'x.pth', '--out', 'o.npz'],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f'embed.py: error: {tmp_path / "nothing"}: no such video or folder'), res.stderr
