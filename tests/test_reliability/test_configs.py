"""Training configs a careless user writes: each refused before anything is built, or made to
work, with the key and the file named."""
import glob
import os.path as osp
import runpy
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from hierembed.datasets.procedural import render_params
from hierembed.engine.train_checks import check_train_cfg, known_config_keys, level1_prob_bytes
from hierembed.registry import MODELS

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TESTS)
ENGINE_TESTS = osp.join(TESTS, 'test_engine')
sys.path.insert(0, ENGINE_TESTS)
from toy_modules import write_tiny_config  # noqa: E402

DEFAULT = osp.join(REPO, 'configs', 'synthetic_upper_body.py')


def _check(path, options=None, **kw):
    cfg = Config.fromfile(path)
    file_keys = list(cfg.keys())
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = kw.pop('work_dir', '/nonexistent')
    return check_train_cfg(cfg, path, [k.split('.')[0] for k in options or {}], file_keys)


def test_misspelt_key_on_the_command_line(tmp_path):
    cfg = write_tiny_config(str(tmp_path / 'tiny.py'), str(tmp_path / 'data'))
    train = runpy.run_path(osp.join(REPO, 'tools', 'train.py'))['main']
    with pytest.raises(KeyError) as err:
        train([cfg, '--work-dir', str(tmp_path / 'w'), '--cfg-options', 'trian_cfg.max_iters=1'])
    msg = str(err.value)
    assert "'trian_cfg' Did you mean 'train_cfg'" in msg and 'tiny.py' in msg
    assert not osp.exists(str(tmp_path / 'w'))  # refused before the Runner made its work dir


def test_misspelt_key_in_the_file(tmp_path):
    path = write_tiny_config(str(tmp_path / 'tiny.py'), str(tmp_path / 'data'),
                             extra='custom_hoks = []')
    with pytest.raises(KeyError, match=r"tiny\.py \(a top-level key\): 'custom_hoks' Did you "
                                       r"mean 'custom_hooks'"):
        _check(path)


def test_helper_variables_and_known_keys_pass(tmp_path):
    path = write_tiny_config(str(tmp_path / 'tiny.py'), str(tmp_path / 'data'),
                             extra="my_root = 'data/x'")
    cfg = _check(path, {'train_cfg.max_iters': 3, 'sync_bn': 'torch', 'my_root': 'y'})
    assert cfg.train_cfg.max_iters == 3 and cfg.my_root == 'y'


def test_known_keys_are_the_training_configs_and_the_runners():
    known = known_config_keys()
    assert {'train_cfg', 'vis_backends', 'data_root', 'find_unused_parameters',
            'max_level1_prob_gib'} <= known
    assert 'probe_cfg' not in known  # a probe key means nothing to train.py


def test_custom_imports_through_cfg_options(tmp_path, monkeypatch):
    (tmp_path / 'reliability_plugin_mod.py').write_text('LOADED = True\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    _check(DEFAULT, {'custom_imports.imports': ['reliability_plugin_mod']})
    assert sys.modules['reliability_plugin_mod'].LOADED
    with pytest.raises(ValueError, match='custom_imports.imports='):
        _check(DEFAULT, {'custom_imports': 'reliability_plugin_mod'})
    with pytest.raises(ImportError):
        _check(DEFAULT, {'custom_imports.imports': ['no_such_module_here']})


@pytest.mark.parametrize('head,levels', [
    (dict(base_size=16, num_levels=5), '[16, 32, 64, 128, 256]'),
    (dict(base_size=128, num_levels=1), '[128]'),
])
def test_levels_finer_than_the_input_are_refused_at_build(head, levels):
    cfg = Config.fromfile(DEFAULT).model
    cfg.warp_head.update(head)
    with pytest.raises(ValueError) as err, DefaultScope.overwrite_default_scope('hierembed'):
        MODELS.build(cfg)
    assert f'gives levels {levels}' in str(err.value) and 'input_size=64' in str(err.value)


def test_level1_memory_estimate_is_refused_with_the_number():
    # 16 copies x 4 bytes x B 16 x 64^4 = 2^4 * 2^2 * 2^4 * 2^24 bytes = 16 GiB
    assert level1_prob_bytes(16, 64) == 16 * 2**30
    opts = {'model.warp_head.base_size': 64, 'model.warp_head.num_levels': 1,
            'train_dataloader.batch_size': 16}
    with pytest.raises(MemoryError) as err:
        _check(DEFAULT, dict(opts, max_level1_prob_gib=8))
    msg = str(err.value)
    assert 'about 16.0 GiB' in msg and 'limit of 8.0 GiB' in msg and 'batch 16 x 64^2' in msg
    _check(DEFAULT, dict(opts, max_level1_prob_gib=17))
    # default limit: the device's memory; W_1 = 256 would need 4096 GiB
    with pytest.raises(MemoryError, match='about 4096.0 GiB'):
        _check(DEFAULT, dict(opts, **{'model.warp_head.base_size': 256}))
    _check(DEFAULT)  # the shipped default: 16 x 16^4 x 64 bytes = 64 MiB


def _procedural_sets(path):
    """``(data_root, render arguments)`` of every procedural set a shipped config renders: the
    arguments ``ensure_procedural`` checks a rendered ``data_root`` against."""
    cfg = Config.fromfile(path)
    sets = []
    for ds in (cfg.get('train_dataloader', {}).get('dataset'), cfg.get('probe_dataset')):
        if ds and ds.get('procedural'):
            root = ds.procedural.get('data_root') or ds.data_root
            sets.append((root, render_params(**ds.procedural)))
    return sets


def test_shipped_configs_never_ask_one_data_root_for_two_renders(monkeypatch):
    """A ``data_root`` rendered with other counts is refused at run time (``ValueError``): two
    shipped configs that share one must ask for the same videos. Guards the experiment configs
    when a default's videos change (docs/research/more_identities.md section 20)."""
    monkeypatch.syspath_prepend(REPO)  # configs/horse.py imports the horse plugin
    paths = [p for pattern in ('configs/*.py', 'configs/experiments/**/*.py', 'configs/probes/*.py',
                               'plugins/*/configs/**/*.py')
             for p in sorted(glob.glob(osp.join(REPO, pattern), recursive=True))
             if '_base_' not in p]
    seen, checked = {}, 0
    for path in paths:
        for root, args in _procedural_sets(path):
            first = seen.setdefault(root, (path, args))
            assert first[1] == args, (
                f'{osp.relpath(path, REPO)} and {osp.relpath(first[0], REPO)} render '
                f'{root} with {args} and {first[1]}')
            checked += 1
    assert checked > 50 and {'data/synthetic_upper_body', 'data/synthetic_upper_body_400x25',
                             'data/synthetic_face_96x30'} <= set(seen)
