"""The markdown of a reproduce table (docs/results*.md, docs/research/experiments_*.md).

Every row is probed with ``probe_cfg.seeds`` probe seeds; a cell is mean ± the 95 % interval
over probe seeds (the measurement), and the spread over training seeds (the method) is a table
of its own. Experiment rows are read against ``r=3 ph,cyc,con`` (when that row is in the table)
and random init, paired per probe seed, per keypoint group. The checks state the project's
targets against the numbers.
"""
import argparse
import json
import os
import os.path as osp
import platform
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

from hierembed.probe.report import gap_closed, t_interval
from hierembed.research import ROOT
from hierembed.research.rows import ROWS, level_milestones, row_label


def _fmt(mean, half=None, signed=False):
    if mean is None or not np.isfinite(mean):
        return '-'
    text = f'{mean:+.1f}' if signed else f'{mean:.1f}'
    if half is not None and np.isfinite(half) and half >= 0.05:
        text += f' ± {half:.1f}'
    return text


def probe_seed_values(rs: List[dict], encoder: str, head: str, metric: str,
                      group: Optional[str] = None) -> Optional[List[float]]:
    """Per probe seed, the mean over the row's checkpoints.

    Args:
        rs: the row's runs, each with its probe ``results``.
        encoder: ``trained`` or a baseline (``random_init``, ``supervised``, ``mean_pose``).
        head: ``linear`` or ``mlp``.
        metric: the metric's name.
        group: a keypoint group (default: the average over keypoints).

    Returns:
        One value per probe seed; None if a run lacks the metric.
    """
    per_run = []
    for r in rs:
        m = r['results']['encoders'][encoder]['heads'][head]['metrics'].get(metric)
        if m is None:
            return None
        per_run.append(m['seeds'] if group is None else m['group_seeds'][group])
    return [float(np.nanmean(v)) for v in zip(*per_run)]


def measured(values: Optional[Sequence[float]]) -> str:
    """A cell: mean ± 95 % Student t half-width over probe seeds (``-`` for None)."""
    if values is None:
        return '-'
    return _fmt(float(np.mean(values)), t_interval(values))


