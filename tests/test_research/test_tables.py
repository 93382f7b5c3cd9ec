"""hierembed.research.tables: the table states the measuring stick, reads experiment rows
against the base row and random init, and links the research record from where it is written."""
import argparse
import os.path as osp

import numpy as np
import pytest

from hierembed.research import tables


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
    tables.write_results(args, runs, 120.0, 'python tools/reproduce.py --probe-only')
    md = (tmp_path / 'results.md').read_text()
    assert 'r=3 ph,cyc,con vs random init, 2-layer head, PCK@6px Avg: +13.0 ± 2.5 points' in md
    assert 'half-width of that difference is 2.48 points (target: at most 2) -> NOT met' in md
    assert '| Supervised | keypoints | 2 lr | 51.0 ± 2.5 | 51.0 ± 2.5 | - |' in md
    assert 'above every self-supervised row: yes' in md
    # (74/3 - 35/3) / (51 - 35/3) = 39 / 118
    assert f'(2-layer head): {39 / 118:.2f}.' in md
    assert '| r=3 | ph,cyc,con | 23.7, 25.7 (23.7-25.7) |' in md  # the training-seed spread
    assert 'Each row trains 700 iterations from scratch' in md and '2 rows trained at' in md


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
    tables.write_results(args, runs, 120.0, 'python tools/reproduce.py')
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
        tables.write_results(args, runs, 120.0, 'python tools/reproduce.py')


def test_a_table_of_experiments_alone(tmp_path):
    """``--rows`` with no row: experiment rows alone, read against random init only."""
    rand, sup = [10.0, 11.0, 14.0], [50.0, 52.0, 51.0]
    runs = [dict(name='b8', seed=s, train_s=None, probe_s=None, work_dir=f'e{s}',
                 results=_fake_results(t, rand, sup))
            for s, t in ((0, [30.0, 31.0, 35.0]), (1, [32.0, 33.0, 37.0]))]
    args = argparse.Namespace(config='configs/synthetic_upper_body.py', iters=1400, jobs=1,
                              probe_config='configs/probes/synthetic_upper_body.py',
                              work_dir='work_dirs/x', out=str(tmp_path / 'results.md'),
                              experiment_paths={'b8': 'configs/experiments/b8.py'})
    tables.write_results(args, runs, 60.0, 'python tools/reproduce.py --rows --experiments x')
    md = (tmp_path / 'results.md').read_text()
    # per probe seed 31, 32, 36 minus 10, 11, 14: 21, 21, 22
    assert '- b8 vs random init, 2-layer head, PCK@6px Avg: +21.3 ± 1.4.' in md
    assert 'vs r=3 ph,cyc,con' not in md and 'Each row trains' not in md
    assert '1 row trained at a time' in md


@pytest.mark.parametrize('out, link', [('docs/results.md', 'research/README.md'),
                                       ('docs/research/experiments_x.md', 'README.md')])
def test_the_table_links_the_research_record_from_where_it_is_written(tmp_path, monkeypatch, out,
                                                                      link):
    """The research record lives in docs/research/: the link is relative to the table's own
    folder."""
    monkeypatch.setattr(tables, 'ROOT', str(tmp_path))
    (tmp_path / osp.dirname(out)).mkdir(parents=True, exist_ok=True)
    runs = [dict(name='b8', seed=0, train_s=None, probe_s=None, work_dir='e0',
                 results=_fake_results([30.0, 31.0, 35.0], [10.0, 11.0, 14.0],
                                       [50.0, 52.0, 51.0]))]
    args = argparse.Namespace(config='configs/synthetic_upper_body.py', iters=2800, jobs=1,
                              probe_config='configs/probes/synthetic_upper_body.py',
                              work_dir='work_dirs/x', out=out,
                              experiment_paths={'b8': 'configs/experiments/b8.py'})
    tables.write_results(args, runs, 60.0, 'python tools/reproduce.py --rows --experiments x')
    assert f'what did not work: [the research record]({link}).' in (tmp_path / out).read_text()
