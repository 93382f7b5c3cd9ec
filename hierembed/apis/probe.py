"""The probe engine: frozen embeddings -> trained downstream heads -> test metrics and reports.

:func:`run_probe` does the whole evaluation of paper section 5 for one config: build the probe
set's splits, embed them with the trained encoder and with every baseline (cached on disk), train
each landmark head (and its visibility classifier) on train with model selection on val, score
test, and write ``results.json``, ``results.md`` and prediction PNGs.

:func:`probe_features` is the same evaluation from feature matrices: any callable or matrix can
stand in for an encoder (ground-truth keypoints, noise, another model's features).

Baselines:

- ``random_init``: the same architecture with seeded random weights, probed the same way.
- ``mean_pose``: no image at all; every test instance gets the mean of the training split's
  labelled keypoints (and, for visibility, each landmark's training rate of being visible, a
  constant score whose ROC AUC is 50 %). A probe that does not beat it has learned nothing. It
  has no head to train, so the same closed-form prediction is recorded under every head name
  (flagged ``closed_form``) to keep ``results.json`` uniform.
- ``supervised``: the ceiling, the same encoder trained end to end on the probe's train labels
  (:mod:`.supervised`), its frozen features probed like every other encoder's.

Every encoder is probed once per probe seed (``probe_cfg.seeds``); cells are the mean over seeds
with a 95 % Student t interval, and deltas are paired per seed (``docs/probe.md``).
"""
import copy
import datetime
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from torch import nn

from hierembed.registry import DATASETS, METRICS
from hierembed.version import __version__
from .features import (FeatureCache, ProbeTargets, dataset_fingerprint, encoder_fingerprint,
                       extract_split)
from .head_training import (FeatureStandardizer, fit_head, landmark_loss, predict, to_tensors,
                            visibility_loss)
from .inference import embed_images, init_embedder, resolve_model_cfg
from .report import (INTERVAL_NOTE, gap_closed, groups_of, paired_deltas, print_tables,
                     results_markdown, t_interval, write_results_json)
from .supervised import build_encoder_embedder, load_split, train_supervised

SPLITS = ('train', 'val', 'test')
KNOWN_BASELINES = ('random_init', 'mean_pose', 'supervised')

#: ``probe_cfg`` defaults (a config's ``probe_cfg`` overrides them key by key).
PROBE_DEFAULTS = dict(
    epochs=300,            # most epochs per head
    batch_size=256,        # instances per Adam step
    lr=1e-3,               # Adam learning rate (a list: chosen on val)
    weight_decay=[0.0, 1e-4, 1e-2],  # chosen on val
    val_interval=1,        # epochs between validation checks
    patience=20,           # checks without improvement before stopping
    seeds=1,               # probe seeds (a count n: 0..n-1, or a list): each re-draws the
                           # random_init weights, the heads' init and batch order
    select_on=None,        # val metric that picks epoch and weight decay (None: the first of
                           # `metrics`; 'loss': the val loss)
    val_fraction=0.1,      # of train held out for selection when there is no val split
    embed_batch_size=64,   # images per encoder forward pass
    num_workers=0,         # DataLoader workers while embedding
    cache=True,            # keep embeddings on disk, keyed by checkpoint and data
    cache_dir=None,        # default: <work_dir>/feature_cache
    num_vis_images=8,      # test crops drawn per (encoder, head) PNG
    init_from_mean=True,   # heads start as the mean-pose / base-rate predictor
    num_threads=1,         # torch threads while training heads (tiny ops: 1 is fastest)
)


def _cfg_dict(value) -> dict:
    return value.to_dict() if isinstance(value, ConfigDict) else copy.deepcopy(dict(value))


def probe_settings(cfg: Config) -> dict:
    """``PROBE_DEFAULTS`` updated with the config's ``probe_cfg``."""
    settings = dict(PROBE_DEFAULTS)
    settings.update(_cfg_dict(cfg.get('probe_cfg') or {}))
    return settings


def metric_configs(cfg: Config, with_visibility: bool) -> List[dict]:
    """The config's ``metrics``; a ``VisibilityAUCMetric`` is added when visibility is probed."""
    metrics = [_cfg_dict(m) for m in (cfg.get('metrics') or [dict(type='PCKMetric', thr=0.2)])]
    if with_visibility and not any(m['type'] == 'VisibilityAUCMetric' for m in metrics):
        metrics.append(dict(type='VisibilityAUCMetric'))
    return metrics


