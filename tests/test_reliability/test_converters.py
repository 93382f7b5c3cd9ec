"""Converters on roots that are missing, empty, damaged or another dataset's: each exits with
status 2 and one ``<converter>: error:`` line naming the file; none writes a dataset silently
(docs/reliability.md)."""
import json
import os
import os.path as osp
import sys

import pytest

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(TESTS, 'test_tools'))
from converter_helpers import load_converter, write_mp4  # noqa: E402
from reliability_helpers import assert_one_line  # noqa: E402

from hierembed.datasets.converters import ConvertedDataset  # noqa: E402
from hierembed.datasets.converters.provenance import RECORD  # noqa: E402

CONVERTERS = ['300w', 'aflw', 'bbc_pose', 'flic', 'mafl', 'penn_action', 'video_folder',
              'voxceleb2']


def _convert(name, args, capsys):
    capsys.readouterr()
    status = load_converter(name).main([str(a) for a in args])
    return status, capsys.readouterr().err


@pytest.mark.parametrize('name', CONVERTERS)
def test_a_missing_root(name, tmp_path, capsys):
    root = tmp_path / 'nowhere'
    status, err = _convert(name, [root, '--out', tmp_path / 'out'], capsys)
    assert_one_line(status, err, f'{name}.py', str(root))
    assert not (tmp_path / 'out' / RECORD).exists()


@pytest.mark.parametrize('name', CONVERTERS)
def test_an_empty_root(name, tmp_path, capsys):
    root = tmp_path / 'empty'
    root.mkdir()
    status, err = _convert(name, [root, '--out', tmp_path / 'out'], capsys)
    assert_one_line(status, err, f'{name}.py', str(root))


@pytest.mark.parametrize('name, layout', [
    ('300w', ['afw/', 'helen/']),
    ('voxceleb2', ['dev/mp4/']),
    ('penn_action', ['labels/', 'frames/']),
    ('mafl', ['MAFL/training.txt', 'MAFL/testing.txt', 'list_landmarks_align_celeba.txt',
              'img_align_celeba/']),
    ('video_folder', ['clips/']),
])
def test_the_layout_with_nothing_in_it_converts_nothing(name, layout, tmp_path, capsys):
    root = tmp_path / 'root'
    for entry in layout:
        path = root / entry
        if entry.endswith('/'):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text('')
    out = tmp_path / 'out'
    status, err = _convert(name, [root, '--out', out], capsys)
    assert_one_line(status, err, f'{name}.py', str(root))
    assert not (out / RECORD).exists()


@pytest.mark.parametrize('name, mat', [('flic', 'examples.mat'), ('bbc_pose', 'bbcpose.mat'),
                                       ('penn_action', 'labels/0001.mat'),
                                       ('aflw', 'aflw_train_keypoints.mat')])
@pytest.mark.parametrize('content', [b'', b'MATLAB 5.0 MAT-file, truncated', b'\x00' * 300,
                                     b'not a mat file at all\n'],
                         ids=['empty', 'truncated', 'zeros', 'text'])
def test_a_damaged_mat_file_is_named(name, mat, content, tmp_path, capsys):
    root = tmp_path / 'root'
    path = root / mat
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    (root / 'frames').mkdir()
    if name == 'aflw':
        (root / 'aflw_train_images.txt').write_text('a.jpg\n')
    status, err = _convert(name, [root, '--out', tmp_path / 'out'], capsys)
    assert_one_line(status, err, f'{name}.py', str(path))


def _vox_root(root, identity):
    write_mp4(osp.join(root, 'dev', 'mp4', identity, 'yt0', '00001.mp4'), 5)
    return root


def _videos(out, split='train'):
    with open(osp.join(out, 'annotations', f'videos_{split}.json')) as f:
        return json.load(f)['videos']


def test_voxceleb2_refuses_an_out_written_from_another_root(tmp_path, capsys):
    first = _vox_root(str(tmp_path / 'a'), 'id00001')
    second = _vox_root(str(tmp_path / 'b'), 'id00002')
    out = str(tmp_path / 'out')
    status, err = _convert('voxceleb2', [first, '--out', out, '--val-fraction', '0'], capsys)
    assert status == 0, err
    before = _videos(out)
    status, err = _convert('voxceleb2', [second, '--out', out, '--val-fraction', '0'], capsys)
    assert_one_line(status, err, 'voxceleb2.py', osp.join(out, RECORD), first, second)
    assert _videos(out) == before  # not merged
    status, err = _convert('voxceleb2', [first, '--out', out, '--val-fraction', '0'], capsys)
    assert status == 0, err  # the same root and options: a rerun is fine


