"""Face / person detection in ``video_folder.py``: frames per CPU-second and what is found, for
several ``--max-side`` / ``--stride`` settings on a folder of your videos.

Thin: the measurement is :mod:`hierembed.benchmarks.detect`; the videos are found as
``tools/dataset_converters/video_folder.py`` finds them. Settings are ``MAX_SIDE:STRIDE``.

    python tools/benchmark_detect.py VIDEOS --detector face --settings 640:1 640:5 320:5
"""
import os.path as osp
import sys

TOOLS = osp.dirname(osp.abspath(__file__))
sys.path[:0] = [osp.dirname(TOOLS), TOOLS]

from dataset_converters.video_folder import find_videos  # noqa: E402

from hierembed.benchmarks import detect  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402


def main(argv=None) -> int:
    return detect.main(find_videos, argv)


if __name__ == '__main__':
    run_tool(main)