def _build_metrics(metric_cfgs: List[dict], metainfo: dict) -> list:
    metrics = []
    for mc in metric_cfgs:
        metric = METRICS.build(copy.deepcopy(mc))
        metric.dataset_meta = metainfo
        metrics.append(metric)
    return metrics


def _samples(targets: ProbeTargets, pred_keypoints: np.ndarray,
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
    samples = _samples(targets, pred_keypoints, pred_visibility)
    groups = metainfo.get('keypoint_groups') or {n: [n] for n in metainfo['keypoint_names']}
    out = {}
    for metric in _build_metrics(metric_cfgs, metainfo):
        if 'pred_visibility' in metric.required_keys and pred_visibility is None:
            continue
        metric.process(None, samples)
        # compute_metrics, not evaluate: evaluate gathers results across ranks, and under a
        # launcher only rank 0 probes.
        flat = metric.compute_metrics(metric.results)
        metric.results.clear()
        per_kpt = {k[len(metric.name) + 1:]: v for k, v in flat.items()
                   if k.startswith(metric.name + '/')}
        out[metric.name] = dict(mean=flat[metric.name], per_keypoint=per_kpt,
                                groups=groups_of(per_kpt, groups),
                                greater_is_better=metric.greater_is_better)
    return out


def _has_visibility_labels(targets: ProbeTargets) -> bool:
    v = targets.keypoints_visible
    return bool(((v == 1).any(axis=0) & (v == 2).any(axis=0)).any())


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


def _carve_val(targets: Dict[str, ProbeTargets], features: Dict[str, dict], fraction: float,
               seed: int):
    """Hold out ``fraction`` of train as val when the probe set has no val split."""
    n = len(targets['train'])
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * fraction)))
    val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
    targets = dict(targets, train=targets['train'].subset(train_idx),
                   val=targets['train'].subset(val_idx))

    def carve(f):
        if 'train' not in f:  # per seed
            return {s: carve(v) for s, v in f.items()}
        return dict(f, train=f['train'][train_idx], val=f['train'][val_idx])

    return targets, {enc: carve(f) for enc, f in features.items()}


def probe_seeds(settings: dict) -> List[int]:
    """``probe_cfg.seeds`` as a list: a count n is ``[0, ..., n - 1]``."""
    seeds = settings['seeds']
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f'probe_cfg.seeds: at least one seed is needed, got {seeds}')
        return list(range(seeds))
    return [int(s) for s in seeds]


def selection_metric(cfg_or_settings, metric_cfgs: List[dict]) -> Optional[dict]:
    """The metric config named by ``probe_cfg.select_on`` (default: the first of ``metrics``);
    None when selecting on the val loss (``select_on='loss'``).

    Raises:
        ValueError: ``select_on`` names no configured metric.
    """
    name = cfg_or_settings.get('select_on')
    built = {METRICS.build(copy.deepcopy(mc)).name: mc for mc in metric_cfgs}
    if name == 'loss':
        return None
    if name is None:
        return metric_cfgs[0]
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
                 feats: np.ndarray, pred_key: str = 'pred_keypoints', scale: float = 1.0):
        self.metric = _build_metrics([metric_cfg], metainfo)[0]
        self.name = self.metric.name
        self.greater_is_better = self.metric.greater_is_better
        self.feats, self.pred_key, self.scale = feats, pred_key, scale
        self.samples = _samples(targets, np.zeros_like(targets.keypoints),
                                np.zeros_like(targets.keypoints_visible))

    def __call__(self, head: nn.Module) -> float:
        return self.score(predict(head, self.feats) * self.scale)

    def score(self, pred: np.ndarray) -> float:
        """The metric of [N, K, 2] keypoint (or [N, K] visibility) predictions on val."""
        for sample, p in zip(self.samples, pred):
            sample[self.pred_key] = p
        return float(self.metric.compute_metrics(self.samples)[self.name])


