"""Probe reports: the paper-style table (rich and Markdown) and ``results.json``."""
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from rich.console import Console
from rich.table import Table

#: Order of the rows: the trained encoder first, then the baselines as the paper lists them.
ENCODER_ORDER = ('trained', 'supervised', 'random_init', 'mean_pose')


def _json_safe(obj):
    """NaN and infinities become null (JSON has no NaN); numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, 'item') and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_results_json(results: dict, path: str) -> None:
    """Write ``results`` with NaN as null."""
    with open(path, 'w') as f:
        json.dump(_json_safe(results), f, indent=2)


def _rows(results: dict):
    """(encoder, head, head entry) in report order; a closed-form baseline appears once."""
    encoders = results['encoders']
    order = [e for e in ENCODER_ORDER if e in encoders] + \
        [e for e in encoders if e not in ENCODER_ORDER]
    for enc in order:
        for head, entry in encoders[enc]['heads'].items():
            yield enc, head, entry
            if entry.get('closed_form'):
                break


def _fmt(value: Optional[float], signed: bool = False,
         interval: Optional[float] = None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return '-'
    text = f'{value:+.1f}' if signed else f'{value:.1f}'
    # under 0.05 it would print "± 0.0", which says nothing
    if interval is not None and math.isfinite(interval) and interval >= 0.05:
        text += f' ± {interval:.1f}'
    return text


def table_rows(results: dict, metric: str) -> List[List[str]]:
    """The cells of one metric's table: encoder, head, one per keypoint group, Avg, deltas and
    the fraction of the gap to the supervised ceiling closed; ``mean ± 95 % half-width`` over
    probe seeds where there are several."""
    groups = list(results['meta']['keypoint_groups'])
    with_gap = any('gap_closed' in entry.get('comparisons', {}).get(metric, {})
                   for _, _, entry in _rows(results))
    rows = []
    for enc, head, entry in _rows(results):
        m = entry['metrics'].get(metric)
        if m is None:
            continue
        comp = entry.get('comparisons', {}).get(metric, {})
        head_label = '-' if entry.get('closed_form') else head
        gi = m.get('group_intervals', {})
        row = ([enc, head_label] +
               [_fmt(m['groups'].get(g), interval=gi.get(g)) for g in groups] +
               [_fmt(m['mean'], interval=m.get('interval')),
                _fmt(comp.get('vs_random_init'), True, comp.get('vs_random_init_interval')),
                _fmt(comp.get('vs_mean_pose'), True, comp.get('vs_mean_pose_interval'))])
        if with_gap:
            gap = comp.get('gap_closed')
            row.append('-' if gap is None or not math.isfinite(gap) else f'{gap:.2f}')
        rows.append(row)
    return rows


def delta_label(results: dict, metric: Optional[str]) -> str:
    """What a delta's sign means for ``metric``: ``' (> 0 better)'`` where higher is better
    (PCK, AUC), ``' (< 0 better)'`` where lower is (NME); empty when unknown."""
    info = (results['meta'].get('metrics') or {}).get(metric) if metric else None
    if not info or 'greater_is_better' not in info:
        return ''
    return ' (> 0 better)' if info['greater_is_better'] else ' (< 0 better)'


# Below this many test instances a probe's mean moves by points between draws of the test set.
MIN_TEST_INSTANCES = 300


def caveats(results: dict) -> List[str]:
    """Why the numbers may be noise: a small test split, a single probe seed."""
    meta = results['meta']
    out = []
    n_test = (meta.get('num_instances') or {}).get('test')
    if n_test is not None and n_test < MIN_TEST_INSTANCES:
        out.append(f'only {n_test} test instances (under {MIN_TEST_INSTANCES}): a difference of '
                   'a few points between rows can be noise; label more test crops')
    seeds = meta.get('probe_seeds')
    if seeds is not None and len(seeds) < 2:
        out.append('one probe seed: no interval, so a difference cannot be told from noise; '
                   'run several (--cfg-options probe_cfg.seeds=5)')
    return out


def table_header(results: dict, metric: Optional[str] = None) -> List[str]:
    sign = delta_label(results, metric)
    header = (['Encoder', 'Head'] + list(results['meta']['keypoint_groups']) +
              ['Avg', f'Δ rand. init{sign}', f'Δ mean pose{sign}'])
    if metric is not None and any('gap_closed' in e.get('comparisons', {}).get(metric, {})
                                  for _, _, e in _rows(results)):
        header.append('gap closed')
    return header


def failures_to_beat_mean_pose(results: dict) -> List[str]:
    """'encoder/head: metric' for every probe that is not better than the mean pose."""
    out = []
    for enc, head, entry in _rows(results):
        for metric, comp in entry.get('comparisons', {}).items():
            if comp.get('beats_mean_pose') is False:
                out.append(f'{enc}/{head}: {metric}')
    return out


def effective_dims_line(results: dict) -> Optional[str]:
    """``effective dimensions (...): trained 3.1 of 256, ...``, or None for older results."""
    dims = [f'{name} {entry["effective_dims"]:.1f} of {entry["embed_dim"]}'
            for name, entry in results['encoders'].items()
            if entry.get('effective_dims') is not None and entry.get('embed_dim')]
    if not dims:
        return None
    return ('effective dimensions (participation ratio of the standardised train embeddings; '
            'near 1: collapsed): ' + ', '.join(dims))


def print_tables(results: dict, console: Optional[Console] = None) -> None:
    """One rich table per metric, like the paper's, and a warning for probes at mean-pose level."""
    console = console or Console()
    for metric in results['meta']['metric_names']:
        info = results['meta']['metrics'][metric]
        arrow = 'higher' if info['greater_is_better'] else 'lower'
        table = Table(title=f'{results["meta"]["object_class"]}: {metric} (test, %, {arrow} is '
                      'better)')
        for i, col in enumerate(table_header(results, metric)):
            table.add_column(col, justify='left' if i < 2 else 'right', no_wrap=i < 2)
        for row in table_rows(results, metric):
            table.add_row(*row)
        console.print(table)
    dims = effective_dims_line(results)
    if dims:
        console.print(dims)
    failures = failures_to_beat_mean_pose(results)
    if failures:
        console.print('[bold red]Not better than the mean pose (learned nothing usable):[/] ' +
                      ', '.join(failures))
    for caveat in caveats(results):
        console.print(f'[bold yellow]warning:[/] {caveat}')


