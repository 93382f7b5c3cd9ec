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
- ``--resume`` with nothing to resume says so, once, and trains from the start.
"""
import ast
import difflib
import glob
import inspect
import os
import os.path as osp
from typing import Iterable, Optional, Set

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

from hierembed.utils.misc import reject_unknown_keys

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
    names = set(RUNNER_KEYS)
    files = glob.glob(osp.join(repo, 'configs', '**', '*.py'), recursive=True) + glob.glob(
        osp.join(repo, 'plugins', '*', 'configs', '**', '*.py'), recursive=True)
    for path in files:
        if f'{osp.sep}probes{osp.sep}' in path:
            continue
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) else [])
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    names.discard('_base_')
    return names


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
    file_keys = set(file_keys)
    known = known_config_keys()
    reject_unknown_keys(sorted(set(option_keys) - file_keys), known,
                        f'--cfg-options (top-level keys of {config_path})')
    for key in sorted(file_keys - known):
        if difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.8):
            reject_unknown_keys([key], RUNNER_KEYS, f'{config_path} (a top-level key)')


def _import_custom(cfg: Config, option_keys: Iterable[str]) -> None:
    if 'custom_imports' not in set(option_keys):
        return
    from mmengine.utils import import_modules_from_strings
    imports = cfg.custom_imports
    if not isinstance(imports, dict) or 'imports' not in imports:
        raise ValueError('--cfg-options custom_imports: expected custom_imports.imports=[module,'
                         f' ...] (optionally custom_imports.allow_failed_imports=True), got '
                         f'{imports!r}')
    reject_unknown_keys(imports, ('imports', 'allow_failed_imports'), 'custom_imports')
    import_modules_from_strings(**imports)


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
    limit = cfg.get('max_level1_prob_gib')
    limit = _device_memory_gib() if limit is None else float(limit)
    need = level1_prob_bytes(loader['batch_size'], int(base_size)) / 2**30
    if need > limit:
        raise MemoryError(
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
        KeyError: an unknown top-level key (the message has a did-you-mean).
        MemoryError: the level-1 probabilities would not fit in ``max_level1_prob_gib`` GiB.
    """
    option_keys = list(option_keys or [])
    _check_keys(cfg, cfg.keys() if file_keys is None else file_keys, option_keys, config_path)
    _import_custom(cfg, option_keys)
    _check_level1_memory(cfg)
    if cfg.get('resume') and cfg.get('load_from') is None and \
            find_latest_checkpoint(cfg.work_dir) is None:
        print_log(f'--resume: nothing to resume in {cfg.work_dir} (no last_checkpoint there); '
                  'training from the start.', logger='current', level=30)
        cfg.resume = False
    return cfg
