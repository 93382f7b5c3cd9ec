"""Load a trained embedder from a checkpoint and embed images with it."""
import contextlib
import copy
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from torch import nn

from hierembed.errors import CheckpointError
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


_READ: Dict[tuple, dict] = {}  # the last checkpoint read: a tool reads one file once


def read_checkpoint(checkpoint: str) -> dict:
    """A checkpoint's contents (on the CPU), read once however often a tool asks: its stored
    config, its crop settings and its weights come from one read and one log line.

    Args:
        checkpoint: a path (or anything mmengine's ``CheckpointLoader`` reads; those are not
            cached).

    Raises:
        FileNotFoundError: a local path that does not exist.
    """
    from mmengine.runner.checkpoint import _load_checkpoint

    import hierembed.engine  # noqa: F401  registers the checkpoint loader for torch >= 2.6
    if '://' in checkpoint:
        return _load_checkpoint(checkpoint, map_location='cpu')
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    st = os.stat(checkpoint)
    key = (osp.abspath(checkpoint), st.st_mtime_ns, st.st_size)
    if key not in _READ:
        _READ.clear()
        _READ[key] = _load_checkpoint(checkpoint, map_location='cpu')
    return _READ[key]


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
    from hierembed.engine.checkpoint import CONFIG_KEY, DROPPED_TEXT_KEY

    meta = read_checkpoint(checkpoint).get('meta') or {}
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
        CheckpointConfigError: neither the config nor the checkpoint has a model config, or the
            checkpoint's config is text only, or names unregistered components.
    """
    cfg = _as_config(cfg_or_path)
    model_cfg = cfg.get('model')
    if model_cfg is None and checkpoint is not None:
        ckpt_cfg = checkpoint_config(checkpoint)
        model_cfg = ckpt_cfg.get('model') if ckpt_cfg is not None else None
        _check_types(model_cfg, checkpoint, 'meta.hierembed_cfg.model')
    if model_cfg is None:
        where = f' nor does {checkpoint!r} store one' if checkpoint else ''
        raise CheckpointConfigError(f'No model config: the config has no `model`{where}; give '
                                    'the training config (--train-config)')
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
    _check_model_fits(model_cfg, checkpoint)
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        model = MODELS.build(model_cfg)
        if checkpoint is None and hasattr(model, 'init_weights'):
            with _quiet_mmengine():
                model.init_weights()
    if checkpoint is not None:
        from mmengine.runner.checkpoint import _load_checkpoint_to_model
        try:
            _load_checkpoint_to_model(model, read_checkpoint(checkpoint), strict=True)
        except RuntimeError as err:  # mmengine's strict load: missing, unexpected, mis-shaped
            lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
            shown = '; '.join(lines[1:3]) + (' ...' if len(lines) > 3 else '')
            raise CheckpointError(f'does not match the model its config builds ({shown}): give '
                                  'the training config it was trained with', file=checkpoint,
                                  field='state_dict') from None
        bad = [k for k, v in model.state_dict().items()
               if v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if bad:
            raise CheckpointError(f'{len(bad)} tensor(s) hold NaN or inf ({", ".join(bad[:3])}'
                                  f'{" ..." if len(bad) > 3 else ""}): the run that wrote it had '
                                  'diverged; use an earlier checkpoint', file=checkpoint,
                                  field='state_dict')
    model.cfg = Config(dict(cfg.to_dict(), model=model_cfg.to_dict()))
    model.to(device).eval()
    model.requires_grad_(False)
    return model


def _check_model_fits(model_cfg, checkpoint: Optional[str]) -> None:
    """Build the model without memory (torch's meta device) and refuse one whose weights alone
    exceed this machine's memory (a stored ``embed_dim=1e6`` asked for tens of GiB)."""
    try:
        total = os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    except (AttributeError, ValueError, OSError):
        return
    with torch.device('meta'):
        model = MODELS.build(copy.deepcopy(model_cfg))
    size = sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))
    if size > total:
        raise CheckpointConfigError(
            f'{checkpoint or "the config"}: model: its weights alone would take '
            f'{size / 2**30:.1f} GiB, more than this machine\'s {total / 2**30:.1f} GiB '
            f'(encoder {dict(model_cfg.get("encoder", {}))}): is this the right config?')


