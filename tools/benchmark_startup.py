"""Start-up time of VideoPairDataset on a large collection, without and with the probe cache.

Thin: the measurement is :mod:`hierembed.benchmarks.startup`.

    python tools/benchmark_startup.py --num-videos 10000 --out work_dirs/benchmarks/startup.json
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.benchmarks.startup import main  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
