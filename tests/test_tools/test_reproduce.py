"""tools/reproduce.py: every row's generated config builds the model it names; so do the
experiment configs behind docs/research/learning.md."""
import argparse
import glob
import os.path as osp
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from mmengine.config import Config

from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import reproduce  # noqa: E402

register_all_modules()


@pytest.mark.parametrize('name', list(reproduce.ROWS))
def test_row_configs_build(tmp_path, name):
    levels, overrides = reproduce.ROWS[name]
    path = tmp_path / 'row.py'
    path.write_text(reproduce.row_config('configs/synthetic_upper_body.py', levels, overrides,
                                         iters=100, seed=3))
    cfg = Config.fromfile(str(path))
    model = MODELS.build(cfg.model)
    assert model.num_levels == levels
    assert cfg.randomness.seed == 3 and cfg.train_cfg.max_iters == 100
    milestones = [h for h in cfg.custom_hooks if h.type == 'CurriculumHook'][0].milestones
    assert milestones == ([] if levels == 1 else [40, 70])
    assert reproduce.level_milestones(700) == [280, 490]  # 700 * 0.7 is 489.99... in floats
    if name.startswith('FAb'):
        assert type(model.warp_head).__name__ == 'FlowWarpHead'
        assert model.warp_head.size == model.input_size and model.cycle_loss is None
    else:
        assert type(model.warp_head).__name__ == 'HierarchicalWarpHead'
        assert (model.cycle_loss is None) == ('cyc' not in name)
        assert (model.warp_head.confidence is None) == ('con' not in name)