def table(runs: List[dict], metric: str, encoder_rows: list) -> str:
    """The table of one metric: per encoder row and head, each keypoint group, Avg, VisAUC.

    Args:
        runs: every run (the first one's keypoint groups name the columns).
        metric: the metric's name.
        encoder_rows: (Method, Loss, runs, encoder) per row of the table.

    Returns:
        The markdown table.
    """
    first = runs[0]['results']
    groups = list(first['meta']['keypoint_groups'])
    lines = ['| Method | Loss | Regr. | ' + ' | '.join(groups) + ' | Avg | VisAUC |',
             '|---|---|---|' + '---:|' * (len(groups) + 2)]
    for label, loss, rs, encoder in encoder_rows:
        for head in ('linear', 'mlp'):
            cells = [measured(probe_seed_values(rs, encoder, head, metric, g)) for g in groups]
            cells.append(measured(probe_seed_values(rs, encoder, head, metric)))
            cells.append(measured(probe_seed_values(rs, encoder, head, 'VisAUC')))
            lines.append(f'| {label} | {loss} | {"lin" if head == "linear" else "2 lr"} | '
                         + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def spread_table(by_row: Dict[str, List[dict]], metrics: List[str]) -> str:
    """The method's own variance: each checkpoint's Avg (mean over probe seeds), 2-layer head.

    Args:
        by_row: the runs of each row.
        metrics: the metrics, one column each.

    Returns:
        The markdown table.
    """
    lines = ['| Method | Loss | ' + ' | '.join(f'{m} per training seed (min-max)'
                                               for m in metrics) + ' |',
             '|---|---|' + '---|' * len(metrics)]
    for name, rs in by_row.items():
        cells = []
        for metric in metrics:
            vals = [r['results']['encoders']['trained']['heads']['mlp']['metrics'][metric]['mean']
                    for r in rs]
            cells.append(', '.join(f'{v:.1f}' for v in vals) +
                         (f' ({min(vals):.1f}-{max(vals):.1f})' if len(vals) > 1 else ''))
        lines.append('| ' + ' | '.join(row_label(name)) + ' | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def _delta(rs, metric, base, head='mlp', base_rs=None, group=None):
    """Per probe seed, the row's mean over checkpoints minus the baseline encoder ``base`` of
    the same probe seed (paired); ``base_rs``: another row's checkpoints instead."""
    a = probe_seed_values(rs, 'trained', head, metric, group)
    b = probe_seed_values(base_rs or rs, base, head, metric, group)
    return None if a is None or b is None else [x - y for x, y in zip(a, b)]


def _signed(d):
    return _fmt(float(np.mean(d)), t_interval(d), True)


def experiment_checks(by_row: Dict[str, List[dict]], metric: str,
                      lenient: Optional[str] = None) -> List[str]:
    """Each experiment row against the ``r=3 ph,cyc,con`` row (when present) and random init:
    paired differences per probe seed, Avg and per keypoint group, 2-layer head.

    Args:
        by_row: the runs of each row.
        metric: the strict metric.
        lenient: the lenient one, if any.

    Returns:
        The lines of the checks, one per comparison.
    """
    lines = []
    full = by_row.get('r=3 ph,cyc,con')
    for name, rs in by_row.items():
        if name in ROWS:
            continue
        groups = list(rs[0]['results']['meta']['keypoint_groups'])
        dl = _delta(rs, lenient, 'random_init') if lenient else None
        lines.append(f'- {name} vs random init, 2-layer head, {metric} Avg: '
                     f"{_signed(_delta(rs, metric, 'random_init'))}"
                     + (f'; {lenient}: {_signed(dl)}' if dl is not None else '') + '.')
        if full:
            parts = ', '.join(f"{g} {_signed(_delta(rs, metric, 'trained', base_rs=full, group=g))}"
                              for g in groups)
            dl = _delta(rs, lenient, 'trained', base_rs=full) if lenient else None
            lines.append(f'- {name} vs r=3 ph,cyc,con, 2-layer head, {metric}: Avg '
                         f"{_signed(_delta(rs, metric, 'trained', base_rs=full))} ({parts})"
                         + (f'; {lenient} Avg {_signed(dl)}' if dl is not None else '') + '.')
        if 'supervised' in rs[0]['results']['encoders']:
            mean = {e: float(np.mean(probe_seed_values(rs, e, 'mlp', metric)))
                    for e in ('trained', 'random_init', 'supervised')}
            lines.append(f'- {name}: fraction of the random-init-to-supervised gap closed '
                         f"(2-layer head): {gap_closed(mean['trained'], mean['random_init'], mean['supervised']):.2f}.")  # noqa: E501
    return lines


def checks(by_row: Dict[str, List[dict]], metric: str, lenient: Optional[str] = None) -> str:
    """The project's targets, stated against the numbers of the tables.

    Args:
        by_row: the runs of each row.
        metric: the strict metric.
        lenient: the lenient one, if any.

    Returns:
        The markdown list of the checks.
    """
    lines = []
    full = by_row.get('r=3 ph,cyc,con')
    if full:
        d = _delta(full, metric, 'random_init')
        half = t_interval(d)
        greater = full[0]['results']['meta']['metrics'][metric]['greater_is_better']
        target = (f"; target: at least +15) -> {'met' if np.mean(d) >= 15 else 'NOT met'}."
                  if greater else '; lower is better).')
        lines.append(f'- r=3 ph,cyc,con vs random init, 2-layer head, {metric} Avg: '
                     f'{_fmt(float(np.mean(d)), half, True)} points (95 % interval over '
                     f'{len(d)} probe seeds, paired{target}')
        lines.append(f'- Measuring stick: the 95 % half-width of that difference is '
                     f'{half:.2f} points (target: at most 2) -> '
                     f"{'met' if half <= 2 else 'NOT met'}.")
        if lenient:
            dl = _delta(full, lenient, 'random_init')
            if dl is not None:
                lines.append(f'- The same at the lenient threshold ({lenient}): {_signed(dl)} '
                             'points.')
    r1 = by_row.get('r=1 ph,cyc,con')
    if full and r1:
        d = _delta(full, metric, 'trained', base_rs=r1)
        better = np.mean(d) >= 0 if greater else np.mean(d) <= 0
        lines.append(f'- r=3 vs r=1 (ph,cyc,con, 2-layer head): {_signed(d)} points (target: r=3 '
                     f"not worse) -> {'met' if better else 'NOT met'}.")
    fab = by_row.get('FAb-Net-style ph')
    if full and fab:
        lines.append('- r=3 ph,cyc,con vs the FAb-Net-style baseline (2-layer head): '
                     f"{_signed(_delta(full, metric, 'trained', base_rs=fab))} points.")
    any_rs = next(iter(by_row.values()))
    sup = probe_seed_values(any_rs, 'supervised', 'mlp', metric) \
        if 'supervised' in any_rs[0]['results']['encoders'] else None
    if sup is not None:
        rand = probe_seed_values(any_rs, 'random_init', 'mlp', metric)
        greater = any_rs[0]['results']['meta']['metrics'][metric]['greater_is_better']
        best = max if greater else min
        top = best(float(np.mean(probe_seed_values(rs, 'trained', 'mlp', metric)))
                   for rs in by_row.values())
        above = (np.mean(sup) > top) if greater else (np.mean(sup) < top)
        lines.append(f'- Supervised ceiling (2-layer head): {measured(sup)}; above every '
                     f"self-supervised row: {'yes' if above else 'NO'}.")
        if full:
            lines.append('- Fraction of the random-init-to-supervised gap that r=3 ph,cyc,con '
                         'closes (2-layer head): '
                         f"{gap_closed(float(np.mean(probe_seed_values(full, 'trained', 'mlp', metric))), float(np.mean(rand)), float(np.mean(sup))):.2f}.")  # noqa: E501
    lines += experiment_checks(by_row, metric, lenient)
    for name, rs in by_row.items():
        beats = all(r['results']['encoders']['trained']['heads'][h]['comparisons'][metric]
                    .get('beats_mean_pose', False) for r in rs for h in ('linear', 'mlp'))
        lines.append(f'- {name}: beats the mean pose with both heads on every checkpoint: '
                     f"{'yes' if beats else 'no'}.")
    return '\n'.join(lines)


def _minutes(seconds) -> str:
    return '-' if seconds is None else f'{seconds / 60:.1f}'


def write_results(args: argparse.Namespace, runs: List[dict], total: float, cmd: str) -> str:
    """Write the table of ``runs`` to ``args.out`` and print it.

    Args:
        args: the command line (``config``, ``probe_config``, ``iters``, ``jobs``, ``work_dir``,
            ``out``, ``experiment_paths``).
        runs: every row and seed, with its probe ``results``.
        total: the invocation's wall seconds.
        cmd: the command, as the table states it.

    Returns:
        The path written.

    Raises:
        ValueError: the probes differ in probe seeds, instances or selection metric.
    """
    seeds = sorted({r['seed'] for r in runs})
    rows = list(dict.fromkeys(r['name'] for r in runs))
    meta = runs[0]['results']['meta']
    metric = meta['metric_names'][0]
    lenient = next((m for m in meta['metric_names'][1:] if m != 'VisAUC'), None)
    by_row = {name: [r for r in runs if r['name'] == name] for name in rows}
    for key in ('probe_seeds', 'num_instances', 'select_on'):
        if len({json.dumps(r['results']['meta'].get(key), sort_keys=True) for r in runs}) > 1:
            raise ValueError(f'the probes in {args.work_dir} differ in {key}: rerun with '
                             '--probe-only so that every row is read with the same probe')
    encoder_rows = [(*row_label(name), rs, 'trained') for name, rs in by_row.items()]
    # The baselines depend on the probe seed and the data only: every row's probe reads the same
    # cached ones, so one row's runs carry them.
    base_rs = by_row[rows[0]]
    if 'supervised' in base_rs[0]['results']['encoders']:
        encoder_rows.append(('Supervised', 'keypoints', base_rs, 'supervised'))
    encoder_rows.append(('Rand. init', '-', base_rs, 'random_init'))
    encoder_rows.append(('Mean pose', '-', base_rs, 'mean_pose'))
    inst = meta['num_instances']
    inst = ' / '.join(str(inst[s]) for s in ('train', 'val', 'test'))
    probe_seeds = meta.get('probe_seeds', [0])
    sup = meta.get('supervised')
    procedural = bool(Config.fromfile(args.config).get('train_dataloader', {}).get(
        'dataset', {}).get('procedural'))
    kind = 'a procedural class' if procedural else 'a converted dataset'
    lines = [
        f'# Results: the paper\'s Table 1 structure on {kind}', '',
        f'Generated by `{cmd.strip()}` on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}'
        f' ({platform.machine()}, {os.cpu_count()} CPU cores, {args.jobs} '
        f'row{"s" if args.jobs != 1 else ""} trained at a time, one thread each). Do not edit: '
        'run the command again.', '',
        f'Class `{meta["object_class"]}` ({"procedural" if procedural else "converted"}, '
        f'`{args.config}`), probe `{args.probe_config}`: the test split of the probe\'s '
        + (f'own keypoint set ({inst} instances, train / val / test, identities disjoint from '
           'the training videos); ' if procedural else
           f'keypoint set ({inst} instances, train / val / test; which people the training '
           'videos share with it is the dataset\'s: see its config); ')
        + f'visibility ROC AUC (%). Heads are selected on val {meta.get("select_on")}. '
        + (f'Each row trains {args.iters} iterations from scratch; in the r=3 rows levels 2 and '
           f'3 join at {" and ".join(map(str, level_milestones(args.iters)))}. FAb-Net-style is '
           'the baseline of the paper\'s [53] (`FlowWarpHead`: the same encoder and decoder '
           'conditioning, one flow read by `grid_sample`, L1). '
           if any(r['name'] in ROWS for r in runs) else '')
        + 'Rand. init is the same encoder with '
        'random weights, probed the same way; Mean pose predicts the training split\'s mean '
        'keypoints; Supervised is the ceiling, the same encoder trained end to end on the '
        'probe\'s train labels (its frozen features probed like the others).'
        + ''.join(f' `{name}` trains `{path}` as written (only the seed set).'
                  for name, path in getattr(args, 'experiment_paths', {}).items()), '',
        f'**What the ± is.** Training seeds {seeds}, probe seeds {probe_seeds}. A cell is the '
        'mean over probe seeds of the mean over the row\'s checkpoints, ± the 95 % Student t '
        'half-width over the probe seeds (t_{0.975, n-1} s / sqrt(n)): the measurement\'s own '
        'error, given these checkpoints. Each probe seed re-draws the random-init encoder, the '
        'heads\' initialisation and their batch order; differences are paired per probe seed. '
        'The spread across training seeds (the method\'s variance, not measurement error) is '
        'the separate table below.', '']
    for m in [metric] + ([lenient] if lenient else []):
        lines += [f'## {m}', '', table(runs, m, encoder_rows), '']
    lines += ['## Spread across training seeds', '',
              spread_table(by_row, [metric] + ([lenient] if lenient else [])), '',
              '## Checks', '', checks(by_row, metric, lenient), '']
    if sup:
        curve = ', '.join(f'{v:.1f}' for v in sup.get('val_scores', []))
        lines += [f'Supervised ceiling: {sup["config"].get("epochs")} epochs, best val '
                  f'{sup.get("select_on")} at epoch {sup.get("best_epoch")} (val per epoch, '
                  f'epoch 0 first: {curve}); {sup.get("seconds", 0) / 60:.1f} min.', '']
    # The research record's link, relative to wherever --out puts the table.
    record = osp.relpath(osp.join(ROOT, 'docs', 'research', 'README.md'),
                         osp.dirname(osp.join(ROOT, args.out))).replace(os.sep, '/')
    lines += ['How the CPU default was chosen, and what did not work: '
              f'[the research record]({record}).',
              '', '## Durations', '',
              '| row | seed | train (min) | train (CPU min) | probe (min) | probe (CPU min) |',
              '|---|---|---:|---:|---:|---:|']
    lines += [f"| {r['name']} | {r['seed']} | {_minutes(r.get('train_s'))} | "
              f"{_minutes(r.get('train_cpu_s'))} | "
              f"{_minutes(r.get('probe_s'))} | {_minutes(r.get('probe_cpu_s'))} |" for r in runs]
    lines += ['', 'The first probe pays for the baselines (random init per probe seed, the '
              'supervised ceiling); the others read them from the cache.']
    lines += ['', 'Wall time of this invocation (rows kept from an earlier one cost none): '
              f'{total / 60:.1f} min. Work dirs (logs, checkpoints, warp '
              f'pictures, per-row `results.md`): `{args.work_dir}/`.', '']
    out = osp.join(ROOT, args.out)
    with open(out, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))
    return out
