"""tools/train.py end to end: outputs, --resume, and a kill -9 in the middle of a run."""
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

ENGINE_TESTS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_engine')
sys.path.insert(0, ENGINE_TESTS)
from toy_modules import REPO, write_tiny_config  # noqa: E402

from hierembed.engine.checkpoint import load_from_local_weights_only  # noqa: E402

TRAIN = osp.join(REPO, 'tools', 'train.py')
pytestmark = pytest.mark.slow


def _env():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ENGINE_TESTS, REPO]),
               NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='1')
    return env


def _train(*args, check=True):
    proc = subprocess.run([sys.executable, TRAIN, *args], env=_env(), capture_output=True,
                          text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f'train.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def _log(work_dir):
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    return open(logs[-1]).read()


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('data') / 'synthetic_upper_body')


def test_train_then_resume_matches_an_uninterrupted_run(tmp_path, data_root):
    cfg6 = write_tiny_config(str(tmp_path / 'tiny.py'), data_root, max_iters=6)
    cfg9 = write_tiny_config(str(tmp_path / 'tiny9.py'), data_root, max_iters=9)
    work = str(tmp_path / 'run')
    _train(cfg6, '--work-dir', work)

    # checkpoint, log, pictures (through the local vis backend)
    assert osp.isfile(osp.join(work, 'iter_3.pth')) and osp.isfile(osp.join(work, 'iter_6.pth'))
    assert open(osp.join(work, 'last_checkpoint')).read().strip().endswith('iter_6.pth')
    log = _log(work)
    assert 'Iter(train) [6/6]' in log and 'Throughput over' in log
    # interval 1, patience 1, an improvement of 1000% required: levels 2 and 3 after
    # iterations 2 and 4, then the lr drops after 6. The config's 1e-3 is for a global batch of
    # 16: at batch 4, auto_scale_lr starts it at 2.5e-4.
    assert 'Curriculum: 2 of 3 levels active from iteration 3' in log
    assert 'Curriculum: learning rate reduced to 2.5e-05 after iteration 6' in log
    assert glob.glob(osp.join(work, '*', 'vis_data', 'vis_image', 'warp_6.png'))

    ckpt = load_from_local_weights_only(osp.join(work, 'iter_6.pth'), 'cpu')
    assert ckpt['meta']['iter'] == 6
    assert ckpt['curriculum']['active_levels'] == 3
    assert int(ckpt['state_dict']['_active_levels']) == 3
    assert ckpt['optimizer']['param_groups'][0]['lr'] == pytest.approx(2.5e-5)
    steps = {float(s['step']) for s in ckpt['optimizer']['state'].values()}
    assert 6.0 in steps  # level-1 parameters trained 6 times (higher levels fewer)

    _train(cfg6, '--work-dir', work, '--resume', '--cfg-options', 'train_cfg.max_iters=9')
    log = _log(work)
    assert 'resumed epoch: 0, iter: 6' in log
    assert 'Curriculum: resumed with 3 of 3 levels active at iteration 6' in log
    # the checkpoint's load is logged once (ours), not mmengine's 'Loads checkpoint by' beside it
    assert 'Load checkpoint from' in log and 'Loads checkpoint by' not in log
    assert osp.isfile(osp.join(work, 'iter_9.pth'))

    straight = str(tmp_path / 'straight')
    _train(cfg9, '--work-dir', straight)
    resumed = torch.load(osp.join(work, 'rank0.pth'))
    uninterrupted = torch.load(osp.join(straight, 'rank0.pth'))
    for key, value in uninterrupted.items():
        torch.testing.assert_close(resumed[key], value, rtol=0, atol=1e-6, msg=key)
    for path in (work, straight):
        with open(osp.join(path, 'rank0.json')) as f:
            assert json.load(f)['history'] == [[0, 1], [2, 2], [4, 3]]

    # --resume CKPT: from a named checkpoint
    again = _train(cfg6, '--work-dir', str(tmp_path / 'again'), '--resume',
                   osp.join(work, 'iter_3.pth'), '--cfg-options', 'train_cfg.max_iters=4')
    assert 'resumed epoch: 0, iter: 3' in _log(str(tmp_path / 'again')), again.stdout[-2000:]


def test_kill_9_then_resume(tmp_path, data_root):
    cfg = write_tiny_config(str(tmp_path / 'tiny.py'), data_root, max_iters=100000,
                            ckpt_interval=1, max_keep_ckpts=2)
    work = str(tmp_path / 'run')
    proc = subprocess.Popen([sys.executable, TRAIN, cfg, '--work-dir', work], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Wait for a few checkpoints, then kill while a checkpoint is being written if we can
        # catch one (its temporary file is visible), else at once.
        deadline = time.time() + 120
        while time.time() < deadline:
            last = osp.join(work, 'last_checkpoint')
            if osp.isfile(last) and open(last).read().strip().endswith(('iter_5.pth',
                                                                       'iter_6.pth')):
                break
            time.sleep(0.05)
        else:
            pytest.fail('no checkpoint within 120 s')
        for _ in range(2000):
            if glob.glob(osp.join(work, '.tmp-*')):
                break
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()

    # Every checkpoint left behind is whole, and last_checkpoint names one of them.
    ckpts = sorted(glob.glob(osp.join(work, 'iter_*.pth')))
    # max_keep_ckpts=2; the oldest goes only after the newest is complete: 3 at most.
    assert 1 <= len(ckpts) <= 3
    iters = []
    for path in ckpts:
        iters.append(load_from_local_weights_only(path, 'cpu')['meta']['iter'])
    last = open(osp.join(work, 'last_checkpoint')).read().strip()
    assert last in ckpts
    resume_iter = load_from_local_weights_only(last, 'cpu')['meta']['iter']
    assert resume_iter == max(iters)

    _train(cfg, '--work-dir', work, '--resume', '--cfg-options',
           f'train_cfg.max_iters={resume_iter + 2}')
    log = _log(work)
    assert f'resumed epoch: 0, iter: {resume_iter}' in log
    assert f'Iter(train) [{resume_iter + 2}/{resume_iter + 2}]' in log
    assert not glob.glob(osp.join(work, '.tmp-*'))  # cleared on restart
    with open(osp.join(work, 'rank0.json')) as f:
        assert json.load(f)['iter'] == resume_iter + 2
