"""The probe's baselines: what a trained embedding must beat, and the ceiling it is read against.

- ``mean_pose``: no image at all (:func:`mean_pose_prediction`).
- ``random_init``: the encoder with random weights, one per probe seed
  (:func:`random_init_embedders`).
- ``supervised``, the ceiling (:func:`supervised_embedder`, :func:`train_supervised`).

The ``supervised`` baseline reads the self-supervised numbers on a scale: the same encoder
(``model.encoder`` of the training config) with the 2-layer landmark head, trained end to end on
the probe's train split with the head's masked regression loss, the epoch chosen on val with the
probe's selection metric. Its frozen features are then probed by the heads like every other
encoder's. It depends only on the data, the encoder config, ``supervised_cfg`` and its seed,
never on the checkpoint under test, so ``run_probe`` caches its embeddings (and this module's
training record) and trains it once for many checkpoints.
"""
import copy
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from torch import nn
from torch.utils.data import DataLoader

from hierembed.registry import MODELS, PROBE_HEADS
from hierembed.utils.misc import reject_unknown_keys
from .evaluation import ValScorer, cfg_dict, metric_configs, selection_metric
from .features import ProbeTargets, collate_keypoint_samples, encoder_fingerprint
from .fitting import build_adam, head_loss, is_better, to_tensors

#: ``supervised_cfg`` keys (their defaults: ``configs/probes/_base_/default_probe.py``); the
#: first six are required, ``head`` and ``encoder`` optional.
SUPERVISED_CFG_KEYS = ('epochs', 'batch_size', 'lr', 'weight_decay', 'seed', 'num_threads',
                       'head', 'encoder')


class EncoderEmbedder(nn.Module):
    """A bare encoder with the embedder contract: ``embed(images in [0, 1])``, ``input_size``.

    The encoder sees ``images * 2 - 1``, as ``ClassEmbedder.embed`` feeds it.

    Args:
        encoder: e.g. a ``ConvEncoder`` ([B, 3, S, S] in [-1, 1] -> [B, D]).
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.input_size = getattr(encoder, 'input_size', None)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """[B, 3, S, S] float in [0, 1] -> [B, D]."""
        return self.encoder(images * 2.0 - 1.0)


def build_encoder_embedder(encoder_cfg: dict, seed: int) -> EncoderEmbedder:
    """The encoder of ``encoder_cfg`` with weights drawn from ``seed`` (global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = MODELS.build(copy.deepcopy(encoder_cfg))
    return EncoderEmbedder(encoder)


def load_split(dataset, batch_size: int = 256) -> tuple:
    """All crops and targets of a keypoint dataset: ``(uint8 [N, 3, S, S], ProbeTargets)``."""
    imgs, parts = [], {}
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        collate_fn=collate_keypoint_samples)
    for batch in loader:
        imgs.append(batch['img'])
        for key in ('keypoints', 'keypoints_visible', 'norm', 'bbox', 'image_id', 'id'):
            parts.setdefault(key, []).append(batch[key])
    images = torch.cat(imgs)
    targets = ProbeTargets(input_size=int(images.shape[-1]),
                           **{k: np.concatenate(v) for k, v in parts.items()})
    return images, targets


def _embed(model: EncoderEmbedder, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model.embed(images[i:i + batch_size].float() / 255.0)
                          for i in range(0, len(images), batch_size)])


