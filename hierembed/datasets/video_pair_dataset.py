"""Pairs of frames of one track for the self-supervised proxy task (docs/method.md)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.logging import print_log
from torch.utils.data import Dataset

from hierembed.registry import DATASETS, TRANSFORMS
from .transforms import (AlbuJitter, CropToBox, inside_frame_box, is_whole_frame, smoothed_box,
                         union_box)
from .validation import Issues, box_problem, fatal, finite_numbers, is_number, load_json, progress
from .validation_cache import ProbeCache
from .video_io import ReaderCache, VideoDecodeError


class _Track:
    """Frame indices [F] (sorted) and boxes [F, 4] (x, y, w, h) of one track."""
    __slots__ = ('video', 'track_id', 'frames', 'boxes', 'anchors')

    def __init__(self, video: int, track_id: int, frames: np.ndarray, boxes: np.ndarray):
        self.video, self.track_id, self.frames, self.boxes = video, track_id, frames, boxes
        self.anchors = np.arange(len(frames))

    def set_gap(self, max_gap: Optional[int]) -> int:
        """Keep as anchors the frames with another frame within ``max_gap``; return how many."""
        if max_gap is not None:
            d = np.diff(self.frames)
            near = np.zeros(len(self.frames), bool)
            near[1:] |= d <= max_gap
            near[:-1] |= d <= max_gap
            self.anchors = np.nonzero(near)[0]
        return len(self.anchors)


def _build_jitter(jitter):
    if jitter is None or jitter is False:
        return []
    if isinstance(jitter, dict) and 'type' not in jitter:
        return [AlbuJitter(**jitter)]
    cfgs = [jitter] if isinstance(jitter, dict) else list(jitter)
    return [TRANSFORMS.build(c) if isinstance(c, dict) else c for c in cfgs]


@DATASETS.register_module()
class VideoPairDataset(Dataset):
    """Two frames of one track, each cropped to its box and jittered on its own.

    An epoch is ``pairs_per_video`` pairs from every video: ``len = num_videos *
    pairs_per_video``, and index ``i`` draws from video ``(i % len) // pairs_per_video``. A
    pair is a pure function of ``(seed, i)``: frames, track and jitter come from a generator
    seeded with ``[seed, i // len, i % len]``, so results do not depend on the number of
    workers, and indices ``i >= len`` (given by :class:`InfinitePairSampler` and
    :class:`DefaultPairSampler`) draw fresh pairs from the same videos in later passes.
    mmengine's ``DefaultSampler`` and ``InfiniteSampler`` shard it as they shard any dataset
    (each pass then repeats the same pairs).

    Args:
        data_root: folder that holds ``annotations/``; relative paths in the file start here.
        split: ``'train'``, ``'val'`` or ``'test'``.
        ann_file: default ``annotations/videos_{split}.json`` (relative to ``data_root``).
        input_size: S, the side of the square crops.
        max_gap: the largest frame distance between the two frames; ``None``: the whole track.
        pairs_per_video: pairs per video per epoch.
        crop_margin: side of the square crop over the box's longer side.
        crop: ``'frame'``: each frame is cropped around its own box (the crop follows the
            figure); ``'track'``: every frame of a track around the union of the track's boxes
            (one still crop per track, as BBC Pose crops a fixed region per video);
            ``'smooth'``: each frame around the mean of its track's boxes over
            ``crop_window`` frames centred on it (the crop follows the figure, not each swing
            of a limb).
        crop_window: the window of ``crop='smooth'``, in frames (odd, at least 1).
        whole_frame: how a whole frame (a video without tracks, or a box that is the whole
            frame, as ``video_folder.py --detector none`` writes) is cropped: ``'inside'`` (the
            largest centred square inside the frame, no border: a 16:9 frame keeps its centre)
            or ``'pad'`` (the square of the longer side x ``crop_margin``, the border repeated:
            a 16:9 frame fills about half of the crop).
        jitter: per-frame jitter for the encoder's inputs: a dict of magnitudes for
            :class:`AlbuJitter` (``rotate``, ``scale``, ``translate``, ``color``), a transform
            config or list of them (built from ``TRANSFORMS``), or ``None`` for none.
        skip_invalid: skip (count and log) bad videos, tracks and boxes instead of raising.
        procedural: ``dict(object_class=..., num_videos=..., num_frames=..., size=..., seed=...)``:
            generate that class into ``data_root`` first if ``data_root/annotations`` is missing.
        seed: the seed of pair sampling and jitter.
        backend: how video files are decoded: ``'opencv'`` (the default: OpenCV, seeking to
            the key frame before each frame, decoding in the calling thread), ``'decord'``
            (decord's random access by frame index; 2-8x slower in this pipeline here, see
            docs/data.md) or ``'sequential'`` (OpenCV decoding forward from the start; for
            comparison). Folders of frames are read with OpenCV whatever the backend.
            Validation always probes with decord (exact frame counts).
        max_open_readers: open video readers kept per worker.
        video_ids: train on these videos of the file only (by ``id``; ``None``: all of
            them), for example a curve over the number of training people. An id the file
            does not list is an error naming the file.

    Returns (``__getitem__``):
        ``dict(inputs=dict(source, target, source_clean, target_clean), data_samples=dict(
        video_id=str, track_id=int, frame_source=int, frame_target=int))`` with uint8 tensors
        [3, S, S] (RGB).
    """

    CROP_MODES = ('frame', 'track', 'smooth')

    def __init__(self, data_root: str, split: str = 'train', ann_file: Optional[str] = None,
                 input_size: int = 64, max_gap: Optional[int] = 50, pairs_per_video: int = 10,
                 crop_margin: float = 1.2, crop: str = 'frame', crop_window: int = 9,
                 whole_frame: str = 'inside',
                 jitter: Union[Dict, Sequence, None] = dict(rotate=15, scale=0.1, translate=0.05,
                                                            color=0.2),
                 skip_invalid: bool = False, procedural: Optional[Dict] = None, seed: int = 0,
                 backend: str = 'opencv', max_open_readers: int = 64,
                 video_ids: Optional[Sequence[str]] = None):
        super().__init__()
        self.data_root = data_root
        self.split = split
        if procedural:
            from .procedural import ensure_procedural
            ensure_procedural(data_root, **procedural)
        ann_file = ann_file or osp.join('annotations', f'videos_{split}.json')
        self.ann_file = ann_file if osp.isabs(ann_file) else osp.join(data_root, ann_file)
        if max_gap is not None and (not isinstance(max_gap, int) or max_gap < 1):
            raise ValueError(f'max_gap must be a positive int or None, got {max_gap!r}')
        if pairs_per_video < 1:
            raise ValueError(f'pairs_per_video must be at least 1, got {pairs_per_video}')
        self.input_size = int(input_size)
        self.max_gap = max_gap
        self.pairs_per_video = int(pairs_per_video)
        self.seed = int(seed)
        self.skip_invalid = skip_invalid
        if crop not in self.CROP_MODES:
            raise ValueError(f"crop must be 'frame', 'track' or 'smooth', got {crop!r}")
        if not isinstance(crop_window, int) or crop_window < 1 or crop_window % 2 == 0:
            raise ValueError(f'crop_window must be an odd positive int, got {crop_window!r}')
        self.crop_mode = crop
        self.crop_window = crop_window
        if whole_frame not in ('inside', 'pad'):
            raise ValueError(f"whole_frame must be 'inside' or 'pad', got {whole_frame!r}")
        self.whole_frame = whole_frame
        self.crop = CropToBox(self.input_size, crop_margin)
        self.jitter = _build_jitter(jitter)
        self.readers = ReaderCache(max_open_readers, backend)
        if video_ids is not None and (isinstance(video_ids, str) or not video_ids):
            raise ValueError(f'video_ids must be a non-empty list of ids or None, got {video_ids!r}')
        self.video_ids = None if video_ids is None else set(video_ids)
        self.metainfo: Dict = {}
        self.videos: List[Dict] = []
        self.tracks: List[List[_Track]] = []
        self.num_skipped = 0
        # Probed once per collection, shared by ranks and runs (validation_cache.py).
        with ProbeCache(self.ann_file) as self._probes:
            self._load()
        del self._probes

    # ----------------------------------------------------------------------------- loading
    def _load(self) -> None:
        data = load_json(self.ann_file)
        f = self.ann_file
        if not isinstance(data, dict):
            raise fatal(f, '(top level)', f'expected a JSON object, got {type(data).__name__}')
        if 'videos' not in data:
            raise fatal(f, 'videos', 'missing (see docs/data.md, "The two formats")')
        if not isinstance(data['videos'], list):
            raise fatal(f, 'videos', f'expected a list, got {type(data["videos"]).__name__}')
        meta = data.get('metainfo', {})
        if not isinstance(meta, dict):
            raise fatal(f, 'metainfo', f'expected an object, got {type(meta).__name__}')
        self.metainfo = dict(meta)
        issues = Issues(f, self.skip_invalid)
        seen_ids, seen_files = set(), {}
        entries = data['videos']
        if self.video_ids is not None:
            listed = {v.get('id') for v in entries if isinstance(v, dict)}
            missing = sorted(self.video_ids - listed)
            if missing:
                raise fatal(f, 'videos', f'no video with id {", ".join(map(repr, missing))} '
                            '(named by the dataset\'s video_ids)')
        for i, v in progress(enumerate(entries), len(entries), f'checking {osp.basename(f)}'):
            if self.video_ids is not None and (not isinstance(v, dict)
                                               or v.get('id') not in self.video_ids):
                continue  # not chosen (an index keeps naming the file's entry)
            video = self._check_video(i, v, issues, seen_ids)
            if video is None:
                continue
            tracks = self._check_tracks(i, v, video, issues)
            if not tracks:
                issues.add(f'videos[{i}].tracks', 'no track with two or more usable frames: '
                           'a pair needs two')
                continue
            first = seen_files.setdefault(osp.realpath(video['path']), (i, video['id']))
            if first[0] != i:
                issues.add(f'videos[{i}] (id {video["id"]!r}).path', f'{video["path"]} is also '
                           f'videos[{first[0]}] (id {first[1]!r}): a video listed twice is '
                           'sampled twice as often (give one entry several tracks instead)')
                continue
            video_index = len(self.videos)
            for t in tracks:
                t.video = video_index
            self.videos.append(video)
            self.tracks.append(tracks)
        self.num_skipped = len(issues.items)
        issues.report('videos', len(self.videos))
        if not self.videos:
            raise fatal(f, 'videos', 'no usable video (nothing to sample pairs from)')
        # Tracks are drawn in proportion to their length: every anchor frame equally likely.
        self._track_p = [np.array([len(t.anchors) for t in ts], np.float64) for ts in self.tracks]
        self._track_p = [p / p.sum() for p in self._track_p]

    def _check_video(self, i: int, v, issues: Issues, seen_ids: set) -> Optional[Dict]:
        where = f'videos[{i}]'
        if not isinstance(v, dict):
            issues.add(where, f'expected an object, got {type(v).__name__}')
            return None
        for key, typ in (('id', str), ('path', str)):
            if not isinstance(v.get(key), typ):
                issues.add(f'{where}.{key}', 'missing' if key not in v else
                           f'expected a string, got {type(v[key]).__name__}')
                return None
        where = f'videos[{i}] (id {v["id"]!r})'
        if v['id'] in seen_ids:
            issues.add(f'{where}.id', 'duplicate id')
            return None
        seen_ids.add(v['id'])
        path = v['path'] if osp.isabs(v['path']) else osp.join(self.data_root, v['path'])
        try:
            n, h, w = self._probes.probe(path)
        except VideoDecodeError as e:
            issues.add(f'{where}.path', str(e))
            return None
        declared = v.get('num_frames')
        if declared is not None:
            if not is_number(declared) or int(declared) != declared:
                issues.add(f'{where}.num_frames', f'expected an integer, got {declared!r}')
                return None
            if int(declared) != n:
                issues.add(f'{where}.num_frames', f'declares {declared} frames but {path} '
                           f'decodes to {n}')
                return None
        if n < 2:
            issues.add(f'{where}.path', f'{path} has {n} frame; a pair needs two')
            return None
        return dict(id=v['id'], path=path, num_frames=n, height=h, width=w,
                    identity=v.get('identity'))

    def _whole_frame_box(self, width: int, height: int) -> np.ndarray:
        if self.whole_frame == 'pad':
            return np.array([0.0, 0.0, width, height])
        return inside_frame_box(width, height, self.crop.margin)

    def _check_tracks(self, i: int, v: Dict, video: Dict, issues: Issues) -> List[_Track]:
        where = f'videos[{i}] (id {video["id"]!r}).tracks'
        n, h, w = video['num_frames'], video['height'], video['width']
        if 'tracks' not in v or v['tracks'] is None:
            frames = np.arange(n)
            boxes = np.tile(self._whole_frame_box(w, h), (n, 1))
            return [_Track(-1, 0, frames, boxes)]  # consecutive frames: every gap is 1
        if not isinstance(v['tracks'], list):
            issues.add(where, f'expected a list, got {type(v["tracks"]).__name__}')
            return []
        tracks = []
        for j, t in enumerate(v['tracks']):
            tw = f'{where}[{j}]'
            if not isinstance(t, dict) or not isinstance(t.get('boxes'), dict):
                issues.add(f'{tw}.boxes', 'missing, or not an object {frame: [x, y, w, h]}')
                continue
            track_id = t.get('id', j)
            if not is_number(track_id):
                issues.add(f'{tw}.id', f'expected an integer, got {track_id!r}')
                continue
            frames, boxes, seen = [], [], set()
            for key, box in t['boxes'].items():
                bw = f'{tw}.boxes[{key!r}]'
                try:
                    fi = int(key)
                except ValueError:
                    issues.add(bw, 'frame key is not an integer')
                    continue
                if fi in seen:
                    issues.add(bw, f'frame {fi} appears twice')
                    continue
                seen.add(fi)
                if not 0 <= fi < n:
                    issues.add(bw, f'frame {fi} is outside the video (it has {n} frames: the '
                               'video is shorter than its annotation)')
                    continue
                if not finite_numbers(box, 4):
                    issues.add(bw, f'expected 4 finite numbers [x, y, w, h], got {box!r}')
                    continue
                problem = box_problem(box, w, h, 'frame')
                if problem:
                    issues.add(bw, f'box {problem}')
                    continue
                frames.append(fi)
                boxes.append(self._whole_frame_box(w, h) if is_whole_frame(box, w, h) else box)
            if len(frames) < 2:
                issues.add(tw, f'{len(frames)} usable frame(s); a pair needs two')
                continue
            order = np.argsort(frames)
            track = _Track(-1, int(track_id), np.asarray(frames)[order],
                           np.asarray(boxes, np.float64)[order])
            if track.set_gap(self.max_gap) == 0:
                issues.add(tw, f'no two frames are within max_gap={self.max_gap} of each other')
                continue
            tracks.append(track)
        return tracks

    # ---------------------------------------------------------------------------- sampling
    def __len__(self) -> int:
        return len(self.videos) * self.pairs_per_video

    def _rng(self, index: int) -> np.random.Generator:
        n = len(self)
        return np.random.default_rng([self.seed, index // n, index % n])

    def sample_pair(self, index: int):
        """The (track, source position, target position) that index ``index`` draws.

        Positions index ``track.frames``. Pure in ``(seed, index)``.
        """
        if index < 0:
            raise IndexError(f'index {index} < 0')
        rng = self._rng(index)
        video = (index % len(self)) // self.pairs_per_video
        tracks = self.tracks[video]
        track = tracks[int(rng.choice(len(tracks), p=self._track_p[video]))]
        frames = track.frames
        a = int(track.anchors[rng.integers(len(track.anchors))])
        if self.max_gap is None:
            lo, hi = 0, len(frames)
        else:
            lo = int(np.searchsorted(frames, frames[a] - self.max_gap, 'left'))
            hi = int(np.searchsorted(frames, frames[a] + self.max_gap, 'right'))
        # Any other frame within the gap (an anchor has at least one).
        b = int(rng.integers(lo, hi - 1))
        b = b + 1 if b >= a else b
        if rng.random() < 0.5:
            a, b = b, a
        return track, a, b, rng

    def crop_box(self, track: _Track, pos: int) -> np.ndarray:
        """The box [4] (x, y, w, h) that frame ``track.frames[pos]`` is cropped around."""
        if self.crop_mode == 'track':
            return union_box(track.boxes)
        if self.crop_mode == 'smooth':
            return smoothed_box(track.boxes, track.frames, pos, self.crop_window)
        return track.boxes[pos]

    def __getitem__(self, index: int) -> Dict:
        index = int(index)
        for attempt in range(min(len(self.videos), 8)):
            track, a, b, rng = self.sample_pair(index)
            video = self.videos[track.video]
            fa, fb = int(track.frames[a]), int(track.frames[b])
            try:
                frames = self.readers.get(video['path']).get([fa, fb])
                break
            except VideoDecodeError as e:
                self.readers.drop(video['path'])
                if not self.skip_invalid:
                    raise VideoDecodeError(f'{self.ann_file}: video {video["id"]!r}: {e}') \
                        from None
                # Broken past what validation decodes: log it and draw from the next video.
                self.num_skipped += 1
                print_log(f'{self.ann_file}: video {video["id"]!r}: {e}; drawing from the next '
                          'video instead', logger='current', level=30)
                index += self.pairs_per_video
        else:
            raise VideoDecodeError(f'{self.ann_file}: {attempt + 1} videos in a row failed to '
                                   'decode; giving up')
        out = {}
        for name, img, box in (('source', frames[0], self.crop_box(track, a)),
                               ('target', frames[1], self.crop_box(track, b))):
            clean = self.crop(dict(img=img, bbox=box))['img']
            res = dict(img=clean, rng=rng)
            for t in self.jitter:
                res = t(res)
            out[name] = _chw(res['img'])
            out[f'{name}_clean'] = _chw(clean)
        return dict(inputs=out, data_samples=dict(video_id=video['id'], track_id=track.track_id,
                                                  frame_source=fa, frame_target=fb))


def _chw(img: np.ndarray) -> torch.Tensor:
    """[H, W, 3] uint8 -> [3, H, W] uint8 tensor."""
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
