"""run_probe end to end on stand-ins: files, schema, both baselines, the cache across runs."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config
from probe_toys import (NAMES, ProbeToyEmbedder, default_probe_cfg, save_toy_checkpoint,
                        toy_probe_cfg)

from hierembed.apis import run_probe

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'test_datasets'))
from dataset_media import random_instances, write_coco  # noqa: E402


@pytest.fixture(scope='module')
def probed(tmp_path_factory):
    root = tmp_path_factory.mktemp('probe')
    ckpt = save_toy_checkpoint(str(root / 'epoch_1.pth'), seed=5)
    work_dir = root / 'work'
    calls = ProbeToyEmbedder.calls
    results = run_probe(Config(toy_probe_cfg()), ckpt, str(work_dir), progress=False)
    return dict(root=root, ckpt=ckpt, work_dir=work_dir, results=results,
                calls=ProbeToyEmbedder.calls - calls)


def test_files_and_schema(probed):
    work_dir = probed['work_dir']
    saved = json.loads((work_dir / 'results.json').read_text())
    assert set(saved['encoders']) == {'trained', 'random_init', 'mean_pose'}
    for enc, entry in saved['encoders'].items():
        assert set(entry['heads']) == {'linear', 'mlp'}
        for head, h in entry['heads'].items():
            assert set(h['metrics']) == {'PCK@0.2', 'NME', 'VisAUC'}
            for m in h['metrics'].values():
                assert set(m) >= {'mean', 'per_keypoint', 'groups', 'greater_is_better'}
                assert list(m['per_keypoint']) == NAMES
                assert list(m['groups']) == ['Hd', 'Hnd', 'Ft']
            assert 'predictions' not in h
            if enc != 'mean_pose':
                assert {'selection', 'visibility_selection', 'comparisons'} <= set(h)
                assert 'vs_mean_pose' in h['comparisons']['PCK@0.2']
    assert saved['encoders']['trained']['heads']['mlp']['comparisons']['PCK@0.2'][
        'vs_random_init'] is not None
    meta = saved['meta']
    assert meta['checkpoint'] == probed['ckpt'] and meta['num_instances'] == dict(
        train=80, val=30, test=40)
    assert meta['metric_names'] == ['PCK@0.2', 'NME', 'VisAUC']
    md = (work_dir / 'results.md').read_text()
    assert '| trained | mlp |' in md and '| mean_pose | - |' in md and 'Δ rand. init' in md
    pngs = sorted(p.name for p in (work_dir / 'vis').glob('*.png'))
    assert pngs == ['mean_pose_linear.png', 'random_init_linear.png', 'random_init_mlp.png',
                    'trained_linear.png', 'trained_mlp.png']
    assert meta['visualizations'] == [f'vis/{p}' for p in [
        'trained_linear.png', 'trained_mlp.png', 'random_init_linear.png',
        'random_init_mlp.png', 'mean_pose_linear.png']]


def test_embeddings_come_from_the_cache_until_the_checkpoint_changes(probed):
    # first run: 3 splits x 2 encoders, one batch of 32 (train 80 -> 3 batches)
    assert probed['calls'] == 2 * (3 + 1 + 2)
    calls = ProbeToyEmbedder.calls
    again = run_probe(Config(toy_probe_cfg()), probed['ckpt'], str(probed['work_dir']),
                      progress=False)
    assert ProbeToyEmbedder.calls == calls
    first = probed['results']['encoders']['trained']['heads']['mlp']['metrics']['PCK@0.2']
    assert again['encoders']['trained']['heads']['mlp']['metrics']['PCK@0.2']['seeds'] == \
        first['seeds']
    save_toy_checkpoint(probed['ckpt'], seed=6)
    run_probe(Config(toy_probe_cfg()), probed['ckpt'], str(probed['work_dir']), progress=False)
    assert ProbeToyEmbedder.calls == calls + 3 + 1 + 2  # only the trained encoder re-embeds


def test_baseline_selection_and_errors(tmp_path):
    res = run_probe(Config(toy_probe_cfg(probe_cfg=dict(epochs=5, cache=False,
                                                        num_vis_images=0))),
                    None, str(tmp_path), baselines=['random_init'], progress=False)
    assert set(res['encoders']) == {'random_init'}
    with pytest.raises(ValueError, match='unknown baselines'):
        run_probe(Config(toy_probe_cfg()), None, str(tmp_path), baselines=['imagenet'])
    with pytest.raises(ValueError, match='nothing to probe'):
        run_probe(Config(toy_probe_cfg()), None, str(tmp_path), baselines=['mean_pose'])


def test_supervised_ceiling_on_a_toy_set(tmp_path, monkeypatch):
    """The ceiling trains the encoder end to end on the train labels (the epoch chosen on val),
    is probed like any encoder, and comes from the cache on the next run: never retrained."""
    from hierembed.probe import baselines as probe_module
    cfg = toy_probe_cfg(
        baselines=['random_init', 'mean_pose', 'supervised'],
        supervised_cfg=default_probe_cfg(
            'supervised_cfg', encoder=dict(type='ConvEncoder', input_size=32, embed_dim=16,
                                           base_channels=4), epochs=4, batch_size=16))
    cfg['probe_cfg'] = dict(cfg['probe_cfg'], seeds=2)
    res = run_probe(Config(cfg), None, str(tmp_path), progress=False)
    assert list(res['encoders']) == ['random_init', 'supervised', 'mean_pose']
    sup = res['meta']['supervised']
    assert len(sup['val_scores']) == 5 and sup['select_on'] == 'PCK@0.2'
    assert sup['val_scores'][sup['best_epoch']] == max(sup['val_scores'])
    assert res['encoders']['supervised']['embed_dim'] == 16
    m = res['encoders']['supervised']['heads']['mlp']['metrics']['PCK@0.2']
    assert len(m['seeds']) == 2 and m['probe_seeds'] == [0, 1]
    comp = res['encoders']['supervised']['heads']['mlp']['comparisons']['PCK@0.2']
    assert len(comp['vs_random_init_seeds']) == 2
    assert '| supervised | mlp |' in (tmp_path / 'results.md').read_text()

    def no_training(*args, **kwargs):
        raise AssertionError('the cached ceiling was trained again')
    monkeypatch.setattr(probe_module, 'train_supervised', no_training)
    again = run_probe(Config(cfg), None, str(tmp_path), progress=False)
    assert again['meta']['supervised']['val_scores'] == sup['val_scores']
    assert again['encoders']['supervised']['heads']['mlp']['metrics']['PCK@0.2']['seeds'] == \
        m['seeds']


def test_probe_cfg_keys_are_checked(tmp_path):
    """A misspelt key is refused with a did-you-mean; a missing one names the defaults file."""
    from hierembed.probe.runner import probe_settings
    cfg = toy_probe_cfg()
    cfg['probe_cfg']['patiance'] = 5
    with pytest.raises(KeyError, match="probe_cfg: 'patiance' Did you mean 'patience'"):
        run_probe(Config(cfg), None, str(tmp_path), progress=False)
    cfg = toy_probe_cfg()
    del cfg['probe_cfg']['seeds']
    with pytest.raises(KeyError, match=r"probe_cfg lacks \['seeds'\].*default_probe.py"):
        probe_settings(Config(cfg))
    cfg = toy_probe_cfg(baselines=['supervised'],
                        supervised_cfg=default_probe_cfg('supervised_cfg', epoch=3))
    with pytest.raises(KeyError, match="supervised_cfg: 'epoch' Did you mean 'epochs'"):
        run_probe(Config(cfg), None, str(tmp_path), progress=False)


def test_a_set_without_val_is_carved_by_person_for_the_heads_and_the_ceiling(tmp_path):
    """300-W and MAFL have no val split: val is carved out of train as a dataset, whole people
    at a time (probe_cfg.val_group), and the supervised ceiling selects its epoch on it."""
    splits = {}
    for split, n in (('train', 30), ('test', 8)):
        root = str(tmp_path / split)
        path = write_coco(root, [f'k{i}' for i in range(4)],
                          random_instances(np.random.default_rng(n), 4, n), split=split)
        with open(path) as f:
            data = json.load(f)
        for i, im in enumerate(data['images']):
            im['identity'] = f'{split}{i % 6}'  # 6 people, interleaved like video frames
        with open(path, 'w') as f:
            json.dump(data, f)
        splits[split] = dict(split=split, data_root=root)
    cfg = toy_probe_cfg(
        probe_dataset=dict(type='KeypointDataset', input_size=32),
        probe_splits=dict(splits, val=None),
        metrics=[dict(type='PCKMetric', thr=0.2)],
        baselines=['mean_pose', 'supervised'],
        supervised_cfg=default_probe_cfg(
            'supervised_cfg', encoder=dict(type='ConvEncoder', input_size=32, embed_dim=8,
                                           base_channels=4), epochs=2, batch_size=8),
        probe_cfg=dict(val_fraction=0.3, val_group='identity'))
    res = run_probe(Config(cfg), None, str(tmp_path / 'work'), progress=False)
    carved = res['meta']['dataset_configs']
    assert carved['val']['holdout'] == dict(fraction=0.3, group='identity', seed=0, part='val')
    assert carved['train']['holdout']['part'] == 'train'
    assert carved['val']['data_root'] == splits['train']['data_root']
    assert len(res['meta']['supervised']['val_scores']) == 3  # epoch 0 and the two trained
    assert 'supervised' in res['encoders']
