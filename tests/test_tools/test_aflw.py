"""The AFLW converter on fixtures in the two distributed layouts: the AFLW_R release (image lists
and ``.mat`` keypoints stored (y, x)) and the AFLW database (``aflw.sqlite`` with its tables)."""
import json
import os.path as osp
import sqlite3

import numpy as np
import pytest
from converter_helpers import load_converter, write_image
from scipy.io import savemat

from hierembed.datasets import KeypointDataset


@pytest.fixture
def aflw_r_root(tmp_path):
    root = str(tmp_path / 'aflw_release-2')
    rng = np.random.default_rng(3)
    truth = {}
    for split, n in (('train', 3), ('test', 2)):
        names = [f'{split}/face{i}.jpg' for i in range(n)]
        xy = rng.uniform(20, 70, (n, 5, 2))
        for name in names:
            write_image(osp.join(root, 'output', name), 80, 90)
        with open(osp.join(root, f'aflw_{split}_images.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
        savemat(osp.join(root, f'aflw_{split}_keypoints.mat'),
                dict(gt=xy[:, :, ::-1], hw=np.tile([[90.0, 80.0]], (n, 1))))
        truth[split] = xy
    return root, truth


def test_aflw5_release(aflw_r_root, tmp_path):
    root, truth = aflw_r_root
    out = str(tmp_path / 'aflw5')
    summary = load_converter('aflw').convert_aflw5(root, out)
    assert summary['train']['images'] == 3 and summary['test']['images'] == 2
    with open(osp.join(out, 'annotations', 'keypoints_test.json')) as f:
        coco = json.load(f)
    kps = np.asarray(coco['annotations'][1]['keypoints']).reshape(5, 3)
    np.testing.assert_allclose(kps[:, :2], truth['test'][1], atol=0.01)  # (y, x) -> (x, y)
    assert len(KeypointDataset(out, split='test', input_size=32, metainfo='mafl')) == 2


def _aflw_db(root, faces):
    """aflw.sqlite with AFLW's tables; faces: (file_id, filepath, rect, {feature_id: (x, y)})."""
    con = sqlite3.connect(osp.join(root, 'data', 'aflw.sqlite'))
    con.executescript("""
        CREATE TABLE Faces (face_id INTEGER PRIMARY KEY, file_id TEXT, db_id TEXT);
        CREATE TABLE FaceImages (image_id INTEGER PRIMARY KEY, db_id TEXT, file_id TEXT,
                                 filepath TEXT, bw INTEGER, width INTEGER, height INTEGER);
        CREATE TABLE FaceRect (face_id INTEGER, x INTEGER, y INTEGER, w INTEGER, h INTEGER,
                               annot_type_id INTEGER);
        CREATE TABLE FacePose (face_id INTEGER, roll REAL, pitch REAL, yaw REAL,
                               annot_type_id INTEGER);
        CREATE TABLE FeatureCoords (face_id INTEGER, feature_id INTEGER, x REAL, y REAL,
                                    annot_type_id INTEGER);""")
    files = {}
    for face_id, (file_id, filepath, rect, points) in enumerate(faces, 39000):
        if file_id not in files:
            files[file_id] = filepath
            con.execute('INSERT INTO FaceImages VALUES (?, ?, ?, ?, 0, 200, 150)',
                        (len(files), 'flickr', file_id, filepath))
            write_image(osp.join(root, 'data', 'flickr', filepath), 200, 150)
        con.execute('INSERT INTO Faces VALUES (?, ?, ?)', (face_id, file_id, 'flickr'))
        con.execute('INSERT INTO FaceRect VALUES (?, ?, ?, ?, ?, 1)', (face_id, *rect))
        con.execute('INSERT INTO FacePose VALUES (?, 0.1, 0.2, 0.3, 1)', (face_id,))
        for feature_id, (x, y) in points.items():
            con.execute('INSERT INTO FeatureCoords VALUES (?, ?, ?, ?, 1)',
                        (face_id, feature_id, x, y))
    con.commit()
    con.close()


def test_aflw21_sqlite(tmp_path):
    root = str(tmp_path / 'aflw')
    rng = np.random.default_rng(4)
    full = {f: tuple(rng.uniform(30, 120, 2)) for f in range(1, 22)}
    no_ear = {f: p for f, p in full.items() if f != 13}
    no_eye = {f: p for f, p in full.items() if f != 8}
    write_image(osp.join(root, 'data', 'placeholder.jpg'), 8, 8)
    faces = [('img1', '0/image00002.jpg', (20, 25, 100, 110), full),
             ('img1', '0/image00002.jpg', (150, 10, 40, 40), no_ear),
             ('img2', '2/image00004.jpg', (10, 10, 120, 120), no_eye),
             ('img3', '3/image00006.jpg', (-5, 30, 100, 100), full)]
    _aflw_db(root, faces)
    out = str(tmp_path / 'out')
    summary = load_converter('aflw').convert_aflw21(root, out, test_fraction=0.34, seed=0)
    assert summary['skipped']['no_eye_centres'] == 1
    assert summary['train']['images'] + summary['test']['images'] == 3
    coco = {}
    for split in ('train', 'test'):
        with open(osp.join(out, 'annotations', f'keypoints_{split}.json')) as f:
            coco[split] = json.load(f)
    anns = {img['face_id']: (img, ann) for c in coco.values()
            for img, ann in zip(c['images'], c['annotations'])}
    img, ann = anns[39001]
    kps = np.asarray(ann['keypoints']).reshape(21, 3)
    assert list(kps[12]) == [0, 0, 0]  # the left ear has no row: not labelled
    np.testing.assert_allclose(kps[14, :2], no_ear[15], atol=0.01)
    assert ann['norm_size'] == pytest.approx(np.linalg.norm(np.subtract(full[8], full[11])),
                                             abs=1e-3)
    assert ann['bbox'] == [150, 10, 40, 40] and img['yaw'] == pytest.approx(0.3)
    assert anns[39003][1]['bbox'] == [0, 30, 95, 100]  # FaceRect clipped to the image
    split = 'train' if any(i['face_id'] == 39000 for i in coco['train']['images']) else 'test'
    assert any(i['face_id'] == 39001 for i in coco[split]['images'])  # split by image
    ds = KeypointDataset(out, split=split, input_size=32, norm_type='norm_size')
    assert ds.metainfo['num_keypoints'] == 21 and (12, 16) in map(tuple, ds.metainfo['flip_pairs'])


def test_aflw21_missing_table_names_file(tmp_path):
    root = str(tmp_path / 'aflw')
    write_image(osp.join(root, 'placeholder.jpg'), 8, 8)
    sqlite3.connect(osp.join(root, 'aflw.sqlite')).execute('CREATE TABLE Faces (face_id INT)')
    with pytest.raises(ValueError, match=r'aflw\.sqlite: .*FaceImages'):
        load_converter('aflw').convert_aflw21(root, root)
