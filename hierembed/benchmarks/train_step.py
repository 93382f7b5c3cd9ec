"""Training-step throughput (pairs/s) of the self-supervised model, per config and level count.

Each row is a full optimisation step (encoder, both decoders, losses of every active level,
the cycle loss's second decoder pass, backward, Adam) on random frames, so it measures the
model alone; the loader is benchmarked by ``tools/benchmark_data.py``. With
``--formulations sparse grid_sample`` the same model also runs with its sparse warp swapped
for the released code's formulation (the source repeated 4K times and read with
``grid_sample``), so the two are compared in one process on one machine.

Usage:
    python tools/benchmark_train.py --out work_dirs/benchmark_train.json \
        [--configs configs/_base_/models/hierembed_cpu.py:16 ...] [--device cuda]
"""
import argparse
import os
import time

import torch
from mmengine.config import Config

import hierembed.models.warp_heads.hierarchical_warp_head as head_module
from hierembed.benchmarks.warp import grid_sample_warp, write_result
from hierembed.registry import MODELS
from hierembed.utils import register_all_modules


def measure(cfg_path: str, batch: int, levels: int, formulation: str, steps: int,
            device: str) -> dict:
    """The median step time of one config at one level count and warp formulation.

    Args:
        cfg_path: the model's config.
        batch: pairs per step.
        levels: the active levels.
        formulation: ``sparse`` or ``grid_sample`` (the released code's warp swapped in).
        steps: steps timed (after one untimed).
        device: ``cpu`` or ``cuda``.

    Returns:
        The row: config, input_size, batch, levels, formulation, step_s, pairs_per_s (and
        peak_gpu_bytes on CUDA).
    """
    cfg = Config.fromfile(cfg_path)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device).train()
    model.active_levels = levels
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    s = model.input_size
    x = {k: torch.rand(batch, 3, s, s, device=device)
         for k in ('source', 'target', 'source_clean', 'target_clean')}
    original = head_module.sparse_warp
    head_module.sparse_warp = original if formulation == 'sparse' else grid_sample_warp
    try:
        times = []
        for i in range(steps + 1):
            if device == 'cuda':
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            losses = model(x, mode='loss')
            loss = sum(v for k, v in losses.items() if k.startswith('loss'))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if device == 'cuda':
                torch.cuda.synchronize()
            if i > 0:  # the first step pays for allocation and kernel selection
                times.append(time.perf_counter() - t0)
    finally:
        head_module.sparse_warp = original
    step = sorted(times)[len(times) // 2]
    row = dict(config=os.path.basename(cfg_path), input_size=s, batch=batch, levels=levels,
               formulation=formulation, step_s=step, pairs_per_s=batch / step)
    if device == 'cuda':
        row['peak_gpu_bytes'] = torch.cuda.max_memory_allocated()
    return row


def main() -> None:
    """The command line of ``tools/benchmark_train.py`` (``sys.argv``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='work_dirs/benchmark_train.json')
    parser.add_argument('--configs', nargs='+',
                        default=['configs/_base_/models/hierembed_cpu.py:16',
                                 'configs/_base_/models/hierembed_paper.py:4'],
                        help='CONFIG:BATCH pairs')
    parser.add_argument('--formulations', nargs='+', default=['sparse', 'grid_sample'])
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    register_all_modules()
    rows = []
    for item in args.configs:
        path, batch = item.rsplit(':', 1)
        num_levels = Config.fromfile(path).model.warp_head.num_levels
        for levels in range(1, num_levels + 1):
            for form in args.formulations:
                if levels == 1 and form != 'sparse':
                    continue  # level 1 is dense in every formulation
                row = measure(path, int(batch), levels, form, args.steps, args.device)
                rows.append(row)
                print(f"{row['config']:>22} B={row['batch']:<3} levels={levels} {form:>11}: "
                      f"{row['step_s']:.3f} s/step, {row['pairs_per_s']:.1f} pairs/s", flush=True)
    print()
    print(markdown_table(write_result(args.out, args.device, rows)))


def markdown_table(result: dict) -> str:
    """The markdown table of a saved training-step benchmark, with the speed-up of ``sparse``
    over ``grid_sample`` at each level count."""
    lines = ['| config | input | batch | levels | warp formulation | s / step | pairs / s | '
             'speed-up vs grid_sample |', '|---|---|---|---|---|---|---|---|']
    by = {(r['config'], r['levels'], r['formulation']): r for r in result['rows']}
    for r in result['rows']:
        other = by.get((r['config'], r['levels'], 'grid_sample'))
        speed = (f"{other['step_s'] / r['step_s']:.2f}x"
                 if other is not None and r['formulation'] == 'sparse' else '')
        lines.append(f"| {r['config']} | {r['input_size']} | {r['batch']} | {r['levels']} | "
                     f"{r['formulation']} | {r['step_s']:.3f} | {r['pairs_per_s']:.1f} | {speed} |")
    return '\n'.join(lines)


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
