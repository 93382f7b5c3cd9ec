"""Cost of resuming at iteration N: skipping through the sampler instead of loading batches.

Thin: the measurement is :mod:`hierembed.benchmarks.resume`.

    python tools/benchmark_resume.py --iters 1 1000 100000 --world-sizes 1 8
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.benchmarks.resume import main  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
