"""Damaged image files in a frame folder (training) and in a keypoint set (probe): OpenCV decodes
a truncated JPEG as a grey-filled image and says so only on stderr; each is refused here with the
file named (docs/reliability.md)."""
import os.path as osp

import cv2
import numpy as np
import pytest

from hierembed.datasets import KeypointDataset
from hierembed.datasets.converters import ConvertedDataset
from hierembed.datasets.video_io import FolderReader, VideoDecodeError, read_image


def _image(seed=0, size=48):
    return (np.random.default_rng(seed).random((size, size, 3)) * 255).astype(np.uint8)


def _write(path, seed=0):
    assert cv2.imwrite(str(path), _image(seed))
    return str(path)


def _cut(fraction):
    def damage(path):
        data = open(path, 'rb').read()
        open(path, 'wb').write(data[:int(len(data) * fraction)])
    return damage


def _replace(content):
    def damage(path):
        open(path, 'wb').write(content)
    return damage


DAMAGES = [
    ('jpg', _cut(0.5), 'truncated JPEG'),
    ('jpg', _cut(0.9), 'truncated JPEG'),
    ('jpg', _cut(0.995), 'truncated JPEG'),
    ('jpg', _cut(0.01), 'truncated JPEG'),
    ('png', _cut(0.5), 'truncated PNG'),
    ('png', _cut(0.98), 'truncated PNG'),
    ('jpg', _replace(b''), 'cannot decode'),
    ('jpg', _replace(b'this is text, not an image\n'), 'cannot decode'),
    ('png', _replace(b'\x89PNG\r\n\x1a\n' + b'\x00' * 40 + b'IEND'), 'cannot decode'),
]
IDS = ['jpg-half', 'jpg-90', 'jpg-99.5', 'jpg-header', 'png-half', 'png-98', 'empty', 'text',
       'png-no-data']


@pytest.mark.parametrize('ext, damage, what', DAMAGES, ids=IDS)
def test_a_damaged_frame_is_named(tmp_path, ext, damage, what):
    folder = tmp_path / 'clip'
    folder.mkdir()
    paths = [_write(folder / f'{i:03d}.{ext}', i) for i in range(3)]
    damage(paths[1])
    reader = FolderReader(str(folder))
    assert reader.get([0, 2]).shape == (2, 48, 48, 3)
    with pytest.raises(VideoDecodeError) as err:
        reader.get([0, 1])
    assert str(err.value).startswith(paths[1]) and what in str(err.value)
    assert f'frame 1 of {folder}' in str(err.value)


@pytest.mark.parametrize('ext', ['jpg', 'png'])
def test_whole_images_still_read(tmp_path, ext):
    path = _write(tmp_path / f'a.{ext}')
    img = read_image(path)
    if ext == 'png':
        np.testing.assert_array_equal(img, _image())
    assert img.shape == (48, 48, 3)


def test_a_jpeg_with_a_trailer_after_its_end_marker_reads(tmp_path):
    path = _write(tmp_path / 'a.jpg')
    with open(path, 'ab') as f:
        f.write(b'\x00' * 16)  # padding some cameras write
    assert read_image(path).shape == (48, 48, 3)


@pytest.mark.parametrize('ext, damage, what', DAMAGES[:5], ids=IDS[:5])
def test_a_damaged_image_of_a_keypoint_set_is_named(tmp_path, ext, damage, what):
    out = str(tmp_path / 'set')
    ds = ConvertedDataset(out, dict(object_class='x', source='test', version=1), ['a', 'b'], 'x')
    for i in range(2):
        path = _write(tmp_path / f'img{i}.{ext}', i)
        ds.add_instance('train', path, 48, 48, np.array([[10, 10, 2], [30, 30, 2]], float))
    ds.write()
    dataset = KeypointDataset(out, split='train', input_size=32)
    assert dataset[0]['img'].shape == (3, 32, 32)
    damage(str(tmp_path / f'img1.{ext}'))
    with pytest.raises(VideoDecodeError) as err:
        dataset[1]
    msg = str(err.value)
    assert osp.join(out, 'annotations', 'keypoints_train.json') in msg
    assert f'img1.{ext}' in msg and what in msg
