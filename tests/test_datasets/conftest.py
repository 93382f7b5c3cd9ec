"""Fixtures that write real media (mp4 through OpenCV, JPEG frames, COCO JSON) into tmp dirs."""
import os
import os.path as osp

import pytest

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from dataset_media import counter_frames, write_mp4, write_videos_json  # noqa: E402


@pytest.fixture
def counter_root(tmp_path):
    """A data_root with two 40-frame counter videos, tracks with gaps in their frames."""
    root = str(tmp_path / 'counter')
    for i in range(2):
        write_mp4(osp.join(root, 'videos', f'v{i}.mp4'), counter_frames(40))
    full = {str(t): [8, 8, 48, 48] for t in range(40)}
    sparse = {str(t): [0, 0, 64, 64] for t in range(0, 40, 3)}
    write_videos_json(root, [
        dict(id='v0', path='videos/v0.mp4', num_frames=40, identity='a',
             tracks=[dict(id=0, boxes=full), dict(id=1, boxes=sparse)]),
        dict(id='v1', path='videos/v1.mp4', identity='b'),  # no tracks: the whole frame
    ])
    return root


@pytest.fixture(scope='session')
def procedural_roots(tmp_path_factory):
    """Tiny generated classes (6 videos x 20 frames x 64 px), one per procedural class."""
    from hierembed.datasets.procedural import PROCEDURAL_CLASSES, generate
    roots = {}
    for name in PROCEDURAL_CLASSES:
        root = str(tmp_path_factory.mktemp(name))
        generate(name, root, num_videos=6, num_frames=20, size=64, seed=0)
        roots[name] = root
    return roots
