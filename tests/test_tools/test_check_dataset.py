"""tools/check_dataset.py: builds (validates) a config's datasets, writes a contact sheet."""
import importlib.util
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(num_videos=4, num_frames=12, size=64, seed=0)


def _tool():
    spec = importlib.util.spec_from_file_location('check_dataset_tool',
                                                  osp.join(REPO, 'tools', 'check_dataset.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def upper_body(tmp_path_factory):
    return str(tmp_path_factory.mktemp('data') / 'upper_body')


def _options(root):
    return ([f'train_dataloader.dataset.data_root={root}']
            + [f'train_dataloader.dataset.procedural.{k}={v}' for k, v in TINY.items()])


def test_pairs_and_keypoints_sheet(tmp_path, upper_body):
    tool = _tool()
    out = str(tmp_path / 'sheet.png')
    probe = tmp_path / 'probe.py'
    probe.write_text(
        f"_base_ = ['{REPO}/configs/probes/synthetic_upper_body.py']\n"
        f"probe_dataset = dict(data_root='{upper_body}', procedural={TINY!r})\n")
    summary = tool.main([osp.join(REPO, 'configs', 'synthetic_upper_body.py'), '--out', out,
                         '--num-pairs', '3', '--num-keypoint-images', '5', '--probe-config',
                         str(probe), '--cfg-options', *_options(upper_body)])
    with open(osp.join(upper_body, 'annotations', 'videos_train.json')) as f:
        videos = json.load(f)['videos']
    pairs = summary['pairs']
    assert pairs['videos'] == len(videos) and pairs['tracks'] == len(videos)
    assert pairs['frames'] == sum(len(v['tracks'][0]['boxes']) for v in videos)
    assert pairs['pairs_per_epoch'] == 10 * len(videos) and pairs['skipped'] == 0
    assert not pairs['chosen_by_video_ids']
    assert summary['keypoints']['object_class'] == 'upper_body'
    img = cv2.imread(out)
    assert img is not None
    # 3 pair rows of 4 tiles of 128 px, then 2 rows of keypoint tiles (4 + 1) of 192 px
    assert img.shape[1] == 4 * 192 + 3 * 2
    assert img.shape[0] > 3 * 128 + 2 * 192
    # keypoints are drawn in the ground-truth green somewhere below the pairs
    green = np.all(img[3 * 150:] == (40, 200, 40)[::-1], axis=-1)
    assert green.sum() > 20


def test_probe_config_alone(tmp_path, capsys):
    tool = _tool()
    probe = tmp_path / 'probe.py'
    # Its own data root: rendering only the keypoint set into the shared one would leave the
    # video tests that run after it (alone, or under -k) a root without videos.
    probe.write_text(
        f"_base_ = ['{REPO}/configs/probes/synthetic_upper_body.py']\n"
        f"probe_dataset = dict(data_root='{tmp_path / 'upper_body'}', procedural={TINY!r})\n")
    summary = tool.main([str(probe), '--out', str(tmp_path / 'kp.png')])
    assert summary['pairs'] is None and summary['keypoints']['num_keypoints'] > 0
    assert 'KeypointDataset' in capsys.readouterr().out


def test_invalid_data_fails_with_the_field(tmp_path, upper_body):
    tool = _tool()
    tool.register_all_modules(init_default_scope=False)
    bad = tmp_path / 'bad'
    (bad / 'annotations').mkdir(parents=True)
    (bad / 'annotations' / 'videos_train.json').write_text(json.dumps(
        dict(videos=[dict(id='a', path='videos/missing.mp4')])))
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'synthetic_upper_body.py'))
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': str(bad),
                         'train_dataloader.dataset.procedural': None})
    from hierembed.datasets import DatasetFormatError
    with pytest.raises(DatasetFormatError, match=r'videos\[0\].*path'):
        tool.check(cfg, str(tmp_path / 'x.png'))
    with pytest.raises(ValueError, match='nothing to check'):
        tool.check(Config(dict(a=1)), str(tmp_path / 'y.png'))


def test_horse_config_through_the_plugin(tmp_path):
    tool = _tool()
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    stand_in = str(tmp_path / 'quad')
    summary = tool.main([osp.join(REPO, 'configs', 'horse.py'), '--out',
                         str(tmp_path / 'horse.png'), '--num-pairs', '2', '--cfg-options',
                         f'train_dataloader.dataset.data_root={tmp_path / "none"}',
                         f'train_dataloader.dataset.procedural.data_root={stand_in}',
                         *[f'train_dataloader.dataset.procedural.{k}={v}'
                           for k, v in TINY.items()]])
    assert summary['pairs']['type'] == 'TigDogHorseDataset'
    assert summary['pairs']['data_root'] == stand_in and summary['pairs']['max_gap'] == 4
    summary = tool.main([osp.join(REPO, 'configs', 'probes', 'horse.py'), '--out',
                         str(tmp_path / 'probe.png'), '--num-keypoint-images', '2',
                         '--cfg-options', f'probe_dataset.data_root={stand_in}',
                         *[f'probe_dataset.procedural.{k}={v}' for k, v in TINY.items()]])
    assert summary['keypoints']['object_class'] == 'quadruped'


