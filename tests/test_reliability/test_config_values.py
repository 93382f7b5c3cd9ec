"""Config values of the wrong type or out of range, and misspelt hook arguments: each refused by
``check_train_cfg`` before anything is built, naming the file and the key (docs/reliability.md).
"""
import pytest
from mmengine.config import Config
from reliability_helpers import assert_one_line, run_cli, toy_config

from hierembed.engine.train_checks import check_train_cfg
from hierembed.errors import ConfigError, HierembedError

CASES = [
    # (the option, the key named, what the message says)
    ('train_cfg.max_iters=0', 'train_cfg.max_iters', 'integer >= 1'),
    ('train_cfg.max_iters=-5', 'train_cfg.max_iters', 'integer >= 1'),
    ("train_cfg.max_iters='100'", 'train_cfg.max_iters', 'integer >= 1'),
    ('train_cfg.max_iters=2.5', 'train_cfg.max_iters', 'integer >= 1'),
    ('train_cfg.max_iters=True', 'train_cfg.max_iters', 'integer >= 1'),
    ('train_cfg.max_iters=None', 'train_cfg.max_iters', 'integer >= 1'),
    ('train_cfg.val_interval=0', 'train_cfg.val_interval', 'integer >= 1'),
    ('train_dataloader.batch_size=0', 'train_dataloader.batch_size', 'integer >= 1'),
    ("train_dataloader.batch_size='8'", 'train_dataloader.batch_size', 'integer >= 1'),
    ('train_dataloader.batch_size=-1', 'train_dataloader.batch_size', 'integer >= 1'),
    ('train_dataloader.num_workers=-1', 'train_dataloader.num_workers', 'integer >= 0'),
    ("train_dataloader.num_workers='2'", 'train_dataloader.num_workers', 'integer >= 0'),
    ('train_dataloader.dataset.data_root=None', 'train_dataloader.dataset.data_root', 'folder'),
    ("train_dataloader.dataset.data_root=''", 'train_dataloader.dataset.data_root', 'folder'),
    ('train_dataloader.dataset.data_root=3', 'train_dataloader.dataset.data_root', 'folder'),
    ('optim_wrapper.optimizer.lr=0', 'optim_wrapper.optimizer.lr', 'number > 0'),
    ('optim_wrapper.optimizer.lr=-1e-3', 'optim_wrapper.optimizer.lr', 'number > 0'),
    ("optim_wrapper.optimizer.lr='1e-3'", 'optim_wrapper.optimizer.lr', 'number > 0'),
    ("optim_wrapper.optimizer.lr=float('nan')", 'optim_wrapper.optimizer.lr', 'number > 0'),
    ("optim_wrapper.optimizer.lr=float('inf')", 'optim_wrapper.optimizer.lr', 'number > 0'),
    ('optim_wrapper.optimizer.weight_decay=-1', 'optim_wrapper.optimizer.weight_decay', '>= 0'),
    ("randomness.seed='zero'", 'randomness.seed', 'integer or None'),
    ('max_level1_prob_gib=-1', 'max_level1_prob_gib', 'number > 0'),
    ("max_level1_prob_gib='8'", 'max_level1_prob_gib', 'number > 0'),
    # hooks: a misspelt argument, or a value of the wrong type
    ('default_hooks.checkpoint.intervl=3', "'intervl' Did you mean 'interval'", 'checkpoint'),
    ('default_hooks.checkpoint.max_keep=1', "'max_keep' Did you mean 'max_keep_ckpts'",
     'AtomicCheckpointHook'),
    ('default_hooks.logger.intervall=5', "'intervall' Did you mean 'interval'", 'LoggerHook'),
    ('default_hooks.checkpoint.interval=0', 'default_hooks.checkpoint.interval', '>= 1'),
    ("default_hooks.checkpoint.interval='250'", 'default_hooks.checkpoint.interval', '>= 1'),
    ('default_hooks.checkpoint.interval=2.5', 'default_hooks.checkpoint.interval', '>= 1'),
    ('default_hooks.logger.interval=0', 'default_hooks.logger.interval', '>= 1'),
    ("default_hooks.checkpoint.by_epoch='no'", 'default_hooks.checkpoint.by_epoch',
     'True or False'),
    ("default_hooks.checkpoint.max_keep_ckpts='2'", 'default_hooks.checkpoint.max_keep_ckpts',
     'a number'),
    ('custom_hooks.0.patienc=3', "'patienc' Did you mean 'patience'", 'CurriculumHook'),
    ("custom_hooks.0.min_delta='small'", 'custom_hooks[0].min_delta', 'a number'),
    ('custom_hooks.0.interval=0', 'custom_hooks[0].interval', '>= 1'),
    ("custom_hooks.0.patience='4'", 'custom_hooks[0].patience', 'a number'),
    ("custom_hooks.1.warmup='2'", 'custom_hooks[1].warmup', 'a number'),
    ('custom_hooks.1.warmpu=2', "'warmpu' Did you mean 'warmup'", 'ThroughputHook'),
    ('default_hooks.timer=3', 'default_hooks.timer', 'dict(type=...'),
]


def _merged(path, option):
    key, value = option.split('=', 1)
    cfg = Config.fromfile(path)
    file_keys = list(cfg.keys())
    cfg.merge_from_dict({key: eval(value)})  # the value as DictAction would parse it
    cfg.work_dir = '/nonexistent'
    return cfg, file_keys, key


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    return toy_config(tmp_path_factory.mktemp('cfg'))


