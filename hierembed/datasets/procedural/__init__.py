"""Procedural labelled video classes: the embedded default that runs with no download.

One stand-in per class of the paper -- ``upper_body`` (BBC Pose), ``face`` (VoxCeleb2 and the
face landmark sets), ``full_body`` (Penn Action), ``quadruped`` (TigDog horses) -- rendered with
OpenCV, with ground-truth keypoints and visibility on every frame. ``tools/make_synthetic.py`` is
the command line; :func:`ensure_procedural` is what the datasets' ``procedural=`` argument calls.
"""
import json
import os
import os.path as osp

from hierembed.utils.file_lock import exclusive_lock
from .classes import CLASSES
from .generate import VideoSpec, generate, render_frame

PROCEDURAL_CLASSES = tuple(CLASSES)


def render_params(object_class: str, num_videos: int = 100, num_frames: int = 100,
                  size: int = 128, seed: int = 0, **kwargs) -> dict:
    """What identifies one rendered set: the arguments a ``data_root`` rendered before is
    checked against (the others, such as ``keypoint_stride``, are ignored here).

    Args:
        object_class, num_videos, num_frames, size, seed: as :func:`generate`, with
            :func:`ensure_procedural`'s defaults.

    Returns:
        dict of those five values.
    """
    return dict(object_class=object_class, num_videos=num_videos, num_frames=num_frames,
                size=size, seed=seed)


def ensure_procedural(data_root: str, object_class: str, num_videos: int = 100,
                      num_frames: int = 100, size: int = 128, seed: int = 0,
                      timeout: float = 3600.0, **kwargs) -> bool:
    """Generate a procedural class into ``data_root`` unless ``data_root/annotations`` exists.

    Safe when several processes (ranks, workers, parallel tests) call it at once: an exclusive
    file lock beside ``data_root`` lets one generate while the others wait, and annotations
    appear in one rename, so a reader never sees a half-written set.

    Args:
        data_root: the folder to hold ``videos/``, ``frames/`` and ``annotations/``.
        object_class, num_videos, num_frames, size, seed: as :func:`generate`.
        timeout: seconds to wait for another process's generation before giving up.

    Returns:
        True if this call generated the data, False if it was already there.
    """
    ann = osp.join(data_root, 'annotations')
    wanted = render_params(object_class, num_videos, num_frames, size, seed)
    if osp.isdir(ann):
        _check_params(ann, wanted)
        return False
    os.makedirs(data_root, exist_ok=True)
    with exclusive_lock(osp.join(data_root, '.procedural.lock'), timeout,
                        'generate the procedural data'):
        if osp.isdir(ann):
            _check_params(ann, wanted)
            return False
        generate(object_class, data_root, num_videos=num_videos, num_frames=num_frames,
                 size=size, seed=seed, **kwargs)
        return True


def _check_params(ann_dir: str, wanted: dict) -> None:
    """A data_root generated with another class, count, length, size or seed is a configuration
    error, not data to reuse: a run would silently train on other videos than its config says."""
    path = osp.join(ann_dir, 'videos_train.json')
    if not osp.isfile(path):
        return
    with open(path) as f:
        meta = json.load(f).get('metainfo') or {}
    source = meta.get('source')
    if source is not None and source != 'procedural':
        raise ValueError(f'{path} holds {source!r} data, not a procedural render, but the '
                         'config asks to render a procedural class into this data_root '
                         '(procedural=...): to train on this data, set '
                         'train_dataloader.dataset.procedural=None, or start from '
                         'configs/own_videos.py, which needs only the data_root')
    for key, value in wanted.items():
        found = meta.get(key)
        if found is not None and found != value:
            raise ValueError(f'{path}: metainfo.{key} is {found!r}, but procedural= asks for '
                             f'{value!r}; use another data_root or delete this one')


__all__ = ['generate', 'ensure_procedural', 'render_params', 'render_frame', 'VideoSpec',
           'PROCEDURAL_CLASSES', 'CLASSES']
