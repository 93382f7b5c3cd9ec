"""Run every benchmark and write docs/performance.md (generated: never edit it by hand, except
below the ``KEEP`` line, which is kept as it is).

Thin: the goals and the page are :mod:`hierembed.benchmarks.report`.

Usage:
    python tools/benchmark_report.py [--quick] [--device cpu|cuda] [--out docs/performance.md]
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.benchmarks.report import main  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
