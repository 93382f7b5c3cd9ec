"""The supervised ceiling: the encoder architecture trained end to end on the probe's labels.

The ``supervised`` baseline reads the self-supervised numbers on a scale: the same encoder
(``model.encoder`` of the training config) with the 2-layer landmark head, trained end to end on
the probe's train split with the head's masked regression loss, the epoch chosen on val with the
probe's selection metric. Its frozen features are then probed by the heads like every other
encoder's. It depends only on the data, the encoder config, ``supervised_cfg`` and its seed,
never on the checkpoint under test, so ``run_probe`` caches its embeddings.
"""
import copy
import time
from typing import Callable, Dict, Optional

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from hierembed.registry import MODELS, PROBE_HEADS
from .features import ProbeTargets, collate_keypoint_samples


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
                     val_score: Callable[[np.ndarray], float], greater_is_better: bool,
                     epochs: int = 20, batch_size: int = 32, lr: float = 1e-3,
                     weight_decay: float = 0.0, seed: int = 0,
                     init_mean: Optional[torch.Tensor] = None,
                     num_threads: Optional[int] = None) -> tuple:
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

    Returns:
        ``(EncoderEmbedder in eval mode, record)``: the record has ``best_epoch``,
        ``val_scores`` (one per epoch, epoch 0 first), ``seconds``.
    """
    previous = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        t0 = time.time()
        model = build_encoder_embedder(encoder_cfg, seed)
        (x_tr, t_tr), (x_val, _) = train, val
        size = float(t_tr.input_size)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            head = PROBE_HEADS.build(dict(copy.deepcopy(head_cfg),
                                          in_channels=_embed(model, x_tr[:2]).shape[1],
                                          num_keypoints=t_tr.keypoints.shape[1]))
        if init_mean is not None:
            head.init_from_mean(init_mean)
        kpts = torch.as_tensor(t_tr.keypoints / size, dtype=torch.float32)
        mask = torch.as_tensor(t_tr.keypoints_visible, dtype=torch.float32)
        params = list(model.parameters()) + list(head.parameters())
        optim = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
        generator = torch.Generator().manual_seed(seed)

        def score() -> float:
            model.eval()
            head.eval()
            with torch.no_grad():
                value = float(val_score(head(_embed(model, x_val)).numpy() * size))
            model.train()
            head.train()
            return value

        scores = [score()]
        best = (scores[0], 0, copy.deepcopy((model.state_dict(), head.state_dict())))
        for epoch in range(1, epochs + 1):
            order = torch.randperm(len(x_tr), generator=generator)
            for start in range(0, len(order), batch_size):
                index = order[start:start + batch_size]
                if len(index) < 2:  # BatchNorm needs two samples
                    continue
                optim.zero_grad()
                feats = model.embed(x_tr[index].float() / 255.0)
                head.loss(feats, kpts[index], mask[index])['loss_kpt'].backward()
                optim.step()
            scores.append(score())
            if np.isfinite(scores[-1]) and (scores[-1] > best[0] if greater_is_better
                                            else scores[-1] < best[0]):
                best = (scores[-1], epoch, copy.deepcopy((model.state_dict(),
                                                          head.state_dict())))
        model.load_state_dict(best[2][0])
        model.eval().requires_grad_(False)
        record: Dict = dict(best_epoch=best[1], val_scores=scores, seconds=time.time() - t0)
        return model, record
    finally:
        torch.set_num_threads(previous)