def train_supervised(encoder_cfg: dict, head_cfg: dict, train: tuple, val: tuple,
                     val_score: Callable[[np.ndarray], float], greater_is_better: bool, *,
                     epochs: int, batch_size: int, lr: float, weight_decay: float, seed: int,
                     init_mean: Optional[torch.Tensor] = None,
                     num_threads: Optional[int] = None, device: str = 'cpu') -> tuple:
    """Train encoder + landmark head end to end; keep the epoch with the best val score.

    Args:
        encoder_cfg: the ``MODELS`` config of the encoder (``model.encoder``).
        head_cfg: a ``PROBE_HEADS`` landmark head config (``in_channels`` is filled in).
        train: ``(uint8 images [N, 3, S, S], ProbeTargets)`` of the probe's train split.
        val: the same for val.
        val_score: ``[N, K, 2] crop-pixel predictions on val -> score`` (the selection metric).
        greater_is_better: direction of ``val_score``.
        epochs: epochs over train (selection after each).
        batch_size: crops per Adam step.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        seed: weights and batch order.
        init_mean: [K, 2] mean training keypoints (normalised), the head's starting bias.
        num_threads: torch threads while training (None: leave as is).
        device: where the encoder, the head and the crops live while training (the batch order
            and the initial weights are drawn on the CPU, so they do not depend on it).

    Returns:
        ``(EncoderEmbedder in eval mode, record)``: the record has ``best_epoch``,
        ``val_scores`` (one per epoch, epoch 0 first), ``seconds`` (wall) and ``cpu_seconds``.
    """
    previous = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        t0, c0 = time.time(), time.process_time()
        model = build_encoder_embedder(encoder_cfg, seed).to(device)
        (x_tr, t_tr), (x_val, _) = train, val
        x_tr, x_val = x_tr.to(device), x_val.to(device)
        size = float(t_tr.input_size)
        model.eval()  # one forward for D, leaving BatchNorm's running statistics alone
        embed_dim = _embed(model, x_tr[:1]).shape[1]
        model.train()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            head = PROBE_HEADS.build(dict(copy.deepcopy(head_cfg), in_channels=embed_dim,
                                          num_keypoints=t_tr.keypoints.shape[1]))
        if init_mean is not None:
            head.init_from_mean(init_mean)
        head.to(device)
        kpts = torch.as_tensor(t_tr.keypoints / size, dtype=torch.float32, device=device)
        visible = torch.as_tensor(t_tr.keypoints_visible, dtype=torch.float32, device=device)
        optim = build_adam(nn.ModuleList([model, head]), lr, weight_decay)
        generator = torch.Generator().manual_seed(seed)

        def score() -> float:
            model.eval()
            head.eval()
            with torch.no_grad():
                value = float(val_score(head(_embed(model, x_val)).cpu().numpy() * size))
            model.train()
            head.train()
            return value

        scores = [score()]
        best_epoch, best_state = 0, copy.deepcopy(model.state_dict())
        for epoch in range(1, epochs + 1):
            order = torch.randperm(len(x_tr), generator=generator).to(device)
            for start in range(0, len(order), batch_size):
                index = order[start:start + batch_size]
                if len(index) < 2:  # BatchNorm needs two samples
                    continue
                feats = model.embed(x_tr[index].float() / 255.0)
                optim.update_params(head_loss(head, feats, kpts[index], visible[index]))
            scores.append(score())
            if is_better(scores[-1], scores[best_epoch], greater_is_better):
                best_epoch, best_state = epoch, copy.deepcopy(model.state_dict())
        model.load_state_dict(best_state)
        model.eval().requires_grad_(False)
        record: Dict = dict(best_epoch=best_epoch, val_scores=scores, seconds=time.time() - t0,
                            cpu_seconds=time.process_time() - c0)
        return model, record
    finally:
        torch.set_num_threads(previous)


def mean_pose_prediction(train: ProbeTargets, num: int) -> Tuple[np.ndarray, np.ndarray]:
    """The no-image baseline: the mean labelled pose of train, and each landmark's visible rate.

    Args:
        train: the training split.
        num: how many instances to predict for.

    Returns:
        ``(keypoints [num, K, 2] crop pixels, visibility scores [num, K])``. A keypoint never
        labelled in train is predicted at the crop centre.
    """
    mask = train.keypoints_visible > 0
    count = mask.sum(axis=0)
    total = np.where(mask[..., None], train.keypoints, 0.0).sum(axis=0)
    centre = np.full(2, train.input_size / 2.0)
    mean = np.where(count[:, None] > 0, total / np.maximum(count, 1)[:, None], centre)
    rate = (train.keypoints_visible >= 2).sum(axis=0) / np.maximum(count, 1)
    return (np.broadcast_to(mean, (num,) + mean.shape).astype(np.float64),
            np.broadcast_to(rate, (num, len(rate))).astype(np.float64))


def embedder_fn(model: nn.Module) -> Callable:
    """A frozen model as ``uint8 images [B, 3, S, S] -> [B, D]``."""
    # hierembed.apis is the public layer above this package: imported when used, not at load
    from hierembed.apis.inference import embed_images
    return lambda images: embed_images(model, images)


