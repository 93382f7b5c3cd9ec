import numpy as np
import pytest

from hierembed.datasets.transforms import (AlbuJitter, Albumentation, CropToBox, apply_affine,
                                           crop_matrix)
from hierembed.registry import TRANSFORMS


def _marker_image(h, w, points, value=255):
    """A dark image with a 3x3 bright square centred on each integer point."""
    img = np.full((h, w, 3), 20, np.uint8)
    for x, y in points:
        img[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2] = value
    return img


def _centroid(img, near, radius=5):
    """Intensity centroid [2] (x, y) of the bright blob within ``radius`` of ``near``."""
    g = img.astype(np.float64).mean(-1)
    ys, xs = np.mgrid[:g.shape[0], :g.shape[1]]
    w = np.clip(g - 60, 0, None) * ((xs - near[0]) ** 2 + (ys - near[1]) ** 2 < radius ** 2)
    return np.array([(xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()])


def test_crop_matrix_hand_worked():
    # box 20 x 10 at (10, 30): square side 20 * 1.5 = 30 around centre (20, 35); S = 60: s = 2.
    m = crop_matrix([10, 30, 20, 10], 60, 1.5)
    np.testing.assert_allclose(m[:, :2], 2 * np.eye(2))
    # the crop's left edge (x = 5 in edge coords, pixel centre 4.5) maps to -0.5
    np.testing.assert_allclose(apply_affine([[4.5, 19.5]], m), [[-0.5, -0.5]])
    np.testing.assert_allclose(apply_affine([[20 - 0.5, 35 - 0.5]], m), [[29.5, 29.5]])


@pytest.mark.parametrize('box,margin', [([30, 20, 50, 40], 1.25), ([-10, 5, 60, 90], 1.0),
                                        ([70, 60, 20, 20], 2.0)])
def test_crop_moves_keypoints_with_the_image(box, margin):
    pts = np.array([[40.0, 30.0], [55.0, 70.0], [75.0, 65.0]])
    img = _marker_image(100, 100, pts)
    out = CropToBox(size=64, margin=margin)(dict(img=img, bbox=box, keypoints=pts))
    assert out['img'].shape == (64, 64, 3)
    for p in out['keypoints']:
        if 3 <= p[0] < 61 and 3 <= p[1] < 61 and out['scale'] > 0.5:
            np.testing.assert_allclose(_centroid(out['img'], p), p, atol=0.25)


@pytest.mark.parametrize('seed', range(6))
def test_jitter_moves_keypoints_with_the_image(seed):
    pts = np.array([[20.0, 20.0], [44.0, 30.0], [30.0, 45.0]])
    img = _marker_image(64, 64, pts)
    jit = AlbuJitter(rotate=15, scale=0.1, translate=0.05, color=0.0)
    out = jit(dict(img=img, keypoints=pts, rng=np.random.default_rng(seed)))
    assert out['keypoints'].shape == (3, 2)
    assert not np.allclose(out['keypoints'], pts)  # something moved
    for p in out['keypoints']:
        np.testing.assert_allclose(_centroid(out['img'], p), p, atol=0.3)


def test_jitter_is_reproducible_from_the_rng():
    img = np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    jit = AlbuJitter()
    a = jit(dict(img=img.copy(), rng=np.random.default_rng(5)))['img']
    b = jit(dict(img=img.copy(), rng=np.random.default_rng(5)))['img']
    c = jit(dict(img=img.copy(), rng=np.random.default_rng(6)))['img']
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_registered_and_generic_albumentation():
    t = TRANSFORMS.build(dict(type='Albumentation', transforms=[
        dict(type='Affine', rotate=(90, 90), p=1.0)]))
    pts = np.array([[10.0, 5.0]])
    out = t(dict(img=_marker_image(32, 32, pts), keypoints=pts, rng=np.random.default_rng(0)))
    np.testing.assert_allclose(_centroid(out['img'], out['keypoints'][0]), out['keypoints'][0],
                               atol=0.3)
    assert isinstance(TRANSFORMS.build(dict(type='AlbuJitter')), AlbuJitter)
    assert isinstance(TRANSFORMS.build(dict(type='CropToBox', size=8)), CropToBox)
    with pytest.raises(KeyError, match='NoSuchTransform'):
        Albumentation([dict(type='NoSuchTransform')])
