"""The probe engine: frozen embeddings -> trained downstream heads -> test metrics and reports.

:func:`run_probe` does the whole evaluation of paper section 5 for one config: build the probe
set's splits, embed them with the trained encoder and with every baseline (cached on disk), train
each landmark head (and its visibility classifier) on train with model selection on val, score
test, and write ``results.json``, ``results.md`` and prediction PNGs.

:func:`probe_features` is the same evaluation from feature matrices: any callable or matrix can
stand in for an encoder (ground-truth keypoints, noise, another model's features).

Baselines (:mod:`.baselines`): ``random_init`` (one encoder per probe seed), ``mean_pose`` (no
image; its one closed-form prediction is recorded under every head name, flagged
``closed_form``, to keep ``results.json`` uniform) and ``supervised``, the ceiling.

Every encoder is probed once per probe seed (``probe_cfg.seeds``); cells are the mean over seeds
with a 95 % Student t interval, and deltas are paired per seed (``docs/probe.md``).
"""
import copy
import datetime
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from hierembed.errors import ConfigError, ConfigKeyError
from hierembed.registry import DATASETS, METRICS
from hierembed.utils.misc import reject_unknown_keys
from hierembed.version import __version__
from .baselines import embedder_fn, mean_pose_prediction, random_init_embedders, supervised_embedder
from .evaluation import (ValScorer, cfg_dict, evaluate_predictions, has_visibility_labels,
                         metric_configs, selection_metric)
from .features import (FeatureCache, ProbeTargets, dataset_fingerprint, encoder_fingerprint,
                       extract_split)
from .checks import check_probe_splits
from .fitting import FeatureStandardizer, effective_dims, fit_head, predict, to_tensors
from .report import (INTERVAL_NOTE, gap_closed, paired_deltas, print_tables, results_markdown,
                     t_interval, write_results_json)

SPLITS = ('train', 'val', 'test')
KNOWN_BASELINES = ('random_init', 'mean_pose', 'supervised')

#: ``probe_cfg`` keys; their one set of defaults is ``configs/probes/_base_/default_probe.py``.
PROBE_CFG_KEYS = ('epochs', 'batch_size', 'lr', 'weight_decay', 'val_interval', 'patience',
                  'seeds', 'select_on', 'val_fraction', 'val_group', 'embed_batch_size',
                  'num_workers',
                  'cache', 'cache_dir', 'num_vis_images', 'init_from_mean', 'num_threads')
#: The ``probe_cfg`` keys that head fitting reads.
_FIT_KEYS = ('epochs', 'batch_size', 'lr', 'weight_decay', 'val_interval', 'patience',
             'num_threads')


def probe_settings(cfg: Config) -> dict:
    """The config's ``probe_cfg``, checked: every key known and present.

    Raises:
        KeyError: an unknown key (with a did-you-mean), or a missing one (a probe config
            inherits its defaults from ``configs/probes/_base_/default_probe.py``).
    """
    settings = cfg_dict(cfg.get('probe_cfg') or {})
    reject_unknown_keys(settings, PROBE_CFG_KEYS, 'probe_cfg')
    missing = [k for k in PROBE_CFG_KEYS if k not in settings]
    if missing:
        raise ConfigKeyError(f'probe_cfg lacks {missing}: a probe config takes its defaults '
                             "from configs/probes/_base_/default_probe.py (_base_ = "
                             "['./_base_/default_probe.py'])")
    return settings


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
            raise ConfigError(f'probe_cfg.seeds: at least one seed is needed, got {seeds}')
        return list(range(seeds))
    return [int(s) for s in seeds]