@pytest.mark.parametrize('path', sorted(
    osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs', 'experiments', '*.py'))))
def test_experiment_configs_build(path):
    """The configs behind docs/research/learning.md sections 5-9 build the models they describe; a
    fixed schedule adds every level before the end (the ``*_jitter_geometric.py`` and ``*_b16.py``
    bases keep the default's plateau curriculum)."""
    cfg = Config.fromfile(osp.join(ROOT, path))
    model = MODELS.build(cfg.model)
    hook = [h for h in cfg.custom_hooks if h.type == 'CurriculumHook'][0]
    if 'milestones' not in hook:
        assert path.endswith(('_jitter_geometric.py', '_b16.py')) and hook.patience < 100
        return
    assert all(m < cfg.train_cfg.max_iters for m in hook.milestones)
    assert len(hook.milestones) == model.num_levels - 1


def _fake_results(trained, random_init, supervised, mean_pose=5.0):
    """A results.json as run_probe writes it: one metric, per-probe-seed values."""
    def entry(seeds, closed=False):
        m = {'PCK@6px': dict(mean=float(np.mean(seeds)), seeds=seeds,
                             groups={'Hd': float(np.mean(seeds))},
                             group_seeds={'Hd': seeds}, greater_is_better=True)}
        out = dict(metrics=m, comparisons={'PCK@6px': dict(beats_mean_pose=True)})
        if closed:
            out['closed_form'] = True
        return out
    encoders = dict(trained=trained, random_init=random_init, supervised=supervised,
                    mean_pose=[mean_pose] * len(trained))
    return dict(
        meta=dict(object_class='upper_body', keypoint_groups={'Hd': ['head']},
                  metric_names=['PCK@6px'], metrics={'PCK@6px': dict(greater_is_better=True)},
                  num_instances=dict(train=8, val=1, test=1), probe_seeds=[0, 1, 2],
                  select_on='PCK@6px'),
        encoders={enc: dict(heads={h: entry(v, enc == 'mean_pose') for h in ('linear', 'mlp')})
                  for enc, v in encoders.items()})


def test_results_md_states_the_measuring_stick(tmp_path):
    """Two checkpoints of r=3 ph,cyc,con: per probe seed their mean minus random init is
    (21+23)/2 - 10 = 12, (24+26)/2 - 11 = 14, (26+28)/2 - 14 = 13, so the difference is +13.0
    with half-width t_{0.975,2} * 1 / sqrt(3) = 2.48 (> 2: NOT met)."""
    rand, sup = [10.0, 11.0, 14.0], [50.0, 52.0, 51.0]
    runs = [dict(name='r=3 ph,cyc,con', seed=s, train_s=60.0, probe_s=30.0, work_dir=f'w{s}',
                 results=_fake_results(t, rand, sup))
            for s, t in ((0, [21.0, 24.0, 26.0]), (1, [23.0, 26.0, 28.0]))]
    args = argparse.Namespace(config='configs/synthetic_upper_body.py', iters=700, jobs=2,
                              probe_config='configs/probes/synthetic_upper_body.py',
                              work_dir='work_dirs/x', out=str(tmp_path / 'results.md'))
    reproduce.write_results(args, runs, 120.0, 'python tools/reproduce.py --probe-only')
    md = (tmp_path / 'results.md').read_text()
    assert 'r=3 ph,cyc,con vs random init, 2-layer head, PCK@6px Avg: +13.0 ± 2.5 points' in md
    assert 'half-width of that difference is 2.48 points (target: at most 2) -> NOT met' in md
    assert '| Supervised | keypoints | 2 lr | 51.0 ± 2.5 | 51.0 ± 2.5 | - |' in md
    assert 'above every self-supervised row: yes' in md
    # (74/3 - 35/3) / (51 - 35/3) = 39 / 118
    assert f'(2-layer head): {39 / 118:.2f}.' in md
    assert '| r=3 | ph,cyc,con | 23.7, 25.7 (23.7-25.7) |' in md  # the training-seed spread
    assert 'Each row trains 700 iterations from scratch' in md and '2 rows trained at' in md


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


def test_experiment_config_is_the_config_with_a_seed(tmp_path):
    path = tmp_path / 'row.py'
    path.write_text(reproduce.experiment_config(
        'configs/experiments/upper_body_r3_track_crop.py', seed=5))
    cfg = Config.fromfile(str(path))
    assert cfg.randomness.seed == 5
    assert cfg.train_dataloader.dataset.crop == 'track' and cfg.train_cfg.max_iters == 700
    assert reproduce.experiment_name('configs/experiments/a_b.py') == 'a_b'
    assert reproduce.row_label('a_b') == ('a_b', '(config)')
    assert reproduce.row_label('r=3 ph,cyc,con') == ('r=3', 'ph,cyc,con')


def test_experiment_rows_are_read_against_the_base_row(tmp_path):
    """Per probe seed the base row's mean is (21+23)/2, (24+26)/2, (26+28)/2 = 22, 25, 27 and the
    experiment reads 30, 31, 35: differences 8, 6, 8, mean 7.33, s = 1.155, half-width
    t_{0.975,2} s / sqrt(3) = 4.303 * 0.667 = 2.87. Against random init 20, 20, 21: +20.3 with
    half-width 4.303 * 0.577 / sqrt(3) = 1.43; gap closed (32 - 35/3) / (51 - 35/3) = 0.52."""
    rand, sup = [10.0, 11.0, 14.0], [50.0, 52.0, 51.0]
    runs = [dict(name='r=3 ph,cyc,con', seed=s, train_s=60.0, probe_s=30.0, work_dir=f'w{s}',
                 results=_fake_results(t, rand, sup))
            for s, t in ((0, [21.0, 24.0, 26.0]), (1, [23.0, 26.0, 28.0]))]
    runs.append(dict(name='still_crop', seed=0, train_s=None, probe_s=None, work_dir='e0',
                     results=_fake_results([30.0, 31.0, 35.0], rand, sup)))
    args = argparse.Namespace(config='configs/synthetic_upper_body.py', iters=700, jobs=2,
                              probe_config='configs/probes/synthetic_upper_body.py',
                              work_dir='work_dirs/x', out=str(tmp_path / 'results.md'),
                              experiment_paths={'still_crop': 'configs/experiments/s.py'})
    reproduce.write_results(args, runs, 120.0, 'python tools/reproduce.py')
    md = (tmp_path / 'results.md').read_text()
    assert '- still_crop vs random init, 2-layer head, PCK@6px Avg: +20.3 ± 1.4.' in md
    assert ('- still_crop vs r=3 ph,cyc,con, 2-layer head, PCK@6px: Avg +7.3 ± 2.9 '
            '(Hd +7.3 ± 2.9).') in md
    assert 'still_crop: fraction of the random-init-to-supervised gap closed (2-layer head): ' \
        '0.52.' in md
    assert '| still_crop | (config) | 2 lr | 32.0 ± 6.6 | 32.0 ± 6.6 | - |' in md
    assert '`still_crop` trains `configs/experiments/s.py` as written' in md
    # a row probed with other probe seeds cannot be paired: refused, not misread
    runs[-1]['results']['meta']['probe_seeds'] = [0, 1, 5]
    with pytest.raises(ValueError, match='differ in probe_seeds'):
        reproduce.write_results(args, runs, 120.0, 'python tools/reproduce.py')


def test_a_table_of_experiments_alone(tmp_path):
    """``--rows`` with no row: experiment rows alone, read against random init only; with
    neither rows nor experiments the command refuses to start."""
    rand, sup = [10.0, 11.0, 14.0], [50.0, 52.0, 51.0]
    runs = [dict(name='b8', seed=s, train_s=None, probe_s=None, work_dir=f'e{s}',
                 results=_fake_results(t, rand, sup))
            for s, t in ((0, [30.0, 31.0, 35.0]), (1, [32.0, 33.0, 37.0]))]
    args = argparse.Namespace(config='configs/synthetic_upper_body.py', iters=1400, jobs=1,
                              probe_config='configs/probes/synthetic_upper_body.py',
                              work_dir='work_dirs/x', out=str(tmp_path / 'results.md'),
                              experiment_paths={'b8': 'configs/experiments/b8.py'})
    reproduce.write_results(args, runs, 60.0, 'python tools/reproduce.py --rows --experiments x')
    md = (tmp_path / 'results.md').read_text()
    # per probe seed 31, 32, 36 minus 10, 11, 14: 21, 21, 22
    assert '- b8 vs random init, 2-layer head, PCK@6px Avg: +21.3 ± 1.4.' in md
    assert 'vs r=3 ph,cyc,con' not in md and 'Each row trains' not in md
    assert '1 row trained at a time' in md
    out = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'reproduce.py'), '--rows'],
                         capture_output=True, text=True)
    assert out.returncode == 2 and 'give --rows or --experiments' in out.stderr


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
    args = argparse.Namespace(work_dir='wd', probe_only=False)
    run_entry = dict(name='r=3 ph,cyc,con', seed=0, work_dir='wd/r3_ph_cyc_con_seed0')
    out = reproduce.probe_row(args, run_entry)
    assert (out['probe_s'], out['probe_cpu_s'], out['results']) == (None, None, {'meta': {}})
    (wd / 'probe_time.json').write_text('{"probe_s": 420.0, "probe_cpu_s": 270.0}')
    out = reproduce.probe_row(args, run_entry)
    assert (out['probe_s'], out['probe_cpu_s']) == (420.0, 270.0)


@pytest.mark.parametrize('out, link', [('docs/results.md', 'research/learning.md'),
                                       ('docs/research/experiments_x.md', 'learning.md')])
def test_the_table_links_the_notebook_from_where_it_is_written(tmp_path, monkeypatch, out, link):
    """The notebook lives in docs/research/: the link is relative to the table's own folder."""
    monkeypatch.setattr(reproduce, 'ROOT', str(tmp_path))
    (tmp_path / osp.dirname(out)).mkdir(parents=True, exist_ok=True)
    runs = [dict(name='b8', seed=0, train_s=None, probe_s=None, work_dir='e0',
                 results=_fake_results([30.0, 31.0, 35.0], [10.0, 11.0, 14.0],
                                       [50.0, 52.0, 51.0]))]
    args = argparse.Namespace(config='configs/synthetic_upper_body.py', iters=2800, jobs=1,
                              probe_config='configs/probes/synthetic_upper_body.py',
                              work_dir='work_dirs/x', out=out,
                              experiment_paths={'b8': 'configs/experiments/b8.py'})
    reproduce.write_results(args, runs, 60.0, 'python tools/reproduce.py --rows --experiments x')
    assert f'what did not work: [learning.md]({link}).' in (tmp_path / out).read_text()
