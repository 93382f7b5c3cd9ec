"""Reports: JSON without NaN, the paper-style rows, the mean-pose warning; keypoint drawing."""
import json
import math

import numpy as np
import pytest

from hierembed.probe.report import (failures_to_beat_mean_pose, groups_of, results_markdown,
                                    table_rows, write_results_json)
from hierembed.visualization import draw_keypoints, draw_prediction, keypoint_panel
from hierembed.visualization.keypoint_drawing import GT_COLOR


def _results():
    def head(mean, vs_mean=None, beats=None, closed=False):
        entry = dict(metrics={'PCK@0.2': dict(mean=mean, per_keypoint={'a': mean, 'b': math.nan},
                                              groups={'A': mean, 'B': math.nan},
                                              greater_is_better=True)})
        if closed:
            entry['closed_form'] = True
        else:
            entry['comparisons'] = {'PCK@0.2': dict(vs_mean_pose=vs_mean,
                                                    beats_mean_pose=beats)}
        return entry
    return dict(
        meta=dict(object_class='toy', keypoint_groups={'A': ['a'], 'B': ['b']},
                  metric_names=['PCK@0.2'], metrics={'PCK@0.2': dict(greater_is_better=True)},
                  num_instances=dict(train=3, val=1, test=2), checkpoint='x.pth'),
        encoders=dict(mean_pose=dict(heads=dict(linear=head(40.0, closed=True),
                                                mlp=head(40.0, closed=True))),
                      trained=dict(heads=dict(linear=head(70.0, 30.0, True),
                                              mlp=head(39.0, -1.0, False)))))


def test_rows_order_and_closed_form_once():
    rows = table_rows(_results(), 'PCK@0.2')
    assert rows == [['trained', 'linear', '70.0', '-', '70.0', '-', '+30.0'],
                    ['trained', 'mlp', '39.0', '-', '39.0', '-', '-1.0'],
                    ['mean_pose', '-', '40.0', '-', '40.0', '-', '-']]


def test_mean_pose_failures_are_reported():
    res = _results()
    assert failures_to_beat_mean_pose(res) == ['trained/mlp: PCK@0.2']
    md = results_markdown(res)
    assert 'Not better than the mean pose: `trained/mlp: PCK@0.2`' in md


def test_json_has_null_not_nan(tmp_path):
    path = tmp_path / 'r.json'
    write_results_json(dict(x=math.nan, y=[np.float32(1.5), np.inf], z={'a': np.int64(2)}),
                       str(path))
    assert json.loads(path.read_text()) == dict(x=None, y=[1.5, None], z={'a': 2})


def test_groups_average_members_with_values():
    out = groups_of({'a': 10.0, 'b': 20.0, 'c': math.nan}, {'G': ['a', 'b', 'c'], 'H': ['c']})
    assert out['G'] == 15.0 and math.isnan(out['H'])


def test_draw_keypoints_filled_and_masked():
    img = np.zeros((20, 20, 3), np.uint8)
    draw_keypoints(img, np.array([[5., 5.], [15., 15.]]), np.array([1, 0]), [(0, 1)],
                   color=(0, 255, 0), radius=2)
    assert tuple(img[5, 5]) == (0, 255, 0)  # filled dot
    assert img[15, 15].sum() == 0 and img[10, 10].sum() == 0  # masked point, no link


def test_prediction_tiles_and_panel():
    crop = np.zeros((3, 16, 16), np.uint8)
    tile = draw_prediction(crop, np.array([[4., 4.]]), np.array([[12., 12.]]), np.array([2]),
                           size=64)
    assert tile.shape == (64, 64, 3)
    assert tuple(tile[48, 48]) == GT_COLOR  # filled ground truth at 12 * 4
    assert tile[16, 16].sum() == 0  # the prediction is a hollow ring around 4 * 4 ...
    ring = tile[16, 18:21].astype(int)  # ... of radius 3 (anti-aliased: red dominates)
    assert (ring[:, 0] - ring[:, 1]).max() > 100
    panel = keypoint_panel([crop] * 3, np.zeros((3, 1, 2)), np.zeros((3, 1, 2)),
                           np.ones((3, 1)), ncols=2, size=32, title='t')
    assert panel.shape == (24 + 2 * 32 + 2, 2 * 32 + 2, 3)


