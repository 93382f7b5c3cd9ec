"""hierembed.research.reproduce: trained and probed rows are found and kept, each command's
own CPU time is counted, and tools/reproduce.py refuses a command line with nothing to run."""
import argparse
import os.path as osp
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from hierembed.research import ROOT, reproduce


def test_probe_only_finds_the_trained_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce, 'ROOT', str(tmp_path))
    for tag in ('r3_ph_cyc_con_seed0', 'r3_ph_cyc_con_seed2', 'r3_ph_seed0', 'r3_ph_seed1'):
        (tmp_path / 'wd' / tag).mkdir(parents=True)
        (tmp_path / 'wd' / tag / 'row_config.py').write_text('')
        if tag != 'r3_ph_seed1':  # not trained to the end: no last_checkpoint
            (tmp_path / 'wd' / tag / 'last_checkpoint').write_text('x.pth')
    runs = reproduce.find_runs('wd', ['r=3 ph', 'r=3 ph,cyc,con'])
    assert [(r['name'], r['seed'], r['work_dir']) for r in runs] == [
        ('r=3 ph', 0, 'wd/r3_ph_seed0'), ('r=3 ph,cyc,con', 0, 'wd/r3_ph_cyc_con_seed0'),
        ('r=3 ph,cyc,con', 2, 'wd/r3_ph_cyc_con_seed2')]
    with pytest.raises(FileNotFoundError, match='no trained rows'):
        reproduce.find_runs('wd', ['r=1 ph,cyc,con'])


def test_train_row_keeps_a_trained_row(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce, 'ROOT', str(tmp_path))
    wd = tmp_path / 'wd' / 'r3_ph_cyc_con_seed1'
    wd.mkdir(parents=True)
    (wd / 'row_config.py').write_text('train_cfg = dict(max_iters=700)\n')
    (wd / 'last_checkpoint').write_text('iter_700.pth')
    (wd / 'train_time.json').write_text('{"train_s": 612.5}')
    args = argparse.Namespace(work_dir='wd', iters=700, config='unused.py')
    entry = reproduce.train_row(args, 'r=3 ph,cyc,con', 1)  # no training: it would fail here
    assert entry == dict(name='r=3 ph,cyc,con', seed=1, train_s=612.5, train_cpu_s=None,
                         work_dir='wd/r3_ph_cyc_con_seed1')
    args.iters = 100
    with pytest.raises(ValueError, match='trained for 700 iterations, not --iters 100'):
        reproduce.train_row(args, 'r=3 ph,cyc,con', 1)


def test_run_counts_each_commands_own_cpu(tmp_path):
    """Two commands at once, as with --jobs 2: one burns 0.5 CPU seconds and ends while the
    other sleeps. Each gets its own CPU time, not the sum of whatever finished meanwhile."""
    burn = ('import time\nt = time.process_time()\n'
            'while time.process_time() - t < 0.5:\n    pass\n')
    cmds = {'burn': [sys.executable, '-c', burn],
            'sleep': [sys.executable, '-c', 'import time; time.sleep(1.5)']}
    with ThreadPoolExecutor(2) as pool:
        out = dict(zip(cmds, pool.map(lambda k: reproduce.run(cmds[k], tmp_path / f'{k}.log'),
                                      cmds)))
    (burn_wall, burn_cpu), (sleep_wall, sleep_cpu) = out['burn'], out['sleep']
    assert 0.5 <= burn_cpu <= burn_wall + 0.1
    assert sleep_wall >= 1.5 and sleep_cpu < 0.4
    with pytest.raises(RuntimeError, match=r'failed \(3\); see .*fail\.log'):
        reproduce.run([sys.executable, '-c', 'raise SystemExit(3)'], tmp_path / 'fail.log')


def test_probe_row_keeps_a_probed_row_with_its_timing(tmp_path, monkeypatch):
    """A row probed after its checkpoint was written is read back, with the probe's minutes
    from ``probe_time.json`` (a re-rendered table keeps them); no probe runs here."""
    monkeypatch.setattr(reproduce, 'ROOT', str(tmp_path))
    wd = tmp_path / 'wd' / 'r3_ph_cyc_con_seed0'
    (wd / 'probe').mkdir(parents=True)
    (wd / 'iter_1400.pth').write_text('')
    (wd / 'last_checkpoint').write_text(str(wd / 'iter_1400.pth'))
    (wd / 'probe' / 'results.json').write_text('{"meta": {}}')
    args = argparse.Namespace(work_dir='wd', probe_only=False,
                              probe_config='configs/probes/synthetic_upper_body.py')
    run_entry = dict(name='r=3 ph,cyc,con', seed=0, work_dir='wd/r3_ph_cyc_con_seed0')
    out = reproduce.probe_row(args, run_entry)
    assert (out['probe_s'], out['probe_cpu_s'], out['results']) == (None, None, {'meta': {}})
    (wd / 'probe_time.json').write_text('{"probe_s": 420.0, "probe_cpu_s": 270.0}')
    out = reproduce.probe_row(args, run_entry)
    assert (out['probe_s'], out['probe_cpu_s']) == (420.0, 270.0)


def test_probe_row_refuses_a_probe_made_by_another_probe_config(tmp_path, monkeypatch):
    """A checkpoint probed on one probe set (real faces) and read again with another (the
    procedural face) would put the first set's numbers in the second's table: refused."""
    monkeypatch.setattr(reproduce, 'ROOT', str(tmp_path))
    wd = tmp_path / 'wd' / 'face_seed0'
    (wd / 'probe').mkdir(parents=True)
    (wd / 'iter_2800.pth').write_text('')
    (wd / 'last_checkpoint').write_text(str(wd / 'iter_2800.pth'))
    (wd / 'probe' / 'results.json').write_text(
        '{"meta": {"config": "configs/probes/real_faces.py"}}')
    run_entry = dict(name='face', seed=0, work_dir='wd/face_seed0')
    args = argparse.Namespace(work_dir='wd', probe_only=False,
                              probe_config='configs/probes/./real_faces.py')
    assert reproduce.probe_row(args, run_entry)['results']['meta']['config'].endswith('faces.py')
    args.probe_config = 'configs/probes/synthetic_face.py'
    with pytest.raises(ValueError, match='probed with configs/probes/real_faces.py, not '
                       '--probe-config configs/probes/synthetic_face.py'):
        reproduce.probe_row(args, run_entry)


def test_nothing_to_run_is_refused_on_the_command_line():
    """``--rows`` with no row and no ``--experiments``: the tool refuses to start."""
    out = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'reproduce.py'), '--rows'],
                         capture_output=True, text=True)
    assert out.returncode == 2 and 'give --rows or --experiments' in out.stderr
