"""tools/gpu_check.sh on the CPU at test size: every step runs and the summary says so."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.slow
def test_gpu_check_runs_on_cpu(tmp_path):
    out = str(tmp_path / 'check')
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1')
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', 'gpu_check.sh'), '--device', 'cpu',
                           '--small', '--out', out], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(osp.join(out, 'summary.json')) as f:
        summary = json.load(f)
    steps = summary['steps']
    assert set(steps) == {'ops', 'warp', 'train', 'fit', 'resume', 'features', 'probe'}
    assert summary['failed'] == [] and all(s['rc'] == 0 for s in steps.values())
    assert steps['features']['result']['max_abs_diff'] == 0.0  # CPU against CPU
    assert any('no skipped batch is loaded' in n for n in steps['resume']['notes'])
    assert steps['warp']['result']['rows'] and steps['probe']['result'] is True
