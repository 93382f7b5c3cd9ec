"""Training and resuming as a careless user (or a crash) leaves things: each case ends in one
line naming the file or key, or works; none trains on silently (docs/reliability.md)."""
import os
import os.path as osp
import shutil

import pytest
import torch
from reliability_helpers import assert_one_line, edit_checkpoint, run_cli, toy_config

from hierembed.engine.runner import LOCK_NAME, work_dir_lock


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A toy run of 4 iterations with checkpoints at 2 and 4, and its config for 6."""
    root = tmp_path_factory.mktemp('trained')
    work = root / 'work'
    from reliability_helpers import tool_main
    tool_main('train.py')([toy_config(root, max_iters=4), '--work-dir', str(work)])
    assert osp.isfile(work / 'iter_4.pth')
    return dict(work=str(work), ckpt=str(work / 'iter_4.pth'),
                cfg6=toy_config(root, max_iters=6, name='toy6.py'))


def _nan(ckpt):
    ckpt['state_dict']['heads.0.weight'][0, 0, 0, 0] = float('nan')


def _inf(ckpt):
    ckpt['state_dict']['heads.1.bias'][0] = float('inf')


def _reshaped(ckpt):
    ckpt['state_dict']['heads.0.weight'] = torch.zeros(4, 3, 3, 3)


def _missing(ckpt):
    del ckpt['state_dict']['heads.2.bias']


def _unexpected(ckpt):
    ckpt['state_dict']['extra.weight'] = torch.zeros(2)


def _meta_iter(value):
    def edit(ckpt):
        ckpt['meta']['iter'] = value
    return edit


def _no_meta(ckpt):
    ckpt.pop('meta')


def _weights_only(ckpt):
    state = ckpt['state_dict']
    ckpt.clear()
    ckpt.update(state)


@pytest.mark.parametrize('edit, expected', [
    (_nan, 'NaN or inf (heads.0.weight)'),
    (_inf, 'NaN or inf (heads.1.bias)'),
    (_reshaped, 'of another shape (heads.0.weight: (4, 3, 3, 3)'),
    (_missing, 'missing (heads.2.bias)'),
    (_unexpected, 'unexpected (extra.weight)'),
    (_meta_iter(-3), "meta['iter']: is -3"),
    (_meta_iter('3'), "meta['iter']: is '3'"),
    (_meta_iter(True), "meta['iter']: is True"),
    (_meta_iter(2.5), "meta['iter']: is 2.5"),
    (_no_meta, 'holds no meta and state_dict'),
    (_weights_only, 'holds no meta and state_dict'),
], ids=['nan', 'inf', 'reshaped', 'missing', 'unexpected', 'iter-3', 'iter-str', 'iter-bool',
        'iter-float', 'no-meta', 'weights-only'])
def test_resume_refuses_a_checkpoint_it_would_load_wrongly(trained, tmp_path, edit, expected,
                                                           capsys, monkeypatch):
    bad = edit_checkpoint(trained['ckpt'], str(tmp_path / 'bad.pth'), edit)
    work = tmp_path / 'resumed'
    status, err = run_cli('train.py', [trained['cfg6'], '--work-dir', work, '--resume', bad],
                          capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', bad, expected)
    assert not list(work.glob('iter_*.pth'))  # nothing trained, nothing saved


def test_resume_of_a_good_checkpoint_still_trains_on(trained, tmp_path, capsys, monkeypatch):
    good = shutil.copy(trained['ckpt'], tmp_path / 'good.pth')
    work = tmp_path / 'resumed'
    status, err = run_cli('train.py', [trained['cfg6'], '--work-dir', work, '--resume', good],
                          capsys, monkeypatch)
    assert status == 0, err[-2000:]
    assert osp.isfile(work / 'iter_6.pth') and not osp.exists(work / 'iter_2.pth')


@pytest.mark.parametrize('what', ['folder', 'missing'])
def test_resume_from_a_folder_or_nothing(trained, tmp_path, what, capsys, monkeypatch):
    path = trained['work'] if what == 'folder' else str(tmp_path / 'nothing.pth')
    status, err = run_cli('train.py', [trained['cfg6'], '--work-dir', tmp_path / 'w', '--resume',
                                       path], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', path,
                    'is a folder' if what == 'folder' else 'no such checkpoint')


def test_a_copied_work_dir_resumes_from_its_own_checkpoint(trained, tmp_path, capsys,
                                                           monkeypatch):
    copy = str(tmp_path / 'copy')
    shutil.copytree(trained['work'], copy)
    # the original's checkpoint is made unusable: resuming from it would be refused
    edit_checkpoint(trained['ckpt'], str(tmp_path / 'orig_nan.pth'), _nan)
    with open(osp.join(copy, 'last_checkpoint')) as f:
        assert f.read().strip() == trained['ckpt']  # the absolute path of the other folder
    original = trained['ckpt'] + '.moved'
    os.rename(trained['ckpt'], original)
    try:
        status, err = run_cli('train.py', [trained['cfg6'], '--work-dir', copy, '--resume'],
                              capsys, monkeypatch)
    finally:
        os.rename(original, trained['ckpt'])
    assert status == 0, err[-2000:]
    assert osp.isfile(osp.join(copy, 'iter_6.pth'))
    assert not osp.exists(osp.join(trained['work'], 'iter_6.pth'))


def test_last_checkpoint_naming_a_missing_file(trained, tmp_path, capsys, monkeypatch):
    work = tmp_path / 'w'
    work.mkdir()
    (work / 'last_checkpoint').write_text('/elsewhere/iter_9.pth')
    status, err = run_cli('train.py', [trained['cfg6'], '--work-dir', work, '--resume'], capsys,
                          monkeypatch)
    assert_one_line(status, err, 'train.py', str(work / 'last_checkpoint'), 'iter_9.pth')


@pytest.mark.parametrize('max_iters', [4, 3])
def test_nothing_to_train(trained, tmp_path, max_iters, capsys, monkeypatch):
    ckpt = shutil.copy(trained['ckpt'], tmp_path / 'c.pth')
    status, err = run_cli('train.py', [trained['cfg6'], '--work-dir', tmp_path / 'w', '--resume',
                                       ckpt, '--cfg-options', f'train_cfg.max_iters={max_iters}'],
                          capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', 'nothing to train', 'iteration 4',
                    f'max_iters is {max_iters}')


def test_a_nan_loss_stops_training_and_keeps_the_checkpoints_before(tmp_path, capsys,
                                                                    monkeypatch):
    cfg = toy_config(tmp_path, max_iters=6, ckpt_interval=2, model='nan_at=3')
    work = tmp_path / 'w'
    status, err = run_cli('train.py', [cfg, '--work-dir', work], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', f'{work}: loss_rec_1: is nan at iteration 3')
    assert osp.isfile(work / 'iter_2.pth') and not list(work.glob('iter_[3-6].pth'))
    assert (work / 'last_checkpoint').read_text().strip().endswith('iter_2.pth')
    state = torch.load(work / 'iter_2.pth', map_location='cpu', weights_only=False)
    assert all(torch.isfinite(v).all() for v in state['state_dict'].values()
               if v.is_floating_point())


def test_a_second_run_on_a_living_run_s_work_dir_is_refused(tmp_path, capsys, monkeypatch):
    cfg = toy_config(tmp_path, max_iters=2)
    work = str(tmp_path / 'w')
    with work_dir_lock(work):
        status, err = run_cli('train.py', [cfg, '--work-dir', work], capsys, monkeypatch)
    assert_one_line(status, err, 'train.py', work, f'process {os.getpid()}',
                    'trains in this work dir')
    assert not osp.exists(osp.join(work, 'iter_2.pth'))


def test_a_killed_run_s_lock_is_taken_over(tmp_path, capsys, monkeypatch):
    cfg = toy_config(tmp_path, max_iters=2)
    work = tmp_path / 'w'
    work.mkdir()
    (work / LOCK_NAME).write_text('process 999999 on elsewhere\n')  # no process holds it
    status, err = run_cli('train.py', [cfg, '--work-dir', work], capsys, monkeypatch)
    assert status == 0, err[-2000:]
    assert osp.isfile(work / 'iter_2.pth')
    with work_dir_lock(str(work)):  # released at the end of the run
        pass
