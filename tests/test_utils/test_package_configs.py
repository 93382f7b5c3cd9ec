"""`_base_ = ['hierembed::...']`: a plugin outside the checkout builds on the shipped configs."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
from mmengine.config import Config

import hierembed  # noqa: F401  enables the package bases
from hierembed.utils.package_configs import configs_dir

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_package_bases_resolve_to_the_shipped_configs(tmp_path):
    assert osp.samefile(configs_dir(), osp.join(REPO, 'configs'))
    cfg_path = tmp_path / 'mine.py'
    cfg_path.write_text("_base_ = ['hierembed::_base_/cpu_recipe.py',\n"
                        "          'hierembed::_base_/datasets/synthetic_upper_body.py']\n"
                        "train_cfg = dict(max_iters=7)\n")
    cfg = Config.fromfile(str(cfg_path))
    recipe = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'cpu_recipe.py'))
    assert cfg.model.warp_head.sigma_beta == recipe.model.warp_head.sigma_beta == 1.0
    assert cfg.train_cfg.max_iters == 7 and cfg.train_dataloader.batch_size == 16
    # a top-level config too, which mmengine's own syntax check would refuse (no '/')
    (tmp_path / 'own.py').write_text("_base_ = ['hierembed::own_videos.py']\n")
    assert Config.fromfile(str(tmp_path / 'own.py')).name_by_data is True


def test_a_plugin_in_a_temporary_folder_checks_its_data(tmp_path):
    """A plugin package and its config outside the checkout, run through a tool."""
    import cv2
    plugin = tmp_path / 'my_plugin'
    (plugin / 'configs').mkdir(parents=True)
    (plugin / '__init__.py').write_text(
        'from hierembed.datasets import VideoPairDataset\n'
        'from hierembed.registry import DATASETS\n\n\n'
        '@DATASETS.register_module()\n'
        'class MyClips(VideoPairDataset):\n'
        '    """My own clips."""\n')
    data = tmp_path / 'clips'
    (data / 'videos').mkdir(parents=True)
    writer = cv2.VideoWriter(str(data / 'videos' / 'a.mp4'), cv2.VideoWriter_fourcc(*'mp4v'),
                             10, (48, 32))
    for t in range(6):
        writer.write(np.full((32, 48, 3), 20 * t, np.uint8))
    writer.release()
    (data / 'annotations').mkdir()
    (data / 'annotations' / 'videos_train.json').write_text(
        '{"metainfo": {"object_class": "clip"}, "videos": [{"id": "a", "path": "videos/a.mp4"}]}')
    cfg = plugin / 'configs' / 'my_clips.py'
    cfg.write_text("_base_ = ['hierembed::own_videos.py']\n"
                   "custom_imports = dict(imports=['my_plugin'])\n"
                   "train_dataloader = dict(dataset=dict(type='MyClips', "
                   f"data_root={str(data)!r}))\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    res = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'check_dataset.py'), str(cfg),
                          '--num-pairs', '1'], cwd=str(tmp_path), env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'MyClips (' in res.stdout and '1 videos' in res.stdout
    assert osp.isfile(tmp_path / 'work_dirs' / 'check_dataset' / 'my_clips_clips.png')
