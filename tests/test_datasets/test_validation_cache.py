"""ProbeCache: one probe per video, shared by processes, stale when the file changes."""
import json
import multiprocessing as mp
import os
import os.path as osp

import pytest
from dataset_media import counter_frames, write_mp4, write_videos_json

from hierembed.datasets import VideoDecodeError, VideoPairDataset, validation_cache
from hierembed.datasets.validation_cache import ProbeCache, probe_cache_path


@pytest.fixture
def probes(monkeypatch):
    """The paths that the real probe is called on."""
    calls = []
    real = validation_cache.probe

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(validation_cache, 'probe', counting)
    return calls


def _dataset(root, **kw):
    return VideoPairDataset(root, jitter=None, input_size=32, **kw)


def test_second_start_probes_nothing_and_builds_the_same_dataset(counter_root, probes):
    first = _dataset(counter_root)
    assert len(probes) == 2
    cache = probe_cache_path(first.ann_file)
    assert osp.dirname(cache) == osp.join(counter_root, 'annotations')
    with open(cache) as f:
        stored = json.load(f)['videos']
    path = osp.join(counter_root, 'videos/v0.mp4')
    assert stored[path] == [os.stat(path).st_size, os.stat(path).st_mtime_ns, 40, 64, 64]
    second = _dataset(counter_root)
    assert len(probes) == 2  # nothing probed again
    assert second.videos == first.videos
    assert [[t.frames.tolist() for t in ts] for ts in second.tracks] == \
        [[t.frames.tolist() for t in ts] for ts in first.tracks]


def test_a_changed_video_is_probed_again(counter_root, probes):
    _dataset(counter_root)
    path = write_mp4(osp.join(counter_root, 'videos', 'v1.mp4'), counter_frames(30))
    os.utime(path, ns=(1, 1))  # a different time even on a coarse clock
    ds = _dataset(counter_root)
    assert probes[2:] == [path]
    assert ds.videos[1]['num_frames'] == 30


def test_a_broken_video_is_remembered_until_it_changes(counter_root, probes):
    path = osp.join(counter_root, 'videos', 'v1.mp4')
    with open(path, 'r+b') as f:
        f.truncate(300)
    for _ in range(2):
        with pytest.raises(Exception, match='v1') as err:
            _dataset(counter_root)
    assert probes.count(path) == 1
    ds = _dataset(counter_root, skip_invalid=True)  # the cached failure is skipped as before
    assert ds.num_skipped == 1 and probes.count(path) == 1
    write_mp4(path, counter_frames(40))
    os.utime(path, ns=(2, 2))
    assert len(_dataset(counter_root).videos) == 2 and probes.count(path) == 2
    del err


def test_missing_file_is_not_cached(tmp_path, probes):
    ann = write_videos_json(str(tmp_path), [])
    with ProbeCache(ann) as cache:
        with pytest.raises(VideoDecodeError, match='no such file'):
            cache.probe(str(tmp_path / 'nothing.mp4'))
    with open(probe_cache_path(ann)) as f:
        assert json.load(f)['videos'] == {}


def test_disabled_cache_reads_and_writes_nothing(counter_root, probes):
    ann = osp.join(counter_root, 'annotations', 'videos_train.json')
    with ProbeCache(ann, enabled=False) as cache:
        cache.probe(osp.join(counter_root, 'videos', 'v0.mp4'))
    assert len(probes) == 1 and not osp.exists(probe_cache_path(ann))


def _probe_all(ann, paths, queue):
    with ProbeCache(ann) as cache:
        for p in paths:
            cache.probe(p)
    queue.put(cache.misses)


def test_concurrent_processes_probe_each_video_once(tmp_path):
    root = str(tmp_path)
    paths = [write_mp4(osp.join(root, 'videos', f'v{i}.mp4'), counter_frames(4, 16))
             for i in range(4)]
    ann = write_videos_json(root, [])
    ctx = mp.get_context('fork')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_probe_all, args=(ann, paths, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert sorted(queue.get(timeout=5) for _ in procs) == [0, 0, 4]
