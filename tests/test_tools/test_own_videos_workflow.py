"""docs/own_videos.md, run as written: the page's commands, in order, on real clips written here.

A folder of videos -> dataset -> contact sheet -> a few training iterations -> embeddings ->
landmarks on one frame carried to all -> probe on labelled frames. Sizes and iteration counts are
shrunk with extra ``--cfg-options`` items appended to the page's own commands.
"""
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
from doc_commands import TINY_TRAIN, doc_commands, run_commands

CLIPS = {'alice/walk.mp4': (200, 170, 150), 'alice/run.mp4': (200, 170, 150),
         'bob/clip.mp4': (120, 200, 220), 'carol/clip.mp4': (220, 120, 200),
         'dan/clip.mp4': (150, 220, 120), 'erin/clip.mp4': (230, 230, 110),
         'fay/clip.mp4': (110, 140, 230), 'gus/clip.mp4': (230, 110, 110),
         'hal/clip.mp4': (140, 230, 230), 'ivy/clip.mp4': (200, 200, 200),
         'jon/clip.mp4': (90, 180, 140)}  # 10 identities: one each to val and test
FRAMES, WIDTH, HEIGHT = 16, 96, 54
TINY = {
    'train.py': TINY_TRAIN + ['default_hooks.logger.interval=1'],
    'probe.py': ['probe_cfg.epochs=3', 'probe_cfg.num_vis_images=2', 'probe_cfg.cache=False'],
}


def face(t, colour, x0=20, speed=2):
    """A drawn face moving right; its nose and chin (x, y)."""
    cx, cy = x0 + speed * t, 27
    frame = np.full((HEIGHT, WIDTH, 3), 35, np.uint8)
    cv2.circle(frame, (cx, cy), 14, colour, -1)
    for dx in (-5, 5):
        cv2.circle(frame, (cx + dx, cy - 4), 2, (20, 20, 20), -1)
    cv2.line(frame, (cx - 4, cy + 7), (cx + 4, cy + 7), (40, 40, 90), 2)
    return frame, [(cx, cy), (cx, cy + 14)]


def write_clips(root):
    for name, colour in CLIPS.items():
        path = osp.join(root, 'my_videos', name)
        os.makedirs(osp.dirname(path), exist_ok=True)
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (WIDTH, HEIGHT))
        for t in range(FRAMES):
            writer.write(face(t, colour)[0])
        writer.release()


def write_labels(data_root):
    """COCO keypoints of drawn faces (other positions than the clips'), train and test."""
    os.makedirs(osp.join(data_root, 'labelled'), exist_ok=True)
    rng = np.random.default_rng(0)
    for split, count in (('train', 30), ('test', 10)):
        images, anns = [], []
        for i in range(count):
            colour = tuple(int(c) for c in rng.integers(100, 240, 3))
            frame, (nose, chin) = face(0, colour, x0=int(rng.integers(16, 80)))
            name = f'labelled/{split}_{i:03d}.png'
            assert cv2.imwrite(osp.join(data_root, name), frame)
            images.append(dict(id=i + 1, file_name=name, width=WIDTH, height=HEIGHT))
            anns.append(dict(id=i + 1, image_id=i + 1, category_id=1, iscrowd=0, area=900.0,
                             bbox=[nose[0] - 15, nose[1] - 15, 30, 30], num_keypoints=2,
                             keypoints=[*nose, 2, *chin, 2]))
        with open(osp.join(data_root, 'annotations', f'keypoints_{split}.json'), 'w') as f:
            json.dump(dict(images=images, annotations=anns, categories=[dict(
                id=1, name='drawn_face', keypoints=['nose', 'chin'], skeleton=[[1, 2]])]), f)


@pytest.mark.slow
def test_the_page_runs_on_a_real_clip(tmp_path):
    write_clips(str(tmp_path))
    anchor = face(0, (0, 0, 0))[1]
    commands = doc_commands('own_videos.md')
    tools = [c[1] for c in commands]
    assert tools == ['tools/dataset_converters/video_folder.py', 'tools/check_dataset.py',
                     'tools/train.py', 'tools/embed.py', 'tools/propagate.py', 'tools/probe.py']

    def before(tool):
        if tool == 'propagate.py':  # the page's anchor file, with this clip's points
            (tmp_path / 'anchor.json').write_text(json.dumps(dict(
                keypoint_names=['nose', 'chin'], frames={'0': [list(p) for p in anchor]})))
        if tool == 'probe.py':
            write_labels(str(tmp_path / 'data' / 'my_class'))
    outputs = run_commands(commands, str(tmp_path), TINY, ('iter_2400', 'iter_4'), before)
    work = tmp_path / 'work_dirs' / 'own_videos_my_class'
    # 1. the converter's next commands are the page's
    assert ('python tools/train.py configs/own_videos.py --cfg-options '
            'train_dataloader.dataset.data_root=data/my_class') in outputs['video_folder.py']
    # 2. the contact sheet and the training named after the data; the warp picture logged
    assert (tmp_path / 'work_dirs' / 'check_dataset' / 'own_videos_my_class.png').is_file()
    assert (work / 'iter_4.pth').is_file()
    pictures = re.findall(r'warp picture: (\S+\.png)', outputs['train.py'])
    assert pictures and all(osp.isfile(p) for p in pictures)
    if not torch.cuda.is_available():
        assert 'GPU number' not in outputs['train.py']
        assert 'processes (CPU): 1' in outputs['train.py']
    assert '"FileClient" will be deprecated' not in outputs['train.py']
    assert re.search(r'Held-out warp \(val, \d+ pairs\) at iteration 4: level 1 ',
                     outputs['train.py'])
    # 3. embeddings of every frame of every clip
    z = np.load(work / 'embeddings.npz')
    assert z['embeddings'].shape == (len(CLIPS) * FRAMES, 32)
    assert len(z['videos']) == len(CLIPS)
    # 4. the anchor's points on all 16 frames, the anchor pinned
    points = json.load(open(work / 'propagate' / 'walk_points.json'))
    assert len(points['frames']) == FRAMES
    assert points['frames'][0]['points'] == [list(map(float, p)) for p in anchor]
    assert (work / 'propagate' / 'walk.mp4').is_file()
    assert (work / 'propagate' / 'walk_strip.png').is_file()
    # 5. the probe's tables, its warnings and where its results went
    results_md = re.findall(r'results: (\S+results\.md)', outputs['probe.py'])
    assert results_md and (tmp_path / results_md[0]).is_file()
    assert osp.normpath(results_md[0]) == osp.join('work_dirs', 'probes', 'own_keypoints',
                                                   'results.md')
    assert 'only 10 test instances' in outputs['probe.py']
    assert 'PCK@0.2' in outputs['probe.py']
