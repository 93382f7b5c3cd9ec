"""tools/prepare_frames.py: frames at training resolution give the same pairs as the video."""
import json
import os
import os.path as osp
import sys

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_datasets'))
from dataset_media import counter_frames, frame_index, write_mp4, write_videos_json  # noqa: E402
from prepare_frames import main, video_scale  # noqa: E402

from hierembed.datasets import VideoPairDataset  # noqa: E402


def test_video_scale_keeps_the_smallest_crop_at_input_size():
    video = dict(tracks=[dict(boxes={'0': [0, 0, 20, 10], '5': [0, 0, 40, 40]})])
    assert video_scale(video, 100, 100, input_size=12, margin=1.2) == 0.5  # 12 / (1.2 x 20)
    assert video_scale(video, 100, 100, input_size=64, margin=1.2) == 1.0  # never enlarged
    assert video_scale(dict(id='x'), 80, 100, input_size=60, margin=1.2) == 0.5  # whole frame


def test_frames_give_the_same_pairs(tmp_path):
    root = str(tmp_path)
    write_mp4(osp.join(root, 'videos', 'v0.mp4'), counter_frames(30))
    write_mp4(osp.join(root, 'videos', 'v1.mp4'), counter_frames(20))
    boxes = {str(t): [8 + t % 3, 8, 40, 40] for t in range(0, 30, 2)}
    write_videos_json(root, [dict(id='v0', path='videos/v0.mp4', num_frames=30,
                                  tracks=[dict(id=3, boxes=boxes)]),
                             dict(id='v1', path='videos/v1.mp4')])
    os.makedirs(osp.join(root, 'frames_24px', 'v0.tmp'))  # left by an interrupted run
    main([root, '--input-size', '24'])  # 24 / (1.2 x 40) = 0.5: frames of 32 x 32
    ann = osp.join(root, 'annotations', 'videos_train_frames.json')
    with open(ann) as f:
        videos = json.load(f)['videos']
    assert videos[0]['path'] == osp.join('frames_24px', 'v0')
    assert videos[0]['tracks'][0]['boxes']['2'] == [5.0, 4.0, 20.0, 20.0]
    assert len(os.listdir(osp.join(root, 'frames_24px', 'v0'))) == 30
    assert not osp.exists(osp.join(root, 'frames_24px', 'v0.tmp'))
    kw = dict(input_size=24, jitter=None, max_gap=4, pairs_per_video=6)
    from_video = VideoPairDataset(root, **kw)
    from_frames = VideoPairDataset(root, ann_file='annotations/videos_train_frames.json', **kw)
    # v1 has no tracks: its whole frame (1.2 x 64 px) shrinks to 24 / 76.8 of 64 = 20 px
    assert from_frames.videos[0]['height'] == 32 and from_frames.videos[1]['height'] == 20
    for i in range(len(from_video)):
        a, b = from_video[i], from_frames[i]
        assert a['data_samples'] == b['data_samples']
        for key in ('source', 'target'):
            img_a, img_b = a['inputs'][key].numpy(), b['inputs'][key].numpy()
            assert frame_index(img_b) == frame_index(img_a)
            assert np.abs(img_a.astype(int) - img_b.astype(int)).mean() < 3