def results_markdown(results: dict) -> str:
    """``results.md``: the same tables in Markdown, with what produced them."""
    meta = results['meta']
    lines = [f'# Probe results: {meta["object_class"]}', '',
             f'- checkpoint: `{meta.get("checkpoint")}`',
             f'- config: `{meta.get("config")}`',
             f'- instances (train / val / test): {meta["num_instances"].get("train")} / '
             f'{meta["num_instances"].get("val")} / {meta["num_instances"].get("test")}',
             '- encoder frozen; features standardised on train; heads trained on train, model '
             f'selection on val ({meta.get("select_on", "loss")}), scores on test',
             f'- probe seeds {meta.get("probe_seeds", [0])}: {meta.get("interval", "")}; '
             '"gap closed" = (encoder - random init) / (supervised - random init)']
    dims = effective_dims_line(results)
    lines += [f'- {dims}'] if dims else []
    lines += [f'- **warning**: {c}' for c in caveats(results)] + ['']
    for metric in meta['metric_names']:
        info = meta['metrics'][metric]
        arrow = 'higher' if info['greater_is_better'] else 'lower'
        header = table_header(results, metric)
        lines += [f'## {metric} ({arrow} is better, %)', '',
                  '| ' + ' | '.join(header) + ' |',
                  '|' + '|'.join(['---'] * 2 + ['---:'] * (len(header) - 2)) + '|']
        lines += ['| ' + ' | '.join(row) + ' |' for row in table_rows(results, metric)]
        lines.append('')
    failures = failures_to_beat_mean_pose(results)
    lines.append('## Mean-pose check')
    lines.append('')
    lines.append('Every probe beats the mean pose of the training split.' if not failures else
                 'Not better than the mean pose: ' + ', '.join(f'`{f}`' for f in failures))
    lines.append('')
    if meta.get('visualizations'):
        lines += ['## Predictions (filled: ground truth, rings: prediction)', '']
        lines += [f'![{osp.basename(p)}]({p})' for p in meta['visualizations']]
        lines.append('')
    return '\n'.join(lines)


def groups_of(per_keypoint: Dict[str, float], keypoint_groups: Dict[str, List[str]]
              ) -> Dict[str, float]:
    """Group values: the mean of the group's keypoints that have a value (None if none)."""
    out = {}
    for group, names in keypoint_groups.items():
        values = [per_keypoint.get(n) for n in names]
        values = [v for v in values if v is not None and math.isfinite(v)]
        out[group] = sum(values) / len(values) if values else float('nan')
    return out


#: How the intervals are made, for results.json and results.md.
INTERVAL_NOTE = ('mean over probe seeds ± the 95 % Student t half-width over the per-seed '
                 'values (t_{0.975, n-1} s / sqrt(n)); each seed re-draws the random-init '
                 'encoder, the heads\' initialisation and their batch order; deltas are paired '
                 'per seed')


def t_interval(values: Sequence[float], confidence: float = 0.95) -> float:
    """Half-width of the Student t interval of the mean of ``values``.

    Args:
        values: per-seed values (NaN and None are left out).
        confidence: the two-sided level.

    Returns:
        ``t_{(1+confidence)/2, n-1} * std(values, ddof=1) / sqrt(n)``; NaN for fewer than two
        values.
    """
    from scipy.stats import t
    v = [float(x) for x in values if x is not None and math.isfinite(x)]
    if len(v) < 2:
        return float('nan')
    mean = sum(v) / len(v)
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (len(v) - 1))
    return float(t.ppf(0.5 + confidence / 2, len(v) - 1) * sd / math.sqrt(len(v)))


def paired_deltas(a: Sequence[float], b: Sequence[float]) -> List[float]:
    """``a[i] - b[i]`` per probe seed (a single ``b`` is a seed-independent baseline)."""
    if len(b) == 1:
        b = list(b) * len(a)
    if len(a) != len(b):
        raise ValueError(f'paired deltas need as many values on each side, got {len(a)} and '
                         f'{len(b)}')
    return [float(x) - float(y) for x, y in zip(a, b)]


def gap_closed(value: float, random_init: float, supervised: float) -> float:
    """``(value - random_init) / (supervised - random_init)``: 0 at random init, 1 at the
    supervised ceiling (either direction of metric); NaN when the two are equal."""
    gap = supervised - random_init
    return float((value - random_init) / gap) if gap else float('nan')
