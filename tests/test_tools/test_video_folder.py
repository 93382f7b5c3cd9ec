"""video_folder.py on real videos that the test writes: identities from subfolders, splits by
identity, boxes from an injected detector (one that finds a drawn square), from OpenCV's Haar
face cascade (a drawn face) and HOG people detector (a drawn figure), or whole frames with
--detector none; tracks cut at the shots of an edited clip (--split-shots); a clear error when
this OpenCV lacks a detector; two training iterations on the result of each detector option."""
import io
import json
import os
import os.path as osp
import subprocess
import sys
from contextlib import redirect_stdout

import cv2
import numpy as np
import pytest
from converter_helpers import (REPO, blob_detector, face_frame, load_converter, person_frame,
                               square_frame, write_mp4)

from hierembed.datasets import VideoPairDataset
from hierembed.datasets.converters import DETECTORS, DetectorUnavailableError

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
    assert sorted(map(int, boxes)) == list(range(30))  # detections on frames 0, 2, ..., 28, 29
    np.testing.assert_allclose(boxes['13'], [34, 20, 24, 32], atol=1.5)
    assert len(VideoPairDataset(out, split='train', input_size=32, max_gap=10)) > 0


@pytest.mark.parametrize('detector, missing', [('face', 'CascadeClassifier'),
                                               ('person', 'HOGDescriptor')])
def test_missing_opencv_detector_is_a_clear_error(video_dir, tmp_path, detector, missing,
                                                  monkeypatch, capsys):
    monkeypatch.delattr(cv2, missing, raising=False)  # as in OpenCV 5
    rc = load_converter('video_folder').main([video_dir, '--out', str(tmp_path / 'out'),
                                              '--detector', detector])
    err = capsys.readouterr().err
    assert rc == 2 and f'is not in this OpenCV ({cv2.__version__})' in err
    assert 'opencv-python<5' in err and '--detector none' in err


@pytest.fixture(scope='module', params=['face', 'person', 'none'])
def converted(request, tmp_path_factory):
    """video_folder.py --detector <param> on real videos: two identities with the drawn face
    (or figure, for person; the face for none) moving one pixel a frame, one without it."""
    detector = request.param
    if detector != 'none':
        try:
            DETECTORS[detector]()
        except DetectorUnavailableError as e:
            pytest.skip(str(e))
    draw = person_frame if detector == 'person' else face_frame
    root = str(tmp_path_factory.mktemp(detector) / 'videos')
    width, height = draw(0).shape[1::-1]
    write_mp4(osp.join(root, 'alice', 'clip1.mp4'), 30, width, height, draw=draw)
    write_mp4(osp.join(root, 'alice', 'studio', 'clip2.mp4'), 30, width, height,
              draw=lambda t: draw(29 - t))
    write_mp4(osp.join(root, 'bob.mp4'), 30, width, height, draw=draw)
    write_mp4(osp.join(root, 'nobody.avi'), 30, width, height)  # a moving grey ramp
    out = root + '_out'
    with redirect_stdout(io.StringIO()) as stdout:
        rc = load_converter('video_folder').main([
            root, '--out', out, '--detector', detector, '--stride', '2', '--val-fraction', '0',
            '--test-fraction', '0'])
    assert rc == 0
    return detector, root, out, json.loads(stdout.getvalue())


