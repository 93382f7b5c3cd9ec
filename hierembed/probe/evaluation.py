"""Scoring probe predictions with the configured ``METRICS``, on test and for model selection.

Metrics run through mmengine's ``Evaluator.offline_evaluate``: one data sample per instance
(``BaseKeypointMetric``'s contract), the flat ``{name: mean, 'name/<keypoint>': value}`` output
regrouped per metric into its mean, per-keypoint values and report groups.
"""
import copy
from typing import Dict, List, Optional

import numpy as np
from mmengine.evaluator import Evaluator
from torch import nn

from hierembed.registry import METRICS
from .features import ProbeTargets
from .fitting import predict
from .report import groups_of


def cfg_dict(value) -> dict:
    """A plain deep copy of a config section (``ConfigDict`` or dict)."""
    return value.to_dict() if hasattr(value, 'to_dict') else copy.deepcopy(dict(value))


def metric_configs(cfg, with_visibility: bool) -> List[dict]:
    """The config's ``metrics``; a ``VisibilityAUCMetric`` is added when visibility is probed."""
    metrics = [cfg_dict(m) for m in (cfg.get('metrics') or [dict(type='PCKMetric', thr=0.2)])]
    if with_visibility and not any(m['type'] == 'VisibilityAUCMetric' for m in metrics):
        metrics.append(dict(type='VisibilityAUCMetric'))
    return metrics


def build_metrics(metric_cfgs: List[dict], metainfo: dict) -> list:
    """The ``METRICS`` of ``metric_cfgs``, each with the dataset metainfo as ``dataset_meta``."""
    metrics = []
    for mc in metric_cfgs:
        metric = METRICS.build(copy.deepcopy(mc))
        metric.dataset_meta = metainfo
        metrics.append(metric)
    return metrics


def data_samples(targets: ProbeTargets, pred_keypoints: np.ndarray,
                 pred_visibility: Optional[np.ndarray] = None) -> List[dict]:
    """One metric data sample per instance (``BaseKeypointMetric``'s contract)."""
    samples = []
    for i in range(len(targets)):
        sample = dict(pred_keypoints=pred_keypoints[i], keypoints=targets.keypoints[i],
                      keypoints_visible=targets.keypoints_visible[i], norm=targets.norm[i],
                      bbox=targets.bbox[i])
        if pred_visibility is not None:
            sample['pred_visibility'] = pred_visibility[i]
        samples.append(sample)
    return samples


def _offline(metrics: list, samples: List[dict]) -> Dict[str, float]:
    # one chunk; the probe runs on one process (tools/probe.py), so evaluate gathers nothing
    return Evaluator(metrics).offline_evaluate(samples, chunk_size=max(1, len(samples)))


def evaluate_predictions(metric_cfgs: List[dict], metainfo: dict, targets: ProbeTargets,
                         pred_keypoints: np.ndarray,
                         pred_visibility: Optional[np.ndarray] = None) -> Dict[str, dict]:
    """Score predictions on one split with every configured metric.

    Args:
        metric_cfgs: ``METRICS`` configs.
        metainfo: the dataset metainfo (``keypoint_names``, ``keypoint_groups``).
        targets: the split's ground truth.
        pred_keypoints: [N, K, 2] predictions in crop pixels.
        pred_visibility: [N, K] visibility scores, or None (visibility metrics are skipped).

    Returns:
        ``{metric name: dict(mean, per_keypoint, groups, greater_is_better)}`` (values in %).
    """
    groups = metainfo.get('keypoint_groups') or {n: [n] for n in metainfo['keypoint_names']}
    metrics = [m for m in build_metrics(metric_cfgs, metainfo)
               if pred_visibility is not None or 'pred_visibility' not in m.required_keys]
    flat = _offline(metrics, data_samples(targets, pred_keypoints, pred_visibility))
    out = {}
    for metric in metrics:
        per_kpt = {k[len(metric.name) + 1:]: v for k, v in flat.items()
                   if k.startswith(metric.name + '/')}
        out[metric.name] = dict(mean=flat[metric.name], per_keypoint=per_kpt,
                                groups=groups_of(per_kpt, groups),
                                greater_is_better=metric.greater_is_better)
    return out


def has_visibility_labels(targets: ProbeTargets) -> bool:
    """Whether some landmark has both visible and occluded labels (a VisAUC is defined)."""
    v = targets.keypoints_visible
    return bool(((v == 1).any(axis=0) & (v == 2).any(axis=0)).any())


def selection_metric(settings: dict, metric_cfgs: List[dict]) -> Optional[dict]:
    """The metric config named by ``probe_cfg.select_on`` (None: the first of ``metrics``, the
    reported one); None when selecting on the val loss (``select_on='loss'``).

    Raises:
        ValueError: ``select_on`` names no configured metric.
    """
    name = settings.get('select_on')
    if name == 'loss':
        return None
    if name is None:
        return metric_cfgs[0]
    built = {METRICS.build(copy.deepcopy(mc)).name: mc for mc in metric_cfgs}
    if name not in built:
        raise ValueError(f'probe_cfg.select_on: {name!r} is neither "loss" nor a configured '
                         f'metric ({sorted(built)})')
    return built[name]


class ValScorer:
    """One metric on the val split, as a function of a head (for model selection).

    Args:
        metric_cfg: the ``METRICS`` config.
        metainfo: the dataset metainfo.
        targets: the val split's ground truth.
        feats: [N, D] standardised val features (None: only :meth:`score` is used).
        pred_key: ``'pred_keypoints'`` (the head predicts normalised coordinates, scaled by
            ``scale``) or ``'pred_visibility'``.
        scale: crop size S for keypoint heads.
    """

    def __init__(self, metric_cfg: dict, metainfo: dict, targets: ProbeTargets,
                 feats: Optional[np.ndarray], pred_key: str = 'pred_keypoints',
                 scale: float = 1.0) -> None:
        self.metric = build_metrics([metric_cfg], metainfo)[0]
        self.name = self.metric.name
        self.greater_is_better = self.metric.greater_is_better
        self.feats, self.pred_key, self.scale = feats, pred_key, scale
        self.samples = data_samples(targets, np.zeros_like(targets.keypoints),
                                    np.zeros_like(targets.keypoints_visible))

    def __call__(self, head: nn.Module) -> float:
        return self.score(predict(head, self.feats) * self.scale)

    def score(self, pred: np.ndarray) -> float:
        """The metric of [N, K, 2] keypoint (or [N, K] visibility) predictions on val."""
        for sample, p in zip(self.samples, pred):
            sample[self.pred_key] = p
        return float(_offline([self.metric], self.samples)[self.name])
