"""Run every benchmark and write docs/performance.md (generated: never edit it by hand, except
below the ``KEEP`` line, which is kept as it is).

Runs ``tools/benchmark_warp.py``, ``tools/benchmark_train.py`` and ``tools/benchmark_data.py``
one after the other (each measures in its own processes), then writes their tables, the goals
of the project and whether they are met, the machine, and the exact commands.

Usage:
    python tools/benchmark_report.py [--quick] [--device cpu|cuda] [--out docs/performance.md]
"""
import argparse
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time
from typing import Callable, Dict, List

from hierembed.benchmarks.loader import table as loader_table
from hierembed.benchmarks.train_step import markdown_table as train_table
from hierembed.benchmarks.warp import markdown_table as warp_table

# The tools/ folder of the checkout the package lies in: the benchmarks run as its scripts.
TOOLS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools')

# What follows this line in docs/performance.md is written by hand and kept by this script.
KEEP = '<!-- Written by hand below this line: tools/benchmark_report.py keeps it. -->'


def run(cmd: List[str]) -> float:
    """Run one benchmark's command (printed first); return its wall seconds."""
    print('$', ' '.join(cmd), flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    return time.time() - t0


def main() -> None:
    """The command line of ``tools/benchmark_report.py`` (``sys.argv``): run the benchmarks
    one after the other, then write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='docs/performance.md')
    parser.add_argument('--work-dir', default='work_dirs/benchmarks')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--quick', action='store_true',
                        help='fewer repeats and sizes (a smoke run, not for the docs)')
    args = parser.parse_args()
    py = sys.executable
    os.makedirs(args.work_dir, exist_ok=True)
    warp_json = osp.join(args.work_dir, 'warp.json')
    train_json = osp.join(args.work_dir, 'train.json')
    data_json = osp.join(args.work_dir, 'data.json')
    warp_cmd = [py, osp.join(TOOLS, 'benchmark_warp.py'), '--out', warp_json, '--device',
                args.device] + (['--sizes', '32', '64', '--repeats', '1'] if args.quick else [])
    train_cmd = [py, osp.join(TOOLS, 'benchmark_train.py'), '--out', train_json, '--device',
                 args.device] + (['--steps', '2'] if args.quick else [])
    data_cmd = [py, osp.join(TOOLS, 'benchmark_data.py'), '--out', data_json] + (
        ['--seconds', '1', '--num-videos', '4', '--input-sizes', '64'] if args.quick else [])
    durations = {}
    for name, cmd in (('warp', warp_cmd), ('train', train_cmd), ('data', data_cmd)):
        durations[name] = run(cmd)

    with open(warp_json) as f:
        warp = json.load(f)
    with open(train_json) as f:
        train = json.load(f)
    with open(data_json) as f:
        data = json.load(f)
    data_args = argparse.Namespace(**data['args'])
    write(args, warp, train, data, data_args, loader_table, durations,
          dict(warp=warp_cmd, train=train_cmd, data=data_cmd))


def _cmd(cmd):
    return ' '.join(['python'] + [osp.relpath(c) if c.endswith('.py') else c for c in cmd[1:]])


def goals(warp: dict, train: dict, data: dict) -> str:
    """The project's performance goals, each stated against the benchmarks' saved results
    (warp, training step, loader) and marked met or NOT met."""
    lines = []
    rows = {(r['formulation'], r['size']): r for r in warp['rows'] if 'error' not in r}
    s128 = rows.get(('sparse', 128))
    d128 = rows.get(('dense', 128))
    if s128:
        met = 'met' if s128['peak_over_floor'] <= 2 else 'NOT met'
        lines.append(f"- Sparse warp memory at 128 px: {s128['peak_over_floor']:.1f}x the floor "
                     f'(goal: within 2x) -> {met}.')
    if s128 and d128:
        ratio = d128['peak_bytes'] / s128['peak_bytes']
        lines.append(f'- Dense / sparse memory at 128 px: {ratio:.0f}x (goal: >= 100x) -> '
                     f"{'met' if ratio >= 100 else 'NOT met'}.")
    elif s128:
        dense_gib = s128['batch'] * 128**4 * 4 / 2**30
        lines.append(f'- Dense at 128 px does not fit this machine (its probabilities alone are '
                     f'{dense_gib:.0f} GiB at batch {s128["batch"]}); sparse peak '
                     f"{s128['peak_bytes'] / 2**20:.0f} MiB: "
                     f"{dense_gib * 2**30 / s128['peak_bytes']:.0f}x less than those alone.")
    s256 = rows.get(('sparse', 256))
    lines.append(f"- 256 px (four levels) {'runs' if s256 else 'did NOT run'}.")
    by = {(r['config'], r['levels'], r['formulation']): r for r in train['rows']}
    for (cfg, levels, form), r in sorted(by.items()):
        other = by.get((cfg, levels, 'grid_sample'))
        if form == 'sparse' and other:
            speed = other['step_s'] / r['step_s']
            met = 'met' if speed >= 2 else 'NOT met'
            lines.append(f'- Training step, {cfg}, {levels} levels: {speed:.2f}x the released '
                         f"formulation's speed (goal: >= 2x) -> {met}.")
    cpu_rows = [r for r in train['rows'] if r['config'] == 'hierembed_cpu.py'
                and r['formulation'] == 'sparse']
    # The goal is for what training uses: the default decoding (OpenCV seek + decode).
    loader = [r for r in data['rows'] if r['input_size'] == 64 and r['mode'] == 'opencv']
    if cpu_rows and loader:
        model_rate = max(r['pairs_per_s'] for r in cpu_rows)
        best = max(loader, key=lambda r: r['pairs_per_s'])
        lines.append(f"- Loader at 64 px: {best['pairs_per_s']:.0f} pairs/s ({best['mode']}, "
                     f"{best['workers']} workers) vs the CPU model's fastest {model_rate:.0f} "
                     f"pairs/s: {best['pairs_per_s'] / model_rate:.1f}x (goal: >= 3x) -> "
                     f"{'met' if best['pairs_per_s'] >= 3 * model_rate else 'NOT met'}.")
    return '\n'.join(lines)


def write(args: argparse.Namespace, warp: dict, train: dict, data: dict,
          data_args: argparse.Namespace, data_table: Callable[..., str],
          durations: Dict[str, float], cmds: Dict[str, List[str]]) -> None:
    """Write ``args.out`` from the saved results, keeping what follows its ``KEEP`` line.

    Args:
        args: the command line (``out``, ``device``, ``quick``).
        warp: the warp benchmark's results.
        train: the training-step benchmark's results.
        data: the loader benchmark's results.
        data_args: the loader benchmark's command line, as it saved it.
        data_table: the loader's table (:func:`hierembed.benchmarks.loader.table`).
        durations: each benchmark's wall seconds.
        cmds: each benchmark's command.
    """
    import torch
    text = f"""# Performance

Generated by `python tools/benchmark_report.py{' --quick' if args.quick else ''}` on
{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {platform.machine()},
{os.cpu_count()} CPU cores, torch {torch.__version__} ({torch.get_num_threads()} threads),
device `{args.device}`. Do not edit above the hand-written part: run the command again.
Benchmarks took
{durations['warp']:.0f} s (warp), {durations['train']:.0f} s (training step),
{durations['data']:.0f} s (loader).

## Goals

{goals(warp, train, data)}

## Warp: from the M^r logits to the generated images and the loss (forward + backward)

Batch {warp['rows'][0].get('batch', 8)}, K = {warp['rows'][0].get('topk', 9)}, W_1 = 32, one
level per doubling. `sparse`: this toolkit (`hierembed.ops`); `grid_sample`: the released
code's formulation (the source repeated 4K times, read with `grid_sample`); `dense`: Eq. 4-5
over every source pixel (non-candidates masked), where it fits. Peak memory is the growth of
the process's peak resident set during one step (CPU) or the peak allocated memory (CUDA); the
floor is the float32 probabilities the hierarchy must hold, `B (W_1^4 + sum_r 4K W_r^2)`.
All formulations give the same loss (checked in the run).

Command: `{_cmd(cmds['warp'])}`

{warp_table(warp)}

## Training step (pairs/s, model only, random frames)

A full optimisation step: encoder on both frames, both decoders, every active level's loss,
the cycle loss's reverse decoder pass, backward and Adam. The same model with its sparse warp
swapped for the released formulation gives the `grid_sample` rows.

Command: `{_cmd(cmds['train'])}`

{train_table(train)}

## Loader (pairs/s of the training pipeline)

Decode, crop, jitter and collate; `opencv` (the default) seeks to the key frame before each
asked-for frame and decodes forward, `decord` is decord's random access, `sequential` decodes
forward from the start, `frames` reads pre-extracted JPEGs (see docs/data.md).

Command: `{_cmd(cmds['data'])}`

{data_table(data['rows'], data_args)}
"""
    if osp.isfile(args.out):
        with open(args.out) as f:
            old = f.read()
        if KEEP in old:
            text += '\n' + old[old.index(KEEP):]
    with open(args.out, 'w') as f:
        f.write(text)
    print(f'wrote {args.out}')
