"""Embed a keypoint set once per encoder, with an on-disk cache that cannot go stale.

A cache entry is named by a hash of what produced it: the encoder's fingerprint (the bytes of
its checkpoint and its model config, or the seed and model config of a random initialisation)
and the data's fingerprint (the dataset config and the bytes of its annotation file). A changed
checkpoint, config or annotation file is a different name, so it is recomputed, never served
from an old entry.
"""
import hashlib
import json
import os
import os.path as osp
import tempfile
from dataclasses import dataclass, fields
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.utils.data import DataLoader

from hierembed.errors import CheckpointError

#: Bump when what is stored, or how images are fed to the encoder, changes.
CACHE_VERSION = 1

EmbedFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class ProbeTargets:
    """The ground truth of one split of a keypoint set, as the probe uses it.

    Attributes:
        keypoints: [N, K, 2] float32 (x, y) in crop pixels.
        keypoints_visible: [N, K] float32 COCO visibilities (0, 1, 2).
        norm: [N] float32 the protocol normaliser, crop pixels.
        bbox: [N, 4] float32 the instance boxes.
        image_id: [N] int64.
        id: [N] int64 annotation ids.
        input_size: S, the side of the crops.
    """
    keypoints: np.ndarray
    keypoints_visible: np.ndarray
    norm: np.ndarray
    bbox: np.ndarray
    image_id: np.ndarray
    id: np.ndarray
    input_size: int

    def __len__(self) -> int:
        return len(self.keypoints)

    def subset(self, index: np.ndarray) -> 'ProbeTargets':
        """The targets of the instances ``index``."""
        return ProbeTargets(**{f.name: (getattr(self, f.name) if f.name == 'input_size'
                                        else getattr(self, f.name)[index]) for f in fields(self)})

    def to_arrays(self) -> Dict[str, np.ndarray]:
        return {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays) -> 'ProbeTargets':
        values = {f.name: np.asarray(arrays[f.name]) for f in fields(cls)}
        values['input_size'] = int(values['input_size'])
        return cls(**values)


def _sha256(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            h.update(block)
    return h.hexdigest()


def canonical_json(obj) -> bytes:
    """A stable byte form of a config-like object (key order and tuples do not matter)."""
    return json.dumps(obj, sort_keys=True, default=str, separators=(',', ':')).encode()


def encoder_fingerprint(model_cfg: dict, checkpoint: Optional[str] = None,
                        seed: Optional[int] = None, device: str = 'cpu') -> str:
    """What determines an encoder's embeddings: its config, its weights (or their seed) and the
    kind of device that computes them (CUDA kernels give slightly different floats)."""
    weights = file_sha256(checkpoint).encode() if checkpoint else f'seed={seed}'.encode()
    return _sha256(b'encoder', canonical_json(model_cfg), weights,
                   f'device={torch.device(device).type}'.encode())


def dataset_fingerprint(dataset_cfg: dict, dataset=None) -> str:
    """What determines a split's crops and targets: its config, its annotation file, its length.

    The annotation file is found as ``dataset.ann_file`` (mmengine's ``BaseDataset``); a
    procedural set is fully determined by its config. Images replaced in place under an
    unchanged annotation file are not detected: set ``probe_cfg.cache=False`` for that.
    """
    parts = [b'data', canonical_json(dataset_cfg)]
    ann_file = getattr(dataset, 'ann_file', None) if dataset is not None else None
    if isinstance(ann_file, str) and osp.isfile(ann_file):
        parts.append(file_sha256(ann_file).encode())
    if dataset is not None:
        parts.append(str(len(dataset)).encode())
    return _sha256(*parts)


def _as_tensor(value) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))


def collate_keypoint_samples(samples: Sequence[dict]) -> dict:
    """Stack keypoint samples (``docs/architecture.md``): images as a tensor, the rest numpy."""
    out = dict(img=torch.stack([_as_tensor(s['img']) for s in samples]))
    for key, dtype in (('keypoints', np.float32), ('keypoints_visible', np.float32),
                       ('norm', np.float32), ('bbox', np.float32), ('image_id', np.int64),
                       ('id', np.int64)):
        out[key] = np.stack([np.asarray(s[key] if key in s else -1, dtype=dtype)
                             for s in samples])
    return out


def _save_npz(path: str, **arrays) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', suffix='.npz', dir=osp.dirname(path))
    with os.fdopen(fd, 'wb') as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)  # atomic: a concurrent reader sees the old entry or the new one


