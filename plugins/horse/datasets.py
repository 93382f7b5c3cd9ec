"""The registered horse video dataset: TigDog when it is there, else the procedural stand-in."""
import os
import os.path as osp
from typing import Dict, Optional

from mmengine.logging import print_log

from hierembed.datasets import DatasetFormatError, VideoPairDataset
from hierembed.registry import DATASETS
from hierembed.utils.file_lock import exclusive_lock
from .tigdog import SOURCE, annotation_source, convert

#: Where the procedural quadruped goes when ``procedural`` gives no ``data_root``.
PROCEDURAL_ROOT = 'data/procedural_quadruped'


@DATASETS.register_module()
class TigDogHorseDataset(VideoPairDataset):
    """Pairs of frames of TigDog horse shots (``max_gap`` 50 in the paper).

    Which data it reads, in this order:

    1. ``tigdog_root`` given: the TigDog download there, converted into ``data_root`` on first
       use (by :func:`plugins.horse.tigdog.convert`; one process converts, others wait);
    2. ``data_root`` already holds converted TigDog annotations (``python -m
       plugins.horse.convert``): those;
    3. otherwise the procedural ``quadruped`` class, generated on first use into
       ``procedural['data_root']`` (default ``data/procedural_quadruped``), with a warning.

    Args:
        data_root: the converted TigDog horses (``annotations/videos_{split}.json``).
        tigdog_root: a TigDog download (the folder holding ``behaviorDiscovery2.0``).
        procedural: the stand-in's arguments (``object_class``, ``num_videos``, ...) plus its
            ``data_root``; ``None``: no stand-in, missing data is an error.
        **kwargs: the rest of :class:`hierembed.datasets.VideoPairDataset`'s arguments.
    """

    def __init__(self, data_root: str = 'data/horse', tigdog_root: Optional[str] = None,
                 procedural: Optional[Dict] = None, split: str = 'train', **kwargs):
        if tigdog_root:
            _ensure_converted(tigdog_root, data_root)
        source = annotation_source(data_root)
        if source == SOURCE:
            self.data_source = SOURCE
            super().__init__(data_root, split=split, **kwargs)
            return
        if source is not None:
            raise DatasetFormatError(
                f'{data_root}/annotations holds {source!r} data, not converted TigDog; point '
                'data_root at the converted horses (python -m plugins.horse.convert)')
        if not procedural:
            raise FileNotFoundError(
                f'{data_root}/annotations/videos_{split}.json: no converted TigDog horses. '
                'Convert them (python -m plugins.horse.convert TIGDOG --out DATA_ROOT), or set '
                'tigdog_root, or give procedural=dict(...) for the stand-in')
        procedural = dict(procedural)
        stand_in_root = procedural.pop('data_root', PROCEDURAL_ROOT)
        print_log(f'TigDogHorseDataset: no TigDog horses in {data_root}; training on the '
                  f'procedural {procedural.get("object_class", "quadruped")!r} stand-in in '
                  f'{stand_in_root} (set tigdog_root to use TigDog)', logger='current',
                  level=30)
        self.data_source = 'procedural'
        super().__init__(stand_in_root, split=split, procedural=procedural, **kwargs)


def _ensure_converted(tigdog_root: str, data_root: str, timeout: float = 7200.0) -> None:
    """Convert once, under a lock beside ``data_root`` (ranks and workers build this too)."""
    if annotation_source(data_root) is not None:
        return
    os.makedirs(data_root, exist_ok=True)
    with exclusive_lock(osp.join(data_root, '.tigdog.lock'), timeout, 'convert TigDog'):
        if annotation_source(data_root) is None:
            counts = convert(tigdog_root, data_root)
            print_log(f'converted TigDog horses from {tigdog_root} into {data_root}: '
                      f'{counts}', logger='current')
