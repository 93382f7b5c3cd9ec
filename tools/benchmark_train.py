"""Training-step throughput (pairs/s) of the self-supervised model, per config and level count.

Thin: the measurement and the table are :mod:`hierembed.benchmarks.train_step`.

Usage:
    python tools/benchmark_train.py --out work_dirs/benchmark_train.json \
        [--configs configs/_base_/models/hierembed_cpu.py:16 ...] [--device cuda]
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.benchmarks.train_step import main  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
