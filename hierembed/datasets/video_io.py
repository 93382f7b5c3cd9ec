"""Frame readers for videos and folders of frames, with a per-process cache of open readers.

Readers are opened lazily in the process that uses them and the cache is keyed by process id, so
a DataLoader worker -- forked or spawned -- never uses a decoder that its parent opened. Nor may
a forked worker *destroy* one: freeing an FFmpeg context (decord's or OpenCV's) joins decoder
threads that do not exist in the child, and hangs it. So every reader alive at ``fork`` is parked
in the child (a strong reference for the life of the process; workers leave with ``os._exit``),
wherever it was held -- a dataset's cache, or garbage of an earlier dataset that the child's
garbage collector would otherwise free.
"""
import glob
import os
import os.path as osp
import re
import warnings
import weakref
from collections import OrderedDict
from typing import Iterator, Sequence, Tuple

import cv2
import numpy as np

from hierembed.errors import HierembedError

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
BACKENDS = ('decord', 'opencv', 'sequential')
_LIVE = weakref.WeakSet()  # every open video reader of this process
_INHERITED = []  # in a forked child: the parent's readers, kept alive, never used


def _park_inherited_readers() -> None:
    _INHERITED.extend(list(_LIVE))


os.register_at_fork(after_in_child=_park_inherited_readers)


class VideoDecodeError(HierembedError, RuntimeError):
    """A video or frame could not be read; the message names the file and the frame."""


class DecordReader:
    """Random access into a video file with decord (``get_batch`` on sorted indices)."""

    def __init__(self, path: str):
        import decord
        self.path = path
        _LIVE.add(self)
        try:
            # One decoding thread: the DataLoader's workers are the parallelism, and
            # decord's own thread pool would oversubscribe the cores.
            self._vr = decord.VideoReader(path, num_threads=1)
        except Exception as e:  # decord raises RuntimeError or its own DECORDError
            raise VideoDecodeError(f'{path}: cannot open video ({_short(e)})') from None
        self.num_frames = len(self._vr)
        # decord 0.6 returns a mis-strided buffer for some frame widths (48 px: [H, W, 4] from
        # a padded row, and get_batch fails): check one frame, let open_reader fall back.
        self.layout_ok = True
        if self.num_frames:
            try:
                shape = tuple(self._vr[0].shape)
                self._vr.seek(0)
            except Exception as e:
                raise VideoDecodeError(f'{path}: cannot decode frame 0 ({_short(e)})') from None
            self.layout_ok = len(shape) == 3 and shape[2] == 3

    def get(self, indices: Sequence[int]) -> np.ndarray:
        """Frames [K, H, W, 3] uint8 RGB, in the order of ``indices``."""
        indices = [int(i) for i in indices]
        order = sorted(set(indices))
        try:
            batch = self._vr.get_batch(order).asnumpy()
        except Exception as e:
            raise VideoDecodeError(f'{self.path}: cannot decode frames {order} '
                                   f'({_short(e)})') from None
        pos = {f: k for k, f in enumerate(order)}
        return batch[[pos[i] for i in indices]]


class SequentialReader:
    """Decodes forward with OpenCV; going back means reopening and decoding from the start.

    With ``seek=True`` (the ``'opencv'`` backend) it seeks instead when the next frame is behind
    or more than ``seek_ahead`` frames ahead: OpenCV's FFmpeg backend seeks to the previous key
    frame and decodes up to the one asked for (exact on the mp4v and H.264 files tested).
    """

    def __init__(self, path: str, seek: bool = False, seek_ahead: int = 16):
        self.path = path
        self.seek = seek
        self.seek_ahead = seek_ahead
        self._cap = None
        self._pos = 0
        _LIVE.add(self)
        self._open()
        self.num_frames = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))

    def _open(self):
        if self._cap is not None:
            self._cap.release()
        self._cap = cv2.VideoCapture(self.path)
        if not self._cap.isOpened():
            raise VideoDecodeError(f'{self.path}: cannot open video with OpenCV')
        self._pos = 0

    def get(self, indices: Sequence[int]) -> np.ndarray:
        out = {}
        for i in sorted(set(int(i) for i in indices)):
            if self.seek and (i < self._pos or i > self._pos + self.seek_ahead):
                if not self._cap.set(cv2.CAP_PROP_POS_FRAMES, i):
                    raise VideoDecodeError(f'{self.path}: cannot seek to frame {i}')
                self._pos = i
            elif i < self._pos:
                self._open()
            while self._pos < i:
                if not self._cap.grab():
                    raise VideoDecodeError(f'{self.path}: ends before frame {i}')
                self._pos += 1
            ok, frame = self._cap.read()
            if not ok:
                raise VideoDecodeError(f'{self.path}: cannot decode frame {i}')
            self._pos += 1
            out[i] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return np.stack([out[int(i)] for i in indices])


