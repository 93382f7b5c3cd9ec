"""Config preparation for tools/train.py and the CPU distributed set-up."""
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from hierembed.engine.launch import init_distributed, prepare_train_cfg, teardown_distributed

CONFIG = os.path.join(os.path.dirname(__file__), '..', '..', 'configs',
                      'synthetic_upper_body.py')


@pytest.fixture
def cfg():
    return Config.fromfile(CONFIG)


def test_default_work_dir_is_named_after_the_config(cfg):
    prepare_train_cfg(cfg, CONFIG)
    assert cfg.work_dir == os.path.join('./work_dirs', 'synthetic_upper_body')
    assert cfg.launcher == 'none' and cfg.resume is False
    prepare_train_cfg(cfg, CONFIG, work_dir='/tmp/x')
    assert cfg.work_dir == '/tmp/x'


def test_resume_forms(cfg):
    prepare_train_cfg(cfg, CONFIG, resume='auto')
    assert cfg.resume is True and cfg.load_from is None
    prepare_train_cfg(cfg, CONFIG, resume='/w/iter_4.pth')
    assert cfg.resume is True and cfg.load_from == '/w/iter_4.pth'


def test_amp(cfg):
    if torch.cuda.is_available():
        prepare_train_cfg(cfg, CONFIG, amp=True)
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    else:
        with pytest.warns(UserWarning, match='CUDA'):
            prepare_train_cfg(cfg, CONFIG, amp=True)
        assert cfg.optim_wrapper.type == 'OptimWrapper'


def test_unused_parameters_searched_only_when_a_level_starts_inactive(cfg):
    prepare_train_cfg(cfg.copy(), CONFIG)
    assert prepare_train_cfg(cfg.copy(), CONFIG).find_unused_parameters is True  # curriculum
    cfg.model.active_levels = cfg.model.warp_head.num_levels
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h.type != 'CurriculumHook']
    assert prepare_train_cfg(cfg.copy(), CONFIG).find_unused_parameters is False
    cfg.custom_hooks.append(dict(type='CurriculumHook', start_levels=2))
    assert prepare_train_cfg(cfg.copy(), CONFIG).find_unused_parameters is True
    cfg.find_unused_parameters = False  # a config's own choice stands
    assert prepare_train_cfg(cfg, CONFIG).find_unused_parameters is False


def test_bad_launcher(cfg):
    with pytest.raises(ValueError, match='launcher'):
        prepare_train_cfg(cfg, CONFIG, launcher='mpi')


def test_no_launcher_touches_nothing(cfg):
    prepare_train_cfg(cfg, CONFIG)
    assert init_distributed(cfg) is False
    assert 'model_wrapper_cfg' not in cfg and not dist.is_initialized()


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path')
def test_cpu_launch_initialises_gloo_and_fixes_the_wrapper(cfg, monkeypatch):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    for key, value in dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT=str(port)).items():
        monkeypatch.setenv(key, value)
    prepare_train_cfg(cfg, CONFIG, launcher='pytorch')
    cfg.env_cfg.dist_cfg.timeout = 77
    assert cfg.sync_bn == 'torch'  # the runtime's, for GPUs
    try:
        assert init_distributed(cfg) is True
        assert dist.is_initialized() and dist.get_backend() == 'gloo'
        assert dist.distributed_c10d._get_default_group()._get_backend(
            torch.device('cpu')).options._timeout.total_seconds() == 77
        assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel',
                                             broadcast_buffers=False,
                                             find_unused_parameters=True, device_ids=None)
        assert cfg.env_cfg.dist_cfg.backend == 'gloo' and cfg.sync_bn is None
    finally:
        teardown_distributed()
    assert not dist.is_initialized()


def test_slurm_variables_become_torch_distributed_ones(monkeypatch):
    from hierembed.engine.launch import _slurm_environment
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_PORT'):
        # set, then deleted: monkeypatch then removes what _slurm_environment sets afterwards
        # (delenv alone records nothing for a key that is absent, and RANK leaked into later
        # tests)
        monkeypatch.setenv(key, '')
        monkeypatch.delenv(key)
    monkeypatch.setenv('SLURM_PROCID', '5')
    monkeypatch.setenv('SLURM_NTASKS', '8')
    monkeypatch.setenv('SLURM_LOCALID', '1')
    monkeypatch.setenv('SLURM_NODELIST', 'node[1-2]')
    monkeypatch.setenv('MASTER_ADDR', 'node1')  # given: scontrol is not asked
    _slurm_environment()
    assert [os.environ[k] for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR',
                                    'MASTER_PORT')] == ['5', '8', '1', 'node1', '29500']


def test_flushing_denormals_is_a_call_of_its_own():
    # In a fresh interpreter: the floating-point mode is process state that other tests (and
    # libraries they import) may have set.
    code = textwrap.dedent(f"""
        import torch
        from mmengine.config import Config
        from hierembed.engine.launch import flush_denormals_to_zero, prepare_train_cfg
        tiny = torch.tensor([1e-39])  # a subnormal float32
        assert (tiny * 1.0).item() != 0
        prepare_train_cfg(Config.fromfile({CONFIG!r}), {CONFIG!r})
        assert (tiny * 1.0).item() != 0, 'preparing the config changed the process'
        if not flush_denormals_to_zero():
            print('cannot flush')
        else:
            assert (tiny * 1.0).item() == 0
            print('flushed')
        """)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    if out.stdout.strip() == 'cannot flush':
        pytest.skip('this CPU cannot flush subnormal floats')
    assert out.stdout.strip() == 'flushed'


def test_own_videos_config_names_its_work_dir_after_the_data():
    own = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), 'configs', 'own_videos.py')
    cfg = Config.fromfile(own)
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': 'data/street_clips/'})
    prepare_train_cfg(cfg, own)
    assert cfg.work_dir == os.path.join('./work_dirs', 'own_videos_street_clips')
    ds = cfg.train_dataloader.dataset
    assert not ds.get('procedural')
    assert ds.whole_frame == 'inside' and ds.type == 'VideoPairDataset'
    # the CPU recipe's hooks, and the held-out check
    recipe = Config.fromfile(os.path.join(os.path.dirname(own), '_base_', 'cpu_recipe.py'))
    assert cfg.custom_hooks[:-1] == recipe.custom_hooks
    assert cfg.custom_hooks[-1].type == 'WarpValidationHook'
