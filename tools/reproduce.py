"""The paper's Table 1 structure on a procedural class, in one command; writes docs/results.md.

Thin: the rows, their training and probing, and the tables are :mod:`hierembed.research`
(what each row is, what a cell and its ± mean: :mod:`hierembed.research.reproduce`).

Usage:
    python tools/reproduce.py [--iters 2800] [--seeds 0 1 2] [--rows ...] [--jobs 2]
    python tools/reproduce.py --probe-only --work-dir work_dirs/reproduce/face \\
        --config configs/synthetic_face.py --probe-config configs/probes/synthetic_face.py
    python tools/reproduce.py --rows 'r=3 ph,cyc,con' --work-dir work_dirs/experiments \\
        --experiments configs/experiments/crops_and_jitter/upper_body_r3_track_crop.py \\
        --out docs/research/experiments_track_crop.md
"""
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from hierembed.research.reproduce import main  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

if __name__ == '__main__':
    run_tool(main)
