"""plugins/horse: the TigDog converter on a savemat fixture, the dataset's choice of data, its
metainfo and configs."""
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from scipy.io import savemat

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from plugin_helpers import REPO  # noqa: E402
from tigdog_fixture import H, W, landmark_cells, write_tigdog  # noqa: E402

if REPO not in sys.path:
    sys.path.insert(0, REPO)

from plugins.horse import METAINFO, TigDogFormatError, TigDogHorseDataset, convert  # noqa: E402
from plugins.horse.convert import main as convert_main  # noqa: E402
from plugins.horse.tigdog import _box  # noqa: E402


@pytest.fixture
def tigdog(tmp_path):
    root = str(tmp_path / 'TigDog')
    return root, write_tigdog(root)


def _load(out, kind, split):
    with open(osp.join(out, 'annotations', f'{kind}_{split}.json')) as f:
        return json.load(f)


def test_converts_every_shot_with_boxes_and_keypoints(tigdog, tmp_path):
    root, written = tigdog
    out = str(tmp_path / 'horse')
    counts = convert(root, out, val_fraction=0.2, test_fraction=0.2)
    assert {s: c['videos'] for s, c in counts.items()} == {'train': 3, 'val': 1, 'test': 1}
    videos = {v['id']: v for s in ('train', 'val', 'test')
              for v in _load(out, 'videos', s)['videos']}
    assert set(videos) == {f'horse_{s}' for s in (3, 7, 11, 20, 25)}
    assert _load(out, 'videos', 'train')['metainfo'] == dict(object_class='horse', source='tigdog',
                                                             version=1)
    # Shot 20 has no landmarks file: the whole frame, no track.
    assert 'tracks' not in videos['horse_20']
    v7 = videos['horse_7']
    assert v7['num_frames'] == 6 and v7['path'] == osp.join('frames', '7')
    # frames 7..12 of the download, renumbered from 0, as links
    link = osp.join(out, 'frames', '7', '000000.jpg')
    assert osp.islink(link) and osp.realpath(link).endswith('00000007.jpg')
    boxes = v7['tracks'][0]['boxes']
    assert '0' not in boxes  # unannotated frame
    kps = written[7]
    for t, box in boxes.items():
        lab = kps[int(t), :, 2] > 0
        x1, y1 = kps[int(t), lab, :2].min(0)
        x2, y2 = kps[int(t), lab, :2].max(0)
        side = max(x2 - x1, y2 - y1)
        expect = [max(0, x1 - 0.1 * side), max(0, y1 - 0.1 * side),
                  min(W, x2 + 0.1 * side), min(H, y2 + 0.1 * side)]
        np.testing.assert_allclose([box[0], box[1], box[0] + box[2], box[1] + box[3]], expect,
                                   atol=0.02)
    # COCO: every labelled frame, keypoints as written, unlabelled v = 0 at (0, 0).
    split7 = next(s for s in ('train', 'val', 'test')
                  if any(v['id'] == 'horse_7' for v in _load(out, 'videos', s)['videos']))
    coco = _load(out, 'keypoints', split7)
    assert coco['categories'][0]['name'] == 'tigdog_horse'
    assert len(coco['categories'][0]['keypoints']) == 19
    ims = {im['id']: im for im in coco['images'] if im['shot'] == 7}
    assert sorted(im['frame'] for im in ims.values()) == [1, 2, 3, 4, 5]
    for ann in coco['annotations']:
        if ann['image_id'] not in ims:
            continue
        t = ims[ann['image_id']]['frame']
        got = np.asarray(ann['keypoints']).reshape(19, 3)
        np.testing.assert_array_equal(got[:, 2], np.where(kps[t, :, 2] > 0, 2, 0))
        np.testing.assert_allclose(got[got[:, 2] > 0, :2], kps[t, kps[t, :, 2] > 0, :2],
                                   atol=0.01)
        assert (got[got[:, 2] == 0, :2] == 0).all()


def test_converted_data_loads_in_the_toolkit_datasets(tigdog, tmp_path):
    from hierembed.datasets import KeypointDataset
    root, _ = tigdog
    out = str(tmp_path / 'horse')
    convert(root, out, val_fraction=0.2, test_fraction=0.2)
    ds = TigDogHorseDataset(data_root=out, input_size=32, max_gap=50)
    assert ds.data_source == 'tigdog' and len(ds.videos) == 3
    sample = ds[0]
    assert sample['inputs']['source'].shape == (3, 32, 32)
    kp = KeypointDataset(out, 'train', input_size=32, metainfo=METAINFO)
    assert kp.metainfo['num_keypoints'] == 19 and len(kp.metainfo['flip_pairs']) == 8
    assert kp.metainfo['keypoint_groups']['Hoof'][0] == 'left_front_hoof'
    assert kp[0]['keypoints'].shape == (19, 2)


def test_tigdog_root_converts_on_first_use(tigdog, tmp_path):
    root, _ = tigdog
    out = str(tmp_path / 'converted')
    ds = TigDogHorseDataset(data_root=out, tigdog_root=root, input_size=32,
                            procedural=dict(object_class='quadruped'))
    assert ds.data_source == 'tigdog'
    assert osp.isfile(osp.join(out, 'annotations', 'keypoints_test.json'))


