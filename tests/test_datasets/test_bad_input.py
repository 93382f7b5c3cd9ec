"""Every kind of bad input fails when the dataset is built, naming the file and the field; with
``skip_invalid=True`` it is counted, logged and left out; nothing hangs a DataLoader worker."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from dataset_media import counter_frames, random_instances, write_coco, write_mp4, write_videos_json
from torch.utils.data import DataLoader

from hierembed.datasets import (DatasetFormatError, KeypointDataset, VideoDecodeError,
                                VideoPairDataset)
from hierembed.datasets.validation import progress


@pytest.fixture
def good_video(tmp_path):
    return write_mp4(str(tmp_path / 'root' / 'videos' / 'good.mp4'), counter_frames(20))


def _root(tmp_path):
    return str(tmp_path / 'root')


def _video_entry(name='bad', path=None, **kw):
    return dict(id=name, path=path or f'videos/{name}.mp4', **kw)


def _expect(tmp_path, videos, *patterns, raw=None, kept=('good',)):
    """Build with the given entries (and one good video); the error must match every pattern,
    and skip_invalid=True must build with the videos ``kept`` (bad boxes go, a video with
    enough good ones stays)."""
    root = _root(tmp_path)
    ann = write_videos_json(root, [_video_entry('good', num_frames=20)] + videos)
    if raw is not None:
        with open(ann, 'w') as f:
            f.write(raw)
    with pytest.raises(DatasetFormatError) as err:
        VideoPairDataset(root, max_gap=5)
    msg = str(err.value)
    assert 'videos_train.json' in msg
    for p in patterns:
        assert p in msg, (p, msg)
    if raw is None:
        ds = VideoPairDataset(root, max_gap=5, skip_invalid=True)
        assert [v['id'] for v in ds.videos] == list(kept) and ds.num_skipped >= 1
        ds[0]
    return msg


def test_corrupt_video(tmp_path, good_video):
    with open(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), 'wb') as f:
        f.write(np.random.default_rng(0).bytes(30000))
    _expect(tmp_path, [_video_entry()], "videos[1] (id 'bad').path", 'bad.mp4',
            'cannot open video')


def test_truncated_video(tmp_path, good_video):
    data = open(good_video, 'rb').read()
    with open(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), 'wb') as f:
        f.write(data[:len(data) // 2])
    _expect(tmp_path, [_video_entry()], "(id 'bad').path", 'bad.mp4')


def test_empty_video(tmp_path, good_video):
    open(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), 'wb').close()
    _expect(tmp_path, [_video_entry()], "(id 'bad').path", 'empty file')


def test_missing_video(tmp_path, good_video):
    _expect(tmp_path, [_video_entry(path='videos/nowhere.mp4')], "(id 'bad').path",
            'nowhere.mp4', 'no such file')


def test_video_of_one_frame(tmp_path, good_video):
    write_mp4(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), counter_frames(1))
    _expect(tmp_path, [_video_entry()], "(id 'bad').path", 'a pair needs two')


def test_video_shorter_than_declared(tmp_path, good_video):
    write_mp4(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), counter_frames(8))
    _expect(tmp_path, [_video_entry(num_frames=30)], "(id 'bad').num_frames", 'decodes to 8')


def test_boxes_beyond_the_video(tmp_path, good_video):
    write_mp4(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), counter_frames(8))
    boxes = {str(t): [0, 0, 10, 10] for t in range(6, 12)}
    _expect(tmp_path, [_video_entry(tracks=[dict(id=0, boxes=boxes)])],
            "(id 'bad').tracks[0].boxes['8']", 'outside the video', 'shorter',
            kept=('good', 'bad'))


def test_box_outside_the_frame(tmp_path, good_video):
    write_mp4(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), counter_frames(8))
    boxes = {str(t): [0, 0, 10, 10] for t in range(8)}
    boxes['3'] = [70, 10, 10, 10]  # the frame is 64 x 64
    _expect(tmp_path, [_video_entry(tracks=[dict(id=0, boxes=boxes)])],
            "(id 'bad').tracks[0].boxes['3']", 'outside the 64x64 frame', kept=('good', 'bad'))
    # skipping drops just that box: the rest of the track stays usable
    ds = VideoPairDataset(_root(tmp_path), max_gap=5, skip_invalid=True)
    assert 3 not in ds.tracks[1][0].frames.tolist() and ds.num_skipped == 1


def test_nan_in_a_box(tmp_path, good_video):
    write_mp4(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), counter_frames(8))
    boxes = {str(t): [0, 0, 10, 10] for t in range(2)}
    boxes['1'] = [0, float('nan'), 10, 10]
    _expect(tmp_path, [_video_entry(tracks=[dict(id=0, boxes=boxes)])],
            "(id 'bad').tracks[0].boxes['1']", 'finite numbers')


@pytest.mark.parametrize('raw,patterns', [
    ('{"videos": [', ['not valid JSON', 'line 1']),
    ('[1, 2]', ['(top level)', 'JSON object']),
    ('{"metainfo": {}}', ['videos: missing']),
    ('{"videos": {"a": 1}}', ['videos: expected a list']),
])
def test_json_that_is_not_the_format(tmp_path, good_video, raw, patterns):
    _expect(tmp_path, [], *patterns, raw=raw)


@pytest.mark.parametrize('entry,field', [
    (dict(id='x'), 'videos[1].path: missing'),
    (dict(id=3, path='videos/good.mp4'), 'videos[1].id'),
    (dict(id='good', path='videos/good.mp4'), "(id 'good').id: duplicate id"),
    (dict(id='x', path='videos/good.mp4', tracks={'0': {}}), "(id 'x').tracks: expected a list"),
    (dict(id='x', path='videos/good.mp4', tracks=[dict(boxes={'a': [0, 0, 5, 5]})]),
     "(id 'x').tracks[0].boxes['a']: frame key"),
    (dict(id='x', path='videos/good.mp4', num_frames='20'), "(id 'x').num_frames"),
])
def test_entries_that_are_not_the_format(tmp_path, good_video, entry, field):
    _expect(tmp_path, [entry], field)


def test_missing_annotation_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='videos_val.json'):
        VideoPairDataset(str(tmp_path), split='val')


def test_everything_bad_is_an_error_even_when_skipping(tmp_path):
    root = _root(tmp_path)
    write_videos_json(root, [_video_entry(path='videos/none.mp4')])
    with pytest.raises(DatasetFormatError, match='no usable video'):
        VideoPairDataset(root, skip_invalid=True)


def _break_after_validation(tmp_path, skip):
    root = _root(tmp_path)
    paths = [write_mp4(osp.join(root, 'videos', f'v{i}.mp4'), counter_frames(20))
             for i in range(2)]
    write_videos_json(root, [_video_entry(f'v{i}') for i in range(2)])
    ds = VideoPairDataset(root, max_gap=5, pairs_per_video=2, skip_invalid=skip, input_size=16)
    # The file goes bad after the validation pass (a disk error, a sync in progress).
    with open(paths[0], 'wb') as f:
        f.write(b'\0' * 5000)
    return ds


def test_video_breaking_later_raises_from_the_worker(tmp_path):
    ds = _break_after_validation(tmp_path, skip=False)
    loader = DataLoader(ds, batch_size=2, num_workers=1, timeout=30,
                        multiprocessing_context='fork', collate_fn=lambda b: b)
    with pytest.raises(VideoDecodeError, match=r"video 'v0'.*v0\.mp4"):
        list(loader)


def test_video_breaking_later_is_skipped_when_asked(tmp_path):
    ds = _break_after_validation(tmp_path, skip=True)
    loader = DataLoader(ds, batch_size=2, num_workers=1, timeout=30,
                        multiprocessing_context='fork', collate_fn=lambda b: b)
    ids = [s['data_samples']['video_id'] for b in loader for s in b]
    assert ids == ['v1'] * 4


def test_corrupt_frame_in_a_folder(tmp_path):
    root = _root(tmp_path)
    folder = osp.join(root, 'clips', 'c0')
    os.makedirs(folder)
    for t, f in enumerate(counter_frames(6)):
        cv2.imwrite(osp.join(folder, f'{t:06d}.png'), f)
    write_videos_json(root, [_video_entry('c0', path='clips/c0')])
    ds = VideoPairDataset(root, max_gap=None, pairs_per_video=30, jitter=None)
    with open(osp.join(folder, '000002.png'), 'wb') as f:
        f.write(b'not a png')
    with pytest.raises(VideoDecodeError, match=r'000002\.png'):
        for i in range(len(ds)):
            ds[i]


# ------------------------------------------------------------------------- keypoint sets
def _coco(tmp_path, mutate=None, n_kp=4, count=3):
    root = _root(tmp_path)
    insts = random_instances(np.random.default_rng(0), n_kp, count)
    path = write_coco(root, [f'k{i}' for i in range(n_kp)], insts)
    if mutate is not None:
        with open(path) as f:
            data = json.load(f)
        mutate(data)
        with open(path, 'w') as f:
            json.dump(data, f)
    return root


def _kp_expect(tmp_path, mutate, *patterns, skippable=True):
    root = _coco(tmp_path, mutate)
    with pytest.raises(DatasetFormatError) as err:
        KeypointDataset(root)
    msg = str(err.value)
    assert 'keypoints_train.json' in msg
    for p in patterns:
        assert p in msg, (p, msg)
    if skippable:
        ds = KeypointDataset(root, skip_invalid=True)
        assert len(ds) == 2 and ds.num_skipped == 1
        ds[0]


def test_missing_image(tmp_path):
    root = _coco(tmp_path)
    os.remove(osp.join(root, 'images', '0001.png'))
    with pytest.raises(DatasetFormatError, match=r'images\[1\] \(id 2\)\.file_name.*0001\.png'):
        KeypointDataset(root)
    assert len(KeypointDataset(root, skip_invalid=True)) == 2


def test_keypoints_outside_the_image(tmp_path):
    def m(d):
        d['annotations'][1]['keypoints'][3:5] = [130.0, 20.0]
    _kp_expect(tmp_path, m, 'annotations[1] (id 101).keypoints', "['k1']", 'outside the 120x100')


def test_nan_in_keypoints(tmp_path):
    def m(d):
        d['annotations'][0]['keypoints'][4] = float('nan')
    _kp_expect(tmp_path, m, 'annotations[0] (id 100).keypoints', 'finite numbers')


def test_wrong_number_of_keypoints(tmp_path):
    def m(d):
        d['annotations'][2]['keypoints'] = d['annotations'][2]['keypoints'][:-3]
    _kp_expect(tmp_path, m, 'annotations[2] (id 102).keypoints', 'expected 12 finite numbers')


def test_bbox_outside_the_image(tmp_path):
    def m(d):
        d['annotations'][0]['bbox'] = [-50, 10, 20, 20]
    _kp_expect(tmp_path, m, 'annotations[0] (id 100).bbox', 'outside the 120x100 image')


def test_bad_visibility(tmp_path):
    def m(d):
        d['annotations'][0]['keypoints'][2] = 3
    _kp_expect(tmp_path, m, 'annotations[0] (id 100).keypoints', 'visibility must be 0, 1 or 2')


@pytest.mark.parametrize('mutate,pattern', [
    (lambda d: d.pop('categories'), 'categories: missing'),
    (lambda d: d.update(images={}), 'images: expected a list'),
    (lambda d: d['categories'][0].update(keypoints='k0'), 'categories[0].keypoints'),
    (lambda d: d['categories'][0].update(skeleton=[[0, 1]]), 'categories[0].skeleton'),
])
def test_coco_that_is_not_the_format(tmp_path, mutate, pattern):
    _kp_expect(tmp_path, mutate, pattern, skippable=False)


def test_protocol_needs_its_keypoints(tmp_path):
    root = _coco(tmp_path)
    with pytest.raises(ValueError, match='needs two keypoints `eyes`'):
        KeypointDataset(root, norm_type='interocular')
    ok = KeypointDataset(root, norm_type='interocular', norm_kwargs=dict(eyes=('k0', 'k1')))
    assert float(ok[0]['norm']) > 0

    def unlabel(d):
        d['annotations'][1]['keypoints'][2] = 0
    root = _coco(tmp_path, unlabel)
    with pytest.raises(DatasetFormatError, match=r'annotations\[1\].*k0 and k1 labelled'):
        KeypointDataset(root, norm_type='torso', norm_kwargs=dict(torso=('k0', 'k1')))


def test_large_sets_show_progress_and_keep_every_item():
    assert list(progress(iter(range(120)), 120, 'checking')) == list(range(120))


# ------------------------------------------------------- reliability corpus (issue 14 cases)
@pytest.fixture
def mm_log():
    """The messages mmengine's current logger writes during the test."""
    import logging

    from mmengine.logging import MMLogger

    class Keep(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    messages, handler, logger = [], Keep(), MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


def _skip_logged(log, count, kept, what):
    assert any(f'skipped {count} invalid entries, kept {kept} {what}' in m for m in log), log


def test_duplicate_annotation_id(tmp_path, mm_log):
    def m(d):
        d['annotations'][1]['id'] = 100
    _kp_expect(tmp_path, m, 'annotations[1] (id 100).id', 'duplicate annotation id',
               'annotations[0] has it too')
    _skip_logged(mm_log, 1, 2, 'instances')
    ds = KeypointDataset(_root(tmp_path), skip_invalid=True)
    assert [s['id'] for s in ds.samples] == [100, 102]  # the first one, and only once


def test_duplicate_image_id(tmp_path, mm_log):
    def m(d):
        d['images'][1]['id'] = 1
    root = _coco(tmp_path, m)
    with pytest.raises(DatasetFormatError, match=r'images\[1\] \(id 1\)\.id: duplicate image id: '
                                                 r'images\[0\] has it too'):
        KeypointDataset(root)
    ds = KeypointDataset(root, skip_invalid=True)
    # both images of id 1 go, and with them annotations 0 (image 1) and 1 (image 2, now gone)
    assert ds.num_skipped == 3 and [s['image_id'] for s in ds.samples] == [3]
    assert ds.samples[0]['path'].endswith('0002.png')
    _skip_logged(mm_log, 3, 1, 'instances')


def test_unknown_category_is_counted_and_other_categories_are_logged(tmp_path, mm_log):
    def m(d):
        d['annotations'][2]['category_id'] = 7
        d['categories'].append(dict(id=2, name='car'))
        d['annotations'].append(dict(d['annotations'][0], id=200, category_id=2))
    _kp_expect(tmp_path, m, 'annotations[2] (id 102).category_id', '7 is the id of no category',
               'the keypoint category is 1')
    _skip_logged(mm_log, 1, 2, 'instances')
    assert any("left out 1 annotations of categories other than 'test_set'" in m for m in mm_log)


def test_image_smaller_than_declared(tmp_path, mm_log):
    def m(d):
        d['images'][0].update(width=240, height=200)
    root = _coco(tmp_path, m)
    with pytest.raises(DatasetFormatError, match=r'images\[0\] \(id 1\)\.width/height: declares '
                                                 r'240x200 but .*0000\.png is 120x100'):
        KeypointDataset(root)
    ds = KeypointDataset(root, skip_invalid=True)
    assert ds.num_skipped == 2 and [s['image_id'] for s in ds.samples] == [2, 3]
    _skip_logged(mm_log, 2, 2, 'instances')


def test_unreadable_image(tmp_path):
    root = _coco(tmp_path)
    with open(osp.join(root, 'images', '0001.png'), 'wb') as f:
        f.write(b'not a png at all')
    with pytest.raises(DatasetFormatError, match=r'images\[1\] \(id 2\)\.file_name: .*0001\.png: '
                                                 'not a readable image'):
        KeypointDataset(root)


@pytest.mark.parametrize('bbox,pattern', [
    ([10, 10, 1e-4, 1e-4], 'is 0.0001 x 0.0001 px, under the 1-px minimum'),
    ([10, 10, 1e9, 1e9], 'of it lies inside the 120x100 image'),
])
def test_absurd_keypoint_boxes(tmp_path, mm_log, bbox, pattern):
    def m(d):
        d['annotations'][0]['bbox'] = bbox
    _kp_expect(tmp_path, m, 'annotations[0] (id 100).bbox', pattern)
    _skip_logged(mm_log, 1, 2, 'instances')


@pytest.mark.parametrize('box,pattern', [
    ([5, 5, 0.001, 0.001], 'under the 1-px minimum'),
    # 100 x 64 x 64 / 1e18 = 4.1e-13 %
    ([0, 0, 1e9, 1e9], 'only 4.1e-13% of it lies inside the 64x64 frame'),
])
def test_absurd_video_boxes(tmp_path, good_video, mm_log, box, pattern):
    write_mp4(osp.join(_root(tmp_path), 'videos', 'bad.mp4'), counter_frames(8))
    boxes = {str(t): [0, 0, 10, 10] for t in range(8)}
    boxes['3'] = box
    _expect(tmp_path, [_video_entry(tracks=[dict(id=0, boxes=boxes)])],
            "(id 'bad').tracks[0].boxes['3']", pattern, kept=('good', 'bad'))
    _skip_logged(mm_log, 1, 2, 'videos')


def test_same_video_file_under_two_ids(tmp_path, good_video, mm_log):
    _expect(tmp_path, [_video_entry('again', path='videos/./good.mp4')],
            "videos[1] (id 'again').path", "is also videos[0] (id 'good')", 'twice as often')
    _skip_logged(mm_log, 1, 1, 'videos')
