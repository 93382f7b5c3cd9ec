"""The self-supervised model: encoder + hierarchical warp head + losses (paper section 3)."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor

from hierembed.ops import photometric_l1, resize_image
from hierembed.registry import MODELS
from ..data_preprocessors import images_to_float
from ..encoders import BaseEncoder
from ..warp_heads import BaseWarpHead


def _build(cfg: dict, base: type, field: str):
    module = MODELS.build(cfg)
    if not isinstance(module, base):
        raise TypeError(f'ClassEmbedder: {field} {type(module).__name__} is not a '
                        f'{base.__name__}; derive it from {base.__module__}.{base.__name__}')
    return module


@MODELS.register_module()
class ClassEmbedder(BaseModel):
    """Learns a class embedding by warping one frame of a video into another.

    Both frames go through the shared encoder; conditioned on the two embeddings, the warp
    head predicts a probabilistic warp of the clean source frame at every active level, and
    the objective is ``sum_r L_con^r + lambda * L_cyc`` (section 3.3).

    Args:
        encoder: config of a :class:`BaseEncoder` (e.g. ``ConvEncoder``).
        warp_head: config of a :class:`BaseWarpHead` (``HierarchicalWarpHead``,
            ``FlowWarpHead``); ``embed_dim`` defaults to the encoder's.
        reconstruction_loss: per-level loss, ``LaplaceConfidenceLoss`` (ph+con) or
            ``PhotometricLoss`` (ph); a loss with ``needs_sigma`` True needs a head whose
            ``has_confidence`` is True.
        cycle_loss: ``CycleLoss`` config (needs a head whose ``has_level1_prob`` is True), or
            None to train without it.
        embedding_loss: optional loss on the batch of embeddings (both frames of every pair,
            [2B, D]), e.g. ``VarianceCovarianceLoss``; not in the paper, off by default.
        active_levels: levels trained at the start (the curriculum raises it); saved in the
            state dict so that resuming restores it.
        data_preprocessor: defaults to ``PairDataPreprocessor``.
        init_cfg: mmengine init config.

    Note:
        Levels above ``active_levels`` get no gradient: wrap with DDP using
        ``find_unused_parameters=True``.
    """

    def __init__(self, encoder: dict, warp_head: dict,
                 reconstruction_loss: dict = dict(type='LaplaceConfidenceLoss'),
                 cycle_loss: Optional[dict] = dict(type='CycleLoss', loss_weight=1.0),
                 embedding_loss: Optional[dict] = None,
                 active_levels: int = 1, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='PairDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = _build(encoder, BaseEncoder, 'encoder')
        warp_head = dict(warp_head)
        warp_head.setdefault('embed_dim', self.encoder.embed_dim)
        self.warp_head = _build(warp_head, BaseWarpHead, 'warp_head')
        sizes = self.warp_head.sizes
        if sizes and sizes[-1] > self.encoder.input_size:
            raise ValueError(
                f'warp_head: base_size={sizes[0]} with num_levels={len(sizes)} gives levels '
                f'{sizes}, finer than the encoder input_size={self.encoder.input_size}: a level '
                'must not exceed the frames it warps; lower num_levels or base_size')
        self.reconstruction_loss = MODELS.build(reconstruction_loss)
        self.cycle_loss = MODELS.build(cycle_loss) if cycle_loss is not None else None
        self.embedding_loss = (MODELS.build(embedding_loss) if embedding_loss is not None
                               else None)
        if getattr(self.reconstruction_loss, 'needs_sigma', False) and not (
                self.warp_head.has_confidence):
            raise ValueError(f'{type(self.reconstruction_loss).__name__} needs a warp head with '
                             "confidence; set warp_head.confidence='per_level' or use "
                             'PhotometricLoss')
        if self.cycle_loss is not None and not self.warp_head.has_level1_prob:
            raise ValueError(f'the cycle loss needs level-1 probabilities, which '
                             f'{type(self.warp_head).__name__} does not give; set cycle_loss=None')
        self.register_buffer('_active_levels', torch.tensor(1, dtype=torch.long))
        self.active_levels = active_levels

    @property
    def input_size(self) -> int:
        return self.encoder.input_size

    @property
    def embed_dim(self) -> int:
        return self.encoder.embed_dim

    @property
    def num_levels(self) -> int:
        return self.warp_head.num_levels

    @property
    def active_levels(self) -> int:
        return int(self._active_levels.item())

    @active_levels.setter
    def active_levels(self, value: int) -> None:
        if not 1 <= int(value) <= self.num_levels:
            raise ValueError(f'active_levels must be in [1, {self.num_levels}], got {value}')
        self._active_levels.fill_(int(value))

    def embed(self, images: Tensor) -> Tensor:
        """The embedding of frames.

        Args:
            images: [B, 3, S, S] float in [0, 1] (uint8 is converted).

        Returns:
            [B, D].
        """
        return self.encoder(images_to_float(images) * 2.0 - 1.0)

    def warp(self, source: Tensor, target: Tensor, source_clean: Optional[Tensor] = None,
             num_levels: Optional[int] = None) -> Dict[str, List[Optional[Tensor]]]:
        """Warp the source frame into the target at every active level.

        Args:
            source: [B, 3, S, S] source frames in [0, 1] (fed to the encoder).
            target: [B, 3, S, S] target frames in [0, 1] (fed to the encoder).
            source_clean: [B, 3, S, S] the frame to warp (default: ``source``).
            num_levels: levels to compute (default: ``active_levels``).

        Returns:
            The warp head's per-level lists (see ``HierarchicalWarpHead.forward``) plus
            ``e_source`` and ``e_target`` ([B, D]).
        """
        e_source, e_target = self._embed_pair(source, target)
        out = self.warp_head(e_source, e_target, source if source_clean is None else source_clean,
                             self.active_levels if num_levels is None else num_levels)
        out['e_source'], out['e_target'] = e_source, e_target
        return out

    def _embed_pair(self, source: Tensor, target: Tensor):
        # One encoder pass over both frames keeps BatchNorm statistics shared.
        e = self.embed(torch.cat((source, target), dim=0))
        return e[:source.shape[0]], e[source.shape[0]:]

    def forward(self, inputs: Dict[str, Tensor], data_samples=None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], list, tuple]:
        """mmengine's entry point.

        Args:
            inputs: ``source``, ``target`` ([B, 3, S, S] in [0, 1], jittered, for the
                encoder) and optionally ``source_clean``, ``target_clean`` (the frames to
                warp and reconstruct).
            data_samples: per-sample metadata (unused by the model).
            mode: ``'loss'``, ``'predict'`` or ``'tensor'``.
        """
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            return self.predict(inputs)
        if mode == 'tensor':
            return self._embed_pair(inputs['source'], inputs['target'])
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def _targets(self, inputs: Dict[str, Tensor]):
        return inputs.get('source_clean', inputs['source']), inputs.get('target_clean',
                                                                        inputs['target'])

    def loss(self, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """``sum_r L_con^r + lambda L_cyc`` with per-level diagnostics.

        Returns:
            ``loss_rec_r`` per active level, ``loss_cyc``, ``loss_emb`` (with an
            ``embedding_loss``), and (not summed by mmengine)
            ``l1_r`` the photometric error per level, ``l1_id`` the error of the identity
            warp at level 1 (the degenerate solution to beat) and ``sigma_r``.
        """
        source_clean, target_clean = self._targets(inputs)
        out = self.warp(inputs['source'], inputs['target'], source_clean)
        losses = {}
        for r, (gen, sigma, source_r) in enumerate(
                zip(out['generated'], out['sigma'], out['source']), start=1):
            target_r = resize_image(target_clean, gen.shape[-1])
            losses[f'loss_rec_{r}'] = self.reconstruction_loss(gen, target_r, sigma,
                                                               source=source_r)
            with torch.no_grad():
                losses[f'l1_{r}'] = photometric_l1(gen, target_r)
                if sigma is not None:
                    losses[f'sigma_{r}'] = sigma.mean()
        with torch.no_grad():
            losses['l1_id'] = photometric_l1(out['source'][0],
                                             resize_image(target_clean, out['source'][0].shape[-1]))
        if self.cycle_loss is not None:
            prob_back = self.warp_head.level1_prob(out['e_target'], out['e_source'])
            losses['loss_cyc'] = self.cycle_loss(out['prob'][0], prob_back)
        if self.embedding_loss is not None:
            losses['loss_emb'] = self.embedding_loss(torch.cat((out['e_source'],
                                                                out['e_target'])))
        return losses

    @torch.no_grad()
    def predict(self, inputs: Dict[str, Tensor]) -> List[dict]:
        """Per-sample warps for validation and visualisation.

        Returns:
            One dict per sample with lists over levels: ``generated`` [3, W_r, W_r],
            ``target`` [3, W_r, W_r], ``sigma`` [1, W_r, W_r] or None, ``l1`` (float, the
            photometric error of that level), and ``l1_id`` (the identity warp's error).
        """
        source_clean, target_clean = self._targets(inputs)
        out = self.warp(inputs['source'], inputs['target'], source_clean)
        results = []
        for i in range(inputs['source'].shape[0]):
            res = dict(generated=[], target=[], sigma=[], l1=[])
            for gen, sigma in zip(out['generated'], out['sigma']):
                tgt = resize_image(target_clean[i:i + 1], gen.shape[-1])[0]
                res['generated'].append(gen[i])
                res['target'].append(tgt)
                res['sigma'].append(None if sigma is None else sigma[i])
                res['l1'].append(float((gen[i] - tgt).abs().sum(0).mean()))
            tgt1 = resize_image(target_clean[i:i + 1], out['source'][0].shape[-1])[0]
            res['l1_id'] = float((out['source'][0][i] - tgt1).abs().sum(0).mean())
            results.append(res)
        return results
