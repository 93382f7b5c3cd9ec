"""tools/dist_train.sh configs/horse.py 2 on CPU (procedural stand-in, a few iterations), then
tools/probe.py configs/probes/horse.py on its checkpoint."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from plugin_helpers import REPO  # noqa: E402

pytestmark = pytest.mark.slow

TINY = dict(num_videos=6, num_frames=20, size=64)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _run(cmd, env):
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f'{cmd[:3]} failed ({proc.returncode}):\n' \
                                 f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}'
    return proc


def test_dist_train_horse_then_probe(tmp_path):
    stand_in = str(tmp_path / 'procedural_quadruped')
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()),
               NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='1')
    work = tmp_path / 'horse'
    proc = _run(['bash', osp.join(REPO, 'tools', 'dist_train.sh'),
                 osp.join(REPO, 'configs', 'horse.py'), '2', '--work-dir', str(work),
                 '--cfg-options', 'train_cfg.max_iters=3', 'train_dataloader.batch_size=2',
                 'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
                 f'train_dataloader.dataset.data_root={tmp_path / "no_tigdog"}',
                 f'train_dataloader.dataset.procedural.data_root={stand_in}',
                 *[f'train_dataloader.dataset.procedural.{k}={v}' for k, v in TINY.items()],
                 'default_hooks.checkpoint.interval=3', 'default_hooks.logger.interval=1',
                 'custom_hooks=[]'], env)
    assert 'procedural' in proc.stdout + proc.stderr  # the stand-in was announced
    ckpt = work / 'iter_3.pth'
    assert ckpt.is_file()
    log = open(sorted(work.glob('*/*.log'))[-1]).read()
    assert 'Distributed training: True' in log and 'Iter(train) [3/3]' in log
    probe = tmp_path / 'probe'
    _run([sys.executable, osp.join(REPO, 'tools', 'probe.py'),
          osp.join(REPO, 'configs', 'probes', 'horse.py'), '--checkpoint', str(ckpt),
          '--work-dir', str(probe), '--no-progress', '--cfg-options',
          f'probe_dataset.data_root={stand_in}',
          *[f'probe_dataset.procedural.{k}={v}' for k, v in TINY.items()],
          'probe_cfg.epochs=5', 'probe_cfg.weight_decay=0.0'], env)
    results = json.loads((probe / 'results.json').read_text())
    assert set(results['encoders']) == {'trained', 'random_init', 'mean_pose'}
    pck = results['encoders']['trained']['heads']['mlp']['metrics']['PCK@0.2']
    assert list(pck['groups']) == ['Head', 'Body', 'Knee', 'Hoof']
    assert 0.0 <= pck['mean'] <= 100.0


def test_tigdog_switch_trains_and_probes_the_converted_landmarks(tmp_path):
    """configs/horse.py with tigdog_root set converts a (fixture) download on first use; the
    TigDog probe config reads the 19 landmarks with the plugin's metainfo."""
    from tigdog_fixture import write_tigdog
    tigdog = str(tmp_path / 'TigDog')
    write_tigdog(tigdog, shots=list(range(1, 11)), frames_per_shot=8)
    data_root = str(tmp_path / 'horse')
    env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='1')
    work = tmp_path / 'train'
    proc = _run([sys.executable, osp.join(REPO, 'tools', 'train.py'),
                 osp.join(REPO, 'configs', 'horse.py'), '--work-dir', str(work),
                 '--cfg-options', 'train_cfg.max_iters=2', 'train_dataloader.batch_size=2',
                 'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
                 f'train_dataloader.dataset.data_root={data_root}',
                 f'train_dataloader.dataset.tigdog_root={tigdog}',
                 'default_hooks.checkpoint.interval=2', 'custom_hooks=[]'], env)
    assert 'stand-in' not in proc.stdout + proc.stderr
    with open(osp.join(data_root, 'annotations', 'videos_train.json')) as f:
        assert json.load(f)['metainfo']['source'] == 'tigdog'
    probe = tmp_path / 'probe'
    _run([sys.executable, osp.join(REPO, 'tools', 'probe.py'),
          osp.join(REPO, 'plugins', 'horse', 'configs', 'probes', 'tigdog_horse.py'),
          '--checkpoint', str(work / 'iter_2.pth'), '--work-dir', str(probe), '--no-progress',
          '--baselines', 'mean_pose', '--cfg-options', f'probe_dataset.data_root={data_root}',
          'probe_cfg.epochs=3', 'probe_cfg.weight_decay=0.0'], env)
    results = json.loads((probe / 'results.json').read_text())
    assert len(results['meta']['keypoint_names']) == 19
    pck = results['encoders']['trained']['heads']['linear']['metrics']['PCK@0.2']
    assert list(pck['groups']) == ['Head', 'Body', 'Elbow', 'Knee', 'Hoof']
