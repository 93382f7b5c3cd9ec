"""`make demo` end to end, as a 30-iteration smoke run (the full demo is the README's)."""
import json
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_demo_quick(tmp_path):
    work = str(tmp_path / 'demo')
    proc = subprocess.run([sys.executable, 'tools/demo.py', '--quick', '--work-dir', work,
                           '--data-root', str(tmp_path / 'data')], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.load(open(osp.join(work, 'probe', 'results.json')))
    assert {'trained', 'random_init', 'mean_pose'} <= set(results['encoders'])
    assert 'training warps (' in proc.stdout and 'predicted landmarks (' in proc.stdout
    assert 'training warps (0)' not in proc.stdout  # the visualiser's PNGs are found
    assert osp.isfile(osp.join(work, 'probe', 'results.md'))