def test_t_interval_and_paired_deltas_by_hand():
    from hierembed.probe.report import gap_closed, paired_deltas, t_interval

    # mean 2, s = 1, n = 3: t_{0.975, 2} = 4.302653 (tables), half-width 4.302653 / sqrt(3)
    assert t_interval([1.0, 2.0, 3.0]) == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert t_interval([5.0, 5.0]) == 0.0
    assert math.isnan(t_interval([5.0])) and math.isnan(t_interval([1.0, None, math.nan]))
    assert paired_deltas([10.0, 12.0], [8.0, 13.0]) == [2.0, -1.0]
    assert paired_deltas([10.0, 12.0], [8.0]) == [2.0, 4.0]  # a seed-independent baseline
    with pytest.raises(ValueError, match='as many'):
        paired_deltas([1.0, 2.0, 3.0], [1.0, 2.0])
    assert gap_closed(30.0, 20.0, 60.0) == 0.25
    assert gap_closed(8.0, 10.0, 2.0) == 0.25  # lower is better: the same fraction
    assert math.isnan(gap_closed(30.0, 20.0, 20.0))


def test_deltas_are_paired_per_probe_seed():
    """Per seed the trained encoder is 1 to 3 points above random init while both swing by 10:
    the paired interval is narrow, an unpaired one would not be."""
    from hierembed.probe.report import t_interval
    from hierembed.probe.runner import _compare

    def entry(seeds):
        return dict(metrics={'PCK': dict(mean=float(np.mean(seeds)), seeds=seeds,
                                         greater_is_better=True)})
    encoders = dict(trained=dict(heads=dict(mlp=entry([12.0, 23.0, 31.0]))),
                    random_init=dict(heads=dict(mlp=entry([10.0, 20.0, 30.0]))),
                    supervised=dict(heads=dict(mlp=entry([60.0, 60.0, 60.0]))),
                    mean_pose=dict(heads=dict(mlp=dict(entry([5.0, 5.0, 5.0]),
                                                       closed_form=True))))
    _compare(encoders)
    comp = encoders['trained']['heads']['mlp']['comparisons']['PCK']
    assert comp['vs_random_init_seeds'] == [2.0, 3.0, 1.0]
    assert comp['vs_random_init'] == pytest.approx(2.0)
    assert comp['vs_random_init_interval'] == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert comp['vs_random_init_interval'] < t_interval([12.0, 23.0, 31.0])
    assert comp['vs_mean_pose'] == pytest.approx(17.0) and comp['beats_mean_pose']
    assert comp['gap_closed'] == pytest.approx(2.0 / 40.0)
    assert 'gap_closed' not in encoders['supervised']['heads']['mlp']['comparisons']['PCK']
    assert encoders['supervised']['heads']['mlp']['comparisons']['PCK']['vs_random_init'] == 40


def test_deltas_say_which_sign_is_better_and_caveats():
    from hierembed.probe.report import caveats, table_header
    res = _results()
    assert table_header(res, 'PCK@0.2')[-2:] == ['Δ rand. init (> 0 better)',
                                                 'Δ mean pose (> 0 better)']
    res['meta']['metrics'] = {'NME': dict(greater_is_better=False)}
    assert table_header(res, 'NME')[-2:] == ['Δ rand. init (< 0 better)',
                                             'Δ mean pose (< 0 better)']
    res['meta']['probe_seeds'] = [0]
    found = caveats(res)
    assert found[0].startswith('only 2 test instances (under 300)')
    assert found[1].startswith('one probe seed: no interval')
    res['meta'].update(probe_seeds=[0, 1], num_instances=dict(train=9, val=9, test=300))
    assert caveats(res) == []
    md = results_markdown(dict(_results(), meta=dict(_results()['meta'], probe_seeds=[0])))
    assert '- **warning**: one probe seed' in md
