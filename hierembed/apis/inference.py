"""Load a trained embedder from a checkpoint and embed images with it."""
import contextlib
import copy
import logging
import os.path as osp
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from torch import nn

from hierembed.models.data_preprocessors import images_to_float
from hierembed.registry import MODELS

CfgLike = Union[str, dict, Config, ConfigDict, None]


@contextlib.contextmanager
def _quiet_mmengine():
    """mmengine logs every parameter's init at INFO; a probe needs none of it."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _as_config(cfg_or_path: CfgLike) -> Config:
    if cfg_or_path is None:
        return Config(dict())
    if isinstance(cfg_or_path, Config):
        return cfg_or_path
    if isinstance(cfg_or_path, str):
        return Config.fromfile(cfg_or_path)
    return Config(dict(cfg_or_path))


class CheckpointConfigError(ValueError):
    """A checkpoint whose training config cannot be used without executing or trusting it."""


_SAFE_SCOPES = ('hierembed', 'mmengine')


def _registered_names() -> set:
    import hierembed.registry as registries
    names = set()
    for reg in vars(registries).values():
        if isinstance(reg, registries.Registry):
            reg.import_from_location()
            names |= reg._all_names()
    return names


def _check_types(value, checkpoint: str, where: str, names: Optional[set] = None) -> None:
    """Refuse ``type`` names that a registry would resolve by importing them.

    mmengine's registries fall back to importing any ``type`` they do not hold
    (``'subprocess.Popen'`` builds a process), so a config read from a file may name only
    registered components, and ``_scope_`` only this toolkit's or mmengine's.
    """
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_types(v, checkpoint, f'{where}[{i}]', names)
        return
    if not isinstance(value, dict):
        return
    for key, v in value.items():
        field = f'{where}.{key}'
        if key == '_scope_' and v not in _SAFE_SCOPES:
            raise CheckpointConfigError(f'{checkpoint}: {field} is {v!r}; a config read from a '
                                        f'checkpoint may only use the scopes {_SAFE_SCOPES}')
        if key == 'type':
            names = _registered_names() if names is None else names
            scope, _, name = v.rpartition('.') if isinstance(v, str) else ('', '', None)
            if name not in names or scope not in ('',) + _SAFE_SCOPES:
                raise CheckpointConfigError(
                    f'{checkpoint}: {field} is {v!r}, which no hierembed registry holds; a '
                    'config read from a checkpoint may only name registered components (any '
                    'other name would be imported and called). Pass the training config '
                    'explicitly if you trust it.')
        _check_types(v, checkpoint, field, names)


def checkpoint_config(checkpoint: str) -> Optional[Config]:
    """The training config stored as data in ``checkpoint['meta']['hierembed_cfg']``, if any.

    Nothing in the file is executed: the config is a dict of literals (written by
    ``AtomicCheckpointHook``); config *text* (mmengine's ``meta.cfg``) is never parsed, since
    parsing runs it. Its ``type`` names are not vetted here (a trained plugin's components may
    not be registered in this process): vet a section before building it, as
    :func:`resolve_model_cfg` does for ``model``.

    Args:
        checkpoint: a checkpoint path (anything ``mmengine.runner.load_checkpoint`` reads).

    Returns:
        The config, or None when the checkpoint stores none.

    Raises:
        CheckpointConfigError: the checkpoint has only config text (written by mmengine or by
            hierembed before configs were stored as data); the message says to pass the
            training config explicitly.
    """
    from mmengine.runner.checkpoint import _load_checkpoint

    import hierembed.engine  # noqa: F401  registers the checkpoint loader for torch >= 2.6
    from hierembed.engine.checkpoint import CONFIG_KEY, DROPPED_TEXT_KEY

    meta = _load_checkpoint(checkpoint, map_location='cpu').get('meta') or {}
    data = meta.get(CONFIG_KEY)
    if data is None:
        if meta.get(DROPPED_TEXT_KEY):
            keys = ', '.join(f'meta.{k}' for k in meta[DROPPED_TEXT_KEY])
            raise CheckpointConfigError(
                f'{checkpoint} stores its training config only as Python text ({keys}), which '
                'hierembed never executes: reading it would run any code a checkpoint from '
                'elsewhere put there. Pass the training config explicitly (tools/probe.py '
                '--train-config CONFIG, tools/propagate.py --config CONFIG, '
                'init_embedder(CONFIG, checkpoint)).')
        return None
    if not isinstance(data, dict):
        raise CheckpointConfigError(f'{checkpoint}: meta.{CONFIG_KEY} is a '
                                    f'{type(data).__name__}, expected a dict')
    return Config(data)


def resolve_model_cfg(cfg_or_path: CfgLike, checkpoint: Optional[str] = None) -> ConfigDict:
    """The model config: the given config's ``model``, else the checkpoint's training config's.

    Args:
        cfg_or_path: a (probe or training) config, its path, or None.
        checkpoint: a checkpoint whose stored training config (``meta.hierembed_cfg``, see
            :func:`checkpoint_config`) is used when the config has no ``model``.

    Returns:
        A deep copy of the ``model`` config.

    Raises:
        ValueError: neither the config nor the checkpoint has a model config.
        CheckpointConfigError: the checkpoint's config is text only, or names unregistered
            components.
    """
    cfg = _as_config(cfg_or_path)
    model_cfg = cfg.get('model')
    if model_cfg is None and checkpoint is not None:
        ckpt_cfg = checkpoint_config(checkpoint)
        model_cfg = ckpt_cfg.get('model') if ckpt_cfg is not None else None
        _check_types(model_cfg, checkpoint, 'meta.hierembed_cfg.model')
    if model_cfg is None:
        where = f' nor does {checkpoint!r} store one' if checkpoint else ''
        raise ValueError(f'No model config: the config has no `model`{where}.')
    return copy.deepcopy(ConfigDict(model_cfg))


def init_embedder(cfg_or_path: CfgLike, checkpoint: Optional[str] = None, device: str = 'cpu',
                  seed: Optional[int] = None) -> nn.Module:
    """Build the embedding model, load its weights, freeze it and put it in eval mode.

    Without a checkpoint, the model keeps its initial weights: that is the paper's "random
    init" baseline, reproducible through ``seed``.

    Args:
        cfg_or_path: a config (path, dict or ``Config``) with a ``model``; or one without, or
            None, when ``checkpoint`` stores its training config (``meta.hierembed_cfg``).
        checkpoint: weights to load with ``mmengine.runner.load_checkpoint``.
        device: where to put the model.
        seed: seeds the weight initialisation (the global RNG state is left as it was).

    Returns:
        The model (``ClassEmbedder`` or any module with ``embed`` and ``input_size``), in eval
        mode with ``requires_grad`` off, with the resolved config as ``model.cfg``.
    """
    cfg = _as_config(cfg_or_path)
    init_default_scope(cfg.get('default_scope', 'hierembed'))
    model_cfg = resolve_model_cfg(cfg, checkpoint)
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        model = MODELS.build(model_cfg)
        if checkpoint is None and hasattr(model, 'init_weights'):
            with _quiet_mmengine():
                model.init_weights()
    if checkpoint is not None:
        from mmengine.runner import load_checkpoint

        import hierembed.engine  # noqa: F401  registers the checkpoint loader for torch >= 2.6
        if not osp.isfile(checkpoint) and '://' not in checkpoint:
            raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.cfg = Config(dict(cfg.to_dict(), model=model_cfg.to_dict()))
    model.to(device).eval()
    model.requires_grad_(False)
    return model


@torch.no_grad()
def embed_images(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Embed a batch of crops with a frozen embedder.

    Args:
        model: has ``embed(images [B, 3, S, S] float in [0, 1]) -> [B, D]`` and, optionally,
            ``input_size`` (S); crops of another size are resized (bilinear, antialiased).
        images: [B, 3, H, W] uint8 in [0, 255], or float in [0, 1].

    Returns:
        [B, D] float embeddings on the CPU.
    """
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device('cpu')
    images = images_to_float(images.to(device))
    size = getattr(model, 'input_size', None)
    if size is not None and tuple(images.shape[-2:]) != (size, size):
        images = F.interpolate(images, size=(size, size), mode='bilinear', align_corners=False,
                               antialias=True)
    return model.embed(images).reshape(images.shape[0], -1).float().cpu()
