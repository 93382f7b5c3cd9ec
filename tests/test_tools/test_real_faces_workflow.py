"""docs/data.md, "Real faces", run as written: the section's commands, in order, on talking-head
clips and 300-W-style labelled crops written here (real mp4 and JPEG files, .pts beside each).

Video folder -> face tracks (one per video) -> frames at training size -> labelled crops with
each image's person -> a few training iterations -> the probe, val carved by person. Sizes and
iteration counts are shrunk with extra ``--cfg-options`` items appended to the page's commands.
"""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_tools'))
from converter_helpers import face_frame  # noqa: E402
from doc_commands import TINY_TRAIN, doc_commands, run_commands  # noqa: E402

PEOPLE = ('ann', 'ben', 'cat', 'dov')  # the training videos' people (afw/)
UNSEEN = ('eve', 'fox')  # the probe's test people (helen/testset/)
TINY = {
    'train.py': TINY_TRAIN,
    'probe.py': ['probe_dataset.input_size=32', 'probe_cfg.epochs=3', 'probe_cfg.seeds=2',
                 'probe_cfg.num_vis_images=2', 'probe_cfg.cache=False',
                 'supervised_cfg.epochs=1'],
}


def write_videos(root):
    os.makedirs(root)
    for k, person in enumerate(PEOPLE):
        path = osp.join(root, f'{person}.mp4')
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (160, 160))
        assert writer.isOpened(), path
        for t in range(24):
            frame = face_frame(t)
            if 6 <= t < 18:  # a false alarm's look-alike in a corner: a second, small face
                frame[4:52, 100:148] = cv2.resize(face_frame(0), (48, 48))
            writer.write(np.roll(frame, 3 * k, axis=1))
        writer.release()


def write_labelled(root):
    """68 points inside each drawn face, ``<person>_<frame>.jpg`` beside its ``.pts``."""
    rng = np.random.default_rng(0)
    for folder, people in (('afw', PEOPLE), ('helen/testset', UNSEEN)):
        os.makedirs(osp.join(root, folder), exist_ok=True)
        for person in people:
            for t in range(0, 12, 3):
                stem = osp.join(root, folder, f'{person}_{t:05d}')
                assert cv2.imwrite(stem + '.jpg', face_frame(t))
                cx, cy = 68 + t, 74 + t // 3
                xy = np.stack([cx + rng.uniform(-30, 30, 68), cy + rng.uniform(-40, 40, 68)], 1)
                xy[36], xy[45] = (cx - 25, cy - 12), (cx + 25, cy - 12)  # outer eye corners
                with open(stem + '.pts', 'w') as f:
                    f.write('version: 1\nn_points: 68\n{\n')
                    f.write(''.join(f'{x + 1:.2f} {y + 1:.2f}\n' for x, y in xy))
                    f.write('}\n')


@pytest.mark.slow
def test_the_real_faces_section_runs_as_written(tmp_path):
    write_videos(str(tmp_path / 'VIDEOS'))
    write_labelled(str(tmp_path / 'LABELLED'))
    commands = doc_commands('data.md', 'Real faces')
    assert [c[1] for c in commands] == [
        'tools/dataset_converters/video_folder.py', 'tools/prepare_frames.py',
        'tools/dataset_converters/300w.py', 'tools/train.py', 'tools/probe.py']
    outputs = run_commands(commands, str(tmp_path), TINY, ('iter_2800', 'iter_4'))
    data = tmp_path / 'data' / 'real_faces'
    # one track per video, the false alarms gone, every person training
    videos = json.loads((data / 'annotations' / 'videos_train.json').read_text())['videos']
    assert sorted(v['identity'] for v in videos) == sorted(PEOPLE)
    assert all(len(v['tracks']) == 1 for v in videos)
    assert not osp.isabs(videos[0]['path']) and osp.islink(data / 'source')
    frames = json.loads((data / 'annotations' / 'videos_train_frames.json').read_text())
    assert len(frames['videos']) == len(PEOPLE)
    # labelled crops with their person; paths relative to the data root
    images = json.loads((tmp_path / 'data' / 'real_faces_landmarks' / 'annotations' /
                         'keypoints_train.json').read_text())['images']
    assert {im['identity'] for im in images} == set(PEOPLE)
    assert all(im['file_name'].startswith('source/afw/') for im in images)
    assert (tmp_path / 'work_dirs' / 'real_faces' / 'iter_4.pth').is_file()
    # the probe: val carved by person, the ceiling selected on it
    results = json.loads((tmp_path / 'work_dirs' / 'probes' / 'real_faces' /
                          'results.json').read_text())
    carved = results['meta']['dataset_configs']
    assert carved['val']['holdout']['group'] == 'identity'
    assert {'trained', 'random_init', 'supervised', 'mean_pose'} <= set(results['encoders'])
    assert 'NME' in outputs['probe.py']
