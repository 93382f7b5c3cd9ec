"""The research record's tooling: ``tools/reproduce.py``, which trains and probes the rows of
docs/results*.md and docs/research/experiments_*.md and writes those tables.

- :mod:`~hierembed.research.rows`: the rows of a table and the training config each one writes,
- :mod:`~hierembed.research.reproduce`: training and probing every row and seed, the command,
- :mod:`~hierembed.research.tables`: the markdown of a table from the probes' results.
"""
import os.path as osp

# The checkout the package lies in: reproduce runs its tools/train.py and tools/probe.py, and
# the paths it is given and writes are relative to it.
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
