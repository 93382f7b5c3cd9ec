"""Every converter script's --help names where the data is obtained and the files it expects;
a layout problem is one ``<converter>: error:`` line and exit status 2."""
import json
import os.path as osp
import sys

import pytest

from hierembed.datasets.converters import run_converter

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                            'test_tools'))
from converter_helpers import load_converter  # noqa: E402

HELP = {
    'bbc_pose': ['robots.ox.ac.uk/~vgg/data/pose', 'bbcpose.mat', '<v>/<frame>.jpg'],
    'voxceleb2': ['robots.ox.ac.uk/~vgg/data/voxceleb', 'dev/mp4/idNNNNN/<youtube id>/NNNNN.mp4'],
    'penn_action': ['dreamdragon.github.io/PennAction', 'labels/NNNN.mat'],
    'flic': ['flic-dataset', 'examples.mat', 'images/'],
    'mafl': ['CelebA', 'list_landmarks_align_celeba.txt', 'MAFL/training.txt'],
    'aflw': ['aflw_release-2', 'aflw_{train,test}_keypoints.mat', 'aflw.sqlite',
             'FeatureCoords'],
    '300w': ['ibug.doc.ic.ac.uk', '.pts', 'lfpw/trainset', 'ibug/'],
    'video_folder': ['--detector none', 'Haar', 'HOG'],
}


@pytest.mark.parametrize('name', sorted(HELP))
def test_help_names_source_and_files(name, capsys):
    with pytest.raises(SystemExit) as e:
        load_converter(name).main(['--help'])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for needle in HELP[name]:
        assert needle in text, f'{name} --help does not mention {needle!r}'


def test_run_converter_reports(capsys):
    def missing(root):
        raise FileNotFoundError(f'{root}: no bbcpose.mat')
    assert run_converter(missing, '/nowhere') == 2
    assert capsys.readouterr().err.strip() == 'test_cli.py: error: /nowhere: no bbcpose.mat'
    assert run_converter(lambda n: dict(train=dict(videos=n)), 3) == 0
    assert json.loads(capsys.readouterr().out) == dict(train=dict(videos=3))


def test_empty_splits_are_named_keypoint_only_sets_are_not():
    from hierembed.datasets.converters.cli import empty_splits
    assert empty_splits(dict(train=dict(videos=3, images=0), val=dict(videos=0, images=0),
                             test=dict(videos=1, images=0), no_detections=[])) == ['val']
    # a keypoint set: no videos anywhere, images in every split
    assert empty_splits({s: dict(videos=0, images=2) for s in ('train', 'val')}) == []
