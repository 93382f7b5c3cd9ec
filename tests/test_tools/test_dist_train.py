"""tools/dist_train.sh with 2 real processes (CPU, gloo)."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

ENGINE_TESTS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_engine')
sys.path.insert(0, ENGINE_TESTS)
from toy_modules import REPO, write_tiny_config  # noqa: E402

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join([ENGINE_TESTS, REPO]),
                PYTHON=sys.executable, PORT=str(_free_port()), NO_ALBUMENTATIONS_UPDATE='1',
                OMP_NUM_THREADS='1')


def _run(cmd):
    proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f'{cmd} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def _dist_train(cfg, work_dir, gpus=2):
    return _run(['bash', osp.join(REPO, 'tools', 'dist_train.sh'), cfg, str(gpus),
                 '--work-dir', work_dir])


def _state(work_dir, rank):
    with open(osp.join(work_dir, f'rank{rank}.json')) as f:
        info = json.load(f)
    return torch.load(osp.join(work_dir, f'rank{rank}.pth')), info


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('data') / 'synthetic_upper_body')


def test_two_processes_train_the_real_model_in_lockstep(tmp_path, data_root):
    # Plateau curriculum on the real losses: each rank sees its own half of the batch, so
    # local losses differ; the switches must still fall on the same iteration.
    cfg = write_tiny_config(
        str(tmp_path / 'tiny.py'), data_root, max_iters=8, batch_size=2,
        curriculum="dict(type='CurriculumHook', interval=1, patience=1, min_delta=0.02)")
    work = str(tmp_path / 'run')
    _dist_train(cfg, work)
    (w0, info0), (w1, info1) = _state(work, 0), _state(work, 1)
    assert info0['iter'] == info1['iter'] == 8
    assert info0['history'] == info1['history']
    assert len(info0['history']) > 1  # at least one switch happened
    for key, value in w0.items():
        if 'running_' in key or 'num_batches_tracked' in key:
            continue  # BatchNorm statistics are per rank (broadcast_buffers=False)
        assert torch.equal(value, w1[key]), key
    log = open(sorted(glob.glob(osp.join(work, '*', '*.log')))[-1]).read()
    count = 'GPU number: 2' if torch.cuda.is_available() else 'processes (CPU): 2'
    assert 'Distributed training: True' in log and count in log
    assert osp.isfile(osp.join(work, 'iter_6.pth'))


def test_two_processes_equal_one_at_the_same_global_batch(tmp_path, data_root):
    # A BatchNorm-free model whose loss per sample is independent of the batch, on pairs that
    # are a pure function of their index: 2 x 2 pairs must train like 1 x 4 pairs.
    # rank_offset makes the ranks' logged losses differ by 100 without changing gradients.
    curriculum = "dict(type='CurriculumHook', interval=1, patience=1, min_delta=10.0)"
    one = write_tiny_config(str(tmp_path / 'one.py'), data_root, max_iters=6, batch_size=4,
                            model='toy', curriculum=curriculum)
    two = write_tiny_config(str(tmp_path / 'two.py'), data_root, max_iters=6, batch_size=2,
                            model='toy', curriculum=curriculum,
                            rank_offset=100.0)
    _run([sys.executable, osp.join(REPO, 'tools', 'train.py'), one, '--work-dir',
          str(tmp_path / 'one')])
    _dist_train(two, str(tmp_path / 'two'))
    w_one, info_one = _state(str(tmp_path / 'one'), 0)
    (w0, info0), (w1, info1) = _state(str(tmp_path / 'two'), 0), _state(str(tmp_path / 'two'), 1)
    assert info0['history'] == info1['history'] == info_one['history'] == [[0, 1], [2, 2],
                                                                           [4, 3]]
    for key, value in w_one.items():
        assert torch.equal(w0[key], w1[key]), key
        torch.testing.assert_close(w0[key], value, rtol=1e-5, atol=1e-6, msg=key)


def test_all_levels_active_trains_without_the_unused_parameter_search(tmp_path, data_root):
    # Every level active from iteration 0: tools/train.py sets find_unused_parameters=False,
    # and DDP fails at the second step if any parameter got no gradient in the first.
    cfg = write_tiny_config(
        str(tmp_path / 'all.py'), data_root, max_iters=3, batch_size=2,
        curriculum="dict(type='CurriculumHook', start_levels=3, interval=100)",
        extra="model['active_levels'] = 3")
    work = str(tmp_path / 'run')
    _dist_train(cfg, work)
    log = open(sorted(glob.glob(osp.join(work, '*', '*.log')))[-1]).read()
    assert 'find_unused_parameters = False' in log
    assert _state(work, 0)[1]['iter'] == _state(work, 1)[1]['iter'] == 3
