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
"""
import copy
import datetime
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope

from hierembed.registry import DATASETS, METRICS
from hierembed.version import __version__
from .features import (FeatureCache, ProbeTargets, dataset_fingerprint, encoder_fingerprint,
                       extract_split)
from .head_training import (FeatureStandardizer, fit_head, landmark_loss, predict, to_tensors,
                            visibility_loss)
from .inference import embed_images, init_embedder, resolve_model_cfg
from .report import groups_of, print_tables, results_markdown, write_results_json

SPLITS = ('train', 'val', 'test')
KNOWN_BASELINES = ('random_init', 'mean_pose')

#: ``probe_cfg`` defaults (a config's ``probe_cfg`` overrides them key by key).
PROBE_DEFAULTS = dict(
    epochs=300,            # most epochs per head
    batch_size=256,        # instances per Adam step
    lr=1e-3,               # Adam learning rate (a list: chosen on val)
    weight_decay=[0.0, 1e-4, 1e-2],  # chosen on val
    val_interval=1,        # epochs between validation checks
    patience=20,           # checks without improvement before stopping
    seed=0,                # heads, batch order, random_init weights, val carve-out
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
    samples = []
    for i in range(len(targets)):
        sample = dict(pred_keypoints=pred_keypoints[i], keypoints=targets.keypoints[i],
                      keypoints_visible=targets.keypoints_visible[i], norm=targets.norm[i],
                      bbox=targets.bbox[i])
        if pred_visibility is not None:
            sample['pred_visibility'] = pred_visibility[i]
        samples.append(sample)
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


def _carve_val(targets: Dict[str, ProbeTargets], features: Dict[str, Dict[str, np.ndarray]],
               fraction: float, seed: int):
    """Hold out ``fraction`` of train as val when the probe set has no val split."""
    n = len(targets['train'])
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * fraction)))
    val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
    targets = dict(targets, train=targets['train'].subset(train_idx),
                   val=targets['train'].subset(val_idx))
    features = {enc: dict(f, train=f['train'][train_idx], val=f['train'][val_idx])
                for enc, f in features.items()}
    return targets, features


def _probe_one_encoder(feats: Dict[str, np.ndarray], targets: Dict[str, ProbeTargets],
                       metainfo: dict, heads: Dict[str, dict], visibility_heads: Dict[str, dict],
                       metric_cfgs: List[dict], settings: dict) -> Dict[str, dict]:
    scaler = FeatureStandardizer().fit(feats['train'])
    x = {s: scaler.transform(feats[s]) for s in SPLITS}
    size = float(targets['train'].input_size)
    num_kpt = targets['train'].keypoints.shape[1]

    def regression(split):
        t = targets[split]
        return to_tensors(x[split], t.keypoints / size, t.keypoints_visible)

    with_vis = _has_visibility_labels(targets['train'])
    mean_kpt, vis_rate = mean_pose_prediction(targets['train'], 1)
    kpt_init = vis_init = None
    if settings['init_from_mean']:
        kpt_init, vis_init = to_tensors(mean_kpt[0] / size, vis_rate[0])
    out = {}
    for head_name, head_cfg in heads.items():
        head_cfg = dict(_cfg_dict(head_cfg), in_channels=x['train'].shape[1],
                        num_keypoints=num_kpt)
        fit = fit_head(head_cfg, landmark_loss, regression('train'), regression('val'),
                       init_mean=kpt_init, **settings)
        pred = predict(fit.head, x['test']) * size
        entry = dict(selection=fit.selection, predictions=pred)
        pred_vis = None
        if with_vis and head_name in visibility_heads:
            vis_cfg = dict(_cfg_dict(visibility_heads[head_name]),
                           in_channels=x['train'].shape[1], num_keypoints=num_kpt)
            vis_fit = fit_head(vis_cfg, visibility_loss,
                               to_tensors(x['train'], targets['train'].keypoints_visible),
                               to_tensors(x['val'], targets['val'].keypoints_visible),
                               init_mean=vis_init, **settings)
            pred_vis = predict(vis_fit.head, x['test'])
            entry['visibility_selection'] = vis_fit.selection
        entry['metrics'] = evaluate_predictions(metric_cfgs, metainfo, targets['test'], pred,
                                                pred_vis)
        out[head_name] = entry
    return out


def _compare(encoders: Dict[str, dict]) -> None:
    """Add, per probe and metric, the difference to random init and to the mean pose."""
    for enc, enc_entry in encoders.items():
        for head, entry in enc_entry['heads'].items():
            comparisons = {}
            for metric, m in entry['metrics'].items():
                comp = {}
                for base in ('random_init', 'mean_pose'):
                    other = encoders.get(base, {}).get('heads', {}).get(head, {})
                    other_m = other.get('metrics', {}).get(metric)
                    if base == enc or other_m is None:
                        continue
                    delta = m['mean'] - other_m['mean']
                    comp[f'vs_{base}'] = delta
                    if base == 'mean_pose' and np.isfinite(delta):
                        comp['beats_mean_pose'] = bool(delta > 0 if m['greater_is_better']
                                                       else delta < 0)
                comparisons[metric] = comp
            entry['comparisons'] = comparisons


def probe_features(features: Dict[str, Dict[str, np.ndarray]],
                   targets: Dict[str, ProbeTargets], metainfo: dict, cfg: Config,
                   mean_pose: bool = True) -> dict:
    """Probe feature matrices: train every head per encoder, score test, compare to baselines.

    Args:
        features: encoder name -> split (``'train'``, ``'val'`` (optional), ``'test'``) -> [N, D].
        targets: split -> :class:`ProbeTargets` (same instances, same order).
        metainfo: the dataset metainfo (``keypoint_names``, ``keypoint_groups``, ``skeleton``).
        cfg: the probe config (``heads``, ``visibility_heads`` (or one ``visibility_head`` for
            every head), ``metrics``, ``probe_cfg``).
        mean_pose: add the ``mean_pose`` baseline.

    Returns:
        The ``results`` dict of ``results.json`` (see ``docs/probe.md``), with each head entry's
        test ``predictions`` ([N, K, 2] crop pixels) included (``run_probe`` strips them).
    """
    settings = probe_settings(cfg)
    if 'val' not in targets:
        targets, features = _carve_val(targets, features, settings['val_fraction'],
                                       settings['seed'])
    heads = _cfg_dict(cfg.get('heads') or dict(linear=dict(type='LinearLandmarkHead'),
                                               mlp=dict(type='MLPLandmarkHead')))
    visibility_heads = _cfg_dict(cfg.get('visibility_heads') or {})
    if not visibility_heads and cfg.get('visibility_head'):
        # one visibility classifier config for every landmark head
        visibility_heads = {name: _cfg_dict(cfg.visibility_head) for name in heads}
    with_vis = bool(visibility_heads) and _has_visibility_labels(targets['train'])
    metric_cfgs = metric_configs(cfg, with_vis)

    encoders = {}
    for enc, feats in features.items():
        encoders[enc] = dict(embed_dim=int(feats['train'].shape[1]),
                             heads=_probe_one_encoder(feats, targets, metainfo, heads,
                                                      visibility_heads, metric_cfgs, settings))
    if mean_pose:
        n_test = len(targets['test'])
        pred, vis = mean_pose_prediction(targets['train'], n_test)
        metrics = evaluate_predictions(metric_cfgs, metainfo, targets['test'], pred,
                                       vis if with_vis else None)
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
        visibility_probed=with_vis, probe_cfg=settings, units='percent',
        hierembed_version=__version__,
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


def run_probe(cfg: Config, checkpoint: Optional[str], work_dir: str,
              baselines: Optional[Sequence[str]] = None, device: str = 'cpu',
              progress: bool = True, config_path: Optional[str] = None) -> dict:
    """Evaluate a trained embedder (and baselines) on a probe set, write the reports.

    Args:
        cfg: the probe config (``probe_dataset``, ``probe_splits``, ``heads``,
            ``visibility_heads``, ``metrics``, ``probe_cfg``, ``baselines``, optionally
            ``model`` and ``keypoint_groups``, the report's columns when the dataset metainfo's
            do not suit).
        checkpoint: the trained embedder; None probes only the baselines.
        work_dir: where ``results.json``, ``results.md``, ``vis/`` and the feature cache go.
        baselines: overrides ``cfg.baselines`` (names from ``KNOWN_BASELINES``).
        device: where the encoders run.
        progress: rich progress bars while embedding.
        config_path: recorded in the report.

    Returns:
        The ``results`` dict written to ``results.json``.
    """
    init_default_scope(cfg.get('default_scope', 'hierembed'))
    baselines = list(cfg.get('baselines', list(KNOWN_BASELINES)) if baselines is None
                     else baselines)
    unknown = sorted(set(baselines) - set(KNOWN_BASELINES))
    if unknown:
        raise ValueError(f'unknown baselines {unknown}; known: {list(KNOWN_BASELINES)}')
    if checkpoint is None and 'random_init' not in baselines:
        raise ValueError('nothing to probe: no checkpoint and no random_init baseline')
    settings = probe_settings(cfg)
    os.makedirs(work_dir, exist_ok=True)

    model_cfg = resolve_model_cfg(cfg, checkpoint).to_dict()
    embedders, fingerprints = {}, {}
    model_cfg_only = Config(dict(cfg.to_dict(), model=model_cfg))
    if checkpoint is not None:
        embedders['trained'] = _embedder_fn(init_embedder(model_cfg_only, checkpoint,
                                                          device=device))
        fingerprints['trained'] = encoder_fingerprint(model_cfg, checkpoint=checkpoint)
    if 'random_init' in baselines:
        model = init_embedder(model_cfg_only, None, device=device, seed=settings['seed'])
        embedders['random_init'] = _embedder_fn(model)
        fingerprints['random_init'] = encoder_fingerprint(model_cfg, seed=settings['seed'])

    datasets, dataset_cfgs = _build_split_datasets(cfg)
    metainfo = dict(datasets['train'].metainfo)
    if cfg.get('keypoint_groups'):
        metainfo['keypoint_groups'] = resolve_keypoint_groups(
            _cfg_dict(cfg.keypoint_groups), metainfo['keypoint_names'])
    cache = FeatureCache((settings['cache_dir'] or osp.join(work_dir, 'feature_cache'))
                         if settings['cache'] else None)
    targets, features = {}, {enc: {} for enc in embedders}
    for split, dataset in datasets.items():
        data_fp = dataset_fingerprint(dataset_cfgs[split], dataset)
        targets[split], feats = extract_split(
            dataset, embedders, fingerprints, data_fp, cache,
            batch_size=settings['embed_batch_size'], num_workers=settings['num_workers'],
            description=f'embedding {split}', progress=progress)
        for enc, f in feats.items():
            features[enc][split] = f

    results = probe_features(features, targets, metainfo, cfg,
                             mean_pose='mean_pose' in baselines)
    results['meta'].update(checkpoint=checkpoint, config=config_path,
                           checkpoint_fingerprint=fingerprints.get('trained'),
                           baselines=baselines, dataset_configs=dataset_cfgs)
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
