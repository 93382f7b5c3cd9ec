"""Checks of a training config that ``tools/train.py`` runs before anything is built.

- Top-level keys: a key that nothing reads is silently ignored by mmengine, so a misspelt
  ``--cfg-options trian_cfg.max_iters=1`` would train with the config's own schedule. Keys given
  on the command line must be keys that the configs of this repository define, that mmengine's
  Runner reads, or that the config file itself defines; a key of the file that is none of these
  and is one letter or two away from a key the Runner reads is refused too (a helper variable,
  ``my_root = ...``, is not).
- ``custom_imports`` given through ``--cfg-options``: mmengine imports a config's
  ``custom_imports`` only while reading the file, so one given later is imported here.
- The level-1 probabilities: ``[B, W_1^2, W_1, W_1]`` floats, of which one training step keeps
  many copies (logits, softmax, the reverse warp of the cycle loss, its normalisations and their
  gradients). The estimate is refused above ``max_level1_prob_gib`` (a top-level config key;
  default: the memory of the device, the GPU's if CUDA is available, else the RAM), before the
  machine runs out of memory.
- Values: the schedule, the loader, the learning rate and every hook's arguments are checked
  for type and range (a hook's misspelt argument is refused with a did-you-mean), so that a
  bad value fails here, not at the first checkpoint 250 iterations in.
- ``--resume`` with nothing to resume says so, once, and trains from the start;
  ``last_checkpoint`` is resolved inside the work dir.
"""
import glob
import inspect
import os
import os.path as osp
from typing import Iterable, Optional, Set

import math
from numbers import Real

from mmengine.config import Config
from mmengine.logging import print_log

from hierembed.errors import ConfigError, ConfigKeyError
from hierembed.utils.misc import assigned_names, check_top_level_keys, reject_unknown_keys

__all__ = ['RUNNER_KEYS', 'check_train_cfg', 'known_config_keys',
           'level1_prob_bytes']

# What mmengine 0.10.7's Runner reads from a config (``Runner.from_cfg`` and ``self.cfg.get``),
# what Config.fromfile reads, and what hierembed's training code reads.
RUNNER_KEYS = frozenset((
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'train_cfg',
    'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
    'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor',
    'load_from', 'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level', 'visualizer',
    'default_scope', 'randomness', 'experiment_name', 'activation_checkpointing', 'compile',
    'efficient_conv_bn_eval', 'find_unused_parameters', 'model_wrapper_cfg', 'sync_bn',
    'custom_imports', 'max_level1_prob_gib'))

# Float32 tensors of [B, W_1^2, W_1, W_1] that one training step (forward + backward, cycle
# loss on) holds at its peak: the CPU default at W_1 = 32, one level, grew by 15.8 x the tensor's
# bytes at B = 16 and at B = 32 (peak RSS, docs/training.md).
LEVEL1_COPIES = 16

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def known_config_keys(repo: str = _REPO) -> Set[str]:
    """The top-level names that the training configs of the repository assign, and the Runner's.

    The configs are parsed, not executed; probe configs (``*/probes/*``) are left out.

    Args:
        repo: the repository root (``configs/`` and ``plugins/*/configs/``).

    Returns:
        The names.
    """
    files = glob.glob(osp.join(repo, 'configs', '**', '*.py'), recursive=True) + glob.glob(
        osp.join(repo, 'plugins', '*', 'configs', '**', '*.py'), recursive=True)
    return set(RUNNER_KEYS) | assigned_names(
        p for p in files if f'{osp.sep}probes{osp.sep}' not in p)


def level1_prob_bytes(batch_size: int, base_size: int, copies: int = LEVEL1_COPIES) -> int:
    """Estimated bytes that the level-1 probabilities take in one training step.

    Args:
        batch_size: B per process.
        base_size: W_1.
        copies: float32 tensors of ``[B, W_1^2, W_1, W_1]`` alive at the peak.

    Returns:
        ``copies * 4 * B * W_1^4``.
    """
    return copies * 4 * batch_size * base_size**4


def _check_keys(cfg: Config, file_keys: Iterable[str], option_keys: Iterable[str],
                config_path: str) -> None:
    check_top_level_keys(file_keys, option_keys, known_config_keys(), RUNNER_KEYS, config_path)


