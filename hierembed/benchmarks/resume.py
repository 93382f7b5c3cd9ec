"""Cost of resuming at iteration N: skipping through the sampler instead of loading batches.

``SkipIterBasedTrainLoop`` restarts ``InfinitePairSampler``'s index stream after ``N x batch``
indices (integers only, nothing loaded); mmengine's loop loads the N earlier batches instead.
This times the skip for a dataset of ``--length`` pairs and prints what loading would cost at
``--pairs-per-s`` (the loader's measured rate).

    python tools/benchmark_resume.py --iters 1 1000 100000 --world-sizes 1 8
"""
import argparse
import json
import time
from typing import List, Optional


class _Length:
    """A stand-in dataset: only its length matters to the sampler."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def main(argv: Optional[List[str]] = None) -> List[dict]:
    """Time the skip at each resume iteration and world size; print, and save with ``--out``.

    Args:
        argv: the command line (default: ``sys.argv``).

    Returns:
        A row per world size and iteration.
    """
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--iters', type=int, nargs='+', default=[1, 1000, 100000])
    p.add_argument('--world-sizes', type=int, nargs='+', default=[1, 8])
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--length', type=int, default=10_000_000, help='pairs per pass')
    p.add_argument('--pairs-per-s', type=float, default=400.0)
    p.add_argument('--out', default=None)
    args = p.parse_args(argv)
    from hierembed.datasets import InfinitePairSampler
    rows = []
    for world in args.world_sizes:
        for n in args.iters:
            sampler = InfinitePairSampler(_Length(args.length), seed=0)
            sampler.rank, sampler.world_size = world - 1, world  # the last rank skips most
            t0 = time.perf_counter()
            sampler.skip(n * args.batch_size)
            next(iter(sampler))
            skip_s = time.perf_counter() - t0
            load_s = n * args.batch_size / args.pairs_per_s
            rows.append(dict(world_size=world, iters=n, skip_s=skip_s, batches_loaded=0,
                             mmengine_batches_loaded=n, mmengine_load_s_estimate=load_s))
            print(f'world {world} resume at {n:7d}: skip {skip_s:6.2f} s, 0 batches loaded '
                  f'(mmengine: {n} batches, ~{load_s:.0f} s at {args.pairs_per_s:.0f} pairs/s)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=1)
    return rows
