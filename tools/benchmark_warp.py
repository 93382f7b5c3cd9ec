"""Benchmark the warp: from the M^r logits to the generated images and the loss, fwd + bwd.

Thin: the formulations compared, the measurement and the table are
:mod:`hierembed.benchmarks.warp`.

Usage:
    python tools/benchmark_warp.py --out work_dirs/benchmark_warp.json [--device cuda]
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.benchmarks.warp import main  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
