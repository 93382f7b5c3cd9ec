import multiprocessing as mp
import os.path as osp

import numpy as np
import pytest
import torch
from dataset_media import counter_frames, frame_index, write_mp4, write_videos_json
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader

from hierembed.datasets import DefaultPairSampler, InfinitePairSampler, VideoPairDataset
from hierembed.datasets.transforms import crop_matrix, smoothed_box
from hierembed.registry import DATASETS


def _collate():
    from mmengine.registry import FUNCTIONS
    return FUNCTIONS.get('default_collate')


def test_sample_contract(counter_root):
    ds = VideoPairDataset(counter_root, input_size=32, max_gap=5, pairs_per_video=3)
    assert len(ds) == 2 * 3
    s = ds[0]
    assert set(s['inputs']) == {'source', 'target', 'source_clean', 'target_clean'}
    for v in s['inputs'].values():
        assert v.dtype == torch.uint8 and v.shape == (3, 32, 32)
    assert set(s['data_samples']) == {'video_id', 'track_id', 'frame_source', 'frame_target'}
    batch = _collate()([ds[i] for i in range(4)])
    assert batch['inputs']['source'].shape == (4, 3, 32, 32)
    assert len(batch['data_samples']['video_id']) == 4


@pytest.mark.parametrize('max_gap', [1, 3, 5, None])
def test_gap_respected_and_frames_decoded(counter_root, max_gap):
    # With max_gap=1 the sparse track (every third frame) has no pair: skipped, not sampled.
    ds = VideoPairDataset(counter_root, input_size=16, max_gap=max_gap, pairs_per_video=40,
                          jitter=None, skip_invalid=max_gap == 1)
    gaps = []
    for i in range(len(ds)):
        d = ds[i]['data_samples']
        gap = abs(d['frame_source'] - d['frame_target'])
        assert gap >= 1
        if max_gap is not None:
            assert gap <= max_gap
        if d['track_id'] == 1:  # the sparse track holds every third frame only
            assert d['frame_source'] % 3 == 0 and d['frame_target'] % 3 == 0
        gaps.append(gap)
        if i % 10 == 0:  # the clean crops are the frames that the sample names
            s = ds[i]
            assert frame_index(s['inputs']['source_clean']) == d['frame_source']
            assert frame_index(s['inputs']['target_clean']) == d['frame_target']
    if max_gap is None:
        assert max(gaps) > 10


def test_gap_too_small_for_a_sparse_track(counter_root):
    # max_gap=2 cannot pair frames 3 apart: the sparse track is dropped, the others remain.
    ds = VideoPairDataset(counter_root, max_gap=2, skip_invalid=True)
    assert ds.num_skipped == 1 and len(ds.tracks[0]) == 1


def test_deterministic_under_seed_and_fresh_per_pass(counter_root):
    a = VideoPairDataset(counter_root, input_size=16, seed=3)
    b = VideoPairDataset(counter_root, input_size=16, seed=3)
    c = VideoPairDataset(counter_root, input_size=16, seed=4)
    for i in (0, 7, 13):
        sa, sb = a[i], b[i]
        assert sa['data_samples'] == sb['data_samples']
        assert torch.equal(sa['inputs']['source'], sb['inputs']['source'])

    def pairs(ds, off):
        return [tuple(ds[i + off]['data_samples'].values()) for i in range(len(ds))]

    assert pairs(a, 0) != pairs(c, 0)
    assert pairs(a, 0) != pairs(a, len(a))  # the next pass draws other pairs
    # index i + k * len draws from the same video as i
    assert [p[0] for p in pairs(a, 0)] == [p[0] for p in pairs(a, len(a))]


def test_jitter_changes_input_not_target(counter_root):
    ds = VideoPairDataset(counter_root, input_size=32, jitter=dict(rotate=15, scale=0.1,
                                                                   translate=0.1, color=0.4))
    s = ds[0]['inputs']
    assert not torch.equal(s['source'], s['source_clean'])
    plain = VideoPairDataset(counter_root, input_size=32, jitter=None)[0]['inputs']
    assert torch.equal(plain['source'], plain['source_clean'])
    assert torch.equal(plain['source_clean'], s['source_clean'])