class FeatureCache:
    """Embeddings and targets of keypoint splits, stored as ``.npz`` files in one folder.

    Args:
        cache_dir: the folder; None disables the cache (nothing is read or written).
    """

    def __init__(self, cache_dir: Optional[str]) -> None:
        self.cache_dir = cache_dir

    def _path(self, kind: str, *keys: str) -> Optional[str]:
        if self.cache_dir is None:
            return None
        name = _sha256(f'v{CACHE_VERSION}'.encode(), *(k.encode() for k in keys))[:32]
        return osp.join(self.cache_dir, f'{kind}-{name}.npz')

    def load_features(self, encoder_fp: str, data_fp: str) -> Optional[np.ndarray]:
        path = self._path('features', encoder_fp, data_fp)
        if path is None or not osp.isfile(path):
            return None
        with np.load(path) as f:
            return f['features']

    def save_features(self, encoder_fp: str, data_fp: str, features: np.ndarray) -> None:
        path = self._path('features', encoder_fp, data_fp)
        if path is not None:
            _save_npz(path, features=features)

    def load_targets(self, data_fp: str) -> Optional[ProbeTargets]:
        path = self._path('targets', data_fp)
        if path is None or not osp.isfile(path):
            return None
        with np.load(path) as f:
            return ProbeTargets.from_arrays(f)

    def save_targets(self, data_fp: str, targets: ProbeTargets) -> None:
        path = self._path('targets', data_fp)
        if path is not None:
            _save_npz(path, **targets.to_arrays())


def extract_split(dataset, embedders: Dict[str, EmbedFn], encoder_fps: Dict[str, str],
                  data_fp: str, cache: FeatureCache, batch_size: int = 64, num_workers: int = 0,
                  description: str = 'embedding', progress: bool = True):
    """Targets of one split and its embedding by every encoder, reading the images at most once.

    Encoders whose embeddings are cached are not run; if any is missing (or the targets are),
    one pass over the dataset feeds every missing encoder the same batches.

    Args:
        dataset: a keypoint dataset (``KeypointDataset`` samples: ``img`` uint8 [3, S, S], ...).
        embedders: encoder name -> function from uint8 images [B, 3, S, S] to [B, D] embeddings.
        encoder_fps: encoder name -> :func:`encoder_fingerprint`.
        data_fp: :func:`dataset_fingerprint` of this split.
        cache: where embeddings and targets are kept.
        batch_size: images per forward pass.
        num_workers: DataLoader workers.
        description: label of the progress bar.
        progress: show a rich progress bar.

    Returns:
        ``(targets, {name: [N, D] float32 embeddings})``.
    """
    features = {}
    for name in embedders:
        cached = cache.load_features(encoder_fps[name], data_fp)
        if cached is not None:
            features[name] = cached
    targets = cache.load_targets(data_fp)
    missing: List[str] = [n for n in embedders if n not in features]
    if targets is not None and not missing:
        return targets, features

    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        collate_fn=collate_keypoint_samples)
    chunks: Dict[str, List[np.ndarray]] = {n: [] for n in missing}
    gathered: Dict[str, List[np.ndarray]] = {}
    columns = (TextColumn('{task.description}'), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with Progress(*columns, disable=not progress) as bar:
        task = bar.add_task(f'{description} ({", ".join(missing) or "targets"})',
                            total=len(dataset))
        for batch in loader:
            for name in missing:
                chunks[name].append(np.asarray(embedders[name](batch['img']), dtype=np.float32))
                if not np.isfinite(chunks[name][-1]).all():
                    raise CheckpointError(
                        'gives NaN or inf embeddings: its weights are not finite (a run that '
                        'diverged); probe an earlier checkpoint', field=f'encoder {name!r} '
                        f'({description})')
            for key in ('keypoints', 'keypoints_visible', 'norm', 'bbox', 'image_id', 'id'):
                gathered.setdefault(key, []).append(batch[key])
            bar.advance(task, len(batch['img']))
            size = int(batch['img'].shape[-1])
    if targets is None:
        if not gathered:
            raise ValueError(f'{description}: the dataset is empty')
        targets = ProbeTargets(input_size=size,
                               **{k: np.concatenate(v) for k, v in gathered.items()})
        cache.save_targets(data_fp, targets)
    for name in missing:
        features[name] = np.concatenate(chunks[name]) if chunks[name] else np.zeros((0, 0))
        cache.save_features(encoder_fps[name], data_fp, features[name])
    return targets, features