def _probe_one_encoder(feats: Dict[str, np.ndarray], targets: Dict[str, ProbeTargets],
                       metainfo: dict, heads: Dict[str, dict], visibility_heads: Dict[str, dict],
                       metric_cfgs: List[dict], select_cfg: Optional[dict], settings: dict,
                       seed: int) -> Dict[str, dict]:
    scaler = FeatureStandardizer().fit(feats['train'])
    x = {s: scaler.transform(feats[s]) for s in SPLITS}
    size = float(targets['train'].input_size)
    num_kpt = targets['train'].keypoints.shape[1]
    fit_kwargs = dict(settings, seed=seed)

    def regression(split):
        t = targets[split]
        return to_tensors(x[split], t.keypoints / size, t.keypoints_visible)

    with_vis = _has_visibility_labels(targets['train'])
    mean_kpt, vis_rate = mean_pose_prediction(targets['train'], 1)
    kpt_init = vis_init = None
    if settings['init_from_mean']:
        kpt_init, vis_init = to_tensors(mean_kpt[0] / size, vis_rate[0])
    kpt_select = vis_select = {}
    if select_cfg is not None:
        scorer = ValScorer(select_cfg, metainfo, targets['val'], x['val'], scale=size)
        kpt_select = dict(val_score=scorer, greater_is_better=scorer.greater_is_better,
                          select_on=scorer.name)
        vis = ValScorer(dict(type='VisibilityAUCMetric'), metainfo, targets['val'], x['val'],
                        pred_key='pred_visibility')
        vis_select = dict(val_score=vis, greater_is_better=True, select_on=vis.name)
    out = {}
    for head_name, head_cfg in heads.items():
        head_cfg = dict(_cfg_dict(head_cfg), in_channels=x['train'].shape[1],
                        num_keypoints=num_kpt)
        fit = fit_head(head_cfg, landmark_loss, regression('train'), regression('val'),
                       init_mean=kpt_init, **dict(fit_kwargs, **kpt_select))
        pred = predict(fit.head, x['test']) * size
        entry = dict(selection=fit.selection, predictions=pred)
        pred_vis = None
        if with_vis and head_name in visibility_heads:
            vis_cfg = dict(_cfg_dict(visibility_heads[head_name]),
                           in_channels=x['train'].shape[1], num_keypoints=num_kpt)
            vis_fit = fit_head(vis_cfg, visibility_loss,
                               to_tensors(x['train'], targets['train'].keypoints_visible),
                               to_tensors(x['val'], targets['val'].keypoints_visible),
                               init_mean=vis_init, **dict(fit_kwargs, **vis_select))
            pred_vis = predict(vis_fit.head, x['test'])
            entry['visibility_selection'] = vis_fit.selection
        entry['metrics'] = evaluate_predictions(metric_cfgs, metainfo, targets['test'], pred,
                                                pred_vis)
        out[head_name] = entry
    return out


def _over_seeds(per_seed: List[Dict[str, dict]], seeds: List[int]) -> Dict[str, dict]:
    """Per-seed metric dicts -> one: means over seeds, their 95 % half-widths, the seeds' values.

    Each metric gets ``mean``, ``per_keypoint`` and ``groups`` (means over seeds),
    ``interval`` (Student t 95 % half-width of ``mean`` over seeds), ``group_intervals``, and
    ``seeds`` / ``group_seeds`` (the per-seed values, in the order of ``probe_seeds``).
    """
    out = {}
    for name, first in per_seed[0].items():
        ms = [m[name] for m in per_seed]
        means = [m['mean'] for m in ms]
        groups = {g: [m['groups'][g] for m in ms] for g in first['groups']}
        out[name] = dict(
            mean=float(np.mean(means)),
            per_keypoint={k: _nanmean([m['per_keypoint'][k] for m in ms])
                          for k in first['per_keypoint']},
            groups={g: _nanmean(v) for g, v in groups.items()},
            greater_is_better=first['greater_is_better'],
            interval=t_interval(means), group_intervals={g: t_interval(v)
                                                         for g, v in groups.items()},
            seeds=means, group_seeds=groups, probe_seeds=list(seeds))
    return out


def _nanmean(values: Sequence[float]) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else float('nan')


