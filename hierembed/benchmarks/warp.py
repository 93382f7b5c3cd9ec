"""Benchmark the warp: from the M^r logits to the generated images and the loss, fwd + bwd.

Three formulations of the same computation, at output sizes 32 -> 256 (batch 8, K = 9,
W_1 = 32, one level per doubling):

- ``sparse``: this toolkit's hierarchy (``hierembed.ops``), 4K candidates per target pixel.
- ``dense``: Eq. 4-5 read densely (every source pixel of the level, non-candidates masked),
  run only where its ``B * W^4`` probabilities fit in memory.
- ``grid_sample``: the released code's formulation of the sparse level: the source repeated
  4K times and read with ``grid_sample`` at the candidate coordinates.

Each case runs in a fresh process, so its peak resident memory is its own; on CUDA the peak
allocated memory is used instead. The floor is the finest level's ``B * W^2 * 4K`` float32
probabilities.

Usage:
    python tools/benchmark_warp.py --out work_dirs/benchmark_warp.json [--device cuda]
"""
import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import time

import torch
import torch.nn.functional as F

from hierembed.ops import (dense_probabilities, dense_topk_sources, dense_warp, expand_children,
                           photometric_l1, refine_level, sparse_warp, topk_candidates)


def grid_sample_warp(prob: torch.Tensor, src: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """The released code's formulation of :func:`~hierembed.ops.sparse_warp`: the source
    repeated 4K times, each candidate map read with ``grid_sample``.

    Args:
        prob: (B, N, H, W) the candidates' probabilities.
        src: (B, N, 2, H, W) the candidates' source pixels (row, column).
        source: (B, C, Hs, Ws) the source image.

    Returns:
        (B, C, H, W) the generated image.
    """
    b, n, h, w = prob.shape
    hs, ws = source.shape[-2:]
    rep = source.unsqueeze(1).expand(b, n, *source.shape[1:]).reshape(b * n, -1, hs, ws)
    gx = (src[:, :, 1].to(source.dtype) + 0.5) / ws * 2 - 1
    gy = (src[:, :, 0].to(source.dtype) + 0.5) / hs * 2 - 1
    grid = torch.stack((gx, gy), dim=-1).view(b * n, h, w, 2)
    colours = F.grid_sample(rep, grid, mode='nearest', align_corners=False)
    return (colours.view(b, n, -1, h, w) * prob.unsqueeze(2)).sum(1)


def _dense_level(a_prev_dense, logits_dense, cand_mask):
    """Eq. 4-5 densely: P[t, s] = A^{r-1}[t//2, s//2] M^r[t, s], non-candidates at -inf."""
    b, n_prev, h_prev, w_prev = a_prev_dense.shape
    w = 2 * w_prev
    ys, xs = torch.meshgrid(torch.arange(w, device=a_prev_dense.device),
                            torch.arange(w, device=a_prev_dense.device), indexing='ij')
    parent = ((ys // 2) * w_prev + xs // 2).reshape(-1)
    a_up = a_prev_dense.repeat_interleave(2, -2).repeat_interleave(2, -1)[:, parent]
    p = (a_up * logits_dense).masked_fill(~cand_mask, float('-inf'))
    return torch.softmax(p, dim=1)


def _current_rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _make_inputs(size, batch, topk, base, device):
    g = torch.Generator(device='cpu').manual_seed(0)
    levels = 1
    while base * 2**(levels - 1) < size:
        levels += 1
    sizes = [base * 2**r for r in range(levels)]
    logits = [torch.randn(batch, base * base, base, base, generator=g)]
    logits += [torch.randn(batch, 4 * topk, s, s, generator=g) for s in sizes[1:]]
    source = torch.rand(batch, 3, size, size, generator=g)
    targets = [torch.rand(batch, 3, s, s, generator=g) for s in sizes]
    return ([t.to(device).requires_grad_() for t in logits], source.to(device), targets, sizes)


def _run_case(formulation, size, batch, topk, base, device, repeats):
    logits, source, targets, sizes = _make_inputs(size, batch, topk, base, device)
    targets = [t.to(device) for t in targets]

    def step():
        loss = 0.0
        a1 = dense_probabilities(logits[0])
        src_1 = F.interpolate(source, size=(base, base), mode='area')
        loss = photometric_l1(dense_warp(a1, src_1), targets[0])
        if len(sizes) > 1:
            top, src = dense_topk_sources(a1, topk, base)
            a_dense = a1
        for r in range(1, len(sizes)):
            w = sizes[r]
            src_r = F.interpolate(source, size=(w, w), mode='area') if w != size else source
            if formulation == 'dense':
                _, cand = expand_children(top, src)
                idx = cand[:, :, 0] * w + cand[:, :, 1]
                mask = torch.zeros(batch, w * w, w, w, dtype=torch.bool, device=device)
                mask.scatter_(1, idx, True)
                dense_logits = torch.zeros(batch, w * w, w, w, device=device).scatter(
                    1, idx, logits[r])
                a_dense = _dense_level(a_dense, dense_logits, mask)
                gen = dense_warp(a_dense, src_r)
                prob, cand = a_dense.gather(1, idx), cand
            else:
                prob, cand = refine_level(top, src, logits[r])
                gen = (sparse_warp(prob, cand, src_r) if formulation == 'sparse' else
                       grid_sample_warp(prob, cand, src_r))
            loss = loss + photometric_l1(gen, targets[r])
            if r + 1 < len(sizes):
                top, src = topk_candidates(prob, cand, topk)
        loss.backward()
        return loss.detach()

    # Peak memory of the step beyond what the inputs already hold: on CPU the growth of the
    # peak resident set over the current one, measured across the first (cold) step.
    rss_before = _current_rss()
    if device == 'cuda':
        torch.cuda.synchronize()
        allocated = torch.cuda.memory_allocated()  # not `base`: that is the level-1 width
        torch.cuda.reset_peak_memory_stats()
    step()
    times = []
    for _ in range(repeats):
        for t in logits:
            t.grad = None
        t0 = time.perf_counter()
        loss = step()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    if device == 'cuda':
        peak = torch.cuda.max_memory_allocated() - allocated
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    # The floor: the probabilities the hierarchy must hold, dense A^1 plus 4K per pixel above.
    floor = batch * 4 * (base**4 + sum(4 * topk * s * s for s in sizes[1:]))
    return dict(formulation=formulation, size=size, levels=len(sizes), batch=batch, topk=topk,
                time_s=min(times), peak_bytes=peak, floor_bytes=floor,
                peak_over_floor=peak / floor, loss=float(loss),
                )


def _worker(queue, *args):
    try:
        queue.put(_run_case(*args))
    except RuntimeError as err:  # out of memory and similar: record, do not crash the table
        queue.put(dict(formulation=args[0], size=args[1], error=str(err).splitlines()[0]))


def run_in_subprocess(*args) -> dict:
    """Run one case (``formulation, size, batch, topk, base, device, repeats``) in a fresh
    spawned process, so that its peak memory is its own.

    Returns:
        The case's row; ``error`` where it failed or its process died.
    """
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(queue, *args))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        return dict(formulation=args[0], size=args[1], error=f'process died ({proc.exitcode})')
    return queue.get()


def main() -> None:
    """The command line of ``tools/benchmark_warp.py`` (``sys.argv``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='work_dirs/benchmark_warp.json')
    parser.add_argument('--sizes', type=int, nargs='+', default=[32, 64, 128, 256])
    parser.add_argument('--formulations', nargs='+', default=['sparse', 'grid_sample', 'dense'])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--topk', type=int, default=9)
    parser.add_argument('--base-size', type=int, default=32)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--dense-max-bytes', type=float, default=6e9,
                        help='skip dense cases whose B*W^4 float32 probabilities exceed this')
    args = parser.parse_args()

    rows = []
    for size in args.sizes:
        for form in args.formulations:
            dense_bytes = args.batch * size**4 * 4
            if form == 'dense' and dense_bytes > args.dense_max_bytes:
                rows.append(dict(formulation=form, size=size,
                                 error=f'skipped: {dense_bytes / 2**30:.0f} GiB of probabilities'))
                continue
            row = run_in_subprocess(form, size, args.batch, args.topk, args.base_size,
                                    args.device, args.repeats)
            rows.append(row)
            print(_format_row(row), flush=True)

    by = {(r['formulation'], r['size']): r for r in rows}
    for size in args.sizes:
        s, d = by.get(('sparse', size)), by.get(('dense', size))
        if s and d and 'error' not in s and 'error' not in d:
            s['dense_over_sparse_memory'] = d['peak_bytes'] / s['peak_bytes']
        if s and 'error' not in s:
            for other in ('grid_sample', 'dense'):
                o = by.get((other, size))
                if o and 'error' not in o:
                    assert abs(o['loss'] - s['loss']) < 1e-3 * max(1.0, abs(s['loss'])), \
                        f'{other} and sparse disagree at {size}: {o["loss"]} vs {s["loss"]}'
    print()
    print(markdown_table(write_result(args.out, args.device, rows)))


def write_result(path: str, device: str, rows: list) -> dict:
    """Save benchmark rows with the machine they were measured on.

    Args:
        path: the JSON file.
        device: the device measured.
        rows: the rows.

    Returns:
        What was saved.
    """
    result = dict(device=device, machine=platform.processor() or platform.machine(),
                  torch=torch.__version__, threads=torch.get_num_threads(), rows=rows)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(result, f, indent=2)
    return result


def _format_row(row):
    if 'error' in row:
        return f"{row['formulation']:>11} {row['size']:>4}: {row['error']}"
    return (f"{row['formulation']:>11} {row['size']:>4}: {row['time_s'] * 1e3:8.1f} ms, "
            f"peak {row['peak_bytes'] / 2**20:8.1f} MiB ({row['peak_over_floor']:.1f}x floor)")


def markdown_table(result: dict) -> str:
    """The markdown table of a saved warp benchmark (:func:`write_result`)."""
    lines = ['| output | levels | formulation | fwd+bwd (ms) | peak memory (MiB) | '
             'peak / floor | dense / sparse memory |', '|---|---|---|---|---|---|---|']
    for r in result['rows']:
        if 'error' in r:
            lines.append(f"| {r['size']} | | {r['formulation']} | {r['error']} | | | |")
            continue
        ratio = r.get('dense_over_sparse_memory')
        lines.append(f"| {r['size']} | {r['levels']} | {r['formulation']} | "
                     f"{r['time_s'] * 1e3:.1f} | {r['peak_bytes'] / 2**20:.1f} | "
                     f"{r['peak_over_floor']:.1f} | {'' if ratio is None else f'{ratio:.0f}x'} |")
    return '\n'.join(lines)


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