def random_init_embedders(model_cfg: dict, model_cfg_only: Config, seeds: List[int],
                          device: str) -> Tuple[Dict[str, Callable], Dict[str, str]]:
    """One random-init encoder per probe seed. With a ``model.encoder`` only the encoder is
    built (the rest of the model cannot change an embedding), so every row of a reproduction
    shares the same baseline and its cached embeddings."""
    embedders, fps = {}, {}
    for seed in seeds:
        name = f'random_init/seed{seed}'
        if model_cfg.get('encoder') is not None:
            model = build_encoder_embedder(model_cfg['encoder'], seed).to(device).eval()
            model.requires_grad_(False)
            fps[name] = encoder_fingerprint(dict(encoder=model_cfg['encoder']), seed=seed,
                                            device=device)
        else:
            from hierembed.apis.inference import init_embedder
            model = init_embedder(model_cfg_only, None, device=device, seed=seed)
            fps[name] = encoder_fingerprint(model_cfg, seed=seed, device=device)
        embedders[name] = embedder_fn(model)
    return embedders, fps


class SupervisedEmbedder:
    """Trains the supervised ceiling on its first call (never, when its embeddings are cached),
    then embeds like any frozen encoder."""

    def __init__(self, encoder_cfg: dict, sup_cfg: dict, datasets: dict, metainfo: dict,
                 select_cfg: dict, head_cfg: dict, record_path: Optional[str],
                 device: str) -> None:
        self.encoder_cfg, self.sup_cfg, self.datasets = encoder_cfg, sup_cfg, datasets
        self.metainfo, self.select_cfg, self.head_cfg = metainfo, select_cfg, head_cfg
        self.record_path, self.device = record_path, device
        self.model, self.record = None, None
        if record_path and osp.isfile(record_path):
            with open(record_path) as f:
                self.record = json.load(f)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        from hierembed.apis.inference import embed_images
        if self.model is None:
            self._train()
        return embed_images(self.model, images)

    def _train(self) -> None:
        train, val = (load_split(self.datasets[s]) for s in ('train', 'val'))
        scorer = ValScorer(self.select_cfg, self.metainfo, val[1], None, scale=1.0)
        size = float(train[1].input_size)
        mean_kpt, _ = mean_pose_prediction(train[1], 1)
        kwargs = {k: v for k, v in self.sup_cfg.items() if k not in ('head', 'encoder')}
        self.model, self.record = train_supervised(
            self.encoder_cfg, self.head_cfg, train, val, scorer.score,
            scorer.greater_is_better, init_mean=to_tensors(mean_kpt[0] / size)[0],
            device=self.device, **kwargs)
        self.record['select_on'] = scorer.name
        if self.record_path:
            os.makedirs(osp.dirname(self.record_path), exist_ok=True)
            with open(self.record_path, 'w') as f:
                json.dump(self.record, f)


def supervised_embedder(cfg: Config, model_cfg: dict, settings: dict, datasets: dict,
                        metainfo: dict, data_fps: Dict[str, str], cache_dir: Optional[str],
                        device: str) -> Tuple[SupervisedEmbedder, str]:
    """The lazily trained ceiling and its fingerprint (encoder, recipe, train and val data)."""
    sup_cfg = cfg_dict(cfg.get('supervised_cfg') or {})
    reject_unknown_keys(sup_cfg, SUPERVISED_CFG_KEYS, 'supervised_cfg')
    missing = [k for k in SUPERVISED_CFG_KEYS[:6] if k not in sup_cfg]
    if missing:
        raise KeyError(f'supervised_cfg lacks {missing}: its defaults are in '
                       'configs/probes/_base_/default_probe.py')
    encoder_cfg = sup_cfg.pop('encoder', None) or model_cfg.get('encoder')
    if encoder_cfg is None:
        raise ValueError('the supervised baseline needs an encoder: the model config has no '
                         '`encoder`; set supervised_cfg.encoder')
    if 'val' not in datasets:
        raise ValueError('the supervised baseline selects its epoch on val: probe_splits needs '
                         'a val split')
    heads = cfg_dict(cfg.get('heads') or {})
    head_cfg = sup_cfg.get('head') or heads.get('mlp') or dict(type='MLPLandmarkHead')
    metric_cfgs = metric_configs(cfg, False)
    # the epoch is chosen on a metric: with select_on='loss', the first of `metrics`
    select_cfg = selection_metric(settings, metric_cfgs) or metric_cfgs[0]
    fp = encoder_fingerprint(dict(encoder=encoder_cfg, supervised=sup_cfg, head=head_cfg,
                                  select=select_cfg, train=data_fps['train'],
                                  val=data_fps['val']), seed=sup_cfg.get('seed', 0),
                             device=device)
    record = osp.join(cache_dir, f'supervised-{fp[:32]}.json') if cache_dir else None
    sup_cfg = {k: v for k, v in sup_cfg.items() if k != 'head'}
    return SupervisedEmbedder(encoder_cfg, sup_cfg, datasets, metainfo, select_cfg, head_cfg,
                              record, device), fp