def _compare(encoders: Dict[str, dict]) -> None:
    """Add, per probe and metric, the paired (per probe seed) difference to random init and to
    the mean pose, its 95 % half-width, and the fraction of the random-init-to-supervised gap
    that the encoder closes."""
    def seeds_of(enc, head, metric):
        m = encoders.get(enc, {}).get('heads', {}).get(head, {}).get('metrics', {}).get(metric)
        return None if m is None else m['seeds']

    for enc, enc_entry in encoders.items():
        for head, entry in enc_entry['heads'].items():
            comparisons = {}
            for metric, m in entry['metrics'].items():
                comp = {}
                for base in ('random_init', 'mean_pose'):
                    other = seeds_of(base, head, metric)
                    if base == enc or other is None:
                        continue
                    deltas = paired_deltas(m['seeds'], other)
                    delta = float(np.mean(deltas))
                    comp[f'vs_{base}'] = delta
                    comp[f'vs_{base}_interval'] = t_interval(deltas)
                    comp[f'vs_{base}_seeds'] = deltas
                    if base == 'mean_pose' and np.isfinite(delta):
                        comp['beats_mean_pose'] = bool(delta > 0 if m['greater_is_better']
                                                       else delta < 0)
                rand, sup = seeds_of('random_init', head, metric), seeds_of('supervised', head,
                                                                            metric)
                if enc not in ('random_init', 'supervised', 'mean_pose') and rand and sup:
                    comp['gap_closed'] = gap_closed(m['mean'], float(np.mean(rand)),
                                                    float(np.mean(sup)))
                comparisons[metric] = comp
            entry['comparisons'] = comparisons


def _features_of(feats: dict, seed: int) -> Dict[str, np.ndarray]:
    """An encoder's features for one probe seed: ``{split: [N, D]}`` is the same for every seed,
    ``{seed: {split: [N, D]}}`` (``random_init``) is drawn per seed."""
    return feats if 'train' in feats else feats[seed]


