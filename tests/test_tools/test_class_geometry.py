"""tools/experiments/class_geometry.py: limb widths and pair motion of procedural classes."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'experiments'))
import class_geometry  # noqa: E402


@pytest.mark.parametrize('width', [4, 6, 10])
def test_band_width_of_straight_and_slanted_bands(width):
    mask = np.zeros((120, 120), bool)
    mask[30:30 + width, 10:110] = True  # 100 px long, axis-aligned
    assert class_geometry.band_width(mask) == pytest.approx(width, rel=0.06)
    # The same band turned by 30 degrees (drawn as a polygon): within a pixel.
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    corners = np.array([[-50, -width / 2], [50, -width / 2], [50, width / 2], [-50, width / 2]])
    pts = corners @ np.array([[c, s], [-s, c]]) + 60
    img = np.zeros((120, 120), np.uint8)
    cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], 1, shift=4)
    assert class_geometry.band_width(img > 0) == pytest.approx(width, abs=1.0)
    assert np.isnan(class_geometry.band_width(np.zeros((5, 5), bool)))


def test_full_body_numbers_on_a_tiny_render(tmp_path):
    config = tmp_path / 'tiny.py'
    config.write_text(
        f"_base_ = ['{REPO}/configs/synthetic_full_body.py']\n"
        "train_dataloader = dict(dataset=dict(procedural=dict(num_frames=12, size=96)))\n")
    out = class_geometry.main([str(config), '--num-pairs', '20', '--num-videos', '5',
                               '--out-root', str(tmp_path / 'render'),
                               '--out', str(tmp_path / 'g.json')])
    res = out[str(config)]
    assert res['object_class'] == 'full_body' and res['num_pairs'] > 0
    share = res['pixel_share']
    assert 0 < share['arms'] + share['legs'] == pytest.approx(share['limbs'], rel=1e-6)
    assert share['limbs'] < share['figure'] < 1
    assert res['level_sizes'] == [16, 32, 64]
    w = res['width_crop_px']['limbs']
    assert 1 < w < 20 and res['width_level_px']['limbs'] == pytest.approx([w / 4, w / 2, w])
    # the pair gap is at most 4 frames: the keypoints move, but by less than a quarter crop
    for g in ('head', 'torso', 'elbows', 'wrists', 'knees', 'ankles'):
        m = res['motion'][g]
        assert 0 <= m['crop_px_median'] <= m['crop_px_p90'] < 16
        assert m['level1_px_median'] == pytest.approx(m['crop_px_median'] / 4)


def test_a_class_without_part_labels_is_refused_naming_the_config(tmp_path):
    from hierembed.errors import ConfigError
    with pytest.raises(ConfigError, match=r'synthetic_face\.py: .*object_class is .face.'):
        class_geometry.main([osp.join(REPO, 'configs', 'synthetic_face.py'),
                             '--out-root', str(tmp_path)])
