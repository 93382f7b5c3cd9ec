"""Probe configs a careless user writes, and probe sets too small to fit a head: each refused
before anything is embedded, with the file, the key or the split named (docs/reliability.md)."""
import os.path as osp
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from reliability_helpers import REPO, assert_one_line, run_cli

from hierembed.errors import DataError
from hierembed.probe.checks import check_probe_splits, known_probe_keys

PROBE = osp.join(REPO, 'configs', 'probes', 'synthetic_upper_body.py')

CASES = [
    ('probe_cfg.epochs=0', 'probe_cfg.epochs'),
    ('probe_cfg.epochs=-1', 'probe_cfg.epochs'),
    ('probe_cfg.epochs=many', 'probe_cfg.epochs'),
    ('probe_cfg.epochs=2.5', 'probe_cfg.epochs'),
    ('probe_cfg.batch_size=0', 'probe_cfg.batch_size'),
    ('probe_cfg.lr=0', 'probe_cfg.lr'),
    ('probe_cfg.lr=-0.1', 'probe_cfg.lr'),
    ("probe_cfg.lr='fast'", 'probe_cfg.lr'),
    ('probe_cfg.weight_decay=[]', 'probe_cfg.weight_decay'),
    ('probe_cfg.weight_decay=-1', 'probe_cfg.weight_decay'),
    ('probe_cfg.weight_decay=[0,-1]', 'probe_cfg.weight_decay'),
    ('probe_cfg.val_interval=0', 'probe_cfg.val_interval'),
    ('probe_cfg.patience=0', 'probe_cfg.patience'),
    ('probe_cfg.seeds=0', 'probe_cfg.seeds'),
    ('probe_cfg.seeds=[]', 'probe_cfg.seeds'),
    ('probe_cfg.seeds=[-1]', 'probe_cfg.seeds'),
    ('probe_cfg.val_fraction=1', 'probe_cfg.val_fraction'),
    ('probe_cfg.val_fraction=0', 'probe_cfg.val_fraction'),
    ('probe_cfg.val_fraction=1.5', 'probe_cfg.val_fraction'),
    ('probe_cfg.embed_batch_size=0', 'probe_cfg.embed_batch_size'),
    ('probe_cfg.num_workers=-1', 'probe_cfg.num_workers'),
    ('probe_cfg.num_vis_images=-2', 'probe_cfg.num_vis_images'),
    ('probe_cfg.num_threads=0', 'probe_cfg.num_threads'),
    ("probe_cfg.cache='yes'", 'probe_cfg.cache'),
    ('probe_cfg.init_from_mean=1', 'probe_cfg.init_from_mean'),
    ('probe_cfg.cache_dir=3', 'probe_cfg.cache_dir'),
    ('prob_cfg.epochs=3', "'prob_cfg' Did you mean 'probe_cfg'"),
    ('baseline=[]', "'baseline' Did you mean 'baselines'"),
    ('probe_split.val=None', "'probe_split' Did you mean 'probe_splits'"),
    ('probe_cfg.epoch=3', "'epoch' Did you mean 'epochs'"),
]


@pytest.mark.parametrize('option, what', CASES, ids=[c[0] for c in CASES])
def test_bad_probe_settings_are_refused(tmp_path, option, what, capsys, monkeypatch):
    status, err = run_cli('probe.py', [PROBE, '--work-dir', tmp_path / 'w', '--no-progress',
                                       '--cfg-options', option], capsys, monkeypatch)
    assert_one_line(status, err, 'probe.py', what)
    assert not (tmp_path / 'w').exists()  # nothing embedded, nothing written


def test_a_misspelt_top_level_key_in_the_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'probe.py'
    path.write_text(f"_base_ = ['{PROBE}']\nbaseline = ['mean_pose']\n")
    status, err = run_cli('probe.py', [path, '--work-dir', tmp_path / 'w'], capsys, monkeypatch)
    assert_one_line(status, err, 'probe.py', str(path), "'baseline' Did you mean 'baselines'")


def test_shipped_probe_configs_pass(tmp_path):
    from mmengine.config import Config

    from hierembed.probe.checks import check_probe_config
    paths = [p for p in __import__('glob').glob(osp.join(REPO, 'configs', 'probes', '*.py'))]
    assert paths
    for path in paths:
        check_probe_config(Config.fromfile(path), path)
    assert {'probe_cfg', 'probe_dataset', 'baselines'} <= known_probe_keys()


def _split(*visible_rows):
    return SimpleNamespace(samples=[dict(visible=np.asarray(v)) for v in visible_rows])


@pytest.mark.parametrize('split, rows, count', [
    ('train', [[0, 0], [0, 0], [0, 0]], '0 of 3'),
    ('train', [[2, 0]], '1 of 1'),
    ('train', [], '0 of 0'),
    ('val', [[0, 0]], '0 of 1'),
    ('test', [], '0 of 0'),
])
def test_splits_with_too_few_labelled_instances(split, rows, count):
    datasets = dict(train=_split([2, 2], [1, 0]), test=_split([2, 2]))
    datasets[split] = _split(*rows)
    with pytest.raises(DataError) as err:
        check_probe_splits(datasets, 'probe.py')
    assert str(err.value).startswith(f"probe.py: split '{split}': {count} instances")


def test_splits_with_enough_labelled_instances_pass():
    check_probe_splits(dict(train=_split([2, 0], [0, 1]), val=_split([1, 1]),
                            test=_split([2, 2]), other=object()))


def test_a_checkpoint_with_nan_weights_is_refused_by_the_probe(tmp_path, capsys, monkeypatch):
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_probe'))
    from mmengine.config import Config
    from probe_toys import ProbeToyEmbedder, toy_probe_cfg
    cfg = tmp_path / 'probe.py'
    Config(toy_probe_cfg(baselines=['mean_pose'])).dump(str(cfg))
    state = ProbeToyEmbedder().state_dict()
    state['conv.weight'].fill_(float('nan'))
    ckpt = tmp_path / 'nan.pth'
    torch.save({'state_dict': state, 'meta': {}}, ckpt)
    status, err = run_cli('probe.py', [cfg, '--checkpoint', ckpt, '--work-dir', tmp_path / 'w',
                                       '--no-progress'], capsys, monkeypatch)
    # refused where the weights are loaded, naming the file, before anything is embedded
    assert_one_line(status, err, 'probe.py', 'nan.pth', 'state_dict', 'NaN or inf')


def test_a_checkpoint_without_a_config_and_no_model_anywhere(tmp_path, capsys, monkeypatch):
    """A bare state dict (``torch.save(model.state_dict())``) probed by a config without a
    ``model`` and no --train-config: one line that says what to give."""
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_probe'))
    from mmengine.config import Config
    from probe_toys import ProbeToyEmbedder, toy_probe_cfg
    cfg = toy_probe_cfg(baselines=['mean_pose'])
    del cfg['model']
    path = tmp_path / 'probe.py'
    Config(cfg).dump(str(path))
    ckpt = tmp_path / 'bare.pth'
    torch.save(ProbeToyEmbedder().state_dict(), ckpt)
    status, err = run_cli('probe.py', [path, '--checkpoint', ckpt, '--work-dir', tmp_path / 'w',
                                       '--no-progress'], capsys, monkeypatch)
    assert_one_line(status, err, 'probe.py', 'No model config', '--train-config')