def test_probe_cfg_options_reach_the_probe_config(tmp_path, upper_body):
    tool = _tool()
    summary = tool.main([osp.join(REPO, 'configs', 'synthetic_upper_body.py'), '--out',
                         str(tmp_path / 's.png'), '--num-pairs', '1', '--num-keypoint-images',
                         '1', '--cfg-options', *_options(upper_body), '--probe-config',
                         osp.join(REPO, 'configs', 'probes', 'synthetic_upper_body.py'),
                         '--probe-cfg-options', f'probe_dataset.data_root={upper_body}',
                         *[f'probe_dataset.procedural.{k}={v}' for k, v in TINY.items()]])
    assert summary['keypoints']['ann_file'].startswith(upper_body)


@pytest.mark.parametrize('whole_frame, warns', [('pad', True), ('inside', False)])
def test_warns_when_crops_are_mostly_border(tmp_path, capsys, whole_frame, warns):
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_datasets'))
    from dataset_media import write_mp4, write_videos_json
    root = str(tmp_path / 'wide')
    frames = np.full((4, 54, 96, 3), 120, np.uint8)  # 16:9, no tracks: whole frames
    write_mp4(osp.join(root, 'videos', 'a.mp4'), frames)
    write_videos_json(root, [dict(id='a', path='videos/a.mp4')])
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"train_dataloader = dict(dataset=dict(type='VideoPairDataset', "
                   f"data_root={root!r}, jitter=None, whole_frame={whole_frame!r}))\n")
    summary = _tool().main([str(cfg), '--out', str(tmp_path / 's.png'), '--num-pairs', '1'])
    out = capsys.readouterr().out
    assert (summary['pairs']['mostly_border'] == 1.0) is warns
    assert ('more than half of the crop lies outside the frame' in out) is warns


def test_own_videos_config_names_the_sheet_after_the_data(tmp_path, capsys, monkeypatch):
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_datasets'))
    from dataset_media import counter_frames, write_mp4, write_videos_json
    root = str(tmp_path / 'street_clips')
    write_mp4(osp.join(root, 'videos', 'a.mp4'), counter_frames(6, 48))
    write_videos_json(root, [dict(id='a', path='videos/a.mp4')],
                      metainfo=dict(object_class='object', source='video_folder', version=1))
    monkeypatch.chdir(tmp_path)
    summary = _tool().main([osp.join(REPO, 'configs', 'own_videos.py'), '--num-pairs', '2',
                            '--cfg-options', f'train_dataloader.dataset.data_root={root}'])
    assert summary['out'] == osp.join('work_dirs', 'check_dataset', 'own_videos_street_clips.png')
    assert osp.isfile(tmp_path / summary['out'])
    assert 'synthetic' not in capsys.readouterr().out


def test_concatenated_datasets_are_summarised_each(tmp_path, upper_body, capsys):
    tool = _tool()
    n = tool.main([osp.join(REPO, 'configs', 'synthetic_upper_body.py'), '--out',
                   str(tmp_path / 'one.png'), '--num-pairs', '2', '--cfg-options',
                   *_options(upper_body)])['pairs']['videos']
    one = f"dict(type='VideoPairDataset', data_root='{upper_body}', input_size=64"
    config = tmp_path / 'mixed.py'
    config.write_text(
        f"_base_ = ['{REPO}/configs/synthetic_upper_body.py']\n"
        "train_dataloader = dict(dataset=dict(_delete_=True, type='ConcatPairDataset', "
        f"datasets=[{one}, pairs_per_video=10), {one}, pairs_per_video=30)]))\n")
    summary = tool.main([str(config), '--out', str(tmp_path / 'mixed.png'), '--num-pairs', '2'])
    parts = summary['pairs']['parts']
    assert [p['pairs_per_epoch'] for p in parts] == [10 * n, 30 * n]
    assert summary['pairs']['pairs_per_epoch'] == 40 * n
    out = capsys.readouterr().out
    assert f'ConcatPairDataset: {40 * n} pairs/epoch, 25 %, 75 % from the datasets below' in out
    assert out.count('VideoPairDataset (') == 3  # the first run's one, the mixed run's two


def test_video_ids_are_counted_and_said(tmp_path, upper_body, capsys):
    tool = _tool()  # renders the class first (its ids are the file's)
    tool.main([osp.join(REPO, 'configs', 'synthetic_upper_body.py'), '--out',
               str(tmp_path / 'a.png'), '--num-pairs', '1', '--cfg-options', *_options(upper_body)])
    with open(osp.join(upper_body, 'annotations', 'videos_train.json')) as f:
        ids = [v['id'] for v in json.load(f)['videos']][:2]
    capsys.readouterr()
    summary = tool.main([osp.join(REPO, 'configs', 'synthetic_upper_body.py'), '--out',
                         str(tmp_path / 'b.png'), '--num-pairs', '1', '--cfg-options',
                         *_options(upper_body), f'train_dataloader.dataset.video_ids={ids}'])
    assert summary['pairs']['videos'] == 2 and summary['pairs']['chosen_by_video_ids']
    assert '2 videos (chosen by video_ids)' in capsys.readouterr().out