def read_image(path: str) -> np.ndarray:
    """Decode an image file whole, as OpenCV's BGR ``[H, W, 3]`` uint8.

    ``cv2.imread`` fills the missing part of a truncated JPEG with grey and only libjpeg's
    stderr line says so; a JPEG without its end-of-image marker and a PNG without its IEND chunk
    are refused here instead.

    Raises:
        VideoDecodeError: naming the file: unreadable, truncated or not an image.
    """
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as e:
        raise VideoDecodeError(f'{path}: cannot read the file ({e.strerror})') from None
    head = data[:8].tobytes()
    if head[:3] == b'\xff\xd8\xff':
        tail = data[-1024:].tobytes()
        # the end-of-image marker, perhaps followed by padding or a camera's trailer
        if not tail.rstrip(b'\x00').endswith(b'\xff\xd9') and b'\xff\xd9' not in tail[-64:]:
            raise VideoDecodeError(f'{path}: truncated JPEG (no end-of-image marker, '
                                   f'{data.size} bytes): copy or extract the file again')
    elif head == b'\x89PNG\r\n\x1a\n' and b'IEND' not in data[-16:].tobytes():
        raise VideoDecodeError(f'{path}: truncated PNG (no IEND chunk, {data.size} bytes): '
                               'copy or extract the file again')
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise VideoDecodeError(f'{path}: cannot decode the image ({data.size} bytes)')
    return img


def frame_sort_key(name: str) -> tuple:
    """Natural order of frame file names: digit runs compare as numbers (``2.jpg`` before
    ``10.jpg``; zero-padded names keep their order)."""
    return tuple((0, int(part), part) if part.isdigit() else (1, 0, part)
                 for part in re.split(r'(\d+)', osp.basename(name)) if part)


class FolderReader:
    """A folder of frames, in the natural order of their file names (:func:`frame_sort_key`)."""

    def __init__(self, path: str):
        self.path = path
        self.files = sorted((f for f in glob.glob(osp.join(path, '*'))
                             if f.lower().endswith(IMAGE_EXTS)), key=frame_sort_key)
        if not self.files:
            raise VideoDecodeError(f'{path}: folder holds no frames ({", ".join(IMAGE_EXTS)})')
        self.num_frames = len(self.files)

    def get(self, indices: Sequence[int]) -> np.ndarray:
        frames = []
        for i in indices:
            f = self.files[int(i)]
            try:
                img = read_image(f)
            except VideoDecodeError as e:
                raise VideoDecodeError(f'{e} (frame {int(i)} of {self.path})') from None
            frames.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
        return np.stack(frames)


def _short(e: Exception) -> str:
    msg = str(e).strip().splitlines()
    return (msg[-1] if msg else type(e).__name__)[-200:]


def open_reader(path: str, backend: str = 'decord'):
    """Open ``path`` (a video file or a folder of frames) without caching."""
    if osp.isdir(path):
        return FolderReader(path)
    if not osp.exists(path):
        raise VideoDecodeError(f'{path}: no such file or folder')
    if os.path.getsize(path) == 0:
        raise VideoDecodeError(f'{path}: empty file')
    if backend == 'decord':
        reader = DecordReader(path)
        if reader.layout_ok:
            return reader
        warnings.warn(f'{path}: decord decodes this frame size wrongly; reading it with OpenCV '
                      '(sequential decoding, slower)')
        return SequentialReader(path)
    if backend == 'opencv':
        return SequentialReader(path, seek=True)
    if backend == 'sequential':
        return SequentialReader(path)
    raise ValueError(f'unknown video backend {backend!r}; choose from {BACKENDS}')


class ReaderCache:
    """At most ``max_open`` open readers per process, least recently used closed first."""

    def __init__(self, max_open: int = 16, backend: str = 'decord'):
        self.max_open = max_open
        self.backend = backend
        self._pid = None
        self._readers = OrderedDict()

    def get(self, path: str):
        if self._pid != os.getpid():
            # A new process (a forked worker) must not use its parent's readers (the at-fork
            # hook has parked them, so forgetting them here does not destroy them).
            self._readers = OrderedDict()
            self._pid = os.getpid()
        reader = self._readers.pop(path, None)
        if reader is None:
            reader = open_reader(path, self.backend)
        self._readers[path] = reader
        while len(self._readers) > self.max_open:
            self._readers.popitem(last=False)
        return reader

    def drop(self, path: str) -> None:
        """Forget a reader (after a decoding error its state is not trusted)."""
        if self._pid == os.getpid():
            self._readers.pop(path, None)

    def __getstate__(self):
        # Workers started with spawn receive a pickled dataset: readers never travel.
        return dict(max_open=self.max_open, backend=self.backend, _pid=None,
                    _readers=OrderedDict())


def probe(path: str) -> Tuple[int, int, int]:
    """Open a video or folder, decode its first and last frames, return (num_frames, H, W).

    Decoding the last frame catches files cut short whose index still claims all frames.

    Raises:
        VideoDecodeError: naming the file.
    """
    reader = open_reader(path, 'decord')
    n = reader.num_frames
    if n < 1:
        raise VideoDecodeError(f'{path}: no frames')
    frames = reader.get([0, n - 1] if n > 1 else [0])
    h, w = frames.shape[1:3]
    return n, h, w


def iter_frames(path: str) -> Iterator[np.ndarray]:
    """Decode a video once, in order, with OpenCV: each frame as BGR uint8 [H, W, 3].

    For the converters, which read every frame once (detection, shot cuts); the dataset reads
    random frames through :func:`open_reader`.

    Raises:
        ValueError: OpenCV cannot open the file (the message names it).
    """
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ValueError(f'{path}: OpenCV cannot open this video')
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield frame
    finally:
        cap.release()
