"""hierembed.research.rows: every row's generated config builds the model it names; so do the
experiment configs behind the research record (docs/research/)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from hierembed.registry import MODELS
from hierembed.research import ROOT, rows
from hierembed.utils import register_all_modules

register_all_modules()


@pytest.mark.parametrize('name', list(rows.ROWS))
def test_row_configs_build(tmp_path, name):
    levels, overrides = rows.ROWS[name]
    path = tmp_path / 'row.py'
    path.write_text(rows.row_config('configs/synthetic_upper_body.py', levels, overrides,
                                    iters=100, seed=3))
    cfg = Config.fromfile(str(path))
    model = MODELS.build(cfg.model)
    assert model.num_levels == levels
    assert cfg.randomness.seed == 3 and cfg.train_cfg.max_iters == 100
    milestones = [h for h in cfg.custom_hooks if h.type == 'CurriculumHook'][0].milestones
    assert milestones == ([] if levels == 1 else [40, 70])
    assert rows.level_milestones(700) == [280, 490]  # 700 * 0.7 is 489.99... in floats
    if name.startswith('FAb'):
        assert type(model.warp_head).__name__ == 'FlowWarpHead'
        assert model.warp_head.size == model.input_size and model.cycle_loss is None
    else:
        assert type(model.warp_head).__name__ == 'HierarchicalWarpHead'
        assert (model.cycle_loss is None) == ('cyc' not in name)
        assert (model.warp_head.confidence is None) == ('con' not in name)


@pytest.mark.parametrize('path', sorted(osp.relpath(p, ROOT) for p in glob.glob(
    osp.join(ROOT, 'configs', 'experiments', '**', '*.py'), recursive=True)))
def test_experiment_configs_build(path):
    """The configs behind docs/research/ (sections 5-21) build the models they describe; a
    fixed schedule adds every level before the end (the ``*_jitter_geometric.py`` and ``*_b16.py``
    bases keep the default's plateau curriculum)."""
    cfg = Config.fromfile(osp.join(ROOT, path))
    model = MODELS.build(cfg.model)
    hook = [h for h in cfg.custom_hooks if h.type == 'CurriculumHook'][0]
    if 'milestones' not in hook:
        assert path.endswith(('_jitter_geometric.py', '_b16.py')) and hook.patience < 100
        return
    assert all(m < cfg.train_cfg.max_iters for m in hook.milestones)
    assert len(hook.milestones) == model.num_levels - 1


def test_experiment_config_is_the_config_with_a_seed(tmp_path):
    path = tmp_path / 'row.py'
    path.write_text(rows.experiment_config(
        'configs/experiments/crops_and_jitter/upper_body_r3_track_crop.py', seed=5))
    cfg = Config.fromfile(str(path))
    assert cfg.randomness.seed == 5
    assert cfg.train_dataloader.dataset.crop == 'track' and cfg.train_cfg.max_iters == 700
    assert rows.experiment_name('configs/experiments/a_b.py') == 'a_b'
    assert rows.row_label('a_b') == ('a_b', '(config)')
    assert rows.row_label('r=3 ph,cyc,con') == ('r=3', 'ph,cyc,con')
