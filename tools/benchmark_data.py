"""Loader throughput: pairs/s of the training pipeline (decode, crop, jitter, collate).

Thin: the decodings compared, the measurement and the table are
:mod:`hierembed.benchmarks.loader`; the ``frames`` mode's JPEGs are written by
``tools/prepare_frames.py``.

    python tools/benchmark_data.py --write-docs
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
TOOLS = osp.dirname(osp.abspath(__file__))
sys.path[:0] = [osp.dirname(TOOLS), TOOLS]

from prepare_frames import prepare_frames  # noqa: E402

from hierembed.benchmarks import loader  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402


def main(argv=None) -> int:
    return loader.main(prepare_frames, argv)


if __name__ == '__main__':
    run_tool(main)
