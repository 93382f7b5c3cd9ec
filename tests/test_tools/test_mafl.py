"""The MAFL converter on a fixture in CelebA's layout: the landmark list with its two header
lines, MAFL/training.txt and testing.txt, real aligned JPEGs."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from converter_helpers import load_converter, write_image

from hierembed.datasets import KeypointDataset

W, H = 178, 218


@pytest.fixture
def celeba_root(tmp_path):
    root = str(tmp_path / 'celeba')
    rng = np.random.default_rng(2)
    names = [f'{i:06d}.jpg' for i in range(1, 9)]
    points = {n: np.round(rng.uniform(50, 150, (5, 2))) for n in names}
    lines = [str(len(names)), 'lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y '
             'leftmouth_x leftmouth_y rightmouth_x rightmouth_y']
    for n in names:
        lines.append(n + '   ' + ' '.join(f'{int(v):4d}' for v in points[n].ravel()))
        write_image(osp.join(root, 'img_align_celeba', n), W, H)
    os.makedirs(osp.join(root, 'Anno'))
    with open(osp.join(root, 'Anno', 'list_landmarks_align_celeba.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.makedirs(osp.join(root, 'MAFL'))
    with open(osp.join(root, 'MAFL', 'training.txt'), 'w') as f:
        f.write('\n'.join(names[:5]) + '\n')
    with open(osp.join(root, 'MAFL', 'testing.txt'), 'w') as f:
        f.write('\n'.join(names[6:]) + '\n')
    return root, points


def test_mafl_lists_points_and_interocular(celeba_root, tmp_path):
    root, points = celeba_root
    out = str(tmp_path / 'mafl')
    summary = load_converter('mafl').convert(root, out)
    assert summary['train']['images'] == 5 and summary['test']['images'] == 2
    with open(osp.join(out, 'annotations', 'keypoints_test.json')) as f:
        coco = json.load(f)
    name = coco['images'][0]['file_name']
    assert name.startswith('source/') and osp.samefile(
        osp.join(out, name), osp.join(root, 'img_align_celeba', '000007.jpg'))
    assert (coco['images'][0]['width'], coco['images'][0]['height']) == (W, H)
    kps = np.asarray(coco['annotations'][0]['keypoints']).reshape(5, 3)
    np.testing.assert_allclose(kps[:, :2], points['000007.jpg'])
    assert coco['categories'][0]['keypoints'] == ['left_eye', 'right_eye', 'nose', 'mouth_left',
                                                  'mouth_right']
    ds = KeypointDataset(out, split='test', input_size=32, metainfo='mafl')
    p = points['000007.jpg']
    scale = 32 / (max(coco['annotations'][0]['bbox'][2:]) * 1.25)
    assert ds[0]['norm'] == pytest.approx(np.linalg.norm(p[0] - p[1]) * scale, rel=1e-3)


def test_bad_header_names_file_and_line(celeba_root):
    root, _ = celeba_root
    path = osp.join(root, 'Anno', 'list_landmarks_align_celeba.txt')
    text = open(path).read().splitlines()
    text[1] = 'lefteye_x lefteye_y'
    open(path, 'w').write('\n'.join(text))
    with pytest.raises(ValueError, match=r'list_landmarks_align_celeba\.txt: line 2 should'):
        load_converter('mafl').convert(root, root)
