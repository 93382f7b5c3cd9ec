"""tools/probe.py: the command line on stand-ins (fast), and train -> probe end to end (slow)."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from hierembed.errors import ConfigError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_probe'))
from probe_toys import ProbeToyEmbedder, save_toy_checkpoint, toy_probe_cfg  # noqa: E402


def _load_tool():
    spec = importlib.util.spec_from_file_location('probe_tool', osp.join(REPO, 'tools',
                                                                         'probe.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_on_stand_ins(tmp_path, capsys):
    from mmengine.config import Config
    cfg_path = str(tmp_path / 'toy_probe.py')
    Config(toy_probe_cfg()).dump(cfg_path)
    ckpt = save_toy_checkpoint(str(tmp_path / 'toy.pth'), seed=0)
    work = str(tmp_path / 'work')
    calls = ProbeToyEmbedder.calls
    results = _load_tool().main([cfg_path, '--checkpoint', ckpt, '--work-dir', work,
                                 '--baselines', 'mean_pose', '--no-progress', '--cfg-options',
                                 'probe_cfg.epochs=3', 'heads.mlp.hidden_dim=8'])
    assert ProbeToyEmbedder.calls - calls == 3 + 1 + 2  # the trained encoder only
    saved = json.load(open(osp.join(work, 'results.json')))
    assert set(saved['encoders']) == {'trained', 'mean_pose'}
    assert saved['meta']['probe_cfg']['epochs'] == 3
    assert saved['meta']['heads']['mlp']['hidden_dim'] == 8
    assert saved['meta']['config'] == cfg_path and saved['meta']['checkpoint'] == ckpt
    assert results['encoders']['trained']['heads']['linear']['metrics'].keys() == \
        saved['encoders']['trained']['heads']['linear']['metrics'].keys()
    assert osp.isfile(osp.join(work, 'results.md'))
    # --no-progress hides progress bars only: the tables, the caveats and the paths are printed
    out = capsys.readouterr().out
    assert 'PCK' in out and 'Δ rand. init (> 0 better)' in out
    n_test = saved['meta']['num_instances']['test']
    assert f'only {n_test} test instances (under 300)' in out
    assert f'results: {osp.join(work, "results.md")}' in out
    assert f'pictures: {len(saved["meta"]["visualizations"])} in {osp.join(work, "vis")}' in out


def test_cli_rejects_unknown_baseline(tmp_path):
    with pytest.raises(SystemExit):
        _load_tool().parse_args(['cfg.py', '--baselines', 'imagenet'])


def test_cli_refuses_a_launcher_before_reading_the_config():
    """Under torchrun the other ranks would wait in a barrier until the NCCL timeout."""
    with pytest.raises(ConfigError, match='--launcher: pytorch is not supported'):
        _load_tool().main(['missing_cfg.py', '--launcher', 'pytorch'])


TRAIN_CFG = """_base_ = ['{repo}/configs/synthetic_upper_body.py']
model = dict(encoder=dict(input_size=32, embed_dim=32, base_channels=8, max_channels=32),
             warp_head=dict(base_size=8, num_levels=3, topk=4, max_channels=16))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='{data_root}', input_size=32,
                 procedural=dict(object_class='upper_body', num_videos=6, num_frames=21,
                                 size=64, seed=0)))
