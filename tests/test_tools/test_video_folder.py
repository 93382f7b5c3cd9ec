"""video_folder.py on real videos that the test writes: identities from subfolders, splits by
identity, boxes from a detector (a real one for the drawn square, and OpenCV's own, which this
OpenCV may lack), whole frames with --detector none; then two training iterations."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from converter_helpers import REPO, blob_detector, load_converter, square_frame, write_mp4

from hierembed.datasets import VideoPairDataset

VIDEOS = ('alice/clip1.mp4', 'alice/studio/clip2.mp4', 'bob/walk.mp4', 'carol.mp4', 'dan.avi')


@pytest.fixture(scope='module')
def video_dir(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('own') / 'videos')
    for name in VIDEOS:
        write_mp4(osp.join(root, name), 30, 96, 96, draw=square_frame)
    with open(osp.join(root, 'notes.txt'), 'w') as f:
        f.write('not a video')
    return root


def _all_videos(out):
    videos = {}
    for split in ('train', 'val', 'test'):
        with open(osp.join(out, 'annotations', f'videos_{split}.json')) as f:
            for v in json.load(f)['videos']:
                videos[v['id']] = dict(v, split=split)
    return videos


def test_detector_none_whole_frames_split_by_identity(video_dir, tmp_path):
    out = str(tmp_path / 'none')
    load_converter('video_folder').convert(video_dir, out, 'none', val_fraction=0.25,
                                           test_fraction=0.25)
    videos = _all_videos(out)
    assert sorted(videos) == ['alice/clip1', 'alice/studio/clip2', 'bob/walk', 'carol', 'dan']
    assert videos['alice/studio/clip2']['identity'] == 'alice'
    assert videos['carol']['identity'] == 'carol' and 'tracks' not in videos['carol']
    assert videos['alice/clip1']['split'] == videos['alice/studio/clip2']['split']
    assert sorted(v['split'] for k, v in videos.items() if k != 'alice/clip1') == [
        'test', 'train', 'train', 'val']  # 4 identities: one each to val and test
    train = VideoPairDataset(out, split='train', input_size=32, max_gap=10)
    assert train[0]['inputs']['source'].shape == (3, 32, 32)


def test_injected_detector_tracks(video_dir, tmp_path):
    out = str(tmp_path / 'blob')
    summary = load_converter('video_folder').convert(video_dir, out, 'face',
                                                     detector_fn=blob_detector, stride=2)
    assert summary['no_detections'] == []
    videos = _all_videos(out)
    v = videos['bob/walk']
    assert v['num_frames'] == 30 and len(v['tracks']) == 1
    boxes = v['tracks'][0]['boxes']
    assert sorted(map(int, boxes)) == list(range(29))  # detections on frames 0, 2, ..., 28
    np.testing.assert_allclose(boxes['13'], [34, 20, 24, 32], atol=1.5)
    assert len(VideoPairDataset(out, split='train', input_size=32, max_gap=10)) > 0


@pytest.mark.parametrize('detector', ['face', 'person'])
def test_opencv_detectors_end_to_end(video_dir, tmp_path, detector, capsys):
    out = str(tmp_path / detector)
    rc = load_converter('video_folder').main([video_dir, '--out', out, '--detector', detector])
    err = capsys.readouterr().err
    if not hasattr(cv2, 'CascadeClassifier' if detector == 'face' else 'HOGDescriptor'):
        assert rc == 1 and f'is not in this OpenCV ({cv2.__version__})' in err
        assert '--detector none' in err
    elif rc == 1:  # the usual outcome: no face or person in these videos
        assert f'no detections in any of the {len(VIDEOS)} videos' in err
    else:
        assert rc == 0 and osp.isfile(osp.join(out, 'annotations', 'videos_train.json'))


def test_no_videos_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='no video files'):
        load_converter('video_folder').convert(str(tmp_path), str(tmp_path / 'out'))


@pytest.mark.slow
def test_train_two_iterations_on_the_result(video_dir, tmp_path):
    out = str(tmp_path / 'data')
    load_converter('video_folder').convert(video_dir, out, 'face', detector_fn=blob_detector,
                                           stride=3)
    work = str(tmp_path / 'work')
    cfg = osp.join(REPO, 'configs', 'synthetic_upper_body.py')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), cfg, '--work-dir', work,
         '--cfg-options', f'train_dataloader.dataset.data_root={out}',
         'train_dataloader.dataset.procedural=None', 'train_dataloader.dataset.input_size=32',
         'train_dataloader.dataset.max_gap=10', 'train_dataloader.batch_size=2',
         'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
         'model.encoder.input_size=32', 'model.encoder.embed_dim=32',
         'model.encoder.base_channels=8', 'model.encoder.max_channels=32',
         'model.warp_head.base_size=8', 'model.warp_head.topk=4',
         'model.warp_head.max_channels=16', 'train_cfg.max_iters=2',
         'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=2',
         'custom_hooks=[]'],
        capture_output=True, text=True, timeout=300,
        env=dict(__import__('os').environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert 'Iter(train) [2/2]' in proc.stdout + proc.stderr