def test_falls_back_to_the_procedural_stand_in(tmp_path):
    stand_in = str(tmp_path / 'quad')
    ds = TigDogHorseDataset(data_root=str(tmp_path / 'no_horses'), input_size=32,
                            procedural=dict(object_class='quadruped', data_root=stand_in,
                                            num_videos=3, num_frames=8, size=64, seed=0))
    assert ds.data_source == 'procedural' and ds.data_root == stand_in
    assert ds.metainfo['object_class'] == 'quadruped'
    with pytest.raises(FileNotFoundError, match='plugins.horse.convert'):
        TigDogHorseDataset(data_root=str(tmp_path / 'no_horses'), procedural=None)
    # A data_root that holds another source is refused, not trained on as horses.
    from hierembed.datasets import DatasetFormatError
    with pytest.raises(DatasetFormatError, match="'procedural' data, not converted TigDog"):
        TigDogHorseDataset(data_root=stand_in)


def test_missing_ranges_names_the_layout(tmp_path):
    with pytest.raises(TigDogFormatError, match='ranges/horse/ranges.mat: not found'):
        convert(str(tmp_path), str(tmp_path / 'out'))


def test_ranges_field_is_checked(tigdog, tmp_path):
    root, _ = tigdog
    path = osp.join(root, 'behaviorDiscovery2.0', 'ranges', 'horse', 'ranges.mat')
    savemat(path, {'shots': np.zeros((2, 3))})
    with pytest.raises(TigDogFormatError, match=r'ranges.mat: field `ranges` is missing'):
        convert(root, str(tmp_path / 'out'))
    savemat(path, {'ranges': np.zeros((2, 2))})
    with pytest.raises(TigDogFormatError, match=r'field `ranges` has shape \(2, 2\)'):
        convert(root, str(tmp_path / 'out'))


def test_wrong_landmark_count_names_file_and_field(tigdog, tmp_path):
    root, written = tigdog
    path = osp.join(root, 'behaviorDiscovery2.0', 'landmarks', 'horse', '7.mat')
    savemat(path, {'landmarks': landmark_cells(written[7][:, :18])})
    with pytest.raises(TigDogFormatError) as err:
        convert(root, str(tmp_path / 'out'))
    msg = str(err.value)
    assert '7.mat' in msg and '`landmarks`{1}.coords' in msg and '(18, 2)' in msg
    assert '19 landmarks' in msg


def test_landmarks_per_frame_must_match_ranges(tigdog, tmp_path):
    root, written = tigdog
    path = osp.join(root, 'behaviorDiscovery2.0', 'landmarks', 'horse', '11.mat')
    savemat(path, {'landmarks': landmark_cells(written[11][:4])})
    with pytest.raises(TigDogFormatError, match=r'11.mat: field `landmarks` has 4 entries, '
                       r'but ranges.mat gives the shot 6 frames'):
        convert(root, str(tmp_path / 'out'))


def test_bad_visibility_and_missing_frames(tigdog, tmp_path):
    root, written = tigdog
    kps = written[3].copy()
    kps[2, 5, 2] = 3
    path = osp.join(root, 'behaviorDiscovery2.0', 'landmarks', 'horse', '3.mat')
    savemat(path, {'landmarks': landmark_cells(kps)})
    with pytest.raises(TigDogFormatError, match=r'3.mat: field `landmarks`\{3\}.visibility: '
                       r'visibilities must be 0 or 1'):
        convert(root, str(tmp_path / 'out'))
    savemat(path, {'landmarks': landmark_cells(written[3])})
    os.remove(osp.join(root, 'behaviorDiscovery2.0', 'horse', '00000009.jpg'))
    with pytest.raises(TigDogFormatError, match=r'shot 7 spans frames 7..12, but 1 are missing'):
        convert(root, str(tmp_path / 'out'))


def test_cli_refuses_to_overwrite(tigdog, tmp_path, capsys):
    root, _ = tigdog
    out = str(tmp_path / 'out')
    assert convert_main([root, '--out', out, '--copy']) == 0
    assert not osp.islink(osp.join(out, 'frames', '3', '000000.jpg'))
    assert 'train:' in capsys.readouterr().out
    assert convert_main([root, '--out', out]) == 1
    assert 'overwrite' in capsys.readouterr().err
    assert convert_main([root, '--out', out, '--overwrite']) == 0


def test_box_needs_two_labelled_points():
    kps = np.zeros((19, 3))
    kps[0] = [10, 10, 1]
    assert _box(kps, 64, 48, 0.1) is None
    kps[1] = [20, 30, 1]
    assert _box(kps, 64, 48, 0.1) == [8.0, 8.0, 14.0, 24.0]


def test_horse_configs_load_with_the_plugin():
    from mmengine.config import Config

    from hierembed.registry import DATASETS
    from hierembed.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'horse.py'))
    assert cfg.custom_imports.imports == ['plugins.horse']
    ds = cfg.train_dataloader.dataset
    assert ds.type == 'TigDogHorseDataset' and ds.max_gap == 4  # the CPU default's gap
    assert DATASETS.get('TigDogHorseDataset') is TigDogHorseDataset
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-3)
    assert cfg.model.warp_head.topk == 9 and cfg.model.warp_head.num_levels == 3
    paper = Config.fromfile(osp.join(REPO, 'plugins', 'horse', 'configs',
                                     'tigdog_horse_paper.py'))
    assert paper.model.encoder.input_size == 256 == paper.train_dataloader.dataset.input_size
    assert paper.train_dataloader.dataset.procedural is None
    probe = Config.fromfile(osp.join(REPO, 'plugins', 'horse', 'configs', 'probes',
                                     'tigdog_horse.py'))
    assert osp.samefile(probe.probe_dataset.metainfo, METAINFO)
    stand_in = Config.fromfile(osp.join(REPO, 'configs', 'probes', 'horse.py'))
    assert stand_in.probe_dataset.procedural == {k: v for k, v in ds.procedural.items()
                                                 if k != 'data_root'}
    assert stand_in.probe_dataset.data_root == ds.procedural.data_root
