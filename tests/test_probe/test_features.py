"""The embedding cache: hits when nothing changed, misses when the checkpoint or data did."""
import json

import numpy as np
from probe_toys import ProbeToyEmbedder, ProbeToyKeypointDataset, save_toy_checkpoint

from hierembed.apis import init_embedder
from hierembed.apis.inference import embed_images
from hierembed.probe import FeatureCache, dataset_fingerprint, encoder_fingerprint, extract_split

MODEL = dict(type='ProbeToyEmbedder', input_size=32)


def _run(dataset, ckpt, cache, data_cfg):
    model = init_embedder(dict(model=MODEL), ckpt)
    fps = {'trained': encoder_fingerprint(MODEL, checkpoint=ckpt)}
    return extract_split(dataset, {'trained': lambda x: embed_images(model, x)}, fps,
                         dataset_fingerprint(data_cfg, dataset), cache, batch_size=16,
                         progress=False)


def test_cache_hit_and_invalidation(tmp_path):
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps({'offset': 0.0}))
    data_cfg = dict(type='ProbeToyKeypointDataset', split='test', num=20)
    dataset = ProbeToyKeypointDataset('test', num=20, ann_file=str(ann))
    ckpt_a = save_toy_checkpoint(str(tmp_path / 'a.pth'), seed=1)
    cache = FeatureCache(str(tmp_path / 'cache'))

    calls = ProbeToyEmbedder.calls
    targets, feats = _run(dataset, ckpt_a, cache, data_cfg)
    assert ProbeToyEmbedder.calls - calls == 2  # 20 images, batches of 16
    assert feats['trained'].shape == (20, 48) and targets.keypoints.shape == (20, 5, 2)
    np.testing.assert_array_equal(targets.keypoints, dataset.kpts)
    assert targets.input_size == 32

    calls = ProbeToyEmbedder.calls
    targets2, feats2 = _run(dataset, ckpt_a, cache, data_cfg)
    assert ProbeToyEmbedder.calls == calls  # served from disk
    np.testing.assert_array_equal(feats2['trained'], feats['trained'])
    np.testing.assert_array_equal(targets2.keypoints_visible, targets.keypoints_visible)

    # new weights at the same path: a new entry, not the stale one
    save_toy_checkpoint(str(tmp_path / 'a.pth'), seed=2)
    _, feats3 = _run(dataset, ckpt_a, cache, data_cfg)
    assert ProbeToyEmbedder.calls == calls + 2
    assert not np.allclose(feats3['trained'], feats['trained'])

    # new annotation bytes under the same config: the targets are re-read
    ann.write_text(json.dumps({'offset': 1.0}))
    dataset = ProbeToyKeypointDataset('test', num=20, ann_file=str(ann))
    targets4, _ = _run(dataset, ckpt_a, cache, data_cfg)
    np.testing.assert_allclose(targets4.keypoints, targets.keypoints + 1.0)


def test_no_cache_dir_always_computes(tmp_path):
    dataset = ProbeToyKeypointDataset('val', num=8)
    ckpt = save_toy_checkpoint(str(tmp_path / 'a.pth'), seed=1)
    calls = ProbeToyEmbedder.calls
    _run(dataset, ckpt, FeatureCache(None), {})
    _run(dataset, ckpt, FeatureCache(None), {})
    assert ProbeToyEmbedder.calls == calls + 2
    assert not (tmp_path / 'cache').exists()


def test_fingerprints_separate_what_matters():
    assert encoder_fingerprint(MODEL, seed=0) != encoder_fingerprint(MODEL, seed=1)
    assert encoder_fingerprint(MODEL, seed=0) != encoder_fingerprint(dict(MODEL, width=4), seed=0)
    # features computed on a GPU are not the CPU's to the last bit: never shared in the cache
    assert encoder_fingerprint(MODEL, seed=0) == encoder_fingerprint(MODEL, seed=0, device='cpu')
    assert encoder_fingerprint(MODEL, seed=0) != encoder_fingerprint(MODEL, seed=0, device='cuda:1')
    assert dataset_fingerprint(dict(a=1, b=[1, 2])) == dataset_fingerprint(dict(b=(1, 2), a=1))
    assert dataset_fingerprint(dict(split='val')) != dataset_fingerprint(dict(split='test'))
