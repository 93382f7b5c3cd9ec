import os
import os.path as osp

import cv2
import numpy as np
import pytest
from dataset_media import counter_frames, frame_index, write_mp4

from hierembed.datasets.video_io import (FolderReader, ReaderCache, VideoDecodeError, open_reader,
                                         probe)


def test_mp4_written_and_read_back(tmp_path):
    path = write_mp4(str(tmp_path / 'v.mp4'), counter_frames(30))
    n, h, w = probe(path)
    assert (n, h, w) == (30, 64, 64)
    reader = open_reader(path)
    frames = reader.get([17, 3, 17])
    assert frames.shape == (3, 64, 64, 3) and frames.dtype == np.uint8
    assert [frame_index(f) for f in frames] == [17, 3, 17]


@pytest.mark.parametrize('backend', ['decord', 'opencv', 'sequential'])
def test_every_backend_returns_the_frames_asked_for(tmp_path, backend):
    path = write_mp4(str(tmp_path / 'v.mp4'), counter_frames(40))
    reader = open_reader(path, backend)
    assert reader.num_frames == 40
    rng = np.random.default_rng(0)
    asks = [[5, 20], [2, 3], [39, 0], [30, 12]] + [rng.integers(0, 40, 2).tolist()
                                                   for _ in range(12)]
    for idx in asks:  # forwards, backwards, far and near
        assert [frame_index(f) for f in reader.get(idx)] == idx


def test_folder_of_frames(tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t, f in enumerate(counter_frames(5)):
        cv2.imwrite(str(folder / f'{t + 1:06d}.png'), f)
    reader = FolderReader(str(folder))
    assert reader.num_frames == 5
    assert [frame_index(f) for f in reader.get([4, 0])] == [4, 0]


def test_cache_forgets_readers_in_a_new_process(tmp_path, monkeypatch):
    path = write_mp4(str(tmp_path / 'v.mp4'), counter_frames(10))
    cache = ReaderCache(max_open=1)
    first = cache.get(path)
    assert cache.get(path) is first
    monkeypatch.setattr(os, 'getpid', lambda: -1)  # as seen from a forked worker
    assert cache.get(path) is not first


def test_cache_is_bounded(tmp_path):
    paths = [write_mp4(str(tmp_path / f'v{i}.mp4'), counter_frames(3)) for i in range(3)]
    cache = ReaderCache(max_open=2)
    for p in paths:
        cache.get(p)
    assert list(cache._readers) == paths[1:]


def test_missing_and_empty(tmp_path):
    with pytest.raises(VideoDecodeError, match='no such file'):
        open_reader(str(tmp_path / 'nope.mp4'))
    empty = tmp_path / 'empty.mp4'
    empty.write_bytes(b'')
    with pytest.raises(VideoDecodeError, match='empty file'):
        probe(str(empty))
    assert osp.exists(str(empty))


def test_frame_width_that_decord_misreads_falls_back(tmp_path):
    # decord 0.6 returns 48-px-wide frames as [H, W, 4] from a padded row buffer.
    path = write_mp4(str(tmp_path / 'v48.mp4'), counter_frames(8, size=48))
    with pytest.warns(UserWarning, match='decord decodes this frame size wrongly'):
        reader = open_reader(path)
    frames = reader.get([6, 2])
    assert frames.shape == (2, 48, 48, 3)
    assert [frame_index(f) for f in frames] == [6, 2]