def test_each_detector_end_to_end(converted):
    detector, root, out, summary = converted
    videos = _all_videos(out)
    if detector == 'none':
        assert summary['train']['videos'] == 4 and summary['no_detections'] == []
        assert sorted(videos) == ['alice/clip1', 'alice/studio/clip2', 'bob', 'nobody']
        return
    assert summary['train']['videos'] == 3
    assert summary['no_detections'] == [osp.join(root, 'nobody.avi')]
    assert sorted(videos) == ['alice/clip1', 'alice/studio/clip2', 'bob']
    for vid, reverse in (('alice/clip1', False), ('alice/studio/clip2', True), ('bob', False)):
        v = videos[vid]
        assert v['num_frames'] == 30 and len(v['tracks']) == 1
        boxes = v['tracks'][0]['boxes']
        assert len(boxes) >= 25  # detections on every second frame, linked and filled
        for t, (x, y, w, h) in boxes.items():
            s = 29 - int(t) if reverse else int(t)  # the drawing's own frame index
            # where the face or figure was drawn (converter_helpers), to within the detector's
            # step and the smoothing
            cx, cy = (68 + s, 74 + s // 3) if detector == 'face' else (49 + s, 80)
            assert abs(x + w / 2 - cx) <= 6 and abs(y + h / 2 - cy) <= 6, (vid, t)
    assert len(VideoPairDataset(out, split='train', input_size=32, max_gap=10)) > 0


def test_no_videos_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='no video files'):
        load_converter('video_folder').convert(str(tmp_path), str(tmp_path / 'out'))


@pytest.mark.slow
def test_train_two_iterations_on_the_result(converted, tmp_path):
    out = converted[2]
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
        env=dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert 'Iter(train) [2/2]' in proc.stdout + proc.stderr


def test_split_shots_ends_tracks_at_cuts(tmp_path):
    """An edited clip of two shots (a cut at frame 20): tracks end at the cut, whole frames
    with --detector none, detector tracks cut in two; without --split-shots one track spans
    the cut."""
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_datasets', 'test_converters'))
    from test_shots import panning_shot
    frames = np.concatenate([panning_shot(0, 70, 20, 2), panning_shot(1, 190, 24, 3)])
    src = tmp_path / 'videos'
    src.mkdir()
    writer = cv2.VideoWriter(str(src / 'edit.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 25, (80, 48))
    for f in frames:
        writer.write(f)
    writer.release()
    conv = load_converter('video_folder')
    for detector, fn, box in (('none', None, [0.0, 0.0, 80.0, 48.0]),
                              ('face', lambda img: np.array([[10, 8, 30, 30]]), None)):
        out = str(tmp_path / detector)
        conv.convert(str(src), out, detector, detector_fn=fn, val_fraction=0, test_fraction=0,
                     split_shots=True, window=1)
        (v, ) = _all_videos(out).values()
        assert v['num_frames'] == 44
        pieces = [sorted(map(int, t['boxes'])) for t in v['tracks']]
        assert pieces == [list(range(20)), list(range(20, 44))]
        if box is not None:
            assert all(b == box for t in v['tracks'] for b in t['boxes'].values())
        ds = VideoPairDataset(out, split='train', input_size=32, max_gap=50, jitter=None,
                              pairs_per_video=50)
        for i in range(len(ds)):
            track, a, b, _ = ds.sample_pair(i)
            assert (track.frames[a] < 20) == (track.frames[b] < 20)  # never across the cut
    out = str(tmp_path / 'uncut')
    conv.convert(str(src), out, 'face', detector_fn=lambda img: np.array([[10, 8, 30, 30]]),
                 val_fraction=0, test_fraction=0, window=1)
    (v, ) = _all_videos(out).values()
    assert len(v['tracks']) == 1 and len(v['tracks'][0]['boxes']) == 44


def test_prints_the_next_commands_and_warns_of_empty_splits(tmp_path, capsys):
    root = str(tmp_path / 'videos')
    write_mp4(osp.join(root, 'only.mp4'), 4, 32, 32)
    out = str(tmp_path / 'my class')
    assert load_converter('video_folder').main([root, '--out', out]) == 0
    err = capsys.readouterr().err
    assert 'warning: the val split is empty' in err and 'the test split is empty' in err
    opt = f"--cfg-options train_dataloader.dataset.data_root='{out}'"
    assert f'python tools/check_dataset.py configs/own_videos.py {opt}' in err
    assert f'python tools/train.py configs/own_videos.py {opt}' in err
    assert 'work_dirs/own_videos_my class' in err
