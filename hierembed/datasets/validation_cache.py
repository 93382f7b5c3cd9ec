"""The start-up check of a video collection, done once and shared by every rank and run.

:class:`VideoPairDataset` opens every video at start and decodes its first and last frames
(:func:`~hierembed.datasets.video_io.probe`): exact frame counts, and files cut short are found
before training. On a million clips that is hours, and every rank of a multi-GPU run did it
again. :class:`ProbeCache` keeps the answers next to the annotation file::

    <annotations folder>/.<annotation file name>.probe_cache.json

one entry per video path, valid while the file's size and modification time (nanoseconds) are
the ones recorded. Failures are kept too (a broken file is not reopened until it changes). The
ranks share it through an exclusive file lock: the first rank to take it probes what is missing
and writes the file atomically (temporary file + ``os.replace``); the others wait for the lock,
not in a collective, so the NCCL timeout does not run while they wait, and then only
``stat`` their videos. A folder of frames is keyed by the folder's own size and time, which
change when frames are added or removed, not when one is rewritten in place.

A folder where the cache cannot be written (read-only data) is probed without it, with one
warning.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log

from hierembed.engine.checkpoint import atomic_write_bytes
from hierembed.utils.file_lock import exclusive_lock
from .video_io import VideoDecodeError, probe

__all__ = ['ProbeCache', 'probe_cache_path']

CACHE_VERSION = 1
# Waiting for another rank to probe a large collection is normal: a day, not minutes.
LOCK_TIMEOUT_S = 24 * 3600


def probe_cache_path(ann_file: str) -> str:
    """Where the probe results of the videos of ``ann_file`` are kept."""
    folder, name = osp.split(osp.abspath(ann_file))
    return osp.join(folder, f'.{name}.probe_cache.json')


class ProbeCache:
    """:func:`probe` with answers kept on disk, for the ``with`` block.

    Args:
        ann_file: the annotation file; the cache lives beside it.
        enabled: False: probe every video, read and write nothing.

    Example::

        with ProbeCache(ann_file) as probes:
            num_frames, height, width = probes.probe(path)
    """

    def __init__(self, ann_file: str, enabled: bool = True) -> None:
        self.path = probe_cache_path(ann_file)
        self.enabled = enabled
        self.hits = self.misses = 0
        self._old: Dict[str, List] = {}
        self._new: Dict[str, List] = {}
        self._lock = None

    def __enter__(self) -> 'ProbeCache':
        if not self.enabled:
            return self
        try:
            self._lock = exclusive_lock(self.path + '.lock', LOCK_TIMEOUT_S,
                                        f'probe the videos listed beside {self.path}')
            self._lock.__enter__()
        except OSError as e:
            print_log(f'{self.path}: cannot keep the probe cache there ({e}); every video is '
                      'probed at each start', logger='current', level=30)
            self.enabled, self._lock = False, None
            return self
        self._old = self._read()
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is None:
            return
        try:
            # A check stopped by an error keeps what it learnt (the failure too) and forgets
            # nothing; a complete one keeps exactly the videos it was asked about.
            videos = self._new if exc[0] is None else {**self._old, **self._new}
            if self.misses or set(self._old) - set(videos):
                data = dict(version=CACHE_VERSION, videos=videos)
                atomic_write_bytes(json.dumps(data, separators=(',', ':')).encode(), self.path)
        finally:
            self._lock.__exit__(*exc)
            self._lock = None

    def _read(self) -> Dict[str, List]:
        try:
            with open(self.path) as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            print_log(f'{self.path}: unreadable probe cache ({e}); probing again',
                      logger='current', level=30)
            return {}
        if not isinstance(data, dict) or data.get('version') != CACHE_VERSION \
                or not isinstance(data.get('videos'), dict):
            return {}
        return data['videos']

    def probe(self, path: str) -> Tuple[int, int, int]:
        """``(num_frames, H, W)`` of a video or folder of frames, from the cache if still valid.

        Raises:
            VideoDecodeError: the video cannot be read (now, or when it was probed with the
                same size and time).
        """
        if not self.enabled:
            return probe(path)
        key = _file_key(path)
        entry = self._old.get(path)
        if key is not None and entry is not None and entry[:2] == key:
            self.hits += 1
        else:
            self.misses += 1
            try:
                entry = key + list(probe(path)) if key is not None else None
            except VideoDecodeError as e:
                entry = key + [str(e)]
            if entry is None:  # no such file: nothing to key on, nothing kept
                return probe(path)
        self._new[path] = entry
        if len(entry) == 3:
            raise VideoDecodeError(entry[2])
        return int(entry[2]), int(entry[3]), int(entry[4])


def _file_key(path: str) -> Optional[List[int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]