@pytest.mark.parametrize('option, key, what', CASES, ids=[c[0] for c in CASES])
def test_bad_values_are_refused_before_the_build(config, option, key, what):
    cfg, file_keys, option_key = _merged(config, option)
    with pytest.raises(HierembedError) as err:
        check_train_cfg(cfg, config, [option_key.split('.')[0]], file_keys)
    msg = str(err.value)
    assert config in msg and key in msg and what in msg, msg


def test_the_toy_config_itself_passes(config):
    cfg, file_keys, _ = _merged(config, 'train_cfg.max_iters=3')
    check_train_cfg(cfg, config, ['train_cfg'], file_keys)


def test_a_hook_typo_refused_by_the_tool_before_any_step(config, tmp_path, capsys, monkeypatch):
    work = tmp_path / 'w'
    status, err = run_cli('train.py', [config, '--work-dir', work, '--cfg-options',
                                       'default_hooks.checkpoint.intervl=3'], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', config, "'intervl' Did you mean 'interval'")
    assert not work.exists()


def test_a_typo_in_a_hook_built_directly_is_refused():
    from hierembed.engine import AtomicCheckpointHook
    with pytest.raises(KeyError, match="'intervl' Did you mean 'interval'"):
        AtomicCheckpointHook(intervl=3)


@pytest.mark.parametrize('args, what', [
    (['--cfg-options', 'train_cfg.max_iters'], "'train_cfg.max_iters' has no value"),
    (['--cfg-options', 'trian_cfg.max_iters=1'], "'trian_cfg' Did you mean 'train_cfg'"),
])
def test_command_line_mistakes(config, tmp_path, args, what, capsys, monkeypatch):
    status, err = run_cli('train.py', [config, '--work-dir', tmp_path / 'w', *args], capsys,
                          monkeypatch)
    assert_one_line(status, err, 'train.py', what)


@pytest.mark.parametrize('text, what', [
    ('x = (\n', "'(' was never closed"),
    ('x = undefined_name\n', 'NameError'),
    ("_base_ = ['./missing_base.py']\n", 'missing_base.py'),
    ('model = dict(\n    type="A",,\n)\n', 'line 2'),
])
def test_a_config_that_does_not_read_names_its_file(tmp_path, text, what, capsys, monkeypatch):
    path = tmp_path / 'broken.py'
    path.write_text(text)
    status, err = run_cli('train.py', [path, '--work-dir', tmp_path / 'w'], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', str(path), what)


def test_a_missing_config(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'nothing.py'
    status, err = run_cli('train.py', [path], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', f'{path}: no such config file')


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize('option, what', [
    ('model.type=ClassEmbeder', "model.type: 'ClassEmbeder' is not in the hierembed::model"),
    ('train_dataloader.dataset.type=VideoPairDataset2', 'train_dataloader.dataset.type'),
    ('custom_hooks.0.type=CurriculumHok', "custom_hooks[0].type: 'CurriculumHok' is not in"),
    ('optim_wrapper.optimizer.type=Adamm', "'Adamm' is not in the hierembed::optimizer"),
], ids=['model', 'dataset', 'hook', 'optimizer'])
def test_an_unknown_type(config, tmp_path, option, what, capsys, monkeypatch):
    status, err = run_cli('train.py', [config, '--work-dir', tmp_path / 'w', '--cfg-options',
                                       option], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', what, 'Did you mean')


def test_a_config_without_the_training_sections(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'empty.py'
    path.write_text('# nothing yet\n')
    status, err = run_cli('train.py', [path, '--work-dir', tmp_path / 'w'], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', str(path),
                    'defines no model, train_dataloader, train_cfg, optim_wrapper')


def test_a_work_dir_that_is_a_file(config, tmp_path, capsys, monkeypatch):
    path = tmp_path / 'a_file'
    path.write_text('')
    status, err = run_cli('train.py', [config, '--work-dir', path], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', f'{path}: is a file, not a folder')


def test_slurm_launcher_outside_slurm(config, tmp_path, capsys, monkeypatch):
    for key in ('SLURM_PROCID', 'SLURM_NTASKS'):
        monkeypatch.delenv(key, raising=False)
    status, err = run_cli('train.py', [config, '--work-dir', tmp_path / 'w', '--launcher',
                                       'slurm'], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', '--launcher slurm: SLURM_PROCID, SLURM_NTASKS')


@pytest.mark.parametrize('option, what', [
    ('custom_hooks.0.lr_factor=2.0', 'CurriculumHook.lr_factor: must be in (0, 1), got 2.0'),
    ('custom_hooks.0.check_on=test', "CurriculumHook.check_on: must be 'train' or 'val'"),
    ('custom_hooks.0.milestones=[30,10]', 'CurriculumHook.milestones: must be increasing'),
    ('custom_hooks.0.milestones=[0.5,10]', 'CurriculumHook.milestones: must be all iterations'),
], ids=['lr_factor', 'check_on', 'milestones-order', 'milestones-mixed'])
def test_a_hook_refuses_a_value_out_of_range_when_built(config, tmp_path, option, what, capsys,
                                                        monkeypatch):
    status, err = run_cli('train.py', [config, '--work-dir', tmp_path / 'w', '--cfg-options',
                                       option], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', what)