def crop_settings(cfg_or_path: CfgLike = None, checkpoint: Optional[str] = None) -> Dict:
    """How the training data cropped its frames: the training config's
    ``train_dataloader.dataset`` ``crop_margin`` and ``whole_frame`` (defaults 1.2 and
    ``'inside'``, :class:`hierembed.datasets.VideoPairDataset`'s).

    Args:
        cfg_or_path: the training config; None: the one stored in ``checkpoint``.
        checkpoint: a checkpoint; a config stored only as text is ignored (defaults).

    Returns:
        ``dict(margin=float, whole_frame=str)``.
    """
    cfg = _as_config(cfg_or_path) if cfg_or_path is not None else None
    if cfg is None and checkpoint is not None:
        try:
            cfg = checkpoint_config(checkpoint)
        except CheckpointConfigError:
            cfg = None
    ds = ((cfg or {}).get('train_dataloader') or {}).get('dataset') or {}
    return dict(margin=float(ds.get('crop_margin', 1.2)),
                whole_frame=ds.get('whole_frame', 'inside'))


def frame_box(width: int, height: int, crop: Dict) -> np.ndarray:
    """The box [4] a whole frame is cropped around, as :func:`crop_settings` says the training
    data did (``'inside'``: the largest centred square inside the frame)."""
    from hierembed.datasets.transforms import inside_frame_box
    if crop.get('whole_frame', 'inside') == 'pad':
        return np.array([0.0, 0.0, width, height])
    return inside_frame_box(width, height, crop.get('margin', 1.2))


def _as_batch(images: Union[torch.Tensor, Sequence[np.ndarray]], device,
              size: Optional[int]) -> torch.Tensor:
    """[B, 3, S, S] float in [0, 1] from a batch tensor or a list of [H, W, 3] arrays."""
    if isinstance(images, torch.Tensor):
        batch = images_to_float(images.to(device))
        if size is not None and tuple(batch.shape[-2:]) != (size, size):
            batch = F.interpolate(batch, size=(size, size), mode='bilinear',
                                  align_corners=False, antialias=True)
        return batch
    out = []
    for i, img in enumerate(images):
        arr = np.asarray(img)
        if arr.ndim != 3 or arr.shape[2] != 3:
            raise ValueError(f'images[{i}]: expected an [H, W, 3] array, got shape '
                             f'{tuple(arr.shape)}')
        t = torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))[None]
        out.append(_as_batch(t, device, size))
    if not out:
        raise ValueError('embed_images: no images')
    return torch.cat(out)


@torch.no_grad()
def embed_images(model: nn.Module,
                 images: Union[torch.Tensor, Sequence[np.ndarray]]) -> torch.Tensor:
    """Embed a batch of crops with a frozen embedder.

    Args:
        model: has ``embed(images [B, 3, S, S] float in [0, 1]) -> [B, D]`` and, optionally,
            ``input_size`` (S); crops of another size are resized (bilinear, antialiased).
        images: [B, 3, H, W] uint8 in [0, 255] or float in [0, 1]; or a list of [H, W, 3]
            arrays (RGB, uint8 or float in [0, 1]), each of its own size, each resized to S x S
            as it is (crop them first as the training data was: :func:`embed_frames` does).

    Returns:
        [B, D] float embeddings on the CPU.
    """
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device('cpu')
    batch = _as_batch(images, device, getattr(model, 'input_size', None))
    return model.embed(batch).reshape(batch.shape[0], -1).float().cpu()


@torch.no_grad()
def embed_frames(model: nn.Module, reader, boxes: np.ndarray, margin: float = 1.2,
                 batch_size: int = 32) -> np.ndarray:
    """Embed every frame of a video, each cropped around its box as the training data was.

    Args:
        model: a frozen embedder (:func:`init_embedder`).
        reader: a frame reader (``hierembed.datasets.video_io.open_reader``).
        boxes: [T, 4] the box (x, y, w, h) of each frame.
        margin: the crop margin (:func:`crop_settings`).
        batch_size: frames decoded and embedded at once.

    Returns:
        [T, D] float32.
    """
    from hierembed.apis.propagate import crop_frame
    size = model.input_size
    out: List[np.ndarray] = []
    for start in range(0, reader.num_frames, batch_size):
        idx = list(range(start, min(reader.num_frames, start + batch_size)))
        crops = torch.stack([crop_frame(f, boxes[t], size, margin)[0]
                             for f, t in zip(reader.get(idx), idx)])
        out.append(embed_images(model, crops).numpy())
    return np.concatenate(out).astype(np.float32)
