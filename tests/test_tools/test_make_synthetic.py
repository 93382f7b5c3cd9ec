import importlib.util
import json
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_cli_writes_the_documented_layout(tmp_path):
    out = str(tmp_path / 'quad')
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'make_synthetic.py'), '--object-class',
           'quadruped', '--out', out, '--num-videos', '4', '--num-frames', '10', '--size', '64',
           '--seed', '2']
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert 'quadruped' in res.stdout
    for split in ('train', 'val', 'test'):
        with open(osp.join(out, 'annotations', f'videos_{split}.json')) as f:
            videos = json.load(f)['videos']
        for v in videos:
            assert osp.isfile(osp.join(out, v['path']))
        with open(osp.join(out, 'annotations', f'keypoints_{split}.json')) as f:
            coco = json.load(f)
        for im in coco['images']:
            assert osp.isfile(osp.join(out, im['file_name']))
            assert im['file_name'].startswith('frames/')
        assert coco['categories'][0]['name'] == 'quadruped'


def test_cli_rejects_unknown_class(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'make_synthetic', osp.join(ROOT, 'tools', 'make_synthetic.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(SystemExit):
        mod.main(['--object-class', 'octopus', '--out', str(tmp_path)])
    assert 'octopus' in capsys.readouterr().err
