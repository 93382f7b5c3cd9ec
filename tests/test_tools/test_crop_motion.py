"""tools/experiments/crop_motion.py: the crop's own motion, against hand-computed values."""
import os.path as osp
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_datasets'))
import crop_motion  # noqa: E402
from dataset_media import write_mp4, write_videos_json  # noqa: E402


def test_a_jittering_box_against_hand_values(tmp_path):
    """A 30 x 30 box whose x alternates 20, 22, 20, ... over 12 frames, pairs of neighbours,
    crops of side 36 (margin 1.2) at 64 px: one image px is 64 / 36 crop px.

    Frame crop: every pair moves 2 px. Smoothed over 3 frames: an inner frame's box sits at
    21 1/3 (x = 20) or 20 2/3 (x = 22), 1 1/3 px from its own box, 2/3 px from its neighbour's.
    """
    root = str(tmp_path / 'jitter')
    write_mp4(osp.join(root, 'videos', 'j.mp4'), np.full((12, 96, 96, 3), 60, np.uint8))
    boxes = {str(t): [20 + 2 * (t % 2), 30, 30, 30] for t in range(12)}
    write_videos_json(root, [dict(id='j', path='videos/j.mp4', tracks=[dict(id=0, boxes=boxes)])])
    config = tmp_path / 'cfg.py'
    config.write_text(
        'train_dataloader = dict(dataset=dict(type="VideoPairDataset", data_root='
        f'{root!r}, input_size=64, crop_margin=1.2, max_gap=1, crop_window=3, '
        'pairs_per_video=200))\n')
    out = crop_motion.main([str(config), '--num-pairs', '200'])[str(config)]
    px = 64 / 36
    assert out['pair_motion']['frame'] == pytest.approx(dict(median=2 * px, p90=2 * px))
    assert out['pair_motion']['smooth']['median'] == pytest.approx(2 / 3 * px)
    assert out['frame_vs_smooth']['median'] == pytest.approx(4 / 3 * px)
    # the two ends' windows are cut short: their boxes sit at 21, 1 px from their own
    assert out['pair_motion']['smooth']['p90'] == pytest.approx(2 / 3 * px)
    assert (out['num_pairs'], out['max_gap'], out['crop_window']) == (200, 1, 3)


def test_box_points_are_the_centre_and_corners():
    np.testing.assert_allclose(crop_motion.box_points(np.array([1, 2, 4, 6])),
                               [[3, 5], [1, 2], [5, 2], [1, 8], [5, 8]])


def test_a_mixture_of_datasets_is_refused_naming_the_config():
    from hierembed.errors import ConfigError
    with pytest.raises(ConfigError, match=r'real_faces_mixed_procedural\.py: .*ConcatPairDataset'):
        crop_motion.main([osp.join(REPO, 'configs', 'experiments', 'real_faces',
                                   'real_faces_mixed_procedural.py')])