def test_voxceleb2_refuses_other_options_into_the_same_out(tmp_path, capsys):
    root = _vox_root(str(tmp_path / 'a'), 'id00001')
    out = str(tmp_path / 'out')
    assert _convert('voxceleb2', [root, '--out', out, '--val-fraction', '0'], capsys)[0] == 0
    status, err = _convert('voxceleb2', [root, '--out', out, '--val-fraction', '0.5'], capsys)
    assert_one_line(status, err, 'voxceleb2.py', 'options')


def test_a_rerun_leaves_no_stale_split(tmp_path):
    out = str(tmp_path / 'out')
    ds = ConvertedDataset(out, dict(object_class='x'), ['a'], 'x')
    for split in ('train', 'val'):
        ds.add_video(split, dict(id=f'{split}0', path='v.mp4'))
    ds.write()
    assert osp.isfile(osp.join(out, 'annotations', 'videos_val.json'))
    again = ConvertedDataset(out, dict(object_class='x'), ['a'], 'x')
    again.add_video('train', dict(id='t0', path='v.mp4'))
    again.write()
    assert not osp.exists(osp.join(out, 'annotations', 'videos_val.json'))
    assert [v['id'] for v in _videos(out)] == ['t0']


def test_a_damaged_record_is_named(tmp_path, capsys):
    root = _vox_root(str(tmp_path / 'a'), 'id00001')
    out = tmp_path / 'out'
    os.makedirs(out / 'annotations')
    (out / RECORD).write_text('{not json')
    status, err = _convert('voxceleb2', [root, '--out', out], capsys)
    assert_one_line(status, err, 'voxceleb2.py', str(out / RECORD), 'cannot be read')


def test_voxceleb2_drops_the_shard_of_an_identity_gone_from_the_root(tmp_path, capsys):
    import shutil
    root = _vox_root(str(tmp_path / 'a'), 'id00001')
    _vox_root(root, 'id00002')
    out = str(tmp_path / 'out')
    assert _convert('voxceleb2', [root, '--out', out, '--val-fraction', '0'], capsys)[0] == 0
    assert {v['identity'] for v in _videos(out)} == {'id00001', 'id00002'}
    shutil.rmtree(osp.join(root, 'dev', 'mp4', 'id00002'))
    assert _convert('voxceleb2', [root, '--out', out, '--val-fraction', '0'], capsys)[0] == 0
    assert {v['identity'] for v in _videos(out)} == {'id00001'}


def test_a_file_name_that_is_not_utf8_is_refused_at_conversion(tmp_path, capsys):
    root = tmp_path / 'clips'
    write_mp4(str(root / 'cafe.mp4'), 12)
    # Latin-1 bytes, not UTF-8 (renamed: OpenCV's writer crashes on such a name)
    os.rename(bytes(root / 'cafe.mp4'), bytes(root) + b'/caf\xe9.mp4')
    out = tmp_path / 'out'
    status, err = _convert('video_folder', [root, '--out', out, '--detector', 'none'], capsys)
    assert_one_line(status, err, 'video_folder.py', "caf\\xe9.mp4", 'not UTF-8')
    assert not (out / 'annotations' / 'videos_train.json').exists()


@pytest.mark.parametrize('name, text_file, extra', [
    ('300w', 'afw/a.pts', ['afw/a.jpg']),
    ('mafl', 'MAFL/training.txt', ['MAFL/testing.txt']),
    ('aflw', 'aflw_train_images.txt', []),
])
def test_a_text_file_that_is_not_utf8_is_named(name, text_file, extra, tmp_path, capsys):
    import cv2
    import numpy as np
    root = tmp_path / 'root'
    path = root / text_file
    path.parent.mkdir(parents=True)
    path.write_bytes(b'\xff\xfe\x80 not text')
    for other in extra:
        (root / other).parent.mkdir(parents=True, exist_ok=True)
        if other.endswith('.jpg'):
            cv2.imwrite(str(root / other), np.zeros((8, 8, 3), np.uint8))
        else:
            (root / other).write_bytes(b'\xff')
    status, err = _convert(name, [root, '--out', tmp_path / 'out'], capsys)
    assert_one_line(status, err, f'{name}.py', f'{path}: is not UTF-8 text')