def _import_custom(cfg: Config, option_keys: Iterable[str]) -> None:
    if 'custom_imports' not in set(option_keys):
        return
    from mmengine.utils import import_modules_from_strings
    imports = cfg.custom_imports
    if not isinstance(imports, dict) or 'imports' not in imports:
        raise ConfigError('--cfg-options custom_imports: expected custom_imports.imports=[module,'
                          f' ...] (optionally custom_imports.allow_failed_imports=True), got '
                          f'{imports!r}')
    reject_unknown_keys(imports, ('imports', 'allow_failed_imports'), 'custom_imports')
    import_modules_from_strings(**imports)


class Level1MemoryError(ConfigError, MemoryError):
    """The level-1 warp of a config would not fit in the device's memory."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


# (field, test, what it must be); a field absent from the config is not checked.
_VALUES = (
    ('train_cfg.max_iters', lambda v: _is_int(v) and v >= 1, 'an integer >= 1'),
    ('train_cfg.val_interval', lambda v: _is_int(v) and v >= 1, 'an integer >= 1'),
    ('train_dataloader.batch_size', lambda v: _is_int(v) and v >= 1, 'an integer >= 1'),
    ('train_dataloader.num_workers', lambda v: _is_int(v) and v >= 0, 'an integer >= 0'),
    ('train_dataloader.dataset.data_root', lambda v: isinstance(v, str) and v != '',
     'a folder (text): the dataset\'s root'),
    ('optim_wrapper.optimizer.lr', lambda v: _is_real(v) and v > 0, 'a number > 0'),
    ('optim_wrapper.optimizer.weight_decay', lambda v: _is_real(v) and v >= 0,
     'a number >= 0'),
    ('randomness.seed', lambda v: v is None or _is_int(v), 'an integer or None'),
    ('max_level1_prob_gib', lambda v: v is None or (_is_real(v) and v > 0), 'a number > 0'),
)
_MISSING = object()
# What a training config must define (a config inherits them from its _base_ files).
_REQUIRED = ('model', 'train_dataloader', 'train_cfg', 'optim_wrapper')


def _lookup(cfg, field: str):
    value = cfg
    for part in field.split('.'):
        try:
            value = value[part]
        except (KeyError, TypeError, IndexError):
            return _MISSING
    return value


def _check_values(cfg: Config, config_path: str) -> None:
    missing = [k for k in _REQUIRED if cfg.get(k) is None]
    if missing:
        raise ConfigError(f'defines no {", ".join(missing)}: a training config states them or '
                          "inherits them (_base_ = ['configs/synthetic_upper_body.py'])",
                          file=config_path)
    for field, ok, what in _VALUES:
        value = _lookup(cfg, field)
        if value is not _MISSING and not ok(value):
            raise ConfigError(f'must be {what}, got {value!r}', file=config_path, field=field)


def _hook_arguments(cls) -> tuple:
    """The named arguments of a hook class along its ``__init__`` chain, and whether it takes
    others (``**kwargs`` that reach no named argument; mmengine's CheckpointHook passes them to
    ``save_checkpoint``, whose arguments it names itself, so any other is a misspelling)."""
    from mmengine.hooks import CheckpointHook
    named = {}
    for klass in cls.__mro__:
        init = vars(klass).get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters
        named.update({n: p for n, p in params.items() if n != 'self' and n not in named
                      and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)})
        if klass is CheckpointHook or not any(p.kind == p.VAR_KEYWORD
                                              for p in params.values()):
            return named, False
    return named, True


def _check_types(cfg: Config, config_path: str) -> None:
    """The registered type of the model and of the training dataset, named with the field."""
    from hierembed.registry import DATASETS, MODELS
    for field, registry in (('model.type', MODELS),
                            ('train_dataloader.dataset.type', DATASETS)):
        name = _lookup(cfg, field)
        if isinstance(name, str):
            try:
                registry.get(name)
            except KeyError as err:
                raise ConfigKeyError(str(err), file=config_path, field=field) from None


def _check_hooks(cfg: Config, config_path: str) -> None:
    from hierembed.registry import HOOKS
    hooks = [(f'default_hooks.{k}', v) for k, v in (cfg.get('default_hooks') or {}).items()]
    hooks += [(f'custom_hooks[{i}]', v) for i, v in enumerate(cfg.get('custom_hooks') or [])]
    for where, hook in hooks:
        if hook is None:
            continue
        if not isinstance(hook, dict) or 'type' not in hook:
            raise ConfigError(f'must be dict(type=..., ...), got {hook!r}', file=config_path,
                              field=where)
        try:
            cls = HOOKS.get(hook['type']) if isinstance(hook['type'], str) else hook['type']
        except KeyError as err:  # the registry's message has the names it holds
            raise ConfigKeyError(str(err), file=config_path, field=f'{where}.type') from None
        if not inspect.isclass(cls):
            continue  # the registry's own error, with its did-you-mean, comes at build time
        named, takes_more = _hook_arguments(cls)
        given = [k for k in hook if k != 'type']
        if not takes_more:
            reject_unknown_keys(given, named, f'{config_path}: {where} ({hook["type"]})')
        for key in given:
            value, param = hook[key], named.get(key)
            default = None if param is None else param.default
            field = f'{where}.{key}'
            if key == 'interval' or key.endswith('_interval'):
                if not _is_int(value) or not (value >= 1 or value == -1):
                    raise ConfigError(f'must be an integer >= 1 (or -1: never), got {value!r}',
                                      file=config_path, field=field)
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ConfigError(f'must be True or False, got {value!r}',
                                      file=config_path, field=field)
            elif isinstance(default, Real) and not (isinstance(value, Real)
                                                    and not isinstance(value, bool)):
                raise ConfigError(f'must be a number, got {value!r}', file=config_path,
                                  field=field)


def _device_memory_gib() -> float:
    import torch
    if torch.cuda.is_available():
        return torch.cuda.get_device_properties(0).total_memory / 2**30
    return os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30


def _check_level1_memory(cfg: Config) -> None:
    head = (cfg.get('model') or {}).get('warp_head') or {}
    loader = cfg.get('train_dataloader') or {}
    if head.get('type', 'HierarchicalWarpHead') != 'HierarchicalWarpHead' or \
            not isinstance(loader.get('batch_size'), int):
        return
    from hierembed.models.warp_heads import HierarchicalWarpHead
    base_size = head.get('base_size', inspect.signature(HierarchicalWarpHead).parameters[
        'base_size'].default)
    limit = cfg.get('max_level1_prob_gib')  # checked by _check_values
    limit = _device_memory_gib() if limit is None else float(limit)
    need = level1_prob_bytes(loader['batch_size'], int(base_size)) / 2**30
    if need > limit:
        raise Level1MemoryError(
            f'the level-1 warp would need about {need:.1f} GiB per process (batch '
            f'{loader["batch_size"]} x {base_size}^2 x {base_size} x {base_size} float32 '
            f'probabilities, ~{LEVEL1_COPIES} copies kept by one training step), more than the '
            f'limit of {limit:.1f} GiB (max_level1_prob_gib; default: the memory of this '
            'device). Lower model.warp_head.base_size or '
            'train_dataloader.batch_size, or raise max_level1_prob_gib if the machine has the '
            'memory.')


def check_train_cfg(cfg: Config, config_path: str, option_keys: Optional[Iterable[str]] = None,
                    file_keys: Optional[Iterable[str]] = None) -> Config:
    """Run the checks of this module on a training config (``--cfg-options`` merged).

    Args:
        cfg: the merged config, after ``prepare_train_cfg`` (``work_dir`` and ``resume`` set).
        config_path: the config file, for messages.
        option_keys: the top-level keys given through ``--cfg-options``.
        file_keys: the top-level keys of the config file (before the merge); default: all of
            ``cfg``'s.

    Returns:
        ``cfg``; ``cfg.resume`` is switched off when there is nothing to resume.

    Raises:
        ConfigKeyError: (a ``KeyError``) an unknown top-level key or hook argument (the
            message has a did-you-mean).
        ConfigError: a value of the wrong type or out of range (file and field named).
        Level1MemoryError: (a ``MemoryError``) the level-1 probabilities would not fit in
            ``max_level1_prob_gib`` GiB.
        CheckpointError: ``--resume`` and ``last_checkpoint`` names a file not in the work dir.
    """
    from hierembed.engine.runner import latest_checkpoint
    option_keys = list(option_keys or [])
    _check_keys(cfg, cfg.keys() if file_keys is None else file_keys, option_keys, config_path)
    _import_custom(cfg, option_keys)
    _check_values(cfg, config_path)
    _check_types(cfg, config_path)
    _check_hooks(cfg, config_path)
    _check_level1_memory(cfg)
    if cfg.get('resume') and cfg.get('load_from') is None and \
            latest_checkpoint(cfg.work_dir) is None:
        print_log(f'--resume: nothing to resume in {cfg.work_dir} (no last_checkpoint there); '
                  'training from the start.', logger='current', level=30)
        cfg.resume = False
    return cfg
