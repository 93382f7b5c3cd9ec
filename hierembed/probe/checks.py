"""Checks of a probe config and of the probe's splits, so that a probe never runs on a typo.

- Top-level keys: as ``tools/train.py`` does for training configs
  (:mod:`hierembed.engine.train_checks`), a key given through ``--cfg-options`` must be one that
  the probe reads or that a shipped probe config assigns; a key of the file one or two letters
  from such a key is refused too (a helper variable, ``data_root = ...``, is not).
- ``probe_cfg``: every numeric setting has a type and a range (``epochs=0`` trained nothing,
  ``val_fraction=1`` left no training instance).
- The splits: each must hold enough instances with a labelled keypoint to fit and score heads.
"""
import glob
import math
import os.path as osp
from numbers import Real
from typing import Dict, Iterable, Optional, Set

from hierembed.errors import ConfigError, DataError
from hierembed.utils.misc import assigned_names, check_top_level_keys, reject_unknown_keys

__all__ = ['MIN_LABELLED', 'PROBE_KEYS', 'check_probe_config', 'check_probe_splits',
           'known_probe_keys']

# What the probe (hierembed.probe, hierembed.apis) and mmengine's Config read at the top level.
PROBE_KEYS = frozenset((
    'probe_dataset', 'probe_splits', 'heads', 'visibility_heads', 'metrics', 'probe_cfg',
    'baselines', 'supervised_cfg', 'model', 'keypoint_groups', 'default_scope', 'work_dir',
    'custom_imports', 'lenient_metric', 'scored'))
# Instances with at least one labelled keypoint that a split needs (train: 2, so that a head
# sees more than one target; val and test: 1 to be scored).
MIN_LABELLED = dict(train=2, val=1, test=1)

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def known_probe_keys(repo: str = _REPO) -> Set[str]:
    """``PROBE_KEYS`` and the top-level names that the shipped probe configs assign (parsed,
    not run)."""
    files = glob.glob(osp.join(repo, 'configs', 'probes', '**', '*.py'), recursive=True) + \
        glob.glob(osp.join(repo, 'plugins', '*', 'configs', 'probes', '**', '*.py'),
                  recursive=True)
    return set(PROBE_KEYS) | assigned_names(files)


def _int_at_least(low):
    return (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low,
            f'an integer >= {low}')


def _real(test, what):
    return (lambda v: isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v)
            and test(v), what)


def _decays(v) -> bool:
    values = v if isinstance(v, (list, tuple)) else [v]
    return len(values) > 0 and all(_real(lambda x: x >= 0, '')[0](x) for x in values)


def _seeds(v) -> bool:
    if isinstance(v, (list, tuple)):
        return len(v) > 0 and all(_int_at_least(0)[0](s) for s in v)
    return _int_at_least(1)[0](v)


_SETTINGS = dict(
    epochs=_int_at_least(1),
    batch_size=_int_at_least(1),
    lr=_real(lambda v: v > 0, 'a number > 0'),
    weight_decay=(_decays, 'a number >= 0 or a non-empty list of them'),
    val_interval=_int_at_least(1),
    patience=_int_at_least(1),
    seeds=(_seeds, 'a count >= 1 or a non-empty list of integers >= 0'),
    val_fraction=_real(lambda v: 0 < v < 1, 'a number between 0 and 1 (exclusive)'),
    val_group=(lambda v: v is None or isinstance(v, str), 'an image field or None'),
    embed_batch_size=_int_at_least(1),
    num_workers=_int_at_least(0),
    num_vis_images=_int_at_least(0),
    num_threads=_int_at_least(1),
    cache=(lambda v: isinstance(v, bool), 'True or False'),
    init_from_mean=(lambda v: isinstance(v, bool), 'True or False'),
    cache_dir=(lambda v: v is None or isinstance(v, str), 'a folder or None'),
    select_on=(lambda v: v is None or isinstance(v, str), 'a metric name or None'),
)


def check_probe_config(cfg, config_path: str, option_keys: Iterable[str] = (),
                       file_keys: Optional[Iterable[str]] = None) -> None:
    """Refuse unknown top-level keys and bad ``probe_cfg`` values of a probe config.

    Args:
        cfg: the config, ``--cfg-options`` merged.
        config_path: for the messages.
        option_keys: the top-level keys given through ``--cfg-options``.
        file_keys: the top-level keys of the file (default: all of ``cfg``'s).

    Raises:
        ConfigKeyError: an unknown key, with a did-you-mean.
        ConfigError: a ``probe_cfg`` value of the wrong type or out of range.
    """
    check_top_level_keys(cfg.keys() if file_keys is None else file_keys, option_keys,
                         known_probe_keys(), PROBE_KEYS, config_path)
    settings = cfg.get('probe_cfg') or {}
    if not isinstance(settings, dict):
        raise ConfigError(f'must be a dict, got {settings!r}', file=config_path,
                          field='probe_cfg')
    from .runner import PROBE_CFG_KEYS  # the runner imports this module
    reject_unknown_keys(settings, PROBE_CFG_KEYS, f'{config_path}: probe_cfg')
    for key, (ok, what) in _SETTINGS.items():
        if key in settings and not ok(settings[key]):
            raise ConfigError(f'must be {what}, got {settings[key]!r}', file=config_path,
                              field=f'probe_cfg.{key}')


def check_probe_splits(datasets: Dict[str, object], where: str = 'probe set') -> None:
    """Refuse splits with too few instances that have a labelled keypoint, before embedding.

    Args:
        datasets: split -> a keypoint dataset; one with ``samples`` (``KeypointDataset``: each
            a dict with ``visible`` [K]) is counted, any other is left to the probe.
        where: the probe config, for the message.

    Raises:
        DataError: naming the split, its count and the minimum.
    """
    import numpy as np
    for split, dataset in datasets.items():
        samples = getattr(dataset, 'samples', None)
        if not isinstance(samples, list) or not all(isinstance(s, dict) and 'visible' in s
                                                    for s in samples):
            continue
        labelled = sum(bool((np.asarray(s['visible']) > 0).any()) for s in samples)
        total = len(samples)
        need = MIN_LABELLED.get(split, 1)
        if labelled < need:
            raise DataError(f'{labelled} of {total} instances have a labelled keypoint; the '
                            f'probe needs at least {need}: label more, or merge the split',
                            file=where, field=f'split {split!r}')
