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


def checkpoint_config(checkpoint: str) -> Optional[Config]:
    """The training config that mmengine stored in ``checkpoint['meta']['cfg']``, if any.

    Args:
        checkpoint: a checkpoint path (anything ``mmengine.runner.load_checkpoint`` reads).

    Returns:
        The config, or None when the checkpoint has no ``meta.cfg``.
    """
    from mmengine.runner.checkpoint import _load_checkpoint

    import hierembed.engine  # noqa: F401  registers the checkpoint loader for torch >= 2.6

    meta = _load_checkpoint(checkpoint, map_location='cpu').get('meta') or {}
    text = meta.get('cfg')
    if not text:
        return None
    if isinstance(text, dict):
        return Config(text)
    return Config.fromstring(text, file_format='.py')


def resolve_model_cfg(cfg_or_path: CfgLike, checkpoint: Optional[str] = None) -> ConfigDict:
    """The model config: the given config's ``model``, else the checkpoint's training config's.

    Args:
        cfg_or_path: a (probe or training) config, its path, or None.
        checkpoint: a checkpoint whose ``meta.cfg`` is used when the config has no ``model``.

    Returns:
        A deep copy of the ``model`` config.

    Raises:
        ValueError: neither the config nor the checkpoint has a model config.
    """
    cfg = _as_config(cfg_or_path)
    model_cfg = cfg.get('model')
    if model_cfg is None and checkpoint is not None:
        ckpt_cfg = checkpoint_config(checkpoint)
        model_cfg = ckpt_cfg.get('model') if ckpt_cfg is not None else None
    if model_cfg is None:
        where = f' nor does {checkpoint!r} store one in meta.cfg' if checkpoint else ''
        raise ValueError(f'No model config: the config has no `model`{where}.')
    return copy.deepcopy(ConfigDict(model_cfg))


def init_embedder(cfg_or_path: CfgLike, checkpoint: Optional[str] = None, device: str = 'cpu',
                  seed: Optional[int] = None) -> nn.Module:
    """Build the embedding model, load its weights, freeze it and put it in eval mode.

    Without a checkpoint, the model keeps its initial weights: that is the paper's "random
    init" baseline, reproducible through ``seed``.

    Args:
        cfg_or_path: a config (path, dict or ``Config``) with a ``model``; or one without, or
            None, when ``checkpoint`` stores its training config in ``meta.cfg``.
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
