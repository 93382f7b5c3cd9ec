"""Training data that is not what the format says, through tools/train.py: each case ends in
one line naming the annotation file or the media file, before or at the first batch; a frame
that breaks in a DataLoader worker too (docs/reliability.md)."""
import json
import os
import os.path as osp
import sys

import cv2
import pytest
from reliability_helpers import TESTS, assert_one_line, run_cli, write_tiny_config

sys.path.insert(0, osp.join(TESTS, 'test_datasets'))
from dataset_media import counter_frames, write_mp4, write_videos_json  # noqa: E402


def _frames(folder, n=6, ext='png'):
    os.makedirs(folder, exist_ok=True)
    paths = []
    for t, f in enumerate(counter_frames(n, size=48)):
        paths.append(osp.join(folder, f'{t:06d}.{ext}'))
        cv2.imwrite(paths[-1], f)
    return paths


def _config(tmp_path, root, workers=0):
    return write_tiny_config(
        str(tmp_path / 'data_cfg.py'), root, max_iters=2, model='toy', ckpt_interval=2,
        extra=(f"train_dataloader['num_workers'] = {workers}\n"
               "train_dataloader['dataset'].update(procedural=None, max_gap=3)\n"))


def _train(tmp_path, root, capsys, monkeypatch, workers=0):
    return run_cli('train.py', [_config(tmp_path, root, workers), '--work-dir',
                                tmp_path / 'w'], capsys, monkeypatch)


def _good(root):
    write_mp4(osp.join(root, 'videos', 'good.mp4'), counter_frames(12, size=48))
    return dict(id='good', path='videos/good.mp4')


RAW = [('{"videos": [', 'not valid JSON'), ('[1, 2]', 'JSON object'),
       ('{"metainfo": {}}', 'videos: missing'), ('{"videos": {"a": 1}}', 'expected a list'),
       ('', 'not valid JSON'), ('{"videos": []}', 'videos')]


@pytest.mark.parametrize('raw, what', RAW,
                         ids=['cut', 'list', 'no-videos', 'dict', 'empty', 'no-entries'])
def test_an_annotation_file_that_is_not_the_format(tmp_path, raw, what, capsys, monkeypatch):
    root = str(tmp_path / 'root')
    ann = write_videos_json(root, [])
    with open(ann, 'w') as f:
        f.write(raw)
    status, err = _train(tmp_path, root, capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', ann, what)


ENTRIES = [
    (dict(id='x'), 'videos[1].path: missing'),
    (dict(id=3, path='videos/good.mp4'), 'videos[1].id'),
    (dict(id='good', path='videos/good.mp4'), 'duplicate id'),
    (dict(id='x', path='videos/none.mp4'), 'none.mp4'),
    (dict(id='x', path='videos/good.mp4', num_frames='12'), 'num_frames'),
    (dict(id='x', path='videos/good.mp4', tracks=[dict(id=0, boxes={'1': [float('nan'), 0, 5,
                                                                          5]})]),
     "tracks[0].boxes['1']"),
]


@pytest.mark.parametrize('entry, what', ENTRIES,
                         ids=['no-path', 'int-id', 'dup-id', 'missing-video', 'str-frames',
                              'nan-box'])
def test_an_entry_that_is_not_the_format(tmp_path, entry, what, capsys, monkeypatch):
    root = str(tmp_path / 'root')
    ann = write_videos_json(root, [_good(root), entry])
    status, err = _train(tmp_path, root, capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', ann, what)


@pytest.mark.parametrize('content', [b'', b'\0' * 5000, b'not a video'],
                         ids=['empty', 'zeros', 'text'])
def test_a_video_that_does_not_decode(tmp_path, content, capsys, monkeypatch):
    root = str(tmp_path / 'root')
    bad = osp.join(root, 'videos', 'bad.mp4')
    ann = write_videos_json(root, [_good(root), dict(id='bad', path='videos/bad.mp4')])
    with open(bad, 'wb') as f:
        f.write(content)
    status, err = _train(tmp_path, root, capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', ann, 'bad.mp4')


def test_a_missing_annotation_file(tmp_path, capsys, monkeypatch):
    root = tmp_path / 'root'
    root.mkdir()
    status, err = _train(tmp_path, str(root), capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', str(root / 'annotations' / 'videos_train.json'))


def test_an_empty_frame_folder(tmp_path, capsys, monkeypatch):
    root = str(tmp_path / 'root')
    os.makedirs(osp.join(root, 'clips', 'c0'))
    write_videos_json(root, [_good(root), dict(id='c0', path='clips/c0')])
    status, err = _train(tmp_path, root, capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', osp.join(root, 'clips', 'c0'), 'no frames')


@pytest.mark.parametrize('workers', [0, 1])
def test_a_truncated_jpeg_frame(tmp_path, workers, capsys, monkeypatch):
    root = str(tmp_path / 'root')
    paths = _frames(osp.join(root, 'clips', 'c0'), ext='jpg')
    write_videos_json(root, [dict(id='c0', path='clips/c0')])
    for path in paths:  # every frame: the first batch meets one
        data = open(path, 'rb').read()
        open(path, 'wb').write(data[:len(data) // 2])
    status, err = _train(tmp_path, root, capsys, monkeypatch, workers)
    assert_one_line(status, err, 'train.py', 'truncated JPEG', osp.join(root, 'clips', 'c0'))


def test_good_frames_train(tmp_path, capsys, monkeypatch):
    root = str(tmp_path / 'root')
    _frames(osp.join(root, 'clips', 'c0'))
    write_videos_json(root, [dict(id='c0', path='clips/c0')])
    status, err = _train(tmp_path, root, capsys, monkeypatch)
    assert status == 0, err[-2000:]
    assert json.load(open(tmp_path / 'w' / 'rank0.json'))['iter'] == 2