def test_crop_puts_a_marker_where_the_box_maps_it(tmp_path):
    # A bright dot at (x, y) = (70, 30) in 96x96 frames, a box around it off-centre.
    frames = np.full((6, 96, 96, 3), 40, np.uint8)
    frames[:, 28:33, 68:73] = 250
    root = str(tmp_path / 'marker')
    write_mp4(osp.join(root, 'videos', 'm.mp4'), frames)
    box = [50, 10, 40, 30]
    write_videos_json(root, [dict(id='m', path='videos/m.mp4', tracks=[
        dict(id=0, boxes={str(t): box for t in range(6)})])])
    ds = VideoPairDataset(root, input_size=64, crop_margin=1.5, jitter=None)
    img = ds[0]['inputs']['source_clean'].numpy().astype(np.float64).mean(0)
    w = np.clip(img - 100, 0, None)
    ys, xs = np.mgrid[:64, :64]
    found = np.array([(xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()])
    m = crop_matrix(box, 64, 1.5)
    expected = m[:, :2] @ np.array([70.0, 30.0]) + m[:, 2]
    np.testing.assert_allclose(found, expected, atol=0.35)


def _dot_centre(img: torch.Tensor) -> np.ndarray:
    """(x, y) of the bright dot in a crop [3, S, S]: the centroid of what is above the grey."""
    w = np.clip(img.numpy().astype(np.float64).mean(0) - 100, 0, None)
    ys, xs = np.mgrid[:img.shape[1], :img.shape[2]]
    return np.array([(xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()])


@pytest.fixture
def moving_box_root(tmp_path):
    """A still 96x96 video with a bright dot at (40, 25) and a box that moves every frame."""
    frames = np.full((6, 96, 96, 3), 40, np.uint8)
    frames[:, 23:28, 38:43] = 250
    root = str(tmp_path / 'moving')
    write_mp4(osp.join(root, 'videos', 'm.mp4'), frames)
    boxes = {str(t): [20 + 2 * t, 10 + t, 30, 24] for t in range(6)}
    write_videos_json(root, [dict(id='m', path='videos/m.mp4',
                                  tracks=[dict(id=0, boxes=boxes)])])
    return root


def test_track_crop_is_one_crop_for_the_whole_track(moving_box_root):
    ds = VideoPairDataset(moving_box_root, input_size=64, jitter=None, crop='track',
                          pairs_per_video=6)
    # The union of the boxes, by hand: x from 20 to 30 + 30, y from 10 to 15 + 24.
    m = crop_matrix([20, 10, 40, 29], 64, 1.2)
    track = ds.tracks[0][0]
    for pos in range(6):
        np.testing.assert_allclose(crop_matrix(ds.crop_box(track, pos), 64, 1.2), m)
    expected = m[:, :2] @ np.array([40.0, 25.0]) + m[:, 2]
    for i in range(6):
        s = ds[i]['inputs']
        for name in ('source_clean', 'target_clean'):
            np.testing.assert_allclose(_dot_centre(s[name]), expected, atol=0.35)


def test_frame_crop_is_the_default_and_follows_each_box(moving_box_root):
    ds = VideoPairDataset(moving_box_root, input_size=64, jitter=None, pairs_per_video=6)
    assert ds.crop_mode == 'frame'
    seen = set()
    for i in range(6):
        s = ds[i]
        for name, key in (('source_clean', 'frame_source'), ('target_clean', 'frame_target')):
            t = s['data_samples'][key]
            seen.add(t)
            m = crop_matrix([20 + 2 * t, 10 + t, 30, 24], 64, 1.2)
            expected = m[:, :2] @ np.array([40.0, 25.0]) + m[:, 2]
            np.testing.assert_allclose(_dot_centre(s['inputs'][name]), expected, atol=0.35)
    assert len(seen) > 2  # several boxes were used, so the crops did move
    with pytest.raises(ValueError, match="crop must be 'frame', 'track' or 'smooth'"):
        VideoPairDataset(moving_box_root, crop='video')


def test_smooth_crop_averages_the_boxes_of_the_window(moving_box_root):
    ds = VideoPairDataset(moving_box_root, input_size=64, jitter=None, crop='smooth',
                          crop_window=3, pairs_per_video=6)
    track = ds.tracks[0][0]
    # Boxes are linear in t, so inside the track the mean of t-1, t, t+1 is box t; the ends
    # average the two frames they have (by hand: t = 0 -> mean of boxes 0 and 1).
    by_hand = {0: [21, 10.5, 30, 24], 5: [29, 14.5, 30, 24]}
    for pos in range(6):
        expected = by_hand.get(pos, [20 + 2 * pos, 10 + pos, 30, 24])
        np.testing.assert_allclose(ds.crop_box(track, pos), expected)
    for i in range(6):
        s = ds[i]
        for name, key in (('source_clean', 'frame_source'), ('target_clean', 'frame_target')):
            t = s['data_samples'][key]
            m = crop_matrix(by_hand.get(t, [20 + 2 * t, 10 + t, 30, 24]), 64, 1.2)
            expected = m[:, :2] @ np.array([40.0, 25.0]) + m[:, 2]
            np.testing.assert_allclose(_dot_centre(s['inputs'][name]), expected, atol=0.35)
    for bad in (0, 4, 2.0):
        with pytest.raises(ValueError, match='crop_window must be an odd positive int'):
            VideoPairDataset(moving_box_root, crop='smooth', crop_window=bad)


def test_smoothed_box_counts_frames_not_positions():
    rng = np.random.default_rng(0)
    boxes = rng.uniform(0, 100, (5, 4))
    frames = np.array([0, 1, 2, 10, 11])  # a gap of 8 frames between positions 2 and 3
    # Window 5 (+-2 frames): position 2 (frame 2) sees frames 0-4, i.e. positions 0-2 only.
    np.testing.assert_allclose(smoothed_box(boxes, frames, 2, 5), boxes[:3].mean(0))
    np.testing.assert_allclose(smoothed_box(boxes, frames, 3, 5), boxes[3:].mean(0))
    np.testing.assert_allclose(smoothed_box(boxes, frames, 3, 1), boxes[3])
    np.testing.assert_allclose(smoothed_box(boxes, frames, 0, 21), boxes[:4].mean(0))
    np.testing.assert_allclose(smoothed_box(boxes, frames, 0, 23), boxes.mean(0))


@pytest.mark.parametrize('config, expected', [
    ('crops_and_jitter/upper_body_r3_track_crop.py', ('track', 9)),
    ('crops_and_jitter/full_body_smooth_crop.py', ('smooth', 9)),
])
def test_crop_experiment_configs_build_their_crop(moving_box_root, config, expected):
    from mmengine.config import Config
    root = osp.join(osp.dirname(__file__), '..', '..')
    cfg = Config.fromfile(osp.join(root, 'configs/experiments', config))
    init_default_scope('hierembed')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.update(data_root=moving_box_root, procedural=None)
    ds = DATASETS.build(ds_cfg)
    assert (ds.crop_mode, ds.crop_window) == expected


def test_registry_build_and_procedural(tmp_path):
    init_default_scope('hierembed')
    root = str(tmp_path / 'gen')
    ds = DATASETS.build(dict(type='VideoPairDataset', data_root=root, input_size=32,
                             procedural=dict(object_class='full_body', num_videos=4,
                                             num_frames=12, size=48, seed=1)))
    assert osp.isfile(osp.join(root, 'annotations', 'videos_train.json'))
    assert ds.metainfo['object_class'] == 'full_body'
    assert ds[0]['inputs']['source'].shape == (3, 32, 32)
    with pytest.raises(ValueError, match="object_class is 'full_body'"):
        VideoPairDataset(root, procedural=dict(object_class='face'))
    # the same data_root asked for with another count, length, size or seed: named, not reused
    same = dict(object_class='full_body', num_videos=4, num_frames=12, size=48, seed=1)
    assert len(VideoPairDataset(root, input_size=32, procedural=same)) == len(ds)
    for key, value in dict(num_videos=16, num_frames=3, size=128, seed=0).items():
        with pytest.raises(ValueError, match=f'videos_train.json: metainfo.{key} is '):
            VideoPairDataset(root, input_size=32, procedural={**same, key: value})


def _generate_in_process(root, q):
    from hierembed.datasets.procedural import ensure_procedural
    q.put(ensure_procedural(root, 'quadruped', num_videos=3, num_frames=6, size=32, seed=0))


def test_procedural_generation_is_safe_from_several_processes(tmp_path):
    root = str(tmp_path / 'race')
    ctx = mp.get_context('fork')
    q = ctx.Queue()
    procs = [ctx.Process(target=_generate_in_process, args=(root, q)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    results = sorted(q.get(timeout=5) for _ in procs)
    assert results == [False, False, True]  # exactly one generated, the others waited
    VideoPairDataset(root, input_size=16)


@pytest.mark.parametrize('context,backend', [('fork', 'decord'), ('fork', 'opencv'),
                                             ('spawn', 'opencv')])
def test_dataloader_workers_match_main_process(counter_root, context, backend):
    ds = VideoPairDataset(counter_root, input_size=16, pairs_per_video=4, backend=backend)
    ds[0]  # a reader opened in the parent: a forked worker must neither use nor destroy it
    # the timeout fails a hang, with room for a busy machine
    loader = DataLoader(ds, batch_size=4, num_workers=2, collate_fn=_collate(),
                        multiprocessing_context=context, timeout=300)
    batches = list(loader)
    ref = _collate()([ds[i] for i in range(len(ds))])
    got = torch.cat([b['inputs']['source'] for b in batches])
    assert torch.equal(got, ref['inputs']['source'])


def test_samplers_shard_across_ranks_and_passes(counter_root):
    ds = VideoPairDataset(counter_root, pairs_per_video=5)
    n = len(ds)

    def take(sampler_cls, rank, count, **kw):
        s = sampler_cls(ds, seed=0, **kw)
        s.rank, s.world_size = rank, 2
        if hasattr(s, '_indices_of_rank'):
            s.indices = s._indices_of_rank()
            it = iter(s)
            return [next(it) for _ in range(count)]
        s.num_samples = (n + 1) // 2
        s.total_size = s.num_samples * 2
        return list(s)

    r0, r1 = take(InfinitePairSampler, 0, n), take(InfinitePairSampler, 1, n)
    first = sorted(r0[:n // 2] + r1[:n // 2])
    assert first == list(range(n))  # one pass, split between the ranks
    assert min(r0[n // 2:] + r1[n // 2:]) >= n  # the second pass draws fresh pairs
    ref0 = take(InfiniteSampler, 0, n)
    assert [i % n for i in r0] == ref0  # same order and sharding as mmengine's
    d = DefaultPairSampler(ds, seed=0)
    d.set_epoch(2)
    assert sorted(d) == [2 * n + i for i in range(n)]
    plain = DefaultSampler(ds, seed=0)
    plain.set_epoch(2)
    assert [i - 2 * n for i in d] == list(plain)


def _collect_garbage(_):
    import gc
    gc.collect()


@pytest.mark.parametrize('backend', ['decord', 'opencv'])
def test_worker_survives_collecting_a_parent_reader(counter_root, backend):
    """Freeing an FFmpeg context in a forked child hangs it: readers that the parent held only
    through garbage (here a reference cycle) must not be freed by the child's collector."""
    import gc
    gc.disable()
    try:
        old = VideoPairDataset(counter_root, input_size=16, backend=backend)
        old[0]
        old.cycle = old  # collectable only by the cyclic GC, which the worker will run
        del old
        ds = VideoPairDataset(counter_root, input_size=16, pairs_per_video=2, backend=backend)
        loader = DataLoader(ds, batch_size=2, num_workers=1, collate_fn=_collate(),
                            multiprocessing_context='fork', timeout=20,
                            worker_init_fn=_collect_garbage)
        assert len(list(loader)) == 2
    finally:
        gc.enable()


def test_mmengine_builds_the_loader_from_a_config(counter_root):
    from mmengine.runner import Runner
    init_default_scope('hierembed')
    loader = Runner.build_dataloader(dict(
        batch_size=3, num_workers=0,
        sampler=dict(type='InfinitePairSampler', shuffle=True),
        collate_fn=dict(type='default_collate'),
        dataset=dict(type='VideoPairDataset', data_root=counter_root, input_size=16,
                     max_gap=5, pairs_per_video=2)), seed=0)
    it = iter(loader)
    batches = [next(it) for _ in range(3)]  # 9 pairs from a 4-pair dataset: no wrap-around
    assert batches[0]['inputs']['source'].shape == (3, 3, 16, 16)
    assert batches[2]['inputs']['target_clean'].dtype == torch.uint8


def _wide_frames(num_frames=4, width=96, height=54):
    """Frames whose left and right quarters are red and whose centre is blue (RGB)."""
    frames = np.zeros((num_frames, height, width, 3), np.uint8)
    frames[..., 2] = 200
    frames[:, :, :width // 4] = (200, 0, 0)
    frames[:, :, -width // 4:] = (200, 0, 0)
    return frames


@pytest.mark.parametrize('tracks', [False, True])
def test_whole_frames_are_cropped_inside_the_frame(tmp_path, tracks):
    from hierembed.datasets.transforms import outside_fraction
    root = str(tmp_path)
    write_mp4(osp.join(root, 'videos', 'wide.mp4'), _wide_frames())
    video = dict(id='wide', path='videos/wide.mp4')
    if tracks:  # what video_folder.py --detector none --split-shots writes
        video['tracks'] = [dict(id=0, boxes={str(t): [0, 0, 96, 54] for t in range(4)})]
    write_videos_json(root, [video])
    ds = VideoPairDataset(root, input_size=32, jitter=None, max_gap=None)
    box = ds.crop_box(ds.tracks[0][0], 0)
    # the centred 54 x 54 square, after the 1.2 margin
    np.testing.assert_allclose(box, [21 + 4.5, 4.5, 45, 45])
    assert outside_fraction(box, 96, 54, 1.2) == pytest.approx(0.0)
    crop = ds[0]['inputs']['source_clean'].numpy()
    assert crop[2].mean() > 150 and crop[0].mean() < 60  # the blue centre, no red sides
    pad = VideoPairDataset(root, input_size=32, jitter=None, max_gap=None, whole_frame='pad')
    assert outside_fraction(pad.crop_box(pad.tracks[0][0], 0), 96, 54, 1.2) > 0.5


def test_procedural_on_own_data_never_advises_deleting_it(tmp_path):
    root = str(tmp_path)
    write_mp4(osp.join(root, 'videos', 'a.mp4'), counter_frames(4, 32))
    write_videos_json(root, [dict(id='a', path='videos/a.mp4')],
                      metainfo=dict(object_class='object', source='video_folder', version=1))
    with pytest.raises(ValueError) as e:
        VideoPairDataset(root, procedural=dict(object_class='upper_body'))
    msg = str(e.value)
    assert "holds 'video_folder' data, not a procedural render" in msg
    assert 'train_dataloader.dataset.procedural=None' in msg and 'configs/own_videos.py' in msg
    assert 'delete' not in msg


def test_video_ids_train_on_the_chosen_videos_only(counter_root):
    ds = VideoPairDataset(counter_root, input_size=16, max_gap=5, pairs_per_video=4,
                          jitter=None, video_ids=['v1'])
    assert len(ds) == 4 and [v['id'] for v in ds.videos] == ['v1']
    assert {ds[i]['data_samples']['video_id'] for i in range(len(ds))} == {'v1'}
    both = VideoPairDataset(counter_root, input_size=16, max_gap=5, pairs_per_video=4,
                            jitter=None, video_ids=('v1', 'v0'))
    assert [v['id'] for v in both.videos] == ['v0', 'v1']  # the file's order


def test_video_ids_name_the_file_and_the_missing_id(counter_root):
    from hierembed.datasets.validation import DatasetFormatError
    with pytest.raises(DatasetFormatError, match=r"videos_train\.json: videos: no video with id "
                       r"'v7' \(named by the dataset's video_ids\)"):
        VideoPairDataset(counter_root, video_ids=['v0', 'v7'])
    with pytest.raises(ValueError, match='video_ids'):
        VideoPairDataset(counter_root, video_ids='v0')  # a string is not a list of ids


def test_video_ids_skip_the_unchosen_and_keep_the_files_indices(tmp_path):
    # A broken entry that is not chosen is never read; a chosen broken one is named by its
    # index in the file, not in the selection.
    root = str(tmp_path / 'r')
    write_mp4(osp.join(root, 'videos', 'v0.mp4'), counter_frames(10))
    write_videos_json(root, [dict(id='bad', path='videos/missing.mp4'),
                             dict(id='v0', path='videos/v0.mp4'),
                             dict(id='also_bad', path='videos/missing2.mp4')])
    ds = VideoPairDataset(root, input_size=16, max_gap=2, pairs_per_video=2, video_ids=['v0'])
    assert len(ds) == 2
    from hierembed.datasets import DatasetFormatError
    with pytest.raises(DatasetFormatError, match=r"videos\[2\] \(id 'also_bad'\)\.path"):
        VideoPairDataset(root, input_size=16, max_gap=2, video_ids=['v0', 'also_bad'])