train_cfg = dict(max_iters=4)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=4))
custom_hooks = []
"""


@pytest.mark.slow
def test_train_then_probe_end_to_end(tmp_path):
    """A few iterations of tools/train.py on a tiny procedural class, then tools/probe.py with
    the real KeypointDataset and ClassEmbedder (model rebuilt from the training config, given
    by --train-config), two probe seeds and the supervised ceiling."""
    data_root = str(tmp_path / 'synthetic_upper_body')
    cfg = tmp_path / 'tiny_train.py'
    cfg.write_text(TRAIN_CFG.format(repo=REPO, data_root=data_root))
    env = dict(os.environ, PYTHONPATH=REPO, NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='1')

    def run(*args):
        proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, f'{args[0]} failed:\n{proc.stdout[-3000:]}\n' \
                                     f'{proc.stderr[-3000:]}'

    run(osp.join(REPO, 'tools', 'train.py'), str(cfg), '--work-dir', str(tmp_path / 'train'))
    ckpt = str(tmp_path / 'train' / 'iter_4.pth')
    assert osp.isfile(ckpt)
    work = tmp_path / 'probe'
    run(osp.join(REPO, 'tools', 'probe.py'), osp.join(REPO, 'configs', 'probes',
                                                      'synthetic_upper_body.py'),
        '--checkpoint', ckpt, '--train-config', str(cfg), '--work-dir', str(work),
        '--no-progress', '--cfg-options', f'probe_dataset.data_root={data_root}',
        'probe_dataset.input_size=32', 'probe_dataset.procedural.num_videos=6',
        'probe_dataset.procedural.num_frames=21', 'probe_dataset.procedural.size=64',
        'probe_dataset.procedural.seed=0',  # the training videos, read as a keypoint set
        'probe_cfg.epochs=20', 'probe_cfg.weight_decay=0.0', 'probe_cfg.seeds=2',
        'supervised_cfg.epochs=2')
    results = json.loads((work / 'results.json').read_text())
    names = results['meta']['keypoint_names']
    assert set(results['encoders']) == {'trained', 'random_init', 'supervised', 'mean_pose'}
    assert results['encoders']['trained']['embed_dim'] == 32
    assert results['meta']['train_config'] == str(cfg)
    for enc in ('trained', 'random_init', 'supervised', 'mean_pose'):
        heads = results['encoders'][enc]['heads']
        assert set(heads) == {'linear', 'mlp'}
        for head in heads.values():
            pck = head['metrics']['PCK@6px']
            assert set(pck['per_keypoint']) == set(names)
            assert list(pck['groups']) == ['Hd', 'Wrt', 'Elb', 'Shldr']
            assert pck['mean'] is not None and 0.0 <= pck['mean'] <= 100.0
            assert len(pck['seeds']) == 2 and 'PCK@0.1box' in head['metrics']
            if results['meta']['visibility_probed']:
                assert 'VisAUC' in head['metrics']
    md = (work / 'results.md').read_text()
    assert '| trained | linear |' in md and '| random_init | mlp |' in md
    assert (work / 'vis' / 'trained_mlp.png').is_file()
    assert (work / 'vis' / 'mean_pose_linear.png').is_file()


@pytest.mark.parametrize('name', sorted(
    osp.splitext(f)[0] for f in os.listdir(osp.join(REPO, 'configs', 'probes'))
    if f.endswith('.py')))
def test_probe_configs_are_consistent(name):
    """Every probe config loads, its dataset arguments exist, its metrics and heads build, and
    the keypoints it names are in its metainfo."""
    import inspect

    from mmengine.config import Config

    from hierembed.datasets import KeypointDataset
    from hierembed.datasets.metainfo import parse_metainfo
    from hierembed.registry import METRICS, PROBE_HEADS
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'probes', f'{name}.py'))
    params = inspect.signature(KeypointDataset.__init__).parameters
    assert cfg.probe_dataset.type == 'KeypointDataset'
    assert set(cfg.probe_dataset) - {'type'} <= set(params)
    for split in cfg.probe_splits.values():
        assert split is None or set(split) <= set(params)
    assert cfg.probe_splits.train and cfg.probe_splits.test
    names = None
    if cfg.probe_dataset.get('metainfo'):
        names = parse_metainfo(cfg.probe_dataset.metainfo)['keypoint_names']
        for key in ('torso', 'eyes'):
            for kpt in cfg.probe_dataset.get('norm_kwargs', {}).get(key, ()):
                assert kpt in names
    for mc in cfg.metrics:
        metric = METRICS.build(mc)
        if names is not None:
            metric.dataset_meta = dict(keypoint_names=names)
            for kpt in metric.keypoints or ():
                metric.keypoint_index(kpt)
    for head_cfg in list(cfg.heads.values()) + list(cfg.visibility_heads.values()):
        PROBE_HEADS.build(dict(head_cfg, in_channels=8, num_keypoints=3))
    from hierembed.apis import KNOWN_BASELINES
    assert {'random_init', 'mean_pose'} <= set(cfg.baselines) <= set(KNOWN_BASELINES)
    if name.startswith('synthetic_'):  # the procedural probe sets: own data, five seeds
        assert cfg.probe_dataset.data_root.endswith('_probe')
        assert cfg.probe_dataset.procedural.seed != 0 and cfg.probe_cfg.seeds == 5
        assert [m.get('name') for m in cfg.metrics][1] == 'PCK@0.1box'
        assert 'supervised' in cfg.baselines