def _probe_one_encoder(feats: Dict[str, np.ndarray], targets: Dict[str, ProbeTargets],
                       metainfo: dict, heads: Dict[str, dict], visibility_heads: Dict[str, dict],
                       metric_cfgs: List[dict], select_cfg: Optional[dict], settings: dict,
                       seed: int) -> Dict[str, dict]:
    scaler = FeatureStandardizer().fit(feats['train'])
    x = {s: scaler.transform(feats[s]) for s in SPLITS}
    size = float(targets['train'].input_size)
    num_kpt = targets['train'].keypoints.shape[1]
    fit_kwargs = dict({k: settings[k] for k in _FIT_KEYS}, seed=seed)

    def tensors(split):
        t = targets[split]
        return to_tensors(x[split], t.keypoints / size, t.keypoints_visible)

    with_vis = has_visibility_labels(targets['train'])
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
        head_cfg = dict(cfg_dict(head_cfg), in_channels=x['train'].shape[1],
                        num_keypoints=num_kpt)
        fit = fit_head(head_cfg, tensors('train'), tensors('val'), init_mean=kpt_init,
                       **dict(fit_kwargs, **kpt_select))
        pred = predict(fit.head, x['test']) * size
        entry = dict(selection=fit.selection, predictions=pred)
        pred_vis = None
        if with_vis and head_name in visibility_heads:
            vis_cfg = dict(cfg_dict(visibility_heads[head_name]),
                           in_channels=x['train'].shape[1], num_keypoints=num_kpt)
            vis_fit = fit_head(vis_cfg, tensors('train'), tensors('val'), init_mean=vis_init,
                               **dict(fit_kwargs, **vis_select))
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
    heads = cfg_dict(cfg.get('heads') or dict(linear=dict(type='LinearLandmarkHead'),
                                              mlp=dict(type='MLPLandmarkHead')))
    visibility_heads = cfg_dict(cfg.get('visibility_heads') or {})
    if not visibility_heads and cfg.get('visibility_head'):
        # one visibility classifier config for every landmark head
        visibility_heads = {name: cfg_dict(cfg.visibility_head) for name in heads}
    with_vis = bool(visibility_heads) and has_visibility_labels(targets['train'])
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
        # one train matrix for every seed, or one per seed (random_init): each counted once
        trains = [feats['train']] if 'train' in feats else [feats[s]['train'] for s in seeds]
        encoders[enc] = dict(embed_dim=int(trains[0].shape[1]),
                             effective_dims=float(np.mean([effective_dims(t) for t in trains])),
                             heads=enc_heads)
    if mean_pose:
        n_test = len(targets['test'])
        pred, vis = mean_pose_prediction(targets['train'], n_test)
        metrics = evaluate_predictions(metric_cfgs, metainfo, targets['test'], pred,
                                       vis if with_vis else None)
        metrics = _over_seeds([metrics] * len(seeds), seeds)
        encoders['mean_pose'] = dict(embed_dim=0, effective_dims=0.0, heads={
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
                raise ConfigError(f'keypoint_groups[{group!r}]: {m!r} is not a keypoint name or '
                                  f'index of {list(names)}')
        out[group] = resolved
    return out


def _build_split_datasets(cfg: Config, settings: dict,
                          seed: int) -> Tuple[Dict[str, object], Dict[str, dict]]:
    base = cfg_dict(cfg.probe_dataset)
    split_cfgs = cfg_dict(cfg.get('probe_splits') or {s: dict(split=s) for s in SPLITS})
    if split_cfgs.get('val') is None and split_cfgs.get('train') is not None:
        # No val split of its own (300-W, MAFL): carve it out of train as datasets, so that
        # the heads and the supervised ceiling select on the same held-out instances.
        carve = dict(fraction=settings['val_fraction'], group=settings['val_group'], seed=seed)
        train = split_cfgs['train']
        split_cfgs.update(train=dict(train, holdout=dict(carve, part='train')),
                          val=dict(train, holdout=dict(carve, part='val')))
    datasets, dataset_cfgs = {}, {}
    for split, override in split_cfgs.items():
        if override is None:
            continue
        dcfg = dict(copy.deepcopy(base), **override)
        dataset_cfgs[split] = dcfg
        datasets[split] = DATASETS.build(copy.deepcopy(dcfg))
    for split in ('train', 'test'):
        if split not in datasets:
            raise ConfigError(f'probe_splits needs a {split!r} split; got {sorted(datasets)}')
    return datasets, dataset_cfgs


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
    # hierembed.apis is the public layer above this package: imported when used
    from hierembed.apis.inference import init_embedder, resolve_model_cfg
    init_default_scope(cfg.get('default_scope', 'hierembed'))
    baselines = list(cfg.get('baselines', list(KNOWN_BASELINES)) if baselines is None
                     else baselines)
    unknown = sorted(set(baselines) - set(KNOWN_BASELINES))
    if unknown:
        raise ConfigError(f'unknown baselines {unknown}; known: {list(KNOWN_BASELINES)}')
    if checkpoint is None and not {'random_init', 'supervised'} & set(baselines):
        raise ConfigError('nothing to probe: no checkpoint and no random_init or supervised '
                          'baseline')
    settings = probe_settings(cfg)
    seeds = probe_seeds(settings)
    os.makedirs(work_dir, exist_ok=True)

    model_cfg = resolve_model_cfg(train_config if train_config else cfg, checkpoint).to_dict()
    embedders, fingerprints = {}, {}
    model_cfg_only = Config(dict(cfg.to_dict(), model=model_cfg))
    if checkpoint is not None:
        embedders['trained'] = embedder_fn(init_embedder(model_cfg_only, checkpoint,
                                                         device=device))
        fingerprints['trained'] = encoder_fingerprint(model_cfg, checkpoint=checkpoint,
                                                      device=device)
    if 'random_init' in baselines:
        e, f = random_init_embedders(model_cfg, model_cfg_only, seeds, device)
        embedders.update(e)
        fingerprints.update(f)

    datasets, dataset_cfgs = _build_split_datasets(cfg, settings, seeds[0])
    check_probe_splits(datasets, config_path or 'the probe config')
    metainfo = dict(datasets['train'].metainfo)
    if cfg.get('keypoint_groups'):
        metainfo['keypoint_groups'] = resolve_keypoint_groups(
            cfg_dict(cfg.keypoint_groups), metainfo['keypoint_names'])
    cache_dir = (settings['cache_dir'] or osp.join(work_dir, 'feature_cache')) \
        if settings['cache'] else None
    cache = FeatureCache(cache_dir)
    data_fps = {split: dataset_fingerprint(dataset_cfgs[split], dataset)
                for split, dataset in datasets.items()}
    supervised = None
    if 'supervised' in baselines:
        supervised, fingerprints['supervised'] = supervised_embedder(
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
