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


def _disc_video(path, num_frames=12, width=96, height=54):
    """A real 16:9 mp4: a light disc moving right by 2 px a frame."""
    import cv2
    import numpy as np
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 12, (width, height))
    for t in range(num_frames):
        frame = np.full((height, width, 3), 40, np.uint8)
        cv2.circle(frame, (30 + 2 * t, 27), 9, (220, 220, 220), -1)
        writer.write(frame)
    writer.release()


def _tiny_checkpoint(tmp_path):
    register_all_modules()
    cfg = Config.fromstring(MODEL_CFG, '.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(hierembed_cfg=cfg.to_dict())), ckpt)
    return ckpt


def test_own_video_every_frame_anchors_pinned(tmp_path):
    video = str(tmp_path / 'clip.mp4')
    _disc_video(video)
    ckpt = _tiny_checkpoint(tmp_path)
    anchor = tmp_path / 'anchors.json'
    labels = {'0': [[30.0, 27.0], [30.0, 18.0]], '8': [[46.0, 27.0], None]}
    anchor.write_text(json.dumps(dict(keypoint_names=['centre', 'top'], skeleton=[[1, 2]],
                                      frames=labels)))
    out = str(tmp_path / 'prop')
    res = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'propagate.py'), video,
                          '--checkpoint', ckpt, '--keypoints', str(anchor), '--out-dir', out],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    report = json.load(open(osp.join(out, 'clip_points.json')))
    assert report['anchors'] == [0, 8] and report['num_frames'] == 12
    frames = report['frames']
    assert [f['frame'] for f in frames] == list(range(12))
    # anchors keep their labels exactly; 'top' is labelled on frame 0 only
    assert frames[0]['points'] == [[30.0, 27.0], [30.0, 18.0]]
    assert frames[8]['points'][0] == [46.0, 27.0]
    assert frames[8]['anchor'] == [8, 0]
    # every other frame has both points, each from its nearest anchor that labels it
    assert frames[3]['anchor'] == [0, 0] and frames[5]['anchor'] == [8, 0]
    assert frames[11]['anchor'] == [8, 0]
    for f in frames:
        assert all(p is not None and len(p) == 2 for p in f['points'])
    assert len(decord.VideoReader(osp.join(out, 'clip.mp4'))) == 12
    # PIL: cv2.imread fails on PNGs once decord's own zlib is loaded in this process
    from PIL import Image
    with Image.open(osp.join(out, 'clip_strip.png')) as strip:
        assert strip.height == 160 and strip.width > 4 * 160
    for name in ('clip.mp4', 'clip_strip.png', 'clip_points.json'):
        assert osp.join(out, name) in res.stdout
    # the stored config, the crop settings and the weights: one read, one log line
    assert (res.stdout + res.stderr).count('Loads checkpoint') == 1


def test_own_video_reads_coco_with_frames(tmp_path):
    video = str(tmp_path / 'clip.mp4')
    _disc_video(video, num_frames=6)
    ckpt = _tiny_checkpoint(tmp_path)
    coco = dict(images=[dict(id=1, file_name='f2.png', width=96, height=54, frame=2)],
                annotations=[dict(id=1, image_id=1, category_id=1, bbox=[20, 10, 30, 30],
                                  keypoints=[34, 27, 2, 0, 0, 0], num_keypoints=1)],
                categories=[dict(id=1, name='disc', keypoints=['centre', 'rim'], skeleton=[])])
    ann = tmp_path / 'coco.json'
    ann.write_text(json.dumps(coco))
    out = str(tmp_path / 'prop')
    subprocess.run([sys.executable, osp.join(REPO, 'tools', 'propagate.py'), video,
                    '--checkpoint', ckpt, '--keypoints', str(ann), '--out-dir', out],
                   check=True, cwd=REPO, capture_output=True)
    report = json.load(open(osp.join(out, 'clip_points.json')))
    assert report['anchors'] == [2] and report['keypoint_names'] == ['centre', 'rim']
    assert report['frames'][2]['points'][0] == [34.0, 27.0]
    # the rim is labelled nowhere: no point, and no anchor it came from
    assert all(f['points'][1] is None and f['anchor'][1] == -1 for f in report['frames'])


def test_own_video_missing_keypoint_file_is_one_line(tmp_path):
    video = str(tmp_path / 'clip.mp4')
    _disc_video(video, num_frames=3)
    res = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'propagate.py'), video,
                          '--checkpoint', str(tmp_path / 'none.pth'), '--keypoints',
                          str(tmp_path / 'missing.json')], cwd=REPO, capture_output=True,
                         text=True)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith('propagate.py: error: ')
    assert 'missing.json: keypoint file not found' in lines[0]