def probe_features(features: Dict[str, dict], targets: Dict[str, ProbeTargets], metainfo: dict,
                   cfg: Config, mean_pose: bool = True) -> dict:
    """Probe feature matrices: train every head per encoder and probe seed, score test, compare.

    Args:
        features: encoder name -> split (``'train'``, ``'val'`` (optional), ``'test'``) -> [N, D],
            or encoder name -> probe seed -> split -> [N, D] for an encoder drawn per seed.
        targets: split -> :class:`ProbeTargets` (same instances, same order).
        metainfo: the dataset metainfo (``keypoint_names``, ``keypoint_groups``, ``skeleton``).
        cfg: the probe config (``heads``, ``visibility_heads`` (or one ``visibility_head`` for
            every head), ``metrics``, ``probe_cfg``).
        mean_pose: add the ``mean_pose`` baseline.

    Returns:
        The ``results`` dict of ``results.json`` (see ``docs/probe.md``), with each head entry's
        test ``predictions`` of the first probe seed ([N, K, 2] crop pixels) included
        (``run_probe`` strips them).
    """
    settings = probe_settings(cfg)
    seeds = probe_seeds(settings)
    if 'val' not in targets:
        targets, features = _carve_val(targets, features, settings['val_fraction'], seeds[0])
    heads = _cfg_dict(cfg.get('heads') or dict(linear=dict(type='LinearLandmarkHead'),
                                               mlp=dict(type='MLPLandmarkHead')))
    visibility_heads = _cfg_dict(cfg.get('visibility_heads') or {})
    if not visibility_heads and cfg.get('visibility_head'):
        # one visibility classifier config for every landmark head
        visibility_heads = {name: _cfg_dict(cfg.visibility_head) for name in heads}
    with_vis = bool(visibility_heads) and _has_visibility_labels(targets['train'])
    metric_cfgs = metric_configs(cfg, with_vis)
    select_cfg = selection_metric(settings, metric_cfgs)

    encoders = {}
    for enc, feats in features.items():
        runs = [_probe_one_encoder(_features_of(feats, s), targets, metainfo, heads,
                                   visibility_heads, metric_cfgs, select_cfg, settings, s)
                for s in seeds]
        enc_heads = {}
        for head in heads:
            entry = dict(runs[0][head], metrics=_over_seeds([r[head]['metrics'] for r in runs],
                                                            seeds),
                         selection=[r[head]['selection'] for r in runs])
            if 'visibility_selection' in entry:
                entry['visibility_selection'] = [r[head]['visibility_selection'] for r in runs]
            enc_heads[head] = entry
        encoders[enc] = dict(embed_dim=int(_features_of(feats, seeds[0])['train'].shape[1]),
                             heads=enc_heads)
    if mean_pose:
        n_test = len(targets['test'])
        pred, vis = mean_pose_prediction(targets['train'], n_test)
        metrics = evaluate_predictions(metric_cfgs, metainfo, targets['test'], pred,
                                       vis if with_vis else None)
        metrics = _over_seeds([metrics] * len(seeds), seeds)
        encoders['mean_pose'] = dict(embed_dim=0, heads={
            head: dict(closed_form=True, metrics=copy.deepcopy(metrics), predictions=pred)
            for head in heads})
    _compare(encoders)

    metric_info = {}
    for entry in encoders.values():
        for head_entry in entry['heads'].values():
            for name, m in head_entry['metrics'].items():
                metric_info.setdefault(name, dict(greater_is_better=m['greater_is_better']))
    meta = dict(
        object_class=metainfo.get('object_class', 'unknown'),
        keypoint_names=list(metainfo['keypoint_names']),
        keypoint_groups={g: list(v) for g, v in (metainfo.get('keypoint_groups') or {
            n: [n] for n in metainfo['keypoint_names']}).items()},
        num_instances={s: len(t) for s, t in targets.items()},
        input_size=int(targets['train'].input_size),
        metric_names=list(metric_info), metrics=metric_info,
        metric_configs=metric_cfgs, heads=heads, visibility_heads=visibility_heads,
        visibility_probed=with_vis, probe_cfg=settings, probe_seeds=seeds,
        select_on=select_cfg and METRICS.build(copy.deepcopy(select_cfg)).name or 'loss',
        interval=INTERVAL_NOTE, units='percent', hierembed_version=__version__,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'))
    return dict(meta=meta, encoders=encoders)


def resolve_keypoint_groups(groups: Dict[str, Sequence], names: Sequence[str]
                            ) -> Dict[str, List[str]]:
    """A config's ``keypoint_groups`` (members by name or 0-based index) as names.

    Raises:
        ValueError: a member is neither a keypoint name nor an index of one.
    """
    out = {}
    for group, members in groups.items():
        resolved = []
        for m in members:
            if isinstance(m, int) and 0 <= m < len(names):
                resolved.append(names[m])
            elif isinstance(m, str) and m in names:
                resolved.append(m)
            else:
                raise ValueError(f'keypoint_groups[{group!r}]: {m!r} is not a keypoint name or '
                                 f'index of {list(names)}')
        out[group] = resolved
    return out


def _build_split_datasets(cfg: Config) -> Tuple[Dict[str, object], Dict[str, dict]]:
    base = _cfg_dict(cfg.probe_dataset)
    split_cfgs = _cfg_dict(cfg.get('probe_splits') or {s: dict(split=s) for s in SPLITS})
    datasets, dataset_cfgs = {}, {}
    for split, override in split_cfgs.items():
        if override is None:
            continue
        dcfg = dict(copy.deepcopy(base), **override)
        dataset_cfgs[split] = dcfg
        datasets[split] = DATASETS.build(copy.deepcopy(dcfg))
    for split in ('train', 'test'):
        if split not in datasets:
            raise ValueError(f'probe_splits needs a {split!r} split; got {sorted(datasets)}')
    return datasets, dataset_cfgs


def _embedder_fn(model) -> Callable:
    return lambda images: embed_images(model, images)


def _visualize(results: dict, test_dataset, metainfo: dict, targets: ProbeTargets,
               out_dir: str, num_images: int) -> List[str]:
    from hierembed.visualization import keypoint_panel, save_rgb
    n = min(num_images, len(targets))
    if n <= 0:
        return []
    index = np.unique(np.linspace(0, len(targets) - 1, n).round().astype(int))
    images = [test_dataset[int(i)]['img'] for i in index]
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for enc, enc_entry in results['encoders'].items():
        for head, entry in enc_entry['heads'].items():
            title = f'{enc} / {"mean pose" if entry.get("closed_form") else head}'
            panel = keypoint_panel(images, entry['predictions'][index], targets.keypoints[index],
                                   targets.keypoints_visible[index],
                                   metainfo.get('skeleton') or (), title=title)
            path = osp.join(out_dir, f'{enc}_{head}.png')
            save_rgb(path, panel)
            paths.append(path)
            if entry.get('closed_form'):
                break
    return paths


def _random_init_embedders(model_cfg: dict, model_cfg_only: Config, seeds: List[int],
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
            fps[name] = encoder_fingerprint(dict(encoder=model_cfg['encoder']), seed=seed)
        else:
            model = init_embedder(model_cfg_only, None, device=device, seed=seed)
            fps[name] = encoder_fingerprint(model_cfg, seed=seed)
        embedders[name] = _embedder_fn(model)
    return embedders, fps


class _SupervisedEmbedder:
    """Trains the supervised ceiling on its first call (never, when its embeddings are cached),
    then embeds like any frozen encoder."""

    def __init__(self, encoder_cfg: dict, sup_cfg: dict, datasets: dict, metainfo: dict,
                 select_cfg: Optional[dict], head_cfg: dict, record_path: Optional[str],
                 device: str) -> None:
        self.encoder_cfg, self.sup_cfg, self.datasets = encoder_cfg, sup_cfg, datasets
        self.metainfo, self.select_cfg, self.head_cfg = metainfo, select_cfg, head_cfg
        self.record_path, self.device = record_path, device
        self.model, self.record = None, None
        if record_path and osp.isfile(record_path):
            with open(record_path) as f:
                self.record = json.load(f)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self.model is None:
            self._train()
        return embed_images(self.model, images)

    def _train(self) -> None:
        train, val = (load_split(self.datasets[s]) for s in ('train', 'val'))
        select = self.select_cfg or metric_configs(Config(), False)[0]
        scorer = ValScorer(select, self.metainfo, val[1], None, scale=1.0)
        size = float(train[1].input_size)
        mean_kpt, _ = mean_pose_prediction(train[1], 1)
        kwargs = {k: v for k, v in self.sup_cfg.items() if k != 'head'}
        self.model, self.record = train_supervised(
            self.encoder_cfg, self.head_cfg, train, val, scorer.score,
            scorer.greater_is_better, init_mean=to_tensors(mean_kpt[0] / size)[0], **kwargs)
        self.record['select_on'] = scorer.name
        self.model.to(self.device)
        if self.record_path:
            os.makedirs(osp.dirname(self.record_path), exist_ok=True)
            with open(self.record_path, 'w') as f:
                json.dump(self.record, f)


def run_probe(cfg: Config, checkpoint: Optional[str], work_dir: str,
              baselines: Optional[Sequence[str]] = None, device: str = 'cpu',
              progress: bool = True, config_path: Optional[str] = None,
              train_config: Optional[str] = None) -> dict:
    """Evaluate a trained embedder (and baselines) on a probe set, write the reports.

    Args:
        cfg: the probe config (``probe_dataset``, ``probe_splits``, ``heads``,
            ``visibility_heads``, ``metrics``, ``probe_cfg``, ``baselines``,
            ``supervised_cfg``, optionally ``model`` and ``keypoint_groups``, the report's
            columns when the dataset metainfo's do not suit).
        checkpoint: the trained embedder; None probes only the baselines.
        work_dir: where ``results.json``, ``results.md``, ``vis/`` and the feature cache go.
        baselines: overrides ``cfg.baselines`` (names from ``KNOWN_BASELINES``).
        device: where the encoders run.
        progress: rich progress bars while embedding.
        config_path: recorded in the report.
        train_config: a training config whose ``model`` is the encoder's (instead of the probe
            config's ``model`` or the one the checkpoint stores).

    Returns:
        The ``results`` dict written to ``results.json``.
    """
    init_default_scope(cfg.get('default_scope', 'hierembed'))
    baselines = list(cfg.get('baselines', list(KNOWN_BASELINES)) if baselines is None
                     else baselines)
    unknown = sorted(set(baselines) - set(KNOWN_BASELINES))
    if unknown:
        raise ValueError(f'unknown baselines {unknown}; known: {list(KNOWN_BASELINES)}')
    if checkpoint is None and not {'random_init', 'supervised'} & set(baselines):
        raise ValueError('nothing to probe: no checkpoint and no random_init or supervised '
                         'baseline')
    settings = probe_settings(cfg)
    seeds = probe_seeds(settings)
    os.makedirs(work_dir, exist_ok=True)

    model_cfg = resolve_model_cfg(train_config if train_config else cfg, checkpoint).to_dict()
    embedders, fingerprints = {}, {}
    model_cfg_only = Config(dict(cfg.to_dict(), model=model_cfg))
    if checkpoint is not None:
        embedders['trained'] = _embedder_fn(init_embedder(model_cfg_only, checkpoint,
                                                          device=device))
        fingerprints['trained'] = encoder_fingerprint(model_cfg, checkpoint=checkpoint)
    if 'random_init' in baselines:
        e, f = _random_init_embedders(model_cfg, model_cfg_only, seeds, device)
        embedders.update(e)
        fingerprints.update(f)

    datasets, dataset_cfgs = _build_split_datasets(cfg)
    metainfo = dict(datasets['train'].metainfo)
    if cfg.get('keypoint_groups'):
        metainfo['keypoint_groups'] = resolve_keypoint_groups(
            _cfg_dict(cfg.keypoint_groups), metainfo['keypoint_names'])
    cache_dir = (settings['cache_dir'] or osp.join(work_dir, 'feature_cache')) \
        if settings['cache'] else None
    cache = FeatureCache(cache_dir)
    data_fps = {split: dataset_fingerprint(dataset_cfgs[split], dataset)
                for split, dataset in datasets.items()}
    supervised = None
    if 'supervised' in baselines:
        supervised, fingerprints['supervised'] = _supervised_embedder(
            cfg, model_cfg, settings, datasets, metainfo, data_fps, cache_dir, device)
        embedders['supervised'] = supervised
    targets, features = {}, {enc: {} for enc in embedders}
    for split, dataset in datasets.items():
        targets[split], feats = extract_split(
            dataset, embedders, fingerprints, data_fps[split], cache,
            batch_size=settings['embed_batch_size'], num_workers=settings['num_workers'],
            description=f'embedding {split}', progress=progress)
        for enc, f in feats.items():
            features[enc][split] = f
    grouped = {enc: f for enc, f in features.items() if not enc.startswith('random_init/')}
    if 'random_init' in baselines:
        grouped['random_init'] = {s: features[f'random_init/seed{s}'] for s in seeds}
    order = [e for e in ('trained', 'random_init', 'supervised') if e in grouped]
    results = probe_features({e: grouped[e] for e in order}, targets, metainfo, cfg,
                             mean_pose='mean_pose' in baselines)
    results['meta'].update(checkpoint=checkpoint, config=config_path,
                           train_config=train_config,
                           checkpoint_fingerprint=fingerprints.get('trained'),
                           baselines=baselines, dataset_configs=dataset_cfgs)
    if supervised is not None:
        results['meta']['supervised'] = dict(supervised.record or {},
                                             config=supervised.sup_cfg)
    results['meta']['visualizations'] = [
        osp.relpath(p, work_dir) for p in _visualize(
            results, datasets['test'], metainfo, targets['test'], osp.join(work_dir, 'vis'),
            settings['num_vis_images'])]
    for enc_entry in results['encoders'].values():
        for entry in enc_entry['heads'].values():
            entry.pop('predictions', None)
    write_results_json(results, osp.join(work_dir, 'results.json'))
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(results_markdown(results))
    if progress:
        print_tables(results)
    return results


def _supervised_embedder(cfg: Config, model_cfg: dict, settings: dict, datasets: dict,
                         metainfo: dict, data_fps: Dict[str, str], cache_dir: Optional[str],
                         device: str) -> Tuple[_SupervisedEmbedder, str]:
    """The lazily trained ceiling and its fingerprint (encoder, recipe, train and val data)."""
    sup_cfg = _cfg_dict(cfg.get('supervised_cfg') or {})
    encoder_cfg = sup_cfg.pop('encoder', None) or model_cfg.get('encoder')
    if encoder_cfg is None:
        raise ValueError('the supervised baseline needs an encoder: the model config has no '
                         '`encoder`; set supervised_cfg.encoder')
    if 'val' not in datasets:
        raise ValueError('the supervised baseline selects its epoch on val: probe_splits needs '
                         'a val split')
    heads = _cfg_dict(cfg.get('heads') or {})
    head_cfg = sup_cfg.get('head') or heads.get('mlp') or dict(type='MLPLandmarkHead')
    metric_cfgs = metric_configs(cfg, False)
    select_cfg = selection_metric(settings, metric_cfgs)
    fp = encoder_fingerprint(dict(encoder=encoder_cfg, supervised=sup_cfg, head=head_cfg,
                                  select=select_cfg, train=data_fps['train'],
                                  val=data_fps['val']), seed=sup_cfg.get('seed', 0))
    record = osp.join(cache_dir, f'supervised-{fp[:32]}.json') if cache_dir else None
    sup_cfg = {k: v for k, v in sup_cfg.items() if k != 'head'}
    return _SupervisedEmbedder(encoder_cfg, sup_cfg, datasets, metainfo, select_cfg, head_cfg,
                               record, device), fp
